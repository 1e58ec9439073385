package echo

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// The vector kernels must compute what the portable ones compute. They use
// fused multiply-adds and another order of summation, so results agree to
// rounding, not bit for bit: every output must lie within relTol of the
// largest output magnitude of the reference (float32 has a relative
// precision of 6e-8; a 64-point FFT or a 16-partition sum accumulates a few
// dozen roundings).
const relTol = 2e-6

func randFill(rng *rand.Rand, x []float32, scale float64) {
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
}

func checkClose(t *testing.T, what string, got, want []float32) {
	t.Helper()
	var peak float64
	for _, v := range want {
		peak = max(peak, math.Abs(float64(v)))
	}
	for i := range want {
		if d := math.Abs(float64(got[i] - want[i])); d > relTol*peak || math.IsNaN(float64(got[i])) {
			t.Fatalf("%s[%d] = %g, want %g (peak %g)", what, i, got[i], want[i], peak)
		}
	}
}

// TestVectorKernelsMatchGo runs the architecture's vector kernels and the
// portable kernels on the same random data and compares the results.
func TestVectorKernelsMatchGo(t *testing.T) {
	if vectorKernels == nil {
		t.Skip("no vector kernels in this build")
	}
	v, g := vectorKernels, &genericKernels
	t.Logf("comparing %s with %s", v.name, g.name)
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := range 200 {
		scale := math.Pow(10, float64(iter%7))
		var re, im [cfftLen]float32
		randFill(rng, re[:], scale)
		randFill(rng, im[:], scale)
		re2, im2 := re, im
		v.fft64(&re, &im)
		g.fft64(&re2, &im2)
		checkClose(t, "fft64 re", re[:], re2[:])
		checkClose(t, "fft64 im", im[:], im2[:])

		var x [fftLen]float32
		randFill(rng, x[:], scale)
		var zr, zi, zr2, zi2 [cfftLen]float32
		v.deint(&zr, &zi, &x)
		g.deint(&zr2, &zi2, &x)
		checkClose(t, "deint re", zr[:], zr2[:])
		checkClose(t, "deint im", zi[:], zi2[:])

		var s1, s2 [specLen]float32
		v.split(&s1, &re, &im)
		g.split(&s2, &re, &im)
		checkClose(t, "split", s1[:], s2[:])

		v.unsplit(&zr, &zi, &s2)
		g.unsplit(&zr2, &zi2, &s2)
		checkClose(t, "unsplit re", zr[:], zr2[:])
		checkClose(t, "unsplit im", zi[:], zi2[:])

		var x1, x2 [fftLen]float32
		v.interleave(&x1, &zr2, &zi2)
		g.interleave(&x2, &zr2, &zi2)
		checkClose(t, "interleave", x1[:], x2[:])

		var xs [toneSub]int16
		for i := range xs {
			xs[i] = int16(rng.IntN(65536) - 32768)
		}
		ph := rng.IntN(tonePer)
		cs, sn := (*[toneSub]float32)(toneCos[ph:]), (*[toneSub]float32)(toneSin[ph:])
		a1, a2, a3 := v.toneCorr(&xs, cs, sn)
		b1, b2, b3 := g.toneCorr(&xs, cs, sn)
		checkClose(t, "toneCorr", []float32{a1, a2, a3}, []float32{b1, b2, b3})

		var dsum1, pw1 [cfftLen + 1]float32
		randFill(rng, dsum1[:], scale*scale)
		randFill(rng, pw1[:], scale*scale)
		dsum2, pw2 := dsum1, pw1
		v.powUpdate(&dsum1, &pw1, &s2)
		g.powUpdate(&dsum2, &pw2, &s2)
		checkClose(t, "powUpdate dsum", dsum1[:], dsum2[:])
		checkClose(t, "powUpdate pw", pw1[:], pw2[:])

		for i := range dsum1 {
			dsum1[i] = float32(math.Abs(float64(dsum1[i])))
		}
		n1, n2 := s2, s2
		v.normalize(&n1, &dsum1, 0.5, float32(scale))
		g.normalize(&n2, &dsum1, 0.5, float32(scale))
		checkClose(t, "normalize", n1[:], n2[:])

		// quantize uses the same operations as sat16: exact agreement.
		var fq [blockLen]float32
		randFill(rng, fq[:], 3*scale)
		fq[0], fq[1], fq[2], fq[3] = 0.5, -0.5, 40000, -40000
		// NaN (both signs) and infinities: sat16 gives 0 for NaN.
		inf := float32(math.Inf(1))
		fq[4], fq[5], fq[6], fq[7] = float32(math.NaN()), -float32(math.NaN()), inf, -inf
		var q1, q2 [blockLen]int16
		v.quantize(&q1, &fq)
		g.quantize(&q2, &fq)
		if q1 != q2 {
			t.Fatalf("quantize: got %v, want %v", q1, q2)
		}

		var sb, ybb, yff, eb1, ef1, eb2, ef2 [blockLen]float32
		randFill(rng, sb[:], scale)
		randFill(rng, ybb[:], scale)
		randFill(rng, yff[:], scale)
		e1, e2, e3, e4, e5, e6 := v.errStats(&eb1, &ef1, &sb, &ybb, &yff)
		f1, f2, f3, f4, f5, f6 := g.errStats(&eb2, &ef2, &sb, &ybb, &yff)
		checkClose(t, "errStats eb", eb1[:], eb2[:])
		checkClose(t, "errStats ef", ef1[:], ef2[:])
		for i, p := range [][2]float32{{e1, f1}, {e2, f2}, {e3, f3}, {e4, f4}, {e5, f5}, {e6, f6}} {
			if math.Abs(float64(p[0]-p[1])) > relTol*math.Abs(float64(p[1])) {
				t.Fatalf("errStats energy %d = %g, want %g", i, p[0], p[1])
			}
		}

		for _, parts := range []int{1, 2, 3, 4, 16} {
			n := parts * specLen
			x := make([]float32, n)
			wb := make([]float32, n)
			wf := make([]float32, n)
			randFill(rng, x, scale)
			randFill(rng, wb, 1)
			randFill(rng, wf, 1)
			var yb1, yf1, yb2, yf2 [specLen]float32
			v.mac2(&yb1, &yf1, x, wb, wf)
			g.mac2(&yb2, &yf2, x, wb, wf)
			checkClose(t, "mac2 yb", yb1[:], yb2[:])
			checkClose(t, "mac2 yf", yf1[:], yf2[:])

			var gr [specLen]float32
			randFill(rng, gr[:], 1e-3)
			w1 := append([]float32(nil), wb...)
			w2 := append([]float32(nil), wb...)
			v.update(w1, x, &gr)
			g.update(w2, x, &gr)
			checkClose(t, "update", w1, w2)
		}
	}
}

// TestFFT64MatchesDFT checks the 64-point complex FFT against a direct DFT.
func TestFFT64MatchesDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var re, im [cfftLen]float32
	randFill(rng, re[:], 1000)
	randFill(rng, im[:], 1000)
	want := make([]complex128, cfftLen)
	for k := range want {
		for n := range cfftLen {
			a := -2 * math.Pi * float64(k*n) / cfftLen
			want[k] += complex(float64(re[n]), float64(im[n])) * complex(math.Cos(a), math.Sin(a))
		}
	}
	fft64(&re, &im)
	for k, w := range want {
		d := complex(float64(re[k]), float64(im[k])) - w
		if math.Hypot(real(d), imag(d)) > 1e-5*1000*cfftLen {
			t.Fatalf("bin %d: got %g%+gi, want %g", k, re[k], im[k], w)
		}
	}
}

func BenchmarkRFFT(b *testing.B) {
	var x [fftLen]float32
	randFill(rand.New(rand.NewPCG(1, 1)), x[:], 1000)
	var s [specLen]float32
	z := alignedFloats(specLen)
	b.ReportAllocs()
	for b.Loop() {
		rfft(&s, &x, (*[specLen]float32)(z))
	}
}

func BenchmarkIRFFT(b *testing.B) {
	var s [specLen]float32
	randFill(rand.New(rand.NewPCG(1, 1)), s[:], 1000)
	var x [fftLen]float32
	z := alignedFloats(specLen)
	b.ReportAllocs()
	for b.Loop() {
		irfft(&x, &s, (*[specLen]float32)(z))
	}
}

func BenchmarkMac2Tail128ms(b *testing.B) {
	n := 16 * specLen
	x, wb, wf := make([]float32, n), make([]float32, n), make([]float32, n)
	var yb, yf [specLen]float32
	b.ReportAllocs()
	for b.Loop() {
		mac2(&yb, &yf, x, wb, wf)
	}
}

func BenchmarkUpdateTail128ms(b *testing.B) {
	n := 16 * specLen
	x, w := make([]float32, n), make([]float32, n)
	var g [specLen]float32
	b.ReportAllocs()
	for b.Loop() {
		update(w, x, &g)
	}
}

// TestTableLayout pins the offsets of fftTables that the assembly kernels
// use.
func TestTableLayout(t *testing.T) {
	var tb fftTables
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"twr", unsafe.Offsetof(tb.twr), 0},
		{"twi", unsafe.Offsetof(tb.twi), 224},
		{"spr", unsafe.Offsetof(tb.spr), 448},
		{"spi", unsafe.Offsetof(tb.spi), 580},
		{"sqrtHalf", unsafe.Offsetof(tb.sqrtHalf), 712},
		{"half", unsafe.Offsetof(tb.half), 716},
		{"scale", unsafe.Offsetof(tb.scale), 720},
		{"negScale", unsafe.Offsetof(tb.negScale), 724},
		{"rev", unsafe.Offsetof(tb.rev), 728},
		{"maxS16", unsafe.Offsetof(tb.maxS16), 760},
		{"minS16", unsafe.Offsetof(tb.minS16), 764},
		{"signBit", unsafe.Offsetof(tb.signBit), 768},
	} {
		if c.got != c.want {
			t.Errorf("offset of %s = %d, the assembly expects %d", c.name, c.got, c.want)
		}
	}
}
