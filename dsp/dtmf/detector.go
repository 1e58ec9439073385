package dtmf

import (
	"math"
	"time"
)

// Block analysis parameters (see the package documentation).
const (
	blockLen = 102          // samples per analysis block (12.75 ms)
	halfLen  = blockLen / 2 // samples per half block
	// freqTol is the largest accepted deviation of a tone from its
	// nominal frequency: above Q.24's must-accept ±1.5 % by more than the
	// estimate's error in noise, and well below the ±3.5 % Q.24 requires
	// to be rejected, so that ±3.0 % is always rejected. Voiced speech
	// whose harmonics come near a row and a column tone mostly lands
	// beyond 2 %.
	freqTol = 0.02
	// steadyTol (Hz): the half-block frequency estimates of both blocks
	// must agree with the block-to-block estimate within this, as they do
	// for a steady tone; gliding harmonics of speech do not.
	steadyTol = 6.0
	// relPeak: the chosen row (column) must exceed every other row
	// (column) by this power ratio (4 dB). More would reject a weak
	// off-frequency column tone whose leakage, and the strong row's,
	// lift the neighbouring column's term.
	relPeak = 2.5
	// energyRatio: the two tones must carry this fraction of the block
	// energy (talk-off and noise protection).
	energyRatio = 0.5
	// pairRatio: over the two blocks that confirm a digit, the two tones
	// (corrected for their measured frequency offset) must carry this
	// fraction of the energy.
	pairRatio = 0.88
	// twistSlack widens the per-block twist limits (2 dB) for tones whose
	// frequency offset has not been measured yet.
	twistSlack = 1.585
	// harmonicRatio: the second harmonic of the column tone must be this
	// far below it (10 dB).
	harmonicRatio = 0.1
	// levelMargin (dB) below MinLevelDBm0 at which a block still counts;
	// the exact level test is made on the confirmed pair.
	levelMargin = 3.5
	// confirmMargin (dB) below MinLevelDBm0 still accepted by the exact
	// level test, for measurement error (G.711 quantisation, noise).
	confirmMargin = 1.0
	// twistMargin (dB) is added to the configured twist limits in the
	// exact test, for measurement error, so that tones at the limit are
	// accepted.
	twistMargin = 1.0
	// halfBalance: each tone's power in the two halves of a block must be
	// within this ratio for the block to count as steady (1.9 dB).
	halfBalance = 0.65
	// energyBalance is the looser test on the halves' total energy that
	// lets unsteady blocks out before any filtering (3 dB: the beat of
	// two tones 236 Hz apart moves the halves' energies by ±21 %).
	energyBalance = 0.5
	// maxBridge is the longest lost-audio gap (Fillin) across which a
	// digit in progress stays on: G.711 Appendix I conceals up to 60 ms.
	maxBridge = 60 * SampleRate / 1000
)

// DetectorConfig configures a Detector. Zero fields take the defaults,
// which are the Q.24 values.
type DetectorConfig struct {
	// MinLevelDBm0 is the lowest per-tone level that is detected,
	// default -42 dBm0 (the receiver's dynamic range then reaches from
	// -42 to -3 dBm0 per tone, 39 dB). Tones 3 dB and more below it are
	// never detected.
	MinLevelDBm0 float64
	// LowTwistDB is the largest accepted excess of the low-group (row)
	// tone over the high-group (column) tone, default 8 dB; HighTwistDB
	// the largest accepted excess of the high group over the low group,
	// default 4 dB.
	LowTwistDB, HighTwistDB float64
	// MinDuration is the shortest tone that must be detected; tones
	// shorter than about half of it are rejected. Default 40 ms.
	MinDuration time.Duration
}

// Event is a digit start (End false) or end (End true) seen by a Detector.
type Event struct {
	Digit byte
	End   bool
	// Duration is the detected length of the digit, a multiple of the
	// 12.75 ms block; set on End events.
	Duration time.Duration
}

// goertzelCoef holds per-frequency constants.
type goertzelCoef struct {
	f        float64
	c        float64    // 2 cos ω
	cw, sw   float64    // cos ω, sin ω
	halfRot  complex128 // e^{-jω(M-1)}: Goertzel end value to DFT origin
	shiftM   complex128 // e^{-jωM}: second-half origin to block origin
	expBlock complex128 // e^{-jωN}: nominal block-to-block rotation, removed
}

func cexp(x float64) complex128 { return complex(math.Cos(x), math.Sin(x)) }

func newCoef(f float64) goertzelCoef {
	w := 2 * math.Pi * f / SampleRate
	return goertzelCoef{
		f: f, c: 2 * math.Cos(w), cw: math.Cos(w), sw: math.Sin(w),
		halfRot:  cexp(-w * (halfLen - 1)),
		shiftM:   cexp(-w * halfLen),
		expBlock: cexp(-w * blockLen),
	}
}

// term turns the final Goertzel state (s1, s2) of a half block into the
// DFT term Σ x[n] e^{-jωn} with its origin at the half block's start.
func (g *goertzelCoef) term(s1, s2 float32) complex128 {
	// s1 - e^{-jω} s2 = e^{jω(M-1)} X
	return complex(float64(s1)-g.cw*float64(s2), g.sw*float64(s2)) * g.halfRot
}

// kernel is the DFT over n samples, at frequency ω0, of e^{j(ω0+Δ)k}:
// Σ_{k<n} e^{jΔk}, the leakage of one tone into another tone's term.
func kernel(delta float64, n int) complex128 {
	var s complex128
	for k := range n {
		s += cexp(delta * float64(k))
	}
	return s
}

// pair holds the cross-leakage between a row and a column tone over a
// block and a half block, used to separate the two tones exactly.
type pair struct {
	full, half       complex128 // K(ωc-ωr) over N and M samples
	invFull, invHalf float64    // 1/(N²-|K|²), 1/(M²-|K|²)
	nFull, nHalf     complex128 // N, M
}

// separate returns the positive-frequency coefficients (P, with a sine of
// amplitude A giving |P| = A/2) of the row and column tone from their DFT
// terms xr, xc over n samples, removing each tone's leakage into the
// other's term: the solution of [n k; k* n][pr pc]ᵀ = [xr xc]ᵀ.
func separate(xr, xc, k, n complex128, inv float64) (pr, pc complex128) {
	d := complex(inv, 0)
	pr = (n*xr - k*xc) * d
	pc = (n*xc - conj(k)*xr) * d
	return pr, pc
}

// bankState is the Goertzel state of the eight Q.23 frequencies (rows
// 0-3, columns 4-7) after each half of a block: a over the first half,
// b over the second.
type bankState struct {
	a1, a2, b1, b2 [8]float32
}

// Detector finds DTMF digits in 8 kHz linear audio. It is not safe for
// concurrent use.
type Detector struct {
	coef      [8]goertzelCoef // rows 0-3, columns 4-7
	c32       [8]float32      // 2 cos ω of coef, for the Goertzel bank
	harm      [4]goertzelCoef // second harmonics of the columns
	pairs     [4][4]pair
	minPow    float64 // per-block level floor (mean power of one tone)
	minPair   float64 // exact level floor, summed over two blocks
	minEnergy uint64  // block energy below which no digit can be present
	high      float64 // max column/row power ratio
	low       float64 // max row/column power ratio
	need      int     // consecutive agreeing blocks to declare a digit

	buf  [blockLen]int16
	n    int
	bank bankState

	// Previous block: candidate digit (0 none), and for its row (0) and
	// column (1) tone the separated block coefficient and the coarse
	// (half-block) frequency offset.
	prevCand   byte
	prevP      [2]complex128
	prevCoarse [2]float64
	prevEnergy float64

	run    int   // consecutive blocks agreeing on prevCand
	cur    byte  // digit being received, 0 none
	start  int64 // first block of cur
	last   int64 // last block where cur was seen
	miss   int   // consecutive blocks without cur
	lost   int   // samples of lost audio since cur was last seen
	blocks int64

	events []Event
}

// NewDetector returns a detector for cfg.
func NewDetector(cfg DetectorConfig) *Detector {
	if cfg.MinLevelDBm0 == 0 {
		cfg.MinLevelDBm0 = -42
	}
	if cfg.LowTwistDB == 0 {
		cfg.LowTwistDB = 8
	}
	if cfg.HighTwistDB == 0 {
		cfg.HighTwistDB = 4
	}
	if cfg.MinDuration == 0 {
		cfg.MinDuration = 40 * time.Millisecond
	}
	minPow := math.Pow(amplitude(cfg.MinLevelDBm0-levelMargin), 2) / 2
	d := &Detector{
		minPow:    minPow,
		minPair:   2 * math.Pow(amplitude(cfg.MinLevelDBm0-confirmMargin), 2) / 2,
		minEnergy: uint64(2 * minPow * blockLen),
		high:      math.Pow(10, (cfg.HighTwistDB+twistMargin)/10),
		low:       math.Pow(10, (cfg.LowTwistDB+twistMargin)/10),
		// A tone of MinDuration covers at least this many whole blocks,
		// whatever its alignment.
		need:   max(2, (samples(cfg.MinDuration)-(blockLen-1))/blockLen),
		events: make([]Event, 0, 8),
	}
	for i, f := range rowFreqs {
		d.coef[i] = newCoef(f)
	}
	for i, f := range colFreqs {
		d.coef[4+i] = newCoef(f)
		d.harm[i] = newCoef(2 * f)
	}
	for i := range d.coef {
		d.c32[i] = float32(d.coef[i].c)
	}
	for r, fr := range rowFreqs {
		for c, fc := range colFreqs {
			delta := 2 * math.Pi * (fc - fr) / SampleRate
			kf, kh := kernel(delta, blockLen), kernel(delta, halfLen)
			d.pairs[r][c] = pair{
				full: kf, half: kh,
				invFull: 1 / (blockLen*blockLen - real(kf*conj(kf))),
				invHalf: 1 / (halfLen*halfLen - real(kh*conj(kh))),
				nFull:   blockLen, nHalf: halfLen,
			}
		}
	}
	return d
}

// Reset forgets all state, as after NewDetector.
func (d *Detector) Reset() {
	d.n = 0
	d.prevCand = 0
	d.run = 0
	d.cur = 0
	d.miss = 0
	d.lost = 0
	d.blocks = 0
	d.events = d.events[:0]
}

// Process analyses frame (any length) and returns the digit starts and
// ends completed during this call, in order. The returned slice is reused
// by the next call to Process or Fillin.
func (d *Detector) Process(frame []int16) []Event {
	d.events = d.events[:0]
	for len(frame) > 0 {
		k := copy(d.buf[d.n:], frame)
		d.n += k
		frame = frame[k:]
		if d.n == blockLen {
			d.block()
			d.n = 0
		}
	}
	return d.events
}

// Fillin tells the detector that n samples of audio were lost (a missing
// packet or frame) and returns the events this completes. Lost audio
// counts neither as tone nor as silence: the block in progress is
// discarded, a digit must be confirmed afresh after the gap, and a digit
// in progress stays on across gaps of up to 60 ms (the span G.711
// Appendix I conceals); a longer gap ends it.
func (d *Detector) Fillin(n int) []Event {
	d.events = d.events[:0]
	if n <= 0 {
		return d.events
	}
	gap := d.n + n
	d.n = 0
	d.blocks += int64((gap + blockLen/2) / blockLen)
	d.prevCand = 0
	d.run = 0
	if d.cur != 0 {
		d.lost += n
		if d.lost > maxBridge {
			d.end()
		}
	}
	return d.events
}

// end closes the digit in progress.
func (d *Detector) end() {
	dur := time.Duration(d.last-d.start+1) * blockLen * time.Second / SampleRate
	d.events = append(d.events, Event{Digit: d.cur, End: true, Duration: dur})
	d.cur = 0
	d.lost = 0
}

// analysis is the result of the per-block tests for a candidate digit.
type analysis struct {
	digit  byte
	r, c   int           // row 0-3, column 4-7
	p      [2]complex128 // separated block coefficients, row and column
	coarse [2]float64    // half-block frequency offsets (Hz)
	energy float64       // mean square of the block
	half   [4]complex128 // half-block terms: row a, column a, row b, column b
}

// block analyses one complete block in d.buf.
func (d *Detector) block() {
	var an analysis
	d.analyse(&an)
	cand := an.digit
	switch {
	case cand == 0:
		d.run = 0
	case d.cur != 0 && cand == d.cur:
		// A digit that is on needs no confirmation to continue.
		d.run = 0
	case cand == d.prevCand && d.confirm(&an):
		d.run++
	default:
		d.coarse(&an)
		d.run = 1
	}
	d.prevCand = cand
	d.prevP = an.p
	d.prevCoarse = an.coarse
	d.prevEnergy = an.energy

	if d.cur != 0 {
		if cand == d.cur {
			d.last = d.blocks
			d.miss = 0
			d.lost = 0
		} else if d.miss++; d.miss >= 2 {
			d.end()
		}
	}
	if d.cur == 0 && cand != 0 && d.run >= d.need && d.harmonicOK(an.c) {
		d.cur = cand
		d.start = d.blocks - int64(d.run) + 1
		d.last = d.blocks
		d.miss = 0
		d.lost = 0
		d.run = 0
		d.events = append(d.events, Event{Digit: cand})
	}
	d.blocks++
}

// analyse applies the per-block tests to d.buf.
func (d *Detector) analyse(an *analysis) {
	// Steadiness: a block only partly covered by a tone (its start or
	// end) has unequal energy in its halves; such blocks are not counted,
	// which is what rejects bursts shorter than two blocks. The exact test
	// is made on each tone below; blocks too unsteady for it, or too weak
	// to hold two tones above the floor, end here.
	e1, e2 := halfEnergies(&d.buf)
	energy := e1 + e2
	if energy < d.minEnergy || float64(min(e1, e2)) < energyBalance*float64(max(e1, e2)) {
		return
	}
	goertzelBank(&d.buf, &d.c32, &d.bank)
	// The block's DFT term at each frequency, but for the rotation
	// halfRot (common to both halves), which the powers do not need.
	var pow [8]float64
	var x [8]complex128
	const norm = 2.0 / (blockLen * blockLen)
	for i := range d.coef {
		g := &d.coef[i]
		a1, a2 := float64(d.bank.a1[i]), float64(d.bank.a2[i])
		b1, b2 := float64(d.bank.b1[i]), float64(d.bank.b2[i])
		br, bi := b1-g.cw*b2, g.sw*b2
		sr, si := real(g.shiftM), imag(g.shiftM)
		xr := a1 - g.cw*a2 + br*sr - bi*si
		xi := g.sw*a2 + br*si + bi*sr
		x[i] = complex(xr, xi)
		pow[i] = norm * (xr*xr + xi*xi)
	}
	r, c := 0, 4
	for i := 1; i < 4; i++ {
		if pow[i] > pow[r] {
			r = i
		}
		if pow[4+i] > pow[c] {
			c = 4 + i
		}
	}
	for i := range 4 {
		if (i != r && pow[i]*relPeak > pow[r]) || (4+i != c && pow[4+i]*relPeak > pow[c]) {
			return
		}
	}
	// Separate the two tones, then judge their levels.
	pp := &d.pairs[r][c-4]
	pr, pc := separate(x[r]*d.coef[r].halfRot, x[c]*d.coef[c].halfRot, pp.full, pp.nFull, pp.invFull)
	powR := 2 * (real(pr)*real(pr) + imag(pr)*imag(pr))
	powC := 2 * (real(pc)*real(pc) + imag(pc)*imag(pc))
	if powR < d.minPow || powC < d.minPow {
		return
	}
	// Twist is checked exactly once the frequency offsets are known
	// (confirm); here only with twistSlack.
	if powC > powR*d.high*twistSlack || powR > powC*d.low*twistSlack {
		return
	}
	meanPow := float64(energy) / blockLen
	if powR+powC < energyRatio*meanPow {
		return
	}
	// Each tone must be steady over the block.
	gr, gc := &d.coef[r], &d.coef[c]
	ar, ac := separate(gr.term(d.bank.a1[r], d.bank.a2[r]), gc.term(d.bank.a1[c], d.bank.a2[c]), pp.half, pp.nHalf, pp.invHalf)
	br, bc := separate(gr.term(d.bank.b1[r], d.bank.b2[r]), gc.term(d.bank.b1[c], d.bank.b2[c]), pp.half, pp.nHalf, pp.invHalf)
	if !balanced(ar, br) || !balanced(ac, bc) {
		return
	}
	an.half = [4]complex128{ar, ac, br, bc}
	an.r, an.c = r, c
	an.p = [2]complex128{pr, pc}
	an.energy = meanPow
	an.digit = Digits[r*4+(c-4)]
}

// coarse estimates the frequency offsets of the candidate's two tones from
// their phase advance between the half blocks (unambiguous within ±78 Hz).
func (d *Detector) coarse(an *analysis) {
	if an.digit == 0 {
		return
	}
	ar, ac, br, bc := an.half[0], an.half[1], an.half[2], an.half[3]
	gr, gc := &d.coef[an.r], &d.coef[an.c]
	const hz = SampleRate / (2 * math.Pi * halfLen)
	an.coarse[0] = phase(br*conj(ar)*gr.shiftM) * hz
	an.coarse[1] = phase(bc*conj(ac)*gc.shiftM) * hz
}

// confirm checks two consecutive candidate blocks for the same digit. It
// estimates the frequency offsets of the row and column tone from the phase
// advance between the blocks (fine, ambiguous by SampleRate/blockLen),
// resolved with the half-block estimates, and checks them against freqTol.
// Knowing the offsets, it undoes the block's response to an off-nominal
// tone, then checks level and twist exactly and requires the two tones to
// carry pairRatio of the two blocks' energy.
func (d *Detector) confirm(an *analysis) bool {
	d.coarse(an)
	var pw [2]float64
	for k, i := range [2]int{an.r, an.c} {
		g := &d.coef[i]
		const span = float64(SampleRate) / blockLen
		fine := phase(an.p[k]*conj(d.prevP[k])*g.expBlock) * span / (2 * math.Pi)
		est := (an.coarse[k] + d.prevCoarse[k]) / 2
		off := fine + span*math.Round((est-fine)/span)
		if math.Abs(off) > freqTol*g.f || math.Abs(an.coarse[k]-off) > steadyTol || math.Abs(d.prevCoarse[k]-off) > steadyTol {
			return false
		}
		p := real(an.p[k]*conj(an.p[k])) + real(d.prevP[k]*conj(d.prevP[k]))
		pw[k] = 2 * p / dirichlet2(off)
	}
	if pw[0] < d.minPair || pw[1] < d.minPair {
		return false
	}
	if pw[1] > pw[0]*d.high || pw[0] > pw[1]*d.low {
		return false
	}
	return pw[0]+pw[1] >= pairRatio*(an.energy+d.prevEnergy)
}

// harmonicOK checks, once per digit, that the second harmonic of column c
// (4-7) in the current block is harmonicRatio below the column tone: a
// voiced sound whose harmonics hit a row and a column fails this.
func (d *Detector) harmonicOK(c int) bool {
	h := &d.harm[c-4]
	g := &d.coef[c]
	var s1, s2, t1, t2 float64
	for _, v := range d.buf {
		s1, s2 = float64(v)+h.c*s1-s2, s1
		t1, t2 = float64(v)+g.c*t1-t2, t1
	}
	ph := s1*s1 + s2*s2 - h.c*s1*s2
	pc := t1*t1 + t2*t2 - g.c*t1*t2
	return ph <= harmonicRatio*pc
}

// dirichlet2 is the power response of a blockLen DFT term to a tone off Hz
// from its frequency.
func dirichlet2(off float64) float64 {
	x := math.Pi * off / SampleRate
	if math.Abs(x) < 1e-9 {
		return 1
	}
	v := math.Sin(blockLen*x) / (blockLen * math.Sin(x))
	return v * v
}

// balanced reports whether a and b have powers within halfBalance.
func balanced(a, b complex128) bool {
	pa := real(a)*real(a) + imag(a)*imag(a)
	pb := real(b)*real(b) + imag(b)*imag(b)
	return min(pa, pb) >= halfBalance*max(pa, pb)
}

func conj(z complex128) complex128 { return complex(real(z), -imag(z)) }

// phase is the argument of z in (-π, π], to within 2e-5 rad.
func phase(z complex128) float64 {
	x, y := real(z), imag(z)
	ax, ay := math.Abs(x), math.Abs(y)
	if ax == 0 && ay == 0 {
		return 0
	}
	// atan on [0, 1] by a minimax polynomial, then the octant.
	a := min(ax, ay) / max(ax, ay)
	s := a * a
	t := a * (0.9998660 + s*(-0.3302995+s*(0.1801410+s*(-0.0851330+s*0.0208351))))
	if ay > ax {
		t = math.Pi/2 - t
	}
	if x < 0 {
		t = math.Pi - t
	}
	if y < 0 {
		t = -t
	}
	return t
}
