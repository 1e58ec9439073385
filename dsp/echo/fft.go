package echo

import "math"

// The adaptive filter works on blocks of blockLen samples with real FFTs of
// fftLen = 2*blockLen points (overlap-save). A real FFT of fftLen points is
// computed as a complex FFT of cfftLen = fftLen/2 points on the even/odd
// sample pairs, followed by a split step.
const (
	blockLen = 64
	fftLen   = 2 * blockLen
	cfftLen  = fftLen / 2
	// specLen is the number of float32 values of one packed spectrum: the
	// real parts of bins 0..63 followed by their imaginary parts, where the
	// imaginary slot of bin 0 holds the (real) Nyquist bin 64.
	specLen = 2 * cfftLen
)

// The 64-point complex FFT is an 8×8 decomposition (the "four-step"
// algorithm): with n = 8a + b and k = c + 8d,
//
//	X[c+8d] = Σb W8^(bd) · W64^(bc) · Σa x[8a+b] · W8^(ac).
//
// Stored as eight rows of eight (row a = x[8a:8a+8]), the inner sums are
// eight 8-point DFTs down the columns, the twiddles W64^(bc) an element-wise
// product, and after a transpose the outer sums are again 8-point DFTs
// down the columns, whose rows come out in natural order. Every step is an
// operation on whole rows, so a vector unit of eight (AVX2) or four
// (NEON) lanes runs it without shuffles apart from the transpose, and
// neither input nor output needs a bit-reversal permutation.

// fftTables holds the twiddle factors shared by all cancellers. The
// assembly kernels read it by offset: keep the layout.
type fftTables struct {
	// twr/twi[c-1][b] = W64^(b·c) = exp(-2πi·b·c/64), c = 1..7.
	twr, twi [7][8]float32
	// Split twiddles W128^k = exp(-2πik/128), k = 0..32.
	spr, spi [cfftLen/2 + 1]float32
	// Constants for the vector kernels.
	sqrtHalf float32  // cos(π/4)
	half     float32  // 0.5
	scale    float32  // 1/fftLen
	negScale float32  // -1/fftLen
	rev      [8]int32 // lane reversal permutation 7..0
	maxS16   float32  // 32767
	minS16   float32  // -32768
	signBit  uint32   // 1<<31
}

var tables = newFFTTables()

func newFFTTables() *fftTables {
	t := new(fftTables)
	for c := 1; c < 8; c++ {
		for b := range 8 {
			a := -2 * math.Pi * float64(b*c) / cfftLen
			t.twr[c-1][b] = float32(math.Cos(a))
			t.twi[c-1][b] = float32(math.Sin(a))
		}
	}
	t.sqrtHalf, t.half, t.scale, t.negScale = sqrtHalf, 0.5, 1.0/fftLen, -1.0/fftLen
	t.maxS16, t.minS16, t.signBit = 32767, -32768, 1<<31
	for i := range t.rev {
		t.rev[i] = int32(7 - i)
	}
	for k := range t.spr {
		a := -2 * math.Pi * float64(k) / fftLen
		t.spr[k] = float32(math.Cos(a))
		t.spi[k] = float32(math.Sin(a))
	}
	return t
}

// sqrtHalf is cos(π/4), the real and imaginary magnitude of W8.
const sqrtHalf = 0.70710678118654752

// dft8Cols computes an 8-point DFT down each of the eight columns of the
// 8×8 matrix (re, im), in place (radix-2 decimation in frequency). With
// twiddle, output row c is then multiplied by W64^(b·c) in column b. The
// same steps, on whole rows at once, make up the vector kernels.
func dft8Cols(re, im *[cfftLen]float32, twiddle bool) {
	t := tables
	for b := range 8 {
		x0r, x0i := re[b], im[b]
		x1r, x1i := re[8+b], im[8+b]
		x2r, x2i := re[16+b], im[16+b]
		x3r, x3i := re[24+b], im[24+b]
		x4r, x4i := re[32+b], im[32+b]
		x5r, x5i := re[40+b], im[40+b]
		x6r, x6i := re[48+b], im[48+b]
		x7r, x7i := re[56+b], im[56+b]
		// First radix-2 stage: u = x[j] + x[j+4], v = (x[j] - x[j+4])·W8^j.
		u0r, u0i := x0r+x4r, x0i+x4i
		u1r, u1i := x1r+x5r, x1i+x5i
		u2r, u2i := x2r+x6r, x2i+x6i
		u3r, u3i := x3r+x7r, x3i+x7i
		v0r, v0i := x0r-x4r, x0i-x4i
		v1r, v1i := x1r-x5r, x1i-x5i
		v1r, v1i = sqrtHalf*(v1r+v1i), sqrtHalf*(v1i-v1r)
		v2r, v2i := x2i-x6i, x6r-x2r
		v3r, v3i := x7r-x3r, x3i-x7i // (-vr, vi)
		v3r, v3i = sqrtHalf*(v3i+v3r), sqrtHalf*(v3r-v3i)
		// 4-point DFTs: u gives the even outputs, v the odd ones.
		var y [16]float32 // y[2c], y[2c+1]: output c
		dft4(y[0:], u0r, u0i, u1r, u1i, u2r, u2i, u3r, u3i)
		dft4(y[2:], v0r, v0i, v1r, v1i, v2r, v2i, v3r, v3i)
		re[b], im[b] = y[0], y[1]
		for c := 1; c < 8; c++ {
			yr, yi := y[2*c], y[2*c+1]
			if twiddle {
				wr, wi := t.twr[c-1][b], t.twi[c-1][b]
				yr, yi = yr*wr-yi*wi, yr*wi+yi*wr
			}
			re[8*c+b], im[8*c+b] = yr, yi
		}
	}
}

// dft4 writes the 4-point DFT of p0..p3 to outputs 0, 2, 4 and 6 of y
// (interleaved real, imaginary).
func dft4(y []float32, p0r, p0i, p1r, p1i, p2r, p2i, p3r, p3i float32) {
	y = y[:14]
	s0r, s0i := p0r+p2r, p0i+p2i
	d0r, d0i := p0r-p2r, p0i-p2i
	s1r, s1i := p1r+p3r, p1i+p3i
	// (p1 - p3)·(-i)
	d1r, d1i := p1i-p3i, p3r-p1r
	y[0], y[1] = s0r+s1r, s0i+s1i
	y[8], y[9] = s0r-s1r, s0i-s1i
	y[4], y[5] = d0r+d1r, d0i+d1i
	y[12], y[13] = d0r-d1r, d0i-d1i
}

// transpose8 transposes the 8×8 matrix m in place.
func transpose8(m *[cfftLen]float32) {
	for i := range 8 {
		for j := i + 1; j < 8; j++ {
			m[8*i+j], m[8*j+i] = m[8*j+i], m[8*i+j]
		}
	}
}

// fft64Generic is an in-place 64-point complex DFT (no scaling) of (re, im)
// in natural order.
func fft64Generic(re, im *[cfftLen]float32) {
	dft8Cols(re, im, true)
	transpose8(re)
	transpose8(im)
	dft8Cols(re, im, false)
}

// deintGeneric splits the real block x into its even (zr) and odd (zi)
// samples: z[n] = x[2n] + i·x[2n+1].
func deintGeneric(zr, zi *[cfftLen]float32, x *[fftLen]float32) {
	for n := range cfftLen {
		zr[n], zi[n] = x[2*n], x[2*n+1]
	}
}

// splitGeneric turns the 64-point DFT Z of the even/odd pairs into the
// packed 128-point real spectrum out.
func splitGeneric(out *[specLen]float32, zr, zi *[cfftLen]float32) {
	t := tables
	re := (*[cfftLen]float32)(out[:cfftLen])
	im := (*[cfftLen]float32)(out[cfftLen:])
	re[0] = zr[0] + zi[0]
	im[0] = zr[0] - zi[0]
	for k := 1; k <= cfftLen/2; k++ {
		j := cfftLen - k
		ar, ai := zr[k], zi[k]
		br, bi := zr[j], zi[j]
		// Even-sample spectrum E = (Z_k + conj Z_j)/2, odd-sample spectrum
		// O = (Z_k - conj Z_j)/2i; X_k = E + W^k O, X_j = conj(E - W^k O).
		er, ei := 0.5*(ar+br), 0.5*(ai-bi)
		or, oi := 0.5*(ai+bi), 0.5*(br-ar)
		wr, wi := t.spr[k], t.spi[k]
		tr := wr*or - wi*oi
		ti := wr*oi + wi*or
		re[k], im[k] = er+tr, ei+ti
		re[j], im[j] = er-tr, ti-ei
	}
}

// unsplitGeneric is the first half of the inverse of splitGeneric: it
// builds conj(Z) from the packed spectrum in, so that a forward FFT of it
// yields conj(z)·64 (the inverse DFT up to the factor and the conjugate).
func unsplitGeneric(zr, zi *[cfftLen]float32, in *[specLen]float32) {
	t := tables
	re := (*[cfftLen]float32)(in[:cfftLen])
	im := (*[cfftLen]float32)(in[cfftLen:])
	// Z_k = E_k + i O_k with E_k = X_k + conj X_j, O_k = W^-k (X_k - conj X_j)
	// (both without the factor 1/2, folded into the final scale).
	zr[0] = re[0] + im[0]
	zi[0] = im[0] - re[0]
	for k := 1; k <= cfftLen/2; k++ {
		j := cfftLen - k
		ar, ai := re[k], im[k]
		br, bi := re[j], im[j]
		er, ei := ar+br, ai-bi
		dr, di := ar-br, ai+bi
		wr, wi := t.spr[k], t.spi[k] // W^-k = wr - i·wi
		or := wr*dr + wi*di
		oi := wr*di - wi*dr
		// Z_k = (er - oi) + i(ei + or); Z_j = (er + oi) + i(or - ei).
		zr[k], zi[k] = er-oi, -ei-or
		zr[j], zi[j] = er+oi, ei-or
	}
}

// interleaveGeneric is the last step of the inverse: x[2n] = zr[n]/128,
// x[2n+1] = -zi[n]/128.
func interleaveGeneric(x *[fftLen]float32, zr, zi *[cfftLen]float32) {
	const scale = 1.0 / fftLen
	for n := range cfftLen {
		x[2*n] = zr[n] * scale
		x[2*n+1] = zi[n] * -scale
	}
}

// rfft computes the 128-point DFT of the real block x into the packed
// spectrum out (see specLen), using z as scratch. No scaling is applied.
func rfft(out, x, z *[specLen]float32) {
	zr, zi := (*[cfftLen]float32)(z[:cfftLen]), (*[cfftLen]float32)(z[cfftLen:])
	deint(zr, zi, x)
	fft64(zr, zi)
	split(out, zr, zi)
}

// irfft is the inverse of rfft, including the 1/128 scaling:
// irfft(rfft(x)) == x.
func irfft(x, in, z *[specLen]float32) {
	zr, zi := (*[cfftLen]float32)(z[:cfftLen]), (*[cfftLen]float32)(z[cfftLen:])
	unsplit(zr, zi, in)
	fft64(zr, zi)
	interleave(x, zr, zi)
}
