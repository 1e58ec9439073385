//go:build (!amd64 && !arm64) || purego

package echo

// setVectorKernels does nothing: this build has only the portable kernels.
func setVectorKernels(bool) (restore func()) { return func() {} }
