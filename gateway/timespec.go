package gateway

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// TimeSpec is a weekly time window of a route: a set of days and a range
// of the day. A range that ends before it starts crosses midnight and
// belongs to the day it starts on ("fri 22:00-06:00" is Friday 22:00 to
// Saturday 06:00).
type TimeSpec struct {
	Days [7]bool // indexed by time.Weekday
	// Start and End are minutes since midnight; End may be 1440 (24:00).
	// Start == End == 0 means the whole day.
	Start, End int
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// ParseTimeSpec parses "[DAYS] [HH:MM-HH:MM]": DAYS is a comma-separated
// list of days (mon … sun, or full names) and day ranges ("mon-fri",
// "fri-mon" wraps), all days when left out; the range is the whole day
// when left out. "mon-fri 08:00-18:00", "sat,sun", "22:00-06:00".
func ParseTimeSpec(s string) (TimeSpec, error) {
	var ts TimeSpec
	fields := strings.Fields(s)
	if len(fields) == 0 || len(fields) > 2 {
		return ts, fmt.Errorf("time %q: want [DAYS] [HH:MM-HH:MM], e.g. \"mon-fri 08:00-18:00\"", s)
	}
	var days, hours string
	for _, f := range fields {
		if strings.Contains(f, ":") {
			if hours != "" {
				return ts, fmt.Errorf("time %q: two time ranges", s)
			}
			hours = f
		} else {
			if days != "" || hours != "" {
				return ts, fmt.Errorf("time %q: days come first, once", s)
			}
			days = f
		}
	}
	if days == "" {
		ts.Days = [7]bool{true, true, true, true, true, true, true}
	} else {
		for item := range strings.SplitSeq(days, ",") {
			a, b, isRange := strings.Cut(item, "-")
			from, ok := dayNames[strings.ToLower(a)]
			if !ok {
				return ts, fmt.Errorf("time %q: %q is not a day (mon tue wed thu fri sat sun)", s, a)
			}
			to := from
			if isRange {
				if to, ok = dayNames[strings.ToLower(b)]; !ok {
					return ts, fmt.Errorf("time %q: %q is not a day (mon tue wed thu fri sat sun)", s, b)
				}
			}
			for d := from; ; d = (d + 1) % 7 {
				ts.Days[d] = true
				if d == to {
					break
				}
			}
		}
	}
	if hours != "" {
		a, b, ok := strings.Cut(hours, "-")
		if !ok {
			return ts, fmt.Errorf("time %q: %q is not a range HH:MM-HH:MM", s, hours)
		}
		var err error
		if ts.Start, err = clockMinutes(a, false); err != nil {
			return ts, fmt.Errorf("time %q: %w", s, err)
		}
		if ts.End, err = clockMinutes(b, true); err != nil {
			return ts, fmt.Errorf("time %q: %w", s, err)
		}
		if ts.Start == ts.End {
			return ts, fmt.Errorf("time %q: the range is empty (start equals end)", s)
		}
	}
	return ts, nil
}

// clockMinutes parses HH:MM into minutes since midnight; 24:00 only as an
// end.
func clockMinutes(s string, end bool) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || h[0] == '+' || m[0] == '+' {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if hh == 24 && mm == 0 && end {
		return 24 * 60, nil
	}
	if hh > 23 {
		return 0, fmt.Errorf("%q is not a time of day (00:00-23:59, 24:00 as an end)", s)
	}
	return hh*60 + mm, nil
}

// Match reports whether t (already in the routing time zone) falls in the
// window.
func (ts TimeSpec) Match(t time.Time) bool {
	d := t.Weekday()
	m := t.Hour()*60 + t.Minute()
	switch {
	case ts.Start == ts.End:
		return ts.Days[d]
	case ts.Start < ts.End:
		return ts.Days[d] && m >= ts.Start && m < ts.End
	default:
		return ts.Days[d] && m >= ts.Start || ts.Days[(d+6)%7] && m < ts.End
	}
}
