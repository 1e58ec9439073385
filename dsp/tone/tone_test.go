package tone

import (
	"math"
	"testing"
	"time"

	"tipring/dsp/measure"
)

const blk = 8 // envelope block: 1 ms

// seg is one expected segment of the rendered timeline, in samples.
type seg struct {
	start, n int
	comps    []Component
}

// timeline expands t into segments covering at least the first pass of
// First and two passes of Loop (steady segments: 1 s), capped at limit
// samples.
func timeline(t Tone, limit int) []seg {
	var out []seg
	pos := 0
	add := func(s Segment) bool {
		n := int(s.Dur/time.Millisecond) * SampleRate / 1000
		if s.Dur <= 0 {
			n = SampleRate
		}
		out = append(out, seg{pos, n, s.Components})
		pos += n
		return s.Dur > 0 && pos < limit
	}
	for _, s := range t.First {
		if !add(s) {
			return out
		}
	}
	for range 2 {
		for _, s := range t.Loop {
			if !add(s) {
				return out
			}
		}
	}
	return out
}

func render(g *Generator, n, frame int) []int16 {
	out := make([]int16, n)
	for i := 0; i < n; i += frame {
		g.Fill(out[i:min(i+frame, n)])
	}
	return out
}

// runs measures the envelope of x in 1 ms blocks and returns the lengths of
// alternating on/off runs in blocks (positive on, negative off).
func runs(x []int16) []int {
	var r []int
	for i := 0; i+blk <= len(x); i += blk {
		on := measure.LevelDBm0(x[i:i+blk]) > -60
		switch {
		case len(r) > 0 && on && r[len(r)-1] > 0:
			r[len(r)-1]++
		case len(r) > 0 && !on && r[len(r)-1] < 0:
			r[len(r)-1]--
		case on:
			r = append(r, 1)
		default:
			r = append(r, -1)
		}
	}
	return r
}

// expectedRuns merges the timeline into on/off runs in blocks.
func expectedRuns(tl []seg) []int {
	var r []int
	for _, s := range tl {
		n := s.n / blk
		on := len(s.comps) > 0
		switch {
		case len(r) > 0 && on && r[len(r)-1] > 0:
			r[len(r)-1] += n
		case len(r) > 0 && !on && r[len(r)-1] < 0:
			r[len(r)-1] -= n
		case on:
			r = append(r, n)
		default:
			r = append(r, -n)
		}
	}
	return r
}

// expectedLines lists the spectral lines of a component set: frequency and
// level. AM components give a carrier and two sidebands.
func expectedLines(comps []Component) (lines [][2]float64) {
	for _, c := range comps {
		lines = append(lines, [2]float64{c.Freq, c.LevelDBm0})
		if c.ModFreq != 0 {
			sb := c.LevelDBm0 + 20*math.Log10(AMDepth/2)
			lines = append(lines, [2]float64{c.Freq - c.ModFreq, sb}, [2]float64{c.Freq + c.ModFreq, sb})
		}
	}
	return lines
}

func powerSum(lines [][2]float64) float64 {
	var p float64
	for _, l := range lines {
		p += math.Pow(10, l[1]/10)
	}
	return 10 * math.Log10(p)
}

// checkTone renders tone t and verifies by measurement that its cadence
// (envelope runs within ±1 block) and every segment's spectral lines
// (within ±0.5 dB) and total level match the definition.
func checkTone(t *testing.T, name string, tn Tone, frame int) {
	t.Helper()
	tl := timeline(tn, 90*SampleRate)
	total := 0
	for _, s := range tl {
		total += s.n
	}
	var g Generator
	g.Start(tn)
	x := render(&g, total, frame)

	got, want := runs(x), expectedRuns(tl)
	// A tone that ends after First leaves the generator idle; the trailing
	// samples are then zero, which the envelope sees as silence.
	if len(got) != len(want) {
		t.Errorf("%s: envelope has %d runs %v, want %d %v", name, len(got), head(got), len(want), head(want))
	} else {
		for i := range got {
			if d := got[i] - want[i]; d > 1 || d < -1 || (got[i] > 0) != (want[i] > 0) {
				t.Errorf("%s: run %d is %d ms, want %d ms", name, i, got[i], want[i])
			}
		}
	}

	checked := 0
	for _, s := range tl {
		if len(s.comps) == 0 || checked >= 12 {
			continue
		}
		checked++
		x := x[s.start : s.start+s.n]
		lines := expectedLines(s.comps)
		if lvl, want := measure.LevelDBm0(x), powerSum(lines); math.Abs(lvl-want) > 0.5 {
			t.Errorf("%s: segment at %d ms: level %.2f dBm0, want %.2f", name, s.start/blk, lvl, want)
		}
		// Lines closer than the window's main lobe cannot be separated in
		// a short segment; the total level above covers them.
		resolvable := true
		for i := range lines {
			for j := range i {
				if math.Abs(lines[i][0]-lines[j][0]) < 5*SampleRate/float64(s.n) {
					resolvable = false
				}
			}
		}
		if !resolvable {
			continue
		}
		for _, l := range lines {
			if lvl := measure.ToneLevelDBm0(x, l[0]); math.Abs(lvl-l[1]) > 0.5 {
				t.Errorf("%s: segment at %d ms: %.0f Hz at %.2f dBm0, want %.2f", name, s.start/blk, l[0], lvl, l[1])
			}
		}
		if len(lines) == 1 {
			if f := measure.Frequency(x); math.Abs(f-lines[0][0]) > 1 {
				t.Errorf("%s: segment at %d ms: frequency %.2f Hz, want %.0f", name, s.start/blk, f, lines[0][0])
			}
		}
	}
}

func head(r []int) []int { return r[:min(len(r), 12)] }

// TestE180AllZonesMeasured renders every signal of every zone and checks it
// against its own definition by measurement.
func TestE180AllZonesMeasured(t *testing.T) {
	for _, zn := range Zones() {
		z, err := LookupZone(zn)
		if err != nil {
			t.Fatal(err)
		}
		for _, sig := range Signals() {
			tn, ok := z.Tones[sig]
			if !ok {
				t.Errorf("%s: no %v tone", zn, sig)
				continue
			}
			frame := 160
			if sig == Stutter {
				frame = 37 // segment changes inside frames
			}
			checkTone(t, zn+"/"+sig.String(), tn, frame)
		}
	}
}

// spec is an independent transcription of the zone table for the main
// signals: frequencies, level per component, and the envelope runs in ms
// from the start (positive on, negative off, 0 = on for the rest).
type spec struct {
	sig   Signal
	freqs []float64
	level float64
	runs  []int
}

var spot = map[string][]spec{
	"us": {
		{Dial, []float64{350, 440}, -13, []int{0}},
		{Busy, []float64{480, 620}, -24, []int{500, -500, 500, -500}},
		{Ringback, []float64{440, 480}, -19, []int{2000, -4000, 2000, -4000}},
		{Congestion, []float64{480, 620}, -24, []int{250, -250, 250, -250}},
		{CallWaiting, []float64{440}, -10, []int{300, -10000, 300, -10000}},
		{DialRecall, []float64{350, 440}, -13, []int{100, -100, 100, -100, 100, -100, 0}},
		{Stutter, []float64{350, 440}, -13, []int{100, -100, 100, -100, 100, -100, 100, -100, 100, -100, 100, -100, 0}},
		{Record, []float64{1400}, -10, []int{500, -15000, 500, -15000}},
		{Howler, []float64{1400, 2060, 2450, 2600}, -9.02, []int{100, -100, 100, -100}},
	},
	"uk": {
		{Dial, []float64{350, 440}, -12, []int{0}},
		{Busy, []float64{400}, -12, []int{375, -375, 375, -375}},
		{Ringback, []float64{400, 450}, -12, []int{400, -200, 400, -2000, 400, -200, 400, -2000}},
		{Congestion, []float64{400}, -12, []int{400, -350, 225, -525, 400, -350, 225, -525}},
		{CallWaiting, []float64{400}, -10, []int{100, -4000, 100, -4000}},
		{DialRecall, []float64{350, 440}, -12, []int{0}},
	},
	"de": {
		{Dial, []float64{425}, -12, []int{0}},
		{Busy, []float64{425}, -12, []int{480, -480, 480, -480}},
		{Ringback, []float64{425}, -12, []int{1000, -4000, 1000, -4000}},
		{Congestion, []float64{425}, -12, []int{240, -240, 240, -240}},
		{CallWaiting, []float64{425}, -10, []int{200, -200, 200, -5000, 200, -200, 200, -5000, 200, -200, 200, -5000,
			200, -200, 200, -5000, 200, -200, 200}},
		{DialRecall, []float64{425}, -12, []int{100, -100, 100, -100, 100, -100, 0}},
		{Stutter, []float64{400, 425}, -12, []int{0}},
	},
	"fr": {
		{Dial, []float64{440}, -12, []int{0}},
		{Busy, []float64{440}, -12, []int{500, -500, 500, -500}},
		{Ringback, []float64{440}, -12, []int{1500, -3500, 1500, -3500}},
		{Congestion, []float64{440}, -10, []int{250, -250, 250, -250}},
		{CallWaiting, []float64{440}, -10, []int{300, -10000, 300, -10000}},
		{DialRecall, []float64{350, 440}, -12, []int{100, -100, 100, -100, 100, -100, 0}},
		{Stutter, []float64{440}, -12, []int{100, -100, 100, -100, 100, -100, 100, -100, 100, -100, 100, -100, 0}},
	},
	"cn": {
		{Dial, []float64{450}, -12, []int{0}},
		{Busy, []float64{450}, -12, []int{350, -350, 350, -350}},
		{Ringback, []float64{450}, -12, []int{1000, -4000, 1000, -4000}},
		{Congestion, []float64{450}, -12, []int{700, -700, 700, -700}},
		{CallWaiting, []float64{450}, -10, []int{400, -4000, 400, -4000}},
		{Info, []float64{450}, -10, []int{100, -100, 100, -100, 100, -100, 400, -400, 100, -100}},
		{Stutter, []float64{425, 450}, -12, []int{0}},
	},
}

// TestE180ZoneTables checks the main signals of us, uk, de, fr and cn
// against the zone table (DAHDI cadences and frequencies, E.180 / North
// American precise-tone levels), by measuring the generated audio.
func TestE180ZoneTables(t *testing.T) {
	for zn, specs := range spot {
		z, err := LookupZone(zn)
		if err != nil {
			t.Fatal(err)
		}
		for _, sp := range specs {
			name := zn + "/" + sp.sig.String()
			total := 0
			for _, r := range sp.runs {
				total += max(r, -r)
			}
			total = total*SampleRate/1000 + SampleRate // + 1 s
			var g Generator
			g.Start(z.Tones[sp.sig])
			x := render(&g, total, 160)
			got := runs(x)
			if len(got) < len(sp.runs) {
				t.Errorf("%s: envelope runs %v, want %v", name, head(got), sp.runs)
				continue
			}
			for i, w := range sp.runs {
				if w == 0 { // steady: on for the rest of the window
					if got[i] <= 0 || i != len(got)-1 {
						t.Errorf("%s: run %d: got %v, want steady tone", name, i, got[i:])
					}
					continue
				}
				if d := got[i] - w; d > 1 || d < -1 {
					t.Errorf("%s: run %d is %d ms, want %d ms", name, i, got[i], w)
				}
			}
			// Levels of each frequency in the first on-run (and nothing
			// else: total level equals the power sum).
			first := max(sp.runs[0], 0)
			if first == 0 {
				first = 1000
			}
			on := x[:first*SampleRate/1000]
			for _, f := range sp.freqs {
				if l := measure.ToneLevelDBm0(on, f); math.Abs(l-sp.level) > 0.5 {
					t.Errorf("%s: %v Hz at %.2f dBm0, want %v ± 0.5", name, f, l, sp.level)
				}
			}
			wantTotal := sp.level + 10*math.Log10(float64(len(sp.freqs)))
			if l := measure.LevelDBm0(on); math.Abs(l-wantTotal) > 0.5 {
				t.Errorf("%s: total %.2f dBm0, want %.2f", name, l, wantTotal)
			}
		}
	}
}
