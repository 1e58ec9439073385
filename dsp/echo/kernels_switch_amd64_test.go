//go:build !purego

package echo

// setVectorKernels selects the AVX2 kernels (on, where the processor has
// them) or the portable ones for the package-level dispatch and returns a
// function restoring the previous choice. Only for tests that run no
// cancellers concurrently with the switch.
func setVectorKernels(on bool) (restore func()) {
	old := useAVX2
	useAVX2 = on && vectorKernels != nil
	return func() { useAVX2 = old }
}
