package gateway

import (
	"context"
	"testing"
	"time"

	"tipring/hal/sim"
	"tipring/sip"
)

// divertedPeer is a SIP peer that reports the diversions of each call it
// gets and answers it.
type divertedPeer struct{ got chan []sip.Diversion }

func (h divertedPeer) OnIncoming(_ string, c *sip.Call) {
	h.got <- c.Diverted()
	c.Answer()
}

// TestPSTNCallerForwardedToSIP: a PSTN call for phone 1, which forwards
// every call to 3001 (routed to a SIP peer), goes out as a SIP call whose
// INVITE carries the diversion (2001, unconditional) that the peer reads.
func TestPSTNCallerForwardedToSIP(t *testing.T) {
	peer := divertedPeer{got: make(chan []sip.Diversion, 1)}
	ub := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 59000, RTPPortMax: 59499,
		Accounts: []sip.Account{{Name: "b", User: "3001", Domain: "127.0.0.1"}},
	}, peer)
	b, gw, _ := startSIPGateway(t, lineSim, Options{Config: Config{
		Zone:   "us",
		Ports:  []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1", ForwardAlways: "3001"}},
		Lines:  twoLines(func(l []LineConfig) { l[0].Account, l[1].Account = "fxs1", "fxs1" }),
		Routes: []Route{{Pattern: "3xxx", Target: "sip:{n}@" + ub.ListenAddr("udp").String()}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 59500, RTPPortMax: 59999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})
	l1, _ := b.Line(1)
	if err := l1.Ring("5551234", "Alice"); err != nil {
		t.Fatal(err)
	}
	select {
	case ds := <-peer.got:
		if len(ds) != 1 || ds[0].Number != "2001" || ds[0].Reason != "unconditional" {
			t.Errorf("peer sees diversions %+v, want 2001 unconditional", ds)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the SIP peer got no call")
	}
	p1, _ := b.Phone(1)
	if p1.Ringing() {
		t.Error("phone 1 rings although it forwards every call")
	}
	waitReal(t, "line answered", 10*time.Second, l1.Answered)
	l1.Hangup()
	waitReal(t, "all clear", 10*time.Second, func() bool { return len(gw.Calls()) == 0 && !l1.Seized() })
}

// TestSIPCallerForwardedOnBusyToPhone: a SIP call for port 1, whose phone
// is off hook, is forwarded to phone 2 (busy forwarding); the caller hears
// of it (181) and phone 2 rings and answers.
func TestSIPCallerForwardedOnBusyToPhone(t *testing.T) {
	b, _, ua := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1", ForwardBusy: "2002"}, {Span: 1, Chan: 2, Extension: "2002"}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 59000, RTPPortMax: 59499,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})
	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 59500, RTPPortMax: 59999,
		Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	p1, _ := b.Phone(1)
	p2, _ := b.Phone(2)
	p1.OffHook()
	time.Sleep(300 * time.Millisecond)
	c, err := peer.Dial(context.Background(), "peer", "sip:2001@"+ua.ListenAddr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	waitReal(t, "phone 2 rings", 10*time.Second, p2.Ringing)
	p2.OffHook()
	waitEvent(t, c, sip.EventAnswered)
	c.Hangup()
}
