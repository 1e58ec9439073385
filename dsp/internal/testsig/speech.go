// Package testsig generates deterministic test signals shared by the dsp
// packages' tests.
package testsig

import (
	"math"
	"math/rand/v2"

	"tipring/dsp/measure"
)

const sampleRate = measure.SampleRate

// Speech returns n samples of a speech-like signal at about levelDBm0
// (RMS over the talk spurts): a glottal pulse train whose pitch glides
// between 75 and 320 Hz with a little jitter, through three formant
// resonators that move to new vowels every syllable, in syllables of
// 80-500 ms with pauses of 30-400 ms, and unvoiced (fricative) syllables
// of noise through a high resonator.
func Speech(n int, seed uint64, levelDBm0 float64) []int16 {
	r := rand.New(rand.NewPCG(seed, 0x5eec))
	y := make([]float64, n)
	unvoiced := make([]bool, n)
	type reson struct{ a1, a2, y1, y2, g float64 }
	set := func(rs *reson, f, bw float64) {
		rr := math.Exp(-math.Pi * bw / sampleRate)
		rs.a1 = 2 * rr * math.Cos(2*math.Pi*f/sampleRate)
		rs.a2 = -rr * rr
		rs.g = 1 - rr
	}
	var form [3]reson
	var fric reson
	var cur, target [3]float64
	ranges := [3][2]float64{{280, 950}, {850, 2600}, {2200, 3400}}
	for i := range cur {
		cur[i] = (ranges[i][0] + ranges[i][1]) / 2
	}
	var (
		left            int
		voiced, talking bool
		f0a, f0b        float64
		sylLen          int
		phase, tilt     float64
		env, envTarget  float64
	)
	for i := range y {
		if left <= 0 {
			if talking && r.Float64() < 0.35 {
				talking = false
				left = 240 + r.IntN(3000)
				envTarget = 0
			} else {
				talking = true
				voiced = r.Float64() < 0.8
				left = 640 + r.IntN(3360)
				envTarget = 0.4 + 0.6*r.Float64()
				f0a = 75 + 245*r.Float64()
				// Intonation: every syllable glides by 8-40 %.
				glide := 0.08 + 0.32*r.Float64()
				if r.IntN(2) == 0 {
					glide = -glide
				}
				f0b = min(max(f0a*(1+glide), 70), 340)
				for k := range target {
					target[k] = ranges[k][0] + (ranges[k][1]-ranges[k][0])*r.Float64()
				}
				set(&fric, 2500+1000*r.Float64(), 600)
			}
			sylLen = left
		}
		left--
		env += (envTarget - env) * 0.003
		if i%32 == 0 {
			for k := range cur {
				cur[k] += (target[k] - cur[k]) * 0.1
				set(&form[k], cur[k], 70+50*float64(k))
			}
		}
		var src float64
		if talking && voiced {
			frac := 1 - float64(left)/float64(sylLen)
			f0 := (f0a + (f0b-f0a)*frac) * (1 + 0.004*r.NormFloat64())
			phase += f0 / sampleRate
			if phase >= 1 {
				phase--
				src = 1
			}
			tilt += (src - tilt) * 0.3 // glottal roll-off
			// Parallel formants, each 6 dB below the one before.
			var v float64
			for k := range form {
				rs := &form[k]
				o := rs.g*tilt + rs.a1*rs.y1 + rs.a2*rs.y2
				rs.y2, rs.y1 = rs.y1, o
				v += o / float64(int(1)<<k)
			}
			y[i] = v * env
		} else if talking {
			o := fric.g*r.NormFloat64() + fric.a1*fric.y1 + fric.a2*fric.y2
			fric.y2, fric.y1 = fric.y1, o
			y[i] = o * env
			unvoiced[i] = true
		}
	}
	// Voiced sounds at levelDBm0, fricatives 10 dB lower.
	var sum [2]float64
	var cnt [2]int
	for i, v := range y {
		if v != 0 {
			k := 0
			if unvoiced[i] {
				k = 1
			}
			sum[k] += v * v
			cnt[k]++
		}
	}
	var scale [2]float64
	for k := range scale {
		l := levelDBm0 - 10*float64(k)
		scale[k] = measure.Amplitude(l) / math.Sqrt2 / math.Sqrt(max(sum[k], 1e-30)/float64(max(cnt[k], 1)))
	}
	x := make([]int16, n)
	for i, v := range y {
		k := 0
		if unvoiced[i] {
			k = 1
		}
		x[i] = int16(max(-32768, min(32767, math.Round(v*scale[k]))))
	}
	return x
}
