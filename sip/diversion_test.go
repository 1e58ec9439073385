package sip

import (
	"strings"
	"testing"
)

// TestRFC5806ParseDiversion: several values, quoted reason, counter,
// tel URIs; entries that are not name-addr with a sip, sips or tel URI
// are skipped and counted.
func TestRFC5806ParseDiversion(t *testing.T) {
	ds, bad := parseDiversion(`"A, B" <sip:100@example.com>;reason="user-busy";counter=3;privacy=off, <tel:+1555>;reason=no-answer, sip:bare@x, <http://x/>, <sip:200@h>;counter=500`)
	if bad != 2 || len(ds) != 3 {
		t.Fatalf("got %+v bad %d", ds, bad)
	}
	if ds[0] != (Diversion{Number: "100", Name: "A, B", URI: "sip:100@example.com", Reason: "user-busy", Counter: 3}) {
		t.Errorf("first %+v", ds[0])
	}
	if ds[1].Number != "+1555" || ds[1].Reason != "no-answer" || ds[1].Counter != 1 {
		t.Errorf("tel %+v", ds[1])
	}
	if ds[2].Counter != 1 {
		t.Errorf("out-of-range counter kept: %+v", ds[2])
	}
}

// TestRFC7044ParseHistoryInfo: RFC 7044 with RFC 4458 causes (and one
// Reason escaped in the parent): two diversions, most recent first;
// entries without index are malformed.
func TestRFC7044ParseHistoryInfo(t *testing.T) {
	v := `<sip:alice@a.example?Reason=SIP%3Bcause%3D302>;index=1,` +
		`<sip:bob@b.example;cause=486>;index=1.1;mp=1,` +
		`<sip:bob@10.0.0.2>;index=1.1.1;rc=1.1,` +
		`<sip:carol@c.example;cause=408>;index=1.1.1.1;mp=1.1.1,` +
		`<sip:nobody@x>`
	ds, bad := parseHistoryInfo(v)
	if bad != 1 || len(ds) != 2 {
		t.Fatalf("got %+v bad %d", ds, bad)
	}
	if ds[0].URI != "sip:bob@10.0.0.2" || ds[0].Cause != 408 || ds[0].Reason != "no-answer" {
		t.Errorf("latest %+v", ds[0])
	}
	if ds[1].Number != "alice" || ds[1].Cause != 486 || ds[1].Reason != "user-busy" {
		t.Errorf("first %+v", ds[1])
	}
	// Without the RFC 4458 cause the parent's escaped Reason counts.
	ds, _ = parseHistoryInfo(`<sip:alice@a?Reason=SIP%3Bcause%3D302%3Btext%3D%22Moved%22>;index=1,<sip:bob@b>;index=1.1;mp=1`)
	if len(ds) != 1 || ds[0].Cause != 302 || ds[0].Reason != "unconditional" {
		t.Errorf("reason-only %+v", ds)
	}
}

// TestHistoryInfoRoundTrip: what we send parses back to what we meant.
func TestHistoryInfoRoundTrip(t *testing.T) {
	in := []Diversion{
		{Number: "2002", URI: "sip:2002@gw", Reason: "no-answer"},
		{Number: "2001", Name: `Port "1"`, Reason: "user-busy"},
	}
	var ds []Diversion
	for _, d := range in {
		c, err := cleanDiversion(d, "gw")
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, c)
	}
	hi := formatHistoryInfo(ds, "sip:3000@pbx")
	back, bad := parseHistoryInfo(hi)
	if bad != 0 || len(back) != 2 {
		t.Fatalf("%s → %+v (bad %d)", hi, back, bad)
	}
	for i := range back {
		if back[i].URI != ds[i].URI || back[i].Reason != ds[i].Reason || back[i].Cause != ds[i].Cause {
			t.Errorf("%d: %+v, want %+v", i, back[i], ds[i])
		}
	}
	div := formatDiversion(ds[1])
	back, bad = parseDiversion(div)
	if bad != 0 || len(back) != 1 || back[0].Name != `Port "1"` || back[0].Reason != "user-busy" {
		t.Errorf("%s → %+v", div, back)
	}
	if _, err := cleanDiversion(Diversion{Number: "1", Reason: "bad reason"}, "gw"); err == nil {
		t.Error("reason with a space accepted")
	}
	if _, err := cleanDiversion(Diversion{URI: "sip:a@b>\r\nX: y"}, "gw"); err == nil {
		t.Error("header injection accepted")
	}
}

func FuzzParseDiversion(f *testing.F) {
	f.Add(`"A" <sip:100@example.com>;reason=user-busy;counter=3, <tel:+1555>`)
	f.Add(`<sip:a@b;x="y,z">;reason="a;b"`)
	f.Fuzz(func(t *testing.T, v string) {
		ds, _ := parseDiversion(v)
		for _, d := range ds {
			if !validPartyURI(d.URI) || d.Counter < 1 || d.Counter > 99 || strings.ContainsAny(d.Reason+d.Name, "\r\n") {
				t.Fatalf("bad diversion %+v", d)
			}
		}
	})
}

func FuzzParseHistoryInfo(f *testing.F) {
	f.Add(`<sip:a@a?Reason=SIP%3Bcause%3D302>;index=1,<sip:b@b;cause=486>;index=1.1;mp=1`)
	f.Add(`<sip:a@a>;index=1.1.1;rc=1.1,<tel:1>;index=0;mp=0`)
	f.Fuzz(func(t *testing.T, v string) {
		ds, _ := parseHistoryInfo(v)
		if len(ds) > maxDiversions {
			t.Fatalf("%d diversions", len(ds))
		}
		for _, d := range ds {
			if !validPartyURI(d.URI) || (d.Cause != 0 && (d.Cause < 300 || d.Cause > 699)) {
				t.Fatalf("bad diversion %+v", d)
			}
		}
	})
}
