package cid

import "fmt"

// CLIP over DTMF sends the message as a digit string (EN 300 659-1
// Annex B and national variants):
//
//	A<number>C                number (D<number>C in Taiwan)
//	B<code>C                  absence: 00 unavailable, 10 private
//	A<number>D<redirect>B..C  number with diverting number
//	D1# D2# D3#               absence (# variant): private, overseas, unavailable
//	<number>#                 bare number (Denmark, Netherlands)
//
// AppendDTMF produces the first two forms; the decoder accepts all.

// AppendDTMF appends m as a CLIP-over-DTMF digit string: A<number>C, or
// B00C (unavailable) / B10C (private) when the number is absent.
func AppendDTMF(dst []byte, m *Message) ([]byte, error) {
	switch {
	case m.Number != "":
		for i := range len(m.Number) {
			if c := m.Number[i]; c < '0' || c > '9' {
				return dst, fmt.Errorf("cid: encode dtmf: number %q: only digits 0-9 can be sent", m.Number)
			}
		}
		dst = append(dst, 'A')
		dst = append(dst, m.Number...)
	case m.NumberAbsence == Private:
		dst = append(dst, "B10"...)
	case m.NumberAbsence == Unavailable || m.NumberAbsence == 0:
		dst = append(dst, "B00"...)
	default:
		return dst, fmt.Errorf("cid: encode dtmf: absence reason %q: want 'O' or 'P'", m.NumberAbsence)
	}
	return append(dst, 'C'), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// dtmfFields walks a CLIP-over-DTMF string, calling f for each field
// (its start letter, 0 for a bare number, and its digits). It checks the
// structure without allocating.
func dtmfFields(raw []byte, f func(first bool, letter byte, digits []byte) error) error {
	if len(raw) < 2 {
		return ErrFormat
	}
	term := raw[len(raw)-1]
	if term != 'C' && term != '#' {
		return ErrFormat
	}
	body := raw[:len(raw)-1]
	first := true
	for len(body) > 0 {
		letter := byte(0)
		if !isDigit(body[0]) {
			letter = body[0]
			if letter != 'A' && letter != 'B' && letter != 'D' {
				return ErrFormat
			}
			body = body[1:]
		} else if !first {
			return ErrFormat
		}
		n := 0
		for n < len(body) && isDigit(body[n]) {
			n++
		}
		if f != nil {
			if err := f(first, letter, body[:n]); err != nil {
				return err
			}
		}
		body = body[n:]
		first = false
	}
	return nil
}

// dtmfField interprets one field into m (m may be nil to check only).
func dtmfField(m *Message, term byte, first bool, letter byte, digits []byte) error {
	set := func(num []byte, absence byte) {
		if m != nil {
			if num != nil {
				m.Number = string(num)
			}
			if absence != 0 {
				m.NumberAbsence = absence
			}
		}
	}
	switch {
	case letter == 0 && term != '#':
		// A bare number is only used with the # terminator.
		return ErrFormat
	case letter == 0 || letter == 'A':
		if len(digits) == 0 {
			return ErrFormat
		}
		set(digits, 0)
	case letter == 'B':
		switch string(digits) {
		case "00":
			set(nil, Unavailable)
		case "10":
			set(nil, Private)
		default:
			return ErrFormat
		}
	case letter == 'D' && first && term == '#':
		if len(digits) != 1 || digits[0] < '1' || digits[0] > '3' {
			return ErrFormat
		}
		set(nil, [...]byte{Private, Unavailable, Unavailable}[digits[0]-'1'])
	case letter == 'D' && first:
		if len(digits) == 0 {
			return ErrFormat
		}
		set(digits, 0)
	}
	// 'D' after the number is the diverting number, not modelled.
	return nil
}

func checkDTMF(raw []byte) error {
	if len(raw) == 0 {
		return ErrFormat
	}
	term := raw[len(raw)-1]
	return dtmfFields(raw, func(first bool, letter byte, digits []byte) error {
		return dtmfField(nil, term, first, letter, digits)
	})
}

func decodeDTMF(raw []byte) (Message, error) {
	var m Message
	if len(raw) == 0 {
		return m, ErrFormat
	}
	term := raw[len(raw)-1]
	err := dtmfFields(raw, func(first bool, letter byte, digits []byte) error {
		return dtmfField(&m, term, first, letter, digits)
	})
	return m, err
}
