package dtmf

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tipring/dsp/measure"
)

// detect feeds x to a new detector in frames of the given size and returns
// all events.
func detect(cfg DetectorConfig, x []int16, frame int) []Event {
	d := NewDetector(cfg)
	var ev []Event
	for i := 0; i < len(x); i += frame {
		ev = append(ev, d.Process(x[i:min(i+frame, len(x))])...)
	}
	// Flush with silence so that a final digit ends.
	ev = append(ev, d.Process(make([]int16, 3*blockLen))...)
	return ev
}

// digitsOf returns the digits of the start events, checking that starts and
// ends alternate for the same digit.
func digitsOf(t *testing.T, ev []Event) string {
	t.Helper()
	var b strings.Builder
	var open byte
	for _, e := range ev {
		switch {
		case !e.End && open == 0:
			open = e.Digit
			b.WriteByte(e.Digit)
		case e.End && e.Digit == open:
			open = 0
		default:
			t.Fatalf("events out of order: %+v", ev)
		}
	}
	if open != 0 {
		t.Fatalf("digit %c never ended", open)
	}
	return b.String()
}

// dual writes a DTMF pair with fractional frequency offsets.
func dual(x []int16, digit byte, low, high, lowOff, highOff float64) {
	r, c, _ := Freqs(digit)
	y := make([]int16, len(x))
	measure.Sine(x, r*(1+lowOff), low, 0.4)
	measure.Sine(y, c*(1+highOff), high, 1.9)
	for i := range x {
		x[i] += y[i]
	}
}

// sequence renders every digit as on ms of tone and off ms of silence, with
// an initial odd offset so that blocks and tones are not aligned.
func sequence(digits string, on, off int, low, high, lowOff, highOff float64) []int16 {
	x := make([]int16, 37)
	for i := range len(digits) {
		t := make([]int16, on*8)
		dual(t, digits[i], low, high, lowOff, highOff)
		x = append(x, t...)
		x = append(x, make([]int16, off*8)...)
	}
	return x
}

func generate(cfg GenConfig, digits string) []int16 {
	g := NewGenerator(cfg)
	if err := g.Queue(digits); err != nil {
		panic(err)
	}
	var x []int16
	frame := make([]int16, 160)
	for g.Busy() {
		n := g.Fill(frame)
		x = append(x, frame[:n]...)
	}
	return x
}

// TestQ24AllDigits sends all 16 digits from the generator at -4 dBm0 per
// tone, 50 ms on / 50 ms off, and detects them with various frame sizes.
func TestQ24AllDigits(t *testing.T) {
	cfg := GenConfig{LowDBm0: -4, HighDBm0: -4, On: 50 * time.Millisecond, Off: 50 * time.Millisecond}
	x := generate(cfg, Digits)
	if len(x) != 16*800 {
		t.Fatalf("generated %d samples, want %d", len(x), 16*800)
	}
	for _, frame := range []int{160, 1, 77, 1000} {
		ev := detect(DetectorConfig{}, x, frame)
		if got := digitsOf(t, ev); got != Digits {
			t.Errorf("frame %d: detected %q, want %q", frame, got, Digits)
		}
		for _, e := range ev {
			if e.End && (e.Duration < 38*time.Millisecond || e.Duration > 64*time.Millisecond) {
				t.Errorf("frame %d: %c lasted %v, want about 50 ms", frame, e.Digit, e.Duration)
			}
		}
	}
}

// speech synthesises a voiced-speech-like signal: a harmonic series whose
// pitch (80-320 Hz) glides through every syllable (intonation) with a
// slight 5 Hz tremor, shaped by three moving formants, in syllables of
// 80-400 ms separated by short pauses.
func speech(seconds int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]int16, seconds*SampleRate)
	const nh = 48
	var ph [nh]float64
	var form, formTarget [3]float64
	bands := [3][2]float64{{250, 900}, {850, 2500}, {2300, 3300}}
	for i := range form {
		form[i] = (bands[i][0] + bands[i][1]) / 2
		formTarget[i] = form[i]
	}
	gain, gainTarget := 0.0, 1.0
	level := measure.Amplitude(-12)
	syl, sylLen := 0, 1
	pStart, pEnd := 150.0, 150.0
	trem := 0.0
	var amps [nh]float64
	for n := range x {
		if syl <= 0 {
			if gainTarget > 0 && r.Float64() < 0.3 {
				gainTarget = 0
				syl = 400 + r.IntN(1600)
			} else {
				gainTarget = 0.3 + 0.7*r.Float64()
				syl = 640 + r.IntN(2560)
			}
			sylLen = syl
			pStart = pEnd
			pEnd = 80 + 240*r.Float64()
			for i := range formTarget {
				formTarget[i] = bands[i][0] + (bands[i][1]-bands[i][0])*r.Float64()
			}
		}
		syl--
		trem += 2 * math.Pi * 5 / SampleRate
		frac := 1 - float64(syl)/float64(sylLen)
		f0 := (pStart + (pEnd-pStart)*frac) * (1 + 0.01*math.Sin(trem))
		gain += (gainTarget - gain) * 0.004
		if n%40 == 0 {
			for i := range form {
				form[i] += (formTarget[i] - form[i]) * 0.08
			}
			var norm float64
			for k := range nh {
				f := float64(k+1) * f0
				a := 0.0
				if f < 3600 {
					for i, F := range form {
						bw := 80.0 + 40*float64(i)
						a += (1 / (1 + (f-F)*(f-F)/(bw*bw))) / float64(1+i)
					}
					a *= 1 / (1 + f/500) // glottal roll-off
				}
				amps[k] = a
				norm += a * a / 2
			}
			for k := range amps {
				amps[k] /= math.Sqrt(norm)
			}
		}
		var v float64
		for k := range nh {
			ph[k] += 2 * math.Pi * float64(k+1) * f0 / SampleRate
			if ph[k] > 2*math.Pi {
				ph[k] -= 2 * math.Pi
			}
			if amps[k] != 0 {
				v += amps[k] * math.Sin(ph[k])
			}
		}
		x[n] = int16(max(-32768, min(32767, v*gain*level/math.Sqrt2)))
	}
	return x
}

// TestQ24DigitAfterDigit: a digit directly followed by another (no gap)
// ends the first and starts the second; a digit held 2 s is one event pair.
func TestQ24DigitAfterDigit(t *testing.T) {
	x := sequence("5", 100, 0, -10, -10, 0, 0)
	x = append(x, sequence("9", 100, 100, -10, -10, 0, 0)...)
	x = append(x, sequence("#", 2000, 50, -10, -10, 0, 0)...)
	ev := detect(DetectorConfig{}, x, 160)
	if got := digitsOf(t, ev); got != "59#" {
		t.Fatalf("detected %q, want 59#", got)
	}
	if e := ev[len(ev)-1]; e.Duration < 1980*time.Millisecond || e.Duration > 2020*time.Millisecond {
		t.Errorf("# lasted %v, want 2 s", e.Duration)
	}
}

func TestDetectorReset(t *testing.T) {
	d := NewDetector(DetectorConfig{})
	x := sequence("7", 60, 0, -10, -10, 0, 0)
	if ev := d.Process(x); len(ev) != 1 || ev[0].Digit != '7' || ev[0].End {
		t.Fatalf("events %+v", ev)
	}
	d.Reset()
	if ev := d.Process(make([]int16, 1000)); len(ev) != 0 {
		t.Fatalf("after Reset: events %+v, want none", ev)
	}
}

func TestDetectorNoAllocs(t *testing.T) {
	d := NewDetector(DetectorConfig{})
	x := sequence("1234", 50, 50, -10, -10, 0, 0)
	i := 0
	if n := testing.AllocsPerRun(200, func() {
		d.Process(x[i : i+160])
		i = (i + 160) % (len(x) - 160)
	}); n != 0 {
		t.Errorf("allocations per frame = %v", n)
	}
}

func TestGeneratorLevelsAndCadence(t *testing.T) {
	x := generate(GenConfig{}, "1D")
	// Defaults: 80 ms on, 80 ms off, -7/-5 dBm0.
	if len(x) != 2*160*8 {
		t.Fatalf("generated %d samples, want %d", len(x), 2*160*8)
	}
	for i, d := range []byte("1D") {
		on := x[i*1280 : i*1280+640]
		off := x[i*1280+640 : (i+1)*1280]
		r, c, _ := Freqs(d)
		if l := measure.ToneLevelDBm0(on, r); math.Abs(l+7) > 0.2 {
			t.Errorf("%c: %v Hz at %.2f dBm0, want -7", d, r, l)
		}
		if l := measure.ToneLevelDBm0(on, c); math.Abs(l+5) > 0.2 {
			t.Errorf("%c: %v Hz at %.2f dBm0, want -5", d, c, l)
		}
		if l := measure.LevelDBm0(off); l != measure.Silence {
			t.Errorf("%c: pause level %.1f dBm0", d, l)
		}
	}
	g := NewGenerator(GenConfig{})
	err := g.Queue("12x4")
	if err == nil || !strings.Contains(err.Error(), `'x'`) || g.Busy() {
		t.Errorf("Queue(12x4) = %v, busy %v", err, g.Busy())
	}
	if g.Fill(make([]int16, 10)) != 0 {
		t.Error("idle Fill != 0")
	}
	if err := g.Queue("abcd"); err != nil {
		t.Errorf("Queue(abcd): %v", err)
	}
}

func TestGeneratorStartStop(t *testing.T) {
	g := NewGenerator(GenConfig{LowDBm0: -10, HighDBm0: -10})
	if err := g.Start('e'); err == nil {
		t.Error("Start('e') accepted")
	}
	if err := g.Start('#'); err != nil {
		t.Fatal(err)
	}
	x := make([]int16, 3*SampleRate)
	for i := 0; i < len(x); i += 160 {
		if n := g.Fill(x[i : i+160]); n != 160 {
			t.Fatalf("Fill = %d during open-ended tone", n)
		}
	}
	g.Stop()
	if g.Busy() || g.Fill(x[:160]) != 0 {
		t.Fatal("busy after Stop")
	}
	ev := detect(DetectorConfig{}, x, 160)
	if digitsOf(t, ev) != "#" || ev[1].Duration < 2900*time.Millisecond {
		t.Errorf("open-ended #: events %+v", ev)
	}
	if f := measure.Frequency(x); math.Abs(f-1477) > 0.5 && math.Abs(f-941) > 0.5 {
		t.Errorf("dominant frequency %.2f Hz", f)
	}
}

// FuzzDetector feeds arbitrary audio (external input): events must pair.
func FuzzDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(160))
	f.Fuzz(func(t *testing.T, data []byte, frame uint8) {
		x := make([]int16, len(data)/2)
		for i := range x {
			x[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		digitsOf(t, detect(DetectorConfig{}, x, int(frame)+1))
	})
}

func BenchmarkGeneratorFill160(b *testing.B) {
	g := NewGenerator(GenConfig{})
	g.Start('5')
	frame := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(frame)
	}
}
