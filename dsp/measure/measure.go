package measure

import (
	"math"
	"math/cmplx"
)

// SampleRate is the sample rate of telephone audio, in Hz.
const SampleRate = 8000

// DBm0Ref is the RMS value, in 16-bit linear units, of a sine at 0 dBm0: the
// geometric mean of the decoded G.711 µ-law (16016.76) and A-law (16139.17)
// digital milliwatts. See the package documentation.
const DBm0Ref = 16077.8

// Silence is the level returned for a block with no energy (or no samples).
const Silence = -150.0

// LevelDBm0 returns the RMS level of x in dBm0, or Silence (-150) when x is
// empty or all zero.
func LevelDBm0(x []int16) float64 {
	if len(x) == 0 {
		return Silence
	}
	var sum float64
	for _, v := range x {
		f := float64(v)
		sum += f * f
	}
	return PowerDBm0(sum / float64(len(x)))
}

// PowerDBm0 converts a mean-square value (16-bit linear units squared, as
// returned by Goertzel) to dBm0. Zero power gives Silence.
func PowerDBm0(p float64) float64 {
	if p <= 0 {
		return Silence
	}
	return max(10*math.Log10(p/(DBm0Ref*DBm0Ref)), Silence)
}

// Amplitude returns the peak amplitude, in 16-bit linear units, of a sine at
// levelDBm0.
func Amplitude(levelDBm0 float64) float64 {
	return DBm0Ref * math.Sqrt2 * math.Pow(10, levelDBm0/20)
}

// Goertzel returns the power of the freq (Hz) component of x, scaled so
// that a sine of amplitude A at exactly freq gives A*A/2 when x holds a
// whole number of its periods (otherwise the result is off by the spectral
// leakage of a rectangular window, up to a few percent). No window is
// applied; use ToneLevelDBm0 when other components are close to freq.
func Goertzel(x []int16, freq float64) float64 {
	n := len(x)
	if n == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + c*s1 - s2
		s2, s1 = s1, s0
	}
	// |X|^2 of the DFT term at w; 2|X|^2/N^2 is the mean square of a sine.
	p := s1*s1 + s2*s2 - c*s1*s2
	return 2 * p / (float64(n) * float64(n))
}

// ToneLevelDBm0 returns the level, in dBm0, of the freq (Hz) component of x,
// measured with a 4-term Blackman-Harris window (sidelobes below -92 dB,
// main lobe ±4 bins of SampleRate/len(x)). Components further than about
// 5*SampleRate/len(x) from freq do not affect the result; a sine at freq
// reads its own level to within ±0.01 dB for any phase.
func ToneLevelDBm0(x []int16, freq float64) float64 {
	n := len(x)
	if n < 2 {
		return Silence
	}
	const a0, a1, a2, a3 = 0.35875, 0.48829, 0.14128, 0.01168
	w := 2 * math.Pi * freq / SampleRate
	c := 2 * math.Cos(w)
	var s1, s2, wsum float64
	step := 2 * math.Pi / float64(n-1)
	for i, v := range x {
		cs := math.Cos(step * float64(i))
		c2 := 2*cs*cs - 1
		c3 := cs * (2*c2 - 1)
		win := a0 - a1*cs + a2*c2 - a3*c3
		wsum += win
		s0 := float64(v)*win + c*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return PowerDBm0(2 * p / (wsum * wsum))
}

// Sine fills dst with a sine of freq Hz at levelDBm0, starting at phase
// (radians), and returns the phase of the sample that would follow, reduced
// to [0, 2π). Samples are rounded and saturated to the int16 range.
func Sine(dst []int16, freq, levelDBm0 float64, phase float64) float64 {
	amp := Amplitude(levelDBm0)
	w := 2 * math.Pi * freq / SampleRate
	for i := range dst {
		v := math.Round(amp * math.Sin(phase+w*float64(i)))
		dst[i] = int16(max(-32768, min(32767, v)))
	}
	next := math.Mod(phase+w*float64(len(dst)), 2*math.Pi)
	if next < 0 {
		next += 2 * math.Pi
	}
	return next
}

// Frequency returns the frequency, in Hz, of the strongest component of x
// between 10 Hz and 3990 Hz, or 0 when x is silent or shorter than 16
// samples. It locates the peak of a Hann-windowed FFT (zero-padded to at
// least twice len(x)) and refines it by a golden-section search for the
// maximum of the windowed DTFT magnitude within one FFT bin; for a clean
// tone the error is well under 0.1 Hz for 200 ms and more.
func Frequency(x []int16) float64 {
	n := len(x)
	if n < 16 {
		return 0
	}
	size := 1
	for size < 2*n {
		size <<= 1
	}
	win := make([]float64, n)
	buf := make([]complex128, size)
	energy := 0.0
	for i, v := range x {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
		buf[i] = complex(float64(v)*win[i], 0)
		energy += float64(v) * float64(v)
	}
	if energy == 0 {
		return 0
	}
	fft(buf)
	bin := float64(SampleRate) / float64(size)
	lo := int(math.Ceil(10 / bin))
	hi := int(3990 / bin)
	best, bestMag := -1, -1.0
	for k := lo; k <= hi && k < size/2; k++ {
		if m := cmplx.Abs(buf[k]); m > bestMag {
			best, bestMag = k, m
		}
	}
	if best < 0 {
		return 0
	}
	mag := func(f float64) float64 {
		w := 2 * math.Pi * f / SampleRate
		c := 2 * math.Cos(w)
		var s1, s2 float64
		for i, v := range x {
			s0 := float64(v)*win[i] + c*s1 - s2
			s2, s1 = s1, s0
		}
		return s1*s1 + s2*s2 - c*s1*s2
	}
	// Golden-section search for the maximum in [f-bin, f+bin].
	const g = 0.6180339887498949
	a := (float64(best) - 1) * bin
	b := (float64(best) + 1) * bin
	c1 := b - g*(b-a)
	c2 := a + g*(b-a)
	m1, m2 := mag(c1), mag(c2)
	for b-a > 1e-4 {
		if m1 > m2 {
			b, c2, m2 = c2, c1, m1
			c1 = b - g*(b-a)
			m1 = mag(c1)
		} else {
			a, c1, m1 = c1, c2, m2
			c2 = a + g*(b-a)
			m2 = mag(c2)
		}
	}
	return (a + b) / 2
}

// fft is an in-place iterative radix-2 FFT; len(x) must be a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j |= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for length := 2; length <= n; length <<= 1 {
		ang := -2 * math.Pi / float64(length)
		wl := complex(math.Cos(ang), math.Sin(ang))
		for i := 0; i < n; i += length {
			w := complex(1, 0)
			half := length / 2
			for k := 0; k < half; k++ {
				u := x[i+k]
				v := x[i+k+half] * w
				x[i+k] = u + v
				x[i+k+half] = u - v
				w *= wl
			}
		}
	}
}
