//go:build (!amd64 && !arm64) || purego

package echo

// vectorKernels is nil: this build has only the portable kernels.
var vectorKernels *kernelSet

func fft64(re, im *[cfftLen]float32) { fft64Generic(re, im) }

func deint(zr, zi *[cfftLen]float32, x *[fftLen]float32) { deintGeneric(zr, zi, x) }

func split(out *[specLen]float32, zr, zi *[cfftLen]float32) { splitGeneric(out, zr, zi) }

func unsplit(zr, zi *[cfftLen]float32, in *[specLen]float32) { unsplitGeneric(zr, zi, in) }

func interleave(x *[fftLen]float32, zr, zi *[cfftLen]float32) { interleaveGeneric(x, zr, zi) }

func mac2(yb, yf *[specLen]float32, x, wb, wf []float32) { mac2Generic(yb, yf, x, wb, wf) }

func update(w, x []float32, gs *[specLen]float32) { updateGeneric(w, x, gs) }

func toneCorr(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32) {
	return toneCorrGeneric(x, cs, sn)
}

func powUpdate(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32) { powUpdateGeneric(dsum, pw, x) }

func normalize(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32) {
	normalizeGeneric(grad, dsum, mu, delta)
}

func quantize(out *[blockLen]int16, x *[blockLen]float32) { quantizeGeneric(out, x) }

func errStats(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32) {
	return errStatsGeneric(eb, ef, s, yb, yf)
}
