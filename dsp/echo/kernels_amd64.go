//go:build !purego

package echo

import "golang.org/x/sys/cpu"

// The AVX2 kernels (kernels_amd64.s) need AVX2 and FMA3; without them the
// portable kernels run.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func fft64AVX2(re, im *[cfftLen]float32)

//go:noescape
func deintAVX2(zr, zi *[cfftLen]float32, x *[fftLen]float32)

//go:noescape
func splitAVX2(out *[specLen]float32, zr, zi *[cfftLen]float32)

//go:noescape
func unsplitAVX2(zr, zi *[cfftLen]float32, in *[specLen]float32)

//go:noescape
func interleaveAVX2(x *[fftLen]float32, zr, zi *[cfftLen]float32)

//go:noescape
func mac2AVX2(yb, yf *[specLen]float32, x, wb, wf []float32)

//go:noescape
func updateAVX2(w, x []float32, gs *[specLen]float32)

//go:noescape
func toneCorrAVX2(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32)

//go:noescape
func powUpdateAVX2(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32)

//go:noescape
func normalizeAVX2(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32)

//go:noescape
func quantizeAVX2(out *[blockLen]int16, x *[blockLen]float32)

//go:noescape
func errStatsAVX2(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32)

// vectorKernels is the AVX2 set when the processor has it.
var vectorKernels = func() *kernelSet {
	if !useAVX2 {
		return nil
	}
	return &kernelSet{
		name:       "avx2",
		fft64:      fft64AVX2,
		deint:      deintAVX2,
		split:      splitAVX2,
		unsplit:    unsplitAVX2,
		interleave: interleaveAVX2,
		mac2:       mac2AVX2,
		update:     updateAVX2,
		toneCorr:   toneCorrAVX2,
		powUpdate:  powUpdateAVX2,
		normalize:  normalizeAVX2,
		quantize:   quantizeAVX2,
		errStats:   errStatsAVX2,
	}
}()

func fft64(re, im *[cfftLen]float32) {
	if useAVX2 {
		fft64AVX2(re, im)
		return
	}
	fft64Generic(re, im)
}

func deint(zr, zi *[cfftLen]float32, x *[fftLen]float32) {
	if useAVX2 {
		deintAVX2(zr, zi, x)
		return
	}
	deintGeneric(zr, zi, x)
}

func split(out *[specLen]float32, zr, zi *[cfftLen]float32) {
	if useAVX2 {
		splitAVX2(out, zr, zi)
		return
	}
	splitGeneric(out, zr, zi)
}

func unsplit(zr, zi *[cfftLen]float32, in *[specLen]float32) {
	if useAVX2 {
		unsplitAVX2(zr, zi, in)
		return
	}
	unsplitGeneric(zr, zi, in)
}

func interleave(x *[fftLen]float32, zr, zi *[cfftLen]float32) {
	if useAVX2 {
		interleaveAVX2(x, zr, zi)
		return
	}
	interleaveGeneric(x, zr, zi)
}

func mac2(yb, yf *[specLen]float32, x, wb, wf []float32) {
	if useAVX2 {
		mac2AVX2(yb, yf, x, wb, wf)
		return
	}
	mac2Generic(yb, yf, x, wb, wf)
}

func update(w, x []float32, gs *[specLen]float32) {
	if useAVX2 {
		updateAVX2(w, x, gs)
		return
	}
	updateGeneric(w, x, gs)
}

func toneCorr(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32) {
	if useAVX2 {
		return toneCorrAVX2(x, cs, sn)
	}
	return toneCorrGeneric(x, cs, sn)
}

func powUpdate(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32) {
	if useAVX2 {
		powUpdateAVX2(dsum, pw, x)
		return
	}
	powUpdateGeneric(dsum, pw, x)
}

func normalize(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32) {
	if useAVX2 {
		normalizeAVX2(grad, dsum, mu, delta)
		return
	}
	normalizeGeneric(grad, dsum, mu, delta)
}

func quantize(out *[blockLen]int16, x *[blockLen]float32) {
	if useAVX2 {
		quantizeAVX2(out, x)
		return
	}
	quantizeGeneric(out, x)
}

func errStats(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32) {
	if useAVX2 {
		return errStatsAVX2(eb, ef, s, yb, yf)
	}
	return errStatsGeneric(eb, ef, s, yb, yf)
}
