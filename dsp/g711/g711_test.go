package g711

import (
	"math"
	"testing"

	"tipring/dsp/measure"
)

// refUlawEncode is a direct reading of G.711 clause 3 / Table 2a applied to
// the 14 most significant bits, as G.191 ulaw_compress does: bias 33, find
// the segment by comparing against the segment end points, take four
// mantissa bits, invert the code.
func refUlawEncode(x int16) byte {
	pos := x >= 0
	var mag int
	if pos {
		mag = int(x) >> 2
	} else {
		mag = (-int(x) - 1) >> 2
	}
	biased := min(mag+33, 8191)
	seg := 0
	for seg < 7 && biased >= 64<<seg {
		seg++
	}
	mant := (biased >> (seg + 1)) & 0xF
	code := 0x7F ^ (seg<<4 | mant)
	if pos {
		code |= 0x80
	}
	return byte(code)
}

// refUlawDecode evaluates the Table 2a decoder output value: ((2q+33)<<s)-33
// in 14-bit units, left-justified in 16 bits.
func refUlawDecode(c byte) int16 {
	v := ^c
	seg := int(v>>4) & 7
	q := int(v) & 0xF
	y := ((2*q + 33) << seg) - 33
	if c&0x80 == 0 {
		y = -y
	}
	return int16(y * 4)
}

// refAlawEncode reads G.711 clause 2 / Table 1a on the 13 most significant
// bits: segment 0 and 1 have unit steps, each further segment doubles it.
func refAlawEncode(x int16) byte {
	pos := x >= 0
	var mag int
	if pos {
		mag = int(x) >> 4
	} else {
		mag = (-int(x) - 1) >> 4
	}
	seg, mant := 0, mag
	if mag >= 16 {
		seg = 1
		for seg < 7 && mag >= 32<<(seg-1) {
			seg++
		}
		mant = mag>>(seg-1) - 16
	}
	code := seg<<4 | mant
	if pos {
		code |= 0x80
	}
	return byte(code ^ 0x55)
}

// refAlawDecode evaluates the Table 1a decoder output (interval midpoint)
// in 13-bit units, left-justified in 16 bits.
func refAlawDecode(c byte) int16 {
	v := int(c ^ 0x55)
	seg := (v >> 4) & 7
	mant := v & 0xF
	var y int
	if seg == 0 {
		y = 2*mant + 1
	} else {
		y = (2*mant + 33) << (seg - 1)
	}
	if c&0x80 == 0 {
		y = -y
	}
	return int16(y * 8)
}

func TestG711ExhaustiveUlaw(t *testing.T) {
	for i := math.MinInt16; i <= math.MaxInt16; i++ {
		x := int16(i)
		if got, want := EncodeUlaw(x), refUlawEncode(x); got != want {
			t.Fatalf("EncodeUlaw(%d) = %#02x, want %#02x", x, got, want)
		}
	}
	for c := range 256 {
		if got, want := DecodeUlaw(byte(c)), refUlawDecode(byte(c)); got != want {
			t.Fatalf("DecodeUlaw(%#02x) = %d, want %d", c, got, want)
		}
	}
}

func TestG711ExhaustiveAlaw(t *testing.T) {
	for i := math.MinInt16; i <= math.MaxInt16; i++ {
		x := int16(i)
		if got, want := EncodeAlaw(x), refAlawEncode(x); got != want {
			t.Fatalf("EncodeAlaw(%d) = %#02x, want %#02x", x, got, want)
		}
	}
	for c := range 256 {
		if got, want := DecodeAlaw(byte(c)), refAlawDecode(byte(c)); got != want {
			t.Fatalf("DecodeAlaw(%#02x) = %d, want %d", c, got, want)
		}
	}
}

// TestG711SliceForms checks that the slice and Law forms agree with the
// scalar functions for every input.
func TestG711SliceForms(t *testing.T) {
	src := make([]int16, 65536)
	for i := range src {
		src[i] = int16(i - 32768)
	}
	codes := make([]byte, len(src))
	back := make([]int16, len(src))
	for _, l := range []Law{Ulaw, Alaw} {
		l.Encode(codes, src)
		l.Decode(back, codes)
		for i, x := range src {
			enc, dec := EncodeUlaw, DecodeUlaw
			if l == Alaw {
				enc, dec = EncodeAlaw, DecodeAlaw
			}
			if codes[i] != enc(x) || back[i] != dec(codes[i]) {
				t.Fatalf("%v: slice form differs at %d: code %#02x/%#02x, value %d/%d",
					l, x, codes[i], enc(x), back[i], dec(codes[i]))
			}
		}
	}
	// Length is the shorter of the two slices; the rest is untouched.
	dst := []byte{1, 2, 3}
	UlawEncode(dst, []int16{0})
	if dst[0] != 0xFF || dst[1] != 2 || dst[2] != 3 {
		t.Fatalf("UlawEncode short src: %v", dst)
	}
}

func TestG711KnownCodes(t *testing.T) {
	cases := []struct {
		name string
		got  byte
		want byte
	}{
		{"ulaw +0", EncodeUlaw(0), 0xFF},
		{"ulaw -1", EncodeUlaw(-1), 0x7F},
		{"ulaw max", EncodeUlaw(32767), 0x80},
		{"ulaw min", EncodeUlaw(-32768), 0x00},
		{"alaw +0", EncodeAlaw(0), 0xD5},
		{"alaw -1", EncodeAlaw(-1), 0x55},
		{"alaw max", EncodeAlaw(32767), 0xAA},
		{"alaw min", EncodeAlaw(-32768), 0x2A},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %#02x, want %#02x", c.name, c.got, c.want)
		}
	}
	vals := []struct {
		name      string
		got, want int16
	}{
		{"ulaw 0xFF", DecodeUlaw(0xFF), 0},
		{"ulaw 0x7F", DecodeUlaw(0x7F), 0},
		{"ulaw 0x80", DecodeUlaw(0x80), 32124},
		{"ulaw 0x00", DecodeUlaw(0x00), -32124},
		{"alaw 0xD5", DecodeAlaw(0xD5), 8},
		{"alaw 0x55", DecodeAlaw(0x55), -8},
		{"alaw 0xAA", DecodeAlaw(0xAA), 32256},
		{"alaw 0x2A", DecodeAlaw(0x2A), -32256},
	}
	for _, v := range vals {
		if v.got != v.want {
			t.Errorf("%s: got %d, want %d", v.name, v.got, v.want)
		}
	}
	// A-law inverts the even bits (G.711 clause 2): the code of a value
	// and the plain sign/segment/mantissa word differ by exactly 0x55.
	if got := EncodeAlaw(0x7FF0) ^ 0x55; got != 0xFF {
		t.Errorf("alaw even-bit inversion: plain word %#02x, want 0xff", got)
	}
	if Ulaw.String() != "ulaw" || Alaw.String() != "alaw" || Law(7).String() != "law(7)" {
		t.Errorf("Law.String: %q %q %q", Ulaw, Alaw, Law(7))
	}
}

func TestG711RoundTripCodes(t *testing.T) {
	for c := range 256 {
		u := byte(c)
		want := u
		if u == 0x7F { // negative zero decodes to 0, which encodes as +0
			want = 0xFF
		}
		if got := EncodeUlaw(DecodeUlaw(u)); got != want {
			t.Errorf("ulaw: encode(decode(%#02x)) = %#02x, want %#02x", u, got, want)
		}
		if got := EncodeAlaw(DecodeAlaw(u)); got != u {
			t.Errorf("alaw: encode(decode(%#02x)) = %#02x", u, got)
		}
	}
}

// TestG711MonotonicError checks quantisation: the decoded value of every
// input lies within half a step of it (the decoder returns the midpoint of
// the decision interval).
func TestG711MonotonicError(t *testing.T) {
	for i := math.MinInt16; i <= math.MaxInt16; i++ {
		x := int16(i)
		for _, l := range []Law{Ulaw, Alaw} {
			var y int16
			var c byte
			if l == Ulaw {
				c = EncodeUlaw(x)
				y = DecodeUlaw(c)
			} else {
				c = EncodeAlaw(x)
				y = DecodeAlaw(c)
			}
			seg := int((c^0xFF)>>4) & 7
			step := 8 << seg // µ-law step in 16-bit units
			if l == Alaw {
				seg = int((c^0x55)>>4) & 7
				step = 16 << max(seg-1, 0)
			}
			// Beyond the last decision value the error is overload, not
			// quantisation.
			if abs(int(x)) < 32124-step && abs(int(x)-int(y)) > step/2+4 {
				t.Fatalf("%v: %d decodes to %d, step %d", l, x, y, step)
			}
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// TestG711DigitalMilliwatt decodes the digital milliwatt sequences of G.711
// Tables 5 and 6 and checks that they measure 0 dBm0 ± 0.1 dB at 1000 Hz.
func TestG711DigitalMilliwatt(t *testing.T) {
	seqs := map[Law][]byte{
		Ulaw: {0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E},
		Alaw: {0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4},
	}
	for l, seq := range seqs {
		codes := make([]byte, 8000)
		for i := range codes {
			codes[i] = seq[i%len(seq)]
		}
		pcm := make([]int16, len(codes))
		l.Decode(pcm, codes)
		if lvl := measure.LevelDBm0(pcm); math.Abs(lvl) > 0.1 {
			t.Errorf("%v digital milliwatt: level %.3f dBm0, want 0 ± 0.1", l, lvl)
		}
		if f := measure.Frequency(pcm); math.Abs(f-1000) > 0.5 {
			t.Errorf("%v digital milliwatt: frequency %.2f Hz, want 1000", l, f)
		}
		// Encoding the decoded sequence gives it back.
		again := make([]byte, len(pcm))
		l.Encode(again, pcm)
		for i := range again {
			if again[i] != codes[i] {
				t.Fatalf("%v digital milliwatt: re-encoded code %d = %#02x, want %#02x", l, i, again[i], codes[i])
			}
		}
	}
}

// FuzzG711 checks decoding of arbitrary code streams (external input from
// RTP) against the reference and that re-encoding is stable.
func FuzzG711(f *testing.F) {
	f.Add([]byte{0xFF, 0x7F, 0xD5, 0x55, 0x00, 0x80})
	f.Fuzz(func(t *testing.T, codes []byte) {
		pcm := make([]int16, len(codes))
		for _, l := range []Law{Ulaw, Alaw} {
			l.Decode(pcm, codes)
			for i, c := range codes {
				want := refUlawDecode(c)
				if l == Alaw {
					want = refAlawDecode(c)
				}
				if pcm[i] != want {
					t.Fatalf("%v: decode(%#02x) = %d, want %d", l, c, pcm[i], want)
				}
			}
		}
	})
}

func benchLaw(b *testing.B, l Law) {
	src := make([]int16, 160)
	measure.Sine(src, 1004, -10, 0)
	codes := make([]byte, 160)
	dst := make([]int16, 160)
	b.ReportAllocs()
	b.SetBytes(160)
	for b.Loop() {
		l.Encode(codes, src)
		l.Decode(dst, codes)
	}
	// One channel needs 50 frames of 160 samples per second.
	perFrame := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(1/(perFrame*50), "ch/core")
}

func BenchmarkUlawFrame160(b *testing.B) { benchLaw(b, Ulaw) }
func BenchmarkAlawFrame160(b *testing.B) { benchLaw(b, Alaw) }
