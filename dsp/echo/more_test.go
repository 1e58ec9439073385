package echo

import (
	"math"
	"testing"

	"tipring/dsp/measure"
)

// TestG168Test4 is the leak-rate test: after convergence, two minutes
// without Rin (background noise only on Sin) must not erase the echo path
// estimate: with the canceller then frozen, far-end speech still sees at
// least 25 dB ERLE.
func TestG168Test4(t *testing.T) {
	m := annexD()[2].scaled(10)
	conv := css(5*fs, -10, 7)
	quiet := make([]float64, 120*fs)
	probe := css(3*fs, -10, 8)
	far := append(append(conv, quiet...), probe...)
	sc := build(far, nil, -65, newLine(m, ms(60)), nil, 0)
	c := newCanceller(t, 128, false)
	start := len(conv) + len(quiet)
	out := runHook(c, sc, func(i int) { c.Freeze(i >= start) })
	got := erle(sc, out, start+fs/2, len(far))
	t.Logf("ERLE after 120 s without Rin: %.1f dB", got)
	if got < 25 {
		t.Errorf("ERLE %.1f dB after 120 s without Rin < 25 dB: the estimate leaked", got)
	}
}

// TestG168Test6 applies narrow-band signals to Rin after convergence (G.168
// test 6: tones at 697, 941, 1336 and 1633 Hz and DTMF pairs, 5 s in all)
// and checks that the canceller did not diverge: frozen afterwards it
// still removes at least 20 dB from speech echo, and adapting it is back
// to 30 dB within 1 s.
func TestG168Test6(t *testing.T) {
	m := annexD()[0].scaled(10)
	for _, tail := range []int{32, 128} {
		conv := css(5*fs, -10, 9)
		var nb []float64
		add := func(f1, f2 float64, dur int) {
			for i := range dur {
				v := math.Sin(2*math.Pi*f1*float64(i)/fs) * measure.Amplitude(-10)
				if f2 > 0 {
					v = (v + math.Sin(2*math.Pi*f2*float64(i)/fs)*measure.Amplitude(-10)) / 1
				}
				nb = append(nb, v)
			}
		}
		for _, f := range []float64{697, 941, 1336, 1633} {
			add(f, 0, fs/2)
		}
		for _, p := range [][2]float64{{697, 1209}, {770, 1336}, {852, 1477}, {941, 1633}, {697, 1633}, {941, 1209}} {
			add(p[0], p[1], fs/2)
		}
		probe := css(4*fs, -10, 10)
		far := append(append(conv, nb...), probe...)
		start := len(conv) + len(nb)
		scFrozen := build(far, nil, -70, newLine(m, ms(float64(tail))/2), nil, 0)
		c := newCanceller(t, tail, false)
		out := runHook(c, scFrozen, func(i int) { c.Freeze(i >= start) })
		frozen := erle(scFrozen, out, start+fs/4, start+2*fs)
		c2 := newCanceller(t, tail, false)
		out2 := run(c2, scFrozen)
		rec := erle(scFrozen, out2, start+fs, start+3*fs)
		t.Logf("tail %d: ERLE after narrow-band signals, frozen %.1f dB, adapting 1-3 s after %.1f dB", tail, frozen, rec)
		if frozen < 20 {
			t.Errorf("tail %d: diverged on narrow-band signals: frozen ERLE %.1f dB", tail, frozen)
		}
		if rec < 30 {
			t.Errorf("tail %d: ERLE %.1f dB 1 s after narrow-band signals < 30 dB", tail, rec)
		}
	}
}

// TestG168Test9 checks comfort noise: with background noise on Sin (white
// and tilted, -40 and -55 dBm0), the Sout level while the NLP replaces the
// echo is within ±3 dB of the background level, and its spectral tilt
// follows the background's.
func TestG168Test9(t *testing.T) {
	m := annexD()[3].scaled(10)
	for _, noiseDB := range []float64{-40, -55} {
		for _, tilt := range []float64{0, 0.7} {
			far := append(make([]float64, 4*fs), css(8*fs, -10, 11)...)
			sc := build(far, nil, -150, newLine(m, ms(20)), nil, 0)
			// Add tilted noise (first-order low-pass of white noise).
			noise := colouredNoise(len(far), noiseDB, tilt)
			for i := range sc.sin {
				sc.sin[i] = ulaw(float64(sc.sin[i]) + noise[i])
			}
			c := newCanceller(t, 64, true)
			var nlpOn, total int
			from := 6 * fs
			out := runHook(c, sc, func(i int) {
				if i >= from && i < len(far) {
					total++
					if c.Stats().NLPActive {
						nlpOn++
					}
				}
			})
			bg := measure.LevelDBm0(out[2*fs : 4*fs])
			cn := measure.LevelDBm0(out[from:])
			bgT := tiltOf(out[2*fs : 4*fs])
			cnT := tiltOf(out[from:])
			t.Logf("noise %g dBm0 tilt %g: background at Sout %.1f dBm0, during far-end speech %.1f dBm0 (NLP active %d/%d frames), r1/r0 %.2f vs %.2f",
				noiseDB, tilt, bg, cn, nlpOn, total, bgT, cnT)
			if math.Abs(cn-bg) > 3 {
				t.Errorf("noise %g dBm0 tilt %g: comfort noise %.1f dBm0, background %.1f dBm0: not within ±3 dB", noiseDB, tilt, cn, bg)
			}
			if math.Abs(cnT-bgT) > 0.15 {
				t.Errorf("noise %g dBm0 tilt %g: comfort noise tilt %.2f, background %.2f", noiseDB, tilt, cnT, bgT)
			}
			if nlpOn < total/2 {
				t.Errorf("noise %g dBm0: NLP active in only %d of %d frames of far-end speech", noiseDB, nlpOn, total)
			}
		}
	}
}

func colouredNoise(n int, levelDBm0, pole float64) []float64 {
	sc := css(1, -10, 1) // deterministic start; the generator below is separate
	_ = sc
	out := make([]float64, n)
	var y float64
	seed := uint64(12345)
	for i := range out {
		seed = seed*6364136223846793005 + 1442695040888963407
		w := float64(int64(seed>>11)-(1<<52)) / (1 << 52)
		y = pole*y + w
		out[i] = y
	}
	var p float64
	for _, v := range out {
		p += v * v
	}
	g := measure.DBm0Ref * math.Pow(10, levelDBm0/20) / math.Sqrt(p/float64(n))
	for i := range out {
		out[i] *= g
	}
	return out
}

// tiltOf returns the normalised lag-1 autocorrelation.
func tiltOf(x []int16) float64 {
	var r0, r1 float64
	for i := 1; i < len(x); i++ {
		r0 += float64(x[i]) * float64(x[i])
		r1 += float64(x[i]) * float64(x[i-1])
	}
	return r1 / r0
}

// TestToneDisabler checks the G.164/G.165 tone disabler as G.168 requires:
// 2100 Hz with phase reversals every 450 ms disables the canceller (and
// Sout then equals Sin); plain 2100 Hz, or reversals at other intervals, do
// not; after the tone stops the canceller re-enables within 250 ± 150 ms.
func TestToneDisabler(t *testing.T) {
	tone := func(n, revEvery int, freq float64) []int16 {
		out := make([]int16, n)
		ph := 0.0
		for i := range out {
			if revEvery > 0 && i > 0 && i%revEvery == 0 {
				ph += math.Pi
			}
			out[i] = int16(math.Round(measure.Amplitude(-12) * math.Sin(2*math.Pi*freq*float64(i)/fs+ph)))
		}
		return out
	}
	cases := []struct {
		name    string
		rev     int
		freq    float64
		disable bool
	}{
		{"reversals 450 ms", ms(450), 2100, true},
		{"reversals 450 ms, 2115 Hz", ms(450), 2115, true},
		{"reversals 430 ms", ms(430), 2100, true},
		{"reversals 470 ms", ms(470), 2100, true},
		{"plain 2100 Hz", 0, 2100, false},
		{"reversals 300 ms", ms(300), 2100, false},
		{"reversals 600 ms", ms(600), 2100, false},
	}
	for _, path := range []string{"Rin", "Sin"} {
		for _, tc := range cases {
			c := newCanceller(t, 64, true)
			sig := tone(3*fs, tc.rev, tc.freq)
			sil := make([]int16, 160)
			out := make([]int16, 160)
			disabledAt := -1
			for i := 0; i < len(sig); i += 160 {
				r, s := sig[i:i+160], sil
				if path == "Sin" {
					r, s = sil, sig[i:i+160]
				}
				c.Process(r, s, out)
				if c.Disabled() && disabledAt < 0 {
					disabledAt = i + 160
				}
			}
			if (disabledAt >= 0) != tc.disable {
				t.Errorf("%s %s: disabled=%v, want %v", path, tc.name, disabledAt >= 0, tc.disable)
				continue
			}
			if !tc.disable {
				continue
			}
			t.Logf("%s %s: disabled after %d ms", path, tc.name, disabledAt/8)
			if !c.Stats().Disabled {
				t.Errorf("%s %s: Stats().Disabled false while disabled", path, tc.name)
			}
			// Transparent while disabled: Sout is Sin (one block later).
			probe := tone(1600, 0, 1000)
			got := make([]int16, 1600)
			c.Process(make([]int16, 1600), probe, got)
			for i := blockLen; i < 1600; i++ {
				if got[i] != probe[i-blockLen] {
					t.Fatalf("%s %s: disabled canceller not transparent at sample %d: %d != %d", path, tc.name, i, got[i], probe[i-blockLen])
				}
			}
			// Silence: re-enabled after 250 ± 150 ms.
			enabledAt := -1
			for i := 0; i < fs; i += 8 {
				c.Process(make([]int16, 8), make([]int16, 8), out[:8])
				if !c.Disabled() {
					enabledAt = i + 8
					break
				}
			}
			if enabledAt < ms(100) || enabledAt > ms(400) {
				t.Errorf("%s %s: re-enabled %d ms after the signal stopped, want 250 ± 150 ms", path, tc.name, enabledAt/8)
			}
		}
	}
}

// TestProcessAllocs checks that Process does not allocate.
func TestProcessAllocs(t *testing.T) {
	c := newCanceller(t, 128, true)
	far := css(fs, -10, 12)
	sc := build(far, nil, -60, newLine(annexD()[0].scaled(6), 100), nil, 0)
	out := make([]int16, 160)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		c.Process(sc.rin[i:i+160], sc.sin[i:i+160], out)
		i = (i + 160) % (len(far) - 160)
	})
	if allocs != 0 {
		t.Errorf("Process allocates %.1f times per frame", allocs)
	}
}

// TestFrameSizes checks that the output does not depend on how the
// signal is cut into frames.
func TestFrameSizes(t *testing.T) {
	far := css(2*fs, -10, 13)
	sc := build(far, nil, -60, newLine(annexD()[1].scaled(10), 50), nil, 0)
	ref := make([]int16, len(far))
	c := newCanceller(t, 32, true)
	c.Process(sc.rin, sc.sin, ref)
	for _, n := range []int{1, 7, 80, 160, 333} {
		c := newCanceller(t, 32, true)
		got := make([]int16, len(far))
		for i := 0; i < len(far); i += n {
			e := min(i+n, len(far))
			c.Process(sc.rin[i:e], sc.sin[i:e], got[i:e])
		}
		for i := range got {
			if got[i] != ref[i] {
				t.Fatalf("frames of %d: sample %d differs: %d != %d", n, i, got[i], ref[i])
			}
		}
	}
}

func TestNewRejectsTail(t *testing.T) {
	for _, ms := range []int{8, 129, 500} {
		cfg := DefaultConfig()
		cfg.Tail = msDur(ms)
		if _, err := New(cfg); err == nil {
			t.Errorf("New accepted a %d ms tail", ms)
		}
	}
}

// FuzzProcess feeds arbitrary audio in arbitrary frame sizes; the output
// must stay finite (no NaN turned into garbage) and nothing may panic.
func FuzzProcess(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, uint8(160))
	f.Fuzz(func(t *testing.T, data []byte, frame uint8) {
		c, err := New(Config{Tail: msDur(32), NLP: true, HighPass: true, ToneDisable: true})
		if err != nil {
			t.Fatal(err)
		}
		n := len(data) / 4
		rin, sin := make([]int16, n), make([]int16, n)
		for i := range n {
			rin[i] = int16(uint16(data[4*i]) | uint16(data[4*i+1])<<8)
			sin[i] = int16(uint16(data[4*i+2]) | uint16(data[4*i+3])<<8)
		}
		fl := max(1, int(frame))
		out := make([]int16, n)
		for rep := 0; rep < 20; rep++ {
			for i := 0; i < n; i += fl {
				e := min(i+fl, n)
				c.Process(rin[i:e], sin[i:e], out[i:e])
			}
		}
		st := c.Stats()
		if math.IsNaN(st.ERLE) || math.IsNaN(st.ERL) {
			t.Fatalf("NaN in stats: %+v", st)
		}
	})
}
