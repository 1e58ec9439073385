package sip

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

func hdrValue(m headers, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

var reOrigin = regexp.MustCompile(`(?m)^o=\S+ (\d+) (\d+) `)

// sdpVersion reads the o= line's session id and version.
func sdpVersion(t *testing.T, body []byte) string {
	t.Helper()
	m := reOrigin.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no o= line in\n%s", body)
	}
	return string(m[1]) + " " + string(m[2])
}

// TestRFC3262IncomingReliable183EarlyMedia: a caller that supports 100rel
// gets our 183 with SDP reliably (Require: 100rel, RSeq), retransmitted
// until its PRACK (RFC 3262 3); our early media reaches it before the
// answer; Answer, called before the PRACK, holds the 2xx back until the
// PRACK arrived.
func TestRFC3262IncomingReliable183EarlyMedia(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	p.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Supported", "100rel")}
	var mu sync.Mutex
	var log []string
	var rseqs []string
	prackDone := make(chan int, 1)
	early := make(chan []byte, 1)
	p.onResponse = func(r *sipgo_sip.Response) {
		mu.Lock()
		log = append(log, fmt.Sprint(r.StatusCode))
		mu.Unlock()
		if r.StatusCode != 183 {
			return
		}
		if !hasOptionTag(r, "Require", "100rel") {
			t.Errorf("183 without Require: 100rel")
		}
		rseqs = append(rseqs, hdrValue(r, "RSeq"))
		if len(rseqs) == 1 {
			early <- r.Body()
			return // let it be retransmitted once
		}
		if len(rseqs) != 2 {
			return
		}
		prack := sipgo_sip.NewRequest(sipgo_sip.PRACK, r.Contact().Address)
		prack.AppendHeader(sipgo_sip.NewHeader("RAck", rseqs[0]+" "+fmt.Sprint(r.CSeq().SeqNo)+" INVITE"))
		mu.Lock()
		log = append(log, "PRACK")
		mu.Unlock()
		tx, err := p.dcs.TransactionRequest(context.Background(), prack)
		if err != nil {
			t.Error(err)
			return
		}
		go func() {
			defer tx.Terminate()
			for res := range tx.Responses() {
				if !res.IsProvisional() {
					prackDone <- res.StatusCode
					return
				}
			}
		}()
	}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0 8"))
	c := recv(t, rec.calls, "call")
	if err := c.Progress(); err != nil {
		t.Fatal(err)
	}
	if c.Media() == nil {
		t.Fatal("no media after Progress")
	}
	body := recv(t, early, "183 with SDP")
	remote, _ := remoteMedia(t, body)
	startPeerMedia(t, p.ms, "PCMU", remote)
	if err := c.Answer(); err != nil {
		t.Fatal(err)
	}
	if code := recv(t, prackDone, "PRACK response"); code != 200 {
		t.Fatalf("PRACK answered %d", code)
	}
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	mu.Lock()
	got := strings.Join(log, " ")
	mu.Unlock()
	got = strings.ReplaceAll(got, "100 ", "")
	if !strings.HasSuffix(got, "183 183 PRACK 200") || rseqs[0] != rseqs[1] || rseqs[0] == "" {
		t.Errorf("responses %q, RSeq %v; want the 183 retransmitted with one RSeq and the 200 only after the PRACK", got, rseqs)
	}
	p.ackInvite(t)
	waitEvent(t, c, EventAnswered)
	checkAudioFlows(t, c.Media(), p.ms, 1000)
	_ = c.Hangup()
	waitEvent(t, c, EventEnded)
}

// TestRFC3262IncomingEarlyMediaBeforeAnswer: media flows both ways after
// Progress and before Answer; a caller without 100rel gets an unreliable
// 183 (no Require, no RSeq).
func TestRFC3262IncomingEarlyMediaBeforeAnswer(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	early := make(chan *sipgo_sip.Response, 2)
	p.onResponse = func(r *sipgo_sip.Response) {
		if r.StatusCode == 183 {
			early <- r
		}
	}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "8"))
	c := recv(t, rec.calls, "call")
	if err := c.Progress(); err != nil {
		t.Fatal(err)
	}
	r := recv(t, early, "183")
	if r.GetHeader("RSeq") != nil || hasOptionTag(r, "Require", "100rel") {
		t.Errorf("183 sent reliably to a caller without 100rel")
	}
	remote, _ := remoteMedia(t, r.Body())
	startPeerMedia(t, p.ms, "PCMA", remote)
	checkAudioFlows(t, c.Media(), p.ms, 440)
	checkAudioFlows(t, p.ms, c.Media(), 700)
	if err := c.Answer(); err != nil {
		t.Fatal(err)
	}
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = p.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	_ = c.Hangup()
}

// TestRFC3262OutgoingPrack: the far end sends its 183 with SDP reliably and
// retransmits it; we PRACK it once with the right RAck (RFC 3262 4, 7.2)
// and play its early media before the answer.
func TestRFC3262OutgoingPrack(t *testing.T) {
	pracks := make(chan *sipgo_sip.Request, 4)
	onInvite := func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		if !hasOptionTag(req, "Supported", "100rel") {
			t.Error("INVITE without Supported: 100rel")
		}
		d, err := u.dsc.ReadInvite(req, tx)
		if err != nil {
			t.Error(err)
			return
		}
		remote, _ := remoteMedia(t, req.Body())
		startPeerMedia(t, u.ms, "PCMU", remote)
		body := peerSDP(u.ms.LocalAddr().Port, "0")
		res := sipgo_sip.NewResponseFromRequest(d.InviteRequest, 183, "Session Progress", body)
		ct := sipgo_sip.ContentTypeHeader("application/sdp")
		res.AppendHeader(&ct)
		res.AppendHeader(sipgo_sip.NewHeader("Require", "100rel"))
		res.AppendHeader(sipgo_sip.NewHeader("RSeq", "7"))
		_ = d.WriteResponse(res)
		_ = d.WriteResponse(res) // a retransmission
		select {
		case <-u.t.Context().Done():
			return
		case <-time.After(1500 * time.Millisecond):
		}
		u.dialogs <- d
		_ = d.RespondSDP(body)
	}
	peer := newUAS(t, "udp", onInvite, func(u *uas) {
		u.srv.OnPrack(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			pracks <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, peer.invites, "INVITE")
	waitEvent(t, c, EventProgress)
	checkAudioFlows(t, peer.ms, c.Media(), 1000)
	pr := recv(t, pracks, "PRACK")
	if want := fmt.Sprintf("7 %d INVITE", inv.CSeq().SeqNo); hdrValue(pr, "RAck") != want {
		t.Errorf("RAck %q, want %q", hdrValue(pr, "RAck"), want)
	}
	if pr.CallID().Value() != c.ID() || pr.CSeq().SeqNo <= inv.CSeq().SeqNo {
		t.Errorf("PRACK outside the dialog: Call-ID %s CSeq %d", pr.CallID().Value(), pr.CSeq().SeqNo)
	}
	waitEvent(t, c, EventAnswered)
	select {
	case <-pracks:
		t.Error("retransmitted reliable 183 PRACKed twice")
	default:
	}
	_ = c.Hangup()
	recv(t, peer.byes, "BYE")
}

// TestRFC3261BadExtension420: an INVITE requiring an extension we lack is
// refused with 420 naming it in Unsupported (RFC 3261 8.2.2.3).
func TestRFC3261BadExtension420(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	var unsupported string
	p.onResponse = func(r *sipgo_sip.Response) {
		if r.StatusCode == 420 {
			unsupported = hdrValue(r, "Unsupported")
		}
	}
	p.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Require", "100rel, foo")}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	if code := finalCode(t, done); code != 420 || unsupported != "foo" {
		t.Errorf("final %d Unsupported %q, want 420 foo", code, unsupported)
	}
}

func timerConfig(listen string, se time.Duration) Config {
	cfg := dialConfig(listen, Account{})
	cfg.SessionExpires, cfg.MinSE, cfg.minSEFloor = se, time.Second, time.Second
	return cfg
}

// TestRFC4028IncomingExpiryBye: the caller asks to be the refresher
// (refresher=uac) and never refreshes; we confirm the timer in the 2xx
// (Session-Expires with refresher=uac, Require: timer, RFC 4028 9) and send
// BYE when the session expires (RFC 4028 10).
func TestRFC4028IncomingExpiryBye(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, timerConfig("udp:127.0.0.1:0", 30*time.Second), rec)
	p := newUAC(t, "udp")
	p.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Supported", "timer"), sipgo_sip.NewHeader("Session-Expires", "2;refresher=uac")}
	var final *sipgo_sip.Response
	p.onResponse = func(r *sipgo_sip.Response) {
		if r.IsSuccess() {
			final = r
		}
	}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	if se := hdrValue(final, "Session-Expires"); se != "2;refresher=uac" || !hasOptionTag(final, "Require", "timer") {
		t.Errorf("2xx Session-Expires %q Require %q", se, hdrValue(final, "Require"))
	}
	_ = p.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	start := time.Now()
	recv(t, p.byes, "BYE at session expiry")
	if el := time.Since(start); el < time.Second {
		t.Errorf("BYE after %v, before the session could expire", el)
	}
	if ev := waitEvent(t, c, EventEnded); ev.Reason != ReasonSessionExpired {
		t.Errorf("ended %+v", ev)
	}
}

// TestRFC4028IncomingWeRefreshWithUpdate: the caller makes us the refresher
// (refresher=uas) and allows UPDATE; we refresh with UPDATE half-way
// through each interval (RFC 4028 10), naming ourselves the refresher.
func TestRFC4028IncomingWeRefreshWithUpdate(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, timerConfig("udp:127.0.0.1:0", 30*time.Second), rec)
	updates := make(chan *sipgo_sip.Request, 8)
	p := newUAC(t, "udp", func(p *uac) {
		p.srv.OnUpdate(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			updates <- req
			res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
			res.AppendHeader(sipgo_sip.NewHeader("Session-Expires", "2;refresher=uac"))
			_ = tx.Respond(res)
		})
	})
	p.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Supported", "timer"), sipgo_sip.NewHeader("Session-Expires", "2;refresher=uas"),
		sipgo_sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL, UPDATE")}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = p.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	for i := 0; i < 2; i++ {
		up := recv(t, updates, "UPDATE refresh")
		if se := hdrValue(up, "Session-Expires"); se != "2;refresher=uac" || len(up.Body()) != 0 {
			t.Errorf("refresh UPDATE Session-Expires %q body %q", se, up.Body())
		}
	}
	recv(t, updates, "third UPDATE refresh")
	if iv, ref, n := c.SessionTimer(); iv != 2*time.Second || !ref || n < 2 {
		t.Errorf("SessionTimer %v %v %d", iv, ref, n)
	}
	select {
	case <-p.byes:
		t.Error("refreshed call ended")
	default:
	}
	_ = c.Hangup()
}

// TestRFC4028Outgoing422Retry: the far end refuses our Session-Expires with
// 422 and Min-SE 3; we repeat the INVITE on the same Call-ID with
// Session-Expires 3 (RFC 4028 7.4). Its 2xx makes us the refresher and,
// as it does not allow UPDATE, we refresh with a re-INVITE whose SDP keeps
// the o= version (the description is unchanged, RFC 3264 8).
func TestRFC4028Outgoing422Retry(t *testing.T) {
	reinvites := make(chan *sipgo_sip.Request, 4)
	onInvite := func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		if req.To().Params.Has("tag") {
			reinvites <- req
			res := sipgo_sip.NewSDPResponseFromRequest(req, peerSDP(u.ms.LocalAddr().Port, "0"))
			res.AppendHeader(sipgo_sip.NewHeader("Session-Expires", "3;refresher=uac"))
			_ = tx.Respond(res)
			return
		}
		if se, _, _ := parseSessionExpires(req); se < 3*time.Second {
			res := sipgo_sip.NewResponseFromRequest(req, 422, "Session Interval Too Small", nil)
			res.AppendHeader(sipgo_sip.NewHeader("Min-SE", "3"))
			_ = tx.Respond(res)
			return
		}
		d, err := u.dsc.ReadInvite(req, tx)
		if err != nil {
			t.Error(err)
			return
		}
		res := sipgo_sip.NewSDPResponseFromRequest(d.InviteRequest, peerSDP(u.ms.LocalAddr().Port, "0"))
		res.AppendHeader(sipgo_sip.NewHeader("Session-Expires", "3;refresher=uac"))
		res.AppendHeader(sipgo_sip.NewHeader("Require", "timer"))
		res.AppendHeader(sipgo_sip.NewHeader("Allow", "INVITE, ACK, BYE, CANCEL"))
		u.dialogs <- d
		_ = d.WriteResponse(res)
	}
	peer := newUAS(t, "udp", onInvite)
	u, _ := startUA(t, timerConfig("udp:127.0.0.1:0", 2*time.Second), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	first := recv(t, peer.invites, "INVITE")
	second := recv(t, peer.invites, "INVITE after 422")
	if hdrValue(first, "Session-Expires") != "2" || hdrValue(second, "Session-Expires") != "3" || hdrValue(second, "Min-SE") != "3" {
		t.Errorf("Session-Expires %q then %q (Min-SE %q)", hdrValue(first, "Session-Expires"), hdrValue(second, "Session-Expires"), hdrValue(second, "Min-SE"))
	}
	if second.CallID().Value() != first.CallID().Value() || second.CSeq().SeqNo <= first.CSeq().SeqNo {
		t.Errorf("retry Call-ID/CSeq %s %d after %s %d", second.CallID().Value(), second.CSeq().SeqNo, first.CallID().Value(), first.CSeq().SeqNo)
	}
	waitEvent(t, c, EventAnswered)
	re := recv(t, reinvites, "refresh re-INVITE")
	if hdrValue(re, "Session-Expires") != "3;refresher=uac" {
		t.Errorf("refresh Session-Expires %q", hdrValue(re, "Session-Expires"))
	}
	if a, b := sdpVersion(t, second.Body()), sdpVersion(t, re.Body()); a != b {
		t.Errorf("unchanged SDP changed o= from %q to %q", a, b)
	}
	recv(t, peer.acks, "ACK") // initial
	recv(t, peer.acks, "ACK to the refresh")
	_ = c.Hangup()
}

// TestRFC4028Incoming422: an INVITE with Session-Expires below our Min-SE
// gets 422 with our Min-SE (RFC 4028 8.1).
func TestRFC4028Incoming422(t *testing.T) {
	rec := newRecorder(nil)
	cfg := dialConfig("udp:127.0.0.1:0", Account{})
	u, _ := startUA(t, cfg, rec)
	p := newUAC(t, "udp")
	var minSE string
	p.onResponse = func(r *sipgo_sip.Response) { minSE = hdrValue(r, "Min-SE") }
	p.extra = []sipgo_sip.Header{sipgo_sip.NewHeader("Supported", "timer"), sipgo_sip.NewHeader("Session-Expires", "60")}
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	if code := finalCode(t, done); code != 422 || minSE != "90" {
		t.Errorf("final %d Min-SE %q, want 422 with 90", code, minSE)
	}
}

// TestRFC3264OutgoingHoldResume: Hold sends a re-INVITE offering sendonly
// with a new o= version; the peer answers recvonly; Resume offers sendrecv
// again (RFC 3264 8.4). While holding we still send (music on hold is
// ours to play).
func TestRFC3264OutgoingHoldResume(t *testing.T) {
	reinvites := make(chan *sipgo_sip.Request, 4)
	answer := answerWith("PCMU", "0", false)
	onInvite := func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		if !req.To().Params.Has("tag") {
			answer(u, req, tx)
			return
		}
		reinvites <- req
		dir := "a=sendrecv"
		if strings.Contains(string(req.Body()), "a=sendonly") {
			dir = "a=recvonly"
		}
		_ = tx.Respond(sipgo_sip.NewSDPResponseFromRequest(req, peerSDP(u.ms.LocalAddr().Port, "0 101", "a=rtpmap:101 telephone-event/8000", dir)))
	}
	peer := newUAS(t, "udp", onInvite)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, peer.invites, "INVITE")
	waitEvent(t, c, EventAnswered)
	if err := c.Hold(); err != nil {
		t.Fatal(err)
	}
	hold := recv(t, reinvites, "hold re-INVITE")
	if !strings.Contains(string(hold.Body()), "a=sendonly") || sdpVersion(t, hold.Body()) == sdpVersion(t, inv.Body()) {
		t.Errorf("hold offer (o= must change):\n%s", hold.Body())
	}
	if local, _ := c.HoldState(); !local {
		t.Error("HoldState does not report our hold")
	}
	checkAudioFlows(t, c.Media(), peer.ms, 1000)
	if err := c.Resume(); err != nil {
		t.Fatal(err)
	}
	resume := recv(t, reinvites, "resume re-INVITE")
	if !strings.Contains(string(resume.Body()), "a=sendrecv") {
		t.Errorf("resume offer:\n%s", resume.Body())
	}
	if local, _ := c.HoldState(); local {
		t.Error("still on hold after Resume")
	}
	_ = c.Hangup()
	recv(t, peer.byes, "BYE")
}

// TestRFC3264CodecChange: ChangeCodec offers only PCMA in a re-INVITE
// (RFC 3264 8.3.2); the peer accepts and audio flows in PCMA.
func TestRFC3264CodecChange(t *testing.T) {
	answer := answerWith("PCMU", "0", false)
	onInvite := func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		if !req.To().Params.Has("tag") {
			answer(u, req, tx)
			return
		}
		_, formats := remoteMedia(t, req.Body())
		if strings.Join(formats, " ") != "8 101" {
			t.Errorf("codec change offers %v", formats)
		}
		remote, _ := remoteMedia(t, req.Body())
		startPeerMedia(t, u.ms, "PCMA", remote)
		_ = tx.Respond(sipgo_sip.NewSDPResponseFromRequest(req, peerSDP(u.ms.LocalAddr().Port, "8")))
	}
	peer := newUAS(t, "udp", onInvite)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	if err := c.ChangeCodec("PCMA"); err != nil {
		t.Fatal(err)
	}
	if c.Codec() != "PCMA" {
		t.Fatalf("codec %s", c.Codec())
	}
	checkAudioFlows(t, c.Media(), peer.ms, 1000)
	checkAudioFlows(t, peer.ms, c.Media(), 700)
	_ = c.Hangup()
}

// TestRFC3311IncomingUpdateHold: an UPDATE with a sendonly offer puts us on
// hold like a re-INVITE (RFC 3311 5.2); we answer recvonly in its 200 and
// stop sending.
func TestRFC3311IncomingUpdateHold(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = p.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	req := sipgo_sip.NewRequest(sipgo_sip.UPDATE, p.dcs.InviteResponse.Contact().Address)
	ct := sipgo_sip.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	req.SetBody(peerSDP(p.ms.LocalAddr().Port, "0", "a=sendonly"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := p.dcs.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || !strings.Contains(string(res.Body()), "a=recvonly") {
		t.Fatalf("UPDATE answered %d:\n%s", res.StatusCode, res.Body())
	}
	startPeerMedia(t, p.ms, "PCMU", c.Media().LocalAddr())
	checkSilent(t, c.Media(), p.ms)
	_ = c.Hangup()
}

// ackInvite acknowledges the 2xx to the peer's INVITE by hand: sipgo
// numbers its ACK from the dialog's latest CSeq, which is wrong after a
// PRACK (the ACK carries the INVITE's CSeq, RFC 3261 13.2.2.4).
func (p *uac) ackInvite(t *testing.T) {
	t.Helper()
	inv, res := p.dcs.InviteRequest, p.dcs.InviteResponse
	ack := sipgo_sip.NewRequest(sipgo_sip.ACK, res.Contact().Address)
	ack.AppendHeader(sipgo_sip.HeaderClone(inv.From()))
	ack.AppendHeader(sipgo_sip.HeaderClone(res.To()))
	ack.AppendHeader(sipgo_sip.HeaderClone(inv.CallID()))
	ack.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipgo_sip.ACK})
	mf := sipgo_sip.MaxForwardsHeader(70)
	ack.AppendHeader(&mf)
	ack.SetBody(nil)
	if err := p.cli.WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
		t.Fatal(err)
	}
}
