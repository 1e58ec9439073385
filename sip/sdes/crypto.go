package sdes

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
	"strings"

	"tipring/sip/media"
)

// Limits on what Parse accepts, so a hostile SDP cannot make us keep much.
const (
	maxKeyParams     = 16
	maxSessionParams = 16
	maxTag           = 999999999 // 1*9DIGIT, RFC 4568 §9.1
)

// KeyParam is one inline key-param of an a=crypto line (RFC 4568 §6.1).
type KeyParam struct {
	// Key is the master key followed by the master salt, as carried
	// base64-encoded in key-salt.
	Key []byte
	// Lifetime is the number of packets the key may protect, 0 when the
	// line does not say (the suite's maximum applies: 2^48 SRTP packets).
	Lifetime uint64
	// MKI and MKILen are the master key identifier and its length in
	// octets (1-128); MKILen is 0 when there is none.
	MKI    uint64
	MKILen int
}

// Crypto is one a=crypto attribute (RFC 4568 §9.1):
//
//	a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
type Crypto struct {
	Tag           int
	Suite         media.SRTPSuite
	Keys          []KeyParam
	SessionParams []string // e.g. "KDR=20", "UNENCRYPTED_SRTCP", "WSH=64"
}

// ErrSyntax is wrapped by every Parse error.
var ErrSyntax = errors.New("sdes: a=crypto syntax")

// Parse parses the value of an a=crypto attribute, the text after
// "a=crypto:" (a leading "a=crypto:" or "crypto:" is tolerated). Suites
// other than the two media supports parse as well, with their keys
// checked only for base64; Acceptable tells whether a line can be used.
func Parse(value string) (Crypto, error) {
	var c Crypto
	v := strings.TrimSpace(value)
	v = strings.TrimPrefix(v, "a=")
	v = strings.TrimPrefix(v, "crypto:")
	fields := strings.Fields(v)
	if len(fields) < 3 {
		return c, fmt.Errorf("%w: want tag, crypto-suite and key-params in %q", ErrSyntax, clip(value))
	}
	tag, err := parseDigits(fields[0], 9)
	if err != nil {
		return c, fmt.Errorf("%w: tag %q", ErrSyntax, clip(fields[0]))
	}
	c.Tag = int(tag)
	if !isSuiteName(fields[1]) {
		return c, fmt.Errorf("%w: crypto-suite %q", ErrSyntax, clip(fields[1]))
	}
	c.Suite = media.SRTPSuite(fields[1])
	kps := strings.Split(fields[2], ";")
	if len(kps) > maxKeyParams {
		return c, fmt.Errorf("%w: %d key-params, at most %d", ErrSyntax, len(kps), maxKeyParams)
	}
	for _, kp := range kps {
		k, err := parseKeyParam(kp, keyLen(c.Suite))
		if err != nil {
			return c, err
		}
		c.Keys = append(c.Keys, k)
	}
	if len(fields)-3 > maxSessionParams {
		return c, fmt.Errorf("%w: %d session-params, at most %d", ErrSyntax, len(fields)-3, maxSessionParams)
	}
	if len(fields) > 3 {
		c.SessionParams = append([]string(nil), fields[3:]...)
	}
	return c, nil
}

// keyLen is the key-salt length of a suite media supports, 0 for others.
func keyLen(s media.SRTPSuite) int {
	switch s {
	case media.AES_CM_128_HMAC_SHA1_80, media.AES_CM_128_HMAC_SHA1_32:
		return media.SRTPKeyLen
	}
	return 0
}

// parseKeyParam parses "inline:" key-salt ["|" lifetime] ["|" mki].
func parseKeyParam(s string, wantLen int) (KeyParam, error) {
	var k KeyParam
	info, ok := strings.CutPrefix(s, "inline:")
	if !ok {
		return k, fmt.Errorf("%w: key-method in %q is not inline", ErrSyntax, clip(s))
	}
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return k, fmt.Errorf("%w: too many '|' in %q", ErrSyntax, clip(s))
	}
	key, err := base64.StdEncoding.Strict().DecodeString(parts[0])
	if err != nil || len(key) == 0 {
		// RFC 4568 §6.1 pads with '='; some senders leave it out.
		key, err = base64.RawStdEncoding.Strict().DecodeString(parts[0])
	}
	if err != nil || len(key) == 0 {
		return k, fmt.Errorf("%w: key-salt %q is not base64", ErrSyntax, clip(parts[0]))
	}
	if wantLen != 0 && len(key) != wantLen {
		return k, fmt.Errorf("%w: key-salt is %d octets, want %d", ErrSyntax, len(key), wantLen)
	}
	k.Key = key
	for _, p := range parts[1:] {
		if mv, ml, isMKI := strings.Cut(p, ":"); isMKI {
			if k.MKILen != 0 {
				return k, fmt.Errorf("%w: two MKIs in %q", ErrSyntax, clip(s))
			}
			n, err1 := parseDigits(ml, 3)
			if err1 != nil || n < 1 || n > 128 {
				return k, fmt.Errorf("%w: MKI length %q", ErrSyntax, clip(ml))
			}
			v, err2 := parseDigits(mv, 20)
			if err2 != nil || (n < 8 && v >= 1<<(8*n)) {
				return k, fmt.Errorf("%w: MKI value %q", ErrSyntax, clip(mv))
			}
			k.MKI, k.MKILen = v, int(n)
			continue
		}
		if k.Lifetime != 0 || k.MKILen != 0 {
			return k, fmt.Errorf("%w: lifetime out of place in %q", ErrSyntax, clip(s))
		}
		lt, err := parseLifetime(p)
		if err != nil {
			return k, err
		}
		k.Lifetime = lt
	}
	return k, nil
}

// parseLifetime parses ["2^"] 1*DIGIT (RFC 4568 §6.1).
func parseLifetime(s string) (uint64, error) {
	if e, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := parseDigits(e, 2)
		if err != nil || n < 1 || n > 63 {
			return 0, fmt.Errorf("%w: lifetime %q", ErrSyntax, clip(s))
		}
		return 1 << n, nil
	}
	n, err := parseDigits(s, 20)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%w: lifetime %q", ErrSyntax, clip(s))
	}
	return n, nil
}

// parseDigits parses 1 to max decimal digits.
func parseDigits(s string, max int) (uint64, error) {
	if len(s) == 0 || len(s) > max {
		return 0, ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrSyntax
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// isSuiteName checks the srtp-crypto-suite token: 1*(ALPHA / DIGIT / "_").
func isSuiteName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '_') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// String formats c as an a=crypto value (without "a=crypto:"). A
// lifetime that is a power of two is written in the "2^n" form.
func (c Crypto) String() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(c.Tag))
	b.WriteByte(' ')
	b.WriteString(string(c.Suite))
	b.WriteByte(' ')
	for i, k := range c.Keys {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString("inline:")
		b.WriteString(base64.StdEncoding.EncodeToString(k.Key))
		if k.Lifetime != 0 {
			b.WriteByte('|')
			if bits.OnesCount64(k.Lifetime) == 1 && k.Lifetime > 1 {
				b.WriteString("2^")
				b.WriteString(strconv.Itoa(bits.TrailingZeros64(k.Lifetime)))
			} else {
				b.WriteString(strconv.FormatUint(k.Lifetime, 10))
			}
		}
		if k.MKILen != 0 {
			b.WriteByte('|')
			b.WriteString(strconv.FormatUint(k.MKI, 10))
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(k.MKILen))
		}
	}
	for _, p := range c.SessionParams {
		b.WriteByte(' ')
		b.WriteString(p)
	}
	return b.String()
}

// Acceptable reports whether media can run SRTP with this line: a suite
// it implements, one inline key without MKI (media sends no MKI), and no
// session parameter other than the window-size hint WSH and KDR=0 (no
// key derivation rate, RFC 4568 §6.3.1, §6.3.7). A lifetime is accepted
// as given: a call never comes near 2^31 packets.
func (c Crypto) Acceptable() bool {
	if keyLen(c.Suite) == 0 || len(c.Keys) != 1 || c.Keys[0].MKILen != 0 {
		return false
	}
	for _, p := range c.SessionParams {
		if !strings.HasPrefix(p, "WSH=") && p != "KDR=0" {
			return false
		}
	}
	return true
}

// GenerateKey returns a fresh master key and salt for suite from the
// system's cryptographic random source (RFC 4568 §10.1: keys must be
// random and never reused).
func GenerateKey(suite media.SRTPSuite) ([]byte, error) {
	n := keyLen(suite)
	if n == 0 {
		return nil, fmt.Errorf("sdes: generate key: unsupported suite %q", suite)
	}
	k := make([]byte, n)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("sdes: generate key: %w", err)
	}
	return k, nil
}
