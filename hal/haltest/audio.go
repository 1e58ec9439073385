package haltest

import (
	"math"

	"tipring/hal"
)

// dBm0Ref is the RMS value, in 16-bit linear units, of a sine at 0 dBm0: the
// geometric mean of the decoded G.711 µ-law and A-law digital milliwatts
// (G.711 Tables 5 and 6), the same reference the dsp packages use.
const dBm0Ref = 16077.8

// silenceDBm0 is the level reported for a block without energy.
const silenceDBm0 = -150.0

// sine fills dst with a sine of freq Hz at levelDBm0 starting at phase and
// returns the phase of the next sample.
func sine(dst []int16, freq, levelDBm0, phase float64) float64 {
	amp := dBm0Ref * math.Sqrt2 * math.Pow(10, levelDBm0/20)
	w := 2 * math.Pi * freq / hal.SampleRate
	for i := range dst {
		v := math.Round(amp * math.Sin(phase+w*float64(i)))
		dst[i] = int16(max(-32768, min(32767, v)))
	}
	return math.Mod(phase+w*float64(len(dst)), 2*math.Pi)
}

// levelDBm0 returns the RMS level of x in dBm0.
func levelDBm0(x []int16) float64 {
	if len(x) == 0 {
		return silenceDBm0
	}
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	if sum == 0 {
		return silenceDBm0
	}
	return max(10*math.Log10(sum/float64(len(x))/(dBm0Ref*dBm0Ref)), silenceDBm0)
}

// frequency estimates the frequency of a single tone from its rising zero
// crossings, located to a fraction of a sample by linear interpolation. It
// returns 0 when x holds fewer than two rising crossings.
func frequency(x []int16) float64 {
	first, last := -1.0, -1.0
	n := 0
	for i := 1; i < len(x); i++ {
		a, b := float64(x[i-1]), float64(x[i])
		if a < 0 && b >= 0 {
			pos := float64(i-1) + (-a)/(b-a)
			if first < 0 {
				first = pos
			}
			last = pos
			n++
		}
	}
	if n < 2 || last <= first {
		return 0
	}
	return float64(n-1) * hal.SampleRate / (last - first)
}

// toneLevelDBm0 returns the level of the freq component of x by a
// least-squares fit of a sine and cosine at that frequency, which rejects
// noise and other components over a long block.
func toneLevelDBm0(x []int16, freq float64) float64 {
	if len(x) == 0 {
		return silenceDBm0
	}
	w := 2 * math.Pi * freq / hal.SampleRate
	var c, s float64
	for i, v := range x {
		c += float64(v) * math.Cos(w*float64(i))
		s += float64(v) * math.Sin(w*float64(i))
	}
	c *= 2 / float64(len(x))
	s *= 2 / float64(len(x))
	ms := (c*c + s*s) / 2
	if ms == 0 {
		return silenceDBm0
	}
	return max(10*math.Log10(ms/(dBm0Ref*dBm0Ref)), silenceDBm0)
}

// activeBlocks cuts x into blocks of n samples and returns those in which
// every sub-block of sub samples is above -50 dBm0: stretches of signal
// without gaps, onsets or cut-offs.
func activeBlocks(x []int16, n, sub int) [][]int16 {
	var out [][]int16
outer:
	for i := 0; i+n <= len(x); i += n {
		blk := x[i : i+n]
		for j := 0; j+sub <= n; j += sub {
			if levelDBm0(blk[j:j+sub]) <= -50 {
				continue outer
			}
		}
		out = append(out, blk)
	}
	return out
}
