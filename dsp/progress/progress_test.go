package progress

import (
	"math"
	"slices"
	"testing"
	"time"
	"tipring/dsp/internal/testsig"

	"tipring/dsp/tone"
)

// cycle returns one period of a looping tone (0 for a steady one).
func cycle(t tone.Tone) time.Duration {
	var d time.Duration
	for _, s := range append(append([]tone.Segment{}, t.First...), t.Loop...) {
		d += s.Dur
	}
	return d
}

// powerDBm0 returns the power of the loudest on-step of t.
func powerDBm0(t tone.Tone) float64 {
	best := math.Inf(-1)
	for _, segs := range [][]tone.Segment{t.First, t.Loop} {
		for _, s := range segs {
			var p float64
			for _, c := range s.Components {
				a := math.Pow(10, c.LevelDBm0/20)
				p += a * a
				if c.ModFreq != 0 {
					p += 2 * a * a * tone.AMDepth * tone.AMDepth / 4
				}
			}
			if p > 0 {
				best = max(best, 10*math.Log10(p))
			}
		}
	}
	return best
}

// expected is what the detector should report for a zone's signal: the
// signal itself, except where the zone's tables make two signals identical.
func expected(zone string, sig tone.Signal) tone.Signal {
	if zone == "jp" && sig == tone.Congestion {
		return tone.Busy // jp busy and congestion are both 400 Hz 500/500
	}
	return sig
}

type condition struct {
	name  string
	level float64 // loudest component, dBm0; 0 = the zone's own
	snr   float64 // dB; 0 = no noise
	ulaw  bool
}

var conditions = []condition{
	{"nominal", 0, 0, false},
	{"µ-law, S/N 20 dB", 0, 20, true},
	{"-35 dBm0, µ-law, S/N 20 dB", -35, 20, true},
}

// TestE180AllZones plays every zone's busy, congestion, ringback, dial and
// special information tone, as dsp/tone generates them, at the zone's level
// and at -35 dBm0, clean and through µ-law with white noise 20 dB below the
// tone: the detector must report that signal and nothing else.
func TestE180AllZones(t *testing.T) {
	for _, zn := range tone.Zones() {
		z, err := tone.LookupZone(zn)
		if err != nil {
			t.Fatal(err)
		}
		d, err := NewDetector(z, Config{})
		if err != nil {
			t.Fatal(err)
		}
		for _, sig := range []tone.Signal{tone.Busy, tone.Congestion, tone.Ringback, tone.Dial, tone.Info} {
			tn := z.Tones[sig]
			dur := 2*cycle(tn) + 2*time.Second
			if sig == tone.Dial && cycle(tn) == 0 {
				dur = 4 * time.Second
			}
			for ci, c := range conditions {
				tt := tn
				if c.level != 0 {
					tt = scaled(tn, c.level-loudest(tn))
				}
				x := render(tt, 300*time.Millisecond, dur)
				if c.snr != 0 {
					addNoise(x, powerDBm0(tt)-c.snr, uint64(ci))
				}
				if c.ulaw {
					ulaw(x)
				}
				d.Reset()
				res := classify(d, x)
				want := expected(zn, sig)
				var got []tone.Signal
				for _, r := range res {
					if r.Kind == Silence && len(got) > 0 {
						continue // a SIT played once is followed by silence
					}
					if r.Kind != Zone {
						t.Errorf("%s %v (%s): reported %v", zn, sig, c.name, r)
						continue
					}
					got = append(got, r.Signal)
				}
				if !slices.Equal(got, []tone.Signal{want}) {
					t.Errorf("%s %v (%s): got %v, want [%v]", zn, sig, c.name, got, want)
				}
			}
		}
	}
}

// TestE180BusyCongestionByCadence: in the zones whose busy and congestion
// tones share their frequencies and differ only in cadence (or, in au, in
// the level of every other burst), each is told from the other.
func TestE180BusyCongestionByCadence(t *testing.T) {
	n := 0
	for _, zn := range tone.Zones() {
		z, _ := tone.LookupZone(zn)
		b, c := z.Tones[tone.Busy], z.Tones[tone.Congestion]
		fb, _, _ := components(b.Loop[0].Components)
		fc, _, _ := components(c.Loop[0].Components)
		if !sameFreqs(fb, fc) || zn == "jp" {
			continue // jp: identical tones
		}
		n++
		d, _ := NewDetector(z, Config{})
		for _, sig := range []tone.Signal{tone.Busy, tone.Congestion} {
			d.Reset()
			res := classify(d, render(z.Tones[sig], 0, 2*cycle(z.Tones[sig])+time.Second))
			if len(res) != 1 || res[0].Signal != sig {
				t.Errorf("%s %v: %v", zn, sig, res)
			}
		}
	}
	if n < 8 {
		t.Fatalf("only %d zones with busy and congestion on the same frequencies", n)
	}
}

// TestFrequencyTolerance: ±2 % off the nominal frequency is still the
// signal; 7 % off is not.
func TestFrequencyTolerance(t *testing.T) {
	z, _ := tone.LookupZone("de")
	d, _ := NewDetector(z, Config{})
	for _, f := range []float64{0.98, 0.99, 1.01, 1.02, 0.93, 1.07} {
		busy := tone.Tone{Loop: []tone.Segment{
			{Components: []tone.Component{{Freq: 425 * f, LevelDBm0: -12}}, Dur: 480 * time.Millisecond},
			{Dur: 480 * time.Millisecond},
		}}
		d.Reset()
		res := classify(d, render(busy, 0, 3*time.Second))
		isBusy := len(res) == 1 && res[0].Kind == Zone && res[0].Signal == tone.Busy
		if want := math.Abs(f-1) < 0.021; isBusy != want {
			t.Errorf("de busy at %.1f Hz: %v", 425*f, res)
		}
		if isBusy && math.Abs(res[0].Freq-425*f) > 1 {
			t.Errorf("de busy at %.1f Hz measured %.1f Hz", 425*f, res[0].Freq)
		}
	}
}

// TestUnknownCadence: a tone of the zone's frequency with a cadence in no
// table is reported as unknown, with its cadence.
func TestUnknownCadence(t *testing.T) {
	z, _ := tone.LookupZone("de")
	d, _ := NewDetector(z, Config{})
	odd := tone.Tone{Loop: []tone.Segment{
		{Components: []tone.Component{{Freq: 425, LevelDBm0: -15}}, Dur: 800 * time.Millisecond},
		{Dur: 300 * time.Millisecond},
	}}
	res := classify(d, render(odd, 0, 5*time.Second))
	if len(res) != 1 || res[0].Kind != Unknown ||
		absd(res[0].On-800*time.Millisecond) > 30*time.Millisecond || absd(res[0].Off-300*time.Millisecond) > 30*time.Millisecond {
		t.Fatalf("425 Hz 800/300 ms in de: %v", res)
	}
}

func absd(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestSilence(t *testing.T) {
	z, _ := tone.LookupZone("us")
	d, _ := NewDetector(z, Config{SilenceAfter: 2 * time.Second})
	res := classify(d, make([]int16, 3*SampleRate))
	if len(res) != 1 || res[0].Kind != Silence {
		t.Fatalf("3 s of silence: %v", res)
	}
}

// TestRunTiming checks the cadence measurement: on and off steps of
// 100-2000 ms measure within 20 ms at any level from -40 to -5 dBm0.
func TestRunTiming(t *testing.T) {
	z, _ := tone.LookupZone("us")
	for _, on := range []int{100, 250, 500, 2000} {
		for _, lvl := range []float64{-40, -25, -5} {
			d, _ := NewDetector(z, Config{})
			tn := tone.Tone{Loop: []tone.Segment{
				{Components: []tone.Component{{Freq: 480, LevelDBm0: lvl}, {Freq: 620, LevelDBm0: lvl}}, Dur: time.Duration(on) * time.Millisecond},
				{Dur: time.Duration(on) * time.Millisecond},
			}}
			classify(d, render(tn, 0, time.Duration(6*on)*time.Millisecond))
			for _, r := range d.hist[1:d.nhist] {
				if abs(r.ms-on) > 20 {
					t.Errorf("%d ms at %v dBm0: label %d measured %d ms", on, lvl, r.label, r.ms)
				}
			}
		}
	}
}

// TestSpeechNeverBusy runs ten minutes of synthetic speech, through µ-law,
// at three levels, through the detectors of every zone: none may report
// busy or congestion.
func TestSpeechNeverBusy(t *testing.T) {
	minutes := 10
	if testing.Short() {
		minutes = 1
	}
	var dets []*Detector
	for _, zn := range tone.Zones() {
		z, _ := tone.LookupZone(zn)
		d, _ := NewDetector(z, Config{})
		dets = append(dets, d)
	}
	for m := range minutes {
		lvl := []float64{-10, -20, -30}[m%3]
		x := speech(60*SampleRate, uint64(m), lvl)
		ulaw(x)
		for i, d := range dets {
			d.Reset()
			for _, r := range classify(d, x) {
				if r.Kind == Zone && (r.Signal == tone.Busy || r.Signal == tone.Congestion) {
					t.Errorf("speech minute %d (%v dBm0), zone %s: %v", m, lvl, tone.Zones()[i], r)
				}
			}
		}
	}
}

// TestLearnPBXBusy learns a PBX busy tone that is in no table (two tones,
// 300 ms on, 200 ms off) from 4 s of it with noise, and then recognises
// it, and still recognises the zone's own tones.
func TestLearnPBXBusy(t *testing.T) {
	pbx := tone.Tone{Loop: []tone.Segment{
		{Components: []tone.Component{{Freq: 520, LevelDBm0: -18}, {Freq: 660, LevelDBm0: -20}}, Dur: 300 * time.Millisecond},
		{Dur: 200 * time.Millisecond},
	}}
	rec := render(pbx, 130*time.Millisecond, 4*time.Second)
	addNoise(rec, -45, 3)
	ulaw(rec)
	sig, err := Learn(rec, tone.Busy)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("learnt %v", sig)
	if len(sig.Freqs) != 2 || math.Abs(sig.Freqs[0]-520) > 2 || math.Abs(sig.Freqs[1]-660) > 2 {
		t.Fatalf("frequencies %v, want 520 and 660", sig.Freqs)
	}
	if len(sig.Cadence) != 2 || absd(sig.Cadence[0]-300*time.Millisecond) > 20*time.Millisecond ||
		absd(sig.Cadence[1]-200*time.Millisecond) > 20*time.Millisecond {
		t.Fatalf("cadence %v, want 300 ms on, 200 ms off", sig.Cadence)
	}
	z, _ := tone.LookupZone("uk")
	d, _ := NewDetector(z, Config{})
	if res := classify(d, render(pbx, 0, 3*time.Second)); len(res) != 0 && res[0].Kind == Learned {
		t.Fatalf("recognised before learning: %v", res)
	}
	if err := d.AddSignature(sig); err != nil {
		t.Fatal(err)
	}
	x := render(scaled(pbx, -10), 70*time.Millisecond, 3*time.Second)
	addNoise(x, -50, 4)
	res := classify(d, x)
	if len(res) != 1 || res[0].Kind != Learned || res[0].Signal != tone.Busy {
		t.Fatalf("learnt PBX busy: %v", res)
	}
	d.Reset()
	if res := classify(d, render(z.Tones[tone.Busy], 0, 4*time.Second)); len(res) != 1 || res[0].Kind != Zone || res[0].Signal != tone.Busy {
		t.Fatalf("uk busy after learning: %v", res)
	}
	d.Reset()
	for _, r := range classify(d, speech(120*SampleRate, 77, -15)) {
		if r.Kind == Learned {
			t.Fatalf("speech recognised as the learnt tone: %v", r)
		}
	}
	if _, err := Learn(speech(5*SampleRate, 3, -15), tone.Busy); err == nil {
		t.Error("learnt a cadence from speech")
	}
}

func TestAllocs(t *testing.T) {
	z, _ := tone.LookupZone("uk")
	d, _ := NewDetector(z, Config{})
	x := render(z.Tones[tone.Congestion], 0, 3*time.Second)
	i := 0
	allocs := testing.AllocsPerRun(500, func() {
		d.Process(x[i*160 : i*160+160])
		i = (i + 1) % 150
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func BenchmarkDetector(b *testing.B) {
	for _, zn := range []string{"us", "de", "in"} {
		b.Run(zn, func(b *testing.B) {
			z, _ := tone.LookupZone(zn)
			d, _ := NewDetector(z, Config{})
			x := speech(4*SampleRate, 1, -15)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Process(x[i*160 : i*160+160])
				i = (i + 1) % 200
			}
			b.ReportMetric(float64(b.N)*20e6/float64(b.Elapsed().Nanoseconds()), "ch/core")
		})
	}
}

// FuzzLearn: Learn never panics on arbitrary audio, and what it returns
// can be added to a detector.
func FuzzLearn(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 4000), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, rep uint8) {
		// Repeat the input so that cadences can appear.
		var x []int16
		for range int(rep%8) + 1 {
			for i := 0; i+1 < len(b); i += 2 {
				x = append(x, int16(uint16(b[i])|uint16(b[i+1])<<8))
			}
		}
		sig, err := Learn(x, tone.Busy)
		if err != nil {
			return
		}
		z, _ := tone.LookupZone("us")
		d, _ := NewDetector(z, Config{})
		if err := d.AddSignature(sig); err == nil {
			classify(d, x)
		}
	})
}

func speech(n int, seed uint64, levelDBm0 float64) []int16 { return testsig.Speech(n, seed, levelDBm0) }
