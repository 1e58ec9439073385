package fax

import (
	"math"
	"math/cmplx"
)

// Detector constants. Blocks are 5 ms; see the package documentation.
const (
	blockLen  = 40
	blockRate = SampleRate / blockLen // 200 blocks/s
	lpfCutoff = 200.0                 // Hz, each of the three demodulator poles

	cngMaxOffset = 63.0 // Hz: T.30 1100±38, accept ±46, reject beyond ±80
	ansMaxOffset = 51.0 // Hz: V.25 2100±15, accept ±23, reject beyond ±80
	maxWander    = 15.0 // Hz a block's frequency may differ from its burst's
	purity       = 0.6  // share of the block's power the tone must carry
	cngPurity    = 0.8  // mean share over a CNG burst
	hangover     = 3    // missing blocks bridged inside a burst

	cngMinBlocks = 400 * blockRate / 1000 // CNG burst 0.4-0.7 s (0.5 s ±15 % and then some)
	cngMaxBlocks = 700 * blockRate / 1000
	ansBlocks    = 500 * blockRate / 1000 // answer tone reported after 0.5 s

	revMin     = 420 * SampleRate / 1000 // reversal spacing, samples: 450 ±25 ms,
	revMax     = 480 * SampleRate / 1000 // decided midway to the next 25 ms
	revRefract = 4                       // blocks after a reversal before the next

	amWindow    = 40 // envelope blocks (200 ms, three 15 Hz cycles) per AM estimate
	amHistory   = 64 // envelope ring length (>= amWindow + 20)
	amMinDepth  = 0.125
	amMaxOffset = 2.5 // Hz from 15 Hz
)

// DefaultMinLevelDBm0 is the detection threshold: tones at -43 dBm0 are
// detected, tones at -44 dBm0 never.
const DefaultMinLevelDBm0 = -43.5

// Config configures a Detector. The zero value is the default.
type Config struct {
	// MinLevelDBm0 is the lowest level (of the tone's mean power over the
	// burst) that is detected; 0 means DefaultMinLevelDBm0.
	MinLevelDBm0 float64
}

// Event reports a tone. An answer tone (ANS, ANSam) is reported once it
// has lasted 0.5 s; it is reported again, as ANSPR or ANSamPR, once two
// phase reversals 425-475 ms apart have been seen; when it stops, an event
// with End set is reported. CNG is reported when a 0.4-0.7 s burst of
// 1100 Hz ends.
type Event struct {
	Tone      Tone
	End       bool
	LevelDBm0 float64 // mean level over the burst so far
	Freq      float64 // measured carrier frequency, Hz
	AMDepth   float64 // measured modulation depth (ANSam)
}

// demod is a complex demodulator: the input mixed down by freq and low-pass
// filtered by three one-pole sections, with per-block statistics.
type demod struct {
	or, oi, wr, wi float64 // oscillator
	s              [3]complex128
	prev           complex128
	pow            float64 // sum |y|^2 over the block
	rot            complex128
	sum            complex128
	minMag         float64
	minPos         int64
}

// burst tracks a run of blocks carrying a tone.
type burst struct {
	active  bool
	first   int64 // block index of the first and last block with the tone
	last    int64
	miss    int
	rot     complex128 // sum of block rotations
	power   float64    // sum of block tone powers
	nblocks int
	lo, hi  float64 // block tone power range, from the fourth block to the last but one
	prevP   float64
	purity  float64 // sum of the blocks' tone share of the power
}

func (b *burst) start(k int64) {
	*b = burst{active: true, first: k, last: k, lo: math.Inf(1)}
}

// steady reports whether the tone kept its level within 6 dB (a struck
// or plucked note decays; a calling tone does not).
func (b *burst) steady() bool { return b.hi <= 4*b.lo }

func (b *burst) blocks() int { return int(b.last - b.first + 1) }

// Detector detects CNG, ANS, /ANS, ANSam and /ANSam in 8 kHz 16-bit audio.
// It is not safe for concurrent use.
type Detector struct {
	minPower   float64 // linear, mean square
	floorPower float64
	a          float64 // LPF coefficient

	n     int64 // samples seen
	nblk  int64 // blocks completed
	fill  int
	total float64 // sum x^2 over the block

	cng, ans   demod
	cngB, ansB burst

	// answer tone state
	reported             Tone
	prevSum              [2]complex128 // block phasors k-1, k-2
	minMag               [3]float64    // blocks k, k-1, k-2
	minPos               [3]int64
	refract              int
	lastRev              int64
	reversals            bool // a valid reversal spacing was seen
	env                  [amHistory]float64
	twr, twi             [amWindow]float64
	pending              [4]Event
	npending, pendingPos int
}

// NewDetector returns a detector configured by cfg.
func NewDetector(cfg Config) *Detector {
	lvl := cfg.MinLevelDBm0
	if lvl == 0 {
		lvl = DefaultMinLevelDBm0
	}
	d := &Detector{}
	p := dBm0Ref * math.Pow(10, lvl/20)
	d.minPower = p * p
	fl := dBm0Ref * math.Pow(10, (lvl-4)/20)
	d.floorPower = fl * fl
	d.a = 1 - math.Exp(-2*math.Pi*lpfCutoff/SampleRate)
	d.cng.init(CNGFreq)
	d.ans.init(ANSFreq)
	for j := range amWindow {
		ph := -2 * math.Pi * AMFreq * float64(j) / blockRate
		d.twr[j], d.twi[j] = math.Cos(ph), math.Sin(ph)
	}
	d.Reset()
	return d
}

func (m *demod) init(f float64) {
	w := 2 * math.Pi * f / SampleRate
	*m = demod{or: 1, wr: math.Cos(w), wi: -math.Sin(w), minMag: math.Inf(1)}
}

// Reset returns the detector to its initial state.
func (d *Detector) Reset() {
	d.n, d.nblk, d.fill, d.total = 0, 0, 0, 0
	d.cng.init(CNGFreq)
	d.ans.init(ANSFreq)
	d.cngB, d.ansB = burst{}, burst{}
	d.resetAnswer()
	d.npending, d.pendingPos = 0, 0
}

func (d *Detector) resetAnswer() {
	d.reported = None
	d.prevSum = [2]complex128{}
	d.refract = 0
	d.lastRev = -1
	d.reversals = false
}

// Process analyses a frame of audio (any length) and reports at most one
// event; an event found while another is waiting is reported by the next
// call.
func (d *Detector) Process(frame []int16) (Event, bool) {
	for len(frame) > 0 {
		n := min(len(frame), blockLen-d.fill)
		chunk := frame[:n]
		frame = frame[n:]
		for _, v := range chunk {
			x := float64(v)
			d.total += x * x
		}
		d.cng.run(chunk, d.a, d.n)
		d.ans.run(chunk, d.a, d.n)
		d.n += int64(n)
		d.fill += n
		if d.fill == blockLen {
			d.block()
			d.fill = 0
			d.total = 0
		}
	}
	if d.pendingPos < d.npending {
		ev := d.pending[d.pendingPos]
		d.pendingPos++
		if d.pendingPos == d.npending {
			d.pendingPos, d.npending = 0, 0
		}
		return ev, true
	}
	return Event{}, false
}

func (d *Detector) emit(ev Event) {
	if d.npending < len(d.pending) {
		d.pending[d.npending] = ev
		d.npending++
	}
}

// run demodulates x, whose first sample is sample n of the stream, with
// the state in locals.
func (m *demod) run(x []int16, a float64, n int64) {
	or, oi, wr, wi := m.or, m.oi, m.wr, m.wi
	s0r, s0i := real(m.s[0]), imag(m.s[0])
	s1r, s1i := real(m.s[1]), imag(m.s[1])
	s2r, s2i := real(m.s[2]), imag(m.s[2])
	pr, pi := real(m.prev), imag(m.prev)
	pow, rotr, roti := m.pow, real(m.rot), imag(m.rot)
	sumr, sumi := real(m.sum), imag(m.sum)
	minMag, minPos := m.minMag, m.minPos
	for i, v := range x {
		xv := float64(v)
		zr, zi := xv*or, xv*oi
		or, oi = or*wr-oi*wi, or*wi+oi*wr
		s0r += a * (zr - s0r)
		s0i += a * (zi - s0i)
		s1r += a * (s0r - s1r)
		s1i += a * (s0i - s1i)
		s2r += a * (s1r - s2r)
		s2i += a * (s1i - s2i)
		p := s2r*s2r + s2i*s2i
		pow += p
		rotr += s2r*pr + s2i*pi
		roti += s2i*pr - s2r*pi
		sumr += s2r
		sumi += s2i
		if p < minMag {
			minMag, minPos = p, n+int64(i)
		}
		pr, pi = s2r, s2i
	}
	m.or, m.oi = or, oi
	m.s[0], m.s[1], m.s[2] = complex(s0r, s0i), complex(s1r, s1i), complex(s2r, s2i)
	m.prev = complex(pr, pi)
	m.pow, m.rot, m.sum = pow, complex(rotr, roti), complex(sumr, sumi)
	m.minMag, m.minPos = minMag, minPos
}

// endBlock returns the block's tone power (mean square of the sine it
// stands for, corrected for the filter's response at the measured offset)
// and frequency offset, and clears the accumulators.
func (m *demod) endBlock(a float64) (power, offset float64) {
	offset = cmplx.Phase(m.rot) * SampleRate / (2 * math.Pi)
	w := 2 * math.Pi * offset / SampleRate
	b := 1 - a
	h2 := a * a / (1 - 2*b*math.Cos(w) + b*b)
	power = 2 * m.pow / blockLen / (h2 * h2 * h2)
	r := 1 / math.Hypot(m.or, m.oi)
	m.or, m.oi = m.or*r, m.oi*r
	m.pow, m.rot, m.sum = 0, 0, 0
	m.minMag = math.Inf(1)
	return power, offset
}

func levelDBm0(p float64) float64 {
	if p <= 0 {
		return -150
	}
	return 10 * math.Log10(p/(dBm0Ref*dBm0Ref))
}

// present decides whether a block carries the tone of burst b.
func (d *Detector) present(b *burst, p, off, total, maxOff float64) bool {
	if p < d.floorPower || total < d.floorPower || p < purity*total || math.Abs(off) > maxOff {
		return false
	}
	if b.active && b.nblocks > 0 {
		mean := cmplx.Phase(b.rot) * SampleRate / (2 * math.Pi)
		if math.Abs(off-mean) > maxWander {
			return false
		}
	}
	return true
}

func (b *burst) add(k int64, p, off, share float64, rot complex128) {
	b.last = k
	b.miss = 0
	b.power += p
	b.purity += share
	b.nblocks++
	if b.nblocks > 4 {
		b.lo, b.hi = min(b.lo, b.prevP), max(b.hi, b.prevP)
	}
	b.prevP = p
	b.rot += rot
}

func (b *burst) meanOffset() float64 { return cmplx.Phase(b.rot) * SampleRate / (2 * math.Pi) }
func (b *burst) meanPower() float64  { return b.power / float64(max(b.nblocks, 1)) }

func (d *Detector) block() {
	k := d.nblk
	d.nblk++
	total := d.total / blockLen

	// CNG.
	cngRot := d.cng.rot
	p, off := d.cng.endBlock(d.a)
	if d.present(&d.cngB, p, off, total, cngMaxOffset) {
		if !d.cngB.active {
			d.cngB.start(k)
		}
		d.cngB.add(k, p, off, min(p/total, 1), cngRot)
	} else if d.cngB.active {
		d.cngB.miss++
		if d.cngB.miss > hangover {
			b := &d.cngB
			if n := b.blocks(); n >= cngMinBlocks && n <= cngMaxBlocks && b.steady() &&
				b.purity >= cngPurity*float64(b.nblocks) &&
				b.meanPower() >= d.minPower && math.Abs(b.meanOffset()) <= cngMaxOffset {
				d.emit(Event{Tone: CNG, LevelDBm0: levelDBm0(b.meanPower()), Freq: CNGFreq + b.meanOffset()})
			}
			b.active = false
		}
	}

	// Answer tones.
	ansRot, sum := d.ans.rot, d.ans.sum
	d.minMag[2], d.minPos[2] = d.minMag[1], d.minPos[1]
	d.minMag[1], d.minPos[1] = d.minMag[0], d.minPos[0]
	d.minMag[0], d.minPos[0] = d.ans.minMag, d.ans.minPos
	envPow := d.ans.pow / blockLen
	p, off = d.ans.endBlock(d.a)
	d.env[k%amHistory] = math.Sqrt(envPow)
	b := &d.ansB
	if d.present(b, p, off, total, ansMaxOffset) {
		if !b.active {
			b.start(k)
			d.resetAnswer()
		}
		b.add(k, p, off, min(p/total, 1), ansRot)
	} else if b.active {
		b.miss++
		if b.miss > hangover {
			if d.reported != None {
				d.emit(Event{Tone: d.reported, End: true, LevelDBm0: levelDBm0(b.meanPower()), Freq: ANSFreq + b.meanOffset()})
			}
			b.active = false
			d.resetAnswer()
		}
	}
	if b.active {
		d.reversal(k, sum)
		if d.reported == None && b.blocks() >= ansBlocks && b.meanPower() >= d.minPower &&
			math.Abs(b.meanOffset()) <= ansMaxOffset {
			t := ANS
			depth, dfm := d.amDepth(k)
			if depth >= amMinDepth && math.Abs(dfm) <= amMaxOffset {
				t = ANSam
			}
			if d.reversals {
				t++ // ANSPR, ANSamPR
			}
			d.reported = t
			d.emit(Event{Tone: t, LevelDBm0: levelDBm0(b.meanPower()), Freq: ANSFreq + b.meanOffset(), AMDepth: depth})
		} else if d.reversals && (d.reported == ANS || d.reported == ANSam) {
			d.reported++
			depth, _ := d.amDepth(k)
			d.emit(Event{Tone: d.reported, LevelDBm0: levelDBm0(b.meanPower()), Freq: ANSFreq + b.meanOffset(), AMDepth: depth})
		}
	}
	d.prevSum[1], d.prevSum[0] = d.prevSum[0], sum
}

// reversal looks for a phase reversal: the block's phasor opposite to the
// one two blocks earlier, once the carrier's own rotation is removed.
func (d *Detector) reversal(k int64, sum complex128) {
	if d.refract > 0 {
		d.refract--
		return
	}
	if k-d.ansB.first < 2 || d.prevSum[1] == 0 || sum == 0 {
		return
	}
	w := 2 * math.Pi * d.ansB.meanOffset() * 2 * blockLen / SampleRate
	z := sum * cmplx.Conj(d.prevSum[1]) * complex(math.Cos(w), -math.Sin(w))
	if math.Abs(cmplx.Phase(z)) < 2*math.Pi/3 {
		return
	}
	// The reversal is where the demodulated signal passes closest to zero.
	j := 0
	for i := 1; i < 3; i++ {
		if d.minMag[i] < d.minMag[j] {
			j = i
		}
	}
	pos := d.minPos[j]
	if d.lastRev >= 0 {
		if sp := pos - d.lastRev; sp >= revMin && sp <= revMax {
			d.reversals = true
		}
	}
	d.lastRev = pos
	d.refract = revRefract
	// Blocks around the reversal have a dip in their envelope that is not
	// amplitude modulation: replace them by the envelope before it.
	rb := k - int64(j) // block holding the reversal
	if rb-2 >= 0 {
		prev := d.env[(rb-2)%amHistory]
		for i := rb - 1; i <= k; i++ {
			d.env[i%amHistory] = prev
		}
	}
}

// amDepth estimates the 15 Hz modulation of the answer tone over the last
// 200 ms: depth and offset of the modulating frequency from 15 Hz (from the
// phase advance of the 15 Hz term over 100 ms).
func (d *Detector) amDepth(k int64) (depth, offset float64) {
	term := func(end int64) (complex128, float64) {
		var mean float64
		for i := end - amWindow + 1; i <= end; i++ {
			mean += d.env[i%amHistory]
		}
		mean /= amWindow
		var c complex128
		for i := end - amWindow + 1; i <= end; i++ {
			e := d.env[i%amHistory] - mean
			t := i % amWindow
			c += complex(e*d.twr[t], e*d.twi[t])
		}
		return c, mean
	}
	c1, mean := term(k)
	c0, _ := term(k - 20)
	if mean <= 0 {
		return 0, 0
	}
	offset = cmplx.Phase(c1*cmplx.Conj(c0)) / (2 * math.Pi * 20 / blockRate)
	depth = 2 * cmplx.Abs(c1) / (amWindow * mean)
	// A rectangular 200 ms window loses sinc(offset*0.2) of a modulation
	// that is off 15 Hz.
	if x := math.Pi * offset * amWindow / blockRate; x != 0 {
		depth /= math.Abs(math.Sin(x) / x)
	}
	return depth, offset
}
