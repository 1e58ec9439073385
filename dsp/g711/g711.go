package g711

import "strconv"

// Law selects a G.711 companding law.
type Law uint8

// The two G.711 laws.
const (
	Ulaw Law = iota // µ-law, G.711 clause 3 (North America, Japan)
	Alaw            // A-law, G.711 clause 2 (Europe and most of the world)
)

// String returns "ulaw" or "alaw" (the spelling used in configuration files).
func (l Law) String() string {
	switch l {
	case Ulaw:
		return "ulaw"
	case Alaw:
		return "alaw"
	}
	return "law(" + strconv.Itoa(int(l)) + ")"
}

// Encode compresses src into dst with law l. It converts
// min(len(dst), len(src)) samples.
func (l Law) Encode(dst []byte, src []int16) {
	if l == Alaw {
		AlawEncode(dst, src)
		return
	}
	UlawEncode(dst, src)
}

// Decode expands src into dst with law l. It converts
// min(len(dst), len(src)) codes.
func (l Law) Decode(dst []int16, src []byte) {
	if l == Alaw {
		AlawDecode(dst, src)
		return
	}
	UlawDecode(dst, src)
}

var (
	ulawEnc = buildUlawEnc()
	ulawDec = buildUlawDec()
	alawEnc = buildAlawEnc()
	alawDec = buildAlawDec()
)

// EncodeUlaw compresses one 16-bit linear sample to a µ-law code. Only the
// 14 most significant bits of s are used, as in G.191 ulaw_compress.
func EncodeUlaw(s int16) byte { return ulawEnc[uint16(s)>>2] }

// DecodeUlaw expands a µ-law code to a 16-bit linear sample (the 14-bit
// G.711 value left-justified, as in G.191 ulaw_expand).
func DecodeUlaw(u byte) int16 { return ulawDec[u] }

// EncodeAlaw compresses one 16-bit linear sample to an A-law code. Only the
// 13 most significant bits of s are used, as in G.191 alaw_compress.
func EncodeAlaw(s int16) byte { return alawEnc[uint16(s)>>4] }

// DecodeAlaw expands an A-law code to a 16-bit linear sample (the 13-bit
// G.711 value left-justified, as in G.191 alaw_expand).
func DecodeAlaw(a byte) int16 { return alawDec[a] }

// UlawEncode compresses min(len(dst), len(src)) samples to µ-law.
func UlawEncode(dst []byte, src []int16) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = ulawEnc[uint16(s)>>2]
	}
}

// UlawDecode expands min(len(dst), len(src)) µ-law codes.
func UlawDecode(dst []int16, src []byte) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = ulawDec[c]
	}
}

// AlawEncode compresses min(len(dst), len(src)) samples to A-law.
func AlawEncode(dst []byte, src []int16) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, s := range src {
		dst[i] = alawEnc[uint16(s)>>4]
	}
}

// AlawDecode expands min(len(dst), len(src)) A-law codes.
func AlawDecode(dst []int16, src []byte) {
	n := min(len(dst), len(src))
	dst, src = dst[:n], src[:n]
	for i, c := range src {
		dst[i] = alawDec[c]
	}
}

// ulawCompress is G.191 ulaw_compress for one sample.
func ulawCompress(s int16) byte {
	x := int32(s)
	var absno int32
	if x < 0 {
		absno = (^x)>>2 + 33 // one's complement; 33 is the µ-law bias in 14-bit units
	} else {
		absno = x>>2 + 33
	}
	absno = min(absno, 0x1FFF)
	segno := int32(1)
	for i := absno >> 6; i != 0; i >>= 1 {
		segno++
	}
	high := 8 - segno
	low := 0xF - (absno>>segno)&0xF
	code := high<<4 | low
	if x >= 0 {
		code |= 0x80
	}
	return byte(code)
}

// ulawExpand is G.191 ulaw_expand for one code.
func ulawExpand(c byte) int16 {
	sign := int32(1)
	if c < 0x80 {
		sign = -1
	}
	m := int32(^c)
	exponent := (m >> 4) & 7
	segment := exponent + 1
	m &= 0xF
	step := int32(4) << segment
	return int16(sign * (0x80<<exponent + step*m + step/2 - 4*33))
}

// alawCompress is G.191 alaw_compress for one sample.
func alawCompress(s int16) byte {
	x := int32(s)
	var ix int32
	if x < 0 {
		ix = (^x) >> 4
	} else {
		ix = x >> 4
	}
	if ix > 15 {
		exp := int32(1)
		for ix > 16+15 {
			ix >>= 1
			exp++
		}
		ix -= 16
		ix += exp << 4
	}
	if x >= 0 {
		ix |= 0x80
	}
	return byte(ix ^ 0x55) // G.711 clause 2: even bits inverted
}

// alawExpand is G.191 alaw_expand for one code.
func alawExpand(c byte) int16 {
	ix := int32(c^0x55) & 0x7F
	exp := ix >> 4
	mant := ix & 0xF
	if exp > 0 {
		mant += 16
	}
	mant = mant<<4 + 8
	if exp > 1 {
		mant <<= exp - 1
	}
	if c > 127 {
		return int16(mant)
	}
	return int16(-mant)
}

func buildUlawEnc() *[1 << 14]byte {
	var t [1 << 14]byte
	for i := range t {
		t[i] = ulawCompress(int16(uint16(i) << 2))
	}
	return &t
}

func buildAlawEnc() *[1 << 12]byte {
	var t [1 << 12]byte
	for i := range t {
		t[i] = alawCompress(int16(uint16(i) << 4))
	}
	return &t
}

func buildUlawDec() *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = ulawExpand(byte(i))
	}
	return &t
}

func buildAlawDec() *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = alawExpand(byte(i))
	}
	return &t
}
