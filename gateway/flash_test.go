package gateway

import (
	"context"
	"testing"
	"time"

	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// watchFlash polls line l (real time) for up to limit and returns how long
// the loop was seen open while the office still held the call connected:
// a hook flash, which the office ignores.
func watchFlash(l *sim.Line, limit time.Duration) time.Duration {
	var openAt time.Time
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if l.State() != sim.LineConnected {
			return 0
		}
		seized := l.Seized()
		switch {
		case !seized && openAt.IsZero():
			openAt = time.Now()
		case seized && !openAt.IsZero():
			return time.Since(openAt)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0
}

// TestRFC4733FlashPassedToPSTNLine: a SIP party connected to a PSTN line
// sends a hook flash as RFC 4733 event 16, then as SIP INFO
// (application/dtmf-relay Signal=16); each time the FXO port flashes the
// line (the office sees a break of the flash length while the call stays
// up) and the call goes on.
func TestRFC4733FlashPassedToPSTNLine(t *testing.T) {
	b, gw, ua := startSIPGateway(t, lineSim, Options{Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}},
		Lines: twoLines(func(l []LineConfig) { l[0].Account, l[1].Account = "trunk", "trunk" }),
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 40000, RTPPortMax: 40999,
		Accounts: []sip.Account{{Name: "trunk", User: "5551234", Domain: "127.0.0.1"}},
	})

	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 41000, RTPPortMax: 41999,
		Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	l1, _ := b.Line(1)
	c, err := peer.Dial(context.Background(), "peer", "sip:5551234@"+ua.ListenAddr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, sip.EventAnswered)
	waitReal(t, "far end connected", 10*time.Second, func() bool { return l1.State() == sim.LineConnected })
	pa := siptest.NewPump(c.Media())
	defer pa.Close()
	time.Sleep(300 * time.Millisecond)
	if d := watchFlash(l1, 500*time.Millisecond); d != 0 {
		t.Fatalf("line flashed (%v) before any flash was sent", d)
	}

	for _, how := range []string{"rfc4733", "info"} {
		switch how {
		case "rfc4733":
			c.Media().SendDTMF('!', 100*time.Millisecond)
		case "info":
			if err := c.SendInfoDTMF('!', 100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
		}
		d := watchFlash(l1, 3*time.Second)
		if d < sim.FlashTime/2 || d > 2*sim.FlashTime {
			t.Errorf("%s: line flash of %v seen, want about %v", how, d, sim.FlashTime)
		}
		if l1.State() != sim.LineConnected || len(gw.Calls()) != 1 {
			t.Fatalf("%s: call not up after the flash (office %v, %d calls)", how, l1.State(), len(gw.Calls()))
		}
		// The line's flash guard (1 s) passes before the next one.
		time.Sleep(1200 * time.Millisecond)
	}
	if got := l1.Digits(); got != "5551234" {
		t.Errorf("office collected %q: a flash leaked as a digit", got)
	}
	c.Hangup()
	waitReal(t, "line released", 5*time.Second, func() bool { return !l1.Seized() && len(gw.Calls()) == 0 })
}
