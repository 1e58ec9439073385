package vad

import (
	"errors"
	"fmt"
	"math"
)

// MaxOrder is the highest model order kept: a SID with more reflection
// coefficients is truncated on decoding (RFC 3389 clause 3.2 lets the
// decoder drop higher-order coefficients).
const MaxOrder = 16

// DefaultOrder is the model order of the SIDs the Detector produces.
const DefaultOrder = 10

// OverloadDBm0 is the level of 0 dBov in dBm0: RFC 3389 clause 3.1 takes
// the µ-law full-scale square wave (±8031) as 0 dBov, which is +6.18 dBm0.
const OverloadDBm0 = 6.18

// MinLevelDBov is the lowest noise level a SID carries.
const MinLevelDBov = -127

// SID holds the parameters of an RFC 3389 comfort-noise payload: the noise
// level and the reflection coefficients of an all-pole model of its
// spectrum.
//
// The model is the synthesis filter 1/A(z), A(z) = 1 + a1 z^-1 + ... +
// ap z^-p, whose coefficients follow from Refl by the step-up recursion
// a_i(m) = a_i(m-1) + k_m a_(m-i)(m-1), a_m(m) = k_m; in this convention
// low-pass noise has a negative first reflection coefficient.
type SID struct {
	LevelDBov int // 0 to -127 dBov
	Order     int // number of reflection coefficients, 0 to MaxOrder
	Refl      [MaxOrder]float64
}

// ErrShortBuffer is returned by MarshalTo when the buffer cannot hold the
// payload.
var ErrShortBuffer = errors.New("vad: SID: buffer too short")

// MarshalSize returns the payload length of s: one level byte and one byte
// per reflection coefficient.
func (s *SID) MarshalSize() int { return 1 + max(0, min(s.Order, MaxOrder)) }

// MarshalTo writes s as an RFC 3389 payload into b and returns its length.
// The level byte is the magnitude of the level in dBov (clause 3.1); each
// reflection coefficient k is quantised to round(128 k) + 127, clamped to
// 0..255, so that it decodes to (byte - 127) / 128 (clause 3.2).
func (s *SID) MarshalTo(b []byte) (int, error) {
	n := s.MarshalSize()
	if len(b) < n {
		return 0, fmt.Errorf("%w: %d bytes for a %d-byte payload", ErrShortBuffer, len(b), n)
	}
	b[0] = byte(min(max(-s.LevelDBov, 0), -MinLevelDBov))
	for i := range n - 1 {
		q := math.Round(128*s.Refl[i]) + 127
		b[1+i] = byte(min(max(q, 0), 255))
	}
	return n, nil
}

// Unmarshal decodes an RFC 3389 payload into s. The unused top bit of the
// level byte is ignored; coefficients beyond MaxOrder are dropped.
func (s *SID) Unmarshal(b []byte) error {
	if len(b) == 0 {
		return errors.New("vad: SID: empty payload")
	}
	*s = SID{LevelDBov: -int(b[0] & 0x7f)}
	s.Order = min(len(b)-1, MaxOrder)
	for i := range s.Order {
		s.Refl[i] = float64(int(b[1+i])-127) / 128
	}
	return nil
}

// LevelDBm0 returns the SID's noise level in dBm0.
func (s *SID) LevelDBm0() float64 { return float64(s.LevelDBov) + OverloadDBm0 }

// overloadPower is the mean square, in 16-bit units, of a signal at 0 dBov.
var overloadPower = dBm0Ref * dBm0Ref * math.Pow(10, OverloadDBm0/10)

// levelDBov converts a mean square to a SID level.
func levelDBov(power float64) int {
	if power <= 0 {
		return MinLevelDBov
	}
	l := math.Round(10 * math.Log10(power/overloadPower))
	return int(min(max(l, MinLevelDBov), 0))
}

// levinson turns autocorrelation r[0..order] into reflection
// coefficients k[0..order-1] (Levinson-Durbin) and returns the relative
// prediction error power (product of 1-k^2).
func levinson(r []float64, k []float64) float64 {
	order := len(k)
	var a, tmp [MaxOrder + 1]float64
	a[0] = 1
	e := r[0]
	if e <= 0 {
		clear(k)
		return 1
	}
	for m := 1; m <= order; m++ {
		acc := r[m]
		for i := 1; i < m; i++ {
			acc += a[i] * r[m-i]
		}
		km := -acc / e
		km = min(max(km, -0.9999), 0.9999)
		k[m-1] = km
		tmp = a
		for i := 1; i < m; i++ {
			a[i] = tmp[i] + km*tmp[m-i]
		}
		a[m] = km
		e *= 1 - km*km
	}
	return e / r[0]
}

// fromAutocorrelation fills s from a per-sample autocorrelation (r[0] is
// the mean square).
func (s *SID) fromAutocorrelation(r []float64, order int) {
	order = min(max(order, 0), MaxOrder, len(r)-1)
	*s = SID{LevelDBov: levelDBov(r[0]), Order: order}
	if r[0] <= 0 {
		return
	}
	// A -40 dB white-noise floor keeps the model well conditioned.
	var rr [MaxOrder + 1]float64
	copy(rr[:order+1], r)
	rr[0] *= 1.0001
	levinson(rr[:order+1], s.Refl[:order])
}

// Analyze returns the SID describing x (its level and an order-th order
// spectral model); order is clamped to 0..MaxOrder.
func Analyze(x []int16, order int) SID {
	order = min(max(order, 0), MaxOrder)
	var r [MaxOrder + 1]float64
	for lag := 0; lag <= order && lag < len(x); lag++ {
		var acc float64
		for i := lag; i < len(x); i++ {
			acc += float64(x[i]) * float64(x[i-lag])
		}
		r[lag] = acc / float64(max(len(x), 1))
	}
	var s SID
	s.fromAutocorrelation(r[:order+1], order)
	return s
}
