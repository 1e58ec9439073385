package cid

import (
	"errors"
	"testing"
)

func fuzzSeeds(f *testing.F, s Scheme) {
	f.Add(gr30Example)
	for _, m := range []Message{sample(s), {VMWI: On(), MessageCount: 2}, {NumberAbsence: Private}} {
		if raw, err := Append(nil, s, &m); err == nil {
			f.Add(raw)
			f.Add(raw[:len(raw)/2])
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x02, 0x0B, 0x05, 0x6F})
}

// fuzzDecode checks that Decode never panics and that Check and Decode
// agree; a decoded message must encode again (except for parameters that
// are not modelled).
func fuzzDecode(f *testing.F, s Scheme) {
	fuzzSeeds(f, s)
	f.Fuzz(func(t *testing.T, raw []byte) {
		cerr := Check(s, raw)
		m, err := Decode(s, raw)
		if (cerr == nil) != (err == nil) {
			t.Fatalf("Check %v, Decode %v", cerr, err)
		}
		if err != nil {
			if !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrCRC) && !errors.Is(err, ErrParity) && !errors.Is(err, ErrFormat) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if m.VMWI == nil && m.Number == "" && m.NumberAbsence == 0 && m.Type != TypeAdviceOfCh && m.Type != TypeSMS && s == DTMF {
			t.Fatalf("DTMF message without content: %q", raw)
		}
	})
}

func FuzzDecodeGR30(f *testing.F) { fuzzDecode(f, Bellcore) }
func FuzzDecodeETSI(f *testing.F) { fuzzDecode(f, ETSI) }
func FuzzDecodeNTT(f *testing.F)  { fuzzDecode(f, NTT) }
func FuzzDecodeDTMF(f *testing.F) { fuzzDecode(f, DTMF) }

// FuzzReceiver feeds arbitrary audio to every receiver: no panic, results
// bounded and their errors among the documented ones.
func FuzzReceiver(f *testing.F) {
	m := sample(Bellcore)
	x := send(f, SenderConfig{Scheme: Bellcore}, &m)
	raw := make([]byte, 2*len(x))
	for i, v := range x {
		raw[2*i], raw[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	f.Add(raw, uint8(160), uint8(Bellcore))
	f.Add([]byte{1, 2, 3, 4, 5}, uint8(1), uint8(NTT))
	f.Fuzz(func(t *testing.T, data []byte, frame uint8, scheme uint8) {
		s := Scheme(scheme%5 + 1)
		r, err := NewReceiver(ReceiverConfig{Scheme: s, CutoffDBm0: -60})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]int16, len(data)/2)
		for i := range x {
			x[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		fs := max(int(frame), 1)
		for i := 0; i < len(x); i += fs {
			for _, res := range r.Process(x[i:min(i+fs, len(x))]) {
				if len(res.Raw) > maxRaw {
					t.Fatalf("raw of %d octets", len(res.Raw))
				}
				switch res.Err {
				case nil, ErrChecksum, ErrCRC, ErrParity, ErrFormat, ErrTruncated:
				default:
					t.Fatalf("unexpected error %v", res.Err)
				}
				if _, err := res.Message(); (err == nil) != (res.Err == nil) {
					t.Fatalf("Result.Err %v but Message error %v", res.Err, err)
				}
			}
		}
	})
}

// FuzzCASDetector feeds arbitrary audio to the alerting tone detector.
func FuzzCASDetector(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3}, uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, frame uint8) {
		d := NewCASDetector(CASConfig{})
		x := make([]int16, len(data)/2)
		for i := range x {
			x[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		fs := max(int(frame), 1)
		hits := 0
		for i := 0; i < len(x); i += fs {
			if d.Process(x[i:min(i+fs, len(x))]) {
				hits++
			}
		}
		// An accepted tone is at least 40 ms long.
		if hits > len(x)/320+1 {
			t.Fatalf("%d detections in %d samples", hits, len(x))
		}
	})
}

func benchReceiver(b *testing.B, s Scheme) {
	m := sample(s)
	x := send(b, SenderConfig{Scheme: s}, &m)
	r, _ := NewReceiver(ReceiverConfig{Scheme: s})
	n := len(x) / 160 * 160
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Process(x[i : i+160])
		i = (i + 160) % n
	}
	// One channel needs 50 frames of 160 samples per second.
	b.ReportMetric(1/(b.Elapsed().Seconds()/float64(b.N)*50), "ch/core")
}

func BenchmarkBell202Receiver160(b *testing.B) { benchReceiver(b, Bellcore) }
func BenchmarkV23Receiver160(b *testing.B)     { benchReceiver(b, ETSI) }
func BenchmarkNTTReceiver160(b *testing.B)     { benchReceiver(b, NTT) }
func BenchmarkDTMFReceiver160(b *testing.B)    { benchReceiver(b, DTMF) }

func BenchmarkCASDetector160(b *testing.B) {
	x := casSignal(80e6, AlertLow, AlertHigh, -16)
	d := NewCASDetector(CASConfig{})
	n := len(x) / 160 * 160
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		d.Process(x[i : i+160])
		i = (i + 160) % n
	}
	b.ReportMetric(1/(b.Elapsed().Seconds()/float64(b.N)*50), "ch/core")
}

func BenchmarkSenderFill160(b *testing.B) {
	s, _ := NewSender(SenderConfig{Scheme: Bellcore})
	m := sample(Bellcore)
	frame := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		if !s.Busy() {
			s.Send(&m)
		}
		s.Fill(frame)
	}
}
