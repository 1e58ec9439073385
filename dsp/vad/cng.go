package vad

import "math"

// maxRefl bounds the reflection coefficients the generator uses, so that a
// received ±1 (byte 255) cannot make the synthesis filter unstable.
const maxRefl = 0.995

// Generator produces comfort noise with the level and spectral envelope of
// a SID: white noise through the all-pole synthesis filter the reflection
// coefficients describe (run as a lattice, which stays stable for any
// |k| < 1 where the direct form loses precision), scaled so that the
// output's mean square is the SID level. The zero value is silent until
// Update. Not safe for concurrent use.
type Generator struct {
	k     [MaxOrder]float64
	order int
	gain  float64           // target excitation RMS
	cur   float64           // excitation RMS now (ramps to gain over a frame)
	b     [MaxOrder]float64 // backward errors b_m[n-1], m = 0..order-1
	state uint64
}

// NewGenerator returns a silent generator; seed selects the noise sequence.
func NewGenerator(seed uint64) *Generator {
	return &Generator{state: seed*0x9e3779b97f4a7c15 + 1}
}

// Update sets the noise parameters. The level moves to the new one over
// the next Fill; the spectrum changes at once.
func (g *Generator) Update(s SID) {
	order := min(max(s.Order, 0), MaxOrder)
	pred := 1.0
	for m := range order {
		k := min(max(s.Refl[m], -maxRefl), maxRefl)
		g.k[m] = k
		pred *= 1 - k*k
	}
	if order < g.order {
		clear(g.b[order:g.order])
	}
	g.order = order
	// The all-pole filter multiplies the excitation's power by
	// 1/prod(1-k^2).
	power := overloadPower * math.Pow(10, float64(s.LevelDBov)/10)
	if s.LevelDBov <= MinLevelDBov {
		power = 0
	}
	g.gain = math.Sqrt(power * pred)
}

// rand returns a uniform deviate of unit variance (xorshift64*).
func (g *Generator) rand() float64 {
	g.state ^= g.state >> 12
	g.state ^= g.state << 25
	g.state ^= g.state >> 27
	v := g.state * 0x2545f4914f6cdd1d
	return (float64(v>>11)/(1<<53) - 0.5) * math.Sqrt(12)
}

// Fill writes len(frame) samples of comfort noise and returns len(frame).
func (g *Generator) Fill(frame []int16) int {
	if len(frame) == 0 {
		return 0
	}
	step := (g.gain - g.cur) / float64(len(frame))
	p := g.order
	k, b := g.k[:p], g.b[:p]
	for n := range frame {
		g.cur += step
		f := g.cur * g.rand()
		for m := p - 1; m >= 0; m-- {
			f -= k[m] * b[m]
			if m+1 < p {
				b[m+1] = b[m] + k[m]*f
			}
		}
		if p > 0 {
			b[0] = f
		}
		frame[n] = int16(max(-32768, min(32767, math.Round(f))))
	}
	g.cur = g.gain
	return len(frame)
}
