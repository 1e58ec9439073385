package dahdi

import "math"

// The kernel applies DAHDI_SETGAINS tables to companded octets, so a gain
// in dB becomes a 256-entry map from each G.711 code to the code nearest
// to its scaled value. These are the ITU-T G.711 (11/88) coding rules:
// clause 2 (µ-law, Table 2a) and clause 3 (A-law, Table 1a), on the 16-bit
// linear scale DAHDI uses.

// ulawDecode expands a µ-law octet to 16-bit linear.
func ulawDecode(u byte) int16 {
	u = ^u
	t := (int(u&0x0f)<<3 + 0x84) << (u & 0x70 >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// ulawEncode compresses a 16-bit linear sample to µ-law.
func ulawEncode(s int16) byte {
	const bias, clip = 0x84, 32635
	x := int(s)
	sign := 0
	if x < 0 {
		x, sign = -x, 0x80
	}
	x = min(x, clip) + bias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := x >> (exp + 3) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

// alawDecode expands an A-law octet to 16-bit linear.
func alawDecode(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0f) << 4
	switch seg := int(a&0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// alawEncode compresses a 16-bit linear sample to A-law.
func alawEncode(s int16) byte {
	x := int(s) >> 3
	mask := 0xD5
	if x < 0 {
		mask = 0x55
		x = -x - 1
	}
	seg := 0
	for end := 0x1F; seg < 8 && x > end; end = end<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return byte(0x7F ^ mask)
	}
	v := seg << 4
	if seg < 2 {
		v |= x >> 1 & 0x0f
	} else {
		v |= x >> seg & 0x0f
	}
	return byte(v ^ mask)
}

// gainTable fills t with the code each code of law becomes after a gain of
// db decibels.
func gainTable(t *[256]byte, law int32, db float64) {
	g := math.Pow(10, db/20)
	for c := range 256 {
		if law == lawAlaw {
			v := math.Round(float64(alawDecode(byte(c))) * g)
			t[c] = alawEncode(int16(max(-32768, min(32767, v))))
		} else {
			v := math.Round(float64(ulawDecode(byte(c))) * g)
			t[c] = ulawEncode(int16(max(-32768, min(32767, v))))
		}
	}
}
