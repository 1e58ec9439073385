package echo

import (
	"errors"
	"fmt"
	"math"
	"time"

	"tipring/dsp/measure"
)

// Config selects the canceller's tail and optional stages.
type Config struct {
	// Tail is the longest echo path (pure delay plus dispersion) the
	// canceller models, 16 to 128 ms. Zero means 64 ms.
	Tail time.Duration
	// NLP enables the non-linear processor that replaces residual echo by
	// comfort noise matched to the background (G.168 clause 3.8, 7.7).
	NLP bool
	// HighPass enables a 100 Hz high-pass filter on Sin (and on the
	// reference, so that the modelled echo path is unchanged).
	HighPass bool
	// ToneDisable enables the G.164/G.165 tone disabler: 2100 Hz with phase
	// reversals every 450 ms turns the canceller into a transparent path.
	ToneDisable bool
}

// DefaultConfig returns a 64 ms tail with NLP, high-pass filter and tone
// disabler enabled.
func DefaultConfig() Config {
	return Config{Tail: 64 * time.Millisecond, NLP: true, HighPass: true, ToneDisable: true}
}

// Tail limits.
const (
	MinTail = 16 * time.Millisecond
	MaxTail = 128 * time.Millisecond
)

// Latency is the delay the canceller adds to the send path: Sout lags Sin
// by one block of 64 samples, the price of block-wise adaptation.
const Latency = blockLen * time.Second / 8000

// Stats reports the canceller's estimates, refreshed every block (8 ms).
type Stats struct {
	ERL        float64 // echo return loss Rin→Sin, dB (smoothed, far-end single talk)
	ERLE       float64 // echo return loss enhancement Sin→Sout before the NLP, dB
	DoubleTalk bool    // near-end speech detected in the last block
	NLPActive  bool    // the NLP is replacing Sout by comfort noise
	Disabled   bool    // the tone disabler has bypassed the canceller
	Converged  bool    // the filter removes at least 12 dB of echo
}

// erlBlocks is the number of far-end single-talk blocks (256 ms) after
// which the measured ERL is trusted by the near-end speech test.
const erlBlocks = 32

// Levels used by the control logic, as mean squares in 16-bit units.
var (
	farActivePower = dbm0Power(-45) // Rin block power that counts as far-end signal
	maxNoisePower  = dbm0Power(-30) // the loudest background the NLP imitates
	nearFloorPower = dbm0Power(-52) // residual below this is never near-end speech
	minInputPower  = dbm0Power(-60) // regularisation floor of the step normalisation
)

func dbm0Power(db float64) float32 {
	const ref = measure.DBm0Ref
	return float32(ref * ref * math.Pow(10, db/10))
}

func powerDB(p float64) float64 {
	if p <= 0 {
		return -150
	}
	return 10 * math.Log10(p)
}

// Canceller is one channel's echo canceller. It is owned by one goroutine.
type Canceller struct {
	cfg     Config
	parts   int // P: filter partitions of blockLen taps
	frozen  bool
	nlpOn   bool
	pos     int // samples buffered in the current block
	inR     [blockLen]int16
	inS     [blockLen]int16
	outQ    [blockLen]int16
	hpR     biquad
	hpS     biquad
	r, s    [blockLen]float32
	f       pbfdaf
	geigel  []float32 // per-block peak |Rin|, ring over the tail
	gpower  []float32 // per-block Rin power, same ring
	gpos    int
	farHang int  // blocks of far-end hangover left
	dtHang  int  // blocks of adaptation hold left (Geigel)
	nearHng int  // blocks of NLP near-end hold left
	dtHng   int  // blocks of two-path double-talk hold left
	nearRaw bool // the last block passed the NLP near-end test
	// Smoothed powers (far-end single talk) for ERL/ERLE.
	pr, pg, pd, pe float32
	alpha          float32 // residual echo / Rin power ratio (combined loss)
	erlN           int     // far-end single-talk blocks behind echoGain (capped)
	echoGain       float32 // largest Sin/loudest-Rin power ratio in single talk, decaying
	nlpAlpha       float32 // the same as the NLP near-end test sees it
	converged      bool
	nlp            nlp
	tone           toneDisabler
	stats          Stats
}

// New returns a canceller for cfg.
func New(cfg Config) (*Canceller, error) {
	if cfg.Tail == 0 {
		cfg.Tail = 64 * time.Millisecond
	}
	if cfg.Tail < MinTail || cfg.Tail > MaxTail {
		return nil, fmt.Errorf("echo: tail %v outside %v..%v", cfg.Tail, MinTail, MaxTail)
	}
	taps := int((cfg.Tail*8000 + time.Second - 1) / time.Second)
	parts := (taps + blockLen - 1) / blockLen
	if parts < 1 {
		return nil, errors.New("echo: empty tail")
	}
	c := &Canceller{cfg: cfg, parts: parts, nlpOn: cfg.NLP}
	c.f.init(parts)
	c.geigel = make([]float32, parts+1)
	c.gpower = make([]float32, parts+1)
	c.alpha, c.nlpAlpha = 1, 1
	c.hpR.highPass100()
	c.hpS.highPass100()
	c.nlp.init()
	c.tone.init()
	return c, nil
}

// Reset forgets the echo path, the background noise and the tone disabler
// state, as at a new call.
func (c *Canceller) Reset() {
	c.pos = 0
	c.inR, c.inS, c.outQ = [blockLen]int16{}, [blockLen]int16{}, [blockLen]int16{}
	c.hpR.reset()
	c.hpS.reset()
	c.f.reset()
	clear(c.geigel)
	clear(c.gpower)
	c.farHang, c.dtHang, c.nearHng, c.dtHng, c.nearRaw = 0, 0, 0, 0, false
	c.pr, c.pg, c.pd, c.pe, c.alpha, c.nlpAlpha = 0, 0, 0, 0, 1, 1
	c.erlN, c.echoGain = 0, 0
	c.converged = false
	c.nlp.init()
	c.tone.init()
	c.stats = Stats{}
}

// Freeze stops (true) or resumes (false) adaptation; the current echo path
// estimate keeps cancelling.
func (c *Canceller) Freeze(frozen bool) { c.frozen = frozen }

// SetNLP turns the non-linear processor on or off.
func (c *Canceller) SetNLP(on bool) { c.nlpOn = on }

// Disabled reports whether the tone disabler currently bypasses the
// canceller.
func (c *Canceller) Disabled() bool { return c.tone.disabled }

// Stats returns the latest estimates.
func (c *Canceller) Stats() Stats {
	st := c.stats
	st.ERL = powerDB(float64(c.pr)) - powerDB(float64(c.pd))
	st.ERLE = powerDB(float64(c.pd)) - powerDB(float64(c.pe))
	return st
}

// Process cancels echo for one frame. rin is the far-end signal sent toward
// the line (the reference), sin what came back from the line (near-end
// speech plus echo); out receives Sout, delayed by Latency. It handles
// min(len(rin), len(sin), len(out)) samples; frames of any length may be
// mixed. It does not allocate.
func (c *Canceller) Process(rin, sin, out []int16) {
	n := min(len(rin), len(sin), len(out))
	rin, sin, out = rin[:n], sin[:n], out[:n]
	for len(rin) > 0 {
		k := min(len(rin), blockLen-c.pos)
		copy(c.inR[c.pos:], rin[:k])
		copy(c.inS[c.pos:], sin[:k])
		copy(out[:k], c.outQ[c.pos:c.pos+k])
		c.pos += k
		rin, sin, out = rin[k:], sin[k:], out[k:]
		if c.pos == blockLen {
			c.block()
			c.pos = 0
		}
	}
}

// block processes one complete block of blockLen samples.
func (c *Canceller) block() {
	if c.cfg.ToneDisable {
		c.tone.process(&c.inR, &c.inS)
	}
	disabled := c.tone.disabled
	r, s := &c.r, &c.s
	if c.cfg.HighPass {
		runPair(&c.hpR, &c.hpS, r, s, &c.inR, &c.inS)
	} else {
		for i := range blockLen {
			r[i] = float32(c.inR[i])
			s[i] = float32(c.inS[i])
		}
	}
	// Two partial sums each (shorter chains of dependent additions); the
	// peaks as integer maxima of the magnitudes' bit patterns, which order
	// like the magnitudes themselves (branch-free, unlike the builtin max
	// on floats, which handles NaN and signed zeros).
	var pr, pd, pr1, pd1 float32
	var rb, sb uint32
	const mag = 1<<31 - 1
	for i := 0; i < blockLen; i += 2 {
		r0, r1, s0, s1 := r[i], r[i+1], s[i], s[i+1]
		pr += r0 * r0
		pd += s0 * s0
		pr1 += r1 * r1
		pd1 += s1 * s1
		rb = max(rb, math.Float32bits(r0)&mag, math.Float32bits(r1)&mag)
		sb = max(sb, math.Float32bits(s0)&mag, math.Float32bits(s1)&mag)
	}
	pr += pr1
	pd += pd1
	rmax, smax := math.Float32frombits(rb), math.Float32frombits(sb)
	pr /= blockLen
	pd /= blockLen

	// Far-end activity, with a hangover covering the tail so that the echo
	// of the last far-end syllable is still treated as echo.
	if pr > farActivePower {
		c.farHang = c.parts + 2
	} else if c.farHang > 0 {
		c.farHang--
	}
	far := c.farHang > 0

	// Geigel detector (G.168 clause 3.9 double-talk detection): near-end
	// speech when the Sin peak exceeds half the largest Rin peak over the
	// tail, i.e. more than an echo could be at ERL >= 6 dB. Before the
	// filter has converged the NLP uses a stricter test, Sin block power 3
	// dB above the largest Rin block power over the tail: the ERL of a
	// dispersive path measured on a composite source is an average, and
	// voiced syllables can see 3 dB less loss.
	c.geigel[c.gpos] = rmax
	c.gpower[c.gpos] = pr
	c.gpos++
	if c.gpos == len(c.geigel) {
		c.gpos = 0
	}
	var gmax, gpow float32
	for i, v := range c.geigel {
		gmax = max(gmax, v)
		gpow = max(gpow, c.gpower[i])
	}
	if smax > 0.5*gmax && pd > nearFloorPower {
		c.dtHang = 4
	} else if c.dtHang > 0 {
		c.dtHang--
	}
	geigel := c.dtHang > 0
	loud := pd > 2*gpow && pd > nearFloorPower
	// Sin 9 dB above the echo the measured ERL predicts from the loudest
	// Rin over the tail, with peaks the Geigel test cannot ascribe to an
	// echo either: near-end speech whatever the filter's state. Echo path
	// changes that move the pure delay within the tail (a transmit queue
	// that grows or shrinks by whole frames) leave the ERL as it was, so
	// the test holds while the filter re-converges; an echo that became
	// louder by a path change still has ERL >= 6 dB and does not pass the
	// Geigel test. The ERL here is the smallest seen (echoGain, the
	// largest ratio of Sin to the loudest Rin over the tail), and only 12
	// dB or more is trusted: a weaker echo itself passes the Geigel test
	// now and then, and the blocks it leaves to the estimate are its
	// quieter ones.
	overERL := geigel && c.erlN >= erlBlocks && c.echoGain < 1.0/16 &&
		pd > 8*(gpow*c.echoGain+c.nlp.noise) && pd > nearFloorPower

	adapt := !c.frozen && !disabled && !geigel && pr > farActivePower
	e, pe, _ := c.f.process(r, s, adapt, !c.frozen && !disabled, geigel || c.dtHng > 0)

	// Near-end speech. Once the filter has converged, near-end speech is a
	// residual well above the residual echo expected from the loudest Rin
	// over the tail and the achieved combined loss alpha (the misadjustment
	// of the whole filter, not only of the echo's own taps, leaks the
	// current Rin); before that, Sin too loud to be echo. Two verdicts:
	// dt (with the true alpha) guards the foreground filter; near (with
	// nlpAlpha, which creeps up while the residual stays high) steers the
	// NLP, so that after an echo path change the NLP resumes before the
	// filter has re-converged.
	var near, dt bool
	if c.converged {
		// Near-end speech also leaves the residual within 12 dB of Sin,
		// which a converged filter's residual echo hardly ever is.
		speech := pe*16 > pd && pe > nearFloorPower
		dt = speech && pe > 8*(c.alpha*gpow+c.nlp.noise)
		// A single block over the threshold releases the NLP only with a
		// wide margin; otherwise two in a row are needed, so that a burst
		// of misadjustment while the filter still converges does not leak.
		exp := c.nlpAlpha*gpow + c.nlp.noise
		raw := speech && pe > 8*exp
		near = raw && (c.nearRaw || pe > 64*exp)
		c.nearRaw = raw
	} else {
		near = loud || overERL
	}
	if dt {
		c.dtHng = 3
	} else if c.dtHng > 0 {
		c.dtHng--
	}
	if near {
		c.nearHng = 3
	} else if c.nearHng > 0 {
		c.nearHng--
		near = true
	}

	if far && gpow > farActivePower && !near && c.dtHng == 0 && !geigel {
		// ERL/ERLE estimates over far-end single talk. alpha relates the
		// residual to the loudest Rin over the tail, as the tests above
		// use it: with a long pure delay, Rin and its echo fall in
		// different blocks.
		const a = 0.05
		c.pr += a * (pr - c.pr)
		c.pg += a * (gpow - c.pg)
		c.pd += a * (pd - c.pd)
		c.pe += a * (pe - c.pe)
		c.alpha = min(1, c.pe/c.pg)
		c.nlpAlpha = c.alpha
		c.erlN = min(c.erlN+1, erlBlocks)
		if g := pd / gpow; g > c.echoGain {
			c.echoGain = g
		} else {
			c.echoGain += 0.01 * (g - c.echoGain)
		}
	} else if far && gpow > farActivePower && pe > c.nlpAlpha*gpow && !overERL {
		// A residual that stays high is either long double talk or an
		// echo path change the filter has not learnt yet: let the
		// expected residual creep up, 20 dB/s for the NLP and 2 dB/s for
		// the filter guard; near-end pauses bring both back down. Not
		// while Sin is well above the echo the measured ERL allows: that
		// is double talk, and the NLP must keep passing it.
		c.nlpAlpha = min(1, pe/gpow, c.nlpAlpha*1.038)
		if c.dtHng > 0 {
			c.alpha = min(1, pe/gpow, c.alpha*1.0037)
		}
	}
	if c.f.copiedInDT && gpow > 0 {
		// The background filter beat the foreground by 6 dB through
		// "double talk": it was an echo path change. Expect the new
		// residual.
		c.alpha = max(c.alpha, min(1, pe/gpow))
		c.nlpAlpha = max(c.nlpAlpha, c.alpha)
	}
	// Converged once the filter removes 12 dB; no longer below 6 dB.
	if c.pe*16 < c.pd {
		c.converged = true
	} else if c.pe*4 > c.pd {
		c.converged = false
	}

	active := c.nlpOn && far && !near && !disabled
	if !far {
		c.nlp.learn(e, pe)
	}
	// The background is never louder than Sin: a steady signal mistaken
	// for noise while the far end was silent (an exchange's dial tone)
	// must not come back as comfort noise above the echo it replaces.
	c.nlp.bound(pd)
	if disabled {
		c.outQ = c.inS
	} else {
		c.nlp.run(&c.outQ, e, active, pd)
	}
	// ERL and ERLE are left in the power domain: Stats converts them to
	// dB when asked, not every 8 ms.
	c.stats = Stats{
		DoubleTalk: geigel || near,
		NLPActive:  active,
		Disabled:   disabled,
		Converged:  c.converged,
	}
}

// biquad is a second-order high-pass section, b0·(1 - 2z⁻¹ + z⁻²) /
// (1 + a1·z⁻¹ + a2·z⁻²), in direct form I on 16-bit input.
type biquad struct {
	b0, a1, a2 float32
	x1, x2     int32   // last two inputs
	y1, y2     float32 // last two outputs
}

// highPass100 sets a Butterworth high-pass at 100 Hz (8 kHz sampling).
func (q *biquad) highPass100() {
	w := 2 * math.Pi * 100 / 8000
	alpha := math.Sin(w) / math.Sqrt2 // sin(w)/(2Q) with Q = 1/√2
	cw := math.Cos(w)
	a0 := 1 + alpha
	q.b0 = float32((1 + cw) / 2 / a0) // b1 = -2·b0, b2 = b0
	q.a1 = float32(-2 * cw / a0)
	q.a2 = float32((1 - alpha) / a0)
}

func (q *biquad) reset() { q.x1, q.x2, q.y1, q.y2 = 0, 0, 0, 0 }

// runPair filters src1 into dst1 with q1 and src2 into dst2 with q2. The
// two recursions are independent and interleave in the pipeline; each is
// computed in direct form I, whose feedback path is one multiply and one
// subtraction per sample. The feed-forward part is the second difference
// of the integer input, exact in int32, times b0.
func runPair(q1, q2 *biquad, dst1, dst2 *[blockLen]float32, src1, src2 *[blockLen]int16) {
	b0, a1, a2 := q1.b0, q1.a1, q1.a2
	x1, x2, y1, y2 := q1.x1, q1.x2, q1.y1, q1.y2
	u1, u2, v1, v2 := q2.x1, q2.x2, q2.y1, q2.y2
	for i := range blockLen {
		x, u := int32(src1[i]), int32(src2[i])
		f := b0*float32(x-2*x1+x2) - a2*y2
		g := b0*float32(u-2*u1+u2) - a2*v2
		y := f - a1*y1
		v := g - a1*v1
		dst1[i], dst2[i] = y, v
		x2, x1, y2, y1 = x1, x, y1, y
		u2, u1, v2, v1 = u1, u, v1, v
	}
	q1.x1, q1.x2, q1.y1, q1.y2 = x1, x2, y1, y2
	q2.x1, q2.x2, q2.y1, q2.y2 = u1, u2, v1, v2
}
