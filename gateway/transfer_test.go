package gateway

import (
	"math"
	"testing"
	"time"

	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// transferee is a SIP peer that calls the gateway and follows REFERs
// (sip.TransferHandler): the referred call arrives on next.
type transferee struct{ next chan *sip.Call }

func (transferee) OnIncoming(_ string, c *sip.Call) { c.Reject(603, "Decline") }
func (h transferee) OnRefer(_ *sip.Call, _ string, next *sip.Call) {
	h.next <- next
}

// transferTarget is a SIP peer the phone consults: it answers the
// gateway's call when answerConsult is set (else lets it ring), and
// answers at once every other call (the transferee's, with or without
// Replaces).
type transferTarget struct {
	answerConsult bool
	calls         chan *sip.Call
}

func (h transferTarget) OnIncoming(_ string, c *sip.Call) {
	fromGateway := c.Remote().Number == "2001" && c.Replaces() == nil
	if fromGateway && !h.answerConsult {
		c.Ringing()
	} else {
		c.Answer()
	}
	h.calls <- c
}

// TestRFC3515TransferOfSIPPartiesFromPhone: SIP peer A calls the phone; the
// phone flashes (A is held), dials SIP peer B and hangs up, blind while B
// rings, attended once B answered. The gateway refers A to B (with
// Replaces for the attended transfer, RFC 3891); A and B end up talking
// to each other (a tone from A measured at B) while the phone is idle and
// the gateway's calls end.
func TestRFC3515TransferOfSIPPartiesFromPhone(t *testing.T) {
	for i, attended := range []bool{false, true} {
		name := map[bool]string{false: "blind", true: "attended"}[attended]
		t.Run(name, func(t *testing.T) {
			base := 42000 + 3000*i
			peerB := transferTarget{answerConsult: attended, calls: make(chan *sip.Call, 4)}
			ub := startUA(t, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: base, RTPPortMax: base + 999,
				Accounts: []sip.Account{{Name: "b", User: "3001", Domain: "127.0.0.1"}},
			}, peerB)
			b, gw, ua := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
				Zone:   "us",
				Ports:  []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}},
				Routes: []Route{{Pattern: "3xxx", Target: "sip:{n}@" + ub.ListenAddr("udp").String()}},
			}}, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: base + 1000, RTPPortMax: base + 1999,
				Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
			})

			peerA := transferee{next: make(chan *sip.Call, 1)}
			ua2 := startUA(t, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: base + 2000, RTPPortMax: base + 2999,
				Accounts: []sip.Account{{Name: "a", User: "9000", Domain: "127.0.0.1"}},
			}, peerA)
			phone, _ := b.Phone(1)

			callPhone(t, ua2, "a", "sip:2001@"+ua.ListenAddr("udp").String(), phone)

			phone.Flash(300 * time.Millisecond)
			time.Sleep(1200 * time.Millisecond)
			if err := phone.Dial("3001"); err != nil {
				t.Fatal(err)
			}
			var consult *sip.Call
			select {
			case consult = <-peerB.calls:
			case <-time.After(10 * time.Second):
				t.Fatal("B got no consultation call")
			}
			if attended {
				waitReal(t, "consultation connected", 5*time.Second, func() bool { return gw.Ports()[0].State == PortConnected })
			} else {
				time.Sleep(500 * time.Millisecond)
			}
			phone.OnHook()

			var next, atB *sip.Call
			select {
			case next = <-peerA.next:
			case <-time.After(10 * time.Second):
				t.Fatal("A was not referred")
			}
			select {
			case atB = <-peerB.calls:
			case <-time.After(10 * time.Second):
				t.Fatal("B got no call from A")
			}
			if attended && atB.Replaces() != consult {
				t.Errorf("A's call to B does not replace the consultation call")
			}
			waitEvent(t, next, sip.EventAnswered)
			waitReal(t, "gateway calls end", 10*time.Second, func() bool { return len(gw.Calls()) == 0 })
			if st := gw.Ports()[0].State; st != PortIdle {
				t.Errorf("phone's port %s, want idle", st)
			}

			pa, pb := siptest.NewPump(next.Media()), siptest.NewPump(atB.Media())
			defer pa.Close()
			defer pb.Close()
			pa.Play(1004, -10)
			time.Sleep(400 * time.Millisecond)
			checkTone(t, "A → B", pb.Listen(time.Second), 1004, -10)
			if x := phone.Heard(time.Second); len(x) > 0 {
				hears(t, "the idle phone", x, 1004, math.NaN())
			}
			next.Hangup()
		})
	}
}
