package measure

import (
	"math"
	"math/rand/v2"
	"testing"
)

func sine(n int, freq, level float64) []int16 {
	x := make([]int16, n)
	Sine(x, freq, level, 0.3)
	return x
}

func TestLevelDBm0Sine(t *testing.T) {
	for _, lvl := range []float64{3, 0, -10, -30, -50} {
		x := sine(8000, 1004, lvl)
		got := LevelDBm0(x)
		// Rounding to integers adds 1/12 LSB^2 of noise: visible only at
		// very low levels.
		if math.Abs(got-lvl) > 0.02 {
			t.Errorf("LevelDBm0(sine at %v dBm0) = %.3f", lvl, got)
		}
	}
	if got := LevelDBm0(make([]int16, 160)); got != Silence {
		t.Errorf("LevelDBm0(zeros) = %v, want %v", got, Silence)
	}
	if got := LevelDBm0(nil); got != Silence {
		t.Errorf("LevelDBm0(nil) = %v, want %v", got, Silence)
	}
	// A full-scale sine is +3.17 dBm0 (the µ-law overload point, G.711).
	x := make([]int16, 8000)
	for i := range x {
		x[i] = int16(math.Round(32767 * math.Sin(2*math.Pi*1000*float64(i)/SampleRate)))
	}
	if got := LevelDBm0(x); math.Abs(got-3.17) > 0.01 {
		t.Errorf("full-scale sine: %.3f dBm0, want +3.17", got)
	}
}

func TestGoertzelScale(t *testing.T) {
	// 1000 Hz in 160 samples is exactly 20 periods.
	x := make([]int16, 160)
	const amp = 10000.0
	for i := range x {
		x[i] = int16(math.Round(amp * math.Cos(2*math.Pi*1000*float64(i)/SampleRate+1)))
	}
	if got, want := Goertzel(x, 1000), amp*amp/2; math.Abs(got/want-1) > 1e-3 {
		t.Errorf("Goertzel on-bin power = %.1f, want %.1f", got, want)
	}
	// A component at another bin contributes nothing on bin.
	if got := Goertzel(x, 1500); got > 1 {
		t.Errorf("Goertzel off-bin power = %.3f, want ~0", got)
	}
	if Goertzel(nil, 1000) != 0 {
		t.Error("Goertzel(nil) != 0")
	}
}

func TestToneLevelDBm0TwoTones(t *testing.T) {
	// 480+620 Hz (North American busy) at different levels, 500 ms, and
	// an arbitrary start phase: each is read at its own level.
	x := make([]int16, 4000)
	y := make([]int16, 4000)
	Sine(x, 480, -24, 0.7)
	Sine(y, 620, -14, 2.1)
	for i := range x {
		x[i] += y[i]
	}
	for _, c := range []struct{ f, want float64 }{{480, -24}, {620, -14}} {
		if got := ToneLevelDBm0(x, c.f); math.Abs(got-c.want) > 0.05 {
			t.Errorf("ToneLevelDBm0(%v Hz) = %.3f, want %v", c.f, got, c.want)
		}
	}
	// Between the tones, away from both main lobes: nothing.
	if got := ToneLevelDBm0(x, 550); got > -80 {
		t.Errorf("ToneLevelDBm0(550 Hz) = %.1f, want below -80", got)
	}
	if got := ToneLevelDBm0(make([]int16, 100), 1000); got != Silence {
		t.Errorf("ToneLevelDBm0(zeros) = %v", got)
	}
}

func TestFrequencyOneSecond(t *testing.T) {
	for _, f := range []float64{300, 350.5, 425, 697, 1004, 1633, 2600, 3400} {
		x := sine(8000, f, -10)
		if got := Frequency(x); math.Abs(got-f) > 1 {
			t.Errorf("Frequency(1 s of %v Hz) = %.3f", f, got)
		}
	}
}

func TestFrequencyShortWithNoise(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, f := range []float64{400, 941.7, 1209, 2450} {
		x := sine(1600, f, -10)
		// White noise 30 dB below the tone.
		for i := range x {
			x[i] += int16(r.NormFloat64() * Amplitude(-40) / math.Sqrt2)
		}
		if got := Frequency(x); math.Abs(got-f) > 2 {
			t.Errorf("Frequency(200 ms of %v Hz + noise) = %.3f", f, got)
		}
	}
	// The dominant of two tones.
	x := sine(1600, 440, -20)
	y := sine(1600, 350, -10)
	for i := range x {
		x[i] += y[i]
	}
	if got := Frequency(x); math.Abs(got-350) > 2 {
		t.Errorf("Frequency(350 Hz dominant) = %.3f", got)
	}
	if Frequency(make([]int16, 1000)) != 0 || Frequency(nil) != 0 {
		t.Error("Frequency of silence != 0")
	}
}

func TestSinePhaseContinuity(t *testing.T) {
	whole := make([]int16, 1000)
	Sine(whole, 1234, -3, 0)
	parts := make([]int16, 1000)
	ph := 0.0
	for i := 0; i < len(parts); i += 160 {
		ph = Sine(parts[i:min(i+160, len(parts))], 1234, -3, ph)
	}
	for i := range whole {
		if d := int(whole[i]) - int(parts[i]); d > 1 || d < -1 {
			t.Fatalf("sample %d: %d in one piece, %d in frames", i, whole[i], parts[i])
		}
	}
	if ph < 0 || ph >= 2*math.Pi {
		t.Errorf("returned phase %v outside [0, 2π)", ph)
	}
	// Saturation instead of wrap-around above full scale.
	x := make([]int16, 100)
	Sine(x, 1000, 10, 0)
	if x[2] != 32767 { // sin(π/2) at 1000 Hz sample 2
		t.Errorf("overloaded sine peak = %d, want 32767", x[2])
	}
}

func TestAllocs(t *testing.T) {
	x := sine(160, 1000, -10)
	if n := testing.AllocsPerRun(100, func() {
		LevelDBm0(x)
		Goertzel(x, 697)
		ToneLevelDBm0(x, 697)
		Sine(x, 1000, -10, 0)
	}); n != 0 {
		t.Errorf("allocations per run = %v", n)
	}
}

func BenchmarkToneLevelDBm0Frame160(b *testing.B) {
	x := sine(160, 1000, -10)
	b.ReportAllocs()
	for b.Loop() {
		ToneLevelDBm0(x, 697)
	}
}

func BenchmarkGoertzelFrame160(b *testing.B) {
	x := sine(160, 1000, -10)
	b.ReportAllocs()
	for b.Loop() {
		Goertzel(x, 697)
	}
}
