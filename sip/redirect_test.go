package sip

import (
	"context"
	"testing"
)

// TestSIPpRFC3261Redirect302ByQ: SIPp answers our INVITE with 302 listing
// two Contacts (the q=0.9 one second) and a Diversion; we ACK, INVITE the
// q=0.9 target with the Diversion, it answers, and audio flows through
// SIPp's echo. The call is the same *Call throughout, its remote party is
// the new target and the Diversion is kept on it.
func TestSIPpRFC3261Redirect302ByQ(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	s, c := callSIPp(t, u, "uas_redirect_302.xml", "3000")
	waitEvent(t, c, EventAnswered)
	if r := c.Remote(); r.Number != "high" {
		t.Errorf("remote %+v, want the q=0.9 target", r)
	}
	ds := c.Diverted()
	if len(ds) != 1 || ds[0].Number != "3000" || ds[0].Name != "Desk" || ds[0].Reason != "unconditional" || ds[0].Counter != 1 {
		t.Errorf("diversions %+v", ds)
	}
	checkAudioFlows(t, c.Media(), c.Media(), 1000)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}

// TestSIPpRedirectStops: we stop following redirections and fail the
// call with the last 302, its sender the call's remote party,
//   - in a loop: a redirects to b and b back to a, which was tried;
//   - at the bound: every target redirects to a new one; we follow five
//     redirections (six INVITEs).
func TestSIPpRedirectStops(t *testing.T) {
	for _, tc := range []struct{ name, scenario, first, last string }{
		{"loop", "uas_redirect_loop.xml", "a", "b"},
		{"bound", "uas_redirect_bound.xml", "r1", "r6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
			s, c := callSIPp(t, u, tc.scenario, tc.first)
			if ev := waitEvent(t, c, EventFailed); ev.Code != 302 {
				t.Errorf("failed with %d %s, want the last 302", ev.Code, ev.Reason)
			}
			if r := c.Remote(); r.Number != tc.last {
				t.Errorf("last target %+v, want %s", r, tc.last)
			}
			s.wait()
		})
	}
}

// TestRedirectNotFollowed: MaxRedirects < 0 turns redirection off; the
// 302 fails the call.
func TestRedirectNotFollowed(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", MaxRedirects: -1}), newRecorder(nil))
	_, c := callSIPp(t, u, "uas_redirect_loop.xml", "a")
	if ev := waitEvent(t, c, EventFailed); ev.Code != 302 {
		t.Errorf("failed with %d", ev.Code)
	}
	if r := c.Remote(); r.Number != "a" {
		t.Errorf("remote %+v moved", r)
	}
}

// TestSIPpForwardedAndRedirect: SIPp calls us with History-Info showing an
// earlier diversion; we parse it, send 181 with Diversion and Call-Info
// purpose=forwarding (checked by SIPp), then Redirect with 302, whose
// Contact and Diversion SIPp checks as well.
func TestSIPpForwardedAndRedirect(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	s := startSIPp(t, "uac_forward_redirect.xml", "-s", "2001", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	ds := c.Diverted()
	if len(ds) != 1 || ds[0].Number != "7000" || ds[0].Cause != 486 || ds[0].Reason != "user-busy" {
		t.Errorf("History-Info diversions %+v", ds)
	}
	if err := c.ForwardedTo("sip:3000@127.0.0.1:5999", "no-answer"); err != nil {
		t.Fatal(err)
	}
	if err := c.Redirect([]string{"sip:3000@127.0.0.1:5999"}, "no-answer"); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, c, EventEnded); ev.Code != 302 {
		t.Errorf("ended %+v", ev)
	}
	s.wait()
	if err := c.Redirect([]string{"sip:x@127.0.0.1"}, ""); err == nil {
		t.Error("second final response accepted")
	}
}

// TestSIPpDiversionIn: two Diversion headers (one with two values) are
// read topmost first; Forwarded's 181 carries Call-Info naming us.
func TestSIPpDiversionIn(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	s := startSIPp(t, "uac_diversion.xml", "-s", "2001", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	want := []Diversion{
		{Number: "4000", Name: "Front Desk", URI: "sip:4000@example.com", Reason: "user-busy", Counter: 2},
		{Number: "+15550104000", URI: "tel:+15550104000", Reason: "no-answer", Counter: 1},
		{Number: "4001", URI: "sip:4001@example.com;user=phone", Counter: 1},
	}
	got := c.Diverted()
	if len(got) != len(want) {
		t.Fatalf("diversions %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("diversion %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if err := c.Forwarded(""); err != nil {
		t.Fatal(err)
	}
	if err := c.Reject(486, ""); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}

// TestSIPpDiversionOut: DialWith's diversions go out as Diversion and
// History-Info; SIPp checks both.
func TestSIPpDiversionOut(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	s := startSIPp(t, "uas_diversion_check.xml")
	c, err := u.DialWith(context.Background(), "fxs1", s.uri("3000"), DialOptions{
		Diversions:      []Diversion{{Number: "2002", Name: "Port Two", URI: "sip:2002@gw.example", Reason: "no-answer"}},
		DiversionFormat: DiversionHeader | HistoryInfoHeader,
	})
	if err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, c, EventFailed); ev.Code != 486 {
		t.Errorf("failed %+v", ev)
	}
	s.wait()
	if _, err := u.DialWith(context.Background(), "fxs1", s.uri("3000"), DialOptions{
		Diversions: []Diversion{{URI: "http://evil/"}},
	}); err == nil {
		t.Error("http diversion URI accepted")
	}
}
