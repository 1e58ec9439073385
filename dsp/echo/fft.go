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

// fftTables holds the twiddle factors shared by all cancellers.
type fftTables struct {
	rev [cfftLen]uint8 // bit-reversal permutation of 0..63
	// Stage twiddles W_size^m for the radix-2 stages of size 8..64, stored
	// back to back: stage of half-size h starts at offset h-4.
	twr, twi [cfftLen - 4]float32
	// Split twiddles W_128^k = exp(-2πik/128), k = 0..32.
	spr, spi [cfftLen/2 + 1]float32
}

var tables = newFFTTables()

func newFFTTables() *fftTables {
	t := new(fftTables)
	bits := 0
	for 1<<bits < cfftLen {
		bits++
	}
	for i := range cfftLen {
		r := 0
		for b := range bits {
			if i&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		t.rev[i] = uint8(r)
	}
	for h := 4; h < cfftLen; h <<= 1 {
		for m := range h {
			a := -math.Pi * float64(m) / float64(h)
			t.twr[h-4+m] = float32(math.Cos(a))
			t.twi[h-4+m] = float32(math.Sin(a))
		}
	}
	for k := range t.spr {
		a := -2 * math.Pi * float64(k) / fftLen
		t.spr[k] = float32(math.Cos(a))
		t.spi[k] = float32(math.Sin(a))
	}
	return t
}

// cfft64 is an in-place radix-2 decimation-in-time FFT of 64 complex points
// whose input is already in bit-reversed order; the output is in natural
// order. The first two stages are fused into one radix-4 pass (twiddles 1
// and -i need no multiplication).
func cfft64(re, im *[cfftLen]float32) {
	for i := 0; i < cfftLen; i += 4 {
		a0r, a0i := re[i], im[i]
		a1r, a1i := re[i+1], im[i+1]
		a2r, a2i := re[i+2], im[i+2]
		a3r, a3i := re[i+3], im[i+3]
		b0r, b0i := a0r+a1r, a0i+a1i
		b1r, b1i := a0r-a1r, a0i-a1i
		b2r, b2i := a2r+a3r, a2i+a3i
		b3r, b3i := a2r-a3r, a2i-a3i
		// b3 * -i = (b3i, -b3r)
		re[i], im[i] = b0r+b2r, b0i+b2i
		re[i+2], im[i+2] = b0r-b2r, b0i-b2i
		re[i+1], im[i+1] = b1r+b3i, b1i-b3r
		re[i+3], im[i+3] = b1r-b3i, b1i+b3r
	}
	t := tables
	for h := 4; h < cfftLen; h <<= 1 {
		twr := t.twr[h-4 : h-4+h]
		twi := t.twi[h-4 : h-4+h]
		for s := 0; s < cfftLen; s += 2 * h {
			ar, ai := re[s:s+h], im[s:s+h]
			br, bi := re[s+h:s+2*h], im[s+h:s+2*h]
			for m := range h {
				wr, wi := twr[m], twi[m]
				xr, xi := br[m], bi[m]
				tr := wr*xr - wi*xi
				ti := wr*xi + wi*xr
				ur, ui := ar[m], ai[m]
				ar[m], ai[m] = ur+tr, ui+ti
				br[m], bi[m] = ur-tr, ui-ti
			}
		}
	}
}

// rfftGeneric computes the 128-point DFT of the real block x into the packed
// spectrum out (see specLen). No scaling is applied.
func rfftGeneric(out *[specLen]float32, x *[fftLen]float32) {
	var zr, zi [cfftLen]float32
	t := tables
	for n := range cfftLen {
		r := t.rev[n]
		zr[r] = x[2*n]
		zi[r] = x[2*n+1]
	}
	cfft64(&zr, &zi)
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
		or, oi := 0.5*(ai+bi), -0.5*(ar-br)
		wr, wi := t.spr[k], t.spi[k]
		tr := wr*or - wi*oi
		ti := wr*oi + wi*or
		re[k], im[k] = er+tr, ei+ti
		re[j], im[j] = er-tr, ti-ei
	}
}

// irfftGeneric is the inverse of rfftGeneric, including the 1/128 scaling:
// irfft(rfft(x)) == x.
func irfftGeneric(x *[fftLen]float32, in *[specLen]float32) {
	var zr, zi [cfftLen]float32
	t := tables
	re := (*[cfftLen]float32)(in[:cfftLen])
	im := (*[cfftLen]float32)(in[cfftLen:])
	// Build conj(Z) in bit-reversed order, so that a forward FFT yields
	// conj(z) (the inverse DFT of Z up to the factor 64).
	// Z_k = E_k + i O_k with E_k = X_k + conj X_j, O_k = W^-k (X_k - conj X_j)
	// (both without the factor 1/2, folded into the final scale).
	zr[0] = re[0] + im[0]
	zi[0] = -(re[0] - im[0])
	for k := 1; k <= cfftLen/2; k++ {
		j := cfftLen - k
		ar, ai := re[k], im[k]
		br, bi := re[j], im[j]
		er, ei := ar+br, ai-bi
		dr, di := ar-br, ai+bi
		wr, wi := t.spr[k], -t.spi[k] // W^-k
		or := wr*dr - wi*di
		oi := wr*di + wi*dr
		// Z_k = E + iO = (er - oi) + i(ei + or)
		// Z_j = conj E + i conj O = (er + oi) + i(or - ei)
		zr[t.rev[k]], zi[t.rev[k]] = er-oi, -(ei + or)
		zr[t.rev[j]], zi[t.rev[j]] = er+oi, -(or - ei)
	}
	cfft64(&zr, &zi)
	const scale = 1.0 / fftLen
	for n := range cfftLen {
		x[2*n] = zr[n] * scale
		x[2*n+1] = -zi[n] * scale
	}
}
