package guard

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeDisplayName(t *testing.T) {
	long := strings.Repeat("ab", 100)
	for _, tc := range []struct{ in, want string }{
		{"JOHN DOE", "JOHN DOE"},
		{"  Müller,  Jürgen\t ", "Müller, Jürgen"},
		{"Evil\r\nVia: SIP/2.0/UDP 127.0.0.1", "Evil Via: SIP/2.0/UDP 127.0.0.1"},
		{`say "hi"`, `say \"hi\"`},
		{`back\slash`, `back\\slash`},
		{"nul\x00byte\x07bell\x1b[31m", "nulbytebell[31m"},
		{"latin1 \xe9t\xe9", "latin1 t"},
		{"abc\u202egnp.exe", "abcgnp.exe"},           // right-to-left override
		{"zero\u200bwidth\ufeff", "zerowidth"},       // format characters
		{"c1\u0085ctl\u009b", "c1ctl"},               // C1 controls
		{"line\u2028sep\u00a0nbsp", "line sep nbsp"}, // Unicode separators
		{"\"\"\"", `\"\"\"`},
		{"\r\n\t ", ""},
		{long, long[:MaxDisplayName]},
		{strings.Repeat("a ", 40), strings.TrimSpace(strings.Repeat("a ", 32))},
		{strings.Repeat(`"`, 100), strings.Repeat(`\"`, MaxDisplayName)},
	} {
		if got := SanitizeDisplayName(tc.in); got != tc.want {
			t.Errorf("SanitizeDisplayName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSanitizeNumber(t *testing.T) {
	for _, tc := range []struct{ in, num, user string }{
		{"+49 (30) 1234-567", "+49301234567", "+49301234567"},
		{"0049.30.123", "004930123", "004930123"},
		{"*31#0301234", "*31#0301234", "*31%230301234"},
		{"12+34", "1234", "1234"},
		{"++1", "+1", "+1"},
		{"1234@evil.example;x=1\r\nTo: x", "12341", "12341"},
		{"１２３", "", ""}, // fullwidth digits are not dial digits
		{"abc", "", ""},
		{strings.Repeat("9", 100), strings.Repeat("9", MaxNumber), strings.Repeat("9", MaxNumber)},
	} {
		if got := SanitizeNumber(tc.in); got != tc.num {
			t.Errorf("SanitizeNumber(%q) = %q, want %q", tc.in, got, tc.num)
		}
		if got := SanitizeUser(tc.in); got != tc.user {
			t.Errorf("SanitizeUser(%q) = %q, want %q", tc.in, got, tc.user)
		}
	}
}

// quotedStringContent reports whether s is valid between the DQUOTEs of an
// RFC 3261 §25.1 quoted-string: qdtext (LWS, %x21, %x23-5B, %x5D-7E,
// UTF8-NONASCII) or quoted-pair ("\" %x00-09 / %x0B-0C / %x0E-7F), with the
// stricter rule that no CR, LF or other control character appears at all.
// It returns the unescaped value.
func quotedStringContent(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 == len(s) {
				return "", false
			}
			i++
			if n := s[i]; n < 0x20 || n > 0x7e {
				return "", false
			}
			b.WriteByte(s[i])
		case c == '"' || c < 0x20 || c == 0x7f:
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

func FuzzSanitizeDisplayName(f *testing.F) {
	for _, s := range []string{"JOHN DOE", "a\r\nb", `"\`, "\xff\xfe", "\u202e", "x\x00y", strings.Repeat("é", 80)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := SanitizeDisplayName(in)
		if !utf8.ValidString(out) {
			t.Fatalf("%q: output %q is not UTF-8", in, out)
		}
		if strings.ContainsAny(out, "\r\n\x00") {
			t.Fatalf("%q: output %q contains CR, LF or NUL", in, out)
		}
		val, ok := quotedStringContent(out)
		if !ok {
			t.Fatalf("%q: output %q is not quoted-string content", in, out)
		}
		if n := utf8.RuneCountInString(val); n > MaxDisplayName {
			t.Fatalf("%q: %d characters, cap is %d", in, n, MaxDisplayName)
		}
		if val != strings.TrimSpace(val) || strings.Contains(val, "  ") {
			t.Fatalf("%q: spaces not collapsed in %q", in, val)
		}
		if again := SanitizeDisplayName(val); again != out {
			t.Fatalf("not stable: %q -> %q -> %q", in, out, again)
		}
	})
}

func FuzzSanitizeUser(f *testing.F) {
	for _, s := range []string{"+49 30 1234", "*31#1", "1\r\n", "+", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		num := SanitizeNumber(in)
		if len(num) > MaxNumber {
			t.Fatalf("%q: %d characters, cap is %d", in, len(num), MaxNumber)
		}
		for i, c := range []byte(num) {
			if !(c >= '0' && c <= '9' || c == '*' || c == '#' || c == '+' && i == 0) {
				t.Fatalf("%q: %q holds %q at %d", in, num, c, i)
			}
		}
		if SanitizeNumber(num) != num {
			t.Fatalf("%q: not stable", in)
		}
		user := SanitizeUser(in)
		// RFC 3261 §25.1 user: unreserved / escaped / user-unreserved; of
		// these we may only produce digits, '*', '+' and "%23".
		if strings.ContainsAny(user, "#\r\n\x00;@:<>\" ") {
			t.Fatalf("%q: user part %q", in, user)
		}
		if strings.ReplaceAll(user, "%23", "#") != num {
			t.Fatalf("%q: user %q does not encode %q", in, user, num)
		}
	})
}

func BenchmarkSanitizeDisplayName(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SanitizeDisplayName("MUELLER \"JUERGEN\"\r\n")
	}
}
