package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
)

// routingBase defines what the routing cases refer to: accounts itsp and
// fxs1, ports 2001/2002, lines pstn1/pstn2 in line group pstn.
const routingBase = `accounts:
  - {name: itsp, user: "100"}
  - {name: fxs1, user: "2001"}
ports:
  - {span: 1, chan: 1, extension: "2001"}
  - {span: 1, chan: 2, extension: "2002"}
lines:
  - {span: 1, chan: 5, name: pstn1, group: pstn, destination: "2001"}
  - {span: 1, chan: 6, name: pstn2, group: pstn, destination: "2002"}
`

func TestRoutingErrors(t *testing.T) {
	base := strings.Count(routingBase, "\n")
	cases := []struct {
		name, in string
		line     int // within the case's text, from 1
		field    string
		msg      string
	}{
		{"time zone", "time_zone: Mars/Olympus\n", 1, "time_zone", "not an IANA time zone"},
		{"group no name", "groups:\n  - members: [{port: \"2001\"}]\n", 2, "groups[0].name", "missing"},
		{"group bad name", "groups:\n  - {name: \"a b\", members: [{port: \"2001\"}]}\n", 2, "groups[0].name", "is not a name"},
		{"group dup", "groups:\n  - {name: s, members: [{port: \"2001\"}]}\n  - {name: s, members: [{port: \"2002\"}]}\n", 3, "groups[1].name", "already the name of groups[0]"},
		{"group port name", "groups:\n  - {name: pstn1, members: [{port: \"2001\"}]}\n", 2, "groups[0].name", "already a port or line name"},
		{"group strategy", "groups:\n  - name: s\n    strategy: random\n    members: [{port: \"2001\"}]\n", 3, "groups[0].strategy", `"random" is not a hunt strategy`},
		{"group empty", "groups:\n  - name: s\n    members: []\n", 3, "groups[0].members", "needs members"},
		{"member unknown", "groups:\n  - name: s\n    members:\n      - {port: \"2001\"}\n      - {port: \"2009\"}\n", 5, "groups[0].members[1].port", `"2009" is not a port's extension`},
		{"member twice", "groups:\n  - name: s\n    members: [{port: \"FXS/1/1\"}, {port: \"FXS/1/1\"}]\n", 3, "groups[0].members[1].port", "listed twice"},
		{"member missing", "groups:\n  - name: s\n    members: [{order: 1}]\n", 3, "groups[0].members[0].port", "missing"},
		{"called and pattern", "routes:\n  - {called: \"2xxx\", pattern: \"2xxx\", port: \"2001\"}\n", 2, "routes[0].called", "keep one"},
		{"called missing", "routes:\n  - {port: \"2001\"}\n", 2, "routes[0].called", "missing"},
		{"called regexp", "routes:\n  - called: \"re:^(00\"\n    port: \"2001\"\n", 2, "routes[0].called", "bad regular expression"},
		{"called empty regexp", "routes:\n  - {called: \"re:\", port: \"2001\"}\n", 2, "routes[0].called", "an empty regular expression"},
		{"calling", "routes:\n  - called: \"2xxx\"\n    calling: \"re:[\"\n    port: \"2001\"\n", 3, "routes[0].calling", "bad regular expression"},
		{"calling digit map", "routes:\n  - {called: \"2xxx\", calling: \"2[x\", port: \"2001\"}\n", 2, "routes[0].calling", "not closed"},
		{"source", "routes:\n  - called: \"2xxx\"\n    source: nobody\n    port: \"2001\"\n", 3, "routes[0].source", `"nobody" is no port, group, account or line`},
		{"time range", "routes:\n  - called: \"2xxx\"\n    port: \"2001\"\n    time: [\"mon-fri 08:00-18:00\", \"mon 25:00-26:00\"]\n", 4, "routes[0].time[1]", "not a time of day"},
		{"time day", "routes:\n  - {called: \"2xxx\", port: \"2001\", time: [\"mon-fry\"]}\n", 2, "routes[0].time[0]", `"fry" is not a day`},
		{"time empty", "routes:\n  - {called: \"2xxx\", port: \"2001\", time: [\"10:00-10:00\"]}\n", 2, "routes[0].time[0]", "range is empty"},
		{"time format", "routes:\n  - {called: \"2xxx\", port: \"2001\", time: [\"8-18\"]}\n", 2, "routes[0].time[0]", "not a day"},
		{"route account", "routes:\n  - {called: \"9x.\", account: nope}\n", 2, "routes[0].account", `account "nope" is not defined`},
		{"sip to sip", "routes:\n  - {source: itsp, called: \"9x.\", account: fxs1}\n", 2, "routes[0].account", "no SIP-to-SIP bridge"},
		{"route port", "routes:\n  - called: \"7xx\"\n    port: \"2999\"\n", 3, "routes[0].port", `"2999" is not a port's`},
		{"route group", "routes:\n  - called: \"7xx\"\n    group: nope\n", 3, "routes[0].group", `no group "nope"`},
		{"route two kinds", "routes:\n  - {called: \"7xx\", port: \"2001\", group: pstn}\n", 2, "routes[0].account", "not both"},
		{"replace regexp", "routes:\n  - called: \"9x.\"\n    account: itsp\n    replace: {match: \"^(0049\", replace: \"0\"}\n", 4, "routes[0].replace.match", "error parsing regexp"},
		{"replace group", "routes:\n  - called: \"9x.\"\n    account: itsp\n    replace: {match: \"^0049\", replace: \"0$1\"}\n", 4, "routes[0].replace.replace", "the match has 0 groups"},
		{"replace named", "routes:\n  - called: \"9x.\"\n    account: itsp\n    calling_replace: {match: \"^(?P<n>0)\", replace: \"${m}\"}\n", 4, "routes[0].calling_replace.replace", `no group named "m"`},
		{"replace without match", "routes:\n  - called: \"9x.\"\n    account: itsp\n    calling_replace: {replace: \"1\"}\n", 4, "routes[0].calling_replace.replace", "without a match"},
		{"calling strip", "routes:\n  - {called: \"9x.\", account: itsp, calling_strip: 40}\n", 2, "routes[0].calling_strip", "not in 0-32"},
		{"calling prefix", "routes:\n  - {called: \"9x.\", account: itsp, calling_prefix: \"x1\"}\n", 2, "routes[0].calling_prefix", "not a number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(routingBase+c.in), "tipring.yaml")
			var el *ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("error %v, want an *ErrorList", err)
			}
			for _, fe := range el.Errors {
				if fe.Field == c.field && strings.Contains(fe.Msg, c.msg) {
					if fe.Line != base+c.line {
						t.Errorf("line %d, want %d (%v)", fe.Line, base+c.line, fe)
					}
					return
				}
			}
			t.Fatalf("no error for %q containing %q in:\n%v", c.field, c.msg, err)
		})
	}
}

func TestLineDestinationGroup(t *testing.T) {
	in := "routes: []\nlines:\n  - {span: 1, chan: 5, destination: sales}\n"
	if _, err := Parse([]byte(in), "t.yaml"); err == nil || !strings.Contains(err.Error(), `t.yaml:3: lines[0].destination: "sales" is not an extension, a number, a group`) {
		t.Errorf("undeclared group as destination: %v", err)
	}
	if _, err := Parse([]byte(in+"groups:\n  - {name: sales, members: [{port: \"2001\"}]}\n"), "t.yaml"); err != nil {
		t.Errorf("declared group as destination: %v", err)
	}
}

func TestRoutingMapsToGateway(t *testing.T) {
	in := routingBase + `time_zone: America/New_York
groups:
  - name: sales
    strategy: roundrobin
    members: [{port: "2001", order: 2}, {port: FXS/1/2}, {port: pstn1, order: 1}]
  - name: pstn
    strategy: lru
routes:
  - source: itsp
    called: "re:^(\\d+)$"
    calling: "0x."
    time: ["mon-fri 08:00-18:00", "22:00-06:00"]
    group: sales
    strip: 1
    prefix: "0"
    replace: {match: "^0049", replace: "0"}
    calling_strip: 2
    calling_prefix: "+"
    calling_replace: {match: "^(\\d)", replace: "${1}9"}
  - {pattern: "7xx", port: FXS/1/2}
`
	f, err := Parse([]byte(in), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := f.Gateway()
	want := []gateway.Route{
		{Source: "itsp", Pattern: `re:^(\d+)$`, Calling: "0x.", Time: []string{"mon-fri 08:00-18:00", "22:00-06:00"},
			Group: "sales", Strip: 1, Prefix: "0", Replace: gateway.Replace{Match: "^0049", Replace: "0"},
			CallingStrip: 2, CallingPrefix: "+", CallingReplace: gateway.Replace{Match: `^(\d)`, Replace: "${1}9"}},
		{Pattern: "7xx", Port: "FXS/1/2"},
	}
	if !reflect.DeepEqual(g.Routes, want) {
		t.Errorf("routes\n%+v\nwant\n%+v", g.Routes, want)
	}
	wantGroups := []gateway.GroupConfig{
		{Name: "sales", Strategy: "roundrobin", Members: []gateway.GroupMember{{Port: "2001", Order: 2}, {Port: "FXS/1/2"}, {Port: "pstn1", Order: 1}}},
		{Name: "pstn", Strategy: "lru"},
	}
	if !reflect.DeepEqual(g.Groups, wantGroups) || g.TimeZone != "America/New_York" {
		t.Errorf("groups %+v zone %q\nwant %+v", g.Groups, g.TimeZone, wantGroups)
	}
}

// FuzzRouteRewrite feeds route patterns and rewrites from a file through
// validation: bad input gives errors, never a panic, and what validates is
// accepted by the gateway's own checks.
func FuzzRouteRewrite(f *testing.F) {
	f.Add("re:^0049(\\d+)$", "^0049", "0$1", "mon-fri 08:00-18:00")
	f.Add("9x.T", "(", "$", "22:00-06:00")
	f.Add("re:", "^(?P<n>1)", "${n}${", "sun,sat")
	f.Add("2xxx", "a{1001}", "$9", "fri-mon 24:00-01:00")
	f.Fuzz(func(t *testing.T, called, match, replace, when string) {
		q := func(s string) string {
			return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
		}
		in := routingBase + "routes:\n  - called: \"" + q(called) + "\"\n    account: itsp\n    replace: {match: \"" + q(match) +
			"\", replace: \"" + q(replace) + "\"}\n    time: [\"" + q(when) + "\"]\n"
		file, err := Parse([]byte(in), "fuzz.yaml")
		if err != nil {
			return
		}
		r := file.Gateway().Routes[0]
		if err := gateway.CheckPattern(r.Pattern); err != nil {
			t.Errorf("config accepted pattern %q the gateway refuses: %v", r.Pattern, err)
		}
		if err := gateway.CheckReplace(r.Replace); err != nil {
			t.Errorf("config accepted rewrite %+v the gateway refuses: %v", r.Replace, err)
		}
		if _, err := gateway.ParseTimeSpec(when); err != nil {
			t.Errorf("config accepted time %q the gateway refuses: %v", when, err)
		}
	})
}

func TestTimeZoneEmbedded(t *testing.T) {
	// tzdata is embedded through the gateway package: a zone loads even
	// where the system has no zoneinfo files.
	t.Setenv("ZONEINFO", t.TempDir())
	if _, err := time.LoadLocation("Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
}
