package digitmap

import "testing"

func TestMatch(t *testing.T) {
	m := MustParse("[2-8]xxx|9x.T|*xx|0T|1[2-9]xx[2-9]xxxxxx")
	cases := []struct {
		in      string
		want    Result
		timeout bool
	}{
		{"", Partial, false},
		{"2", Partial, false},
		{"200", Partial, false},
		{"2001", Complete, true},
		{"20011", NoMatch, false},
		{"9", Partial, true},
		{"95551234", Partial, true},
		{"*7", Partial, false},
		{"*72", Complete, true},
		{"0", Partial, true},
		{"00", NoMatch, false},
		{"#", NoMatch, false},
		{"1", Partial, false},
		{"12125551234", Complete, true},
		{"11", NoMatch, false},
	}
	for _, c := range cases {
		if got := m.Match(c.in); got != c.want {
			t.Errorf("Match(%q) = %v, want %v", c.in, got, c.want)
		}
		if got := m.MatchOnTimeout(c.in); got != c.timeout {
			t.Errorf("MatchOnTimeout(%q) = %v, want %v", c.in, got, c.timeout)
		}
	}
}

func TestAmbiguous(t *testing.T) {
	m := MustParse("2xxx|2xxxx|3x.")
	if got := m.Match("2001"); got != Ambiguous {
		t.Errorf("2001: got %v, want ambiguous", got)
	}
	if got := m.Match("20012"); got != Complete {
		t.Errorf("20012: got %v, want complete", got)
	}
	if got := m.Match("3"); got != Ambiguous {
		t.Errorf("3: got %v, want ambiguous (x. may be empty)", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "[2-", "2T34", ".", "x..", "ab", "[]", "[9-2]", "2||3", "T"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
	for _, s := range []string{"(2xxx|*xx)", "xx.S0", "0L5", "[2-589*#]xx"} {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("[2-8]xxx|9x.T|*xx|0T", "2001")
	f.Add("x.", "12#")
	f.Fuzz(func(t *testing.T, s, digits string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		_ = m.Match(digits)
		_ = m.MatchOnTimeout(digits)
	})
}
