package dtmf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/g711"
	"tipring/dsp/internal/corpus"
	"tipring/dsp/measure"
	"tipring/dsp/tone"
)

// addNoise adds white Gaussian noise at level dBm0 (total power over the
// 0-4 kHz band) to x.
func addNoise(x []int16, level float64, r *rand.Rand) {
	s := measure.Amplitude(level) / math.Sqrt2
	for i := range x {
		x[i] = int16(max(-32768, min(32767, math.Round(float64(x[i])+r.NormFloat64()*s))))
	}
}

func viaLaw(x []int16, law g711.Law) []int16 {
	codes := make([]byte, len(x))
	law.Encode(codes, x)
	y := make([]int16, len(x))
	law.Decode(y, codes)
	return y
}

// TestQ24FrequencyAccept: every digit is detected with each tone ±1.5 %
// off its nominal frequency, tones deviating together and apart, at high
// and low level and in noise.
func TestQ24FrequencyAccept(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, dev := range [][2]float64{{1, 1}, {-1, -1}, {1, -1}, {-1, 1}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}} {
		for _, level := range []float64{-4, -20, -38} {
			x := sequence(Digits, 50, 50, level, level, 0.015*dev[0], 0.015*dev[1])
			if level == -20 {
				addNoise(x, level-15, r)
			}
			if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits {
				t.Errorf("offset %+.1f%%/%+.1f%% at %v dBm0: detected %q, want all", 1.5*dev[0], 1.5*dev[1], level, got)
			}
		}
	}
}

// TestQ24FrequencyReject: a tone 3.0 % or more off its nominal frequency
// (Q.24 requires rejection from 3.5 %) is never detected, in 50 ms bursts
// nor held for a second.
func TestQ24FrequencyReject(t *testing.T) {
	for _, pct := range []float64{3.0, 3.5, 4.0, 4.5} {
		for _, dev := range [][2]float64{{1, 1}, {-1, -1}, {1, -1}, {-1, 1}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}} {
			lo, hi := pct/100*dev[0], pct/100*dev[1]
			for _, on := range []int{50, 1000} {
				x := sequence(Digits, on, 50, -10, -10, lo, hi)
				if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
					t.Errorf("offset %+.1f%%/%+.1f%%, %d ms: detected %q, want none", 100*lo, 100*hi, on, got)
				}
			}
		}
	}
}

// TestQ24FrequencyEdges measures, for every row and column frequency, the
// deviation at which 1 s tones stop being detected, and checks that it
// lies between the accept and the reject limit.
func TestQ24FrequencyEdges(t *testing.T) {
	edge := func(digit byte, row bool, sign float64) float64 {
		for pct := 1.5; pct < 3.5; pct += 0.05 {
			lo, hi := 0.0, 0.0
			if row {
				lo = sign * pct / 100
			} else {
				hi = sign * pct / 100
			}
			x := sequence(string(digit), 1000, 50, -10, -10, lo, hi)
			if digitsOf(t, detect(DetectorConfig{}, x, 160)) == "" {
				return pct
			}
		}
		return math.Inf(1)
	}
	lowest, highest := math.Inf(1), 0.0
	for i, dg := range []byte("147*") {
		for _, s := range []float64{-1, 1} {
			e := edge(dg, true, s)
			lowest, highest = min(lowest, e), max(highest, e)
			t.Logf("row %v Hz %+v: rejected from %.2f %%", rowFreqs[i], s, e)
		}
	}
	for i, dg := range []byte("123A") {
		for _, s := range []float64{-1, 1} {
			e := edge(dg, false, s)
			lowest, highest = min(lowest, e), max(highest, e)
			t.Logf("column %v Hz %+v: rejected from %.2f %%", colFreqs[i], s, e)
		}
	}
	if lowest <= 1.5 || highest > 3.0 {
		t.Errorf("acceptance ends between %.2f %% and %.2f %%, want within (1.5, 3.0]", lowest, highest)
	}
}

// TestQ24Twist: the low-group tone up to 8 dB louder and the high-group
// tone up to 4 dB louder are accepted, also ±1.5 % off frequency; 2 dB
// more is rejected (3 dB more off frequency, where the twist is measured
// to within 1 dB).
func TestQ24Twist(t *testing.T) {
	cases := []struct {
		low, high float64
		off       float64
		want      bool
	}{
		{-10, -18, 0, true},       // low 8 dB louder
		{-22, -30, 0.015, true},   // low 8 dB louder, +1.5 %
		{-22, -30, -0.015, true},  // low 8 dB louder, -1.5 %
		{-34, -42, 0, true},       // low 8 dB louder at the floor
		{-14, -10, 0, true},       // high 4 dB louder
		{-24, -20, 0.015, true},   // high 4 dB louder, +1.5 %
		{-24, -20, -0.015, true},  // high 4 dB louder, -1.5 %
		{-42, -38, 0, true},       // high 4 dB louder at the floor
		{-4, -4, 0, true},         // none
		{-10, -20, 0, false},      // low 10 dB louder
		{-20, -31, 0.015, false},  // low 11 dB louder, +1.5 %
		{-16, -10, 0, false},      // high 6 dB louder
		{-27, -20, -0.015, false}, // high 7 dB louder, -1.5 %
	}
	for _, c := range cases {
		x := sequence(Digits, 50, 50, c.low, c.high, c.off, c.off)
		got := digitsOf(t, detect(DetectorConfig{}, x, 160))
		if c.want && got != Digits || !c.want && got != "" {
			t.Errorf("low %v high %v dBm0, offset %+.1f%%: detected %q, want all: %v", c.low, c.high, 100*c.off, got, c.want)
		}
	}
	// The limits are configurable.
	x := sequence(Digits, 50, 50, -10, -20, 0, 0)
	if got := digitsOf(t, detect(DetectorConfig{LowTwistDB: 11}, x, 160)); got != Digits {
		t.Errorf("low 10 dB louder with LowTwistDB 11: detected %q", got)
	}
}

// TestQ24DynamicRange: every digit is detected from -3 to -42 dBm0 per
// tone (39 dB), never at 3 dB below the floor or lower; the floor is
// configurable.
func TestQ24DynamicRange(t *testing.T) {
	for _, level := range []float64{-3, -10, -20, -30, -40, -42} {
		x := sequence(Digits, 50, 50, level, level, 0, 0)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits {
			t.Errorf("%v dBm0: detected %q, want all", level, got)
		}
	}
	for _, level := range []float64{-45, -50, -60} {
		x := sequence(Digits, 200, 50, level, level, 0, 0)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
			t.Errorf("%v dBm0: detected %q, want none", level, got)
		}
	}
	x := sequence(Digits, 50, 50, -30, -30, 0, 0)
	if got := digitsOf(t, detect(DetectorConfig{MinLevelDBm0: -25}, x, 160)); got != "" {
		t.Errorf("-30 dBm0 with MinLevelDBm0 -25: detected %q, want none", got)
	}
	if got := digitsOf(t, detect(DetectorConfig{MinLevelDBm0: -25}, sequence(Digits, 50, 50, -25, -25, 0, 0), 160)); got != Digits {
		t.Errorf("-25 dBm0 with MinLevelDBm0 -25: detected %q, want all", got)
	}
}

// TestQ24Noise: 1000 random digits (50 ms on, 50 ms off) in white noise
// 15 dB below each tone must all be decoded, in order, with nothing extra;
// noise alone and a 1004 Hz test tone give nothing.
func TestQ24Noise(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, level := range []float64{-20, -30} {
		want := make([]byte, 1000)
		for i := range want {
			want[i] = Digits[r.IntN(16)]
		}
		x := sequence(string(want), 50, 50, level, level, 0, 0)
		addNoise(x, level-15, r)
		got := digitsOf(t, detect(DetectorConfig{}, x, 160))
		ok := 0
		for i := range min(len(got), len(want)) {
			if got[i] == want[i] {
				ok++
			}
		}
		t.Logf("S/N 15 dB, %v dBm0 per tone: %d/1000 decoded, %d events", level, ok, len(got))
		if got != string(want) {
			t.Errorf("S/N 15 dB, %v dBm0 per tone: %d/1000 decoded in place, %d digits detected", level, ok, len(got))
		}
	}
	for _, level := range []float64{-40, -20, -6} {
		x := make([]int16, 10*SampleRate)
		addNoise(x, level, r)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
			t.Errorf("white noise at %v dBm0: detected %q", level, got)
		}
	}
	for _, level := range []float64{0, -10, -30} {
		x := make([]int16, 5*SampleRate)
		measure.Sine(x, 1004, level, 0)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
			t.Errorf("1004 Hz at %v dBm0: detected %q", level, got)
		}
	}
}

// TestQ24Duration: 40 ms tones with 40 ms pauses are all detected; 20 ms
// bursts never.
func TestQ24Duration(t *testing.T) {
	for _, level := range []float64{-4, -25, -40} {
		x := sequence(Digits+Digits, 40, 40, level, level, 0, 0)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits+Digits {
			t.Errorf("40/40 ms at %v dBm0: detected %q, want all", level, got)
		}
		x = sequence(Digits+Digits, 20, 30, level, level, 0, 0)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
			t.Errorf("20 ms bursts at %v dBm0: detected %q, want none", level, got)
		}
	}
}

// TestQ24G711: digits decode after A-law and µ-law coding across the
// dynamic range, with twist and frequency offset.
func TestQ24G711(t *testing.T) {
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		for _, c := range []struct{ low, high, off float64 }{
			{-4, -4, 0}, {-25, -25, 0.015}, {-42, -42, 0}, {-10, -18, -0.015}, {-24, -20, 0.015}, {-38, -34, 0},
		} {
			x := viaLaw(sequence(Digits, 50, 50, c.low, c.high, c.off, -c.off), law)
			if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits {
				t.Errorf("%v, low %v high %v dBm0, offset %+.1f%%: detected %q, want all", law, c.low, c.high, 100*c.off, got)
			}
		}
		x := viaLaw(sequence(Digits, 50, 50, -10, -10, 0.035, -0.035), law)
		if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != "" {
			t.Errorf("%v, ±3.5%%: detected %q, want none", law, got)
		}
	}
	cfg := GenConfig{LowDBm0: -4, HighDBm0: -4, On: 50 * time.Millisecond, Off: 50 * time.Millisecond}
	x := viaLaw(generate(cfg, Digits), g711.Alaw)
	if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits {
		t.Errorf("generator through A-law: detected %q", got)
	}
}

// TestQ24DialTone: digits are decoded with the zone's dial tone 11 dB
// below each DTMF tone underneath (the caller dials before the exchange
// removes dial tone).
func TestQ24DialTone(t *testing.T) {
	for _, zone := range []string{"us", "de", "uk", "fr", "jp"} {
		z, err := tone.LookupZone(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, level := range []float64{-8, -25} {
			x := sequence(Digits, 50, 50, level, level, 0, 0)
			dial := dialTone(t, z, len(x), level-11)
			for i := range x {
				x[i] += dial[i]
			}
			if got := digitsOf(t, detect(DetectorConfig{}, x, 160)); got != Digits {
				t.Errorf("%s dial tone, DTMF at %v dBm0: detected %q, want all", zone, level, got)
			}
			if got := digitsOf(t, detect(DetectorConfig{}, dial, 160)); got != "" {
				t.Errorf("%s dial tone alone: detected %q", zone, got)
			}
		}
	}
}

// dialTone renders n samples of z's dial tone with its components scaled
// so that their sum has the given level.
func dialTone(t *testing.T, z *tone.Zone, n int, level float64) []int16 {
	t.Helper()
	dt := z.Tones[tone.Dial]
	segs := append(append([]tone.Segment(nil), dt.First...), dt.Loop...)
	if len(segs) == 0 || len(segs[0].Components) == 0 {
		t.Fatalf("zone %s: no dial tone", z.Name)
	}
	comps := append([]tone.Component(nil), segs[0].Components...)
	total := 0.0
	for _, c := range comps {
		total += math.Pow(10, c.LevelDBm0/10)
	}
	shift := level - 10*math.Log10(total)
	for i := range comps {
		comps[i].LevelDBm0 += shift
	}
	var g tone.Generator
	g.Start(tone.Tone{Loop: []tone.Segment{{Components: comps}}})
	x := make([]int16, n)
	g.Fill(x)
	if l := measure.LevelDBm0(x); math.Abs(l-level) > 0.5 {
		t.Fatalf("zone %s: dial tone at %.1f dBm0, want %.1f", z.Name, l, level)
	}
	return x
}

// TestQ24TalkOff runs the talk-off corpus (over an hour of speech in 17
// languages and of music) and three minutes of synthetic voiced speech
// through the detector: at most 2 false digits per hour.
func TestQ24TalkOff(t *testing.T) {
	if testing.Short() {
		t.Skip("talk-off corpus in -short mode")
	}
	clips, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		clips = append(clips, corpus.Clip{Name: fmt.Sprintf("synthetic speech %d", seed), Samples: speech(60, seed)})
	}
	total := corpus.Duration(clips)
	hits := 0
	for _, c := range clips {
		d := NewDetector(DetectorConfig{})
		for i := 0; i < len(c.Samples); i += 160 {
			for _, e := range d.Process(c.Samples[i:min(i+160, len(c.Samples))]) {
				if !e.End {
					hits++
					t.Logf("%s: false digit %c at %.2f s", c.Name, e.Digit, float64(i)/SampleRate)
				}
			}
		}
	}
	perHour := float64(hits) / total.Hours()
	t.Logf("talk-off: %d false digits in %v of speech and music (%.2f per hour)", hits, total.Round(time.Second), perHour)
	if total < time.Hour || perHour > 2 {
		t.Errorf("talk-off: %d false digits in %v (%.2f per hour), want at most 2 per hour over at least 1 h", hits, total.Round(time.Second), perHour)
	}
}

// TestDetectorFillin: lost audio up to 60 ms inside a digit does not split
// it; a longer gap ends it; a digit after a gap is detected afresh.
func TestDetectorFillin(t *testing.T) {
	run := func(gap int) string {
		d := NewDetector(DetectorConfig{})
		x := sequence("5", 150, 0, -10, -10, 0, 0)
		var ev []Event
		ev = append(ev, d.Process(x)...)
		ev = append(ev, d.Fillin(gap)...)
		ev = append(ev, d.Process(sequence("5", 150, 100, -10, -10, 0, 0))...)
		ev = append(ev, d.Fillin(400)...)
		ev = append(ev, d.Process(sequence("8", 60, 100, -10, -10, 0, 0))...)
		return digitsOf(t, ev)
	}
	for _, c := range []struct {
		gap  int
		want string
	}{{80, "58"}, {320, "58"}, {480, "58"}, {640, "558"}, {8000, "558"}} {
		if got := run(c.gap); got != c.want {
			t.Errorf("gap of %d samples: detected %q, want %q", c.gap, got, c.want)
		}
	}
	d := NewDetector(DetectorConfig{})
	if n := testing.AllocsPerRun(100, func() { d.Fillin(160) }); n != 0 {
		t.Errorf("Fillin allocates %v", n)
	}
}

// TestGoertzelBank compares the architecture's Goertzel bank with the
// portable one.
func TestGoertzelBank(t *testing.T) {
	d := NewDetector(DetectorConfig{})
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		var x [blockLen]int16
		for i := range x {
			switch trial % 3 {
			case 0:
				x[i] = int16(r.IntN(65536) - 32768)
			default:
				x[i] = int16(8000*math.Sin(float64(i)*0.7+float64(trial)) + 200*r.NormFloat64())
			}
		}
		var got, want bankState
		goertzelBank(&x, &d.c32, &got)
		goertzelBankGeneric(&x, &d.c32, &want)
		g := [][8]float32{got.a1, got.a2, got.b1, got.b2}
		w := [][8]float32{want.a1, want.a2, want.b1, want.b2}
		for k := range g {
			for i := range 8 {
				if diff := math.Abs(float64(g[k][i] - w[k][i])); diff > 1e-5*math.Abs(float64(w[k][i]))+1e-2 {
					t.Fatalf("trial %d: state %d[%d] = %v, portable %v", trial, k, i, g[k][i], w[k][i])
				}
			}
		}
	}
}

// TestHalfEnergies compares the architecture's energy sums with the
// portable ones, including full-scale negative samples.
func TestHalfEnergies(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := range 100 {
		var x [blockLen]int16
		for i := range x {
			x[i] = int16(r.IntN(65536) - 32768)
			if trial == 0 {
				x[i] = -32768
			}
		}
		g1, g2 := halfEnergies(&x)
		w1, w2 := halfEnergiesGeneric(&x)
		if g1 != w1 || g2 != w2 {
			t.Fatalf("trial %d: energies %d %d, portable %d %d", trial, g1, g2, w1, w2)
		}
	}
}

// benchDetector reports channels per core for a workload.
func benchDetector(b *testing.B, x []int16) {
	d := NewDetector(DetectorConfig{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(x[i : i+160])
		i += 160
		if i+160 > len(x) {
			i = 0
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/50, "ch/core")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkDetectorDigits: digits 50 ms on, 50 ms off in line noise at
// -50 dBm0.
func BenchmarkDetectorDigits(b *testing.B) {
	x := sequence("1234567890*#ABCD", 50, 50, -10, -10, 0, 0)
	addNoise(x, -50, rand.New(rand.NewPCG(1, 1)))
	benchDetector(b, x)
}

// BenchmarkDetectorSpeech: the first minutes of the talk-off corpus.
func BenchmarkDetectorSpeech(b *testing.B) {
	clips, err := corpus.Load()
	if err != nil {
		b.Fatal(err)
	}
	var x []int16
	for _, c := range clips {
		if len(x) > 120*SampleRate {
			break
		}
		x = append(x, c.Samples...)
	}
	benchDetector(b, x)
}

// BenchmarkDetectorNoise: white noise at -20 dBm0, which passes every
// early exit, the worst case.
func BenchmarkDetectorNoise(b *testing.B) {
	x := make([]int16, 10*SampleRate)
	addNoise(x, -20, rand.New(rand.NewPCG(1, 1)))
	benchDetector(b, x)
}
