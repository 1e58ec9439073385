package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"
	"tipring/dsp/cid"

	"tipring/dsp/measure"
	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// noCalls is a Handler for a peer that only places calls.
type noCalls struct{}

func (noCalls) OnIncoming(_ string, c *sip.Call) { c.Reject(603, "Decline") }

func startUA(t *testing.T, cfg sip.Config, h sip.Handler) *sip.UA {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ua, err := sip.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ua.Run(ctx); close(done) }()
	select {
	case <-ua.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("UA not ready")
	}
	t.Cleanup(func() { cancel(); <-done })
	return ua
}

// startSIPGateway builds a gateway with opts on a sim board made from
// simCfg, attaches a UA started with sipCfg and runs the gateway until the
// test ends.
func startSIPGateway(t *testing.T, simCfg sim.Config, opts Options, sipCfg sip.Config) (*sim.Board, *Gateway, *sip.UA) {
	t.Helper()
	b, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	opts.Board = b
	gw, err := New(opts)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	ua := startUA(t, sipCfg, gw)
	gw.AttachSIP(ua)
	runGateway(t, b, gw)
	return b, gw, ua
}

func waitReal(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// callPhone has ua call uri from its account account: the call rings,
// phone rings and answers, and the caller sees the answer.
func callPhone(t *testing.T, ua *sip.UA, account, uri string, phone *sim.Phone) *sip.Call {
	t.Helper()
	c, err := ua.Dial(context.Background(), account, uri)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, sip.EventRinging)
	waitReal(t, "phone rings", 10*time.Second, phone.Ringing)
	phone.OffHook()
	waitEvent(t, c, sip.EventAnswered)
	return c
}

func waitEvent(t *testing.T, c *sip.Call, want sip.EventKind) sip.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("call events closed while waiting for %v", want)
			}
			if ev.Kind == want {
				return ev
			}
			if ev.Kind == sip.EventFailed || ev.Kind == sip.EventEnded {
				t.Fatalf("call ended (%v %d %s) while waiting for %v", ev.Kind, ev.Code, ev.Reason, want)
			}
		case <-timeout:
			t.Fatalf("no %v event", want)
		}
	}
}

// TestRegisteredPortCalledBySIPPeer: FXS port 1 registers with digest auth to
// a registrar; a SIP peer calls the contact it registered; the phone rings
// and answers; audio is measured both ways through RTP; keys pressed on the
// phone arrive at the peer as RFC 4733 events; the peer's BYE ends the first
// call and the phone's hang-up the second.
func TestRegisteredPortCalledBySIPPeer(t *testing.T) {
	reg := siptest.NewRegistrar(t, map[string]string{"2001": "s3cret"}, 3600)
	cdr := &memCDR{}
	b, gw, _ := startSIPGateway(t, sim.Config{NoEcho: true}, Options{CDR: cdr, Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}, {Span: 1, Chan: 2, Extension: "2002"}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 30000, RTPPortMax: 30999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Password: "s3cret", Registrar: reg.URI(), Expires: time.Hour}},
	})

	waitReal(t, "registration", 10*time.Second, func() bool { _, ok := reg.Contact("2001"); return ok })
	contact, _ := reg.Contact("2001")
	if reg.Accepted("2001") != 1 || reg.Rejected() != 0 {
		t.Errorf("registrar accepted %d, rejected %d REGISTERs; want 1, 0", reg.Accepted("2001"), reg.Rejected())
	}
	waitReal(t, "port shows registered", 5*time.Second, func() bool { return gw.Ports()[0].Registered })

	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 31000, RTPPortMax: 31999,
		Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	phone, _ := b.Phone(1)

	for round, byePeer := range []bool{true, false} {
		t.Run(fmt.Sprintf("call%d", round+1), func(t *testing.T) {
			c := callPhone(t, peer, "peer", contact, phone)
			if c.Media() == nil {
				t.Fatal("no media after answer")
			}
			pa := siptest.NewPump(c.Media())
			defer pa.Close()

			pa.Play(1004, -10)
			time.Sleep(400 * time.Millisecond)
			checkTone(t, "peer → phone", phone.Listen(time.Second), 1004, -10)
			pa.Play(0, 0)
			phone.PlayTone(1004, -16)
			time.Sleep(400 * time.Millisecond)
			checkTone(t, "phone → peer", pa.Listen(time.Second), 1004, -16)
			phone.StopPlay()
			if t.Failed() {
				t.Logf("peer media stats: %+v", c.Media().Stats())
				for _, cl := range gw.Calls() {
					t.Logf("gateway call %+v", cl)
				}
			}

			if err := phone.Dial("159#"); err != nil {
				t.Fatal(err)
			}
			waitReal(t, "RFC 4733 digits at the peer", 5*time.Second, func() bool { return len(pa.Digits()) >= 4 })
			if got := pa.Digits(); got != "159#" {
				t.Errorf("peer received digits %q, want 159#", got)
			}

			if byePeer {
				c.Hangup()
				waitReal(t, "port hears far-end hang-up", 5*time.Second, func() bool { return gw.Ports()[0].State == PortTone })
				phone.OnHook()
			} else {
				phone.OnHook()
				waitEvent(t, c, sip.EventEnded)
			}
			waitReal(t, "port idle", 5*time.Second, func() bool { return gw.Ports()[0].State == PortIdle && len(gw.Calls()) == 0 })
		})
	}
	recs := cdr.all()
	if len(recs) != 2 {
		t.Fatalf("%d CDRs, want 2", len(recs))
	}
	for i, want := range []string{"remote", "callee"} {
		if recs[i].Direction != "inbound" || recs[i].Disposition != "ANSWERED" || recs[i].Cause != want || recs[i].From != "9000" {
			t.Errorf("CDR %d: %+v", i, recs[i])
		}
	}
}

// TestPhoneCallsSIPPeerBusy: an outbound call answered 486 gives the phone
// busy tone and a BUSY CDR.
func TestPhoneCallsSIPPeerBusy(t *testing.T) {
	busy := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 32000, RTPPortMax: 32999,
		Accounts: []sip.Account{{Name: "b", User: "3000", Domain: "127.0.0.1"}},
	}, busyHandler{})
	cdr := &memCDR{}
	target := "sip:{n}@" + busy.ListenAddr("udp").String()
	b, gw, _ := startSIPGateway(t, sim.Config{NoEcho: true}, Options{CDR: cdr, Config: Config{
		Zone: "de", DigitMap: "3xxx",
		Ports:  []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}},
		Routes: []Route{{Pattern: "3xxx", Target: target}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 33000, RTPPortMax: 33999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})

	phone, _ := b.Phone(1)
	phone.OffHook()
	time.Sleep(300 * time.Millisecond)
	phone.Dial("3000")
	waitReal(t, "busy tone state", 10*time.Second, func() bool { return gw.Ports()[0].State == PortTone })
	// de busy: 425 Hz, 480 ms on / 480 ms off.
	x := phone.Listen(2 * time.Second)
	if l := measure.ToneLevelDBm0(x, 425); l < -30 {
		t.Errorf("no 425 Hz busy tone (%.1f dBm0)", l)
	}
	phone.OnHook()
	waitReal(t, "CDR", 5*time.Second, func() bool { return len(cdr.all()) == 1 })
	if r := cdr.all()[0]; r.Disposition != "BUSY" || r.Direction != "outbound" || r.To != "3000" {
		t.Errorf("CDR %+v", r)
	}
}

type busyHandler struct{}

func (busyHandler) OnIncoming(_ string, c *sip.Call) { c.Reject(486, "Busy Here") }

// TestSIPCallerIDReachesPhone: a SIP caller's display name and number (and,
// on a second call, its privacy request) arrive at the analog phone as
// Bellcore MDMF caller ID between the first and second ring (GR-30), decoded
// from what the phone's line carried.
func TestSIPCallerIDReachesPhone(t *testing.T) {
	b, gw, ua := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 34000, RTPPortMax: 34999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})

	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 35000, RTPPortMax: 35999,
		Accounts: []sip.Account{{Name: "peer", User: "5551234", Domain: "127.0.0.1", DisplayName: "Alice Smith"}},
	}, noCalls{})
	phone, _ := b.Phone(1)
	target := "sip:2001@" + ua.ListenAddr("udp").String()
	c, err := peer.Dial(context.Background(), "peer", target)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, sip.EventRinging)
	// us: 2 s ring, 4 s pause; the message follows the first ring.
	x := phone.Listen(5 * time.Second)
	c.Hangup()
	msgs, _, errs := decodeCallerID(t, cid.Bellcore, x)
	if len(msgs) != 1 || len(errs) != 0 {
		t.Fatalf("decoded %d messages (errors %v), want 1", len(msgs), errs)
	}
	if m := msgs[0]; m.Number != "5551234" || m.Name != "Alice Smith" {
		t.Errorf("phone got caller ID %q %q, want 5551234 \"Alice Smith\"", m.Number, m.Name)
	}
	waitReal(t, "port idle", 10*time.Second, func() bool { return gw.Ports()[0].State == PortIdle })
}
