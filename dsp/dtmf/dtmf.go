package dtmf

import (
	"time"

	"tipring/dsp/measure"
)

// SampleRate is the sample rate of the detector and generator, in Hz.
const SampleRate = 8000

// Digits lists the 16 DTMF digits in keypad order (row by row).
const Digits = "123A456B789C*0#D"

// rowFreqs and colFreqs are the low (row) and high (column) group
// frequencies of ITU-T Q.23 clause 2 (Figure 1).
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
)

// Freqs returns the row (low-group) and column (high-group) frequencies of
// digit, and ok false if digit is not a DTMF digit. Lower-case a-d are
// accepted for A-D.
func Freqs(digit byte) (row, col float64, ok bool) {
	r, c, ok := position(digit)
	if !ok {
		return 0, 0, false
	}
	return rowFreqs[r], colFreqs[c], true
}

func position(digit byte) (row, col int, ok bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i := range len(Digits) {
		if Digits[i] == digit {
			return i / 4, i % 4, true
		}
	}
	return 0, 0, false
}

func amplitude(levelDBm0 float64) float64 {
	return measure.Amplitude(levelDBm0)
}

func samples(d time.Duration) int {
	return int((d*SampleRate + time.Second/2) / time.Second)
}
