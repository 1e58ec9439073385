package echo

// kernelSet is one implementation of the hot loops. The filter calls them
// through the package-level functions of the same names, which pick the
// architecture's vector kernels (kernels_amd64.go, kernels_arm64.go) when
// the processor has them and the portable ones otherwise.
type kernelSet struct {
	name       string
	fft64      func(re, im *[cfftLen]float32)
	deint      func(zr, zi *[cfftLen]float32, x *[fftLen]float32)
	split      func(out *[specLen]float32, zr, zi *[cfftLen]float32)
	unsplit    func(zr, zi *[cfftLen]float32, in *[specLen]float32)
	interleave func(x *[fftLen]float32, zr, zi *[cfftLen]float32)
	mac2       func(yb, yf *[specLen]float32, x, wb, wf []float32)
	update     func(w, x []float32, gs *[specLen]float32)
	toneCorr   func(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32)
	powUpdate  func(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32)
	normalize  func(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32)
	quantize   func(out *[blockLen]int16, x *[blockLen]float32)
	errStats   func(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32)
}

// genericKernels is the portable implementation, the reference the vector
// kernels are tested against.
var genericKernels = kernelSet{
	name:       "go",
	fft64:      fft64Generic,
	deint:      deintGeneric,
	split:      splitGeneric,
	unsplit:    unsplitGeneric,
	interleave: interleaveGeneric,
	mac2:       mac2Generic,
	update:     updateGeneric,
	toneCorr:   toneCorrGeneric,
	powUpdate:  powUpdateGeneric,
	normalize:  normalizeGeneric,
	quantize:   quantizeGeneric,
	errStats:   errStatsGeneric,
}
