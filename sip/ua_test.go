package sip

import (
	"context"
	"testing"
)

// TestUAToUA: one UA calls another over TCP: both ends negotiate PCMA (the
// caller's first choice, which the callee also supports), audio flows both
// ways, and the callee's hangup ends the caller's call.
func TestUAToUA(t *testing.T) {
	answered := newRecorder(func(c *Call) { _ = c.Answer() })
	callee, _ := startUA(t, Config{Listen: []string{"tcp:127.0.0.1:0"}, Codecs: []string{"PCMU", "PCMA"},
		Accounts: []Account{{Name: "fxs2", User: "3001"}}}, answered)
	caller, _ := startUA(t, Config{Listen: []string{"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}, Codecs: []string{"PCMA", "PCMU"},
		Accounts: []Account{{Name: "fxs1", User: "2001", DisplayName: "Port One"}}}, newRecorder(nil))
	target := ourURI(callee, "3001", "tcp")
	c, err := caller.Dial(context.Background(), "fxs1", target.String())
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, answered.calls, "incoming call")
	waitEvent(t, c, EventAnswered)
	waitEvent(t, in, EventAnswered)
	if c.Codec() != "PCMA" || in.Codec() != "PCMA" {
		t.Errorf("codecs %q / %q, want PCMA", c.Codec(), in.Codec())
	}
	if r := in.Remote(); r.Number != "2001" || r.Name != "Port One" {
		t.Errorf("callee sees %+v", r)
	}
	talkThenCalleeHangsUp(t, c, in)
}

// BenchmarkCallSetupUDP measures a whole call over loopback UDP between two
// UAs: INVITE, 100, 200 with SDP, ACK, BYE, 200, RTP sessions opened and
// closed.
func BenchmarkCallSetupUDP(b *testing.B) {
	answered := newRecorder(func(c *Call) { _ = c.Answer() })
	answered.calls = make(chan *Call, 1)
	answered.account = make(chan string, 1)
	callee, _ := startUA(b, Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "b", User: "3001"}}}, answered)
	caller, _ := startUA(b, Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "2001"}}}, newRecorder(nil))
	uri := ourURI(callee, "3001", "udp")
	target := uri.String()
	b.ReportAllocs()
	for b.Loop() {
		c, err := caller.Dial(context.Background(), "a", target)
		if err != nil {
			b.Fatal(err)
		}
		in := recv(b, answered.calls, "call")
		<-answered.account
		waitEvent(b, c, EventAnswered)
		waitEvent(b, in, EventAnswered)
		_ = c.Hangup()
		waitEvent(b, c, EventEnded)
		waitEvent(b, in, EventEnded)
	}
}

func TestConfigValidation(t *testing.T) {
	h := newRecorder(nil)
	for name, cfg := range map[string]Config{
		"no listener":        {},
		"bad transport":      {Listen: []string{"sctp:127.0.0.1:5060"}},
		"hostname listen":    {Listen: []string{"udp:localhost:5060"}},
		"unknown codec":      {Listen: []string{"udp:127.0.0.1:0"}, Codecs: []string{"G729"}},
		"dtmf pt":            {Listen: []string{"udp:127.0.0.1:0"}, DTMFPT: 13},
		"duplicate account":  {Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1"}, {Name: "a", User: "2"}}},
		"tcp registrar only": {Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1", Registrar: "sip:127.0.0.1;transport=tcp"}}},
		"bad registrar":      {Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1", Registrar: "sip:"}}},
	} {
		if _, err := New(cfg, h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	u, err := New(Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1", Registrar: "127.0.0.1:5070"}}}, h)
	if err != nil {
		t.Fatal(err)
	}
	a := u.account("a")
	if a.Domain != "127.0.0.1" || a.AuthUser != "1" || a.Expires != defaultExpires || a.proxy == nil {
		t.Errorf("defaults not applied: %+v", a)
	}
	r, route, err := u.target(a, "5551234")
	if err != nil || r.String() != "sip:5551234@127.0.0.1:5070" || route != nil {
		t.Errorf("bare number → %s route %v err %v", r.String(), route, err)
	}
	r, route, err = u.target(a, "sip:9@192.0.2.7")
	if err != nil || route == nil || route.Host != "127.0.0.1" || !route.UriParams.Has("lr") {
		t.Errorf("foreign URI → %s route %v err %v", r.String(), route, err)
	}
}
