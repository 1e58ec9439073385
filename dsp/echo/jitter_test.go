package echo

import (
	"math"
	"math/rand/v2"
	"testing"

	"tipring/dsp/measure"
)

// jitterScenario models a frame loop whose transmit queue grows and
// shrinks: the echo in Sin is the reference delayed by a base delay plus a
// whole number of 20 ms frames, and that number jumps by ±1 to 3 frames at
// random frame boundaries (echo path changes of 20 to 60 ms within the
// tail, G.168 clause 7.2.2 / 7.3). The far end sends a steady 1004 Hz tone
// at -10 dBm0, the hybrid's loss is 20 dB, both directions are µ-law; the
// near end sends 1400 Hz at -16 dBm0 from nearFrom on.
func jitterScenario(seed uint64, n, base, nearFrom int) (sc scenario, jumps int) {
	const frame = 160
	rng := rand.New(rand.NewPCG(seed, 99))
	far := make([]float64, n)
	for i := range far {
		far[i] = measure.Amplitude(-10) * math.Sin(2*math.Pi*1004*float64(i)/fs)
	}
	sc = scenario{rin: make([]int16, n), sin: make([]int16, n), echo: make([]int16, n), near: make([]int16, n)}
	for i := range far {
		sc.rin[i] = ulaw(far[i])
	}
	g := math.Pow(10, -20.0/20)
	k := 0 // frames of extra delay, 0..3
	for f := 0; f*frame < n; f++ {
		if f > 10 && rng.IntN(8) == 0 {
			// A jump of 1 to 3 frames, staying within 0..3.
			for {
				d := 1 + rng.IntN(3)
				if rng.IntN(2) == 0 {
					d = -d
				}
				if k+d >= 0 && k+d <= 3 {
					k += d
					jumps++
					break
				}
			}
		}
		delay := base + k*frame
		for i := f * frame; i < min(n, (f+1)*frame); i++ {
			var e float64
			if i >= delay {
				e = g * float64(sc.rin[i-delay])
			}
			v := e
			if i >= nearFrom {
				nv := measure.Amplitude(-16) * math.Sin(2*math.Pi*1400*float64(i)/fs)
				sc.near[i] = int16(math.Round(nv))
				v += nv
			}
			sc.echo[i] = int16(math.Round(e))
			sc.sin[i] = ulaw(v)
		}
	}
	return sc, jumps
}

// TestEchoPathJumps: a reference/echo alignment that jumps by whole frames
// at random times (a transmit queue whose depth varies with scheduling)
// must never make Sout louder than Sin (G.168 clause 7.3: an echo path
// change must not make the canceller unstable; Sout within 1 dB of Sin over
// every 100 ms), and the near-end tone passes at its level (±1 dB) through
// the jumps.
func TestEchoPathJumps(t *testing.T) {
	const n = 12 * fs
	nearFrom := 6 * fs
	for _, seed := range []uint64{1, 2, 3, 4} {
		for _, nlp := range []bool{true, false} {
			sc, jumps := jitterScenario(seed, n, ms(3), nearFrom)
			c := newCanceller(t, 64, nlp)
			out := run(c, sc)
			w, hop := ms(100), ms(20)
			worst, at := -150.0, 0
			for i := 0; i+w <= n; i += hop {
				d := db(energy(out, i, i+w)) - db(energy(sc.sin, i, i+w))
				if d > worst {
					worst, at = d, i
				}
			}
			if worst > 1 {
				t.Errorf("seed %d nlp %v (%d jumps): Sout %.1f dB above Sin over 100 ms at %.2f s", seed, nlp, jumps, worst, float64(at)/fs)
			}
			// The near-end tone, from 200 ms after it starts.
			from := nearFrom + ms(200)
			want := measure.ToneLevelDBm0(sc.near[from:], 1400)
			got := measure.ToneLevelDBm0(out[from:], 1400)
			if math.Abs(got-want) > 1 {
				t.Errorf("seed %d nlp %v: near-end tone at %.1f dBm0 at Sout, sent %.1f dBm0", seed, nlp, got, want)
			}
			// And in every 100 ms of it.
			for i := from; i+w <= n; i += w {
				if l := measure.ToneLevelDBm0(out[i:i+w], 1400); math.Abs(l-want) > 1 {
					t.Errorf("seed %d nlp %v: near-end tone at %.1f dBm0 at %.2f s, sent %.1f dBm0", seed, nlp, l, float64(i)/fs, want)
					break
				}
			}
			t.Logf("seed %d nlp %v: %d jumps, worst Sout-Sin %.1f dB at %.2f s", seed, nlp, jumps, worst, float64(at)/fs)
		}
	}
}

// TestComfortNoiseBoundedBySin: a steady tone on Sin while the far end is
// silent (an exchange's dial tone before dialling) is not background noise.
// When the far end then talks with little echo, the NLP's comfort noise
// must not exceed Sin (clause 3.8: the NLP replaces the residual by noise
// at the background level, never louder than what it replaces), and near-
// end speech at -10 dBm0 afterwards must pass.
func TestComfortNoiseBoundedBySin(t *testing.T) {
	n := 8 * fs
	dial := ms(300)
	far := make([]float64, n)
	copy(far[dial:], css(n-dial, -40, 7))
	near := make([]float64, n)
	for i := range dial {
		near[i] = measure.Amplitude(-13)*math.Sin(2*math.Pi*350*float64(i)/fs) +
			measure.Amplitude(-13)*math.Sin(2*math.Pi*440*float64(i)/fs)
	}
	nearFrom := 5 * fs
	for i := nearFrom; i < n; i++ {
		near[i] = measure.Amplitude(-10) * math.Sin(2*math.Pi*1004*float64(i)/fs)
	}
	sc := build(far, near, -70, newLine(annexD()[0].scaled(20), ms(4)), nil, 0)
	c := newCanceller(t, 64, true)
	out := run(c, sc)
	w := ms(100)
	for i := dial + ms(100); i+w <= nearFrom; i += ms(20) {
		if d := db(energy(out, i, i+w)) - db(energy(sc.sin, i, i+w)); d > 1 {
			t.Fatalf("Sout %.1f dB above Sin at %.2f s (comfort noise at %.1f dBm0, Sin %.1f dBm0)", d, float64(i)/fs,
				measure.LevelDBm0(out[i:i+w]), measure.LevelDBm0(sc.sin[i:i+w]))
		}
	}
	from := nearFrom + ms(200)
	if l := measure.ToneLevelDBm0(out[from:], 1004); math.Abs(l+10) > 1 {
		t.Errorf("near-end 1004 Hz at %.1f dBm0, want -10 ±1", l)
	}
}
