package digitmap

import (
	"fmt"
	"strings"
)

// Result is how a dialled string relates to a digit map.
type Result uint8

const (
	// NoMatch: no alternative can match, whatever is dialled next.
	NoMatch Result = iota
	// Partial: a prefix of some alternative; wait for more digits (long timer).
	Partial
	// Ambiguous: some alternative matches completely, but a longer string could
	// match too; dial when the short timer expires.
	Ambiguous
	// Complete: an alternative matches and nothing longer can; dial now.
	Complete
)

func (r Result) String() string {
	switch r {
	case NoMatch:
		return "nomatch"
	case Partial:
		return "partial"
	case Ambiguous:
		return "ambiguous"
	case Complete:
		return "complete"
	}
	return fmt.Sprintf("Result(%d)", r)
}

// element is one position of an alternative: the set of keys it accepts and
// whether it may repeat (a trailing '.').
type element struct {
	set    uint16 // bit i set: key i accepted (0-9, 10 '*', 11 '#')
	repeat bool
}

type alternative struct {
	elems []element
	timer bool // ends in T (or S): only dialled when the inter-digit timer expires
	text  string
}

// Map is a compiled digit map. It is immutable and safe for concurrent use.
type Map struct {
	alts []alternative
	src  string
}

func keyIndex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c == '*':
		return 10
	case c == '#':
		return 11
	}
	return -1
}

// Parse compiles a digit map such as "[2-9]xxx|*xx|0T|9x.T".
//
// Syntax: alternatives separated by '|'; '0'-'9', '*', '#' match themselves;
// 'x' matches any digit 0-9; '[...]' a set of keys with ranges ("[2-589]");
// '.' after an element repeats it zero or more times; a trailing 'T' (or
// 'S'/'L', as ATAs write short and long timers, optionally followed by a digit
// giving seconds, which is ignored here) means the alternative is only
// dialled when the inter-digit timer expires.
func Parse(s string) (*Map, error) {
	m := &Map{src: s}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("digitmap: empty map")
	}
	body := strings.TrimSpace(s)
	if strings.HasPrefix(body, "(") && strings.HasSuffix(body, ")") {
		body = body[1 : len(body)-1]
	}
	for _, raw := range strings.Split(body, "|") {
		alt := strings.TrimSpace(raw)
		if alt == "" {
			return nil, fmt.Errorf("digitmap: empty alternative in %q", s)
		}
		a, err := parseAlt(alt)
		if err != nil {
			return nil, fmt.Errorf("digitmap: %q: %w", alt, err)
		}
		m.alts = append(m.alts, a)
	}
	return m, nil
}

// MustParse is Parse for maps known to be valid (built-in defaults).
func MustParse(s string) *Map {
	m, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return m
}

func parseAlt(alt string) (alternative, error) {
	a := alternative{text: alt}
	for i := 0; i < len(alt); i++ {
		c := alt[i]
		switch {
		case c == 'T' || c == 't' || c == 'S' || c == 's' || c == 'L' || c == 'l':
			// A timer must close the alternative (an optional digit after S/L
			// is the ATA's timer value in seconds).
			rest := alt[i+1:]
			if len(rest) > 1 || (len(rest) == 1 && (rest[0] < '0' || rest[0] > '9')) {
				return a, fmt.Errorf("timer %q must end the alternative", c)
			}
			if len(a.elems) == 0 {
				return a, fmt.Errorf("timer with no digits before it")
			}
			a.timer = true
			return a, nil
		case c == '.':
			if len(a.elems) == 0 || a.elems[len(a.elems)-1].repeat {
				return a, fmt.Errorf("'.' must follow a digit, x or set")
			}
			a.elems[len(a.elems)-1].repeat = true
		case c == 'x' || c == 'X':
			a.elems = append(a.elems, element{set: 0x3ff})
		case c == '[':
			end := strings.IndexByte(alt[i:], ']')
			if end < 0 {
				return a, fmt.Errorf("unclosed '['")
			}
			set, err := parseSet(alt[i+1 : i+end])
			if err != nil {
				return a, err
			}
			a.elems = append(a.elems, element{set: set})
			i += end
		case keyIndex(c) >= 0:
			a.elems = append(a.elems, element{set: 1 << keyIndex(c)})
		default:
			return a, fmt.Errorf("unexpected %q", c)
		}
	}
	if len(a.elems) == 0 {
		return a, fmt.Errorf("no digits")
	}
	return a, nil
}

func parseSet(s string) (uint16, error) {
	if s == "" {
		return 0, fmt.Errorf("empty set []")
	}
	var set uint16
	for i := 0; i < len(s); i++ {
		k := keyIndex(s[i])
		if k < 0 {
			return 0, fmt.Errorf("unexpected %q in set", s[i])
		}
		if i+2 < len(s) && s[i+1] == '-' {
			hi := keyIndex(s[i+2])
			if hi < 0 || hi > 9 || k > 9 || hi < k {
				return 0, fmt.Errorf("bad range %q", s[i:i+3])
			}
			for d := k; d <= hi; d++ {
				set |= 1 << d
			}
			i += 2
			continue
		}
		set |= 1 << k
	}
	return set, nil
}

// String returns the map's source text.
func (m *Map) String() string { return m.src }

// altState is the outcome of one alternative against a dialled string.
type altState struct {
	prefix   bool // the string is a prefix of (or equal to) some match
	full     bool // the string matches the alternative completely
	extends  bool // a longer string could also match
	needTime bool // full match only counts at timer expiry
}

func (a *alternative) match(digits string) altState {
	var st altState
	// positions is the set of element indexes reachable after consuming the
	// input so far (an NFA over the elements; repeat elements loop).
	cur := closure(a.elems, []int{0})
	for i := 0; i < len(digits) && len(cur) > 0; i++ {
		k := keyIndex(digits[i])
		if k < 0 {
			return st
		}
		var next []int
		for _, p := range cur {
			if p >= len(a.elems) || a.elems[p].set&(1<<k) == 0 {
				continue
			}
			if a.elems[p].repeat {
				next = append(next, p)
			} else {
				next = append(next, p+1)
			}
		}
		cur = closure(a.elems, next)
	}
	if len(cur) == 0 {
		return st
	}
	st.prefix = true
	for _, p := range cur {
		if p == len(a.elems) {
			st.full = true
		} else {
			st.extends = true
		}
	}
	st.needTime = a.timer
	return st
}

// closure adds the positions reachable by skipping repeat elements (zero
// occurrences) and removes duplicates.
func closure(elems []element, pos []int) []int {
	seen := map[int]bool{}
	var out []int
	for len(pos) > 0 {
		p := pos[len(pos)-1]
		pos = pos[:len(pos)-1]
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
		if p < len(elems) && elems[p].repeat {
			pos = append(pos, p+1)
		}
	}
	return out
}

// Match classifies a dialled string against the map.
func (m *Map) Match(digits string) Result {
	res := NoMatch
	for i := range m.alts {
		st := m.alts[i].match(digits)
		if !st.prefix {
			continue
		}
		switch {
		case st.full && !st.needTime && !st.extends:
			if res < Complete {
				res = Complete
			}
		case st.full && !st.needTime:
			if res < Ambiguous {
				res = Ambiguous
			}
		default:
			if res < Partial {
				res = Partial
			}
		}
	}
	// A complete match while another alternative still wants more digits is
	// ambiguous: the short timer decides.
	if res == Complete {
		for i := range m.alts {
			st := m.alts[i].match(digits)
			if st.prefix && (st.extends || st.needTime) && !(st.full && !st.needTime && !st.extends) {
				return Ambiguous
			}
		}
	}
	return res
}

// MatchOnTimeout reports whether the dialled string should be dialled when the
// inter-digit timer expires: some alternative matches it completely (timer
// alternatives included).
func (m *Map) MatchOnTimeout(digits string) bool {
	for i := range m.alts {
		if m.alts[i].match(digits).full {
			return true
		}
	}
	return false
}
