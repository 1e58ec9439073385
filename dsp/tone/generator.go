package tone

import (
	"math"
	"time"

	"tipring/dsp/measure"
)

// SampleRate is the generator's sample rate, in Hz.
const SampleRate = 8000

// MaxComponents is the number of simultaneous components a Generator
// renders; further components of a segment are ignored.
const MaxComponents = 6

// osc is a recursive quadrature oscillator: z rotates by w every sample.
type osc struct {
	freq, mod   float64 // Hz; identity used to carry phase across segments
	amp         float64
	zr, zi      float64 // carrier phasor
	wr, wi      float64 // carrier step
	mr, mi      float64 // modulator phasor
	mwr, mwi    float64 // modulator step
	modulated   bool
	initialised bool
}

// Generator plays a Tone into frames. The zero value is a stopped
// generator. It is not safe for concurrent use.
type Generator struct {
	tone    Tone
	inFirst bool
	idx     int
	remain  int  // samples left in the current segment
	steady  bool // current segment holds forever
	active  bool
	nosc    int
	osc     [MaxComponents]osc
	prev    [MaxComponents]osc
}

// Start begins playing t from its first segment, replacing whatever was
// playing. Start does not allocate; the generator keeps referring to t's
// segment slices, which must not be modified while it plays.
func (g *Generator) Start(t Tone) {
	g.tone = t
	g.nosc = 0
	g.active = true
	g.inFirst = true
	g.idx = -1
	g.advance()
}

// Stop ends the tone; Fill then returns 0.
func (g *Generator) Stop() {
	g.active = false
	g.nosc = 0
	g.tone = Tone{}
}

// Active reports whether a tone is playing (including its silent
// segments).
func (g *Generator) Active() bool { return g.active }

// Fill writes the next len(frame) samples of the tone into frame,
// overwriting it, and returns len(frame). Silent segments write zeros; if
// the tone ends within the frame the rest of the frame is zeroed. When the
// generator is stopped Fill returns 0 and leaves frame untouched.
func (g *Generator) Fill(frame []int16) int {
	if !g.active {
		return 0
	}
	n := 0
	for n < len(frame) {
		if !g.active {
			clear(frame[n:])
			break
		}
		chunk := len(frame) - n
		if !g.steady {
			chunk = min(chunk, g.remain)
		}
		g.render(frame[n : n+chunk])
		n += chunk
		if !g.steady {
			g.remain -= chunk
			if g.remain == 0 {
				g.advance()
			}
		}
	}
	g.normalise()
	return len(frame)
}

// segSamples converts a duration to whole samples (at least one).
func segSamples(d time.Duration) int {
	n := int((d*SampleRate + time.Second/2) / time.Second)
	return max(n, 1)
}

// advance moves to the next segment: through First once, then round Loop.
func (g *Generator) advance() {
	g.idx++
	if g.inFirst && g.idx >= len(g.tone.First) {
		g.inFirst = false
		g.idx = 0
	}
	if g.inFirst {
		g.enter(&g.tone.First[g.idx])
		return
	}
	if len(g.tone.Loop) == 0 {
		g.active = false
		g.nosc = 0
		return
	}
	if g.idx >= len(g.tone.Loop) {
		g.idx = 0
	}
	g.enter(&g.tone.Loop[g.idx])
}

// enter sets up the oscillators for seg, carrying the phase of any
// component whose frequency continues from the previous segment.
func (g *Generator) enter(seg *Segment) {
	g.steady = seg.Dur <= 0
	g.remain = 0
	if !g.steady {
		g.remain = segSamples(seg.Dur)
	}
	nprev := g.nosc
	g.prev = g.osc
	g.nosc = min(len(seg.Components), MaxComponents)
	for i := range g.nosc {
		c := seg.Components[i]
		o := &g.osc[i]
		*o = osc{}
		for j := range nprev {
			if p := &g.prev[j]; p.initialised && p.freq == c.Freq && p.mod == c.ModFreq {
				*o = *p
				p.initialised = false
				break
			}
		}
		if !o.initialised {
			o.freq, o.mod = c.Freq, c.ModFreq
			o.zr, o.zi = 1, 0 // sine output starts at zero
			o.mr, o.mi = 1, 0
			w := 2 * math.Pi * c.Freq / SampleRate
			o.wr, o.wi = math.Cos(w), math.Sin(w)
			if c.ModFreq != 0 {
				o.modulated = true
				mw := 2 * math.Pi * c.ModFreq / SampleRate
				o.mwr, o.mwi = math.Cos(mw), math.Sin(mw)
			}
			o.initialised = true
		}
		o.amp = measure.Amplitude(c.LevelDBm0)
	}
}

// render writes the current segment into out.
func (g *Generator) render(out []int16) {
	if g.nosc == 0 {
		clear(out)
		return
	}
	var acc [160]float64
	for start := 0; start < len(out); start += len(acc) {
		blk := out[start:min(start+len(acc), len(out))]
		sum := acc[:len(blk)]
		clear(sum)
		for k := range g.nosc {
			o := &g.osc[k]
			zr, zi, wr, wi, amp := o.zr, o.zi, o.wr, o.wi, o.amp
			if o.modulated {
				mr, mi, mwr, mwi := o.mr, o.mi, o.mwr, o.mwi
				for i := range sum {
					sum[i] += amp * zi * (1 + AMDepth*mi)
					zr, zi = zr*wr-zi*wi, zr*wi+zi*wr
					mr, mi = mr*mwr-mi*mwi, mr*mwi+mi*mwr
				}
				o.mr, o.mi = mr, mi
			} else {
				for i := range sum {
					sum[i] += amp * zi
					zr, zi = zr*wr-zi*wi, zr*wi+zi*wr
				}
			}
			o.zr, o.zi = zr, zi
		}
		for i, v := range sum {
			blk[i] = int16(max(-32768, min(32767, math.Round(v))))
		}
	}
}

// normalise keeps the phasors on the unit circle against rounding drift.
func (g *Generator) normalise() {
	for k := range g.nosc {
		o := &g.osc[k]
		r := 1 / math.Sqrt(o.zr*o.zr+o.zi*o.zi)
		o.zr, o.zi = o.zr*r, o.zi*r
		if o.modulated {
			r := 1 / math.Sqrt(o.mr*o.mr+o.mi*o.mi)
			o.mr, o.mi = o.mr*r, o.mi*r
		}
	}
}
