package echo

import (
	"math"
	"testing"
)

// TestHighPass100 measures the Sin/reference high-pass (a second-order
// Butterworth section at 100 Hz, run in direct form I two channels at a
// time): 3 dB down at 100 Hz, 12.3 dB down at 50 Hz, flat at 300 Hz and
// above.
func TestHighPass100(t *testing.T) {
	for _, c := range []struct{ freq, wantDB, tol float64 }{
		{50, -12.3, 0.3},
		{100, -3.01, 0.1},
		{300, -0.05, 0.1},
		{1000, 0, 0.05},
		{3400, 0, 0.05},
	} {
		var q1, q2 biquad
		q1.highPass100()
		q2.highPass100()
		const blocks = 250 // 2 s
		var in1, in2 [blockLen]int16
		var out1, out2 [blockLen]float32
		var pin, pout1, pout2 float64
		for b := range blocks {
			for i := range blockLen {
				n := b*blockLen + i
				v := 10000 * math.Sin(2*math.Pi*c.freq*float64(n)/8000)
				in1[i] = int16(math.Round(v))
				in2[i] = -in1[i]
			}
			runPair(&q1, &q2, &out1, &out2, &in1, &in2)
			if b < blocks/2 {
				continue // settling
			}
			for i := range blockLen {
				pin += float64(in1[i]) * float64(in1[i])
				pout1 += float64(out1[i]) * float64(out1[i])
				pout2 += float64(out2[i]) * float64(out2[i])
			}
		}
		got := 10 * math.Log10(pout1/pin)
		if math.Abs(got-c.wantDB) > c.tol {
			t.Errorf("%g Hz: gain %.2f dB, want %.2f ± %.2f", c.freq, got, c.wantDB, c.tol)
		}
		if math.Abs(pout1-pout2) > 1e-4*pout1 {
			t.Errorf("%g Hz: the two channels differ: %g vs %g", c.freq, pout1, pout2)
		}
	}
}

// TestSat16 checks rounding (halves away from zero) and saturation.
func TestSat16(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want int16
	}{
		{0, 0}, {0.49, 0}, {0.5, 1}, {-0.5, -1}, {-0.49, 0}, {1.5, 2}, {-1.5, -2},
		{2.5, 3}, {-2.5, -3}, {32766.6, 32767}, {32767.4, 32767}, {40000, 32767},
		{-32767.6, -32768}, {-32768.4, -32768}, {-1e9, -32768}, {1e9, 32767},
	} {
		if got := sat16(c.in); got != c.want {
			t.Errorf("sat16(%g) = %d, want %d", c.in, got, c.want)
		}
	}
	for v := float32(-33000); v <= 33000; v += 0.25 {
		want := int16(max(-32768, min(32767, math.Round(float64(v)))))
		if got := sat16(v); got != want {
			t.Fatalf("sat16(%g) = %d, want %d", v, got, want)
		}
	}
}
