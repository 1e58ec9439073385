package vad

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"tipring/dsp/measure"
)

// TestRFC3389Payload checks the byte layout of clause 3: level magnitude
// in the low 7 bits, then one byte per reflection coefficient.
func TestRFC3389Payload(t *testing.T) {
	s := SID{LevelDBov: -63, Order: 3}
	s.Refl[0], s.Refl[1], s.Refl[2] = 0, -0.5, 0.25
	b := make([]byte, 8)
	n, err := s.MarshalTo(b)
	if err != nil || n != 4 {
		t.Fatalf("MarshalTo = %d, %v", n, err)
	}
	if want := []byte{0x3f, 127, 63, 159}; !bytes.Equal(b[:n], want) {
		t.Fatalf("payload % x, want % x", b[:n], want)
	}
	if _, err := s.MarshalTo(b[:3]); err == nil {
		t.Fatal("MarshalTo into 3 bytes succeeded")
	}
	var d SID
	if err := d.Unmarshal([]byte{0xbf}); err != nil || d.LevelDBov != -63 || d.Order != 0 {
		t.Fatalf("level-only payload with the top bit set: %+v, %v", d, err)
	}
	if err := d.Unmarshal(nil); err == nil {
		t.Fatal("empty payload accepted")
	}
	long := make([]byte, 1+MaxOrder+5)
	if err := d.Unmarshal(long); err != nil || d.Order != MaxOrder {
		t.Fatalf("%d coefficients: order %d, %v", len(long)-1, d.Order, err)
	}
}

// TestRFC3389RoundTrip: quantisation error at most half a step, and a
// decoded SID encodes back to the same bytes.
func TestRFC3389RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 1+MaxOrder)
	for range 10000 {
		s := SID{LevelDBov: -r.IntN(128), Order: r.IntN(MaxOrder + 1)}
		for i := range s.Order {
			s.Refl[i] = 2*r.Float64() - 1
		}
		n, err := s.MarshalTo(b)
		if err != nil {
			t.Fatal(err)
		}
		var d SID
		if err := d.Unmarshal(b[:n]); err != nil {
			t.Fatal(err)
		}
		if d.LevelDBov != s.LevelDBov || d.Order != s.Order {
			t.Fatalf("%+v decoded as %+v", s, d)
		}
		for i := range s.Order {
			if e := math.Abs(d.Refl[i] - s.Refl[i]); e > 1.0/256+1e-12 && s.Refl[i] >= -127.0/128 {
				t.Fatalf("k%d = %.5f decoded as %.5f", i+1, s.Refl[i], d.Refl[i])
			}
		}
		b2 := make([]byte, 1+MaxOrder)
		n2, _ := d.MarshalTo(b2)
		if !bytes.Equal(b[:n], b2[:n2]) {
			t.Fatalf("re-encoded % x, first % x", b2[:n2], b[:n])
		}
	}
}

// psd returns the power (dBm0) of x around each of the frequencies,
// averaged over 256-sample blocks (Blackman-Harris window).
func psd(x []int16, freqs []float64) []float64 {
	out := make([]float64, len(freqs))
	for j, f := range freqs {
		var p float64
		n := 0
		for i := 0; i+256 <= len(x); i += 256 {
			p += math.Pow(10, measure.ToneLevelDBm0(x[i:i+256], f)/10)
			n++
		}
		out[j] = 10 * math.Log10(p/float64(n))
	}
	return out
}

// TestRFC3389ComfortNoise analyses noise of several spectra, sends the
// SID through its payload, and checks that the generated noise has the
// SID's level within ±1 dB and the original spectral envelope within
// ±2 dB wherever it is within 30 dB of its peak.
func TestRFC3389ComfortNoise(t *testing.T) {
	freqs := make([]float64, 0, 31)
	for f := 125.0; f < 3900; f += 125 {
		freqs = append(freqs, f)
	}
	for ci, a := range [][]float64{white, lowish, hum, hiss, fan} {
		for _, lvl := range []float64{-65, -50, -35} {
			x := colored(10*SampleRate, uint64(ci+10), lvl, a)
			s := Analyze(x, DefaultOrder)
			if got := s.LevelDBm0(); math.Abs(got-lvl) > 0.6 {
				t.Errorf("noise %d at %v dBm0: SID level %.1f dBm0", ci, lvl, got)
			}
			b := make([]byte, 1+MaxOrder)
			n, _ := s.MarshalTo(b)
			var d SID
			if err := d.Unmarshal(b[:n]); err != nil {
				t.Fatal(err)
			}
			g := NewGenerator(uint64(ci))
			g.Update(d)
			y := make([]int16, 10*SampleRate)
			for i := 0; i < len(y); i += 160 {
				g.Fill(y[i : i+160])
			}
			y = y[1600:] // the level ramps in over the first frame
			if l := measure.LevelDBm0(y); math.Abs(l-d.LevelDBm0()) > 1 {
				t.Errorf("noise %d at %v dBm0: comfort noise at %.2f dBm0, SID says %.2f", ci, lvl, l, d.LevelDBm0())
			}
			px, py := psd(x, freqs), psd(y, freqs)
			peak := math.Inf(-1)
			for _, v := range px {
				peak = max(peak, v)
			}
			worst := 0.0
			for j := range freqs {
				if px[j] < peak-30 {
					continue
				}
				// Compare shapes: remove the level difference
				// already checked above.
				dlt := (py[j] - measure.LevelDBm0(y)) - (px[j] - measure.LevelDBm0(x))
				worst = max(worst, math.Abs(dlt))
				if math.Abs(dlt) > 2 {
					t.Errorf("noise %d at %v dBm0: %v Hz is %.1f dB off", ci, lvl, freqs[j], dlt)
				}
			}
			t.Logf("noise %d at %v dBm0: envelope within %.2f dB", ci, lvl, worst)
		}
	}
}

// TestDetectorSID: the detector's SID describes the background between
// talk spurts, not the speech.
func TestDetectorSID(t *testing.T) {
	const n = 30 * SampleRate
	s := spurts(speech(n, 9, -20), 9)
	bg := colored(n, 10, -50, hum)
	x := make([]int16, n)
	for i := range x {
		x[i] = s[i] + bg[i]
	}
	d := NewDetector(Config{})
	for i := 0; i < n; i += 160 {
		d.Process(x[i : i+160])
	}
	got := d.SID()
	want := Analyze(bg, DefaultOrder)
	if math.Abs(got.LevelDBm0()-want.LevelDBm0()) > 1.5 {
		t.Errorf("SID level %.1f dBm0, background %.1f", got.LevelDBm0(), want.LevelDBm0())
	}
	for i := range 2 {
		if math.Abs(got.Refl[i]-want.Refl[i]) > 0.05 {
			t.Errorf("k%d = %.3f, background's %.3f", i+1, got.Refl[i], want.Refl[i])
		}
	}
}

func FuzzSIDUnmarshal(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x40})
	f.Add([]byte{0xff, 0, 255, 127, 128})
	f.Add(bytes.Repeat([]byte{200}, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s SID
		if err := s.Unmarshal(b); err != nil {
			if len(b) != 0 {
				t.Fatalf("% x: %v", b, err)
			}
			return
		}
		out := make([]byte, 1+MaxOrder)
		n, err := s.MarshalTo(out)
		if err != nil {
			t.Fatal(err)
		}
		want := append([]byte{b[0] & 0x7f}, b[1:min(len(b), 1+MaxOrder)]...)
		if !bytes.Equal(out[:n], want) {
			t.Fatalf("% x re-encoded as % x", b, out[:n])
		}
		// Whatever the payload, the comfort noise stays bounded.
		g := NewGenerator(1)
		g.Update(s)
		y := make([]int16, 800)
		for range 10 {
			g.Fill(y)
		}
		if l := measure.LevelDBm0(y); l > s.LevelDBm0()+10 {
			t.Fatalf("% x: noise at %.1f dBm0 for a %.1f dBm0 SID", b, l, s.LevelDBm0())
		}
	})
}

func TestAllocs(t *testing.T) {
	x := colored(1600, 1, -40, hum)
	d := NewDetector(Config{})
	g := NewGenerator(1)
	g.Update(Analyze(x, 10))
	f := make([]int16, 160)
	b := make([]byte, 1+MaxOrder)
	i := 0
	allocs := testing.AllocsPerRun(200, func() {
		d.Process(x[i*160 : i*160+160])
		g.Fill(f)
		s := d.SID()
		n, _ := s.MarshalTo(b)
		_ = s.Unmarshal(b[:n])
		i = (i + 1) % 10
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func chPerCore(b *testing.B) {
	b.ReportMetric(float64(b.N)*20e6/float64(b.Elapsed().Nanoseconds()), "ch/core")
}

func BenchmarkDetector(b *testing.B) {
	x := speech(4*SampleRate, 1, -20)
	d := NewDetector(Config{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(x[i*160 : i*160+160])
		i = (i + 1) % 200
	}
	chPerCore(b)
}

func BenchmarkGenerator(b *testing.B) {
	g := NewGenerator(1)
	g.Update(Analyze(colored(8000, 1, -40, fan), DefaultOrder))
	f := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(f)
	}
	chPerCore(b)
}
