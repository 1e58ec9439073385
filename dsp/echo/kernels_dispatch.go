package echo

// The hot loops go through these functions so that architecture-specific
// kernels can replace the portable ones without touching the filter.
func rfft(out *[specLen]float32, x *[fftLen]float32)     { rfftGeneric(out, x) }
func irfft(x *[fftLen]float32, in *[specLen]float32)     { irfftGeneric(x, in) }
func mac2(yb, yf *[specLen]float32, x, wb, wf []float32) { mac2Generic(yb, yf, x, wb, wf) }
func update(w, x []float32, g *[specLen]float32)         { updateGeneric(w, x, g) }
