package fax

import (
	"math"
	"time"
)

// GenConfig configures a Generator. Zero fields take the nominal values.
type GenConfig struct {
	Tone      Tone
	LevelDBm0 float64 // level of the (carrier) sine; 0 means -12 dBm0
	// FreqOffset shifts the carrier, in Hz (for tests of receivers).
	FreqOffset float64
	// ReversalInterval is the spacing of phase reversals for ANSPR and
	// ANSamPR; 0 means 450 ms.
	ReversalInterval time.Duration
	// AMFreq and AMDepth set the modulation of ANSam and ANSamPR; 0 means
	// 15 Hz and 0.2. A negative AMDepth means no modulation.
	AMFreq, AMDepth float64
}

// DefaultLevelDBm0 is the generator's level when GenConfig.LevelDBm0 is 0.
const DefaultLevelDBm0 = -12.0

// Generator renders CNG (0.5 s on, 3 s off, repeated) or one of the
// answer tones (continuous; the caller stops it after the 2.6-4 s that
// T.30 and V.25 give). It is phase continuous across frames and starts at
// zero phase. Not safe for concurrent use.
type Generator struct {
	amp          float64
	zr, zi       float64 // carrier phasor
	wr, wi       float64
	mr, mi       float64 // modulator phasor
	mwr, mwi     float64
	depth        float64
	reversal     int // samples between reversals; 0 = none
	untilRev     int
	cadence      bool // CNG on/off
	on, off, pos int
}

// NewGenerator returns a generator for cfg.Tone (None gives silence).
func NewGenerator(cfg GenConfig) *Generator {
	g := &Generator{}
	level := cfg.LevelDBm0
	if level == 0 {
		level = DefaultLevelDBm0
	}
	g.amp = amplitude(level)
	f := ANSFreq
	switch cfg.Tone {
	case None:
		g.amp = 0
	case CNG:
		f = CNGFreq
		g.cadence = true
		g.on = samples(CNGOn)
		g.off = samples(CNGOff)
	case ANSPR, ANSamPR:
		iv := cfg.ReversalInterval
		if iv == 0 {
			iv = ReversalInterval
		}
		g.reversal = samples(iv)
		g.untilRev = g.reversal
	}
	if cfg.Tone == ANSam || cfg.Tone == ANSamPR {
		g.depth = cfg.AMDepth
		if g.depth == 0 {
			g.depth = AMDepth
		}
		g.depth = max(g.depth, 0)
		mf := cfg.AMFreq
		if mf == 0 {
			mf = AMFreq
		}
		g.mwr, g.mwi = math.Cos(2*math.Pi*mf/SampleRate), math.Sin(2*math.Pi*mf/SampleRate)
	}
	w := 2 * math.Pi * (f + cfg.FreqOffset) / SampleRate
	g.wr, g.wi = math.Cos(w), math.Sin(w)
	g.zr, g.mr = 1, 1
	return g
}

func samples(d time.Duration) int {
	return int((d*SampleRate + time.Second/2) / time.Second)
}

// Fill writes the next len(frame) samples of the tone into frame and
// returns len(frame).
func (g *Generator) Fill(frame []int16) int {
	for i := range frame {
		on := true
		if g.cadence {
			on = g.pos < g.on
			g.pos++
			if g.pos == g.on+g.off {
				g.pos = 0
				g.zr, g.zi = 1, 0 // each burst starts at zero phase
			}
		}
		v := 0.0
		if on {
			v = g.amp * g.zi
			if g.depth > 0 {
				v *= 1 + g.depth*g.mi
			}
		}
		frame[i] = int16(max(-32768, min(32767, math.Round(v))))
		if on {
			g.zr, g.zi = g.zr*g.wr-g.zi*g.wi, g.zr*g.wi+g.zi*g.wr
		}
		if g.depth > 0 {
			g.mr, g.mi = g.mr*g.mwr-g.mi*g.mwi, g.mr*g.mwi+g.mi*g.mwr
		}
		if g.reversal > 0 {
			g.untilRev--
			if g.untilRev == 0 {
				g.untilRev = g.reversal
				g.zr, g.zi = -g.zr, -g.zi
			}
		}
	}
	r := 1 / math.Hypot(g.zr, g.zi)
	g.zr, g.zi = g.zr*r, g.zi*r
	if g.depth > 0 {
		r := 1 / math.Hypot(g.mr, g.mi)
		g.mr, g.mi = g.mr*r, g.mi*r
	}
	return len(frame)
}
