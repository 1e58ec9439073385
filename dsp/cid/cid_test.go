package cid

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/fsk"
	"tipring/dsp/g711"
	"tipring/dsp/measure"
)

// render plays everything queued on s, then 200 ms of silence.
func render(t testing.TB, s *Sender) []int16 {
	t.Helper()
	var out []int16
	frame := make([]int16, 160)
	for s.Busy() {
		n := s.Fill(frame)
		out = append(out, frame[:n]...)
		if n == 0 {
			t.Fatal("busy sender wrote nothing")
		}
	}
	return append(out, make([]int16, 1600)...)
}

func send(t testing.TB, cfg SenderConfig, m *Message) []int16 {
	t.Helper()
	s, err := NewSender(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(m); err != nil {
		t.Fatal(err)
	}
	return render(t, s)
}

// receive feeds x in frames and returns copies of all results.
func receive(t testing.TB, cfg ReceiverConfig, x []int16, frame int) []Result {
	t.Helper()
	r, err := NewReceiver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var res []Result
	for i := 0; i < len(x); i += frame {
		for _, e := range r.Process(x[i:min(i+frame, len(x))]) {
			e.Raw = bytes.Clone(e.Raw)
			res = append(res, e)
		}
	}
	return res
}

// receiveOne expects exactly one good message.
func receiveOne(t *testing.T, s Scheme, cfg ReceiverConfig, x []int16) Message {
	t.Helper()
	cfg.Scheme = s
	res := receive(t, cfg, x, 160)
	if len(res) != 1 {
		t.Fatalf("%v: %d results, want 1: %+v", s, len(res), res)
	}
	m, err := res[0].Message()
	if err != nil {
		t.Fatalf("%v: %v (raw % x)", s, err, res[0].Raw)
	}
	return m
}

func addNoise(x []int16, level, snr float64, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 1))
	sigma := measure.DBm0Ref * math.Pow(10, (level-snr)/20)
	for i, v := range x {
		x[i] = int16(max(-32768, min(32767, math.Round(float64(v)+sigma*r.NormFloat64()))))
	}
}

func at(mo time.Month, d, h, mi int) time.Time { return time.Date(0, mo, d, h, mi, 0, 0, time.UTC) }

func same(a, b Message) bool {
	if (a.VMWI == nil) != (b.VMWI == nil) || (a.VMWI != nil && *a.VMWI != *b.VMWI) {
		return false
	}
	a.VMWI, b.VMWI = nil, nil
	return a == b
}

// fskSchemes are the schemes received by FSK.
var fskSchemes = []Scheme{Bellcore, ETSI, BT, NTT}

// sample returns a typical call message for s.
func sample(s Scheme) Message {
	switch s {
	case NTT:
		return Message{Type: TypeNTT, Number: "0312345678"}
	case DTMF:
		return Message{Number: "0123456789"}
	case ETSI, BT:
		return Message{Type: TypeMDMF, Time: at(time.March, 14, 9, 5), Number: "01234567890", Name: "ADA LOVELACE", CallType: 1}
	}
	return Message{Type: TypeMDMF, Time: at(time.December, 31, 23, 59), Number: "6095551212", Name: "JOHN DOE"}
}

// gr30Example is the SDMF message of the GR-30-CORE example: 30 September,
// 12:24, calling number 609-555-1212.
var gr30Example = []byte{0x04, 0x12, 0x30, 0x39, 0x33, 0x30, 0x31, 0x32, 0x32, 0x34,
	0x36, 0x30, 0x39, 0x35, 0x35, 0x35, 0x31, 0x32, 0x31, 0x32, 0x51}

func TestGR30SDMFKnownVector(t *testing.T) {
	m := Message{Type: TypeSDMF, Time: at(time.September, 30, 12, 24), Number: "6095551212"}
	raw, err := AppendGR30(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, gr30Example) {
		t.Errorf("encoded % x\nwant     % x", raw, gr30Example)
	}
	got, err := Decode(Bellcore, gr30Example)
	if err != nil {
		t.Fatal(err)
	}
	if !same(got, m) {
		t.Errorf("decoded %+v, want %+v", got, m)
	}
}

func TestGR30SDMFRoundTrip(t *testing.T) {
	for _, m := range []Message{
		{Type: TypeSDMF, Time: at(time.September, 30, 12, 24), Number: "6095551212"},
		{Type: TypeSDMF, Time: at(time.February, 29, 0, 0), NumberAbsence: Private},
		{Type: TypeSDMF, Time: at(time.January, 1, 7, 3), NumberAbsence: Unavailable},
	} {
		x := send(t, SenderConfig{Scheme: Bellcore}, &m)
		if got := receiveOne(t, Bellcore, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("received %+v, want %+v", got, m)
		}
	}
}

func TestGR30MDMFRoundTrip(t *testing.T) {
	for _, m := range []Message{
		sample(Bellcore),
		{Type: TypeMDMF, Time: at(time.July, 4, 18, 30), NumberAbsence: Private, NameAbsence: Private},
		{Type: TypeMDMF, Time: at(time.July, 4, 18, 30), NumberAbsence: Unavailable, NameAbsence: Unavailable},
		{Type: TypeMDMF, Number: "18005551234", Dialled: "5551000", Name: "ACME CORP"},
	} {
		x := send(t, SenderConfig{Scheme: Bellcore}, &m)
		if got := receiveOne(t, Bellcore, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("received %+v, want %+v", got, m)
		}
	}
}

// TestGR30MDMFEncoding checks the octets of an MDMF message (parameter
// order and codes of GR-30-CORE clause 5.4).
func TestGR30MDMFEncoding(t *testing.T) {
	m := Message{Time: at(time.March, 1, 8, 5), Number: "5551234", NameAbsence: Private}
	raw, err := AppendGR30(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x80, 0x16, 0x01, 0x08, '0', '3', '0', '1', '0', '8', '0', '5',
		0x02, 0x07, '5', '5', '5', '1', '2', '3', '4', 0x08, 0x01, 'P'}
	want = append(want, -sum8(want))
	if !bytes.Equal(raw, want) {
		t.Errorf("encoded % x\nwant     % x", raw, want)
	}
}

func TestGR30VMWI(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		want []byte
	}{
		{Message{VMWI: On()}, []byte{0x82, 0x03, 0x0B, 0x01, 0xFF, 0x70}},
		{Message{VMWI: Off()}, []byte{0x82, 0x03, 0x0B, 0x01, 0x00, 0x6F}},
		{Message{Type: TypeSDMFMWI, VMWI: On()}, []byte{0x06, 0x03, 0x42, 0x42, 0x42, 0x31}},
		{Message{Type: TypeSDMFMWI, VMWI: Off()}, []byte{0x06, 0x03, 0x6F, 0x6F, 0x6F, 0xAA}},
	} {
		raw, err := AppendGR30(nil, &tc.m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, tc.want) {
			t.Errorf("VMWI %v type %#x: % x, want % x", *tc.m.VMWI, tc.m.Type, raw, tc.want)
		}
		x := send(t, SenderConfig{Scheme: Bellcore}, &tc.m)
		got := receiveOne(t, Bellcore, ReceiverConfig{}, x)
		if got.VMWI == nil || *got.VMWI != *tc.m.VMWI {
			t.Errorf("VMWI %v type %#x: received %+v", *tc.m.VMWI, tc.m.Type, got)
		}
	}
}

func TestEN300659CLIP(t *testing.T) {
	for _, m := range []Message{
		sample(ETSI),
		{Type: TypeMDMF, Time: at(time.October, 10, 10, 10), NumberAbsence: Private, NameAbsence: Private},
		{Type: TypeMDMF, Number: "0044207946000", Dialled: "0123"},
	} {
		x := send(t, SenderConfig{Scheme: ETSI}, &m)
		if got := receiveOne(t, ETSI, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("received %+v, want %+v", got, m)
		}
	}
}

// TestEN300659MWI: message waiting indicator message (type 0x82) with the
// visual indicator and the number of messages.
func TestEN300659MWI(t *testing.T) {
	m := Message{Type: TypeMDMFMWI, VMWI: On(), MessageCount: 3, Time: at(time.May, 2, 13, 45)}
	raw, err := AppendETSI(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x82, 0x0D, 0x01, 0x08, '0', '5', '0', '2', '1', '3', '4', '5', 0x0B, 0x01, 0xFF, 0x13, 0x01, 0x03}
	want = append(want[:1], want[1:]...)
	want[1] = byte(len(want) - 2)
	want = append(want, -sum8(want))
	if !bytes.Equal(raw, want) {
		t.Errorf("encoded % x\nwant     % x", raw, want)
	}
	x := send(t, SenderConfig{Scheme: ETSI}, &m)
	if got := receiveOne(t, ETSI, ReceiverConfig{}, x); !same(got, m) {
		t.Errorf("received %+v, want %+v", got, m)
	}
	off := Message{Type: TypeMDMFMWI, VMWI: Off()}
	x = send(t, SenderConfig{Scheme: ETSI}, &off)
	if got := receiveOne(t, ETSI, ReceiverConfig{}, x); !same(got, off) {
		t.Errorf("received %+v, want %+v", got, off)
	}
}

func TestEN300659CLIPOverDTMF(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{Message{Number: "0123456789"}, "A0123456789C"},
		{Message{NumberAbsence: Private}, "B10C"},
		{Message{NumberAbsence: Unavailable}, "B00C"},
	} {
		raw, err := AppendDTMF(nil, &tc.m)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != tc.want {
			t.Errorf("encoded %q, want %q", raw, tc.want)
		}
		x := send(t, SenderConfig{Scheme: DTMF}, &tc.m)
		if got := receiveOne(t, DTMF, ReceiverConfig{}, x); !same(got, tc.m) {
			t.Errorf("received %+v, want %+v", got, tc.m)
		}
	}
}

// TestCLIPOverDTMFVariants decodes the national variants.
func TestCLIPOverDTMFVariants(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want Message
		bad  bool
	}{
		{raw: "A12345C", want: Message{Number: "12345"}},
		{raw: "A12345D678B10C", want: Message{Number: "12345", NumberAbsence: Private}},
		{raw: "D0287654321C", want: Message{Number: "0287654321"}},
		{raw: "A5551234#", want: Message{Number: "5551234"}},
		{raw: "D1#", want: Message{NumberAbsence: Private}},
		{raw: "D3#", want: Message{NumberAbsence: Unavailable}},
		{raw: "5551234#", want: Message{Number: "5551234"}},
		{raw: "B99C", bad: true},
		{raw: "AC", bad: true},
		{raw: "A12*3C", bad: true},
		{raw: "A123", bad: true},
		{raw: "C", bad: true},
	} {
		got, err := Decode(DTMF, []byte(tc.raw))
		if tc.bad {
			if err == nil {
				t.Errorf("%q: decoded %+v, want an error", tc.raw, got)
			}
			continue
		}
		if err != nil || !same(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
}

func TestNTTJCLIP(t *testing.T) {
	m := sample(NTT)
	raw, err := AppendNTT(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	// DLE SOH header DLE STX with even parity; type 0x40 (parity 1).
	if want := []byte{0x90, 0x81, 0x87, 0x90, 0x82, 0xC0}; !bytes.Equal(raw[:6], want) {
		t.Errorf("frame starts % x, want % x", raw[:6], want)
	}
	if got := raw[len(raw)-4 : len(raw)-2]; !bytes.Equal(got, []byte{0x90, 0x03}) {
		t.Errorf("frame ends % x before the CRC, want 90 03", got)
	}
	if crc16(0, raw[2:]) != 0 {
		t.Error("CRC residue is not zero")
	}
	for _, m := range []Message{
		m,
		{Type: TypeNTT, NumberAbsence: 'P'},
		{Type: TypeNTT, NumberAbsence: 'C'},
		// 14 digits: the text length is 16, a DLE, which is doubled.
		{Type: TypeNTT, Number: "09012345678901"},
		{Type: TypeNTT, Number: "0312345678", Dialled: "0398765432"},
	} {
		raw, err := AppendNTT(nil, &m)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Number) == 14 && !bytes.Contains(raw, []byte{0x90, 0x90}) {
			t.Errorf("length DLE not doubled: % x", raw)
		}
		x := send(t, SenderConfig{Scheme: NTT}, &m)
		if got := receiveOne(t, NTT, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("received %+v, want %+v", got, m)
		}
	}
}

// TestSIN227 checks the BT on-hook sequence: the 2130 + 2750 Hz tone alert
// for 88-110 ms, at least 45 ms of silence, then V.23 data with 96-315 bits
// of channel seizure and 55-90 mark bits, and the message decoded.
func TestSIN227(t *testing.T) {
	m := sample(BT)
	x := send(t, SenderConfig{Scheme: BT}, &m)
	// Tone alert: measure its extent and frequencies.
	end := 0
	for end < len(x) && !allZero(x[end:min(end+40, len(x))]) {
		end++
	}
	if d := time.Duration(end) * time.Second / SampleRate; d < 88*time.Millisecond || d > 110*time.Millisecond {
		t.Errorf("tone alert lasts %v", d)
	}
	for _, f := range []float64{AlertLow, AlertHigh} {
		if l := measure.ToneLevelDBm0(x[:end], f); math.Abs(l+16) > 0.5 {
			t.Errorf("tone alert %v Hz at %.2f dBm0, want -16", f, l)
		}
	}
	if !NewCASDetector(CASConfig{}).Process(x[:end+160]) {
		t.Error("tone alert not detected")
	}
	start := end
	for start < len(x) && x[start] == 0 {
		start++
	}
	if d := time.Duration(start-end) * time.Second / SampleRate; d < 45*time.Millisecond {
		t.Errorf("silence after the tone alert %v, want >= 45 ms", d)
	}
	// Seizure: the first 96 bits (80 ms) are alternations, which an
	// asynchronous receiver reads as 0x55 characters.
	d, _ := fsk.NewDemodulator(fsk.V23, fsk.DemodConfig{})
	chars, _ := d.Process(x[start : start+640])
	if n := bytes.Count(chars, []byte{0x55}); n < 7 {
		t.Errorf("%d seizure characters in the first 96 bits (% x)", n, chars)
	}
	if got := receiveOne(t, BT, ReceiverConfig{}, x); !same(got, m) {
		t.Errorf("received %+v, want %+v", got, m)
	}
	for _, m := range []Message{
		{Type: TypeMDMF, Time: at(time.June, 6, 6, 6), NumberAbsence: Private},
		{Type: TypeMDMFMWI, VMWI: On(), MessageCount: 1},
		{Type: TypeMDMFMWI, VMWI: Off()},
	} {
		x := send(t, SenderConfig{Scheme: BT}, &m)
		if got := receiveOne(t, BT, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("received %+v, want %+v", got, m)
		}
	}
}

// TestReceiverLevels: every FSK scheme from -4 to -40 dBm0.
func TestReceiverLevels(t *testing.T) {
	for _, s := range fskSchemes {
		m := sample(s)
		for l := -4.0; l >= -40; l -= 4 {
			x := send(t, SenderConfig{Scheme: s, LevelDBm0: l}, &m)
			if got := receiveOne(t, s, ReceiverConfig{}, x); !same(got, m) {
				t.Errorf("%v at %.0f dBm0: received %+v", s, l, got)
			}
		}
	}
}

// TestReceiverNoise: S/N 20 dB white noise over the whole signal, at -14
// and -40 dBm0, 20 messages each.
func TestReceiverNoise(t *testing.T) {
	for _, s := range fskSchemes {
		m := sample(s)
		for _, l := range []float64{-14, -40} {
			for i := range 20 {
				x := send(t, SenderConfig{Scheme: s, LevelDBm0: l}, &m)
				addNoise(x, l, 20, uint64(i))
				res := receive(t, ReceiverConfig{Scheme: s}, x, 160)
				good := 0
				for _, r := range res {
					if got, err := r.Message(); err == nil && same(got, m) {
						good++
					}
				}
				if good != 1 {
					t.Errorf("%v at %.0f dBm0, S/N 20 dB, run %d: %d good messages in %+v", s, l, i, good, res)
				}
			}
		}
	}
}

func TestReceiverG711(t *testing.T) {
	for _, s := range append(fskSchemes, DTMF) {
		m := sample(s)
		for _, law := range []g711.Law{g711.Ulaw, g711.Alaw} {
			x := send(t, SenderConfig{Scheme: s}, &m)
			c := make([]byte, len(x))
			law.Encode(c, x)
			law.Decode(x, c)
			if got := receiveOne(t, s, ReceiverConfig{}, x); !same(got, m) {
				t.Errorf("%v through %v: received %+v", s, law, got)
			}
		}
	}
}

// TestReceiverCutoff: with a -30 dBm0 cut-off a message at -26 dBm0 is
// received and one at -36 dBm0 is not.
func TestReceiverCutoff(t *testing.T) {
	m := sample(Bellcore)
	x := send(t, SenderConfig{Scheme: Bellcore, LevelDBm0: -26}, &m)
	receiveOne(t, Bellcore, ReceiverConfig{CutoffDBm0: -30}, x)
	x = send(t, SenderConfig{Scheme: Bellcore, LevelDBm0: -36}, &m)
	if res := receive(t, ReceiverConfig{Scheme: Bellcore, CutoffDBm0: -30}, x, 160); len(res) != 0 {
		t.Errorf("received %+v below the cut-off", res)
	}
}

// TestChecksumErrorReported: a damaged message is reported with its error
// and never delivered as good.
func TestChecksumErrorReported(t *testing.T) {
	for _, tc := range []struct {
		s       Scheme
		corrupt func([]byte)
		want    error
	}{
		{Bellcore, func(b []byte) { b[len(b)-1]++ }, ErrChecksum},
		{Bellcore, func(b []byte) { b[5] ^= 0x01 }, ErrChecksum},
		{ETSI, func(b []byte) { b[len(b)-1] ^= 0x80 }, ErrChecksum},
		{BT, func(b []byte) { b[7]++ }, ErrChecksum},
		{NTT, func(b []byte) { b[len(b)-1]++ }, ErrCRC},
		{NTT, func(b []byte) { b[8] ^= 0x80 }, ErrCRC},
		{DTMF, func(b []byte) { b[0] = 'C' }, ErrFormat},           // no start code
		{DTMF, func(b []byte) { b[len(b)-1] = '*' }, ErrTruncated}, // no end code
	} {
		m := sample(tc.s)
		raw, err := Append(nil, tc.s, &m)
		if err != nil {
			t.Fatal(err)
		}
		tc.corrupt(raw)
		snd, _ := NewSender(SenderConfig{Scheme: tc.s})
		if err := snd.SendRaw(raw); err != nil {
			t.Fatal(err)
		}
		x := append(render(t, snd), make([]int16, 10000)...)
		res := receive(t, ReceiverConfig{Scheme: tc.s}, x, 160)
		if len(res) != 1 || !errors.Is(res[0].Err, tc.want) {
			t.Fatalf("%v: results %+v, want one with %v", tc.s, res, tc.want)
		}
		if _, err := res[0].Message(); !errors.Is(err, tc.want) {
			t.Errorf("%v: Message() error %v, want %v", tc.s, err, tc.want)
		}
		if _, err := Decode(tc.s, raw); tc.want != ErrTruncated && !errors.Is(err, tc.want) {
			t.Errorf("%v: Decode error %v, want %v", tc.s, err, tc.want)
		}
	}
}

// TestNTTParity: a character with bad parity but a matching CRC is still
// rejected.
func TestNTTParity(t *testing.T) {
	m := sample(NTT)
	raw, _ := AppendNTT(nil, &m)
	raw[8] ^= 0x80
	crc := crc16(0, raw[2:len(raw)-2])
	raw[len(raw)-2], raw[len(raw)-1] = byte(crc), byte(crc>>8)
	if _, err := Decode(NTT, raw); !errors.Is(err, ErrParity) {
		t.Errorf("error %v, want %v", err, ErrParity)
	}
}

// TestReceiverTruncated: loss of carrier in the middle of a message.
func TestReceiverTruncated(t *testing.T) {
	m := sample(Bellcore)
	x := send(t, SenderConfig{Scheme: Bellcore}, &m)
	// Seizure and mark take 400 ms; cut 100 ms into the message.
	clear(x[500*8:])
	res := receive(t, ReceiverConfig{Scheme: Bellcore}, x, 160)
	if len(res) != 1 || !errors.Is(res[0].Err, ErrTruncated) {
		t.Errorf("results %+v, want one truncated", res)
	}
}

// TestReceiverBackToBack: two messages in one carrier burst and two bursts.
func TestReceiverBackToBack(t *testing.T) {
	s, _ := NewSender(SenderConfig{Scheme: ETSI})
	a, b := sample(ETSI), Message{Type: TypeMDMFMWI, VMWI: On()}
	s.Send(&a)
	s.SendSilence(300 * time.Millisecond)
	s.Send(&b)
	x := render(t, s)
	res := receive(t, ReceiverConfig{Scheme: ETSI}, x, 160)
	if len(res) != 2 {
		t.Fatalf("%d results", len(res))
	}
	for i, want := range []Message{a, b} {
		if got, err := res[i].Message(); err != nil || !same(got, want) {
			t.Errorf("message %d: %+v, %v", i, got, err)
		}
	}
}

func TestCASToneGenerate(t *testing.T) {
	s, _ := NewSender(SenderConfig{Scheme: Bellcore, AlertDBm0: -20})
	s.SendAlert(80 * time.Millisecond)
	x := make([]int16, 1000)
	if n := s.Fill(x); n != 640 {
		t.Errorf("80 ms CAS is %d samples, want 640", n)
	}
	for _, f := range []float64{AlertLow, AlertHigh} {
		if l := measure.ToneLevelDBm0(x[:640], f); math.Abs(l+20) > 0.2 {
			t.Errorf("%v Hz at %.2f dBm0, want -20", f, l)
		}
	}
	if l := measure.LevelDBm0(x[:640]); math.Abs(l-(-20+10*math.Log10(2))) > 0.2 {
		t.Errorf("CAS total level %.2f dBm0", l)
	}
}

// casSignal returns 100 ms of silence, the dual tone (or other signal) and
// 100 ms of silence.
func casSignal(d time.Duration, lo, hi, level float64) []int16 {
	n := samples(d)
	x := make([]int16, 800+n+800)
	if lo > 0 {
		measure.Sine(x[800:800+n], lo, level, 0.3)
	}
	if hi > 0 {
		y := make([]int16, n)
		measure.Sine(y, hi, level, 1.1)
		for i := range y {
			x[800+i] += y[i]
		}
	}
	return x
}

func detectCAS(x []int16) int {
	d := NewCASDetector(CASConfig{})
	hits := 0
	for i := 0; i < len(x); i += 160 {
		if d.Process(x[i:min(i+160, len(x))]) {
			hits++
		}
	}
	return hits
}

func TestCASToneDetect(t *testing.T) {
	for _, tc := range []struct {
		name          string
		d             time.Duration
		lo, hi, level float64
		want          int
	}{
		{"80 ms -16 dBm0", 80 * time.Millisecond, AlertLow, AlertHigh, -16, 1},
		{"75 ms -32 dBm0", 75 * time.Millisecond, AlertLow, AlertHigh, -32, 1},
		{"110 ms -4 dBm0", 110 * time.Millisecond, AlertLow, AlertHigh, -4, 1},
		{"+1.1 %", 85 * time.Millisecond, AlertLow * 1.011, AlertHigh * 1.011, -20, 1},
		{"-1.1 %", 85 * time.Millisecond, AlertLow * 0.989, AlertHigh * 0.989, -20, 1},
		{"20 ms burst", 20 * time.Millisecond, AlertLow, AlertHigh, -16, 0},
		{"400 ms tone", 400 * time.Millisecond, AlertLow, AlertHigh, -16, 0},
		{"2130 Hz alone", 80 * time.Millisecond, AlertLow, 0, -16, 0},
		{"2750 Hz alone", 80 * time.Millisecond, 0, AlertHigh, -16, 0},
		{"-45 dBm0", 80 * time.Millisecond, AlertLow, AlertHigh, -45, 0},
		{"DTMF 9", 80 * time.Millisecond, 852, 1477, -10, 0},
		{"5 % off", 80 * time.Millisecond, AlertLow * 1.05, AlertHigh * 0.95, -16, 0},
	} {
		if got := detectCAS(casSignal(tc.d, tc.lo, tc.hi, tc.level)); got != tc.want {
			t.Errorf("%s: %d detections, want %d", tc.name, got, tc.want)
		}
	}
	// White noise and FSK do not trigger it.
	x := make([]int16, 8000*5)
	addNoise(x, -10, 0, 1)
	m := sample(Bellcore)
	x = append(x, send(t, SenderConfig{Scheme: Bellcore}, &m)...)
	if got := detectCAS(x); got != 0 {
		t.Errorf("noise and FSK: %d detections", got)
	}
}

// TestCallWaitingTypeII plays the off-hook sequence of SR-3004 / EN 300
// 659-2: CAS, the set's DTMF acknowledgement, then FSK with 80 mark bits
// and no seizure.
func TestCallWaitingTypeII(t *testing.T) {
	for _, tc := range []struct {
		s   Scheme
		ack byte
	}{{Bellcore, 'D'}, {Bellcore, 'A'}, {ETSI, 'D'}} {
		snd, _ := NewSender(SenderConfig{Scheme: tc.s, OffHook: true})
		snd.SendAlert(80 * time.Millisecond)
		x := render(t, snd)
		if detectCAS(x) != 1 {
			t.Fatalf("%v: CAS not detected", tc.s)
		}
		// The set answers with 60 ms of 'A' or 'D'.
		g := dtmf.NewGenerator(dtmf.GenConfig{On: 60 * time.Millisecond, Off: 40 * time.Millisecond})
		g.Queue(string(tc.ack))
		ackAudio := make([]int16, 1600)
		g.Fill(ackAudio)
		ad := NewACKDetector()
		var got byte
		for i := 0; i < len(ackAudio); i += 160 {
			if a := ad.Process(ackAudio[i : i+160]); a != 0 {
				got = a
			}
		}
		if got != tc.ack {
			t.Fatalf("%v: ACK %q detected as %q", tc.s, tc.ack, got)
		}
		m := sample(tc.s)
		if err := snd.Send(&m); err != nil {
			t.Fatal(err)
		}
		x = render(t, snd)
		// No seizure: the first 60 ms are mark only.
		if l := measure.ToneLevelDBm0(x[:480], fskSpace(tc.s)); l > -40 {
			t.Errorf("%v: space energy %.1f dBm0 in the preamble", tc.s, l)
		}
		if got := receiveOne(t, tc.s, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("%v: received %+v", tc.s, got)
		}
	}
}

func allZero(x []int16) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

func fskSpace(s Scheme) float64 {
	if s == Bellcore {
		return 2200
	}
	return 2100
}

// TestACKRejectsOtherDigits: digits other than A and D are not an ACK.
func TestACKRejectsOtherDigits(t *testing.T) {
	g := dtmf.NewGenerator(dtmf.GenConfig{On: 60 * time.Millisecond, Off: 60 * time.Millisecond})
	g.Queue("0123456789BC*#")
	x := make([]int16, 8000*3)
	g.Fill(x)
	ad := NewACKDetector()
	for i := 0; i < len(x); i += 160 {
		if a := ad.Process(x[i : i+160]); a != 0 {
			t.Fatalf("ACK %q from other digits", a)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		s Scheme
		m Message
	}{
		{Bellcore, Message{Type: TypeSDMF, Number: "123"}},                                                                // SDMF needs the time
		{Bellcore, Message{Type: TypeSDMF, Time: at(1, 1, 1, 1), Name: "X"}},                                              // SDMF has no name
		{Bellcore, Message{Number: "12\x0034"}},                                                                           // not printable
		{ETSI, Message{NumberAbsence: 'X'}},                                                                               // bad reason
		{ETSI, Message{VMWI: On(), MessageCount: 300}},                                                                    // count
		{DTMF, Message{Number: "12-34"}},                                                                                  // not a digit
		{NTT, Message{Number: string(bytes.Repeat([]byte{'1'}, 130))}},                                                    // too long
		{Bellcore, Message{Name: string(bytes.Repeat([]byte{'A'}, 200)), Number: string(bytes.Repeat([]byte{'1'}, 100))}}, // > 255
	} {
		if raw, err := Append(nil, tc.s, &tc.m); err == nil {
			t.Errorf("%v %+v: encoded % x, want an error", tc.s, tc.m, raw)
		}
	}
}

func TestReceiverAllocs(t *testing.T) {
	for _, s := range append(fskSchemes, DTMF) {
		m := sample(s)
		x := send(t, SenderConfig{Scheme: s}, &m)
		r, _ := NewReceiver(ReceiverConfig{Scheme: s})
		i, msgs := 0, 0
		// Whole passes over the message, so completion is included.
		runs := len(x) / 160 * 2
		if n := testing.AllocsPerRun(runs, func() {
			msgs += len(r.Process(x[i : i+160]))
			i = (i + 160) % (len(x) / 160 * 160)
		}); n != 0 {
			t.Errorf("%v: Process allocates %.2f times per frame", s, n)
		}
		if msgs == 0 {
			t.Errorf("%v: no message completed during the allocation test", s)
		}
	}
}

func TestSenderAllocs(t *testing.T) {
	s, _ := NewSender(SenderConfig{Scheme: Bellcore})
	m := sample(Bellcore)
	frame := make([]int16, 160)
	if n := testing.AllocsPerRun(500, func() {
		if !s.Busy() {
			s.Send(&m)
		}
		s.Fill(frame)
	}); n != 0 {
		t.Errorf("Fill allocates %.2f times per frame", n)
	}
}

// TestReceiverFrameSizes: results do not depend on how audio is framed.
func TestReceiverFrameSizes(t *testing.T) {
	for _, s := range append(fskSchemes, DTMF) {
		m := sample(s)
		x := send(t, SenderConfig{Scheme: s}, &m)
		for _, fs := range []int{1, 7, 80, 160, 241, len(x)} {
			res := receive(t, ReceiverConfig{Scheme: s}, x, fs)
			if len(res) != 1 || res[0].Err != nil {
				t.Errorf("%v frames of %d: %+v", s, fs, res)
			}
		}
	}
}

// TestCLIPOverDTMFLevels: DTMF caller ID from -4 to -32 dBm0 per tone and
// with S/N 20 dB.
func TestCLIPOverDTMFLevels(t *testing.T) {
	m := sample(DTMF)
	for l := -4.0; l >= -32; l -= 4 {
		x := send(t, SenderConfig{Scheme: DTMF, LevelDBm0: l}, &m)
		if got := receiveOne(t, DTMF, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("at %.0f dBm0: %+v", l, got)
		}
		addNoise(x, l+3, 20, 1)
		if got := receiveOne(t, DTMF, ReceiverConfig{}, x); !same(got, m) {
			t.Errorf("at %.0f dBm0, S/N 20 dB: %+v", l, got)
		}
	}
}
