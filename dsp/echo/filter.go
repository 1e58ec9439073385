package echo

import (
	"math"
	"unsafe"
)

// pbfdaf is a partitioned-block frequency-domain adaptive filter (the
// multidelay filter of Soo and Pang) in a two-path arrangement (Ochiai):
// a background filter adapts on every block with a normalised step, and a
// foreground filter, which produces the output, receives the background
// coefficients only when they have proved better. Double talk that the
// detector misses can thus spoil the background filter but never the
// output; a background filter that has become much worse than the
// foreground is reset from it.
type pbfdaf struct {
	parts int
	// FFT buffers, 32-byte aligned for the vector kernels (see
	// alignedFloats): xwin is the reference window (previous and current
	// block), yb/yf the echo estimates' spectra, tb/tf their time signals,
	// tw a partition's impulse response, t the zero-padded error, g its
	// spectrum, z the complex FFT scratch.
	xwin, yb, yf, tb, tf, tw, t, g, z *[specLen]float32
	// xs holds the reference spectra of the last parts blocks twice over
	// (ring of parts slots, mirrored), so that partitions newest..oldest
	// are contiguous at xs[head*specLen:].
	xs     []float32
	head   int
	wb, wf []float32 // background and foreground coefficients, parts*specLen
	// xpow holds |X|² per bin (65) for each ring slot; dsum is their sum
	// over the partitions, the NLMS normaliser.
	xpow  []float32
	dsum  [cfftLen + 1]float32
	eb    [blockLen]float32
	ef    [blockLen]float32
	count uint32
	// Two-path decision statistics.
	davg1, davg2, dvar1, dvar2 float32
	copiedInDT                 bool // the last block copied despite double talk
	better                     int  // consecutive blocks the background was 6 dB better
	mu                         float32
	sd, se                     float32 // smoothed Sin and background error energy
}

// step is 2µ of the normalised frequency-domain LMS update
// W += 2µ·X*·E / Σp|Xp|².
const step = 1.0

func (f *pbfdaf) init(parts int) {
	f.parts = parts
	f.xs = alignedFloats(2 * parts * specLen)
	f.wb = alignedFloats(parts * specLen)
	f.wf = alignedFloats(parts * specLen)
	f.xpow = make([]float32, parts*(cfftLen+1))
	ws := alignedFloats(9 * specLen)
	for _, p := range []**[specLen]float32{&f.xwin, &f.yb, &f.yf, &f.tb, &f.tf, &f.tw, &f.t, &f.g, &f.z} {
		*p = (*[specLen]float32)(ws)
		ws = ws[specLen:]
	}
	f.reset()
}

// alignedFloats returns a zeroed slice of n float32 starting on a 32-byte
// boundary: a vector load that straddles two cache lines costs about twice
// as much, and the heap only guarantees 8-byte alignment.
func alignedFloats(n int) []float32 {
	s := make([]float32, n+7)
	mis := int(uintptr(unsafe.Pointer(&s[0])) % 32 / 4)
	return s[(8-mis)%8:][:n:n]
}

func (f *pbfdaf) reset() {
	*f.xwin = [fftLen]float32{}
	clear(f.xs)
	clear(f.wb)
	clear(f.wf)
	clear(f.xpow)
	f.dsum = [cfftLen + 1]float32{}
	f.head = 0
	f.count = 0
	f.davg1, f.davg2, f.dvar1, f.dvar2 = 0, 0, 0, 0
	f.better = 0
	f.mu = step
	f.sd, f.se = 0, 0
}

// process filters one block: r is the reference (Rin), s the signal with
// echo (Sin). It returns the output error (Sin minus the echo estimate)
// and the mean squares of the error and of the echo estimate. With adapt
// the background filter takes an NLMS step; with twoPath the
// foreground/background exchange may happen (adapt requires twoPath). dt
// says near-end speech is present: the background filter then partly
// predicts the near-end speech from its own last update (voiced speech is
// periodic), so it must beat the foreground by 6 dB on three blocks in a
// row to be copied.
func (f *pbfdaf) process(r, s *[blockLen]float32, adapt, twoPath, dt bool) (e *[blockLen]float32, pe, py float32) {
	P := f.parts
	f.copiedInDT = false
	copy(f.xwin[:blockLen], f.xwin[blockLen:])
	copy(f.xwin[blockLen:], r[:])
	f.head--
	if f.head < 0 {
		f.head = P - 1
	}
	x0 := (*[specLen]float32)(f.xs[f.head*specLen:])
	rfft(x0, f.xwin, f.z)
	copy(f.xs[(f.head+P)*specLen:], x0[:])

	// Sliding sum of the reference power over the partitions; recomputed
	// from scratch every parts blocks to shed rounding drift.
	pw := f.xpow[f.head*(cfftLen+1) : (f.head+1)*(cfftLen+1)]
	f.count++
	exact := f.count%uint32(P) == 0
	{
		// Slot 0 packs DC and Nyquist: the kernel's value for it is
		// replaced.
		d0, w0 := f.dsum[0], pw[0]
		powUpdate(&f.dsum, (*[cfftLen + 1]float32)(pw), x0)
		p0, p64 := x0[0]*x0[0], x0[cfftLen]*x0[cfftLen]
		f.dsum[0] = d0 + (p0 - w0)
		f.dsum[cfftLen] += p64 - pw[cfftLen]
		pw[0], pw[cfftLen] = p0, p64
	}
	if exact {
		d := &f.dsum
		*d = *(*[cfftLen + 1]float32)(f.xpow)
		for p := 1; p < P; p++ {
			q := (*[cfftLen + 1]float32)(f.xpow[p*(cfftLen+1):])
			for k := range d {
				d[k] += q[k]
			}
		}
	}

	xs := f.xs[f.head*specLen : (f.head+P)*specLen]
	mac2(f.yb, f.yf, xs, f.wb, f.wf)
	// Slot 0 holds two real bins (DC, Nyquist): redo it bin by bin.
	var bd, bn, fd, fn float32
	for p := range P {
		o := p * specLen
		xd, xn := xs[o], xs[o+cfftLen]
		bd += xd * f.wb[o]
		bn += xn * f.wb[o+cfftLen]
		fd += xd * f.wf[o]
		fn += xn * f.wf[o+cfftLen]
	}
	f.yb[0], f.yb[cfftLen], f.yf[0], f.yf[cfftLen] = bd, bn, fd, fn
	irfft(f.tf, f.yf, f.z)
	if twoPath {
		irfft(f.tb, f.yb, f.z)
	} else {
		// Frozen or disabled: no adaptation and no exchange, so the
		// background estimate is not needed; save its inverse FFT.
		copy(f.tb[blockLen:], f.tf[blockLen:])
	}

	see, sff, syb, syf, dbf, sd := errStats(&f.eb, &f.ef, s,
		(*[blockLen]float32)(f.tb[blockLen:]), (*[blockLen]float32)(f.tf[blockLen:]))
	e = &f.ef
	pe, py = sff, syf

	if twoPath {
		// Decide whether the background filter is significantly better
		// (copy it to the foreground) or significantly worse (reset it),
		// comparing the error energies against the energy of the
		// difference between the two echo estimates.
		dbf += 10 * blockLen
		diff := sff - see
		f.davg1 = 0.6*f.davg1 + 0.4*diff
		f.davg2 = 0.85*f.davg2 + 0.15*diff
		f.dvar1 = 0.36*f.dvar1 + 0.16*sff*dbf
		f.dvar2 = 0.7225*f.dvar2 + 0.0225*sff*dbf
		if 4*see < sff {
			f.better++
		} else {
			f.better = 0
		}
		significant := diff*abs(diff) > sff*dbf ||
			f.davg1*abs(f.davg1) > 0.5*f.dvar1 ||
			f.davg2*abs(f.davg2) > 0.25*f.dvar2
		switch {
		case significant && (!dt || f.better >= 3):
			copy(f.wf, f.wb)
			f.copiedInDT = dt
			f.copiedInDT = dt
			f.davg1, f.davg2, f.dvar1, f.dvar2 = 0, 0, 0, 0
			e, pe, py = &f.eb, see, syb
		case -diff*abs(diff) > 4*sff*dbf,
			-f.davg1*abs(f.davg1) > 4*f.dvar1,
			-f.davg2*abs(f.davg2) > 4*f.dvar2:
			copy(f.wb, f.wf)
			f.eb = f.ef
			f.davg1, f.davg2, f.dvar1, f.dvar2 = 0, 0, 0, 0
		}
	}

	if adapt {
		// Variable step: full step while the background filter removes
		// less than 20 dB, smaller steps (less misadjustment noise) as it
		// approaches the G.711 quantisation floor.
		f.sd += 0.1 * (sd - f.sd)
		f.se += 0.1 * (see - f.se)
		switch {
		case f.se*316 > f.sd:
			f.mu = step
		case f.se*1585 > f.sd:
			f.mu = step / 2
		default:
			f.mu = step / 4
		}
		f.adapt(xs)
	}
	return e, pe / blockLen, py / blockLen
}

// abs clears the sign bit (no branch: signs of audio samples are random).
func abs(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

// adapt takes one NLMS step of the background filter with the error eb,
// then re-imposes the linear-convolution constraint on one partition (the
// partitions take turns, as in the alternately-updated MDF).
func (f *pbfdaf) adapt(xs []float32) {
	P := f.parts
	t := f.t
	clear(t[:blockLen])
	copy(t[blockLen:], f.eb[:])
	rfft(f.g, t, f.z)

	// Four partial sums: one chain of 65 dependent additions is slow.
	var m0, m1, m2, m3 float32
	for k := 0; k < cfftLen; k += 4 {
		m0 += f.dsum[k]
		m1 += f.dsum[k+1]
		m2 += f.dsum[k+2]
		m3 += f.dsum[k+3]
	}
	mean := (m0 + m1 + m2 + m3 + f.dsum[cfftLen]) / (cfftLen + 1)
	// Regularisation: an absolute floor (reference at -60 dBm0) and a
	// floor relative to the mean bin power, so that bins a narrow-band
	// reference leaves empty take no large steps (G.168 test 6).
	delta := max(minInputPower*fftLen*float32(P), 0.01*mean)
	mu := f.mu
	gd := f.g[0] * mu / (f.dsum[0] + delta)
	gn := f.g[cfftLen] * mu / (f.dsum[cfftLen] + delta)
	f.g[0], f.g[cfftLen] = 0, 0
	normalize(f.g, &f.dsum, mu, delta)
	update(f.wb, xs, f.g)
	for p := range P {
		o := p * specLen
		f.wb[o] += xs[o] * gd
		f.wb[o+cfftLen] += xs[o+cfftLen] * gn
	}

	j := int(f.count % uint32(P))
	w := (*[specLen]float32)(f.wb[j*specLen:])
	irfft(f.tw, w, f.z)
	clear(f.tw[blockLen:])
	rfft(w, f.tw, f.z)
}
