package gateway

import (
	"testing"
	"time"

	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// ringingPeer is a SIP peer that lets every call ring and hands it to the
// test, which answers it when it wants.
type ringingPeer struct{ calls chan *sip.Call }

func (h ringingPeer) OnIncoming(_ string, c *sip.Call) {
	c.Ringing()
	h.calls <- c
}

// xferSIPRig is a gateway on a real-time simulated board (SIP media is
// clocked by the wall clock) with phones 2001 (account fxs1) and 2002, the
// two PSTN lines (calls to 2001), 3xxx routed to a ringing SIP peer B and
// 9 + number out on the lines; and a SIP peer A that calls 2001.
type xferSIPRig struct {
	rig
	a      *sip.UA
	gwAddr string
	peerB  ringingPeer
}

func newXferSIPRig(t *testing.T, base int) *xferSIPRig {
	t.Helper()
	x := &xferSIPRig{rig: rig{cdr: &memCDR{}}, peerB: ringingPeer{calls: make(chan *sip.Call, 4)}}
	ub := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: base, RTPPortMax: base + 499,
		Accounts: []sip.Account{{Name: "b", User: "3001", Domain: "127.0.0.1"}},
	}, x.peerB)
	var ua *sip.UA
	x.board, x.gw, ua = startSIPGateway(t, lineSim, Options{CDR: x.cdr, Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}, {Span: 1, Chan: 2, Extension: "2002"}},
		Lines: twoLines(nil),
		Routes: []Route{
			{Pattern: "3xxx", Target: "sip:{n}@" + ub.ListenAddr("udp").String()},
			{Pattern: "9x.T", Group: "pstn", Strip: 1},
		},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: base + 500, RTPPortMax: base + 999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})
	x.gwAddr = ua.ListenAddr("udp").String()
	x.a = startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: base + 1000, RTPPortMax: base + 1499,
		Accounts: []sip.Account{{Name: "a", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	return x
}

func (x *xferSIPRig) port(n int) PortStatus { return x.gw.Ports()[n-1] }

// callFromA has peer A call phone 1, which answers; it returns A's call
// and a pump clocking its media.
func (x *xferSIPRig) callFromA(t *testing.T) (*sip.Call, *siptest.Pump) {
	t.Helper()
	ca := callPhone(t, x.a, "a", "sip:2001@"+x.gwAddr, x.phone(t, 1))
	pa := siptest.NewPump(ca.Media())
	t.Cleanup(pa.Close)
	return ca, pa
}

// consult has phone 1 flash and dial number.
func (x *xferSIPRig) consult(t *testing.T, number string) {
	t.Helper()
	p1 := x.phone(t, 1)
	p1.Flash(300 * time.Millisecond)
	time.Sleep(1200 * time.Millisecond)
	if err := p1.Dial(number); err != nil {
		t.Fatal(err)
	}
}

// transferOut has phone 1 hang up and waits for it to be idle.
func (x *xferSIPRig) transferOut(t *testing.T) {
	t.Helper()
	x.phone(t, 1).OnHook()
	waitReal(t, "phone 1 idle", 5*time.Second, func() bool { return x.port(1).State == PortIdle })
}

func (x *xferSIPRig) waitJoined(t *testing.T) {
	t.Helper()
	waitReal(t, "the parties joined", 10*time.Second, func() bool {
		cs := x.gw.Calls()
		return len(cs) == 1 && cs[0].Direction == "transfer" && cs[0].State == "connected"
	})
}

func (x *xferSIPRig) waitClear(t *testing.T, l *sim.Line) {
	t.Helper()
	waitReal(t, "everything clear", 10*time.Second, func() bool {
		for _, p := range x.gw.Ports() {
			if p.State != PortIdle || p.CallID != "" {
				return false
			}
		}
		return len(x.gw.Calls()) == 0 && (l == nil || !l.Seized())
	})
	transferRecords(t, x.cdr.all())
}

// TestTransferSIPCallerToPhone: SIP peer A talks to phone 1, which flashes
// (A is held), dials phone 2 and hangs up: blind while phone 2 rings (A
// hears ringback from the gateway until phone 2 answers) or attended. A
// and phone 2 then hear each other's tones at the sent level; A's BYE or
// phone 2's hang-up clears everything.
func TestTransferSIPCallerToPhone(t *testing.T) {
	for i, attended := range []bool{false, true} {
		t.Run(map[bool]string{false: "blind", true: "attended"}[attended], func(t *testing.T) {
			x := newXferSIPRig(t, 50000+1500*i)
			p2 := x.phone(t, 2)
			ca, pa := x.callFromA(t)
			x.consult(t, "2002")
			waitReal(t, "phone 2 rings", 5*time.Second, p2.Ringing)
			if attended {
				p2.OffHook()
				waitReal(t, "consultation connected", 5*time.Second, func() bool { return x.port(2).State == PortConnected })
			}
			x.transferOut(t)
			if !attended {
				if !ringbackHeard(pa.Listen(6 * time.Second)) {
					t.Error("A hears no ringback while phone 2 rings")
				}
				p2.OffHook()
			}
			x.waitJoined(t)
			toneBothWays(t, pa, "A", p2, "phone 2")
			if attended {
				p2.OnHook()
				waitEvent(t, ca, sip.EventEnded)
			} else {
				ca.Hangup()
				waitReal(t, "phone 2 hears A leave", 5*time.Second, func() bool { return x.port(2).State == PortTone })
				p2.OnHook()
			}
			x.waitClear(t, nil)
		})
	}
}

// TestTransferPhoneToSIPTarget: phone 1 talks to phone 2, flashes, dials
// SIP peer B and hangs up: blind while B rings (phone 2 hears ringback
// until B answers) or attended. Phone 2 and B hear each other; either
// hanging up clears the other (BYE, far-end hang-up tone).
func TestTransferPhoneToSIPTarget(t *testing.T) {
	for i, attended := range []bool{false, true} {
		t.Run(map[bool]string{false: "blind", true: "attended"}[attended], func(t *testing.T) {
			x := newXferSIPRig(t, 53000+1500*i)
			p1, p2 := x.phone(t, 1), x.phone(t, 2)
			p1.OffHook()
			time.Sleep(300 * time.Millisecond)
			p1.Dial("2002")
			waitReal(t, "phone 2 rings", 5*time.Second, p2.Ringing)
			p2.OffHook()
			waitReal(t, "1 and 2 connected", 5*time.Second, func() bool { return x.port(2).State == PortConnected })
			cb, pb := x.transferToB(t, attended, p2, "phone 2")
			toneBothWays(t, pb, "B", p2, "phone 2")
			if attended {
				cb.Hangup()
				waitReal(t, "phone 2 hears B leave", 5*time.Second, func() bool { return x.port(2).State == PortTone })
				p2.OnHook()
			} else {
				p2.OnHook()
				waitEvent(t, cb, sip.EventEnded)
			}
			x.waitClear(t, nil)
		})
	}
}

// TestTransferPSTNCallerToSIPTarget: a PSTN call answered on phone 1 is
// transferred to SIP peer B, blind (the line's caller hears ringback until
// B answers) or attended (B answered the consultation); then the line and
// B hear each other, and B's BYE releases the line.
func TestTransferPSTNCallerToSIPTarget(t *testing.T) {
	for i, attended := range []bool{false, true} {
		t.Run(map[bool]string{false: "blind", true: "attended"}[attended], func(t *testing.T) {
			x := newXferSIPRig(t, 56000+700*i)
			p1 := x.phone(t, 1)
			l1 := x.line(t, 1)
			if err := l1.Ring("5551234", "Alice"); err != nil {
				t.Fatal(err)
			}
			waitReal(t, "phone 1 rings", 15*time.Second, p1.Ringing)
			p1.OffHook()
			waitReal(t, "line answered", 5*time.Second, l1.Answered)
			waitReal(t, "connected", 5*time.Second, func() bool { return x.port(1).State == PortConnected })
			cb, pb := x.transferToB(t, attended, l1, "the PSTN caller")
			toneBothWays(t, pb, "B", l1, "the PSTN caller")
			cb.Hangup()
			x.waitClear(t, l1)
		})
	}
}

// TestTransferSIPCallerToPSTNLine: SIP peer A's call answered on phone 1 is
// transferred to a number phone 1 dialled out on a PSTN line: A is put
// through to the line at once; A and the far party hear each other; the
// far party hanging up sends A a BYE and releases the line.
func TestTransferSIPCallerToPSTNLine(t *testing.T) {
	x := newXferSIPRig(t, 57500)
	l1 := x.line(t, 1)
	ca, pa := x.callFromA(t)
	x.consult(t, "95551234")
	waitReal(t, "the office collects the number", 15*time.Second, func() bool { return l1.Digits() == "5551234" })
	x.transferOut(t)
	waitReal(t, "the far end answers", 10*time.Second, func() bool { return l1.State() == sim.LineConnected })
	x.waitJoined(t)
	toneBothWays(t, pa, "A", l1, "the far party")
	l1.Hangup()
	waitEvent(t, ca, sip.EventEnded)
	x.waitClear(t, l1)
}

// analogParty is a simulated phone or PSTN far party.
type analogParty interface {
	PlayTone(freq, levelDBm0 float64)
	StopPlay()
	Listen(d time.Duration) []int16
}

// toneBothWays checks the audio of a joined call between a SIP party
// (its media pump, named sipName) and an analog one: 1004 Hz at -10 dBm0
// from the SIP side reaches the analog party, 1004 Hz at -16 dBm0 the
// other way.
func toneBothWays(t *testing.T, pm *siptest.Pump, sipName string, a analogParty, analogName string) {
	t.Helper()
	pm.Play(1004, -10)
	time.Sleep(400 * time.Millisecond)
	hears(t, analogName, a.Listen(time.Second), 1004, -10)
	pm.Play(0, 0)
	a.PlayTone(1004, -16)
	time.Sleep(400 * time.Millisecond)
	hears(t, sipName, pm.Listen(time.Second), 1004, -16)
	a.StopPlay()
}

// transferToB has phone 1 consult SIP peer B (3001) and hang up to
// transfer its held party, held, to B: attended (B answers the
// consultation first) or blind (held hears ringback until B answers). It
// returns B's call and media pump once the two are joined; B's media is
// clocked from its answer on, as a phone's would be.
func (x *xferSIPRig) transferToB(t *testing.T, attended bool, held analogParty, heldName string) (*sip.Call, *siptest.Pump) {
	t.Helper()
	x.consult(t, "3001")
	var cb *sip.Call
	select {
	case cb = <-x.peerB.calls:
	case <-time.After(10 * time.Second):
		t.Fatal("B got no call")
	}
	var pb *siptest.Pump
	answerB := func() {
		cb.Answer()
		pb = siptest.NewPump(cb.Media())
		t.Cleanup(pb.Close)
	}
	if attended {
		answerB()
		waitReal(t, "consultation connected", 5*time.Second, func() bool { return x.port(1).State == PortConnected })
	}
	x.transferOut(t)
	if !attended {
		if !ringbackHeard(held.Listen(6 * time.Second)) {
			t.Errorf("%s hears no ringback while B rings", heldName)
		}
		answerB()
	}
	x.waitJoined(t)
	return cb, pb
}
