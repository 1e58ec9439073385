package progress

import (
	"fmt"
	"math"
	"time"

	"tipring/dsp/tone"
)

// maxComp is the number of frequencies a class is fitted with (an AM tone
// has three: the carrier and two sidebands).
const maxComp = 4

// class is a set of frequencies a tone is made of. Every hop the detector
// fits the windowed audio with sines at exactly these frequencies (least
// squares, which separates components closer than the window's
// resolution) and takes the power explained.
type class struct {
	freqs [maxComp]float64
	m     int
	bank  [maxComp]int              // index of each frequency in the Goertzel bank
	ginv  [maxComp][maxComp]float64 // inverse of the window's Gram matrix
	// raw: the first component's own bin gives its phase (a single tone,
	// or an AM carrier, whose symmetric sidebands add to its bin in
	// phase); otherwise it is separated from the others by the fit.
	raw bool
}

// segment is one step of a cadence: a class (or offLabel) for dur ms at rel
// dB below the loudest step.
type segment struct {
	label int
	dur   int // ms
	rel   float64
}

// pattern is a signal's cadence.
type pattern struct {
	signal tone.Signal
	kind   Kind
	segs   []segment
	steady bool // one steady segment: recognised by duration alone
	seq    bool // a sequence seen once (SIT), not a cycle seen twice
	need   int  // completed runs that must match
}

// components expands a segment's components into frequencies and relative
// amplitudes (an AM component gives its two sidebands too).
func components(cs []tone.Component) (f, amp []float64, powerDBm0 float64) {
	var p float64
	for _, c := range cs {
		a := math.Pow(10, c.LevelDBm0/20)
		f = append(f, c.Freq)
		amp = append(amp, a)
		p += a * a / 2
		if c.ModFreq != 0 {
			s := a * tone.AMDepth / 2
			f = append(f, c.Freq-c.ModFreq, c.Freq+c.ModFreq)
			amp = append(amp, s, s)
			p += s * s
		}
	}
	return f, amp, 10 * math.Log10(p*2)
}

// sameFreqs reports whether two frequency lists agree within 2 %.
func sameFreqs(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 0.02*a[i] {
			return false
		}
	}
	return true
}

// classFor returns the index of the class with frequencies f, adding it if
// there is none.
func (d *Detector) classFor(f []float64) (int, error) {
	if len(f) > maxComp {
		return 0, fmt.Errorf("progress: %d frequencies in one tone, at most %d", len(f), maxComp)
	}
	for i := range d.classes {
		c := &d.classes[i]
		if sameFreqs(c.freqs[:c.m], f) {
			return i, nil
		}
	}
	var c class
	c.m = len(f)
	copy(c.freqs[:], f)
	for i, v := range f {
		c.bank[i] = d.bankFor(v)
	}
	// Gram matrix of the Hann window between the frequencies: the
	// response at f_i to a unit sine at f_j, referred to the window
	// centre, is real.
	var g [maxComp][maxComp]float64
	for i := range c.m {
		for j := range c.m {
			g[i][j] = d.windowResponse(f[i]-f[j]) / d.w0
		}
	}
	inv, ok := invert(g, c.m)
	if !ok {
		return 0, fmt.Errorf("progress: frequencies %v cannot be told apart", f)
	}
	c.ginv = inv
	c.raw = c.m == 1 || c.m == 3 && math.Abs(f[1]+f[2]-2*f[0]) < 0.01
	d.classes = append(d.classes, c)
	return len(d.classes) - 1, nil
}

// bankFor returns the Goertzel bank index of frequency f.
func (d *Detector) bankFor(f float64) int {
	for i, v := range d.bank {
		if math.Abs(v.freq-f) < 0.01 {
			return i
		}
	}
	w := 2 * math.Pi * f / SampleRate
	b := bin{freq: f, coef: 2 * math.Cos(w)}
	b.rotr, b.roti = math.Cos(w), -math.Sin(w)
	// Reference phase to the window centre: e^{-jw(N-1)/2}.
	ph := -w * float64(window-1) / 2
	b.cenr, b.ceni = math.Cos(ph), math.Sin(ph)
	b.hopr, b.hopi = math.Cos(w*hop), -math.Sin(w*hop)
	b.absr = 1
	d.bank = append(d.bank, b)
	return len(d.bank) - 1
}

// windowResponse is the Hann window's transform at df Hz, referred to its
// centre (real).
func (d *Detector) windowResponse(df float64) float64 {
	var s float64
	for n := range window {
		s += d.win[n] * math.Cos(2*math.Pi*df*(float64(n)-float64(window-1)/2)/SampleRate)
	}
	return s
}

// invert inverts the leading m x m block of a (Gauss-Jordan with partial
// pivoting).
func invert(a [maxComp][maxComp]float64, m int) (inv [maxComp][maxComp]float64, ok bool) {
	for i := range m {
		inv[i][i] = 1
	}
	for c := range m {
		p := c
		for r := c + 1; r < m; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		if math.Abs(a[p][c]) < 1e-3 {
			return inv, false
		}
		a[c], a[p] = a[p], a[c]
		inv[c], inv[p] = inv[p], inv[c]
		s := 1 / a[c][c]
		for j := range m {
			a[c][j] *= s
			inv[c][j] *= s
		}
		for r := range m {
			if r != c && a[r][c] != 0 {
				f := a[r][c]
				for j := range m {
					a[r][j] -= f * a[c][j]
					inv[r][j] -= f * inv[c][j]
				}
			}
		}
	}
	return inv, true
}

// addTone turns a zone tone into a pattern. Signals that are neither a
// cadence nor steady (a tone played once that is not a SIT) are skipped.
func (d *Detector) addTone(sig tone.Signal, kind Kind, t tone.Tone) error {
	var segs []tone.Segment
	seq := false
	switch {
	case len(t.Loop) > 0 && hasTone(t.Loop):
		segs = t.Loop
		if len(t.First) > 0 && !isSteady(t.Loop) {
			segs = append(append([]tone.Segment{}, t.First...), t.Loop...)
			seq = true
		}
	case len(t.First) > 0:
		segs = t.First
		seq = true
	default:
		return nil
	}
	p := pattern{signal: sig, kind: kind, seq: seq}
	loudest := math.Inf(-1)
	var levels []float64
	for _, s := range segs {
		if len(s.Components) == 0 {
			ms := int(s.Dur / time.Millisecond)
			if ms < minRunMS {
				continue // too short to see (the 15 ms gaps of the uk SIT)
			}
			if n := len(p.segs); n > 0 && p.segs[n-1].label == offLabel {
				p.segs[n-1].dur += ms
				continue
			}
			p.segs = append(p.segs, segment{label: offLabel, dur: ms})
			levels = append(levels, 0)
			continue
		}
		f, _, lvl := components(s.Components)
		c, err := d.classFor(f)
		if err != nil {
			return fmt.Errorf("%v: %w", sig, err)
		}
		if s.Dur == 0 {
			p.steady = true
		}
		p.segs = append(p.segs, segment{label: c, dur: int(s.Dur / time.Millisecond)})
		levels = append(levels, lvl)
		loudest = max(loudest, lvl)
	}
	for i := range p.segs {
		if p.segs[i].label >= 0 {
			p.segs[i].rel = levels[i] - loudest
		}
	}
	switch {
	case p.steady:
		if len(p.segs) != 1 {
			return nil // steady after a cadence (recall dial): not classified
		}
		p.need = 0
	case seq:
		// A SIT is recognised by its tones in order, once; anything else
		// played once cannot be confirmed by its cadence.
		var on []segment
		for _, s := range p.segs {
			if s.label >= 0 {
				on = append(on, s)
			}
		}
		if sig != tone.Info || len(on) < 3 {
			return nil
		}
		p.segs = on[:3]
		p.need = 3
	default:
		if sig == tone.Info && distinctOn(p.segs) >= 3 {
			// Looping SIT: recognised by one pass of its tones.
			var on []segment
			for _, s := range p.segs {
				if s.label >= 0 {
					on = append(on, s)
				}
			}
			p.segs = on[:3]
			p.seq = true
			p.need = 3
			break
		}
		p.need = 2 * len(p.segs)
	}
	d.patterns = append(d.patterns, p)
	return nil
}

func hasTone(segs []tone.Segment) bool {
	for _, s := range segs {
		if len(s.Components) > 0 {
			return true
		}
	}
	return false
}

func isSteady(segs []tone.Segment) bool { return len(segs) == 1 && segs[0].Dur == 0 }

func distinctOn(segs []segment) int {
	seen := map[int]bool{}
	for _, s := range segs {
		if s.label >= 0 {
			seen[s.label] = true
		}
	}
	return len(seen)
}
