package fsk

import (
	"math"

	"tipring/dsp/measure"
)

// SampleRate is the sample rate of the modulator and demodulator, in Hz.
const SampleRate = 8000

// dBm0Ref is tipring/dsp/measure.DBm0Ref: the RMS value of a 0 dBm0 sine in
// 16-bit linear units.
const dBm0Ref = measure.DBm0Ref

// Spec describes a binary FSK modem: the frequency sent for a binary 1
// (mark) and a binary 0 (space), and the modulation rate.
type Spec struct {
	Name  string
	Mark  float64 // Hz, binary 1 (and the idle line)
	Space float64 // Hz, binary 0
	Baud  float64 // bits per second
}

// The modems used for caller ID and other on-hook data.
var (
	// Bell202 is the Bell 202 modem as used by Telcordia GR-30-CORE
	// clause 3.1 (1200 baud, mark 1200 Hz ± 12, space 2200 Hz ± 22).
	Bell202 = Spec{Name: "Bell 202", Mark: 1200, Space: 2200, Baud: 1200}
	// V23 is the forward channel of ITU-T V.23 mode 2 (clause 2: 1200
	// bit/s, binary 1 at 1300 Hz, binary 0 at 2100 Hz), used by ETSI
	// EN 300 659-1 clause 6.1.1 (the tolerance there is ±1 % in
	// frequency and baud), BT SIN 227 and NTT.
	V23 = Spec{Name: "V.23", Mark: 1300, Space: 2100, Baud: 1200}
)

// samplesPerBit returns SampleRate/Baud, or 0 for an unusable spec.
func (s Spec) samplesPerBit() float64 {
	if !(s.Baud > 0) || s.Baud > SampleRate/2 {
		return 0
	}
	return SampleRate / s.Baud
}

func (s Spec) valid() bool {
	ok := func(f float64) bool { return f > 0 && f < SampleRate/2 }
	return ok(s.Mark) && ok(s.Space) && s.Mark != s.Space && s.samplesPerBit() >= 4 && s.samplesPerBit() < maxWindow
}

func amplitude(levelDBm0 float64) float64 {
	return measure.Amplitude(levelDBm0)
}

// meanSquare returns the mean square, in 16-bit linear units squared, of a
// signal at levelDBm0.
func meanSquare(levelDBm0 float64) float64 {
	return dBm0Ref * dBm0Ref * math.Pow(10, levelDBm0/10)
}
