package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"tipring/gateway"
)

// hasGroup reports whether name is declared under groups.
func (f *File) hasGroup(name string) bool {
	for _, g := range f.Groups {
		if g.Name == name {
			return true
		}
	}
	return false
}

// CheckPattern checks a route's called or calling pattern: "re:" and a Go
// regular expression, or a digit map.
func CheckPattern(p string) error {
	if expr, ok := strings.CutPrefix(p, "re:"); ok {
		if expr == "" {
			return fmt.Errorf("re: with an empty regular expression")
		}
		if _, err := regexp.Compile(expr); err != nil {
			return fmt.Errorf("bad regular expression: %w", err)
		}
		return nil
	}
	return CheckDigitMap(p)
}

// validateRouting checks time_zone, groups and routes. exts, accounts,
// lines and lineGroups are what the rest of the file defines; refAccount
// checks a reference to an account.
func (f *File) validateRouting(exts, accounts map[string]int, lines, lineGroups map[string]bool,
	refAccount func(field, name string), bad func(field, format string, args ...any)) {
	if f.TimeZone != "" {
		if _, err := time.LoadLocation(f.TimeZone); err != nil || strings.EqualFold(f.TimeZone, "local") {
			bad("time_zone", "%q is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)", f.TimeZone)
		}
	}
	// Names a group member or a route's port may use.
	portNames := map[string]bool{}
	for e := range exts {
		portNames[e] = true
	}
	for _, p := range f.Ports {
		portNames[fmt.Sprintf("FXS/%d/%d", p.Span, p.Chan)] = true
	}
	lineNames := map[string]bool{}
	for n := range lines {
		lineNames[n] = true
	}
	for _, l := range f.Lines {
		lineNames[fmt.Sprintf("FXO/%d/%d", l.Span, l.Chan)] = true
	}

	groups := map[string]int{}
	for i, g := range f.Groups {
		p := fmt.Sprintf("groups[%d]", i)
		if validName(g.Name) && (portNames[g.Name] || lineNames[g.Name]) {
			bad(p+".name", "%q is already a port or line name", g.Name)
		} else {
			checkName(p, "group", g.Name, i, groups, bad)
		}
		if !contains(Hunts, g.Strategy) {
			bad(p+".strategy", "%q is not a hunt strategy (%s)", g.Strategy, strings.Join(Hunts, ", "))
		}
		if len(g.Members) == 0 && !lineGroups[g.Name] {
			bad(p+".members", "missing: a group needs members (ports or lines)")
		}
		seen := map[string]bool{}
		for j, m := range g.Members {
			mp := fmt.Sprintf("%s.members[%d].port", p, j)
			switch {
			case m.Port == "":
				bad(mp, "missing: an extension, channel name (FXS/1/2) or line name")
			case !portNames[m.Port] && !lineNames[m.Port]:
				bad(mp, "%q is not a port's extension or channel name nor a line's name", m.Port)
			case seen[m.Port]:
				bad(mp, "%q is listed twice", m.Port)
			}
			seen[m.Port] = true
		}
	}
	isGroup := func(n string) bool {
		_, ok := groups[n]
		return ok || lineGroups[n]
	}

	for i, r := range f.Routes {
		p := fmt.Sprintf("routes[%d]", i)
		called, calledField := r.Called, p+".called"
		switch {
		case r.Called != "" && r.Pattern != "":
			bad(p+".called", "set together with pattern (pattern is the older name of called): keep one")
		case r.Called == "":
			called, calledField = r.Pattern, p+".pattern"
		}
		if called == "" {
			bad(p+".called", "missing: the called-number pattern (digit map or re:REGEXP)")
		} else if err := CheckPattern(called); err != nil {
			bad(calledField, "%v", err)
		}
		if r.Calling != "" {
			if err := CheckPattern(r.Calling); err != nil {
				bad(p+".calling", "%v", err)
			}
		}
		if s := r.Source; s != "" && s != "any" {
			if _, acct := accounts[s]; !acct && !portNames[s] && !lineNames[s] && !isGroup(s) {
				bad(p+".source", "%q is no port, group, account or line (or any)", s)
			}
		}
		for j, ts := range r.Time {
			if _, err := gateway.ParseTimeSpec(ts); err != nil {
				bad(fmt.Sprintf("%s.time[%d]", p, j), "%v", err)
			}
		}
		refAccount(p+".account", r.Account)
		if r.Target != "" && !isSIPURI(r.Target) {
			bad(p+".target", "%q is not a sip: or sips: URI template", r.Target)
		}
		if r.Port != "" && !portNames[r.Port] {
			bad(p+".port", "%q is not a port's extension or channel name", r.Port)
		}
		if _, acct := accounts[r.Source]; acct && !portNames[r.Source] && !lineNames[r.Source] && !isGroup(r.Source) &&
			(r.Account != "" || r.Target != "") {
			bad(p+".account", "calls from SIP account %q cannot go to SIP again (no SIP-to-SIP bridge): route them to a port, group or lines", r.Source)
		}
		kinds := 0
		for _, k := range []bool{r.Account != "" || r.Target != "", len(r.Lines) > 0 || r.Group != "", r.Port != ""} {
			if k {
				kinds++
			}
		}
		switch {
		case kinds > 1:
			bad(p+".account", "a route goes to one of SIP (account, target), lines or a group (lines, group) or a port, not both")
		case kinds == 0:
			bad(p+".account", "missing: a route needs an account, a target, lines, a group or a port")
		}
		for j, n := range r.Lines {
			if !lineNames[n] {
				bad(fmt.Sprintf("%s.lines[%d]", p, j), "line %q is not defined under lines (by name)", n)
			}
		}
		if r.Group != "" && !isGroup(r.Group) {
			bad(p+".group", "no group %q (under groups, or a line's group)", r.Group)
		}
		if r.Hunt != "" && !contains(Hunts, r.Hunt) {
			bad(p+".hunt", "%q is not a hunt strategy (%s)", r.Hunt, strings.Join(Hunts, ", "))
		}
		for _, s := range []struct {
			field string
			v     int
		}{{".strip", r.Strip}, {".calling_strip", r.CallingStrip}} {
			if s.v < 0 || s.v > 32 {
				bad(p+s.field, "%d is not in 0-32", s.v)
			}
		}
		for _, x := range []struct{ field, v string }{{".prefix", r.Prefix}, {".calling_prefix", r.CallingPrefix}} {
			if !isDialString(x.v, "+") {
				bad(p+x.field, "%q is not a number (digits, * # and +)", x.v)
			}
		}
		for _, x := range []struct {
			field string
			v     Rewrite
		}{{".replace", r.Replace}, {".calling_replace", r.CallingReplace}} {
			if err := gateway.CheckReplace(gateway.Replace(x.v)); err != nil {
				field := p + x.field + ".replace"
				if strings.HasPrefix(err.Error(), "match ") {
					field = p + x.field + ".match"
				}
				bad(field, "%v", err)
			}
		}
	}
}
