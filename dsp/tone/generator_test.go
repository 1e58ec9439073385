package tone

import (
	"math"
	"strings"
	"testing"
	"time"

	"tipring/dsp/measure"
)

func TestGeneratorStopped(t *testing.T) {
	var g Generator
	frame := []int16{1, 2, 3}
	if n := g.Fill(frame); n != 0 || frame[0] != 1 || g.Active() {
		t.Fatalf("zero Generator: Fill = %d, frame %v, active %v", n, frame, g.Active())
	}
	z, _ := LookupZone("us")
	g.Start(z.Tones[Dial])
	if n := g.Fill(frame); n != 3 || !g.Active() {
		t.Fatalf("started: Fill = %d, active %v", n, g.Active())
	}
	g.Stop()
	frame = []int16{1, 2, 3}
	if n := g.Fill(frame); n != 0 || frame[2] != 3 || g.Active() {
		t.Fatalf("stopped: Fill = %d, frame %v", n, frame)
	}
	g.Start(Tone{})
	if g.Active() {
		t.Fatal("empty tone is active")
	}
}

// TestGeneratorFirstOnly plays the us SIT (three 330 ms tones, then the
// tone ends): the generator stays active exactly 990 ms and zero-fills the
// frame in which it ends.
func TestGeneratorFirstOnly(t *testing.T) {
	z, _ := LookupZone("us")
	var g Generator
	g.Start(z.Tones[Info])
	frame := make([]int16, 160)
	samples := 0
	for g.Active() {
		for i := range frame {
			frame[i] = 999
		}
		if n := g.Fill(frame); n != len(frame) {
			t.Fatalf("Fill = %d while active", n)
		}
		samples += len(frame)
	}
	// 990 ms = 7920 samples = 49.5 frames: the tone ends in the 50th frame,
	// whose second half is zero.
	if samples != 50*160 {
		t.Fatalf("active for %d samples, want %d", samples, 50*160)
	}
	for i := 80; i < 160; i++ {
		if frame[i] != 0 {
			t.Fatalf("sample %d after the end = %d, want 0", i, frame[i])
		}
	}
	if l := measure.ToneLevelDBm0(frame[:80], 1800); math.Abs(l+10) > 1 {
		t.Errorf("last samples: 1800 Hz at %.1f dBm0, want -10", l)
	}
}

// TestGeneratorPhaseContinuous compares 10 s of steady us dial tone,
// rendered in frames of 160 and of 1 sample, with the ideal sum of sines.
func TestGeneratorPhaseContinuous(t *testing.T) {
	z, _ := LookupZone("us")
	amp := measure.Amplitude(-13)
	for _, frame := range []int{160, 1, 37} {
		var g Generator
		g.Start(z.Tones[Dial])
		x := render(&g, 10*SampleRate, frame)
		for i, v := range x {
			tt := float64(i) / SampleRate
			want := amp * (math.Sin(2*math.Pi*350*tt) + math.Sin(2*math.Pi*440*tt))
			if math.Abs(float64(v)-want) > 1.5 {
				t.Fatalf("frame %d: sample %d = %d, ideal %.1f", frame, i, v, want)
			}
		}
	}
}

// TestGeneratorAMDial checks the India dial tone: 400 Hz amplitude
// modulated by 25 Hz, so a carrier at -12 dBm0, sidebands at 375 and 425
// Hz, and an envelope that swings by 1±AMDepth at 25 Hz.
func TestGeneratorAMDial(t *testing.T) {
	z, _ := LookupZone("IN")
	var g Generator
	g.Start(z.Tones[Dial])
	x := render(&g, 2*SampleRate, 160)
	sb := -12 + 20*math.Log10(AMDepth/2)
	for _, c := range []struct{ f, want float64 }{{400, -12}, {375, sb}, {425, sb}} {
		if l := measure.ToneLevelDBm0(x, c.f); math.Abs(l-c.want) > 0.5 {
			t.Errorf("%v Hz at %.2f dBm0, want %.2f", c.f, l, c.want)
		}
	}
	if l := measure.ToneLevelDBm0(x, 350); l > -60 {
		t.Errorf("350 Hz (second sideband) at %.1f dBm0, want none", l)
	}
	// Envelope: peak per 2.5 ms (one carrier cycle) over one 40 ms period.
	var lo, hi float64 = math.Inf(1), 0
	for i := 0; i+20 <= 320; i += 20 {
		p := 0.0
		for _, v := range x[i : i+20] {
			p = max(p, math.Abs(float64(v)))
		}
		lo, hi = min(lo, p), max(hi, p)
	}
	amp := measure.Amplitude(-12)
	if hi < amp*(1+AMDepth)*0.95 || lo > amp*(1-AMDepth)*3 {
		t.Errorf("envelope %.0f..%.0f, want about %.0f..%.0f", lo, hi, amp*(1-AMDepth), amp*(1+AMDepth))
	}
}

// TestGeneratorHowlerNoClip checks the receiver off-hook tone stays below
// full scale at its total level.
func TestGeneratorHowlerNoClip(t *testing.T) {
	z, _ := LookupZone("de")
	var g Generator
	g.Start(z.Tones[Howler])
	x := render(&g, SampleRate, 160)
	for i, v := range x {
		if v == math.MaxInt16 || v == math.MinInt16 {
			t.Fatalf("sample %d clipped", i)
		}
	}
	if l := measure.LevelDBm0(x[:800]); math.Abs(l-HowlerLevelDBm0) > 0.2 {
		t.Errorf("howler burst level %.2f dBm0, want %v", l, HowlerLevelDBm0)
	}
}

func TestLookupZone(t *testing.T) {
	names := Zones()
	want := "au br cn de fr in it jp nl ru uk us"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("Zones() = %s, want %s", got, want)
	}
	for _, n := range names {
		z, err := LookupZone(strings.ToUpper(n))
		if err != nil || z.Name != n {
			t.Fatalf("LookupZone(%q) = %v, %v", strings.ToUpper(n), z, err)
		}
		if len(z.Tones) != int(numSignals) || z.Description == "" || len(z.RingCadence)%2 != 0 {
			t.Errorf("%s: %d tones, description %q, ring %v", n, len(z.Tones), z.Description, z.RingCadence)
		}
		if z.DTMFLowDBm0 > -5 || z.DTMFHighDBm0 > -5 || z.DTMFLowDBm0 < -15 {
			t.Errorf("%s: DTMF levels %v/%v", n, z.DTMFLowDBm0, z.DTMFHighDBm0)
		}
	}
	us, _ := LookupZone("us")
	if len(us.RingCadence) != 2 || us.RingCadence[0] != 2*time.Second || us.RingCadence[1] != 4*time.Second {
		t.Errorf("us ring cadence %v", us.RingCadence)
	}
	// Fresh copies: changing one does not change the next.
	us.Tones[Dial] = Tone{}
	again, _ := LookupZone("us")
	if len(again.Tones[Dial].Loop) != 1 {
		t.Error("LookupZone returned shared state")
	}
	_, err := LookupZone("xx")
	if err == nil || !strings.Contains(err.Error(), "xx") || !strings.Contains(err.Error(), "au, br") {
		t.Errorf("LookupZone(xx) error = %v", err)
	}
	if Dial.String() != "dial" || Howler.String() != "howler" || Signal(99).String() != "signal(99)" {
		t.Error("Signal.String")
	}
}

func TestGeneratorNoAllocs(t *testing.T) {
	z, _ := LookupZone("uk")
	var g Generator
	frame := make([]int16, 160)
	if n := testing.AllocsPerRun(200, func() {
		g.Start(z.Tones[Stutter])
		g.Fill(frame)
		g.Fill(frame)
	}); n != 0 {
		t.Errorf("allocations per run = %v", n)
	}
}

func BenchmarkFill160(b *testing.B) {
	z, _ := LookupZone("us")
	var g Generator
	g.Start(z.Tones[Dial])
	frame := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(frame)
	}
	b.ReportMetric(1/(b.Elapsed().Seconds()/float64(b.N)*50), "ch/core")
}
