package fxo

import (
	"math"
	"slices"

	"tipring/dsp/tone"
	"tipring/hal"
)

// ProgressDetector recognises disconnect tones (busy, congestion) on the
// line's receive audio. The port's built-in detector is made from the
// zone's tone tables; a detector from dsp/progress (including one in
// learning mode for an unknown PBX's tone) fits through a small adapter.
type ProgressDetector interface {
	// Process analyses one frame and reports a tone once it is confirmed:
	// tone.Busy or tone.Congestion.
	Process(frame []int16) (tone.Signal, bool)
	// Reset forgets all state (called when a call starts).
	Reset()
}

// dbm0Ref is the RMS value of a 0 dBm0 sine in 16-bit units (package
// dsp/measure).
const dbm0Ref = 16077.8

// powerOf returns the mean square of a sine at levelDBm0.
func powerOf(levelDBm0 float64) float64 {
	r := dbm0Ref * math.Pow(10, levelDBm0/20)
	return r * r
}

// bank measures, for one frame, the total power and the share of it at a
// set of frequencies (Goertzel, rectangular window). Coefficients are
// fixed at construction; Measure does not allocate.
type bank struct {
	coef [4]float64
	n    int
}

func newBank(freqs []float64) bank {
	var b bank
	for _, f := range freqs {
		if b.n == len(b.coef) || f <= 0 {
			continue
		}
		b.coef[b.n] = 2 * math.Cos(2*math.Pi*f/hal.SampleRate)
		b.n++
	}
	return b
}

// measure returns the frame's mean square, the summed mean square of the
// bank's frequencies, and each frequency's own mean square in each.
func (b *bank) measure(x []int16, each *[4]float64) (total, tones float64) {
	if len(x) == 0 {
		return 0, 0
	}
	for _, v := range x {
		f := float64(v)
		total += f * f
	}
	for i := 0; i < b.n; i++ {
		c := b.coef[i]
		var s1, s2 float64
		for _, v := range x {
			s0 := float64(v) + c*s1 - s2
			s2, s1 = s1, s0
		}
		// |X(f)|^2 scaled so that a sine of amplitude A gives A*A/2.
		p := 2 * (s1*s1 + s2*s2 - c*s1*s2) / float64(len(x)*len(x))
		each[i] = p
		tones += p
	}
	return total / float64(len(x)), tones
}

// toneFreqs returns the distinct frequencies of t's sounding segments.
func toneFreqs(t tone.Tone) []float64 {
	var out []float64
	for _, seg := range append(append([]tone.Segment(nil), t.First...), t.Loop...) {
		for _, c := range seg.Components {
			dup := false
			for _, f := range out {
				dup = dup || f == c.Freq
			}
			if !dup {
				out = append(out, c.Freq)
			}
		}
	}
	return out
}

// commonFreqs returns the frequencies that sound in every sounding
// segment of t: a tone without one of them is not t (a lone 480 Hz is not
// the us 480+620 Hz busy tone).
func commonFreqs(t tone.Tone) []float64 {
	var out []float64
	first := true
	for _, seg := range append(append([]tone.Segment(nil), t.First...), t.Loop...) {
		if len(seg.Components) == 0 {
			continue
		}
		var here []float64
		for _, c := range seg.Components {
			here = append(here, c.Freq)
		}
		if first {
			out, first = here, false
			continue
		}
		out = slices.DeleteFunc(out, func(f float64) bool { return !slices.Contains(here, f) })
	}
	return out
}

// toneDetector decides per frame whether a tone of known frequencies is
// present: enough level, most of the frame's power at the tone's
// frequencies, and every frequency the tone always has within
// toneBalanceDB of the strongest.
type toneDetector struct {
	b        bank
	need     [4]bool // bank frequencies that must sound
	minPower float64
}

// Presence thresholds.
const (
	toneMinDBm0   = -40.0 // weakest tone component recognised
	toneShare     = 0.55  // share of the frame power at the tone frequencies
	toneBalanceDB = 15.0  // how far below the strongest a required frequency may be
)

// toneBalance is toneBalanceDB as a power ratio.
var toneBalance = math.Pow(10, -toneBalanceDB/10)

// newToneDetector detects tone t: its frequencies, of which those that
// sound in every segment must all be present.
func newToneDetector(t tone.Tone) toneDetector {
	freqs := toneFreqs(t)
	d := toneDetector{b: newBank(freqs), minPower: powerOf(toneMinDBm0)}
	common := commonFreqs(t)
	for i, f := range freqs {
		if i < len(d.need) {
			d.need[i] = slices.Contains(common, f)
		}
	}
	return d
}

func (d *toneDetector) present(x []int16) bool {
	if d.b.n == 0 {
		return false
	}
	var each [4]float64
	total, tones := d.b.measure(x, &each)
	if tones < d.minPower || tones < toneShare*total {
		return false
	}
	floor := slices.Max(each[:d.b.n]) * toneBalance
	for i := 0; i < d.b.n; i++ {
		if d.need[i] && each[i] < floor {
			return false
		}
	}
	return true
}

// dialToneDetector recognises the office's dial tone: the zone's dial
// tone frequencies present for DialToneMin in total (cadenced dial tones,
// such as Italy's, sound for at least 200 ms at a time).
type dialToneDetector struct {
	td      toneDetector
	need    int // samples of tone
	have    int
	enabled bool
}

// dialToneMin is how much dial tone must be heard before dialling.
const dialToneMinMs = 300

func newDialToneDetector(z *tone.Zone) *dialToneDetector {
	d := &dialToneDetector{need: dialToneMinMs * hal.SamplesPerMs}
	if z != nil {
		if t, ok := z.Tones[tone.Dial]; ok {
			d.td = newToneDetector(t)
			d.enabled = d.td.b.n > 0
		}
	}
	return d
}

func (d *dialToneDetector) reset() { d.have = 0 }

// process reports whether dial tone has been heard long enough.
func (d *dialToneDetector) process(x []int16) bool {
	if !d.enabled {
		return false
	}
	if d.td.present(x) {
		d.have += len(x)
	}
	return d.have >= d.need
}

// cadence is the on/off pattern of a tone, in samples.
type cadence struct {
	on, off []int
}

// cadenceDetector recognises a cadenced tone (busy, congestion) by its
// frequencies and the durations of its bursts and pauses: every run of
// tone and of silence since the first observed transition must match an
// element of the pattern (within tolerance), and confirmRuns such runs in a
// row confirm the tone (two full cycles of an on/off tone).
type cadenceDetector struct {
	sig     tone.Signal
	td      toneDetector
	cad     cadence
	on      bool // tone present in the current run
	run     int  // samples in the current run
	started bool // a transition has been seen since reset
	good    int  // consecutive matching runs
	enabled bool
}

// confirmRuns is the number of matching runs that confirm a cadenced tone.
const confirmRuns = 4

func newCadenceDetector(sig tone.Signal, t tone.Tone) *cadenceDetector {
	d := &cadenceDetector{sig: sig, td: newToneDetector(t)}
	segs := append(append([]tone.Segment(nil), t.First...), t.Loop...)
	for _, s := range segs {
		if s.Dur <= 0 {
			// A steady segment has no cadence to recognise.
			return d
		}
		n := int(s.Dur.Milliseconds()) * hal.SamplesPerMs
		if len(s.Components) > 0 {
			d.cad.on = append(d.cad.on, n)
		} else {
			d.cad.off = append(d.cad.off, n)
		}
	}
	d.enabled = len(d.cad.on) > 0 && len(d.cad.off) > 0 && d.td.b.n > 0
	return d
}

func (d *cadenceDetector) reset() {
	d.on, d.run, d.started, d.good = false, 0, false, 0
}

// matches reports whether a run of n samples fits one of the pattern's
// durations: within 20 % or 60 ms.
func matches(n int, want []int) bool {
	for _, w := range want {
		tol := max(w/5, 60*hal.SamplesPerMs)
		if n >= w-tol && n <= w+tol {
			return true
		}
	}
	return false
}

// process analyses one frame and reports whether the tone is confirmed.
func (d *cadenceDetector) process(x []int16) bool {
	if !d.enabled {
		return false
	}
	on := d.td.present(x)
	if on == d.on {
		d.run += len(x)
		return false
	}
	// A run ended.
	if d.started {
		if matches(d.run, d.pattern(d.on)) {
			d.good++
		} else {
			d.good = 0
		}
	}
	d.started = true
	d.on = on
	d.run = len(x)
	return d.good >= confirmRuns
}

func (d *cadenceDetector) pattern(on bool) []int {
	if on {
		return d.cad.on
	}
	return d.cad.off
}

// zoneProgress is the built-in ProgressDetector: the zone's busy and
// congestion tones, by frequency and cadence.
type zoneProgress struct {
	dets []*cadenceDetector
}

// NewZoneProgress returns a ProgressDetector for the busy and congestion
// tones of zone z (tones without a cadence are not detected).
func NewZoneProgress(z *tone.Zone) ProgressDetector {
	p := &zoneProgress{}
	if z == nil {
		return p
	}
	for _, sig := range []tone.Signal{tone.Busy, tone.Congestion} {
		if t, ok := z.Tones[sig]; ok {
			if d := newCadenceDetector(sig, t); d.enabled {
				p.dets = append(p.dets, d)
			}
		}
	}
	return p
}

func (p *zoneProgress) Process(frame []int16) (tone.Signal, bool) {
	var sig tone.Signal
	found := false
	for _, d := range p.dets {
		if d.process(frame) && !found {
			sig, found = d.sig, true
		}
	}
	if found {
		p.Reset()
	}
	return sig, found
}

func (p *zoneProgress) Reset() {
	for _, d := range p.dets {
		d.reset()
	}
}
