package vad

import (
	"math"
	"math/rand/v2"
	"testing"
	"tipring/dsp/internal/testsig"

	"tipring/dsp/measure"
)

func amplitude(levelDBm0 float64) float64 { return measure.Amplitude(levelDBm0) }

// colored returns n samples of Gaussian noise at levelDBm0 shaped by the
// all-pole filter 1/A(z), A given by a (a[0] = 1).
func colored(n int, seed uint64, levelDBm0 float64, a []float64) []int16 {
	r := rand.New(rand.NewPCG(seed, 99))
	y := make([]float64, n)
	for i := range y {
		v := r.NormFloat64()
		for k := 1; k < len(a); k++ {
			if i >= k {
				v -= a[k] * y[i-k]
			}
		}
		y[i] = v
	}
	var p float64
	for _, v := range y {
		p += v * v
	}
	scale := amplitude(levelDBm0) / math.Sqrt2 / math.Sqrt(p/float64(n))
	x := make([]int16, n)
	for i, v := range y {
		x[i] = int16(max(-32768, min(32767, math.Round(v*scale))))
	}
	return x
}

var (
	white  = []float64{1}
	lowish = []float64{1, -0.9}                 // 1/f-like tilt, -6 dB/octave above 200 Hz
	hum    = []float64{1, -1.6, 0.81}           // resonance near 500 Hz
	hiss   = []float64{1, 0.7}                  // high-pass tilt
	fan    = []float64{1, -1.2, 0.9, -0.3, 0.2} // lumpy
)

// activity runs x through a detector in 20 ms frames and returns the
// decision for every 10 ms.
func activity(cfg Config, x []int16) []bool {
	d := NewDetector(cfg)
	out := make([]bool, 0, len(x)/frameLen)
	for i := 0; i+frameLen <= len(x); i += frameLen {
		out = append(out, d.Process(x[i:i+frameLen]))
	}
	return out
}

// TestVADStationaryNoise: a minute of stationary noise of any colour and
// level is never speech (after the first second).
func TestVADStationaryNoise(t *testing.T) {
	for ci, a := range [][]float64{white, lowish, hum, hiss, fan} {
		for _, lvl := range []float64{-70, -55, -40, -25} {
			x := colored(60*SampleRate, uint64(ci), lvl, a)
			act := activity(Config{}, x)
			n := 0
			for _, v := range act[100:] {
				if v {
					n++
				}
			}
			if frac := float64(n) / float64(len(act)-100); frac > 0.002 {
				t.Errorf("noise %d at %v dBm0: active %.2f %% of the time", ci, lvl, 100*frac)
			}
		}
	}
	for _, v := range activity(Config{}, make([]int16, 8000)) {
		if v {
			t.Fatal("digital silence is active")
		}
	}
}

// TestVADNoiseStep: when the background noise jumps 20 dB the detector
// adapts within 2.5 s.
func TestVADNoiseStep(t *testing.T) {
	x := append(colored(5*SampleRate, 1, -60, white), colored(10*SampleRate, 2, -40, lowish)...)
	act := activity(Config{}, x)
	for i := 750; i < len(act); i++ {
		if act[i] {
			t.Fatalf("active %d ms after the noise step", (i-500)*10)
		}
	}
}

// spurts gates s into talk spurts of 1-3 s separated by silences of
// 1-3 s, with 10 ms fades.
func spurts(s []int16, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]int16, len(s))
	for i := 0; i < len(s); {
		talk := SampleRate + r.IntN(2*SampleRate)
		for j := 0; j < talk && i+j < len(s); j++ {
			g := min(1, float64(j)/80, float64(talk-j)/80)
			out[i+j] = int16(g * float64(s[i+j]))
		}
		i += talk + SampleRate + r.IntN(2*SampleRate)
	}
	return out
}

// speechTruth marks the 10 ms frames of clean speech s that are clearly
// speech (energy 15 dB above noiseDBm0) and those that are clearly not
// (no speech sample for 300 ms up to and including the frame).
func speechTruth(s []int16, noiseDBm0 float64) (isSpeech, isQuiet []bool) {
	n := len(s) / frameLen
	isSpeech = make([]bool, n)
	isQuiet = make([]bool, n)
	lastLoud := -1000
	for k := range n {
		f := s[k*frameLen : (k+1)*frameLen]
		l := measure.LevelDBm0(f)
		isSpeech[k] = l > noiseDBm0+15
		if l > noiseDBm0-10 {
			lastLoud = k
		}
		isQuiet[k] = k-lastLoud > 30
	}
	return isSpeech, isQuiet
}

// TestVADSpeechBursts: speech-like talk spurts over background noise are
// detected, and the pauses between them are not.
func TestVADSpeechBursts(t *testing.T) {
	for _, tc := range []struct {
		speech, noise float64
		a             []float64
	}{
		{-20, -60, white}, {-20, -45, lowish}, {-30, -50, hum}, {-15, -40, fan}, {-25, -70, hiss},
	} {
		const n = 120 * SampleRate
		s := spurts(speech(n, 5, tc.speech), 5)
		bg := colored(n, 6, tc.noise, tc.a)
		x := make([]int16, n)
		for i := range x {
			x[i] = int16(max(-32768, min(32767, int(s[i])+int(bg[i]))))
		}
		act := activity(Config{}, x)
		isSpeech, isQuiet := speechTruth(s, tc.noise)
		var sp, spHit, qu, quHit int
		for k := 100; k < len(act); k++ {
			if isSpeech[k] {
				sp++
				if act[k] {
					spHit++
				}
			}
			if isQuiet[k] {
				qu++
				if !act[k] {
					quHit++
				}
			}
		}
		det := float64(spHit) / float64(sp)
		rej := float64(quHit) / float64(qu)
		t.Logf("speech %v dBm0, noise %v dBm0: %d speech frames %.1f %% detected; %d pause frames %.1f %% inactive",
			tc.speech, tc.noise, sp, 100*det, qu, 100*rej)
		if sp < 2000 || qu < 500 {
			t.Fatalf("test signal has %d speech and %d pause frames", sp, qu)
		}
		if det < 0.98 || rej < 0.95 {
			t.Errorf("speech %v dBm0 over noise %v dBm0: %.1f %% of speech detected (want 98), %.1f %% of pauses inactive (want 95)",
				tc.speech, tc.noise, 100*det, 100*rej)
		}
	}
}

func speech(n int, seed uint64, levelDBm0 float64) []int16 { return testsig.Speech(n, seed, levelDBm0) }
