package cid

import "fmt"

// Append appends m encoded for scheme s: the octets of the message from its
// type to its checksum (Bellcore, ETSI, BT), the NTT frame from DLE SOH to
// the CRC, or the DTMF digit string.
func Append(dst []byte, s Scheme, m *Message) ([]byte, error) {
	switch s {
	case Bellcore:
		return AppendGR30(dst, m)
	case ETSI, BT:
		return AppendETSI(dst, m)
	case NTT:
		return AppendNTT(dst, m)
	case DTMF:
		return AppendDTMF(dst, m)
	}
	return dst, fmt.Errorf("cid: encode: unknown scheme %v", s)
}

// Check verifies a received message of scheme s (checksum, CRC, parity,
// structure) without allocating, returning ErrChecksum, ErrCRC, ErrParity
// or ErrFormat.
func Check(s Scheme, raw []byte) error {
	switch s {
	case Bellcore, ETSI, BT:
		return checkFrame(s, raw)
	case NTT:
		var buf [256]byte
		_, err := nttText(raw, &buf)
		return err
	case DTMF:
		return checkDTMF(raw)
	}
	return ErrFormat
}

// Decode checks and decodes a message of scheme s as produced by Append or
// received by a Receiver. The error wraps ErrChecksum, ErrCRC, ErrParity or
// ErrFormat.
func Decode(s Scheme, raw []byte) (Message, error) {
	if err := Check(s, raw); err != nil {
		return Message{}, fmt.Errorf("cid: decode %v: %w", s, err)
	}
	var m Message
	var err error
	switch s {
	case Bellcore, ETSI, BT:
		m, err = decodeFrame(raw)
	case NTT:
		m, err = decodeNTT(raw)
	case DTMF:
		m, err = decodeDTMF(raw)
	}
	if err != nil {
		return Message{}, fmt.Errorf("cid: decode %v: %w", s, err)
	}
	return m, nil
}
