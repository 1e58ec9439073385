package progress

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"tipring/dsp/tone"
)

// Signature is a tone learnt from a recording: its frequencies and one
// cycle of its cadence. Its fields are exported so that it can be stored in
// a configuration and given back to AddSignature.
type Signature struct {
	Signal  tone.Signal     // what the tone means (e.g. tone.Busy for a PBX's busy tone)
	Freqs   []float64       // Hz, strongest first
	Cadence []time.Duration // on, off, on, off, ...: one cycle
	// Levels are the on-steps' levels relative to the loudest one, dB
	// (0 for off-steps).
	Levels []float64
}

// ErrNotPeriodic is returned by Learn when the recording holds no tone
// that repeats its cadence twice.
var ErrNotPeriodic = errors.New("progress: learn: no periodic tone found")

// Learn measures the tone in x (at least two full cycles of it, e.g. 5 s
// of an unknown PBX's busy tone) and returns its signature, to be given
// to Detector.AddSignature. It allocates; it is meant for configuration,
// not for the frame loop.
func Learn(x []int16, sig tone.Signal) (Signature, error) {
	const hopN = 80
	nh := len(x) / hopN
	if nh < 20 {
		return Signature{}, ErrNotPeriodic
	}
	lvl := make([]float64, nh)
	peak := math.Inf(-1)
	for h := range nh {
		var p float64
		for _, v := range x[h*hopN : (h+1)*hopN] {
			p += float64(v) * float64(v)
		}
		lvl[h] = 10 * math.Log10(p/hopN/(dBm0Ref*dBm0Ref)+1e-15)
		peak = max(peak, lvl[h])
	}
	thr := max(peak-15, -55)
	// Runs of on/off hops; runs shorter than 40 ms are merged away.
	type lrun struct {
		on         bool
		start, len int
	}
	var runs []lrun
	for h := range nh {
		on := lvl[h] > thr
		if n := len(runs); n > 0 && runs[n-1].on == on {
			runs[n-1].len++
			continue
		}
		runs = append(runs, lrun{on: on, start: h, len: 1})
	}
	merged := runs[:0:0]
	for _, r := range runs {
		if n := len(merged); n > 0 && (r.len < 4 || merged[n-1].on == r.on) {
			merged[n-1].len += r.len
			continue
		}
		merged = append(merged, r)
	}
	if len(merged) < 3 {
		return Signature{}, ErrNotPeriodic
	}
	// The first and last runs may be cut by the recording.
	inner := merged[1 : len(merged)-1]
	if !inner[0].on {
		inner = inner[1:]
	}
	// The shortest cycle (in runs, even) that repeats at least twice.
	cycle := 0
	for L := 2; L <= 8 && 2*L <= len(inner); L += 2 {
		ok := true
		for i := 0; i+L < len(inner); i++ {
			a, b := inner[i].len*10, inner[i+L].len*10
			if abs(a-b) > tolerance(a)/2 {
				ok = false
				break
			}
		}
		if ok {
			cycle = L
			break
		}
	}
	if cycle == 0 {
		return Signature{}, ErrNotPeriodic
	}
	s := Signature{Signal: sig}
	levels := make([]float64, cycle)
	loud := math.Inf(-1)
	for j := range cycle {
		var sum float64
		var n, lsum int
		var lv float64
		for i := j; i < len(inner); i += cycle {
			sum += float64(inner[i].len)
			n++
			if inner[i].on {
				for h := inner[i].start + 2; h < inner[i].start+inner[i].len-2; h++ {
					lv += lvl[h]
					lsum++
				}
			}
		}
		ms := math.Round(sum / float64(n) * 10)
		s.Cadence = append(s.Cadence, time.Duration(ms)*time.Millisecond)
		if inner[j].on && lsum > 0 {
			levels[j] = lv / float64(lsum)
			loud = max(loud, levels[j])
		}
	}
	for j := range cycle {
		if inner[j].on {
			levels[j] -= loud
		} else {
			levels[j] = 0
		}
	}
	s.Levels = levels
	f, err := learnFreqs(x, func(yield func(a, b int)) {
		n := 0
		for _, r := range inner {
			if r.on && r.len > 8 && n < 8 {
				yield((r.start+4)*hopN, (r.start+r.len-4)*hopN)
				n++
			}
		}
	})
	if err != nil {
		return Signature{}, err
	}
	s.Freqs = f
	return s, nil
}

// learnFreqs finds up to three spectral peaks within 20 dB of the
// strongest in the given stretches of x: a Hann-windowed spectrum on a 1 Hz
// grid from 150 to 3400 Hz, averaged over the stretches (at most 512 ms
// of each).
func learnFreqs(x []int16, stretches func(func(a, b int))) ([]float64, error) {
	const lo, hi = 150, 3400
	spec := make([]float64, hi-lo+1)
	n := 0
	stretches(func(a, b int) {
		b = min(b, a+4096)
		m := b - a
		w := make([]float64, m)
		for i := range w {
			w[i] = (0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(m))) * float64(x[a+i])
		}
		for k := range spec {
			c := 2 * math.Cos(2*math.Pi*float64(lo+k)/SampleRate)
			var s1, s2 float64
			for _, v := range w {
				s1, s2 = v+c*s1-s2, s1
			}
			spec[k] += (s1*s1 + s2*s2 - c*s1*s2) / float64(m*m)
		}
		n++
	})
	if n == 0 {
		return nil, ErrNotPeriodic
	}
	top := 0.0
	for _, v := range spec {
		top = max(top, v)
	}
	type pk struct{ f, p float64 }
	var peaks []pk
	for k := 1; k+1 < len(spec); k++ {
		if spec[k] >= spec[k-1] && spec[k] > spec[k+1] && spec[k] > top/100 {
			// Parabolic interpolation on the log spectrum.
			a, b, c := math.Log(spec[k-1]), math.Log(spec[k]), math.Log(spec[k+1])
			d := 0.0
			if den := a - 2*b + c; den != 0 {
				d = 0.5 * (a - c) / den
			}
			peaks = append(peaks, pk{float64(lo+k) + d, spec[k]})
		}
	}
	sort.Slice(peaks, func(i, j int) bool { return peaks[i].p > peaks[j].p })
	var f []float64
	for _, p := range peaks {
		if len(f) == 3 {
			break
		}
		close := false
		for _, g := range f {
			close = close || math.Abs(g-p.f) < 10
		}
		if !close {
			f = append(f, math.Round(p.f*10)/10)
		}
	}
	if len(f) == 0 {
		return nil, ErrNotPeriodic
	}
	return f, nil
}

// AddSignature makes the detector recognise s (reported with Kind
// Learned). It allocates and resets the detector.
func (d *Detector) AddSignature(s Signature) error {
	if len(s.Freqs) == 0 || len(s.Cadence) < 2 || len(s.Cadence)%2 != 0 {
		return fmt.Errorf("progress: signature %v: need frequencies and an on/off cadence", s)
	}
	c, err := d.classFor(s.Freqs)
	if err != nil {
		return fmt.Errorf("progress: signature %v: %w", s, err)
	}
	p := pattern{signal: s.Signal, kind: Learned}
	for i, dur := range s.Cadence {
		seg := segment{label: offLabel, dur: int(dur / time.Millisecond)}
		if i%2 == 0 {
			seg.label = c
			if i < len(s.Levels) {
				seg.rel = s.Levels[i]
			}
		}
		p.segs = append(p.segs, seg)
	}
	p.need = 2 * len(p.segs)
	// Learned signatures are tried first: they describe this line.
	d.patterns = append([]pattern{p}, d.patterns...)
	d.prepare()
	d.Reset()
	return nil
}
