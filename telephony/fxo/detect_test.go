package fxo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
)

// playTone renders d of tone t of zone z in frames of n samples and feeds
// them to f; it returns the time at which f first returned true (-1: never).
func playTone(t *testing.T, tn tone.Tone, d time.Duration, n int, f func([]int16) bool) time.Duration {
	t.Helper()
	var g tone.Generator
	g.Start(tn)
	frame := make([]int16, n)
	for at := time.Duration(0); at < d; at += hal.FrameDuration(n) {
		clear(frame)
		g.Fill(frame)
		if f(frame) {
			return at + hal.FrameDuration(n)
		}
	}
	return -1
}

// TestE180BusyCongestionByZone: every zone's busy and congestion tone is
// recognised within two cycles plus a frame, as itself, at 10, 20 and 30 ms
// frames; the zone's dial and ringback tones are not.
func TestE180BusyCongestionByZone(t *testing.T) {
	for _, name := range tone.Zones() {
		z, err := tone.LookupZone(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{80, 160, 240} {
			p := NewZoneProgress(z)
			for _, sig := range []tone.Signal{tone.Busy, tone.Congestion} {
				p.Reset()
				var got tone.Signal
				at := playTone(t, z.Tones[sig], 8*time.Second, n, func(f []int16) bool {
					s, ok := p.Process(f)
					got = s
					return ok
				})
				if at < 0 {
					t.Errorf("%s %v (%d-sample frames): not recognised", name, sig, n)
					continue
				}
				// Four runs (two on/off cycles) and up to two frames to see
				// the fourth end.
				var want time.Duration
				for i := 0; i < confirmRuns; i++ {
					loop := z.Tones[sig].Loop
					want += loop[i%len(loop)].Dur
				}
				if at > want+2*hal.FrameDuration(n) {
					t.Errorf("%s %v: recognised after %v, want %v", name, sig, at, want)
				}
				// us busy/congestion share frequencies and differ in
				// cadence; where both cadences fit (uk, au) or are the
				// same (jp) either name is a disconnect.
				if got != sig && name != "uk" && name != "au" && name != "jp" {
					t.Errorf("%s %v recognised as %v", name, sig, got)
				}
			}
			for _, sig := range []tone.Signal{tone.Dial, tone.Ringback} {
				p.Reset()
				if at := playTone(t, z.Tones[sig], 12*time.Second, n, func(f []int16) bool {
					_, ok := p.Process(f)
					return ok
				}); at >= 0 && !(name == "it" && sig == tone.Dial) {
					t.Errorf("%s %v taken for a disconnect tone at %v", name, sig, at)
				}
			}
		}
	}
}

// TestProgressNeedsEveryFrequency: one frequency of a dual tone, with
// the dual tone's cadence, is not that tone: a lone 480 Hz at 250/250 ms
// (or 300/200 ms, as an unknown PBX may send) and a lone 620 Hz at 500/500 ms
// are neither us congestion nor us busy (480+620 Hz), and a
// lone 350 Hz is not us dial tone (350+440 Hz). Both frequencies at once
// are, even 10 dB apart.
func TestProgressNeedsEveryFrequency(t *testing.T) {
	z, _ := tone.LookupZone("us")
	single := func(f float64, on, off time.Duration) tone.Tone {
		return tone.Tone{Loop: []tone.Segment{
			{Components: []tone.Component{{Freq: f, LevelDBm0: -24}}, Dur: on}, {Dur: off},
		}}
	}
	p := NewZoneProgress(z)
	for _, tn := range []tone.Tone{single(480, 250*time.Millisecond, 250*time.Millisecond), single(480, 300*time.Millisecond, 200*time.Millisecond), single(620, 500*time.Millisecond, 500*time.Millisecond)} {
		p.Reset()
		if at := playTone(t, tn, 8*time.Second, 160, func(f []int16) bool { _, ok := p.Process(f); return ok }); at >= 0 {
			t.Errorf("lone %.0f Hz taken for a disconnect tone at %v", tn.Loop[0].Components[0].Freq, at)
		}
	}
	uneven := tone.Tone{Loop: []tone.Segment{
		{Components: []tone.Component{{Freq: 480, LevelDBm0: -20}, {Freq: 620, LevelDBm0: -30}}, Dur: 500 * time.Millisecond},
		{Dur: 500 * time.Millisecond},
	}}
	p.Reset()
	if at := playTone(t, uneven, 8*time.Second, 160, func(f []int16) bool { _, ok := p.Process(f); return ok }); at < 0 {
		t.Error("busy tone with 620 Hz 10 dB below 480 Hz not recognised")
	}
	d := newDialToneDetector(z)
	if at := playTone(t, tone.Tone{Loop: []tone.Segment{{Components: []tone.Component{{Freq: 350, LevelDBm0: -13}}}}}, 2*time.Second, 160, d.process); at >= 0 {
		t.Errorf("lone 350 Hz taken for dial tone at %v", at)
	}
}

// TestProgressIgnoresSpeechAndNoise: a talker-like signal (random bursts
// of several frequencies) and white noise never clear a call.
func TestProgressIgnoresSpeechAndNoise(t *testing.T) {
	z, _ := tone.LookupZone("de")
	p := NewZoneProgress(z)
	rng := rand.New(rand.NewPCG(1, 2))
	frame := make([]int16, 160)
	phase := 0.0
	for i := 0; i < 3000; i++ { // 60 s
		switch (i / (5 + rng.IntN(30))) % 3 {
		case 0:
			f := 200 + rng.Float64()*1800
			phase = measure.Sine(frame, f, -20, phase)
		case 1:
			for k := range frame {
				frame[k] = int16(rng.NormFloat64() * 1500)
			}
		default:
			clear(frame)
		}
		if s, ok := p.Process(frame); ok {
			t.Fatalf("frame %d: %v recognised in speech-like audio", i, s)
		}
	}
}

// TestDialToneDetector: 300 ms of the zone's dial tone is recognised, a
// steady tone of another frequency and low-level dial tone are not.
func TestDialToneDetector(t *testing.T) {
	for _, name := range []string{"us", "uk", "de", "fr", "cn", "jp", "in"} {
		z, _ := tone.LookupZone(name)
		d := newDialToneDetector(z)
		at := playTone(t, z.Tones[tone.Dial], 2*time.Second, 160, d.process)
		if at != dialToneMinMs*time.Millisecond {
			t.Errorf("%s: dial tone recognised at %v, want %v ms", name, at, dialToneMinMs)
		}
		d.reset()
		frame := make([]int16, 160)
		ph := 0.0
		for i := 0; i < 100; i++ {
			ph = measure.Sine(frame, 1000, -10, ph)
			if d.process(frame) {
				t.Fatalf("%s: 1000 Hz taken for dial tone", name)
			}
		}
	}
	z, _ := tone.LookupZone("de")
	d := newDialToneDetector(z)
	frame := make([]int16, 160)
	ph := 0.0
	for i := 0; i < 100; i++ {
		ph = measure.Sine(frame, 425, toneMinDBm0-6, ph)
		if d.process(frame) {
			t.Fatal("dial tone below the minimum level recognised")
		}
	}
}

func TestPulseCoding(t *testing.T) {
	for _, tc := range []struct {
		c    PulseCoding
		want string
	}{
		{PulseStandard, "10 1 2 3 4 5 6 7 8 9"},
		{PulseSweden, "1 2 3 4 5 6 7 8 9 10"},
		{PulseNewZealand, "10 9 8 7 6 5 4 3 2 1"},
	} {
		var got []int
		for d := byte('0'); d <= '9'; d++ {
			got = append(got, tc.c.Pulses(d))
		}
		if s := fmt.Sprint(got); s != "["+tc.want+"]" {
			t.Errorf("coding %d: %s, want %s", tc.c, s, tc.want)
		}
		if tc.c.Pulses('*') != 0 {
			t.Errorf("coding %d: '*' has pulses", tc.c)
		}
	}
}

// TestPulseTrainTiming: the dialler's break/make/pause schedule at 10 pps
// with 10 ms frames.
func TestPulseTrainTiming(t *testing.T) {
	var p pulseDialer
	var ops []hookAt
	now := time.Duration(0)
	hook := func(h hal.Hook) { ops = append(ops, hookAt{h, now}) }
	p.start(DefaultPulse, "21", 0)
	done := false
	for ; now < 3*time.Second && !done; now += 10 * time.Millisecond {
		done = p.step(now, hook)
	}
	want := []hookAt{
		{hal.HookOnHook, 0}, {hal.HookOffHook, ms(60)}, {hal.HookOnHook, ms(100)}, {hal.HookOffHook, ms(160)},
		{hal.HookOnHook, ms(860)}, {hal.HookOffHook, ms(920)},
	}
	if len(ops) != len(want) {
		t.Fatalf("ops %v, want %v", ops, want)
	}
	for i := range ops {
		if ops[i] != want[i] {
			t.Errorf("op %d: %v, want %v", i, ops[i], want[i])
		}
	}
	if !done {
		t.Error("train not done")
	}
}

func FuzzProgressDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	z, _ := tone.LookupZone("de")
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewZoneProgress(z)
		frame := make([]int16, 160)
		for len(data) >= 2 {
			k := min(len(frame), len(data)/2)
			for i := 0; i < k; i++ {
				frame[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
			}
			data = data[2*k:]
			_, _ = p.Process(frame[:k])
		}
		d := newDialToneDetector(z)
		_ = d.process(frame)
	})
}

func BenchmarkProgressDetector(b *testing.B) {
	z, _ := tone.LookupZone("us")
	p := NewZoneProgress(z)
	frame := make([]int16, 160)
	measure.Sine(frame, 480, -20, 0)
	b.ReportAllocs()
	for b.Loop() {
		p.Process(frame)
	}
}

func TestBankLevel(t *testing.T) {
	b := newBank([]float64{1000})
	x := make([]int16, 160)
	measure.Sine(x, 1000, -10, 0)
	var each [4]float64
	total, tones := b.measure(x, &each)
	if l := 10 * math.Log10(tones/powerOf(0)); math.Abs(l+10) > 0.2 || each[0] != tones {
		t.Errorf("bank level %.2f dBm0, want -10", l)
	}
	if r := tones / total; r < 0.98 || r > 1.02 {
		t.Errorf("tone share %.3f, want 1", r)
	}
}
