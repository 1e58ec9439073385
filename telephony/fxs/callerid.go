package fxs

import (
	"fmt"
	"strings"
	"time"

	"tipring/dsp/cid"
)

// CIDAlerting says when caller ID is sent relative to ringing and what
// alerts the set first.
type CIDAlerting uint8

const (
	// CIDAfterFirstRing sends the data in the first long silent interval of
	// the ring cadence, 600 ms after the ring ends (GR-30-CORE clause 3:
	// at least 500 ms after the first ring; EN 300 659-1 data transmission
	// during ringing).
	CIDAfterFirstRing CIDAlerting = iota + 1
	// CIDDTAS sends the dual-tone alerting signal (2130 + 2750 Hz, 100 ms),
	// then the data, then rings (EN 300 659-1 prior to ringing, DT-AS).
	CIDDTAS
	// CIDLineReversalDTAS reverses the line polarity, sends the DT-AS 150
	// ms later, then the data, then rings (EN 300 659-1 prior to ringing,
	// line reversal followed by DT-AS). BT SIN 227 uses this sequence with
	// its idle state tone alert (sent by the BT sender itself).
	CIDLineReversalDTAS
	// CIDRPAS sends a 250 ms ring pulse alerting signal, the data 650 ms
	// after it, then rings (EN 300 659-1 prior to ringing, RP-AS).
	CIDRPAS
	// CIDLineReversal reverses the polarity and sends the data 150 ms later
	// without a tone alert, then rings (DTMF CLIP as in Denmark and the
	// Netherlands).
	CIDLineReversal
	// CIDPriorToRing sends the data at once, without any alert, then rings.
	CIDPriorToRing
	// CIDNTT is the NTT number display handshake: the call incoming signal
	// (CAR, 0.5 s on / 0.5 s off ringing) until the set answers it off hook
	// (primary response), the data sent to the off-hook set, then normal
	// ringing once the set is back on hook. A set that does not answer the
	// CAR within 6 s is rung without caller ID.
	CIDNTT
)

var alertingNames = [...]string{"", "ring", "dtas", "lr-dtas", "rpas", "lr", "prior", "car"}

func (a CIDAlerting) String() string {
	if int(a) < len(alertingNames) && a != 0 {
		return alertingNames[a]
	}
	return fmt.Sprintf("CIDAlerting(%d)", a)
}

// CallerIDConfig selects a port's caller-ID scheme. The zero value sends no
// caller ID.
type CallerIDConfig struct {
	// Scheme is the data format and modem; 0 disables caller ID.
	Scheme cid.Scheme
	// Alerting is when the data goes relative to ringing.
	Alerting CIDAlerting
	// SDMF sends Bellcore single data message format (date, time and
	// number only) instead of MDMF.
	SDMF bool
	// LevelDBm0 is the FSK (or each DTMF tone's) level; 0 = -14 dBm0.
	LevelDBm0 float64
	// CallWaiting enables caller ID on call waiting (type II: CAS, the
	// set's acknowledgement, then FSK) for FSK schemes.
	CallWaiting bool
}

// Enabled reports whether caller ID is sent.
func (c CallerIDConfig) Enabled() bool { return c.Scheme != 0 }

// callerIDNames are the configuration names of the supported schemes.
var callerIDNames = map[string]CallerIDConfig{
	"bellcore":       {Scheme: cid.Bellcore, Alerting: CIDAfterFirstRing, CallWaiting: true},
	"bellcore-sdmf":  {Scheme: cid.Bellcore, Alerting: CIDAfterFirstRing, SDMF: true, CallWaiting: true},
	"etsi-fsk":       {Scheme: cid.ETSI, Alerting: CIDAfterFirstRing, CallWaiting: true},
	"etsi-fsk-dtas":  {Scheme: cid.ETSI, Alerting: CIDDTAS, CallWaiting: true},
	"etsi-fsk-lr":    {Scheme: cid.ETSI, Alerting: CIDLineReversalDTAS, CallWaiting: true},
	"etsi-fsk-rpas":  {Scheme: cid.ETSI, Alerting: CIDRPAS, CallWaiting: true},
	"etsi-dtmf":      {Scheme: cid.DTMF, Alerting: CIDPriorToRing},
	"etsi-dtmf-ring": {Scheme: cid.DTMF, Alerting: CIDAfterFirstRing},
	"etsi-dtmf-dtas": {Scheme: cid.DTMF, Alerting: CIDDTAS},
	"etsi-dtmf-lr":   {Scheme: cid.DTMF, Alerting: CIDLineReversal},
	"etsi-dtmf-rpas": {Scheme: cid.DTMF, Alerting: CIDRPAS},
	"bt":             {Scheme: cid.BT, Alerting: CIDLineReversalDTAS, CallWaiting: true},
	"ntt":            {Scheme: cid.NTT, Alerting: CIDNTT},
	"off":            {},
}

// CallerIDNames lists the names ParseCallerID accepts.
func CallerIDNames() []string {
	return []string{"bellcore", "bellcore-sdmf", "etsi-fsk", "etsi-fsk-dtas", "etsi-fsk-lr", "etsi-fsk-rpas",
		"etsi-dtmf", "etsi-dtmf-ring", "etsi-dtmf-dtas", "etsi-dtmf-lr", "etsi-dtmf-rpas", "bt", "ntt", "off"}
}

// ParseCallerID returns the configuration named name (see CallerIDNames).
func ParseCallerID(name string) (CallerIDConfig, error) {
	c, ok := callerIDNames[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return CallerIDConfig{}, fmt.Errorf("fxs: unknown caller id scheme %q (known: %s)", name, strings.Join(CallerIDNames(), ", "))
	}
	return c, nil
}

// zoneCallerID is the caller-ID scheme each zone gets unless configured;
// the table in doc.go lists it.
var zoneCallerID = map[string]string{
	"us": "bellcore", "br": "etsi-dtmf", "cn": "bellcore", "in": "etsi-dtmf",
	"uk": "bt", "de": "etsi-fsk", "fr": "etsi-fsk-rpas", "it": "etsi-fsk-lr",
	"nl": "etsi-dtmf-lr", "ru": "etsi-fsk", "au": "etsi-fsk-lr", "jp": "ntt",
}

// DefaultCallerID returns the zone's default caller-ID scheme (Bellcore for
// unknown zones).
func DefaultCallerID(zone string) CallerIDConfig {
	n, ok := zoneCallerID[strings.ToLower(zone)]
	if !ok {
		n = "bellcore"
	}
	return callerIDNames[n]
}

// CallerID is the identity of an incoming call as the port presents it.
type CallerID struct {
	Number string
	Name   string
	// NumberAbsence and NameAbsence give the reason a field is empty:
	// cid.Private ('P') or cid.Unavailable ('O'); 0 when present.
	NumberAbsence, NameAbsence byte
	// Time is the call's date and time (zero: not sent).
	Time time.Time
}

// Message converts the identity into a caller-ID message for scheme s:
// numbers keep their digits only, names are cut to what the format carries
// (15 characters for GR-30-CORE, 50 for EN 300 659-3) and made printable,
// and a missing number or name is marked unavailable.
func (c CallerID) Message(cfg CallerIDConfig) cid.Message {
	m := cid.Message{Time: c.Time, NumberAbsence: c.NumberAbsence, NameAbsence: c.NameAbsence}
	num := make([]byte, 0, len(c.Number))
	for i := range len(c.Number) {
		if d := c.Number[i]; d >= '0' && d <= '9' {
			num = append(num, d)
		}
	}
	if len(num) > 20 {
		num = num[:20]
	}
	m.Number = string(num)
	if m.Number != "" {
		m.NumberAbsence = 0
	} else if m.NumberAbsence == 0 {
		m.NumberAbsence = cid.Unavailable
	}
	maxName := 50
	if cfg.Scheme == cid.Bellcore {
		maxName = 15
	}
	name := make([]byte, 0, len(c.Name))
	for i := range len(c.Name) {
		ch := c.Name[i]
		if ch < 0x20 || ch > 0x7E {
			if ch >= 0x80 && (i+1 == len(c.Name) || c.Name[i+1] < 0x80 || c.Name[i+1] >= 0xC0) {
				name = append(name, '?') // one mark per non-ASCII character
			}
			continue
		}
		name = append(name, ch)
	}
	if len(name) > maxName {
		name = name[:maxName]
	}
	m.Name = strings.TrimSpace(string(name))
	if m.Name != "" {
		m.NameAbsence = 0
	} else if m.NameAbsence == 0 {
		m.NameAbsence = m.NumberAbsence
	}
	switch cfg.Scheme {
	case cid.ETSI, cid.BT:
		m.CallType = 1 // voice call
	case cid.Bellcore:
		if cfg.SDMF && !m.Time.IsZero() {
			// SDMF always carries the date and time; without them the
			// message goes as MDMF.
			m.Type = cid.TypeSDMF
			m.Name, m.NameAbsence = "", 0
		}
	case cid.NTT, cid.DTMF:
		m.Name, m.NameAbsence, m.Time = "", 0, time.Time{}
	}
	return m
}

// EncodeCallerID encodes c for cfg's scheme: the octets (or DTMF digits)
// the port's sender transmits. It allocates; the gateway calls it when it
// offers the call, outside the frame loop.
func EncodeCallerID(cfg CallerIDConfig, c CallerID) ([]byte, error) {
	m := c.Message(cfg)
	raw, err := cid.Append(nil, cfg.Scheme, &m)
	if err != nil {
		return nil, fmt.Errorf("fxs: caller id: %w", err)
	}
	return raw, nil
}
