package progress

import (
	"math"
	"math/rand/v2"
	"time"

	"tipring/dsp/g711"
	"tipring/dsp/tone"
)

// scaled returns a copy of t with every component's level moved by delta
// dB.
func scaled(t tone.Tone, delta float64) tone.Tone {
	cp := func(segs []tone.Segment) []tone.Segment {
		out := make([]tone.Segment, len(segs))
		for i, s := range segs {
			out[i] = tone.Segment{Dur: s.Dur}
			for _, c := range s.Components {
				c.LevelDBm0 += delta
				out[i].Components = append(out[i].Components, c)
			}
		}
		return out
	}
	return tone.Tone{First: cp(t.First), Loop: cp(t.Loop)}
}

// loudest returns the level of the loudest component of t.
func loudest(t tone.Tone) float64 {
	l := math.Inf(-1)
	for _, segs := range [][]tone.Segment{t.First, t.Loop} {
		for _, s := range segs {
			for _, c := range s.Components {
				l = max(l, c.LevelDBm0)
			}
		}
	}
	return l
}

// render plays t for d, after lead of silence.
func render(t tone.Tone, lead, d time.Duration) []int16 {
	var g tone.Generator
	x := make([]int16, int((lead+d)/time.Second*SampleRate)+int((lead+d)%time.Second*SampleRate/time.Second))
	n0 := int(lead * SampleRate / time.Second)
	g.Start(t)
	for i := n0; i < len(x); i += 160 {
		g.Fill(x[i:min(i+160, len(x))])
	}
	return x
}

// addNoise adds white Gaussian noise at levelDBm0.
func addNoise(x []int16, levelDBm0 float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 17))
	sigma := dBm0Ref * math.Pow(10, levelDBm0/20)
	for i := range x {
		x[i] = int16(max(-32768, min(32767, float64(x[i])+math.Round(sigma*r.NormFloat64()))))
	}
}

func ulaw(x []int16) {
	b := make([]byte, len(x))
	g711.UlawEncode(b, x)
	g711.UlawDecode(x, b)
}

// classify runs x through d in 20 ms frames and returns every result.
func classify(d *Detector, x []int16) []Result {
	var out []Result
	for i := 0; i < len(x); i += 160 {
		if r, ok := d.Process(x[i:min(i+160, len(x))]); ok {
			out = append(out, r)
		}
	}
	return out
}
