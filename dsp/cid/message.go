package cid

import (
	"errors"
	"fmt"
	"time"
)

// Scheme is a caller-ID signalling standard: the modem (or DTMF), the
// framing of a message and its parameter codes.
type Scheme uint8

// The supported schemes.
const (
	// Bellcore is Telcordia GR-30-CORE: Bell 202 FSK, SDMF (message type
	// 0x04, 0x06) and MDMF (0x80, 0x82) messages with a modulo-256
	// checksum. Also used by SR-3004 call waiting (type II) delivery.
	Bellcore Scheme = iota + 1
	// ETSI is ETSI EN 300 659-1/-3: V.23 FSK, call set-up (0x80) and
	// message waiting indicator (0x82) messages with a modulo-256
	// checksum.
	ETSI
	// BT is BT SIN 227: ETSI-format messages over V.23, preceded on hook
	// by the idle state tone alert signal.
	BT
	// NTT is the NTT number display (J-CLIP): V.23 FSK, 7-bit characters
	// with even parity framed DLE SOH ... DLE STX ... DLE ETX and a
	// CRC-16.
	NTT
	// DTMF is CLIP over DTMF (EN 300 659-1 Annex B style): A<number>C,
	// B<absence code>C.
	DTMF
)

// String returns the scheme's name as used in configuration files.
func (s Scheme) String() string {
	switch s {
	case Bellcore:
		return "bellcore"
	case ETSI:
		return "etsi"
	case BT:
		return "bt"
	case NTT:
		return "ntt"
	case DTMF:
		return "dtmf"
	}
	return fmt.Sprintf("scheme(%d)", uint8(s))
}

// Message types (the first octet of a GR-30 / EN 300 659-3 message, the
// message type of an NTT frame).
const (
	TypeSDMF       = 0x04 // GR-30 single data message format: call
	TypeSDMFMWI    = 0x06 // GR-30 SDMF message waiting
	TypeMDMF       = 0x80 // GR-30 MDMF call; EN 300 659-3 call set-up
	TypeMDMFMWI    = 0x82 // GR-30 MDMF message waiting; EN 300 659-3 MWI
	TypeAdviceOfCh = 0x86 // EN 300 659-3 advice of charge (received only)
	TypeSMS        = 0x89 // EN 300 659-3 short message service (received only)
	TypeNTT        = 0x40 // NTT number display
)

// Parameter types of MDMF / EN 300 659-3 messages.
const (
	paramDateTime     = 0x01
	paramNumber       = 0x02
	paramDialled      = 0x03
	paramNumberAbsent = 0x04
	paramName         = 0x07
	paramNameAbsent   = 0x08
	paramVisualInd    = 0x0B
	paramCallType     = 0x11
	paramMessageCount = 0x13
	// NTT.
	paramNTTDialled = 0x09
)

// Absence reasons.
const (
	Unavailable byte = 'O' // out of area / unavailable
	Private     byte = 'P' // withheld by the caller
)

// Message is the content of a caller-ID or message-waiting message, for any
// scheme. Zero fields are absent.
type Message struct {
	// Type is the message type as sent (TypeMDMF, TypeSDMF, ...). When
	// encoding, 0 lets the encoder choose from the content and scheme.
	Type byte
	// Time carries month, day, hour and minute (the year of a decoded
	// message is 0). The zero Time means absent.
	Time time.Time
	// Number is the calling line identity (digits).
	Number string
	// NumberAbsence is the reason the number is absent: Unavailable ('O')
	// or Private ('P'); NTT adds 'C' (public phone) and 'S' (service
	// conflict).
	NumberAbsence byte
	// Name is the calling party name.
	Name string
	// NameAbsence is the reason the name is absent ('O' or 'P').
	NameAbsence byte
	// Dialled is the called (dialled) number.
	Dialled string
	// CallType is the EN 300 659-3 call type (1 voice, 2 ring-back when
	// free, 0x81 message waiting call).
	CallType byte
	// VMWI is the visual message waiting indicator: a message-waiting
	// message when not nil.
	VMWI *bool
	// MessageCount is the number of waiting messages (EN 300 659-3
	// parameter 0x13), 1-255.
	MessageCount int
}

// Errors reported by decoders and the Receiver. Decoders wrap them; the
// Receiver reports them as they are.
var (
	ErrChecksum  = errors.New("cid: checksum error")
	ErrCRC       = errors.New("cid: crc error")
	ErrParity    = errors.New("cid: parity error")
	ErrFormat    = errors.New("cid: malformed message")
	ErrTruncated = errors.New("cid: message truncated")
)

// On returns a new true, for Message.VMWI.
func On() *bool { b := true; return &b }

// Off returns a new false, for Message.VMWI.
func Off() *bool { b := false; return &b }

// appendDateTime formats t as the MMDDHHMM parameter.
func appendDateTime(dst []byte, t time.Time) []byte {
	return fmt.Appendf(dst, "%02d%02d%02d%02d", int(t.Month()), t.Day(), t.Hour(), t.Minute())
}

// parseDateTime reads MMDDHHMM; ok is false for non-digits or impossible
// values.
func parseDateTime(p []byte) (t time.Time, ok bool) {
	if len(p) != 8 {
		return time.Time{}, false
	}
	var v [4]int
	for i := range v {
		a, b := p[2*i], p[2*i+1]
		if a < '0' || a > '9' || b < '0' || b > '9' {
			return time.Time{}, false
		}
		v[i] = int(a-'0')*10 + int(b-'0')
	}
	mo, d, h, mi := v[0], v[1], v[2], v[3]
	if mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 {
		return time.Time{}, false
	}
	// Year 0 is a leap year, so 29 February is kept.
	t = time.Date(0, time.Month(mo), d, h, mi, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

func printable(s string) bool {
	for i := range len(s) {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}
