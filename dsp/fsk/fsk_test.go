package fsk

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"tipring/dsp/g711"
	"tipring/dsp/measure"
)

// modulate returns the signal of seizure bits, mark bits, data and 10 mark
// bits, followed by 20 ms of silence.
func modulate(t testing.TB, spec Spec, level float64, seizure, mark int, data []byte) []int16 {
	t.Helper()
	m, err := NewModulator(spec, level)
	if err != nil {
		t.Fatal(err)
	}
	m.QueueSeizure(seizure)
	m.QueueMark(mark)
	m.QueueBytes(data)
	m.QueueMark(10)
	var out []int16
	frame := make([]int16, 160)
	for {
		n := m.Fill(frame)
		out = append(out, frame[:n]...)
		if n < len(frame) {
			break
		}
	}
	return append(out, make([]int16, 160)...)
}

// demodulate feeds x in frames of the given size and returns all bytes.
func demodulate(t testing.TB, spec Spec, cfg DemodConfig, x []int16, frame int) []byte {
	t.Helper()
	d, err := NewDemodulator(spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	for i := 0; i < len(x); i += frame {
		b, _ := d.Process(x[i:min(i+frame, len(x))])
		got = append(got, b...)
	}
	return got
}

// addNoise adds white Gaussian noise at snr dB below the signal level.
func addNoise(x []int16, level, snr float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	sigma := measure.DBm0Ref * math.Pow(10, (level-snr)/20)
	for i, v := range x {
		y := float64(v) + sigma*r.NormFloat64()
		x[i] = int16(max(-32768, min(32767, math.Round(y))))
	}
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// afterPreamble returns the last n received characters: the data, after the
// seizure (which decodes as 0x55 characters).
func afterPreamble(got []byte, n int) []byte {
	if len(got) < n {
		return got
	}
	return got[len(got)-n:]
}

var specs = []Spec{Bell202, V23}

func TestModulatorFrequencyAndLevel(t *testing.T) {
	for _, spec := range specs {
		for _, tc := range []struct {
			bit  byte
			freq float64
		}{{1, spec.Mark}, {0, spec.Space}} {
			m, err := NewModulator(spec, -14)
			if err != nil {
				t.Fatal(err)
			}
			bits := bytes.Repeat([]byte{tc.bit}, 1200)
			m.QueueBits(bits)
			x := make([]int16, 8000)
			if n := m.Fill(x); n != 8000 {
				t.Fatalf("%s: Fill wrote %d samples for 1200 bits, want 8000", spec.Name, n)
			}
			if f := measure.Frequency(x); math.Abs(f-tc.freq) > 0.5 {
				t.Errorf("%s bit %d: frequency %.2f Hz, want %.0f", spec.Name, tc.bit, f, tc.freq)
			}
			if l := measure.LevelDBm0(x); math.Abs(l+14) > 0.05 {
				t.Errorf("%s bit %d: level %.3f dBm0, want -14", spec.Name, tc.bit, l)
			}
			if m.Busy() {
				t.Errorf("%s: busy after all bits were sent", spec.Name)
			}
		}
	}
}

// TestModulatorBitClock checks that n bits take n*SampleRate/Baud samples
// (to the nearest sample) for several lengths.
func TestModulatorBitClock(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 299, 300, 1000} {
		m, _ := NewModulator(V23, -10)
		m.QueueSeizure(n)
		x := make([]int16, 10000)
		got := m.Fill(x)
		want := float64(n) * SampleRate / V23.Baud
		if math.Abs(float64(got)-want) > 0.5 {
			t.Errorf("%d bits: %d samples, want %.2f", n, got, want)
		}
	}
}

// TestModulatorPhaseContinuous checks that no sample step exceeds what the
// higher tone's slope allows: a phase jump at a bit boundary would.
func TestModulatorPhaseContinuous(t *testing.T) {
	for _, spec := range specs {
		m, _ := NewModulator(spec, -4)
		m.QueueBytes(randomBytes(200, 1))
		m.QueueSeizure(300)
		var x []int16
		frame := make([]int16, 37) // odd frame size: boundaries inside frames
		for {
			n := m.Fill(frame)
			x = append(x, frame[:n]...)
			if n < len(frame) {
				break
			}
		}
		amp := measure.Amplitude(-4)
		limit := 2*amp*math.Sin(math.Pi*spec.Space/SampleRate) + 2
		for i := 1; i < len(x); i++ {
			if d := math.Abs(float64(x[i]) - float64(x[i-1])); d > limit {
				t.Fatalf("%s: step of %.0f at sample %d exceeds %.0f", spec.Name, d, i, limit)
			}
		}
	}
}

func TestDemodulatorRoundTrip(t *testing.T) {
	for _, spec := range specs {
		for _, frame := range []int{1, 7, 160, 8000} {
			data := randomBytes(500, uint64(frame))
			x := modulate(t, spec, -14, 300, 180, data)
			got := demodulate(t, spec, DemodConfig{}, x, frame)
			if !bytes.Equal(afterPreamble(got, len(data)), data) {
				t.Errorf("%s frame %d: received %d bytes, mismatch", spec.Name, frame, len(got))
			}
		}
	}
}

func TestDemodulatorReset(t *testing.T) {
	data := randomBytes(50, 4)
	x := modulate(t, V23, -14, 300, 180, data)
	d, _ := NewDemodulator(V23, DemodConfig{})
	d.Process(x[:len(x)/2])
	d.Reset()
	var got []byte
	for i := 0; i < len(x); i += 160 {
		b, _ := d.Process(x[i:min(i+160, len(x))])
		got = append(got, b...)
	}
	if !bytes.Equal(afterPreamble(got, len(data)), data) {
		t.Errorf("after Reset: % x", got)
	}
}

// TestDemodulatorNoPreamble checks that characters sent after a short mark
// (80 bits, as for caller ID during a call) are all received.
func TestDemodulatorNoPreamble(t *testing.T) {
	for _, spec := range specs {
		data := randomBytes(100, 3)
		x := modulate(t, spec, -14, 0, 80, data)
		got := demodulate(t, spec, DemodConfig{}, x, 160)
		if !bytes.Equal(got, data) {
			t.Errorf("%s: got % x", spec.Name, got)
		}
	}
}

// TestDemodulatorLevels: -4 to -40 dBm0 (the range the caller-ID receivers
// must handle) in 1 dB steps, with the default cut-off.
func TestDemodulatorLevels(t *testing.T) {
	for _, spec := range specs {
		for l := -4.0; l >= -40; l-- {
			data := randomBytes(200, uint64(-l))
			x := modulate(t, spec, l, 300, 180, data)
			got := demodulate(t, spec, DemodConfig{}, x, 160)
			if !bytes.Equal(afterPreamble(got, len(data)), data) {
				t.Errorf("%s at %.0f dBm0: mismatch", spec.Name, l)
			}
		}
	}
}

// TestDemodulatorNoise: S/N 20 dB white noise (in the 4 kHz band) at -14 and
// -40 dBm0: no character errors in 2000 characters.
func TestDemodulatorNoise(t *testing.T) {
	for _, spec := range specs {
		for _, l := range []float64{-14, -40} {
			data := randomBytes(2000, 7)
			x := modulate(t, spec, l, 300, 180, data)
			addNoise(x, l, 20, uint64(-l))
			got := demodulate(t, spec, DemodConfig{}, x, 160)
			// Noise goes on after the signal, and so may the carrier.
			if !bytes.Contains(got, data) {
				errs := 0
				g := afterPreamble(got[:min(len(got), 31+len(data))], len(data))
				for i := range min(len(g), len(data)) {
					if g[i] != data[i] {
						errs++
					}
				}
				t.Errorf("%s at %.0f dBm0, S/N 20 dB: %d bytes received, %d differ", spec.Name, l, len(got), errs)
			}
		}
	}
}

// TestDemodulatorTolerance: GR-30-CORE clause 3.1 and EN 300 659-1 clause
// 6.1.1 allow ±1 % on each frequency and on the baud rate.
func TestDemodulatorTolerance(t *testing.T) {
	for _, spec := range specs {
		for _, f := range []float64{-0.01, 0.01} {
			for _, b := range []float64{-0.01, 0.01} {
				tx := Spec{Mark: spec.Mark * (1 + f), Space: spec.Space * (1 - f), Baud: spec.Baud * (1 + b)}
				data := randomBytes(500, 9)
				x := modulate(t, tx, -20, 300, 180, data)
				addNoise(x, -20, 25, 4)
				got := demodulate(t, spec, DemodConfig{}, x, 160)
				if !bytes.Contains(got, data) {
					t.Errorf("%s freq %+.0f%% baud %+.0f%%: mismatch", spec.Name, f*100, b*100)
				}
			}
		}
	}
}

// TestDemodulatorG711 sends the signal through µ-law and A-law.
func TestDemodulatorG711(t *testing.T) {
	for _, spec := range specs {
		for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
			for _, l := range []float64{-4, -14, -40} {
				data := randomBytes(300, 5)
				x := modulate(t, spec, l, 300, 180, data)
				codes := make([]byte, len(x))
				law.Encode(codes, x)
				law.Decode(x, codes)
				got := demodulate(t, spec, DemodConfig{}, x, 160)
				if !bytes.Equal(afterPreamble(got, len(data)), data) {
					t.Errorf("%s through %v at %.0f dBm0: mismatch", spec.Name, law, l)
				}
			}
		}
	}
}

// carrierAfter feeds 300 ms of FSK at level to a demodulator. If startOn,
// the carrier is first brought up by 100 ms at -14 dBm0 and carrierAfter
// reports whether it stays on throughout; otherwise it reports whether it
// ever turns on.
func carrierAfter(spec Spec, cutoff, level float64, startOn bool) bool {
	d, _ := NewDemodulator(spec, DemodConfig{CutoffDBm0: cutoff})
	frame := make([]int16, 160)
	if startOn {
		m, _ := NewModulator(spec, -14)
		m.QueueBytes(randomBytes(20, 1))
		for range 5 {
			m.Fill(frame)
			d.Process(frame)
		}
		if !d.Carrier() {
			return false
		}
	}
	m, _ := NewModulator(spec, level)
	m.QueueBytes(randomBytes(40, 2))
	for range 15 {
		m.Fill(frame)
		_, c := d.Process(frame)
		if c != startOn {
			return c
		}
	}
	return startOn
}

// TestCarrierDetectHysteresis: with a -30 dBm0 cut-off the carrier turns on
// between -29 and -26 dBm0 and off between -35 and -31 dBm0 (EN 300 659-1
// clause 6.1.1). The thresholds are located in 0.1 dB steps.
func TestCarrierDetectHysteresis(t *testing.T) {
	for _, spec := range specs {
		onAt, offAt := math.NaN(), math.NaN()
		for l := -40.0; l <= -20; l += 0.1 {
			if carrierAfter(spec, -30, l, false) {
				onAt = l
				break
			}
		}
		for l := -20.0; l >= -40; l -= 0.1 {
			if !carrierAfter(spec, -30, l, true) {
				offAt = l
				break
			}
		}
		t.Logf("%s: carrier on at %.1f dBm0, off at %.1f dBm0", spec.Name, onAt, offAt)
		if !(onAt > -29 && onAt <= -26) {
			t.Errorf("%s: carrier turns on at %.1f dBm0, want between -29 and -26", spec.Name, onAt)
		}
		if !(offAt >= -35 && offAt < -31) {
			t.Errorf("%s: carrier turns off at %.1f dBm0, want between -35 and -31", spec.Name, offAt)
		}
		// Explicit points of the requirement.
		for _, tc := range []struct {
			level   float64
			startOn bool
			want    bool
		}{{-26, false, true}, {-29, false, false}, {-31, true, true}, {-35, true, false}} {
			if got := carrierAfter(spec, -30, tc.level, tc.startOn); got != tc.want {
				t.Errorf("%s: level %.0f dBm0 (carrier initially %v): carrier %v, want %v", spec.Name, tc.level, tc.startOn, got, tc.want)
			}
		}
	}
}

// TestCarrierGatesData: nothing is received below the cut-off, and white
// noise alone does not hold the carrier when below it.
func TestCarrierGatesData(t *testing.T) {
	data := randomBytes(100, 3)
	x := modulate(t, Bell202, -36, 300, 180, data)
	if got := demodulate(t, Bell202, DemodConfig{CutoffDBm0: -30}, x, 160); len(got) != 0 {
		t.Errorf("received %d bytes below the cut-off", len(got))
	}
}

func TestDemodulatorAllocs(t *testing.T) {
	data := randomBytes(100, 3)
	x := modulate(t, Bell202, -14, 300, 180, data)
	d, _ := NewDemodulator(Bell202, DemodConfig{})
	i := 0
	if n := testing.AllocsPerRun(200, func() {
		d.Process(x[i : i+160])
		i = (i + 160) % (len(x) - 160)
	}); n != 0 {
		t.Errorf("Process allocates %.1f times per frame", n)
	}
	m, _ := NewModulator(Bell202, -14)
	frame := make([]int16, 160)
	if n := testing.AllocsPerRun(200, func() {
		m.QueueMark(100)
		m.Fill(frame)
	}); n != 0 {
		t.Errorf("Fill allocates %.1f times per frame", n)
	}
}

func TestUnusableSpec(t *testing.T) {
	for _, s := range []Spec{{}, {Mark: 1200, Space: 1200, Baud: 1200}, {Mark: 1200, Space: 2200, Baud: 300}, {Mark: 5000, Space: 2200, Baud: 1200}} {
		if _, err := NewModulator(s, -10); err == nil {
			t.Errorf("NewModulator(%+v) accepted", s)
		}
		if _, err := NewDemodulator(s, DemodConfig{}); err == nil {
			t.Errorf("NewDemodulator(%+v) accepted", s)
		}
	}
}

// FuzzDemodulator feeds arbitrary audio (external input).
func FuzzDemodulator(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(160), false)
	x := modulate(f, Bell202, -14, 30, 20, []byte("hello"))
	raw := make([]byte, 2*len(x))
	for i, v := range x {
		raw[2*i], raw[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	f.Add(raw, uint8(37), false)
	f.Fuzz(func(t *testing.T, data []byte, frame uint8, v23 bool) {
		spec := Bell202
		if v23 {
			spec = V23
		}
		d, _ := NewDemodulator(spec, DemodConfig{CutoffDBm0: -60})
		x := make([]int16, len(data)/2)
		for i := range x {
			x[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		fs := max(int(frame), 1)
		total := 0
		for i := 0; i < len(x); i += fs {
			b, _ := d.Process(x[i:min(i+fs, len(x))])
			total += len(b)
		}
		// A character takes at least 9.5 bit periods.
		if limit := len(x)/6 + 1; total > limit {
			t.Fatalf("%d characters from %d samples", total, len(x))
		}
	})
}

func benchDemod(b *testing.B, spec Spec) {
	data := randomBytes(200, 3)
	x := modulate(b, spec, -14, 300, 180, data)
	d, _ := NewDemodulator(spec, DemodConfig{})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(x[i : i+160])
		i = (i + 160) % (len(x) - 160)
	}
	// One channel needs 50 frames of 160 samples per second.
	b.ReportMetric(1/(b.Elapsed().Seconds()/float64(b.N)*50), "ch/core")
}

func BenchmarkBell202Demodulator160(b *testing.B) { benchDemod(b, Bell202) }
func BenchmarkV23Demodulator160(b *testing.B)     { benchDemod(b, V23) }

func BenchmarkModulator160(b *testing.B) {
	m, _ := NewModulator(Bell202, -14)
	frame := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		if !m.Busy() {
			m.QueueSeizure(2000)
		}
		m.Fill(frame)
	}
	b.ReportMetric(1/(b.Elapsed().Seconds()/float64(b.N)*50), "ch/core")
}
