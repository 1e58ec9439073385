package sip

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
)

// uas is a sipgo-based called party for our outgoing calls.
type uas struct {
	*peer
	dsc     *sipgo.DialogServerCache
	invites chan *sipgo_sip.Request
	acks    chan *sipgo_sip.Request
	byes    chan *sipgo_sip.Request
	dialogs chan *sipgo.DialogServerSession
	ms      *media.Session
	// onInvite answers; it runs in the INVITE's goroutine.
	onInvite func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction)
}

// newUAS starts the peer; setup registers further request handlers before
// it serves.
func newUAS(t *testing.T, network string, on func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction), setup ...func(*uas)) *uas {
	u := &uas{
		peer:     newPeer(t, network),
		invites:  make(chan *sipgo_sip.Request, 8),
		acks:     make(chan *sipgo_sip.Request, 8),
		byes:     make(chan *sipgo_sip.Request, 8),
		dialogs:  make(chan *sipgo.DialogServerSession, 8),
		ms:       peerMedia(t),
		onInvite: on,
	}
	u.srv.OnInvite(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		u.invites <- req
		u.onInvite(u, req, tx)
	})
	u.srv.OnAck(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		u.acks <- req
		_ = u.dsc.ReadAck(req, tx)
	})
	u.srv.OnBye(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		u.byes <- req
		if err := u.dsc.ReadBye(req, tx); err != nil {
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 481, "No Dialog", nil))
		}
	})
	for _, f := range setup {
		f(u)
	}
	u.serve(func() { u.dsc = sipgo.NewDialogServerCache(u.cli, u.contact()) })
	return u
}

// answerWith rings, optionally with early media, then answers with codec
// (static payload type pt) and starts the peer's media.
func answerWith(codec, pt string, early bool) func(*uas, *sipgo_sip.Request, sipgo_sip.ServerTransaction) {
	return func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		d, err := u.dsc.ReadInvite(req, tx)
		if err != nil {
			u.t.Error(err)
			return
		}
		remote, _ := remoteMedia(u.t, req.Body())
		startPeerMedia(u.t, u.ms, codec, remote)
		body := peerSDP(u.ms.LocalAddr().Port, pt+" 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16")
		ct := sipgo_sip.ContentTypeHeader("application/sdp")
		if early {
			if err := d.Respond(183, "Session Progress", body, &ct); err != nil {
				u.t.Error(err)
			}
			time.Sleep(100 * time.Millisecond)
		} else {
			_ = d.Respond(180, "Ringing", nil)
			// sipgo hands each datagram to its own goroutine; give the 180
			// time to be processed before the 200 can overtake it.
			time.Sleep(100 * time.Millisecond)
		}
		u.dialogs <- d
		if err := d.RespondSDP(body); err != nil {
			u.t.Errorf("peer 200: %v", err)
		}
	}
}

func dialConfig(listen string, acc Account) Config {
	if acc.Name == "" {
		acc.Name, acc.User, acc.DisplayName = "fxs1", "2001", "Port One"
	}
	return Config{Listen: []string{listen}, Accounts: []Account{acc}}
}

// TestRFC3261OutgoingCallUDP: INVITE with offer, 180, 200, ACK, audio both
// ways, BYE from us.
func TestRFC3261OutgoingCallUDP(t *testing.T) {
	peer := newUAS(t, "udp", answerWith("PCMU", "0", false))
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, peer.invites, "INVITE")
	body := string(inv.Body())
	for _, want := range []string{"m=audio ", " RTP/AVP 0 8 101\r\n", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv"} {
		if !strings.Contains(body, want) {
			t.Errorf("offer lacks %q:\n%s", want, body)
		}
	}
	if f := inv.From(); f.DisplayName != "Port One" || f.Address.User != "2001" {
		t.Errorf("From %s", f.Value())
	}
	waitEvent(t, c, EventRinging)
	ev := waitEvent(t, c, EventAnswered)
	if ev.Code != 200 {
		t.Errorf("answered with %d", ev.Code)
	}
	ack := recv(t, peer.acks, "ACK")
	if ack.CSeq().SeqNo != inv.CSeq().SeqNo || ack.CallID().Value() != inv.CallID().Value() {
		t.Errorf("ACK CSeq %d Call-ID %s for INVITE %d %s (RFC 3261 13.2.2.4)", ack.CSeq().SeqNo, ack.CallID().Value(), inv.CSeq().SeqNo, inv.CallID().Value())
	}
	if c.Codec() != "PCMU" || c.Media() == nil {
		t.Fatalf("codec %q media %v", c.Codec(), c.Media())
	}
	checkAudioFlows(t, c.Media(), peer.ms, 1000)
	checkAudioFlows(t, peer.ms, c.Media(), 700)

	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	bye := recv(t, peer.byes, "BYE")
	if bye.CallID().Value() != c.ID() {
		t.Errorf("BYE for %s", bye.CallID().Value())
	}
	ev = waitEvent(t, c, EventEnded)
	if ev.Reason != ReasonLocalBye {
		t.Errorf("ended %+v", ev)
	}
	waitClosed(t, c)
}

// TestRFC3261OutgoingCallTCPProxyAuthRemoteBye: a bare number goes to the
// account's proxy over TCP; the proxy challenges with 407 (RFC 3261 22.3),
// the INVITE is repeated with credentials on the same Call-ID and a new
// CSeq; a 183 with SDP starts early media; the far end hangs up.
func TestRFC3261OutgoingCallTCPProxyAuthRemoteBye(t *testing.T) {
	peer := newUAS(t, "tcp", nil)
	answer := answerWith("PCMA", "8", true)
	peer.onInvite = func(p *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		cred := req.GetHeader("Proxy-Authorization")
		if cred == nil || !digestOK("INVITE", "auth2001", "tipring.test", "pw", testNonce, cred.Value()) {
			res := sipgo_sip.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
			res.AppendHeader(sipgo_sip.NewHeader("Proxy-Authenticate", `Digest realm="tipring.test", nonce="`+testNonce+`", qop="auth", algorithm=MD5`))
			_ = tx.Respond(res)
			return
		}
		answer(p, req, tx)
	}
	acc := Account{Name: "fxs1", User: "2001", AuthUser: "auth2001", Password: "pw", Proxy: "sip:" + peer.addr + ";transport=tcp"}
	u, _ := startUA(t, dialConfig("tcp:127.0.0.1:0", acc), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	first := recv(t, peer.invites, "INVITE")
	second := recv(t, peer.invites, "authenticated INVITE")
	if first.Recipient.User != "5551234" || first.Transport() != "TCP" {
		t.Errorf("Request-URI %s over %s", first.Recipient.String(), first.Transport())
	}
	if second.CallID().Value() != first.CallID().Value() || second.CSeq().SeqNo <= first.CSeq().SeqNo {
		t.Errorf("retry Call-ID %s CSeq %d after %s %d", second.CallID().Value(), second.CSeq().SeqNo, first.CallID().Value(), first.CSeq().SeqNo)
	}
	waitEvent(t, c, EventProgress)
	if c.Media() == nil || c.Codec() != "PCMA" {
		t.Fatalf("no early media: codec %q", c.Codec())
	}
	waitEvent(t, c, EventAnswered)
	recv(t, peer.acks, "ACK")
	checkAudioFlows(t, peer.ms, c.Media(), 1000)

	d := recv(t, peer.dialogs, "dialog")
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := d.Bye(ctx); err != nil {
		t.Fatalf("peer BYE: %v", err)
	}
	ev := waitEvent(t, c, EventEnded)
	if ev.Reason != ReasonRemoteBye {
		t.Errorf("ended %+v", ev)
	}
	waitClosed(t, c)
}

func TestRFC3261OutgoingCallBusy(t *testing.T) {
	peer := newUAS(t, "udp", func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, c, EventFailed)
	if ev.Code != 486 {
		t.Errorf("failed with %d %s, want 486", ev.Code, ev.Reason)
	}
	waitClosed(t, c)
}

// TestRFC3261OutgoingCancel: hanging up while the far end rings sends
// CANCEL (RFC 3261 9.1); the far end's INVITE ends with 487.
func TestRFC3261OutgoingCancel(t *testing.T) {
	cancelled := make(chan struct{})
	peer := newUAS(t, "udp", func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		d, err := u.dsc.ReadInvite(req, tx)
		if err != nil {
			u.t.Error(err)
			return
		}
		_ = d.Respond(180, "Ringing", nil)
		select {
		case <-d.Context().Done():
			close(cancelled)
		case <-time.After(waitLong):
		}
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3001"))
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventRinging)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	recv(t, cancelled, "CANCEL at the far end")
	ev := waitEvent(t, c, EventEnded)
	if ev.Code != 487 || ev.Reason != ReasonCancelled {
		t.Errorf("ended %+v", ev)
	}
	waitClosed(t, c)
}

// uac places a call to our UA from a sipgo peer.
type uac struct {
	*peer
	dcs       *sipgo.DialogClientSession
	responses chan int
	byes      chan *sipgo_sip.Request
	ms        *media.Session
	// extra headers for the INVITE, and a hook run on every response to it
	// in WaitAnswer's goroutine.
	extra      []sipgo_sip.Header
	onResponse func(*sipgo_sip.Response)
}

// newUAC starts the peer; setup registers further request handlers before
// it serves.
func newUAC(t *testing.T, network string, setup ...func(*uac)) *uac {
	p := &uac{peer: newPeer(t, network), responses: make(chan int, 16), byes: make(chan *sipgo_sip.Request, 4), ms: peerMedia(t)}
	p.srv.OnBye(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		p.byes <- req
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	for _, f := range setup {
		f(p)
	}
	p.serve()
	return p
}

// call sends an INVITE with body and waits for the final response in the
// background; the result arrives on the returned channel.
func (p *uac) call(ctx context.Context, to sipgo_sip.Uri, body []byte) <-chan error {
	dua := sipgo.DialogUA{Client: p.cli, ContactHDR: p.contact()}
	ct := sipgo_sip.ContentTypeHeader("application/sdp")
	var hdrs []sipgo_sip.Header
	if body != nil {
		hdrs = append(hdrs, &ct)
	}
	from := &sipgo_sip.FromHeader{DisplayName: "Alice", Address: sipgo_sip.Uri{Scheme: "sip", User: "5550100", Host: "127.0.0.1"}, Params: sipgo_sip.NewParams()}
	from.Params.Add("tag", "alice1")
	hdrs = append(hdrs, from)
	hdrs = append(hdrs, p.extra...)
	done := make(chan error, 1)
	dcs, err := dua.Invite(context.Background(), to, body, hdrs...)
	if err != nil {
		done <- err
		return done
	}
	p.dcs = dcs
	go func() {
		done <- dcs.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sipgo_sip.Response) error {
			if p.onResponse != nil {
				p.onResponse(r)
			}
			p.responses <- r.StatusCode
			return nil
		}})
	}()
	return done
}

func finalCode(t *testing.T, done <-chan error) int {
	t.Helper()
	err := recv(t, done, "final response")
	var dr *sipgo.ErrDialogResponse
	if errors.As(err, &dr) {
		return dr.Res.StatusCode
	}
	if err != nil {
		t.Fatalf("INVITE: %v", err)
	}
	return 200
}

// TestRFC3264IncomingCallUDP: 100 and 180 from us, 200 with an answer
// holding one codec (the offerer's first that we support) and
// telephone-event at the offered type, ACK, audio both ways, BYE from them.
func TestRFC3264IncomingCallUDP(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	offer := peerSDP(p.ms.LocalAddr().Port, "18 8 0 96", "a=rtpmap:18 G729/8000", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-16")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), offer)

	c := recv(t, rec.calls, "incoming call")
	if acc := recv(t, rec.account, "account"); acc != "fxs1" || c.Account() != "fxs1" || !c.Incoming() {
		t.Errorf("account %q incoming %v", acc, c.Incoming())
	}
	if r := c.Remote(); r.Number != "5550100" || r.Name != "Alice" {
		t.Errorf("remote %+v", r)
	}
	if err := c.Ringing(); err != nil {
		t.Fatal(err)
	}
	for code := 0; code != 180; {
		code = recv(t, p.responses, "180")
	}
	if err := c.Answer(); err != nil {
		t.Fatal(err)
	}
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	ans := p.dcs.InviteResponse.Body()
	addr, formats := remoteMedia(t, ans)
	if strings.Join(formats, " ") != "8 96" {
		t.Errorf("answer formats %v, want [8 96]:\n%s", formats, ans)
	}
	if !strings.Contains(string(ans), "a=rtpmap:96 telephone-event/8000") {
		t.Errorf("answer lacks telephone-event:\n%s", ans)
	}
	if c.Codec() != "PCMA" {
		t.Errorf("codec %q", c.Codec())
	}
	if err := p.dcs.Ack(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	startPeerMedia(t, p.ms, "PCMA", addr)
	checkAudioFlows(t, p.ms, c.Media(), 1000)
	checkAudioFlows(t, c.Media(), p.ms, 700)

	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := p.dcs.Bye(ctx); err != nil {
		t.Fatalf("BYE: %v", err)
	}
	ev := waitEvent(t, c, EventEnded)
	if ev.Reason != ReasonRemoteBye {
		t.Errorf("ended %+v", ev)
	}
	waitClosed(t, c)
}

// TestRFC3261IncomingCallTCPLocalBye: over TCP, answered at once, then we
// hang up with BYE to the caller's Contact.
func TestRFC3261IncomingCallTCPLocalBye(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("tcp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "tcp")
	done := p.call(context.Background(), ourURI(u, "2001", "tcp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "incoming call")
	if err := c.Answer(); err != nil {
		t.Fatal(err)
	}
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	if err := p.dcs.Ack(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	if c.Codec() != "PCMU" {
		t.Errorf("codec %q", c.Codec())
	}
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	bye := recv(t, p.byes, "BYE")
	if bye.CallID().Value() != c.ID() || bye.Transport() != "TCP" {
		t.Errorf("BYE %s over %s", bye.CallID().Value(), bye.Transport())
	}
	waitEvent(t, c, EventEnded)
	waitClosed(t, c)
}

func TestRFC3261IncomingReject486(t *testing.T) {
	rec := newRecorder(func(c *Call) {
		if err := c.Reject(486, "Busy Here"); err != nil {
			panic(err)
		}
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	if code := finalCode(t, done); code != 486 {
		t.Errorf("final %d, want 486", code)
	}
	c := recv(t, rec.calls, "call")
	ev := waitEvent(t, c, EventEnded)
	if ev.Code != 486 {
		t.Errorf("ended %+v", ev)
	}
}

// TestRFC3261IncomingCancel: the caller gives up while we ring (RFC 3261
// 9.2): 200 to the CANCEL, 487 to the INVITE, EventEnded with 487.
func TestRFC3261IncomingCancel(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Ringing() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	ctx, cancel := context.WithCancel(context.Background())
	done := p.call(ctx, ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	for code := 0; code != 180; {
		code = recv(t, p.responses, "180")
	}
	cancel()
	if err := recv(t, done, "cancelled INVITE"); !errors.Is(err, context.Canceled) {
		t.Errorf("caller: %v", err)
	}
	if r := p.dcs.InviteResponse; r == nil || r.StatusCode != 487 {
		t.Errorf("INVITE final response %v, want 487", r)
	}
	ev := waitEvent(t, c, EventEnded)
	if ev.Code != 487 || ev.Reason != ReasonCancelled {
		t.Errorf("ended %+v", ev)
	}
	if err := c.Answer(); err == nil {
		t.Error("Answer after CANCEL succeeded")
	}
}

func TestRFC3264IncomingNoCommonCodec488(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "18 9", "a=rtpmap:18 G729/8000"))
	if code := finalCode(t, done); code != 488 {
		t.Errorf("final %d, want 488", code)
	}
	select {
	case <-rec.calls:
		t.Error("handler saw a call without a common codec")
	default:
	}
}

func TestRFC3261IncomingUnknownUser404(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "9999", "udp"), peerSDP(p.ms.LocalAddr().Port, "0"))
	if code := finalCode(t, done); code != 404 {
		t.Errorf("final %d, want 404", code)
	}
}

func TestRFC4566IncomingMalformedSDP(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), []byte("v=0\r\nthis is not sdp\r\n"))
	if code := finalCode(t, done); code != 400 && code != 488 {
		t.Errorf("final %d, want 400 or 488", code)
	}
}

func TestRFC3261Options(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	p := newPeer(t, "udp")
	p.serve()
	req := sipgo_sip.NewRequest(sipgo_sip.OPTIONS, ourURI(u, "2001", "udp"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := p.cli.Do(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	allow := res.GetHeader("Allow")
	if res.StatusCode != 200 || allow == nil || !strings.Contains(allow.Value(), "INVITE") || !strings.Contains(allow.Value(), "BYE") {
		t.Errorf("OPTIONS answered %d, Allow %v", res.StatusCode, allow)
	}
}

// TestRFC3264IncomingReInviteHold: the caller puts us on hold with a
// re-INVITE offering sendonly from a new RTP port (RFC 3264 8.4); we answer
// recvonly with the same codec and send nothing (RFC 3264 6.1). The caller
// resumes with sendrecv and our audio reaches the new port.
func TestRFC3264IncomingReInviteHold(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	p := newUAC(t, "udp")
	done := p.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(p.ms.LocalAddr().Port, "0 8"))
	c := recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	if err := p.dcs.Ack(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)

	moved := peerMedia(t)
	res := p.reInvite(t, peerSDP(moved.LocalAddr().Port, "0", "a=sendonly"))
	ans := string(res.Body())
	if _, formats := remoteMedia(t, res.Body()); strings.Join(formats, " ") != "0" || !strings.Contains(ans, "a=recvonly") {
		t.Errorf("hold answer:\n%s", ans)
	}
	if _, remote := c.HoldState(); !remote {
		t.Error("HoldState does not report the remote hold")
	}
	startPeerMedia(t, moved, "PCMU", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: c.Media().LocalAddr().Port})
	checkSilent(t, c.Media(), moved)

	res = p.reInvite(t, peerSDP(moved.LocalAddr().Port, "0"))
	if !strings.Contains(string(res.Body()), "a=sendrecv") {
		t.Errorf("resume answer:\n%s", res.Body())
	}
	checkAudioFlows(t, c.Media(), moved, 1000)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	recv(t, p.byes, "BYE")
	waitEvent(t, c, EventEnded)
}

// reInvite sends a re-INVITE with body in the peer's dialog, ACKs a 2xx
// and returns the final response.
func (p *uac) reInvite(t *testing.T, body []byte, hdrs ...sipgo_sip.Header) *sipgo_sip.Response {
	t.Helper()
	req := sipgo_sip.NewRequest(sipgo_sip.INVITE, p.dcs.InviteResponse.Contact().Address)
	ct := sipgo_sip.ContentTypeHeader("application/sdp")
	req.AppendHeader(&ct)
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	req.SetBody(body)
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	tx, err := p.dcs.TransactionRequest(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	var res *sipgo_sip.Response
	for res == nil || res.IsProvisional() {
		res = recv(t, tx.Responses(), "re-INVITE response")
	}
	if res.IsSuccess() {
		ack := sipgo_sip.NewRequest(sipgo_sip.ACK, p.dcs.InviteResponse.Contact().Address)
		ack.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sipgo_sip.ACK})
		if err := p.dcs.WriteRequest(ack); err != nil {
			t.Fatal(err)
		}
	}
	return res
}

// checkSilent pushes audio into from for half a second and checks that
// none of it reaches to.
func checkSilent(t *testing.T, from, to *media.Session) {
	t.Helper()
	before := to.Stats().PacketsReceived
	frame := make([]int16, 160)
	for i := range frame {
		frame[i] = 8000
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < 25; i++ {
		<-tick.C
		from.Push(frame)
	}
	time.Sleep(100 * time.Millisecond)
	if n := to.Stats().PacketsReceived - before; n != 0 {
		t.Errorf("%d RTP packets sent while the stream is not ours to send (stats %+v)", n, from.Stats())
	}
}
