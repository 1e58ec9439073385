package cid

import "fmt"

// An NTT number display frame is, in 7-bit characters with even parity in
// the eighth bit (except the CRC octets):
//
//	DLE SOH header DLE STX type length parameters... DLE ETX CRC(lo) CRC(hi)
//
// with header 0x07 and type 0x40. Parameters are type | length | value:
// 0x02 calling number, 0x04 reason for its absence ('P' private, 'O'
// unavailable, 'C' public phone, 'S' service conflict), 0x09 dialled
// number. The CRC is CRC-16 (x^16 + x^12 + x^5 + 1, bits taken least
// significant first, initial value 0) over the octets from the header to
// ETX as sent; appended least significant octet first, it makes the CRC of
// the whole tail zero. Within the text (type to the last parameter) a DLE
// is sent twice; the length counts it once.

// Control characters.
const (
	soh = 0x01
	stx = 0x02
	etx = 0x03
	dle = 0x10
)

const nttHeader = 0x07

// withParity returns c (7 bits) with even parity in bit 7.
func withParity(c byte) byte {
	p := c ^ c>>4
	p ^= p >> 2
	p ^= p >> 1
	return c | (p&1)<<7
}

func parityOK(b byte) bool { return withParity(b&0x7F) == b }

// crc16 updates crc with p (CRC-16/ITU-T V.41 polynomial, reflected).
func crc16(crc uint16, p []byte) uint16 {
	for _, b := range p {
		crc ^= uint16(b)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return crc
}

// AppendNTT appends m as an NTT number display frame (type 0x40 with the
// calling number 0x02 or the reason for its absence 0x04, and the dialled
// number 0x09).
func AppendNTT(dst []byte, m *Message) ([]byte, error) {
	for _, f := range []struct{ name, v string }{{"number", m.Number}, {"dialled number", m.Dialled}} {
		if err := checkValue("ntt", f.name, f.v); err != nil {
			return dst, err
		}
	}
	if err := checkAbsence("ntt", m.NumberAbsence, "CS"); err != nil {
		return dst, err
	}
	var text []byte
	text = append(text, TypeNTT, 0)
	if m.Number != "" {
		text = appendParam(text, paramNumber, m.Number)
	} else if m.NumberAbsence != 0 {
		text = append(text, paramNumberAbsent, 1, m.NumberAbsence)
	}
	if m.Dialled != "" {
		text = appendParam(text, paramNTTDialled, m.Dialled)
	}
	if len(text)-2 > 127 {
		return dst, fmt.Errorf("cid: encode ntt: %d parameter octets, at most 127 fit", len(text)-2)
	}
	text[1] = byte(len(text) - 2)
	start := len(dst)
	dst = append(dst, withParity(dle), withParity(soh), withParity(nttHeader), withParity(dle), withParity(stx))
	for _, c := range text {
		if c == dle {
			dst = append(dst, withParity(dle))
		}
		dst = append(dst, withParity(c))
	}
	dst = append(dst, withParity(dle), withParity(etx))
	crc := crc16(0, dst[start+2:])
	return append(dst, byte(crc), byte(crc>>8)), nil
}

// nttText checks an NTT frame and copies its text (type, length and
// parameters, parity removed, DLE doubling undone) into buf, returning the
// text's length. It does not allocate.
func nttText(raw []byte, buf *[256]byte) (int, error) {
	if len(raw) < 13 || raw[0]&0x7F != dle || raw[1]&0x7F != soh || raw[3]&0x7F != dle || raw[4]&0x7F != stx {
		return 0, ErrFormat
	}
	body := raw[:len(raw)-2]
	if body[len(body)-2]&0x7F != dle || body[len(body)-1]&0x7F != etx {
		return 0, ErrFormat
	}
	if crc16(0, raw[2:]) != 0 {
		return 0, ErrCRC
	}
	for _, b := range body {
		if !parityOK(b) {
			return 0, ErrParity
		}
	}
	n := 0
	text := body[5 : len(body)-2]
	for i := 0; i < len(text); i++ {
		c := text[i] & 0x7F
		if c == dle {
			if i+1 == len(text) || text[i+1]&0x7F != dle {
				return 0, ErrFormat
			}
			i++
		}
		if n == len(buf) {
			return 0, ErrFormat
		}
		buf[n] = c
		n++
	}
	if n < 2 || buf[0] != TypeNTT || int(buf[1]) != n-2 {
		return 0, ErrFormat
	}
	params := buf[2:n]
	for len(params) > 0 {
		if len(params) < 2 || int(params[1]) > len(params)-2 {
			return 0, ErrFormat
		}
		params = params[2+int(params[1]):]
	}
	return n, nil
}

func decodeNTT(raw []byte) (Message, error) {
	var buf [256]byte
	n, err := nttText(raw, &buf)
	if err != nil {
		return Message{}, err
	}
	m := Message{Type: TypeNTT}
	params := buf[2:n]
	for len(params) > 0 {
		typ, v := params[0], params[2:2+int(params[1])]
		params = params[2+int(params[1]):]
		switch typ {
		case paramNumber:
			m.Number = string(v)
		case paramNumberAbsent:
			if len(v) == 1 {
				m.NumberAbsence = v[0]
			}
		case paramNTTDialled:
			m.Dialled = string(v)
		}
	}
	return m, nil
}
