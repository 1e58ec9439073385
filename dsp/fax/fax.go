package fax

import (
	"fmt"
	"time"

	"tipring/dsp/measure"
)

// SampleRate is the sample rate of the audio, in Hz.
const SampleRate = 8000

// dBm0Ref is the RMS value of a 0 dBm0 sine in 16-bit linear units
// (tipring/dsp/measure.DBm0Ref).
const dBm0Ref = measure.DBm0Ref

// Tone names a fax or modem answer/calling tone.
type Tone uint8

// The tones of ITU-T T.30, V.25 and V.8.
const (
	None    Tone = iota
	CNG          // T.30 calling tone: 1100 Hz, 0.5 s on, 3 s off
	ANS          // T.30 CED / V.25 ANS: 2100 Hz, no phase reversals
	ANSPR        // V.25 ANS with phase reversals every 450 ms (/ANS)
	ANSam        // V.8 ANSam: 2100 Hz amplitude-modulated by 15 Hz, 20 %
	ANSamPR      // V.8 ANSam with phase reversals (/ANSam)
	numTones
)

var toneNames = [numTones]string{"none", "CNG", "ANS", "/ANS", "ANSam", "/ANSam"}

// String returns the tone's name as the Recommendations write it
// ("CNG", "ANS", "/ANS", "ANSam", "/ANSam").
func (t Tone) String() string {
	if t < numTones {
		return toneNames[t]
	}
	return fmt.Sprintf("tone(%d)", uint8(t))
}

// Nominal values of the tones.
const (
	CNGFreq          = 1100.0                 // T.30 clause 5.3.1, ±38 Hz
	ANSFreq          = 2100.0                 // V.25 clause 3 and T.30 5.3.2, ±15 Hz
	ReversalInterval = 450 * time.Millisecond // V.25 clause 3.3, ±25 ms
	AMFreq           = 15.0                   // V.8 clause 7.1, ±0.1 Hz
	AMDepth          = 0.2                    // V.8 clause 7.1, 20 ±1 %
	CNGOn            = 500 * time.Millisecond // T.30 clause 5.3.1
	CNGOff           = 3 * time.Second
)

func amplitude(levelDBm0 float64) float64 {
	return measure.Amplitude(levelDBm0)
}
