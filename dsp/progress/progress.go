package progress

import (
	"errors"
	"fmt"
	"math"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/tone"
)

// SampleRate is the sample rate of the audio, in Hz.
const SampleRate = 8000

// dBm0Ref is the RMS value of a 0 dBm0 sine in 16-bit linear units
// (tipring/dsp/measure.DBm0Ref).
const dBm0Ref = measure.DBm0Ref

const (
	window   = 256 // 32 ms Hann window
	hop      = 80  // 10 ms between analyses
	hopMS    = 10
	minRunMS = 40 // shorter cadence steps are not resolved

	offLabel   = -1 // quiet
	otherLabel = -2 // sound that is none of the classes

	minFraction = 0.5  // share of the power a class must explain
	hysteresis  = 0.35 // ... to keep a run going
	holdBonus   = 0.04 // score bonus of the running class (less than one extra frequency costs)
	shortRunMS  = 50   // runs shorter than this are transitions: given to the next run
	quietRel    = 0.03 // -15 dB: below the last tone's level is quiet
	edgeHops    = 4    // hops at each end of a run left out of its frequency measurement
	extraComp   = 0.05 // score penalty per extra frequency
	smoothHops  = 3    // hops averaged for the class decision
	maxHist     = 16   // completed runs kept
	maxRelSpan  = 4.0  // dB spread of a pattern's on-steps levels
	maxFreqStd  = 5.0  // Hz spread of a tone's frequency within a run

	// onBias is how much longer than the tone a run of it measures (the
	// 32 ms window sees the tone before it starts and after it ends, less
	// the smoothing); calibrated by TestRunTiming.
	onBias = 0
)

// Kind says what a Result is.
type Kind uint8

// Result kinds.
const (
	Zone    Kind = iota + 1 // a signal of the zone's table: Result.Signal
	Learned                 // a learned signature: Result.Signal is the one it was learned as
	Unknown                 // a periodic tone of a known frequency whose cadence is in no table
	Silence                 // nothing above the threshold for Config.SilenceAfter
)

var kindNames = [...]string{"none", "zone", "learned", "unknown", "silence"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Result is a classified signal.
type Result struct {
	Kind   Kind
	Signal tone.Signal // for Zone and Learned
	// LevelDBm0 is the mean level of the tone's last on-step; Freq the
	// measured frequency of its main component.
	LevelDBm0 float64
	Freq      float64
	// On and Off are the last on and off durations seen (zero for a
	// steady tone).
	On, Off time.Duration
}

func (r Result) String() string {
	switch r.Kind {
	case Zone, Learned:
		return fmt.Sprintf("%v %v", r.Kind, r.Signal)
	case Unknown:
		return fmt.Sprintf("unknown %.0f Hz %v/%v", r.Freq, r.On, r.Off)
	}
	return r.Kind.String()
}

// Config configures a Detector. The zero value is the default.
type Config struct {
	// MinLevelDBm0 is the lowest tone level (power of all its
	// components) detected; 0 means -47 dBm0.
	MinLevelDBm0 float64
	// SteadyAfter is how long a steady tone must last to be dial tone,
	// at least; it is raised to outlast any on-step of the same
	// frequencies in the zone. 0 means 1 s.
	SteadyAfter time.Duration
	// SilenceAfter is how long quiet must last to be reported; 0 means
	// 6 s (longer than any off-step in the tables).
	SilenceAfter time.Duration
}

// bin is one frequency of the Goertzel bank.
type bin struct {
	freq       float64
	coef       float64
	rotr, roti float64 // e^{-jw}
	cenr, ceni float64 // e^{-jw(N-1)/2}
	hopr, hopi float64 // e^{-jw hop}
	absr, absi float64 // e^{-jw t}, t = window centre: refers phases to absolute time
	xr, xi     float64 // this hop's centre-referenced term, / w0
}

// run is a stretch of hops with the same label.
type run struct {
	label  int
	hops   int
	power  float64 // sum of explained power over the hops
	ms     int     // duration, corrected for onBias
	rot    complex128
	prev   complex128
	pend   [edgeHops]complex128 // the last hops' rotations, not yet counted
	npend  int
	skip   int // hops at the start not counted
	sumD   float64
	sumD2  float64
	nD     int
	freqOK bool
	freq   float64
}

// Detector classifies call-progress tones of one zone. It is not safe for
// concurrent use.
type Detector struct {
	cfg      Config
	minPower float64
	steadyMS []int // per class

	win [window]float64
	w0  float64 // sum of the window
	w2  float64 // sum of its squares

	bank     []bin
	classes  []class
	patterns []pattern

	buf  [window]float64
	pos  int // next write in buf
	fill int // samples since the last hop
	seen int // samples seen, up to window

	score   [][smoothHops]float64 // per class, last hops
	scoreAt int
	cur     run
	cand    int // candidate label and its hop count
	candN   int
	hist    [maxHist]run
	nhist   int
	quiet   int     // quiet hops in a row
	lastOn  float64 // mean square of the centre hop during the last tone

	reported Result
	pending  bool
	out      Result
}

// NewDetector returns a detector for zone's dial, busy, ringback,
// congestion and special information tones.
func NewDetector(zone *tone.Zone, cfg Config) (*Detector, error) {
	if zone == nil {
		return nil, errors.New("progress: no zone")
	}
	if cfg.MinLevelDBm0 == 0 {
		cfg.MinLevelDBm0 = -47
	}
	if cfg.SteadyAfter == 0 {
		cfg.SteadyAfter = time.Second
	}
	if cfg.SilenceAfter == 0 {
		cfg.SilenceAfter = 6 * time.Second
	}
	d := &Detector{cfg: cfg}
	p := dBm0Ref * math.Pow(10, cfg.MinLevelDBm0/20)
	d.minPower = p * p
	for n := range window {
		d.win[n] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(n)+0.5)/window)
		d.w0 += d.win[n]
		d.w2 += d.win[n] * d.win[n]
	}
	for _, sig := range []tone.Signal{tone.Busy, tone.Congestion, tone.Ringback, tone.Dial, tone.Info} {
		t, ok := zone.Tones[sig]
		if !ok {
			continue
		}
		if err := d.addTone(sig, Zone, t); err != nil {
			return nil, fmt.Errorf("progress: zone %s: %w", zone.Name, err)
		}
	}
	d.prepare()
	d.Reset()
	return d, nil
}

// prepare sizes the per-class state after classes were added.
func (d *Detector) prepare() {
	d.score = make([][smoothHops]float64, len(d.classes))
	d.steadyMS = make([]int, len(d.classes))
	for c := range d.classes {
		ms := int(d.cfg.SteadyAfter / time.Millisecond)
		for _, p := range d.patterns {
			for _, s := range p.segs {
				if s.label == c && !p.steady {
					ms = max(ms, s.dur+max(50, s.dur*15/100)+100)
				}
			}
		}
		d.steadyMS[c] = ms
	}
}

// Reset forgets the audio seen so far (the patterns stay).
func (d *Detector) Reset() {
	d.buf = [window]float64{}
	d.pos, d.fill, d.seen = 0, 0, 0
	for i := range d.score {
		d.score[i] = [smoothHops]float64{}
	}
	d.cur = run{label: offLabel}
	d.cand, d.candN = offLabel, 0
	d.nhist = 0
	d.quiet = 0
	d.lastOn = 0
	d.reported = Result{}
	d.pending = false
	for i := range d.bank {
		d.bank[i].absr, d.bank[i].absi = 1, 0
	}
}

// Process analyses a frame of audio (any length) and returns a result when
// a signal has just been recognised (or silence has set in); a signal is
// reported once, until something else is recognised.
func (d *Detector) Process(frame []int16) (Result, bool) {
	for _, v := range frame {
		d.buf[d.pos] = float64(v)
		d.pos = (d.pos + 1) % window
		d.seen = min(d.seen+1, window)
		d.fill++
		if d.fill == hop {
			d.fill = 0
			d.analyse()
		}
	}
	if d.pending {
		d.pending = false
		return d.out, true
	}
	return Result{}, false
}

func (d *Detector) report(r Result) {
	if r.Kind == d.reported.Kind && r.Signal == d.reported.Signal {
		return
	}
	d.reported = r
	d.out = r
	d.pending = true
}

// analyse runs every hop: window, Goertzel bank, class scores, runs.
func (d *Detector) analyse() {
	var xw [window]float64
	var e float64
	for n := range window {
		v := d.buf[(d.pos+n)%window] * d.win[n]
		xw[n] = v
		e += v * v
	}
	e /= d.w2 // mean square of the windowed stretch
	for i := 0; i < len(d.bank); i += 2 {
		// Two Goertzel recursions per pass over the window.
		var s1, s2, t1, t2 float64
		c := d.bank[i].coef
		if i+1 < len(d.bank) {
			c2 := d.bank[i+1].coef
			for _, v := range xw {
				s1, s2 = v+c*s1-s2, s1
				t1, t2 = v+c2*t1-t2, t1
			}
			d.bank[i+1].term(t1, t2, d.w0)
		} else {
			for _, v := range xw {
				s1, s2 = v+c*s1-s2, s1
			}
		}
		d.bank[i].term(s1, s2, d.w0)
	}
	if d.seen < window {
		return
	}
	// Class scores: fraction of the power explained by each class.
	best, bestScore := offLabel, math.Inf(-1)
	var bestPower float64
	slot := d.scoreAt
	d.scoreAt = (d.scoreAt + 1) % smoothHops
	for ci := range d.classes {
		f, p := d.fit(ci, e)
		s := f - extraComp*float64(d.classes[ci].m-1)
		if p < d.minPower {
			s = 0
		}
		d.score[ci][slot] = s
		var avg float64
		for _, v := range d.score[ci] {
			avg += v
		}
		avg /= smoothHops
		if ci == d.cur.label && avg >= hysteresis {
			avg += holdBonus // the running class keeps the run while it holds
		}
		if avg > bestScore {
			best, bestScore, bestPower = ci, avg, p
		}
	}
	// On and off are decided on the 10 ms at the window's centre, which
	// times the cadence to a hop whatever the level: quiet means below
	// the threshold or 15 dB below the last tone.
	var ce float64
	for n := (window - hop) / 2; n < (window+hop)/2; n++ {
		v := d.buf[(d.pos+n)%window]
		ce += v * v
	}
	ce /= hop
	label := best
	switch {
	case ce < d.minPower || ce < d.lastOn*quietRel:
		label = offLabel
	case bestScore < minFraction:
		label = otherLabel
	}
	switch {
	case label >= 0 && d.cur.label < 0 && d.candN == 0:
		d.lastOn = ce // a new tone
	case label >= 0 && ce >= 0.25*d.lastOn:
		// Follow the tone's level, but not its decay at the end (the
		// window still holds the tone when its centre is quiet).
		d.lastOn += 0.2 * (ce - d.lastOn)
	}
	d.step(label, bestPower)
}

// term finishes a Goertzel recursion (last two states s1, s2) into the
// bin's DFT term, referred to the window centre and divided by the window
// sum, and advances the bin's absolute phase reference by one hop.
func (b *bin) term(s1, s2, w0 float64) {
	// X e^{jw(N-1)} = s1 - e^{-jw} s2 and X_c = e^{-jw(N-1)/2} (s1 - e^{-jw} s2).
	yr := s1 - b.rotr*s2
	yi := -b.roti * s2
	b.xr = (yr*b.cenr - yi*b.ceni) / w0
	b.xi = (yr*b.ceni + yi*b.cenr) / w0
	b.absr, b.absi = b.absr*b.hopr-b.absi*b.hopi, b.absr*b.hopi+b.absi*b.hopr
}

// fit returns the share of the power e that class ci explains, and the
// explained power.
func (d *Detector) fit(ci int, e float64) (frac, power float64) {
	c := &d.classes[ci]
	var x [maxComp]complex128
	for i := range c.m {
		b := &d.bank[c.bank[i]]
		x[i] = complex(b.xr, b.xi)
	}
	// a = G^-1 x; explained power of the real signal = 2 Re(x^H a).
	var p float64
	for i := range c.m {
		var a complex128
		for j := range c.m {
			a += complex(c.ginv[i][j], 0) * x[j]
		}
		p += 2 * (real(x[i])*real(a) + imag(x[i])*imag(a))
	}
	if e <= 0 {
		return 0, 0
	}
	return p / e, p
}

// mainComponent returns class ci's first component separated from the
// others and referred to absolute time: constant for a steady tone on its
// nominal frequency, rotating by its offset otherwise.
func (d *Detector) mainComponent(ci int) complex128 {
	c := &d.classes[ci]
	if c.raw {
		b := &d.bank[c.bank[0]]
		return complex(b.xr, b.xi) * complex(b.absr, b.absi)
	}
	var a complex128
	for j := range c.m {
		b := &d.bank[c.bank[j]]
		a += complex(c.ginv[0][j], 0) * complex(b.xr, b.xi)
	}
	b := &d.bank[c.bank[0]]
	return a * complex(b.absr, b.absi)
}

// step extends the current run or, once a different label has held for
// two hops, completes it and starts the next.
func (d *Detector) step(label int, power float64) {
	if label == d.cur.label {
		d.candN = 0
		d.extend(&d.cur, power)
	} else {
		if label == d.cand {
			d.candN++
		} else {
			d.cand, d.candN = label, 1
		}
		if d.candN >= 2 {
			d.cur.hops -= d.candN - 1 // the candidate's first hop was its own
			carry := 0
			if d.cur.hops*hopMS < shortRunMS {
				// A transition (a tone's onset or end smeared by the
				// window): its time goes to the next run.
				carry = d.cur.hops
			} else {
				d.complete()
			}
			if carry > 0 && d.nhist > 0 && d.hist[d.nhist-1].label == label {
				// A dip inside a tone (an AM tone's envelope, a noise
				// burst): the tone's run goes on.
				d.nhist--
				d.cur = d.hist[d.nhist]
				d.cur.hops += carry
			} else {
				d.cur = run{label: label, hops: carry}
			}
			for range d.candN {
				d.extend(&d.cur, power)
			}
			d.candN = 0
		} else {
			d.extend(&d.cur, 0)
		}
	}
	if d.cur.label == offLabel {
		d.quiet++
		if d.quiet*hopMS >= int(d.cfg.SilenceAfter/time.Millisecond) {
			d.report(Result{Kind: Silence})
		}
	} else {
		d.quiet = 0
	}
	d.checkSteady()
}

func (d *Detector) extend(r *run, power float64) {
	r.hops++
	r.power += power
	if r.label < 0 {
		return
	}
	z := d.mainComponent(r.label)
	if r.prev != 0 && z != 0 {
		// The first and last edgeHops hops of a run see the tone's
		// edges within the window: the first are skipped, the last held
		// back and never counted.
		if r.skip < edgeHops {
			r.skip++
		} else {
			if r.npend == edgeHops {
				d.count(r, r.pend[0])
				copy(r.pend[:], r.pend[1:])
				r.npend--
			}
			r.pend[r.npend] = z * complexConj(r.prev)
			r.npend++
		}
	}
	r.prev = z
}

func (d *Detector) count(r *run, q complex128) {
	r.rot += q
	df := math.Atan2(imag(q), real(q)) * SampleRate / (2 * math.Pi * hop)
	r.sumD += df
	r.sumD2 += df * df
	r.nD++
}

func complexConj(z complex128) complex128 { return complex(real(z), -imag(z)) }

// finish computes a run's duration and frequency verdict.
func (d *Detector) finish(r *run) {
	r.ms = r.hops * hopMS
	if r.label >= 0 {
		r.ms -= onBias
	} else {
		r.ms += onBias
	}
	r.freqOK = false
	if r.label >= 0 && r.nD > 0 {
		c := &d.classes[r.label]
		off := math.Atan2(imag(r.rot), real(r.rot)) * SampleRate / (2 * math.Pi * hop)
		mean := r.sumD / float64(r.nD)
		std := math.Sqrt(max(0, r.sumD2/float64(r.nD)-mean*mean))
		r.freq = c.freqs[0] + off
		r.freqOK = math.Abs(off) <= 0.025*c.freqs[0]+2 && std <= maxFreqStd
	}
}

func (d *Detector) complete() {
	d.finish(&d.cur)
	if d.cur.hops <= 0 {
		return
	}
	if d.nhist == maxHist {
		copy(d.hist[:], d.hist[1:])
		d.nhist--
	}
	d.hist[d.nhist] = d.cur
	d.nhist++
	d.match()
}

func (d *Detector) levelDBm0(r *run) float64 {
	p := r.power / float64(max(r.hops, 1))
	if p <= 0 {
		return -150
	}
	return 10 * math.Log10(p/(dBm0Ref*dBm0Ref))
}

// checkSteady recognises a steady tone by the length of the current run.
func (d *Detector) checkSteady() {
	r := &d.cur
	if r.label < 0 || r.hops*hopMS < d.steadyMS[r.label] {
		return
	}
	for i := range d.patterns {
		p := &d.patterns[i]
		if !p.steady || p.segs[0].label != r.label {
			continue
		}
		tmp := *r
		d.finish(&tmp)
		if !tmp.freqOK {
			return
		}
		d.report(Result{Kind: p.kind, Signal: p.signal, LevelDBm0: d.levelDBm0(r), Freq: tmp.freq})
		return
	}
}

func tolerance(ms int) int { return max(50, ms*15/100) }

// match compares the latest completed runs with every pattern.
func (d *Detector) match() {
	h := d.hist[:d.nhist]
	for i := range d.patterns {
		p := &d.patterns[i]
		if p.steady || len(h) < p.need {
			continue
		}
		recent := h[len(h)-p.need:]
		rots := len(p.segs)
		if p.seq {
			rots = 1
		}
		for r := range rots {
			if d.matches(p, recent, r) {
				last := recent[len(recent)-1]
				res := Result{Kind: p.kind, Signal: p.signal}
				for j := len(recent) - 1; j >= 0; j-- {
					if recent[j].label >= 0 {
						res.LevelDBm0 = d.levelDBm0(&recent[j])
						res.Freq = recent[j].freq
						res.On = time.Duration(recent[j].ms) * time.Millisecond
						break
					}
				}
				if last.label < 0 {
					res.Off = time.Duration(last.ms) * time.Millisecond
				}
				d.report(res)
				return
			}
		}
	}
	d.unknown(h)
}

func (d *Detector) matches(p *pattern, runs []run, rot int) bool {
	lo, hi := math.Inf(1), math.Inf(-1)
	for j := range runs {
		r := &runs[j]
		s := p.segs[(rot+j)%len(p.segs)]
		if r.label != s.label || abs(r.ms-s.dur) > tolerance(s.dur) {
			return false
		}
		if s.label >= 0 {
			if !r.freqOK {
				return false
			}
			off := d.levelDBm0(r) - s.rel
			lo, hi = min(lo, off), max(hi, off)
		}
	}
	return hi-lo <= maxRelSpan
}

// unknown reports a tone of a known frequency that repeats the same on/off
// cadence twice without matching any pattern.
func (d *Detector) unknown(h []run) {
	if len(h) < 4 {
		return
	}
	r := h[len(h)-4:]
	if r[0].label < 0 || r[1].label != offLabel || r[2].label != r[0].label || r[3].label != offLabel {
		return
	}
	if !r[0].freqOK || !r[2].freqOK ||
		abs(r[0].ms-r[2].ms) > tolerance(r[0].ms) || abs(r[1].ms-r[3].ms) > tolerance(r[1].ms) ||
		math.Abs(d.levelDBm0(&r[0])-d.levelDBm0(&r[2])) > 2 {
		return
	}
	// A cadence that is part of a table's pattern is not unknown: the
	// pattern may still complete (cn SIT: three 100/100 ms beeps, then a
	// long one).
	for i := range d.patterns {
		p := &d.patterns[i]
		for j, s := range p.segs {
			n := p.segs[(j+1)%len(p.segs)]
			if s.label == r[2].label && n.label == offLabel &&
				abs(s.dur-r[2].ms) <= tolerance(s.dur) && abs(n.dur-r[3].ms) <= tolerance(n.dur) {
				return
			}
		}
	}
	d.report(Result{Kind: Unknown, LevelDBm0: d.levelDBm0(&r[2]), Freq: r[2].freq,
		On: time.Duration(r[2].ms) * time.Millisecond, Off: time.Duration(r[3].ms) * time.Millisecond})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
