package fax

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
	"tipring/dsp/internal/testsig"

	"tipring/dsp/g711"
	"tipring/dsp/measure"
)

// gen renders d of the tone cfg describes.
func gen(cfg GenConfig, d time.Duration) []int16 {
	x := make([]int16, samples(d))
	NewGenerator(cfg).Fill(x)
	return x
}

// detect runs x through a new detector in 20 ms frames.
func detect(x []int16) []Event {
	d := NewDetector(Config{})
	var evs []Event
	for i := 0; i < len(x); i += 160 {
		if ev, ok := d.Process(x[i:min(i+160, len(x))]); ok {
			evs = append(evs, ev)
		}
	}
	// Flush: half a second of silence ends any tone.
	z := make([]int16, 160)
	for range 25 {
		if ev, ok := d.Process(z); ok {
			evs = append(evs, ev)
		}
	}
	return evs
}

// tones lists the tones reported (not their ends).
func tones(evs []Event) []Tone {
	var t []Tone
	for _, e := range evs {
		if !e.End {
			t = append(t, e.Tone)
		}
	}
	return t
}

func last(evs []Event) Tone {
	t := tones(evs)
	if len(t) == 0 {
		return None
	}
	return t[len(t)-1]
}

func ulaw(x []int16) []int16 {
	b := make([]byte, len(x))
	g711.UlawEncode(b, x)
	y := make([]int16, len(x))
	g711.UlawDecode(y, b)
	return y
}

func TestGenerator(t *testing.T) {
	x := gen(GenConfig{Tone: CNG, LevelDBm0: -10}, 7*time.Second)
	on := x[80:3920]
	if f := measure.Frequency(on); math.Abs(f-1100) > 0.5 {
		t.Errorf("CNG frequency %.2f Hz", f)
	}
	if l := measure.LevelDBm0(on); math.Abs(l+10) > 0.1 {
		t.Errorf("CNG level %.2f dBm0", l)
	}
	// Cadence: on for exactly 4000 samples, off for 24000, repeated.
	for i, v := range x {
		inOn := i%28000 < 4000
		if !inOn && v != 0 {
			t.Fatalf("CNG sample %d = %d in the 3 s pause", i, v)
		}
	}
	if measure.LevelDBm0(x[28000:32000]) < -10.2 {
		t.Error("second CNG burst missing")
	}
	a := gen(GenConfig{Tone: ANSam}, time.Second)
	if f := measure.Frequency(a); math.Abs(f-2100) > 0.5 {
		t.Errorf("ANSam carrier %.2f Hz", f)
	}
	// Sidebands of 20 % AM are 20 dB below the carrier.
	c := measure.ToneLevelDBm0(a, 2100)
	sb := measure.ToneLevelDBm0(a, 2115)
	if d := c - sb; math.Abs(d-20) > 0.3 {
		t.Errorf("ANSam sideband %.2f dB below carrier, want 20", d)
	}
	// Phase reversal: the tone one sample after 450 ms is the negative of
	// the unreversed continuation.
	p := gen(GenConfig{Tone: ANSPR}, time.Second)
	q := gen(GenConfig{Tone: ANS}, time.Second)
	for i := 3595; i < 3605; i++ {
		if i < 3600 && p[i] != q[i] || i >= 3600 && p[i] != -q[i] {
			t.Fatalf("reversal at sample %d: %d vs unreversed %d", i, p[i], q[i])
		}
	}
}

// TestT30CNGFrequency: accepted within 1100 ±46 Hz, rejected beyond ±80 Hz.
func TestT30CNGFrequency(t *testing.T) {
	for _, off := range []float64{-46, -38, -20, 0, 20, 38, 46} {
		evs := detect(gen(GenConfig{Tone: CNG, LevelDBm0: -20, FreqOffset: off}, 8*time.Second))
		if n := len(tones(evs)); n != 3 || last(evs) != CNG {
			t.Errorf("CNG %+.0f Hz: %v, want 3 x CNG", off, tones(evs))
		}
	}
	for _, off := range []float64{-200, -100, -80, 80, 100, 200} {
		if evs := detect(gen(GenConfig{Tone: CNG, LevelDBm0: -20, FreqOffset: off}, 8*time.Second)); len(evs) != 0 {
			t.Errorf("CNG %+.0f Hz: %v, want nothing", off, tones(evs))
		}
	}
}

// TestV25ANSFrequency: CED/ANS accepted within 2100 ±23 Hz, rejected
// beyond ±80 Hz.
func TestV25ANSFrequency(t *testing.T) {
	for _, off := range []float64{-23, -15, 0, 15, 23} {
		evs := detect(gen(GenConfig{Tone: ANS, LevelDBm0: -20, FreqOffset: off}, 3*time.Second))
		if got := tones(evs); len(got) != 1 || got[0] != ANS {
			t.Errorf("ANS %+.0f Hz: %v, want ANS", off, got)
		}
	}
	for _, off := range []float64{-200, -100, -80, 80, 100, 200} {
		if evs := detect(gen(GenConfig{Tone: ANS, LevelDBm0: -20, FreqOffset: off}, 3*time.Second)); len(evs) != 0 {
			t.Errorf("ANS %+.0f Hz: %v, want nothing", off, tones(evs))
		}
	}
}

// TestT30Levels: every tone is detected from -5 to -43 dBm0, linear and
// through µ-law, and never at -44 dBm0 or below.
func TestT30Levels(t *testing.T) {
	for _, tone := range []Tone{CNG, ANS, ANSPR, ANSam, ANSamPR} {
		d := 4 * time.Second
		if tone == CNG {
			d = 8 * time.Second
		}
		for _, lvl := range []float64{-5, -10, -20, -30, -40, -42, -43} {
			x := gen(GenConfig{Tone: tone, LevelDBm0: lvl}, d)
			for _, law := range []string{"linear", "µ-law"} {
				if law == "µ-law" {
					x = ulaw(x)
				}
				if got := last(detect(x)); got != tone {
					t.Errorf("%v at %v dBm0 (%s): got %v", tone, lvl, law, got)
				}
			}
		}
		for _, lvl := range []float64{-44, -45, -50, -60} {
			x := gen(GenConfig{Tone: tone, LevelDBm0: lvl}, d)
			if evs := detect(x); len(evs) != 0 {
				t.Errorf("%v at %v dBm0: %v, want nothing", tone, lvl, tones(evs))
			}
			if evs := detect(ulaw(x)); len(evs) != 0 {
				t.Errorf("%v at %v dBm0 (µ-law): %v, want nothing", tone, lvl, tones(evs))
			}
		}
	}
}

// TestV25PhaseReversals: reversals are recognised only 425-475 ms apart.
func TestV25PhaseReversals(t *testing.T) {
	for _, tone := range []Tone{ANSPR, ANSamPR} {
		for _, ms := range []int{425, 430, 450, 470, 475} {
			x := gen(GenConfig{Tone: tone, LevelDBm0: -15, ReversalInterval: time.Duration(ms) * time.Millisecond}, 3*time.Second)
			if got := last(detect(x)); got != tone {
				t.Errorf("%v, reversals every %d ms: got %v", tone, ms, got)
			}
		}
		for _, ms := range []int{200, 300, 400, 410, 490, 500, 600} {
			x := gen(GenConfig{Tone: tone, LevelDBm0: -15, ReversalInterval: time.Duration(ms) * time.Millisecond}, 3*time.Second)
			if got := last(detect(x)); got != tone-1 {
				t.Errorf("%v, reversals every %d ms: got %v, want %v", tone, ms, got, tone-1)
			}
		}
	}
}

// TestV8ANSamDepth: 15 ±1 Hz modulation deeper than 15 % is ANSam,
// shallower than 10 % is plain ANS.
func TestV8ANSamDepth(t *testing.T) {
	for _, f := range []float64{14, 14.5, 15, 15.5, 16} {
		for _, depth := range []float64{0.151, 0.17, 0.2, 0.25} {
			x := gen(GenConfig{Tone: ANSam, LevelDBm0: -20, AMFreq: f, AMDepth: depth}, 3*time.Second)
			if got := tones(detect(x)); len(got) != 1 || got[0] != ANSam {
				t.Errorf("AM %.1f Hz depth %.0f %%: %v, want ANSam", f, depth*100, got)
			}
		}
		for _, depth := range []float64{-1, 0.03, 0.06, 0.099} {
			x := gen(GenConfig{Tone: ANSam, LevelDBm0: -20, AMFreq: f, AMDepth: depth}, 3*time.Second)
			if got := tones(detect(x)); len(got) != 1 || got[0] != ANS {
				t.Errorf("AM %.1f Hz depth %.0f %%: %v, want ANS", f, depth*100, got)
			}
		}
	}
}

// TestAnswerToneEnd: a detected answer tone reports its end.
func TestAnswerToneEnd(t *testing.T) {
	x := append(gen(GenConfig{Tone: ANSPR, LevelDBm0: -12}, 3300*time.Millisecond), make([]int16, 4000)...)
	evs := detect(x)
	if len(evs) != 3 || evs[0].Tone != ANS || evs[1].Tone != ANSPR || !evs[2].End || evs[2].Tone != ANSPR {
		t.Fatalf("events %+v, want ANS, /ANS, end of /ANS", evs)
	}
	if math.Abs(evs[1].LevelDBm0+12) > 0.2 || math.Abs(evs[1].Freq-2100) > 1 {
		t.Errorf("/ANS measured at %.2f dBm0, %.1f Hz", evs[1].LevelDBm0, evs[1].Freq)
	}
}

// TestT30Noise: tones at -35 dBm0 with white noise 20 dB below (over the
// whole band) are still detected.
func TestT30Noise(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, tone := range []Tone{CNG, ANS, ANSPR, ANSam, ANSamPR} {
		x := gen(GenConfig{Tone: tone, LevelDBm0: -35}, 8*time.Second)
		sigma := amplitude(-55) / math.Sqrt2
		for i := range x {
			x[i] += int16(math.Round(sigma * r.NormFloat64()))
		}
		if got := last(detect(ulaw(x))); got != tone {
			t.Errorf("%v at -35 dBm0 in noise: got %v", tone, got)
		}
	}
}

// TestT30TalkOff runs ten minutes of synthetic speech at three levels
// through the detector: no tone may be reported.
func TestT30TalkOff(t *testing.T) {
	minutes := 10
	if testing.Short() {
		minutes = 2
	}
	for seed := range uint64(minutes) {
		for _, lvl := range []float64{-10, -20, -30} {
			x := speech(60*SampleRate, seed, lvl)
			if evs := detect(ulaw(x)); len(evs) != 0 {
				t.Errorf("speech minute %d at %v dBm0: %+v", seed, lvl, evs)
			}
		}
	}
}

func TestAllocs(t *testing.T) {
	x := gen(GenConfig{Tone: ANSamPR}, 2*time.Second)
	d := NewDetector(Config{})
	g := NewGenerator(GenConfig{Tone: CNG})
	f := make([]int16, 160)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		d.Process(x[i*160 : i*160+160])
		g.Fill(f)
		i = (i + 1) % 90
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func BenchmarkDetector(b *testing.B) {
	x := speech(SampleRate*4, 1, -15)
	d := NewDetector(Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(x[i*160 : i*160+160])
		i = (i + 1) % 200
	}
	b.ReportMetric(float64(b.N)*20e6/float64(b.Elapsed().Nanoseconds()), "ch/core")
}

func BenchmarkGenerator(b *testing.B) {
	g := NewGenerator(GenConfig{Tone: ANSamPR})
	f := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(f)
	}
	b.ReportMetric(float64(b.N)*20e6/float64(b.Elapsed().Nanoseconds()), "ch/core")
}

// TestT30CNGCadence: only 0.4-0.7 s bursts of 1100 Hz are CNG (T.30:
// 0.5 s), and a burst whose level decays like a struck note is not.
func TestT30CNGCadence(t *testing.T) {
	for _, c := range []struct {
		ms   int
		want bool
	}{{250, false}, {350, false}, {425, true}, {500, true}, {575, true}, {650, true}, {800, false}, {3000, false}} {
		x := make([]int16, 2*SampleRate+c.ms*8)
		measure.Sine(x[SampleRate:SampleRate+c.ms*8], 1100, -20, 0)
		if got := len(detect(x)) == 1; got != c.want {
			t.Errorf("%d ms of 1100 Hz: %v", c.ms, detect(x))
		}
	}
	x := make([]int16, 2*SampleRate)
	measure.Sine(x[4000:8000], 1100, -15, 0)
	for i := 4000; i < 8000; i++ {
		x[i] = int16(float64(x[i]) * math.Exp(-float64(i-4000)/2500)) // -14 dB over 0.5 s
	}
	if evs := detect(x); len(evs) != 0 {
		t.Errorf("decaying 1100 Hz note: %v", evs)
	}
}

func speech(n int, seed uint64, levelDBm0 float64) []int16 { return testsig.Speech(n, seed, levelDBm0) }
