package dahdi

import (
	"math"
	"testing"
)

// TestG711RoundTrip checks that every µ-law and A-law code survives
// decode then encode (G.711 clauses 2 and 3); µ-law 0x7F is negative zero
// and comes back as 0xFF.
func TestG711RoundTrip(t *testing.T) {
	for c := range 256 {
		u := byte(c)
		want := u
		if u == 0x7F {
			want = 0xFF
		}
		if got := ulawEncode(ulawDecode(u)); got != want {
			t.Errorf("µ-law %#02x -> %d -> %#02x", u, ulawDecode(u), got)
		}
		if got := alawEncode(alawDecode(u)); got != u {
			t.Errorf("A-law %#02x -> %d -> %#02x", u, alawDecode(u), got)
		}
	}
}

// TestG711Table2a spot-checks decoder outputs against G.711 Tables 1a/2a
// scaled to 16 bits: the largest µ-law magnitude is 8031 units of the
// 14-bit scale (32124), the largest A-law one 4032 of 13 bits (32256), and
// the smallest steps are 1 and 1 unit (4 and 8 on 16 bits).
func TestG711Table2a(t *testing.T) {
	for _, c := range []struct {
		code byte
		alaw bool
		want int16
	}{
		{0x80, false, 32124}, {0x00, false, -32124}, {0xFE, false, 8}, {0xFF, false, 0}, {0x7E, false, -8},
		{0xAA, true, 32256}, {0x2A, true, -32256}, {0xD5, true, 8}, {0x55, true, -8},
	} {
		var got int16
		if c.alaw {
			got = alawDecode(c.code)
		} else {
			got = ulawDecode(c.code)
		}
		if got != c.want {
			t.Errorf("decode %#02x (alaw %v) = %d, want %d", c.code, c.alaw, got, c.want)
		}
	}
}

// TestGainTableLevel applies a -6 dB table to a 1004 Hz tone coded in each
// law and measures the level change, which must be within 0.25 dB (µ-law steps
// are 1/16 of a 6 dB segment; the bias of its decision values costs
// about 0.15 dB).
func TestGainTableLevel(t *testing.T) {
	for _, law := range []int32{lawMulaw, lawAlaw} {
		var tab [256]byte
		gainTable(&tab, law, -6)
		var in, out float64
		for i := range 8000 {
			s := int16(math.Round(5000 * math.Sin(2*math.Pi*1004*float64(i)/8000)))
			var a, b int16
			if law == lawAlaw {
				c := alawEncode(s)
				a, b = alawDecode(c), alawDecode(tab[c])
			} else {
				c := ulawEncode(s)
				a, b = ulawDecode(c), ulawDecode(tab[c])
			}
			in += float64(a) * float64(a)
			out += float64(b) * float64(b)
		}
		if d := 10 * math.Log10(out/in); math.Abs(d+6) > 0.25 {
			t.Errorf("law %d: -6 dB table changes the level by %.2f dB", law, d)
		}
		var unity [256]byte
		gainTable(&unity, law, 0)
		for c := range 256 {
			if law == lawAlaw && unity[c] != byte(c) || law == lawMulaw && ulawDecode(unity[c]) != ulawDecode(byte(c)) {
				t.Errorf("law %d: 0 dB table maps %#02x to %#02x", law, c, unity[c])
			}
		}
	}
}
