package gateway

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeSpec(t *testing.T) {
	at := func(s string) time.Time {
		ts, err := time.Parse("Mon 2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	cases := []struct {
		spec string
		in   []string
		out  []string
	}{
		{"mon-fri 08:00-18:00", []string{"Mon 2025-01-06 08:00", "Fri 2025-01-10 17:59"}, []string{"Mon 2025-01-06 07:59", "Mon 2025-01-06 18:00", "Sat 2025-01-11 12:00"}},
		{"sat,sun", []string{"Sat 2025-01-11 00:00", "Sun 2025-01-12 23:59"}, []string{"Mon 2025-01-13 00:00"}},
		{"22:00-06:00", []string{"Wed 2025-01-08 22:00", "Thu 2025-01-09 05:59"}, []string{"Wed 2025-01-08 06:00", "Wed 2025-01-08 21:59"}},
		{"fri 22:00-06:00", []string{"Fri 2025-01-10 23:00", "Sat 2025-01-11 05:00"}, []string{"Fri 2025-01-10 05:00", "Sat 2025-01-11 23:00"}},
		{"fri-mon 12:00-24:00", []string{"Sun 2025-01-12 23:59", "Mon 2025-01-13 12:00"}, []string{"Tue 2025-01-14 13:00", "Fri 2025-01-10 11:59"}},
		{"Monday,wed-thu", []string{"Mon 2025-01-06 10:00", "Thu 2025-01-09 10:00"}, []string{"Tue 2025-01-07 10:00"}},
	}
	for _, c := range cases {
		ts, err := ParseTimeSpec(c.spec)
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		for _, s := range c.in {
			if !ts.Match(at(s)) {
				t.Errorf("%q does not match %s", c.spec, s)
			}
		}
		for _, s := range c.out {
			if ts.Match(at(s)) {
				t.Errorf("%q matches %s", c.spec, s)
			}
		}
	}
	for _, bad := range []string{"", "mon-fri 08:00-18:00 x", "mon 8-18", "xyz", "08:00-18:00 mon", "25:00-26:00",
		"10:00-10:00", "mon 24:00-01:00", "mon 08:60-09:00", "mon 08:00-09:00 10:00-11:00", "mon,", "-fri", "+8:00-09:00", "08:+1-09:00"} {
		if _, err := ParseTimeSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzParseTimeSpec: any text gives a window or an error; a window
// accepted repeats weekly and its ranges stay within the day.
func FuzzParseTimeSpec(f *testing.F) {
	for _, s := range []string{"mon-fri 08:00-18:00", "22:00-06:00", "sat,sun", "fri-mon 00:00-24:00", "mon 8:5-9:00", "Sunday"} {
		f.Add(s, int64(1736500000))
	}
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		ts, err := ParseTimeSpec(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "time ") {
				t.Errorf("error %q does not say where it comes from", err)
			}
			return
		}
		if ts.Start < 0 || ts.Start >= 24*60 || ts.End < 0 || ts.End > 24*60 {
			t.Errorf("%q: range %d-%d outside the day", s, ts.Start, ts.End)
		}
		// A window repeats every week (in UTC: no daylight saving).
		now := time.Unix(unix%(1<<40), 0).UTC()
		if ts.Match(now) != ts.Match(now.AddDate(0, 0, 7)) {
			t.Errorf("%q: matches %v but not a week later, or the reverse", s, now)
		}
	})
}

// FuzzRewrite: any rewrite the checks accept applies to any number without
// a panic.
func FuzzRewrite(f *testing.F) {
	f.Add("^0049(\\d+)$", "0$1", "00493012345", 1, "+")
	f.Add("(?P<n>\\d)", "${n}${n}", "2001", 0, "")
	f.Add("[", "$", "", 40, "9")
	f.Fuzz(func(t *testing.T, match, replace, number string, strip int, prefix string) {
		r := Route{Pattern: "re:.", Strip: strip, Prefix: prefix, Replace: Replace{Match: match, Replace: replace},
			CallingStrip: strip, CallingPrefix: prefix, CallingReplace: Replace{Match: match, Replace: replace}}
		re, err := compileReplace(r.Replace)
		if err != nil {
			return
		}
		rt := &route{r: r, replace: re, callRe: re}
		_ = rt.calledNumber(number)
		_, _ = rt.callingNumber(number)
	})
}
