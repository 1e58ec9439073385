package fxo

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/progress"
	"tipring/dsp/tone"
	"tipring/hal"
)

// pbxBusy is a PBX busy tone in no zone table: 480 Hz, 300 ms on, 200 ms
// off.
var pbxBusy = tone.Tone{Loop: []tone.Segment{
	{Components: []tone.Component{{Freq: 480, LevelDBm0: -16}}, Dur: 300 * time.Millisecond},
	{Dur: 200 * time.Millisecond},
}}

func learnedDetector(t testing.TB, zone string, text ...string) ProgressDetector {
	t.Helper()
	z, err := tone.LookupZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	var sigs []progress.Signature
	for _, s := range text {
		sig, err := progress.ParseSignature(s)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	p, err := NewProgress(z, sigs)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLearnedToneClears: with the PBX's busy tone configured, the line's
// detector recognises it within two cycles and a bit, as busy, while the
// zone's detector alone never does (de: 425 Hz tones); the zone's own busy
// and congestion tones are still recognised. (In us the zone detector
// already takes a bare 480 Hz at 300/200 ms for congestion, 480+620 Hz
// 250/250 ms: it asks that most of the power be at the tone's frequencies,
// not at each of them.)
func TestLearnedToneClears(t *testing.T) {
	z, _ := tone.LookupZone("de")
	for _, n := range []int{80, 160, 240} {
		p := learnedDetector(t, "de", "busy 480 Hz 300/200 ms")
		var got tone.Signal
		at := playTone(t, pbxBusy, 6*time.Second, n, func(f []int16) bool {
			s, ok := p.Process(f)
			got = s
			return ok
		})
		if at < 0 || at > 1500*time.Millisecond || got != tone.Busy {
			t.Errorf("%d-sample frames: learnt busy recognised at %v as %v, want busy within 1.5 s", n, at, got)
		}
		zp := NewZoneProgress(z)
		if at := playTone(t, pbxBusy, 10*time.Second, n, func(f []int16) bool { _, ok := zp.Process(f); return ok }); at >= 0 {
			t.Errorf("%d-sample frames: the zone detector alone recognised the PBX tone at %v", n, at)
		}
		for _, sig := range []tone.Signal{tone.Busy, tone.Congestion} {
			p.Reset()
			var got tone.Signal
			if at := playTone(t, z.Tones[sig], 8*time.Second, n, func(f []int16) bool { s, ok := p.Process(f); got = s; return ok }); at < 0 || got != sig {
				t.Errorf("de %v with a learnt tone: at %v as %v", sig, at, got)
			}
		}
	}
	// A signature learnt as congestion is reported as congestion.
	p := learnedDetector(t, "de", "congestion 480 Hz 300/200 ms")
	var got tone.Signal
	if at := playTone(t, pbxBusy, 6*time.Second, 160, func(f []int16) bool { s, ok := p.Process(f); got = s; return ok }); at < 0 || got != tone.Congestion {
		t.Errorf("learnt congestion: at %v as %v", at, got)
	}
}

// talker renders d of a speech-like signal: voiced syllables (a harmonic
// series on a gliding pitch of 90-260 Hz, shaped by two formants) of
// 80-400 ms with pauses of 30-500 ms, at about levelDBm0.
func talker(d time.Duration, seed uint64, levelDBm0 float64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 9))
	n := int(d.Seconds() * hal.SampleRate)
	x := make([]float64, n)
	for i := 0; i < n; {
		syl := (80 + rng.IntN(320)) * hal.SamplesPerMs
		f0a, f0b := 90+rng.Float64()*170, 90+rng.Float64()*170
		f1, f2 := 300+rng.Float64()*600, 900+rng.Float64()*1500
		phase := 0.0
		for k := 0; k < syl && i+k < n; k++ {
			frac := float64(k) / float64(syl)
			f0 := f0a + (f0b-f0a)*frac
			phase += 2 * math.Pi * f0 / hal.SampleRate
			env := math.Sin(math.Pi * frac)
			var v float64
			for h := 1; float64(h)*f0 < 3400; h++ {
				fh := float64(h) * f0
				g := 1/(1+math.Pow((fh-f1)/120, 2)) + 0.5/(1+math.Pow((fh-f2)/200, 2))
				v += g * math.Sin(float64(h)*phase)
			}
			x[i+k] = env * v
		}
		i += syl + (30+rng.IntN(470))*hal.SamplesPerMs
	}
	var p float64
	for _, v := range x {
		p += v * v
	}
	gain := measure.DBm0Ref * math.Pow(10, levelDBm0/20) / math.Sqrt(p/float64(n)+1e-12)
	out := make([]int16, n)
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, v*gain)))
	}
	return out
}

// TestLearnedToneTalkOff: the learnt 480 Hz detector is not set off by
// five minutes of speech-like audio, nor by the zone's ringback (us: 440 +
// 480 Hz, 2 s on, 4 s off) or dial tone, nor by a steady 480 Hz tone.
func TestLearnedToneTalkOff(t *testing.T) {
	p := learnedDetector(t, "us", "busy 480 Hz 300/200 ms")
	for seed := range uint64(5) {
		x := talker(time.Minute, seed+1, -18+3*float64(seed%3))
		for i := 0; i+160 <= len(x); i += 160 {
			if s, ok := p.Process(x[i : i+160]); ok {
				t.Fatalf("speech (seed %d) at %v taken for %v", seed, time.Duration(i/hal.SamplesPerMs)*time.Millisecond, s)
			}
		}
	}
	z, _ := tone.LookupZone("us")
	steady := tone.Tone{Loop: []tone.Segment{{Components: []tone.Component{{Freq: 480, LevelDBm0: -16}}}}}
	for name, tn := range map[string]tone.Tone{"ringback": z.Tones[tone.Ringback], "dial": z.Tones[tone.Dial], "steady 480 Hz": steady} {
		p.Reset()
		if at := playTone(t, tn, 30*time.Second, 160, func(f []int16) bool { _, ok := p.Process(f); return ok }); at >= 0 {
			t.Errorf("%s taken for the learnt tone at %v", name, at)
		}
	}
}

func TestNewProgressErrors(t *testing.T) {
	z, _ := tone.LookupZone("us")
	sig, _ := progress.ParseSignature("busy 480 Hz 300/200 ms")
	if _, err := NewProgress(nil, []progress.Signature{sig}); err == nil {
		t.Error("no zone: no error")
	}
	ring := sig
	ring.Signal = tone.Ringback
	if _, err := NewProgress(z, []progress.Signature{ring}); err == nil {
		t.Error("a ringback signature taken as a disconnect tone")
	}
	if _, err := NewProgress(z, []progress.Signature{{Signal: tone.Busy}}); err == nil {
		t.Error("an empty signature accepted")
	}
}

func TestLearnedProgressDoesNotAllocate(t *testing.T) {
	p := learnedDetector(t, "us", "busy 480 Hz 300/200 ms", "congestion 425 Hz 200/200/200/600 ms")
	x := talker(2*time.Second, 3, -15)
	i := 0
	if a := testing.AllocsPerRun(500, func() {
		p.Process(x[i : i+160])
		i = (i + 160) % (len(x) - 160)
	}); a != 0 {
		t.Errorf("%v allocations per frame", a)
	}
}

// BenchmarkLearnedProgress is one 20 ms frame of a connected line's
// disconnect-tone detection with a learnt tone configured (the zone's
// detector and the dsp/progress one), on speech-like audio.
func BenchmarkLearnedProgress(b *testing.B) {
	p := learnedDetector(b, "us", "busy 480 Hz 300/200 ms")
	x := talker(4*time.Second, 7, -15)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		p.Process(x[i : i+160])
		i = (i + 160) % (len(x) - 160)
	}
}

// BenchmarkPortConnectedLearnt is BenchmarkPortConnected on a line with a
// learnt disconnect tone configured.
func BenchmarkPortConnectedLearnt(b *testing.B) {
	benchPort(b, "de", true, learnedDetector(b, "de", "busy 480 Hz 300/200 ms"))
}
