package sip

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// notifyFrom sends a NOTIFY with a sipfrag body in a peer's server dialog.
func notifyFrom(t *testing.T, d *sipgo.DialogServerSession, frag, state string) {
	t.Helper()
	req := sipgo_sip.NewRequest(sipgo_sip.NOTIFY, d.InviteRequest.Contact().Address)
	req.AppendHeader(sipgo_sip.NewHeader("Event", "refer"))
	req.AppendHeader(sipgo_sip.NewHeader("Subscription-State", state))
	ct := sipgo_sip.ContentTypeHeader("message/sipfrag;version=2.0")
	req.AppendHeader(&ct)
	req.SetBody([]byte(frag + "\r\n"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := d.Do(ctx, req)
	if err != nil {
		t.Errorf("NOTIFY: %v", err)
		return
	}
	if res.StatusCode != 200 {
		t.Errorf("NOTIFY answered %d", res.StatusCode)
	}
}

// TestRFC3515TransferorBlind: Transfer sends REFER with Refer-To and
// Referred-By in the call's dialog; after 202 it waits for the NOTIFYs and
// returns when the sipfrag reports 200 (RFC 3515 2.4.4, 2.4.5).
func TestRFC3515TransferorBlind(t *testing.T) {
	refers := make(chan *sipgo_sip.Request, 2)
	peer := newUAS(t, "udp", answerWith("PCMU", "0", false), func(u *uas) {
		u.srv.OnRefer(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			refers <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 202, "Accepted", nil))
		})
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	d := recv(t, peer.dialogs, "dialog")
	result := make(chan error, 1)
	go func() { result <- c.Transfer(context.Background(), "sip:3002@127.0.0.1:5999") }()
	ref := recv(t, refers, "REFER")
	if rt := hdrValue(ref, "Refer-To"); rt != "<sip:3002@127.0.0.1:5999>" {
		t.Errorf("Refer-To %q", rt)
	}
	if rb := hdrValue(ref, "Referred-By"); !strings.Contains(rb, "sip:2001@") {
		t.Errorf("Referred-By %q", rb)
	}
	if ref.CallID().Value() != c.ID() {
		t.Errorf("REFER outside the call's dialog")
	}
	notifyFrom(t, d, "SIP/2.0 100 Trying", "active;expires=60")
	select {
	case err := <-result:
		t.Fatalf("Transfer returned %v before the final NOTIFY", err)
	case <-time.After(200 * time.Millisecond):
	}
	notifyFrom(t, d, "SIP/2.0 200 OK", "terminated;reason=noresource")
	if err := recv(t, result, "transfer result"); err != nil {
		t.Fatal(err)
	}
	_ = c.Hangup()
}

// TestRFC3891TransferReplacing: an attended transfer's REFER names the
// other call's dialog in a Replaces header embedded in Refer-To, tags as
// its far end sees them (RFC 3891 3, 7.1); a refused REFER gives a
// TransferError.
func TestRFC3891TransferReplacing(t *testing.T) {
	refers := make(chan *sipgo_sip.Request, 2)
	peer := newUAS(t, "udp", answerWith("PCMU", "0", false), func(u *uas) {
		u.srv.OnRefer(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			refers <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 603, "Decline", nil))
		})
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c1, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c1, EventAnswered)
	recv(t, peer.dialogs, "dialog 1")
	c2, err := u.Dial(context.Background(), "fxs1", peer.uri("3002"))
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c2, EventAnswered)
	d2 := recv(t, peer.dialogs, "dialog 2")
	err = c1.TransferReplacing(context.Background(), c2)
	var te *TransferError
	if !errors.As(err, &te) || te.Code != 603 {
		t.Errorf("TransferReplacing: %v, want TransferError 603", err)
	}
	ref := recv(t, refers, "REFER")
	rt := hdrValue(ref, "Refer-To")
	_, q, ok := strings.Cut(strings.Trim(rt, "<>"), "?Replaces=")
	if !ok {
		t.Fatalf("Refer-To without Replaces: %q", rt)
	}
	got, err := url.QueryUnescape(q)
	if err != nil {
		t.Fatal(err)
	}
	peerTag, _ := d2.InviteResponse.To().Params.Get("tag")
	ourTag, _ := d2.InviteRequest.From().Params.Get("tag")
	if want := fmt.Sprintf("%s;to-tag=%s;from-tag=%s", c2.ID(), peerTag, ourTag); got != want {
		t.Errorf("Replaces %q, want %q", got, want)
	}
	_ = c1.Hangup()
	_ = c2.Hangup()
}

type referArgs struct {
	c, next *Call
	target  string
}

// xferRecorder is a recorder that also accepts transfers.
type xferRecorder struct {
	*recorder
	refers chan referArgs
}

func (r *xferRecorder) OnRefer(c *Call, target string, next *Call) {
	r.refers <- referArgs{c: c, next: next, target: target}
}

// TestRFC3515TransfereeFollowsRefer: a REFER from the far end gets 202 and
// NOTIFY 100 at once; we call the target with Referred-By, hand the new
// call to the TransferHandler, report 200 in a final NOTIFY
// (Subscription-State terminated) and end the old call with BYE.
func TestRFC3515TransfereeFollowsRefer(t *testing.T) {
	target := newUAS(t, "udp", answerWith("PCMU", "0", false))
	notifies := make(chan *sipgo_sip.Request, 8)
	a := newUAC(t, "udp", func(p *uac) {
		p.srv.OnNotify(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			notifies <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	})
	rec := &xferRecorder{recorder: newRecorder(func(c *Call) { _ = c.Answer() }), refers: make(chan referArgs, 1)}
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	done := a.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)

	refer := sipgo_sip.NewRequest(sipgo_sip.REFER, a.dcs.InviteResponse.Contact().Address)
	refer.AppendHeader(sipgo_sip.NewHeader("Refer-To", "<"+target.uri("3003")+">"))
	refer.AppendHeader(sipgo_sip.NewHeader("Referred-By", "<sip:5550100@127.0.0.1>"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := a.dcs.Do(ctx, refer)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 202 {
		t.Fatalf("REFER answered %d", res.StatusCode)
	}
	inv := recv(t, target.invites, "INVITE to the transfer target")
	if hdrValue(inv, "Referred-By") != "<sip:5550100@127.0.0.1>" || inv.Recipient.User != "3003" {
		t.Errorf("target INVITE to %s Referred-By %q", inv.Recipient.String(), hdrValue(inv, "Referred-By"))
	}
	args := recv(t, rec.refers, "OnRefer")
	if args.c != c || args.next == nil || !strings.Contains(args.target, "3003@") {
		t.Errorf("OnRefer(%v, %q, %v)", args.c, args.target, args.next)
	}
	var frags []string
	for {
		n := recv(t, notifies, "NOTIFY")
		if ev := hdrValue(n, "Event"); ev != "refer" {
			t.Errorf("NOTIFY Event %q", ev)
		}
		frag := strings.TrimSpace(string(n.Body()))
		frags = append(frags, frag)
		if strings.HasPrefix(hdrValue(n, "Subscription-State"), "terminated") {
			break
		}
	}
	if frags[0] != "SIP/2.0 100 Trying" || frags[len(frags)-1] != "SIP/2.0 200 OK" {
		t.Errorf("sipfrags %q", frags)
	}
	waitEvent(t, args.next, EventAnswered)
	recv(t, a.byes, "BYE ending the transferred call")
	if ev := waitEvent(t, c, EventEnded); ev.Reason != ReasonReplaced {
		t.Errorf("old call ended %+v", ev)
	}
	_ = args.next.Hangup()
}

// TestRFC3891IncomingReplaces: an INVITE whose Replaces names an answered
// call of ours is offered to the handler with Replaces() set; once it is
// answered the replaced call ends with BYE (RFC 3891 3). A Replaces naming
// no dialog gets 481.
func TestRFC3891IncomingReplaces(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	a1 := newUAC(t, "udp")
	done := a1.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a1.ms.LocalAddr().Port, "0"))
	x := recv(t, rec.calls, "first call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a1.dcs.Ack(context.Background())
	waitEvent(t, x, EventAnswered)

	bad := newUAC(t, "udp")
	bad.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Replaces", x.ID()+";to-tag=nope;from-tag=alice1")}
	if code := finalCode(t, bad.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(bad.ms.LocalAddr().Port, "0"))); code != 481 {
		t.Errorf("Replaces with a wrong tag answered %d, want 481", code)
	}

	a2 := newUAC(t, "udp")
	a2.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Replaces", x.ID()+";to-tag="+x.localTag+";from-tag=alice1")}
	done = a2.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a2.ms.LocalAddr().Port, "0"))
	y := recv(t, rec.calls, "replacing call")
	if y.Replaces() != x {
		t.Errorf("Replaces() = %v, want the first call", y.Replaces())
	}
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a2.dcs.Ack(context.Background())
	waitEvent(t, y, EventAnswered)
	recv(t, a1.byes, "BYE of the replaced call")
	if ev := waitEvent(t, x, EventEnded); ev.Reason != ReasonReplaced {
		t.Errorf("replaced call ended %+v", ev)
	}
	_ = y.Hangup()
}

// TestRFC3515ReferDeclinedWithoutHandler: a Handler that does not
// implement TransferHandler has REFERs declined (603).
func TestRFC3515ReferDeclinedWithoutHandler(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	a := newUAC(t, "udp")
	done := a.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	refer := sipgo_sip.NewRequest(sipgo_sip.REFER, a.dcs.InviteResponse.Contact().Address)
	refer.AppendHeader(sipgo_sip.NewHeader("Refer-To", "<sip:1@127.0.0.1>"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := a.dcs.Do(ctx, refer)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 603 {
		t.Errorf("REFER answered %d, want 603", res.StatusCode)
	}
	_ = c.Hangup()
}
