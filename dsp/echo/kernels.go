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
func updateGeneric(w, x []float32, g *[specLen]float32) {
	gr, gi := g[:cfftLen], g[cfftLen:]
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
