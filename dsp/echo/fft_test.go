package echo

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestRealFFTMatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var x [fftLen]float32
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 1000)
	}
	var spec [specLen]float32
	rfft(&spec, &x, new([specLen]float32))
	for k := 0; k <= cfftLen; k++ {
		var sr, si float64
		for n := range fftLen {
			a := -2 * math.Pi * float64(k*n) / fftLen
			sr += float64(x[n]) * math.Cos(a)
			si += float64(x[n]) * math.Sin(a)
		}
		var gr, gi float64
		switch k {
		case 0:
			gr = float64(spec[0])
		case cfftLen:
			gr = float64(spec[cfftLen])
		default:
			gr, gi = float64(spec[k]), float64(spec[cfftLen+k])
		}
		if math.Hypot(gr-sr, gi-si) > 1e-4*1000*fftLen {
			t.Fatalf("bin %d: got %g%+gi, want %g%+gi", k, gr, gi, sr, si)
		}
	}
	var y [fftLen]float32
	irfft(&y, &spec, new([specLen]float32))
	for i := range x {
		if math.Abs(float64(y[i]-x[i])) > 0.05 {
			t.Fatalf("inverse sample %d: got %g want %g", i, y[i], x[i])
		}
	}
}
