package echo

// The per-bin kernels below work on packed spectra (see specLen) laid out
// back to back, one per filter partition. They treat slot 0 (DC, Nyquist)
// as an ordinary complex number; callers correct slot 0 themselves.

// mac2Generic sets yb = Σp x[p]·wb[p] and yf = Σp x[p]·wf[p] (complex
// products per bin) over all partitions in wb and wf.
func mac2Generic(yb, yf *[specLen]float32, x, wb, wf []float32) {
	*yb = [specLen]float32{}
	*yf = [specLen]float32{}
	ybr, ybi := yb[:cfftLen], yb[cfftLen:]
	yfr, yfi := yf[:cfftLen], yf[cfftLen:]
	for off := 0; off+specLen <= len(wb); off += specLen {
		xr, xi := x[off:off+cfftLen], x[off+cfftLen:off+specLen]
		br, bi := wb[off:off+cfftLen], wb[off+cfftLen:off+specLen]
		fr, fi := wf[off:off+cfftLen], wf[off+cfftLen:off+specLen]
		for k := range cfftLen {
			a, b := xr[k], xi[k]
			ybr[k] += a*br[k] - b*bi[k]
			ybi[k] += a*bi[k] + b*br[k]
			yfr[k] += a*fr[k] - b*fi[k]
			yfi[k] += a*fi[k] + b*fr[k]
		}
	}
}

// updateGeneric adds conj(x[p])·g to w[p] for every partition.
func updateGeneric(w, x []float32, gs *[specLen]float32) {
	gr, gi := gs[:cfftLen], gs[cfftLen:]
	for off := 0; off+specLen <= len(w); off += specLen {
		xr, xi := x[off:off+cfftLen], x[off+cfftLen:off+specLen]
		wr, wi := w[off:off+cfftLen], w[off+cfftLen:off+specLen]
		for k := range cfftLen {
			a, b := xr[k], xi[k]
			wr[k] += a*gr[k] + b*gi[k]
			wi[k] += a*gi[k] - b*gr[k]
		}
	}
}

// toneCorrGeneric correlates toneSub samples with the cosine and sine
// references and returns the two products and the energy.
func toneCorrGeneric(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32) {
	// Two sets of partial sums (even and odd samples) halve the chains of
	// dependent additions.
	var zr1, zi1, en1 float32
	for i := 0; i < toneSub; i += 2 {
		f, g := float32(x[i]), float32(x[i+1])
		zr += f * cs[i]
		zi += f * sn[i]
		en += f * f
		zr1 += g * cs[i+1]
		zi1 += g * sn[i+1]
		en1 += g * g
	}
	return zr + zr1, zi + zi1, en + en1
}

// powUpdateGeneric computes the power |X_k|² of the packed spectrum x for
// slots k = 0..63 into pw, adding the change to the running sums dsum.
// Slot 0 (DC and Nyquist packed together) is the caller's to correct.
func powUpdateGeneric(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32) {
	for k := range cfftLen {
		p := x[k]*x[k] + x[cfftLen+k]*x[cfftLen+k]
		dsum[k] += p - pw[k]
		pw[k] = p
	}
}

// normalizeGeneric scales bin k of the packed gradient grad (real and
// imaginary part) by mu/(dsum[k]+delta), k = 0..63.
func normalizeGeneric(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32) {
	for k := range cfftLen {
		s := mu / (dsum[k] + delta)
		grad[k] *= s
		grad[cfftLen+k] *= s
	}
}

// quantizeGeneric rounds and saturates a block to 16 bits (see sat16).
func quantizeGeneric(out *[blockLen]int16, x *[blockLen]float32) {
	for i, v := range x {
		out[i] = sat16(v)
	}
}

// errStatsGeneric forms the errors eb = s - yb and ef = s - yf of the two
// echo estimates and returns the energies of eb, ef, yb, yf, yb - yf and s.
func errStatsGeneric(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32) {
	for i := range blockLen {
		b, f := yb[i], yf[i]
		e1, e2 := s[i]-b, s[i]-f
		eb[i], ef[i] = e1, e2
		see += e1 * e1
		sff += e2 * e2
		syb += b * b
		syf += f * f
		d := b - f
		dbf += d * d
		sd += s[i] * s[i]
	}
	return
}
