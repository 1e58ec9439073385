package sip

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// answeredUAC sets up a call from a sipgo caller to our UA, answered.
func answeredUAC(t *testing.T, rec Handler, calls <-chan *Call, setup ...func(*uac)) (*UA, *uac, *Call) {
	t.Helper()
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	a := newUAC(t, "udp", setup...)
	done := a.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a.ms.LocalAddr().Port, "0"))
	c := recv(t, calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	return u, a, c
}

// TestRFC6086InfoDTMF: digits in INFO with application/dtmf-relay bodies
// are received (Signal and Duration) and sent; other body types get 415.
func TestRFC6086InfoDTMF(t *testing.T) {
	infos := make(chan *sipgo_sip.Request, 4)
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	_, a, c := answeredUAC(t, rec, rec.calls, func(p *uac) {
		p.srv.OnInfo(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			infos <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	})
	send := func(ctype, body string) int {
		req := sipgo_sip.NewRequest(sipgo_sip.INFO, a.dcs.InviteResponse.Contact().Address)
		ct := sipgo_sip.ContentTypeHeader(ctype)
		req.AppendHeader(&ct)
		req.SetBody([]byte(body))
		ctx, cancel := context.WithTimeout(context.Background(), waitLong)
		defer cancel()
		res, err := a.dcs.Do(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode
	}
	if code := send("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"); code != 200 {
		t.Fatalf("INFO answered %d", code)
	}
	if code := send("application/dtmf-relay", "Signal=11\r\nDuration=100\r\n"); code != 200 {
		t.Fatalf("INFO answered %d", code)
	}
	if code := send("text/plain", "hello"); code != 415 {
		t.Errorf("text/plain INFO answered %d, want 415", code)
	}
	for _, want := range []InfoDTMF{{'5', 160 * time.Millisecond}, {'#', 100 * time.Millisecond}} {
		d, ok := c.PollInfoDTMF()
		if !ok || d != want {
			t.Errorf("PollInfoDTMF = %+v %v, want %+v", d, ok, want)
		}
	}
	if err := c.SendInfoDTMF('*', 250*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	in := recv(t, infos, "INFO")
	if ct := hdrValue(in, "Content-Type"); ct != "application/dtmf-relay" || string(in.Body()) != "Signal=*\r\nDuration=250\r\n" {
		t.Errorf("sent INFO %s:\n%s", ct, in.Body())
	}
	_ = c.Hangup()
}

// TestRFC3261OptionsKeepalive: OPTIONS probes track a proxy's state: up
// while it answers, down when it stops, up again when it is back.
func TestRFC3261OptionsKeepalive(t *testing.T) {
	var alive atomic.Bool
	alive.Store(true)
	var probes atomic.Int32
	p := newPeer(t, "udp")
	p.srv.OnOptions(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		probes.Add(1)
		if alive.Load() {
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
		}
	})
	p.serve()
	cfg := dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", Proxy: "sip:" + p.addr})
	cfg.Accounts = append(cfg.Accounts, Account{Name: "fxs2", User: "2002", Proxy: "sip:" + p.addr})
	cfg.Keepalive = 300 * time.Millisecond
	u, _ := startUA(t, cfg, newRecorder(nil))
	waitUp := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(waitLong)
		for time.Now().Before(deadline) {
			s := u.Servers()
			if len(s) == 1 && s[0].Up == want && !s[0].Since.IsZero() {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("server never up=%v: %+v", want, u.Servers())
	}
	waitUp(true)
	if s := u.Servers()[0]; s.URI != "sip:"+p.addr || s.LastCode != 200 || !slices.Equal(s.Accounts, []string{"fxs1", "fxs2"}) {
		t.Errorf("status %+v", s)
	}
	alive.Store(false)
	waitUp(false)
	alive.Store(true)
	waitUp(true)
	if probes.Load() < 3 {
		t.Errorf("%d probes", probes.Load())
	}
}

// TestRFC3325CallerIdentity: P-Asserted-Identity and Privacy reach
// Identity(), Alert-Info reaches AlertInfo(), and Forwarded sends 181 with
// a Diversion header.
func TestRFC3325CallerIdentity(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	a := newUAC(t, "udp")
	var diversion string
	a.onResponse = func(r *sipgo_sip.Response) {
		if r.StatusCode == 181 {
			diversion = hdrValue(r, "Diversion")
		}
	}
	a.extra = []sipgo_sip.Header{
		sipgo_sip.NewHeader("P-Asserted-Identity", `"Jane Roe" <sip:+15551230000@carrier.test;user=phone>, <tel:+15551230000>`),
		sipgo_sip.NewHeader("Privacy", "id"),
		sipgo_sip.NewHeader("Alert-Info", "<http://127.0.0.1/Bellcore-dr2>"),
	}
	done := a.call(context.Background(), ourURI(u, "2001", "udp"), peerSDP(a.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if id := c.Identity(); id != (Identity{Number: "+15551230000", Name: "Jane Roe", Private: true}) {
		t.Errorf("Identity %+v", id)
	}
	if ai := c.AlertInfo(); ai != "<http://127.0.0.1/Bellcore-dr2>" {
		t.Errorf("AlertInfo %q", ai)
	}
	if err := c.Forwarded("<sip:2001@127.0.0.1>;reason=unconditional"); err != nil {
		t.Fatal(err)
	}
	for code := 0; code != 181; {
		code = recv(t, a.responses, "181")
	}
	if diversion != "<sip:2001@127.0.0.1>;reason=unconditional" {
		t.Errorf("181 Diversion %q", diversion)
	}
	_ = c.Reject(486, "")
	if code := finalCode(t, done); code != 486 {
		t.Errorf("final %d", code)
	}
}

func TestIdentityOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdrs [][2]string
		from string
		want Identity
	}{
		{"from only", nil, `"Bob" <sip:5550199@a.test>`, Identity{Number: "5550199", Name: "Bob"}},
		{"anonymous from", nil, `"Anonymous" <sip:anonymous@anonymous.invalid>`, Identity{Private: true}},
		{"pai tel", [][2]string{{"P-Asserted-Identity", "<tel:+4930123;phone-context=x>"}}, `<sip:x@a.test>`, Identity{Number: "+4930123"}},
		{"pai name from second", [][2]string{{"P-Asserted-Identity", `<sip:200@a.test>, "Desk" <tel:200>`}}, `<sip:x@a.test>`, Identity{Number: "200", Name: "Desk"}},
		{"rpid privacy full", [][2]string{{"Remote-Party-ID", `"Al" <sip:300@a.test>;party=calling;privacy=full;screen=yes`}}, `<sip:x@a.test>`, Identity{Number: "300", Name: "Al", Private: true}},
		{"rpid privacy off", [][2]string{{"Remote-Party-ID", `<sip:301@a.test>;privacy=off`}}, `<sip:x@a.test>`, Identity{Number: "301"}},
		{"privacy user", [][2]string{{"Privacy", "user; critical"}}, `"C" <sip:302@a.test>`, Identity{Number: "302", Name: "C", Private: true}},
		{"privacy none", [][2]string{{"Privacy", "none"}}, `"C" <sip:303@a.test>`, Identity{Number: "303", Name: "C"}},
		{"pai wins over rpid", [][2]string{{"Remote-Party-ID", `<sip:1@a.test>`}, {"P-Asserted-Identity", `<sip:2@a.test>`}}, `<sip:x@a.test>`, Identity{Number: "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "INVITE sip:2001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n" +
				"From: " + tc.from + ";tag=1\r\nTo: <sip:2001@127.0.0.1>\r\nCall-ID: 1@x\r\nCSeq: 1 INVITE\r\n"
			for _, h := range tc.hdrs {
				raw += h[0] + ": " + h[1] + "\r\n"
			}
			raw += "Content-Length: 0\r\n\r\n"
			msg, err := sipgo_sip.NewParser().ParseSIP([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			if got := identityOf(msg.(*sipgo_sip.Request), true); got != tc.want {
				t.Errorf("identity %+v, want %+v", got, tc.want)
			}
		})
	}
}

type mwiRecorder struct {
	*recorder
	mwi chan [4]int
	acc chan string
}

func (r *mwiRecorder) OnMWI(account string, waiting bool, newMsgs, oldMsgs int) {
	w := 0
	if waiting {
		w = 1
	}
	r.acc <- account
	r.mwi <- [4]int{w, newMsgs, oldMsgs}
}

// TestRFC3842MWI: an account with MWI subscribes to message-summary at its
// server (Event, Accept, Expires) and NOTIFYs in that subscription reach
// MWIHandler; an unsubscribe (Expires: 0) goes out at shutdown.
func TestRFC3842MWI(t *testing.T) {
	subs := make(chan *sipgo_sip.Request, 4)
	p := newPeer(t, "udp")
	p.srv.OnSubscribe(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		subs <- req
		res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
		if !req.To().Params.Has("tag") {
			res.To().Params.Add("tag", "mbox1")
		}
		res.AppendHeader(sipgo_sip.NewHeader("Expires", "600"))
		_ = tx.Respond(res)
	})
	p.serve()
	rec := &mwiRecorder{recorder: newRecorder(nil), mwi: make(chan [4]int, 2), acc: make(chan string, 2)}
	cfg := dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", Proxy: "sip:" + p.addr, MWI: true})
	_, stop := startUA(t, cfg, rec)
	sub := recv(t, subs, "SUBSCRIBE")
	if ev, acc, exp := hdrValue(sub, "Event"), hdrValue(sub, "Accept"), hdrValue(sub, "Expires"); ev != "message-summary" || acc != "application/simple-message-summary" || exp != "3600" {
		t.Errorf("SUBSCRIBE Event %q Accept %q Expires %q", ev, acc, exp)
	}
	notify := sipgo_sip.NewRequest(sipgo_sip.NOTIFY, sub.Contact().Address)
	to := sub.From().AsTo()
	from := sub.To().AsFrom()
	from.Params.Add("tag", "mbox1")
	notify.AppendHeader(&from)
	notify.AppendHeader(&to)
	notify.AppendHeader(sipgo_sip.HeaderClone(sub.CallID()))
	notify.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: 1, MethodName: sipgo_sip.NOTIFY})
	notify.AppendHeader(sipgo_sip.NewHeader("Event", "message-summary"))
	notify.AppendHeader(sipgo_sip.NewHeader("Subscription-State", "active;expires=600"))
	ct := sipgo_sip.ContentTypeHeader("application/simple-message-summary")
	notify.AppendHeader(&ct)
	notify.SetBody([]byte("Messages-Waiting: yes\r\nMessage-Account: sip:2001@127.0.0.1\r\nVoice-Message: 2/8 (0/2)\r\n"))
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	res, err := p.cli.Do(ctx, notify)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("NOTIFY answered %d", res.StatusCode)
	}
	if acc, got := recv(t, rec.acc, "OnMWI"), recv(t, rec.mwi, "OnMWI"); acc != "fxs1" || got != [4]int{1, 2, 8} {
		t.Errorf("OnMWI(%s, %v)", acc, got)
	}
	stop()
	unsub := recv(t, subs, "unSUBSCRIBE")
	if hdrValue(unsub, "Expires") != "0" || unsub.CallID().Value() != sub.CallID().Value() {
		t.Errorf("unsubscribe Expires %q Call-ID %s", hdrValue(unsub, "Expires"), unsub.CallID().Value())
	}
	if tag, _ := unsub.To().Params.Get("tag"); tag != "mbox1" {
		t.Errorf("unsubscribe outside the dialog: To tag %q", tag)
	}
}

func TestRFC3842ParseMessageSummary(t *testing.T) {
	for body, want := range map[string]MessageSummary{
		"Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n":              {Waiting: true, New: 2, Old: 8},
		"Messages-Waiting: no\r\n":                                           {},
		"messages-waiting: YES\nFax-Message: 1/0\nVoice-Message: 3/4\n":      {Waiting: true, New: 3, Old: 4},
		"Messages-Waiting: yes\r\nFax-Message: 1/2\r\n":                      {Waiting: true, New: 1, Old: 2},
		"Messages-Waiting: no\r\nMessage-Account: sip:alice@example.com\r\n": {},
	} {
		got, err := ParseMessageSummary([]byte(body))
		if err != nil || got != want {
			t.Errorf("%q: %+v %v, want %+v", body, got, err, want)
		}
	}
	for _, bad := range []string{"", "Voice-Message: 1/2\r\n", "Messages-Waiting: maybe\r\n", "Messages-Waiting: yes\r\nVoice-Message: x/2\r\n"} {
		if _, err := ParseMessageSummary([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestInfoDTMFBodies(t *testing.T) {
	for body, want := range map[string]InfoDTMF{
		"Signal=5\r\nDuration=160\r\n":  {'5', 160 * time.Millisecond},
		"Signal= *\nDuration= 80":       {'*', 80 * time.Millisecond},
		"Signal=10\r\n":                 {'*', 0},
		"Signal=16\r\nDuration=500\r\n": {'!', 500 * time.Millisecond},
		"signal=d\r\n":                  {'D', 0},
	} {
		got, ok := parseDTMFRelay([]byte(body))
		if !ok || got != want {
			t.Errorf("%q: %+v %v, want %+v", body, got, ok, want)
		}
	}
	for _, bad := range []string{"", "Duration=100", "Signal=E", "Signal=17", "Signal=55"} {
		if _, ok := parseDTMFRelay([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRFC3515ParseReferTo(t *testing.T) {
	u, rep, err := parseReferTo(`"X" <sip:3003@127.0.0.1:5070;transport=tcp?Replaces=abc%40h%3Bto-tag%3D1%3Bfrom-tag%3D2&Foo=bar>`)
	if err != nil || u.User != "3003" || u.Port != 5070 || rep != "abc@h;to-tag=1;from-tag=2" {
		t.Errorf("got %s %q %v", u.String(), rep, err)
	}
	if !strings.Contains(u.String(), "transport=tcp") {
		t.Errorf("lost URI params: %s", u.String())
	}
	for _, bad := range []string{"", "<sip:>", "<tel:+1234>", "<sip:1@h", "<sip:1@h?Replaces=%zz>"} {
		if _, _, err := parseReferTo(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
