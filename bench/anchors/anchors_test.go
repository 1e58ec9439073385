//go:build anchors && cgo

package anchors

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"text/tabwriter"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/dtmf"
	"tipring/dsp/echo"
	"tipring/dsp/g711"
)

const frame = 160

// dBm0Ref is the RMS value of a 0 dBm0 sine in 16-bit linear units.
const dBm0Ref = 16077.8

func noise(x []int16, level float64, r *rand.Rand) {
	s := dBm0Ref * math.Pow(10, level/20)
	for i := range x {
		x[i] = int16(max(-32768, min(32767, math.Round(float64(x[i])+r.NormFloat64()*s))))
	}
}

func digitsWorkload() []int16 {
	g := dtmf.NewGenerator(dtmf.GenConfig{LowDBm0: -10, HighDBm0: -10, On: 50 * time.Millisecond, Off: 50 * time.Millisecond})
	if err := g.Queue(dtmf.Digits); err != nil {
		panic(err)
	}
	x := make([]int16, 16*800)
	for i := 0; i < len(x); i += frame {
		g.Fill(x[i : i+frame])
	}
	noise(x, -50, rand.New(rand.NewPCG(1, 1)))
	return x
}

func noiseWorkload() []int16 {
	x := make([]int16, 10*8000)
	noise(x, -20, rand.New(rand.NewPCG(1, 1)))
	return x
}

func toneWorkload() []int16 {
	x := make([]int16, frame)
	a := dBm0Ref * math.Sqrt2 * math.Pow(10, -10.0/20)
	for i := range x {
		x[i] = int16(math.Round(a * math.Sin(2*math.Pi*1004*float64(i)/8000)))
	}
	return x
}

func cidWorkload(t *testing.T) []int16 {
	s, err := cid.NewSender(cid.SenderConfig{Scheme: cid.Bellcore})
	if err != nil {
		t.Fatal(err)
	}
	m := cid.Message{Type: cid.TypeMDMF, Time: time.Date(2025, time.December, 31, 23, 59, 0, 0, time.UTC), Number: "6095551212", Name: "JOHN DOE"}
	if err := s.Send(&m); err != nil {
		t.Fatal(err)
	}
	x := make([]int16, 4000) // leading silence
	f := make([]int16, frame)
	for s.Busy() {
		n := s.Fill(f)
		x = append(x, f[:n]...)
	}
	x = append(x, make([]int16, 4000)...)
	return x[:len(x)/frame*frame]
}

// echoWorkload returns far-end speech-like noise (white noise shaped by a
// 4 Hz syllable envelope) and the near-end signal: its echo through 6 ms
// of delay and a short dispersive path at 10 dB ERL, plus -60 dBm0 noise.
func echoWorkload() (rin, sin []int16) {
	r := rand.New(rand.NewPCG(3, 3))
	n := 8 * 8000
	rin = make([]int16, n)
	sin = make([]int16, n)
	s := dBm0Ref * math.Pow(10, -15.0/20)
	lp := 0.0
	for i := range rin {
		env := 0.3 + 0.7*math.Abs(math.Sin(2*math.Pi*2*float64(i)/8000))
		lp = 0.6*lp + 0.4*r.NormFloat64()
		rin[i] = int16(max(-32768, min(32767, s*env*lp*1.6)))
	}
	h := []float64{0.05, 0.2, 0.1, -0.06, 0.03}
	nn := dBm0Ref * math.Pow(10, -60.0/20)
	for i := range sin {
		var v float64
		for k, c := range h {
			if j := i - 48 - k; j >= 0 {
				v += c * float64(rin[j])
			}
		}
		sin[i] = int16(math.Round(v*1.25 + nn*r.NormFloat64()))
	}
	return rin, sin
}

// benchMuted is testing.Benchmark with standard output muted.
func benchMuted(fn func(*testing.B)) (r testing.BenchmarkResult) {
	muted(func() { r = testing.Benchmark(fn) })
	return r
}

// perCore turns a benchmark of one 160-sample frame per op into channels
// per core.
func perCore(r testing.BenchmarkResult) float64 {
	return float64(r.N) / r.T.Seconds() / 50
}

type row struct {
	name         string
	ours, theirs testing.BenchmarkResult
	check        string
}

// TestAnchors runs every workload through tipring and spandsp and prints
// the table.
func TestAnchors(t *testing.T) {
	var rows []row
	digits, wn := digitsWorkload(), noiseWorkload()

	for _, w := range []struct {
		name string
		x    []int16
	}{{"DTMF digits", digits}, {"DTMF noise", wn}} {
		x := w.x
		// Both must find the 16 digits, and nothing in noise.
		ours := dtmf.NewDetector(dtmf.DetectorConfig{})
		var got []byte
		for i := 0; i < len(x); i += frame {
			for _, e := range ours.Process(x[i : i+frame]) {
				if !e.End {
					got = append(got, e.Digit)
				}
			}
		}
		theirs := newSpanDTMF()
		for i := 0; i < len(x); i += frame {
			theirs.process(x[i:i+frame], true)
		}
		theirs.free()
		check := fmt.Sprintf("digits: ours %q, spandsp %q", got, theirs.digits)
		rows = append(rows, row{
			name: w.name,
			ours: testing.Benchmark(func(b *testing.B) {
				d := dtmf.NewDetector(dtmf.DetectorConfig{})
				i := 0
				for b.Loop() {
					d.Process(x[i : i+frame])
					if i += frame; i+frame > len(x) {
						i = 0
					}
				}
			}),
			theirs: testing.Benchmark(func(b *testing.B) {
				d := newSpanDTMF()
				defer d.free()
				i := 0
				for b.Loop() {
					d.process(x[i:i+frame], false)
					if i += frame; i+frame > len(x) {
						i = 0
					}
				}
			}),
			check: check,
		})
	}

	tone := toneWorkload()
	for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
		codes, out := make([]byte, frame), make([]int16, frame)
		sp := newSpanG711(law == g711.Alaw)
		spCodes := make([]byte, frame)
		sp.encode(spCodes, tone)
		law.Encode(codes, tone)
		same := 0
		for i := range codes {
			if codes[i] == spCodes[i] {
				same++
			}
		}
		sp.free()
		rows = append(rows, row{
			name: "G.711 " + law.String() + " enc+dec",
			ours: testing.Benchmark(func(b *testing.B) {
				for b.Loop() {
					law.Encode(codes, tone)
					law.Decode(out, codes)
				}
			}),
			theirs: testing.Benchmark(func(b *testing.B) {
				g := newSpanG711(law == g711.Alaw)
				defer g.free()
				for b.Loop() {
					g.encode(codes, tone)
					g.decode(out, codes)
				}
			}),
			check: fmt.Sprintf("codes equal: %d/%d", same, frame),
		})
	}

	cx := cidWorkload(t)
	{
		r, err := cid.NewReceiver(cid.ReceiverConfig{Scheme: cid.Bellcore})
		if err != nil {
			t.Fatal(err)
		}
		ok := 0
		for i := 0; i < len(cx); i += frame {
			for _, res := range r.Process(cx[i : i+frame]) {
				if res.Err == nil {
					ok++
				}
			}
		}
		sp := newSpanCID()
		for i := 0; i < len(cx); i += frame {
			sp.process(cx[i : i+frame])
		}
		check := fmt.Sprintf("messages: ours %d, spandsp %d", ok, sp.messages())
		sp.free()
		rows = append(rows, row{
			name: "Bell 202 caller ID rx",
			ours: testing.Benchmark(func(b *testing.B) {
				r, _ := cid.NewReceiver(cid.ReceiverConfig{Scheme: cid.Bellcore})
				i := 0
				for b.Loop() {
					r.Process(cx[i : i+frame])
					if i += frame; i+frame > len(cx) {
						i = 0
					}
				}
			}),
			theirs: testing.Benchmark(func(b *testing.B) {
				c := newSpanCID()
				defer c.free()
				i := 0
				for b.Loop() {
					c.process(cx[i : i+frame])
					if i += frame; i+frame > len(cx) {
						i = 0
					}
				}
			}),
			check: check,
		})
	}

	rin, sin := echoWorkload()
	{
		out := make([]int16, frame)
		rows = append(rows, row{
			name: "echo canceller 32 ms",
			ours: testing.Benchmark(func(b *testing.B) {
				c, err := echo.New(echo.Config{Tail: 32 * time.Millisecond, NLP: true, HighPass: true, ToneDisable: true})
				if err != nil {
					b.Fatal(err)
				}
				i := 0
				for b.Loop() {
					c.Process(rin[i:i+frame], sin[i:i+frame], out)
					if i += frame; i+frame > len(rin) {
						i = 0
					}
				}
			}),
			theirs: benchMuted(func(b *testing.B) {
				e := newSpanEcho(256, true)
				defer e.free()
				i := 0
				for b.Loop() {
					e.process(rin[i:i+frame], sin[i:i+frame], out)
					if i += frame; i+frame > len(rin) {
						i = 0
					}
				}
			}),
			check: fmt.Sprintf("ERLE after 8 s: ours %.1f dB, spandsp %.1f dB", erleOurs(t, rin, sin), erleSpan(rin, sin)),
		})
	}

	fmt.Println("spandsp 0.0.6's echo canceller formats debugging lines from echo_can_update (muted here, still paid for).")
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "workload\ttipring ch/core\tspandsp ch/core\ttipring/spandsp\t")
	for _, r := range rows {
		o, s := perCore(r.ours), perCore(r.theirs)
		fmt.Fprintf(w, "%s\t%.0f\t%.0f\t%.2f\t\n", r.name, o, s, o/s)
	}
	w.Flush()
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("%s — %s\n", r.name, r.check)
	}
}

// erleOurs measures echo return loss enhancement (sin power over residual
// power) over the last 2 s, with the NLP off so the filter is measured.
func erleOurs(t *testing.T, rin, sin []int16) float64 {
	c, err := echo.New(echo.Config{Tail: 32 * time.Millisecond, HighPass: true})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, len(sin))
	for i := 0; i+frame <= len(sin); i += frame {
		c.Process(rin[i:i+frame], sin[i:i+frame], out[i:i+frame])
	}
	// The canceller delays Sout by echo.Latency.
	lag := int(echo.Latency * 8000 / time.Second)
	return ratioDB(sin[len(sin)-16000-lag:len(sin)-lag], out[len(out)-16000:])
}

func erleSpan(rin, sin []int16) float64 {
	e := newSpanEcho(256, false)
	defer e.free()
	out := make([]int16, len(sin))
	muted(func() {
		for i := 0; i+frame <= len(sin); i += frame {
			e.process(rin[i:i+frame], sin[i:i+frame], out[i:i+frame])
		}
	})
	return ratioDB(sin[len(sin)-16000:], out[len(out)-16000:])
}

func ratioDB(a, b []int16) float64 {
	var pa, pb float64
	for i := range a {
		pa += float64(a[i]) * float64(a[i])
		pb += float64(b[i]) * float64(b[i])
	}
	return 10 * math.Log10(pa/max(pb, 1))
}
