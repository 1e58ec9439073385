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
	// nominal frequency: between Q.24's must-accept ±1.5 % and
	// must-reject ±3.5 %.
	freqTol = 0.025
	// relPeak: the chosen row (column) must exceed every other row
	// (column) by this power ratio (6 dB).
	relPeak = 3.98
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
	// levelMargin (dB) below MinLevelDBm0 at which a block still counts,
	// so that tones at MinLevelDBm0 are detected despite leakage and
	// frequency deviation.
	levelMargin = 3.5
	// halfBalance: the energies of the two halves of a block must be
	// within this ratio for the block to count as steady (1.9 dB).
	halfBalance = 0.65
)

// DetectorConfig configures a Detector. Zero fields take the defaults.
type DetectorConfig struct {
	// MinLevelDBm0 is the lowest per-tone level that is detected.
	// Default -30 dBm0.
	MinLevelDBm0 float64
	// MaxTwistDB is the largest accepted reverse twist (low group
	// stronger than high group), default 4 dB; MaxNormalTwistDB the
	// largest accepted normal twist (high group stronger), default 8 dB.
	MaxTwistDB, MaxNormalTwistDB float64
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
	detFull, detHalf float64    // N²-|K|², M²-|K|²
}

// separate returns the positive-frequency coefficients (P, with a sine of
// amplitude A giving |P| = A/2) of the row and column tone from their DFT
// terms xr, xc over n samples, removing each tone's leakage into the
// other's term.
func separate(xr, xc, k complex128, det float64, n int) (pr, pc complex128) {
	fn := complex(float64(n), 0)
	d := complex(det, 0)
	pr = (fn*xr - k*xc) / d
	pc = (fn*xc - complexConj(k)*xr) / d
	return pr, pc
}

// Detector finds DTMF digits in 8 kHz linear audio. It is not safe for
// concurrent use.
type Detector struct {
	coef    [8]goertzelCoef // rows 0-3, columns 4-7
	harm    [4]goertzelCoef // second harmonics of the columns
	pairs   [4][4]pair
	minPow  float64
	normal  float64 // max column/row power ratio
	reverse float64 // max row/column power ratio
	need    int     // consecutive agreeing blocks to declare a digit

	buf [blockLen]float64
	n   int

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
	blocks int64

	events []Event
}

// NewDetector returns a detector for cfg.
func NewDetector(cfg DetectorConfig) *Detector {
	if cfg.MinLevelDBm0 == 0 {
		cfg.MinLevelDBm0 = -30
	}
	if cfg.MaxTwistDB == 0 {
		cfg.MaxTwistDB = 4
	}
	if cfg.MaxNormalTwistDB == 0 {
		cfg.MaxNormalTwistDB = 8
	}
	if cfg.MinDuration == 0 {
		cfg.MinDuration = 40 * time.Millisecond
	}
	d := &Detector{
		minPow:  math.Pow(amplitude(cfg.MinLevelDBm0-levelMargin), 2) / 2,
		normal:  math.Pow(10, cfg.MaxNormalTwistDB/10),
		reverse: math.Pow(10, cfg.MaxTwistDB/10),
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
	for r, fr := range rowFreqs {
		for c, fc := range colFreqs {
			delta := 2 * math.Pi * (fc - fr) / SampleRate
			kf, kh := kernel(delta, blockLen), kernel(delta, halfLen)
			d.pairs[r][c] = pair{
				full: kf, half: kh,
				detFull: blockLen*blockLen - real(kf*complexConj(kf)),
				detHalf: halfLen*halfLen - real(kh*complexConj(kh)),
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
	d.blocks = 0
	d.events = d.events[:0]
}

// Process analyses frame (any length) and returns the digit starts and
// ends completed during this call, in order. The returned slice is reused
// by the next call.
func (d *Detector) Process(frame []int16) []Event {
	d.events = d.events[:0]
	for len(frame) > 0 {
		k := min(blockLen-d.n, len(frame))
		for i, v := range frame[:k] {
			d.buf[d.n+i] = float64(v)
		}
		d.n += k
		frame = frame[k:]
		if d.n == blockLen {
			d.block()
			d.n = 0
		}
	}
	return d.events
}

// goertzel runs the recursion over x and returns the DFT term
// Σ x[n] e^{-jωn} with its origin at x[0].
func goertzel(x []float64, g *goertzelCoef) complex128 {
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+g.c*s1-s2, s1
	}
	// y = s1 - e^{-jω} s2 = e^{jω(len-1)} X
	y := complex(s1-g.cw*s2, g.sw*s2)
	return y * g.halfRot
}

// analysis is the result of the per-block tests for a candidate digit.
type analysis struct {
	digit  byte
	p      [2]complex128 // separated block coefficients, row and column
	coarse [2]float64    // half-block frequency offsets (Hz)
	energy float64       // mean square of the block
}

// block analyses one complete block in d.buf.
func (d *Detector) block() {
	an := d.analyse()
	cand := an.digit
	switch {
	case cand == 0:
		d.run = 0
	case cand == d.prevCand && d.confirm(cand, &an):
		d.run++
	default:
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
		} else if d.miss++; d.miss >= 2 {
			dur := time.Duration(d.last-d.start+1) * blockLen * time.Second / SampleRate
			d.events = append(d.events, Event{Digit: d.cur, End: true, Duration: dur})
			d.cur = 0
		}
	}
	if d.cur == 0 && cand != 0 && d.run >= d.need {
		d.cur = cand
		d.start = d.blocks - int64(d.run) + 1
		d.last = d.blocks
		d.miss = 0
		d.events = append(d.events, Event{Digit: cand})
	}
	d.blocks++
}

// analyse applies the per-block tests to d.buf.
func (d *Detector) analyse() (an analysis) {
	// Steadiness: a block only partly covered by a tone (its start or
	// end) has unequal energy in its halves; such blocks are not counted,
	// which is what rejects bursts shorter than two blocks.
	var e1, e2 float64
	for _, v := range d.buf[:halfLen] {
		e1 += v * v
	}
	for _, v := range d.buf[halfLen:] {
		e2 += v * v
	}
	energy := e1 + e2
	if min(e1, e2) < halfBalance*max(e1, e2) || energy == 0 {
		return an
	}
	var a, b, x [8]complex128
	var pow [8]float64
	const norm = 2.0 / (blockLen * blockLen)
	for i := range d.coef {
		g := &d.coef[i]
		a[i] = goertzel(d.buf[:halfLen], g)
		b[i] = goertzel(d.buf[halfLen:], g)
		x[i] = a[i] + b[i]*g.shiftM
		pow[i] = norm * real(x[i]*complexConj(x[i]))
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
			return an
		}
	}
	// Separate the two tones, then judge their levels.
	pp := &d.pairs[r][c-4]
	pr, pc := separate(x[r], x[c], pp.full, pp.detFull, blockLen)
	powR := 2 * real(pr*complexConj(pr))
	powC := 2 * real(pc*complexConj(pc))
	if powR < d.minPow || powC < d.minPow {
		return an
	}
	// Twist is checked exactly once the frequency offsets are known
	// (confirm); here only with twistSlack.
	if powC > powR*d.normal*twistSlack || powR > powC*d.reverse*twistSlack {
		return an
	}
	if powR+powC < energyRatio*energy/blockLen {
		return an
	}
	h := goertzel(d.buf[:], &d.harm[c-4])
	if norm*real(h*complexConj(h)) > harmonicRatio*powC {
		return an
	}
	// Coarse frequency offsets from the phase advance between the halves.
	ar, ac := separate(a[r], a[c], pp.half, pp.detHalf, halfLen)
	br, bc := separate(b[r], b[c], pp.half, pp.detHalf, halfLen)
	const hz = SampleRate / (2 * math.Pi * halfLen)
	an.coarse[0] = phase(br*complexConj(ar)*d.coef[r].shiftM) * hz
	an.coarse[1] = phase(bc*complexConj(ac)*d.coef[c].shiftM) * hz
	an.p = [2]complex128{pr, pc}
	an.energy = energy / blockLen
	an.digit = Digits[r*4+(c-4)]
	return an
}

// confirm checks two consecutive candidate blocks for the same digit. It
// estimates the frequency offsets of the row and column tone from the phase
// advance between the blocks (fine, ambiguous by SampleRate/blockLen),
// resolved with the half-block estimates, and checks them against freqTol.
// Knowing the offsets, it undoes the block's response to an off-nominal
// tone, then checks the twist exactly and requires the two tones to carry
// pairRatio of the two blocks' energy.
func (d *Detector) confirm(digit byte, an *analysis) bool {
	r, c, _ := position(digit)
	var pw [2]float64
	for k, i := range [2]int{r, 4 + c} {
		g := &d.coef[i]
		const span = float64(SampleRate) / blockLen
		fine := phase(an.p[k]*complexConj(d.prevP[k])*g.expBlock) * span / (2 * math.Pi)
		est := (an.coarse[k] + d.prevCoarse[k]) / 2
		off := fine + span*math.Round((est-fine)/span)
		if math.Abs(off) > freqTol*g.f {
			return false
		}
		p := real(an.p[k]*complexConj(an.p[k])) + real(d.prevP[k]*complexConj(d.prevP[k]))
		pw[k] = 2 * p / dirichlet2(off)
	}
	if pw[1] > pw[0]*d.normal || pw[0] > pw[1]*d.reverse {
		return false
	}
	return pw[0]+pw[1] >= pairRatio*(an.energy+d.prevEnergy)
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

func complexConj(z complex128) complex128 { return complex(real(z), -imag(z)) }

func phase(z complex128) float64 { return math.Atan2(imag(z), real(z)) }
