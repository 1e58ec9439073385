package cid

import "fmt"

// A GR-30 or EN 300 659-3 message on the line is
//
//	type | length | data (length octets) | checksum
//
// where the checksum is the two's complement of the modulo-256 sum of all
// other octets (GR-30-CORE clause 5.3, EN 300 659-3 clause 5.4), so that
// the sum of every octet of a good message is 0 mod 256. MDMF / EN 300
// 659-3 data is a sequence of parameters: type | length | value.

// sum8 returns the modulo-256 sum of p.
func sum8(p []byte) byte {
	var s byte
	for _, b := range p {
		s += b
	}
	return s
}

// finish fills in the length and checksum of the message that starts at
// dst[start] (type and a placeholder length already appended).
func finish(dst []byte, start int, where string) ([]byte, error) {
	n := len(dst) - start - 2
	if n > 255 {
		return dst[:start], fmt.Errorf("cid: encode %s: %d data octets, at most 255 fit", where, n)
	}
	dst[start+1] = byte(n)
	return append(dst, -sum8(dst[start:])), nil
}

func appendParam(dst []byte, typ byte, value string) []byte {
	dst = append(dst, typ, byte(len(value)))
	return append(dst, value...)
}

func checkValue(where, field, v string) error {
	if len(v) > 255 || !printable(v) {
		return fmt.Errorf("cid: encode %s: %s %q: not printable ASCII of at most 255 characters", where, field, v)
	}
	return nil
}

func checkAbsence(where string, r byte, extra string) error {
	if r == 0 || r == Unavailable || r == Private {
		return nil
	}
	for i := range len(extra) {
		if r == extra[i] {
			return nil
		}
	}
	return fmt.Errorf("cid: encode %s: absence reason %q: want 'O' or 'P'", where, r)
}

// appendCallParams appends the parameters of a call message shared by
// GR-30 MDMF and EN 300 659-3 call set-up.
func appendCallParams(dst []byte, m *Message, where string, etsi bool) ([]byte, error) {
	for _, f := range []struct{ name, v string }{{"number", m.Number}, {"name", m.Name}, {"dialled number", m.Dialled}} {
		if err := checkValue(where, f.name, f.v); err != nil {
			return dst, err
		}
	}
	if err := checkAbsence(where, m.NumberAbsence, ""); err != nil {
		return dst, err
	}
	if err := checkAbsence(where, m.NameAbsence, ""); err != nil {
		return dst, err
	}
	if !m.Time.IsZero() {
		dst = append(dst, paramDateTime, 8)
		dst = appendDateTime(dst, m.Time)
	}
	if etsi && m.CallType != 0 {
		dst = append(dst, paramCallType, 1, m.CallType)
	}
	if m.Number != "" {
		dst = appendParam(dst, paramNumber, m.Number)
	} else if m.NumberAbsence != 0 {
		dst = append(dst, paramNumberAbsent, 1, m.NumberAbsence)
	}
	if m.Dialled != "" {
		dst = appendParam(dst, paramDialled, m.Dialled)
	}
	if m.Name != "" {
		dst = appendParam(dst, paramName, m.Name)
	} else if m.NameAbsence != 0 {
		dst = append(dst, paramNameAbsent, 1, m.NameAbsence)
	}
	return dst, nil
}

// AppendGR30 appends m as a GR-30-CORE message: SDMF when m.Type is
// TypeSDMF or TypeSDMFMWI, MDMF otherwise. A message with VMWI set is a
// message-waiting message (MDMF 0x82 with the visual indicator parameter
// 0x0B, or SDMF 0x06); any other is a call message (MDMF 0x80 with date
// and time 0x01, number 0x02 or its absence 0x04, dialled number 0x03,
// name 0x07 or its absence 0x08; SDMF 0x04 with date and time followed by
// the number or 'O'/'P').
func AppendGR30(dst []byte, m *Message) ([]byte, error) {
	start := len(dst)
	sdmf := m.Type == TypeSDMF || m.Type == TypeSDMFMWI
	switch {
	case m.VMWI != nil && sdmf:
		// SDMF message waiting: three octets 0x42 (on) or 0x6F (off).
		v := byte(0x6F)
		if *m.VMWI {
			v = 0x42
		}
		dst = append(dst, TypeSDMFMWI, 0, v, v, v)
	case m.VMWI != nil:
		v := byte(0x00)
		if *m.VMWI {
			v = 0xFF
		}
		dst = append(dst, TypeMDMFMWI, 0, paramVisualInd, 1, v)
	case sdmf:
		if m.Name != "" || m.NameAbsence != 0 || m.Dialled != "" {
			return dst, fmt.Errorf("cid: encode gr-30 sdmf: sdmf carries only date, time and number")
		}
		if m.Time.IsZero() {
			return dst, fmt.Errorf("cid: encode gr-30 sdmf: sdmf needs the date and time")
		}
		if err := checkValue("gr-30 sdmf", "number", m.Number); err != nil {
			return dst, err
		}
		if err := checkAbsence("gr-30 sdmf", m.NumberAbsence, ""); err != nil {
			return dst, err
		}
		dst = append(dst, TypeSDMF, 0)
		dst = appendDateTime(dst, m.Time)
		switch {
		case m.Number != "":
			dst = append(dst, m.Number...)
		case m.NumberAbsence != 0:
			dst = append(dst, m.NumberAbsence)
		default:
			dst = append(dst, Unavailable)
		}
	default:
		dst = append(dst, TypeMDMF, 0)
		var err error
		if dst, err = appendCallParams(dst, m, "gr-30 mdmf", false); err != nil {
			return dst[:start], err
		}
	}
	return finish(dst, start, "gr-30")
}

// AppendETSI appends m as an EN 300 659-3 message (also BT SIN 227): a
// message waiting indicator message (0x82: visual indicator 0x0B, number
// of messages 0x13, date and time) when VMWI is set, otherwise a call
// set-up message (0x80: date and time 0x01, call type 0x11, calling line
// identity 0x02 or reason for its absence 0x04, called line identity 0x03,
// calling party name 0x07 or reason for its absence 0x08).
func AppendETSI(dst []byte, m *Message) ([]byte, error) {
	start := len(dst)
	if m.VMWI != nil {
		dst = append(dst, TypeMDMFMWI, 0)
		if !m.Time.IsZero() {
			dst = append(dst, paramDateTime, 8)
			dst = appendDateTime(dst, m.Time)
		}
		v := byte(0x00)
		if *m.VMWI {
			v = 0xFF
		}
		dst = append(dst, paramVisualInd, 1, v)
		if m.MessageCount < 0 || m.MessageCount > 255 {
			return dst[:start], fmt.Errorf("cid: encode etsi: message count %d out of range", m.MessageCount)
		}
		if m.MessageCount > 0 {
			dst = append(dst, paramMessageCount, 1, byte(m.MessageCount))
		}
		if m.Number != "" {
			if err := checkValue("etsi", "number", m.Number); err != nil {
				return dst[:start], err
			}
			dst = appendParam(dst, paramNumber, m.Number)
		}
		return finish(dst, start, "etsi")
	}
	dst = append(dst, TypeMDMF, 0)
	var err error
	if dst, err = appendCallParams(dst, m, "etsi", true); err != nil {
		return dst[:start], err
	}
	return finish(dst, start, "etsi")
}

// checkFrame verifies the length and checksum of a GR-30 / EN 300 659-3
// message and the parameter structure of its data, without allocating.
func checkFrame(s Scheme, raw []byte) error {
	if len(raw) < 3 || int(raw[1]) != len(raw)-3 {
		return ErrFormat
	}
	if sum8(raw) != 0 {
		return ErrChecksum
	}
	if !knownType(s, raw[0]) {
		return ErrFormat
	}
	data := raw[2 : len(raw)-1]
	switch raw[0] {
	case TypeSDMF:
		if len(data) < 9 {
			return ErrFormat
		}
		return nil
	case TypeSDMFMWI:
		if len(data) != 3 || data[0] != data[1] || data[1] != data[2] || (data[0] != 0x42 && data[0] != 0x6F) {
			return ErrFormat
		}
		return nil
	}
	for len(data) > 0 {
		if len(data) < 2 || int(data[1]) > len(data)-2 {
			return ErrFormat
		}
		if data[0] == paramVisualInd && (data[1] != 1 || (data[2] != 0 && data[2] != 0xFF)) {
			return ErrFormat
		}
		data = data[2+int(data[1]):]
	}
	return nil
}

// knownType reports whether typ starts a message of scheme s.
func knownType(s Scheme, typ byte) bool {
	switch s {
	case Bellcore:
		return typ == TypeSDMF || typ == TypeSDMFMWI || typ == TypeMDMF || typ == TypeMDMFMWI
	case ETSI, BT:
		return typ == TypeMDMF || typ == TypeMDMFMWI || typ == TypeAdviceOfCh || typ == TypeSMS
	}
	return false
}

// decodeFrame decodes a checked GR-30 / EN 300 659-3 message.
func decodeFrame(raw []byte) (Message, error) {
	m := Message{Type: raw[0]}
	data := raw[2 : len(raw)-1]
	switch m.Type {
	case TypeSDMF:
		m.Time, _ = parseDateTime(data[:8])
		n := data[8:]
		if len(n) == 1 && (n[0] == Unavailable || n[0] == Private) {
			m.NumberAbsence = n[0]
		} else {
			m.Number = string(n)
		}
		return m, nil
	case TypeSDMFMWI:
		v := data[0] == 0x42
		m.VMWI = &v
		return m, nil
	}
	for len(data) > 0 {
		typ, v := data[0], data[2:2+int(data[1])]
		data = data[2+int(data[1]):]
		switch typ {
		case paramDateTime:
			if t, ok := parseDateTime(v); ok {
				m.Time = t
			}
		case paramNumber:
			m.Number = string(v)
		case paramDialled:
			m.Dialled = string(v)
		case paramNumberAbsent:
			if len(v) == 1 {
				m.NumberAbsence = v[0]
			}
		case paramName:
			m.Name = string(v)
		case paramNameAbsent:
			if len(v) == 1 {
				m.NameAbsence = v[0]
			}
		case paramCallType:
			if len(v) == 1 {
				m.CallType = v[0]
			}
		case paramVisualInd:
			on := v[0] == 0xFF
			m.VMWI = &on
		case paramMessageCount:
			if len(v) == 1 {
				m.MessageCount = int(v[0])
			}
		}
	}
	return m, nil
}
