package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
)

// rawRequest is a request as a UAC writes it by hand.
func rawRequest(method, ruri, laddr, branch, callID, tag string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nMax-Forwards: 70\r\n", method, ruri, laddr, branch)
	fmt.Fprintf(&b, "From: <sip:5551000@%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n", laddr, tag, ruri, callID, method)
	if body != "" {
		fmt.Fprintf(&b, "Contact: <sip:5551000@%s>\r\nContent-Type: application/sdp\r\n", laddr)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// withTo replaces the To of a request made by rawRequest for ruri with the
// To (tag included) of the UA's response.
func withTo(m, ruri string, res *sipgo_sip.Response) string {
	return strings.Replace(m, "To: <"+ruri+">", "To: "+res.To().Value(), 1)
}

// TestRFC3261CancelRightBehindInvite: a CANCEL sent right behind its
// INVITE, before any response, over UDP, must find the INVITE (RFC 3261
// 9.2) even though sipgo handles each message in a goroutine of its own
// and so may look the CANCEL up before the INVITE's transaction exists:
// 200 to the CANCEL, 487 to the INVITE, never 481, every time; and the
// INVITE transaction must outlive a 100 Trying that raced the 487.
func TestRFC3261CancelRightBehindInvite(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Ringing() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	var calls atomic.Int32
	go func() {
		for range rec.calls {
			<-rec.account
			calls.Add(1)
		}
	}()
	src := newRawSource(t, "127.0.0.1", u)
	uri := ourURI(u, "2001", "udp")
	to, laddr := uri.String(), src.laddr()
	body := string(peerSDP(4000, "0"))
	for i := range 20 {
		branch, callID, tag := fmt.Sprintf("z9hG4bK-c%d-%s", i, randomToken(4)), randomToken(8), randomToken(4)
		src.write(rawRequest("INVITE", to, laddr, branch, callID, tag, body))
		src.write(rawRequest("CANCEL", to, laddr, branch, callID, tag, ""))
		final := map[string]int{}
		for final["INVITE"] == 0 || final["CANCEL"] == 0 {
			msg := src.read(5 * time.Second)
			if msg == nil {
				t.Fatalf("call %d: no response within 5 s; final responses so far %v", i, final)
			}
			res, ok := msg.(*sipgo_sip.Response)
			if !ok || res.StatusCode < 200 || res.CallID().Value() != callID {
				continue
			}
			final[res.CSeq().MethodName.String()] = res.StatusCode
			if res.CSeq().MethodName == sipgo_sip.INVITE {
				src.write(withTo(rawRequest("ACK", to, laddr, branch, callID, tag, ""), to, res))
			}
		}
		if final["INVITE"] != 487 || final["CANCEL"] != 200 {
			t.Errorf("call %d: INVITE %d, CANCEL %d; want 487 and 200", i, final["INVITE"], final["CANCEL"])
		}
		// The INVITE transaction lives on in Confirmed (Timer I, RFC 3261
		// 17.2.1): a retransmitted CANCEL still gets 200, a retransmitted
		// INVITE is absorbed, not taken for a new call.
		src.write(rawRequest("CANCEL", to, laddr, branch, callID, tag, ""))
		src.write(rawRequest("INVITE", to, laddr, branch, callID, tag, body))
		for msg := src.read(100 * time.Millisecond); msg != nil; msg = src.read(100 * time.Millisecond) {
			if res, ok := msg.(*sipgo_sip.Response); ok && res.CallID().Value() == callID && res.CSeq().MethodName == sipgo_sip.CANCEL && res.StatusCode != 200 {
				t.Errorf("call %d: retransmitted CANCEL answered %d, want 200", i, res.StatusCode)
			}
		}
	}
	if n := calls.Load(); n > 20 {
		t.Errorf("%d incoming calls for 20 INVITEs: a retransmission was taken for a new call", n)
	}
}

// TestPendingInvitesAwait: a CANCEL handled before its INVITE's handler
// has started waits for it; one for another INVITE, or with nothing
// arriving, gives up after the wait.
func TestPendingInvitesAwait(t *testing.T) {
	req := func(branch string) *sipgo_sip.Request {
		msg, err := sipgo_sip.ParseMessage([]byte(rawRequest("INVITE", "sip:2001@127.0.0.1", "127.0.0.1:5070", branch, "cid", "t1", "")))
		if err != nil {
			t.Fatal(err)
		}
		return msg.(*sipgo_sip.Request)
	}
	var p pendingInvites
	inv := req("z9hG4bK-a")
	tx := sipgo_sip.NewServerTx("k", inv, nil, testLogger(t))
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.add(req("z9hG4bK-other"), tx)
		time.Sleep(20 * time.Millisecond)
		p.add(inv, tx)
	}()
	if got := p.await(req("z9hG4bK-a"), 5*time.Second); got != tx {
		t.Errorf("await = %v, want the INVITE's transaction", got)
	}
	if got := p.await(req("z9hG4bK-b"), 30*time.Millisecond); got != nil {
		t.Errorf("await for an unknown INVITE = %v, want nil", got)
	}
	remove := p.add(req("z9hG4bK-c"), tx)
	remove()
	if got := p.await(req("z9hG4bK-c"), time.Millisecond); got != nil {
		t.Errorf("await after the handler ended = %v, want nil", got)
	}
}

// handlerFunc adapts a function to Handler.
type handlerFunc func(account string, c *Call)

func (f handlerFunc) OnIncoming(account string, c *Call) { f(account, c) }

// TestRFC3261AnswerLosesToCancel: the handler answers (the phone went off
// hook) just after the transaction layer has taken a CANCEL and sent 487.
// The 487 stands (RFC 3261 9.2): the call must end at once as cancelled,
// never send its 2xx, and never send a BYE for a dialog the caller has
// seen fail. Both the CANCEL and the answer are ready when the INVITE's
// goroutine looks, so it is run several times to meet either order.
func TestRFC3261AnswerLosesToCancel(t *testing.T) {
	type attempt struct {
		call      chan *Call
		cancelled chan struct{}
	}
	attempts := make(chan attempt, 1)
	h := handlerFunc(func(_ string, c *Call) {
		a := <-attempts
		_ = c.Ringing()
		a.call <- c
		<-a.cancelled
		// Blocking here holds the INVITE's goroutine until the CANCEL has
		// been answered, so that the answer meets it.
		_ = c.Answer()
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), h)
	src := newRawSource(t, "127.0.0.1", u)
	uri := ourURI(u, "2001", "udp")
	to, laddr := uri.String(), src.laddr()
	read := func(callID string, want func(*sipgo_sip.Response) bool) *sipgo_sip.Response {
		t.Helper()
		for {
			switch m := src.read(5 * time.Second).(type) {
			case nil:
				t.Fatalf("no response within 5 s")
			case *sipgo_sip.Request:
				t.Fatalf("%s from the UA on a cancelled call", m.Method)
			case *sipgo_sip.Response:
				if m.CallID().Value() == callID && want(m) {
					return m
				}
			}
		}
	}
	for i := range 8 {
		a := attempt{call: make(chan *Call, 1), cancelled: make(chan struct{})}
		attempts <- a
		branch, callID, tag := fmt.Sprintf("z9hG4bK-x%d-%s", i, randomToken(4)), randomToken(8), randomToken(4)
		src.write(rawRequest("INVITE", to, laddr, branch, callID, tag, string(peerSDP(4000, "0"))))
		c := recv(t, a.call, "incoming call")
		read(callID, func(r *sipgo_sip.Response) bool { return r.StatusCode == 180 })
		src.write(rawRequest("CANCEL", to, laddr, branch, callID, tag, ""))
		final := read(callID, func(r *sipgo_sip.Response) bool {
			return r.CSeq().MethodName == sipgo_sip.INVITE && r.StatusCode >= 200
		})
		if final.StatusCode != 487 {
			t.Fatalf("attempt %d: INVITE answered %d after the CANCEL, want 487", i, final.StatusCode)
		}
		src.write(withTo(rawRequest("ACK", to, laddr, branch, callID, tag, ""), to, final))
		close(a.cancelled)
		select {
		case ev := <-waitTerminal(c):
			if ev.Kind != EventEnded || ev.Code != 487 || ev.Reason != ReasonCancelled {
				t.Errorf("attempt %d: call ended %v %d %q, want EventEnded 487 %q", i, ev.Kind, ev.Code, ev.Reason, ReasonCancelled)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("attempt %d: the cancelled call did not end within 2 s", i)
		}
	}
	// A BYE for any of the calls would come after Timer I (5 s).
	if req, ok := src.read(5500 * time.Millisecond).(*sipgo_sip.Request); ok {
		t.Errorf("%s from the UA after the calls were cancelled", req.Method)
	}
}

// waitTerminal delivers the call's terminal event (EventAnswered counts
// as one here: it must not happen).
func waitTerminal(c *Call) <-chan Event {
	ch := make(chan Event, 1)
	go func() {
		for ev := range c.Events() {
			if ev.Kind == EventEnded || ev.Kind == EventFailed || ev.Kind == EventAnswered {
				ch <- ev
				return
			}
		}
	}()
	return ch
}

// TestRFC3261ByeRightBehindAck: the caller ACKs our 2xx and hangs up at
// once, as a caller does whose CANCEL crossed the 2xx (RFC 3261 9.1, 15);
// every other call the BYE even arrives first. The ACK and the BYE may
// be handled in either order; every call must end
// once with EventEnded, after at most one EventAnswered, and never crash
// the UA on its closed event channel.
func TestRFC3261ByeRightBehindAck(t *testing.T) {
	calls := make(chan *Call, 64)
	h := handlerFunc(func(_ string, c *Call) {
		calls <- c
		_ = c.Answer()
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), h)
	src := newRawSource(t, "127.0.0.1", u)
	uri := ourURI(u, "2001", "udp")
	to, laddr := uri.String(), src.laddr()
	for i := range 100 {
		branch, callID, tag := fmt.Sprintf("z9hG4bK-b%d-%s", i, randomToken(4)), randomToken(8), randomToken(4)
		src.write(rawRequest("INVITE", to, laddr, branch, callID, tag, string(peerSDP(4000, "0"))))
		c := recv(t, calls, "incoming call")
		var ok *sipgo_sip.Response
		for ok == nil {
			msg := src.read(5 * time.Second)
			if msg == nil {
				t.Fatalf("call %d: no 200 within 5 s", i)
			}
			if r, is := msg.(*sipgo_sip.Response); is && r.CallID().Value() == callID && r.StatusCode == 200 {
				ok = r
			}
		}
		target := ok.Contact().Address.String()
		order := []string{"ACK", "BYE"}
		if i%2 == 1 {
			// Reordered on the way: the BYE first.
			order = []string{"BYE", "ACK"}
		}
		for j, method := range order {
			m := withTo(rawRequest(method, target, laddr, fmt.Sprintf("%s-%d", branch, j), callID, tag, ""), target, ok)
			if method == "BYE" {
				m = strings.Replace(m, "CSeq: 1 BYE", "CSeq: 2 BYE", 1)
			}
			src.write(m)
		}
		answered := 0
		for ev := range c.Events() {
			if ev.Kind == EventAnswered {
				answered++
			}
			if ev.Kind == EventFailed {
				t.Errorf("call %d: %v %d %s", i, ev.Kind, ev.Code, ev.Reason)
			}
		}
		if answered > 1 {
			t.Errorf("call %d: %d EventAnswered", i, answered)
		}
	}
}

// TestCallEndsOnce: whatever a goroutine that lost a race writes into the
// call's state after the call ended (an answer whose ACK a BYE overtook),
// the terminal event stays the last one and the event channel is closed
// exactly once: no send on a closed channel, no second close.
func TestCallEndsOnce(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), handlerFunc(func(string, *Call) {}))
	ms, err := media.Listen("127.0.0.1", 20000, 40000, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	c := newCall(u, u.cfg.accounts[0], "once@test", true, ms)
	c.end(EventEnded, 0, ReasonRemoteBye)
	c.mu.Lock()
	c.state = stateAnswered // as sendAnswer did after the BYE had ended the call
	c.emitLocked(Event{Kind: EventAnswered, Code: 200})
	c.mu.Unlock()
	c.end(EventEnded, 0, ReasonLocalBye)
	var got []Event
	for ev := range c.Events() {
		got = append(got, ev)
	}
	if len(got) != 1 || got[0].Reason != ReasonRemoteBye {
		t.Errorf("events %+v, want only EventEnded %q", got, ReasonRemoteBye)
	}
}

// TestRFC3261AnswerCrossesOurCancel: the called party answers as our
// CANCEL goes: its 200 OK to the INVITE comes first, then 481 to the
// CANCEL (its INVITE transaction ended with the 2xx, RFC 3261 17.2.1),
// then the 200 again after T1 (13.3.1.4). The dialog the 2xx established
// must be confirmed with ACK and ended with BYE (9.1, 15), not left to
// the peer's retransmission timeout.
func TestRFC3261AnswerCrossesOurCancel(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), handlerFunc(func(string, *Call) {}))
	conn := udpSock(t)
	buf := make([]byte, 65535)
	read := func(what string) (*sipgo_sip.Request, *net.UDPAddr) {
		t.Helper()
		for {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if msg, err := sipgo_sip.ParseMessage(buf[:n]); err == nil {
				if req, ok := msg.(*sipgo_sip.Request); ok {
					return req, from
				}
			}
		}
	}
	send := func(res *sipgo_sip.Response, to *net.UDPAddr) {
		if _, err := conn.WriteToUDP([]byte(res.String()), to); err != nil {
			t.Fatal(err)
		}
	}
	c, err := u.Dial(context.Background(), "fxs1", "sip:3001@"+conn.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	inv, src := read("INVITE")
	ringing := sipgo_sip.NewResponseFromRequest(inv, 180, "Ringing", nil)
	ringing.To().Params.Add("tag", "far1")
	send(ringing, src)
	waitEvent(t, c, EventRinging)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	cancel, _ := read("CANCEL")
	if cancel.Method != sipgo_sip.CANCEL {
		t.Fatalf("got %s, want CANCEL", cancel.Method)
	}
	ok := sipgo_sip.NewSDPResponseFromRequest(inv, peerSDP(4000, "0"))
	ok.To().Params.Add("tag", "far1")
	ok.AppendHeader(&sipgo_sip.ContactHeader{Address: sipgo_sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: conn.LocalAddr().(*net.UDPAddr).Port}})
	send(ok, src)
	send(sipgo_sip.NewResponseFromRequest(cancel, 481, "Call/Transaction Does Not Exist", nil), src)
	ev := waitEvent(t, c, EventEnded)
	if ev.Code != 487 {
		t.Errorf("ended %+v", ev)
	}
	time.Sleep(sipgo_sip.T1)
	send(ok, src) // the 2xx retransmission
	ack, _ := read("ACK")
	if ack.Method != sipgo_sip.ACK {
		t.Fatalf("got %s, want the ACK of the 200", ack.Method)
	}
	if tag, _ := ack.To().Params.Get("tag"); tag != "far1" || ack.CSeq().SeqNo != inv.CSeq().SeqNo {
		t.Errorf("ACK To tag %q CSeq %d, want far1 and %d", tag, ack.CSeq().SeqNo, inv.CSeq().SeqNo)
	}
	bye, _ := read("BYE")
	if bye.Method != sipgo_sip.BYE {
		t.Fatalf("got %s, want BYE", bye.Method)
	}
	send(sipgo_sip.NewResponseFromRequest(bye, 200, "OK", nil), src)
}
