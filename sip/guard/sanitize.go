package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length caps for caller identity taken from the PSTN. ETSI EN 300 659-3 and
// Telcordia GR-30 carry at most 50 and 15 name characters; ITU-T E.164
// numbers have at most 15 digits, so 32 leaves room for prefixes and
// service codes.
const (
	MaxDisplayName = 64 // runes
	MaxNumber      = 32 // characters
)

// SanitizeDisplayName makes a caller-ID name from the PSTN safe to place
// between the double quotes of a SIP display-name (RFC 3261 §25.1
// quoted-string). Bytes that are not UTF-8 are dropped; CR, LF, TAB and
// Unicode spaces become a space, other control and format characters
// (including bidirectional overrides, which can make a name read as
// something else) are dropped; runs of spaces collapse and the ends are
// trimmed; at most MaxDisplayName characters are kept; finally '"' and '\'
// are escaped as quoted-pairs. The result contains only qdtext and
// quoted-pair, so it can neither end the quoted string nor the header. An
// empty result means: send no display name.
func SanitizeDisplayName(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), 2*MaxDisplayName+8))
	n := 0
	space := false
	for i := 0; i < len(s) && n < MaxDisplayName; {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size <= 1:
			continue
		case r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' ||
			unicode.Is(unicode.Zs, r) || r == '\u2028' || r == '\u2029':
			space = true
			continue
		case r < 0x20 || (r >= 0x7f && r <= 0x9f) || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Co, r) || isNonchar(r):
			continue
		}
		if space && n > 0 {
			if n+1 >= MaxDisplayName {
				break // a trailing space is no use
			}
			b.WriteByte(' ')
			n++
		}
		space = false
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isNonchar(r rune) bool {
	return (r >= 0xfdd0 && r <= 0xfdef) || r&0xfffe == 0xfffe
}

// SanitizeNumber reduces a calling or called number from the PSTN to the
// characters a dial string has: digits, '*', '#', and '+' as the first
// character (E.164 international form, ITU-T E.123). Separators such as
// spaces, dashes, dots and brackets are dropped; at most MaxNumber
// characters are kept.
func SanitizeNumber(s string) string {
	var b strings.Builder
	b.Grow(min(len(s), MaxNumber))
	for i := 0; i < len(s) && b.Len() < MaxNumber; i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
		case c == '+' && b.Len() == 0:
		default:
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// SanitizeUser is SanitizeNumber made ready for the user part of a SIP URI:
// '#' is not allowed there unescaped (RFC 3261 §25.1 user), so it becomes
// "%23"; '*' and '+' are allowed as they are.
func SanitizeUser(s string) string {
	n := SanitizeNumber(s)
	if !strings.Contains(n, "#") {
		return n
	}
	return strings.ReplaceAll(n, "#", "%23")
}
