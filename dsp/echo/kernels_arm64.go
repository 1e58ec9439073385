//go:build !purego

package echo

import "golang.org/x/sys/cpu"

// The NEON kernels (kernels_arm64.s) need Advanced SIMD, which every
// ARMv8-A processor has; the check guards against an unusual environment.
var useNEON = cpu.ARM64.HasASIMD

//go:noescape
func fft64NEON(re, im *[cfftLen]float32)

//go:noescape
func deintNEON(zr, zi *[cfftLen]float32, x *[fftLen]float32)

//go:noescape
func splitNEON(out *[specLen]float32, zr, zi *[cfftLen]float32)

//go:noescape
func unsplitNEON(zr, zi *[cfftLen]float32, in *[specLen]float32)

//go:noescape
func interleaveNEON(x *[fftLen]float32, zr, zi *[cfftLen]float32)

//go:noescape
func mac2NEON(yb, yf *[specLen]float32, x, wb, wf []float32)

//go:noescape
func updateNEON(w, x []float32, gs *[specLen]float32)

//go:noescape
func toneCorrNEON(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32)

//go:noescape
func powUpdateNEON(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32)

//go:noescape
func normalizeNEON(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32)

//go:noescape
func quantizeNEON(out *[blockLen]int16, x *[blockLen]float32)

//go:noescape
func errStatsNEON(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32)

// vectorKernels is the NEON set when the processor has it.
var vectorKernels = func() *kernelSet {
	if !useNEON {
		return nil
	}
	return &kernelSet{
		name:       "neon",
		fft64:      fft64NEON,
		deint:      deintNEON,
		split:      splitNEON,
		unsplit:    unsplitNEON,
		interleave: interleaveNEON,
		mac2:       mac2NEON,
		update:     updateNEON,
		toneCorr:   toneCorrNEON,
		powUpdate:  powUpdateNEON,
		normalize:  normalizeNEON,
		quantize:   quantizeNEON,
		errStats:   errStatsNEON,
	}
}()

func fft64(re, im *[cfftLen]float32) {
	if useNEON {
		fft64NEON(re, im)
		return
	}
	fft64Generic(re, im)
}

func deint(zr, zi *[cfftLen]float32, x *[fftLen]float32) {
	if useNEON {
		deintNEON(zr, zi, x)
		return
	}
	deintGeneric(zr, zi, x)
}

func split(out *[specLen]float32, zr, zi *[cfftLen]float32) {
	if useNEON {
		splitNEON(out, zr, zi)
		return
	}
	splitGeneric(out, zr, zi)
}

func unsplit(zr, zi *[cfftLen]float32, in *[specLen]float32) {
	if useNEON {
		unsplitNEON(zr, zi, in)
		return
	}
	unsplitGeneric(zr, zi, in)
}

func interleave(x *[fftLen]float32, zr, zi *[cfftLen]float32) {
	if useNEON {
		interleaveNEON(x, zr, zi)
		return
	}
	interleaveGeneric(x, zr, zi)
}

func mac2(yb, yf *[specLen]float32, x, wb, wf []float32) {
	if useNEON {
		mac2NEON(yb, yf, x, wb, wf)
		return
	}
	mac2Generic(yb, yf, x, wb, wf)
}

func update(w, x []float32, gs *[specLen]float32) {
	if useNEON {
		updateNEON(w, x, gs)
		return
	}
	updateGeneric(w, x, gs)
}

func toneCorr(x *[toneSub]int16, cs, sn *[toneSub]float32) (zr, zi, en float32) {
	if useNEON {
		return toneCorrNEON(x, cs, sn)
	}
	return toneCorrGeneric(x, cs, sn)
}

func powUpdate(dsum, pw *[cfftLen + 1]float32, x *[specLen]float32) {
	if useNEON {
		powUpdateNEON(dsum, pw, x)
		return
	}
	powUpdateGeneric(dsum, pw, x)
}

func normalize(grad *[specLen]float32, dsum *[cfftLen + 1]float32, mu, delta float32) {
	if useNEON {
		normalizeNEON(grad, dsum, mu, delta)
		return
	}
	normalizeGeneric(grad, dsum, mu, delta)
}

func quantize(out *[blockLen]int16, x *[blockLen]float32) {
	if useNEON {
		quantizeNEON(out, x)
		return
	}
	quantizeGeneric(out, x)
}

func errStats(eb, ef, s, yb, yf *[blockLen]float32) (see, sff, syb, syf, dbf, sd float32) {
	if useNEON {
		return errStatsNEON(eb, ef, s, yb, yf)
	}
	return errStatsGeneric(eb, ef, s, yb, yf)
}
