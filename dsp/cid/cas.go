package cid

import (
	"math"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/measure"
)

// SampleRate is the sample rate of every generator and detector here, in Hz.
const SampleRate = 8000

// The dual-tone alerting signal: the CPE alerting signal (CAS) of SR-3004 /
// GR-30-CORE for caller ID on call waiting, the dual tone alerting signal
// (DT-AS) of EN 300 659-1 clause 6.1.3 and the idle state tone alert of BT
// SIN 227 are all 2130 Hz + 2750 Hz (±0.5 % / ±1.1 %).
const (
	AlertLow  = 2130.0
	AlertHigh = 2750.0
)

func amplitude(levelDBm0 float64) float64 {
	return measure.Amplitude(levelDBm0)
}

func samples(d time.Duration) int {
	return int((d*SampleRate + time.Second/2) / time.Second)
}

// alertGen renders the 2130 + 2750 Hz dual tone with two recursive
// quadrature oscillators.
type alertGen struct {
	amp                float64
	ar, ai, br, bi     float64
	awr, awi, bwr, bwi float64
}

func newAlertGen(levelDBm0 float64) alertGen {
	g := alertGen{amp: amplitude(levelDBm0), ar: 1, br: 1}
	w := 2 * math.Pi * AlertLow / SampleRate
	g.awr, g.awi = math.Cos(w), math.Sin(w)
	w = 2 * math.Pi * AlertHigh / SampleRate
	g.bwr, g.bwi = math.Cos(w), math.Sin(w)
	return g
}

func (g *alertGen) reset() { g.ar, g.ai, g.br, g.bi = 1, 0, 1, 0 }

func (g *alertGen) render(out []int16) {
	ar, ai, br, bi := g.ar, g.ai, g.br, g.bi
	for i := range out {
		out[i] = int16(max(-32768, min(32767, math.Round(g.amp*(ai+bi)))))
		ar, ai = ar*g.awr-ai*g.awi, ar*g.awi+ai*g.awr
		br, bi = br*g.bwr-bi*g.bwi, br*g.bwi+bi*g.bwr
	}
	m := 1 / math.Sqrt(ar*ar+ai*ai)
	g.ar, g.ai = ar*m, ai*m
	m = 1 / math.Sqrt(br*br+bi*bi)
	g.br, g.bi = br*m, bi*m
}

// CASConfig configures a CASDetector. Zero fields take the defaults.
type CASConfig struct {
	// MinLevelDBm0 is the lowest level of each tone that is detected.
	// Default -35 dBm0.
	MinLevelDBm0 float64
	// MinDuration and MaxDuration bound the accepted tone length.
	// Defaults 40 ms and 130 ms: the CAS is 75-85 ms (SR-3004), the DT-AS
	// 80-110 ms (EN 300 659-1/-2), the BT tone alert 88-110 ms.
	MinDuration, MaxDuration time.Duration
}

// casBlock is the analysis block of the CAS detector (8 ms: 125 Hz bins,
// so ±1.1 % off-frequency tones lose at most 0.8 dB).
const casBlock = 64

// CASDetector detects the 2130 + 2750 Hz alerting tone (CAS, DT-AS, TAS)
// by frequency, purity and duration. It is not safe for concurrent use.
type CASDetector struct {
	cLow, cHigh float64 // Goertzel coefficients
	minPow      float64 // mean square of a tone at MinLevelDBm0
	minBlocks   int
	maxBlocks   int
	buf         [casBlock]float64
	n           int
	run         int // consecutive blocks with the tone
	miss        int
}

// NewCASDetector returns a detector for cfg.
func NewCASDetector(cfg CASConfig) *CASDetector {
	if cfg.MinLevelDBm0 == 0 {
		cfg.MinLevelDBm0 = -35
	}
	if cfg.MinDuration == 0 {
		cfg.MinDuration = 40 * time.Millisecond
	}
	if cfg.MaxDuration == 0 {
		cfg.MaxDuration = 130 * time.Millisecond
	}
	a := amplitude(cfg.MinLevelDBm0)
	return &CASDetector{
		cLow:  2 * math.Cos(2*math.Pi*AlertLow/SampleRate),
		cHigh: 2 * math.Cos(2*math.Pi*AlertHigh/SampleRate),
		// 1 dB below the nominal minimum for leakage and frequency error.
		minPow: a * a / 2 * math.Pow(10, -0.1),
		// Whole blocks inside a tone of the given duration.
		minBlocks: max(2, samples(cfg.MinDuration)/casBlock-1),
		maxBlocks: samples(cfg.MaxDuration)/casBlock + 1,
	}
}

// Reset forgets all state.
func (d *CASDetector) Reset() { d.n, d.run, d.miss = 0, 0, 0 }

// Process analyses frame and reports whether an alerting tone of accepted
// duration ended within it (the SR-3004 acknowledgement is due within
// 100 ms of the end of the CAS).
func (d *CASDetector) Process(frame []int16) bool {
	found := false
	for len(frame) > 0 {
		k := min(casBlock-d.n, len(frame))
		for i, v := range frame[:k] {
			d.buf[d.n+i] = float64(v)
		}
		d.n += k
		frame = frame[k:]
		if d.n < casBlock {
			break
		}
		d.n = 0
		if d.block() {
			d.run++
			d.miss = 0
			continue
		}
		if d.run > 0 {
			// One failing block may be the tone's partial last
			// block; the tone has ended.
			if d.run >= d.minBlocks && d.run <= d.maxBlocks {
				found = true
			}
			d.run = 0
		}
	}
	return found
}

func goertzelPow(x []float64, c float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+c*s1-s2, s1
	}
	n := float64(len(x))
	return 2 * (s1*s1 + s2*s2 - c*s1*s2) / (n * n)
}

// block tests one block: both tones above the minimum, within 6 dB of each
// other, and together 70 % of the block's energy.
func (d *CASDetector) block() bool {
	var e float64
	for _, v := range d.buf {
		e += v * v
	}
	e /= casBlock
	pl := goertzelPow(d.buf[:], d.cLow)
	ph := goertzelPow(d.buf[:], d.cHigh)
	if pl < d.minPow || ph < d.minPow {
		return false
	}
	if pl > 4*ph || ph > 4*pl {
		return false
	}
	return pl+ph >= 0.7*e
}

// ACKDetector detects the CPE's acknowledgement of a CAS: DTMF 'A' (an
// ADSI set) or 'D' (SR-3004), 55-65 ms long, which EN 300 659-2 also uses.
// It is not safe for concurrent use.
type ACKDetector struct {
	det *dtmf.Detector
}

// NewACKDetector returns an acknowledgement detector.
func NewACKDetector() *ACKDetector {
	return &ACKDetector{det: dtmf.NewDetector(dtmf.DetectorConfig{MinDuration: 40 * time.Millisecond})}
}

// Reset forgets all state.
func (a *ACKDetector) Reset() { a.det.Reset() }

// Process analyses frame and returns 'A' or 'D' when an acknowledgement
// starts in it, 0 otherwise.
func (a *ACKDetector) Process(frame []int16) byte {
	var ack byte
	for _, e := range a.det.Process(frame) {
		if !e.End && (e.Digit == 'A' || e.Digit == 'D') {
			ack = e.Digit
		}
	}
	return ack
}
