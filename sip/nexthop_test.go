package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"math"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// rawServer is a SIP server on a bare UDP socket, without a transaction
// layer (so no automatic 100 Trying): handle chooses the responses to each
// request, nil being silence, like a dead server.
type rawServer struct {
	t    *testing.T
	conn net.PacketConn
	port int
	reqs chan *sipgo_sip.Request

	mu     sync.Mutex
	handle func(*sipgo_sip.Request) []*sipgo_sip.Response
}

func newRawServer(t *testing.T, handle func(*sipgo_sip.Request) []*sipgo_sip.Response) *rawServer {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{t: t, conn: conn, port: conn.LocalAddr().(*net.UDPAddr).Port, reqs: make(chan *sipgo_sip.Request, 64), handle: handle}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			msg, err := sipgo_sip.ParseMessage(append([]byte(nil), buf[:n]...))
			if err != nil {
				continue // a keepalive or garbage
			}
			req, ok := msg.(*sipgo_sip.Request)
			if !ok {
				continue
			}
			select {
			case s.reqs <- req:
			default:
			}
			s.mu.Lock()
			h := s.handle
			s.mu.Unlock()
			if h == nil {
				continue
			}
			for _, res := range h(req) {
				_, _ = conn.WriteTo([]byte(res.String()), from)
			}
		}
	}()
	return s
}

func (s *rawServer) setHandler(h func(*sipgo_sip.Request) []*sipgo_sip.Response) {
	s.mu.Lock()
	s.handle = h
	s.mu.Unlock()
}

// next waits for the next request of method, skipping others.
func (s *rawServer) next(method sipgo_sip.RequestMethod) *sipgo_sip.Request {
	s.t.Helper()
	deadline := time.After(waitLong)
	for {
		select {
		case r := <-s.reqs:
			if r.Method == method {
				return r
			}
		case <-deadline:
			s.t.Fatalf("no %s at 127.0.0.1:%d", method, s.port)
			return nil
		}
	}
}

// seenCallIDs drains the requests received so far and returns their
// Call-IDs by method.
func (s *rawServer) seenCallIDs(method sipgo_sip.RequestMethod) map[string]bool {
	out := map[string]bool{}
	for {
		select {
		case r := <-s.reqs:
			if r.Method == method {
				out[r.CallID().Value()] = true
			}
		default:
			return out
		}
	}
}

// respondInvite answers INVITEs with code, and CANCEL with 200 and 487
// (RFC 3261 9.2); ACKs get nothing.
func respondInvite(code int, reason string, hdrs ...sipgo_sip.Header) func(*sipgo_sip.Request) []*sipgo_sip.Response {
	var mu sync.Mutex
	invites := map[string]*sipgo_sip.Request{}
	return func(req *sipgo_sip.Request) []*sipgo_sip.Response {
		switch req.Method {
		case sipgo_sip.INVITE:
			mu.Lock()
			invites[req.CallID().Value()] = req
			mu.Unlock()
			res := sipgo_sip.NewResponseFromRequest(req, code, reason, nil)
			if code > 100 {
				res.To().Params.Add("tag", "raw1")
			}
			for _, h := range hdrs {
				res.AppendHeader(h)
			}
			return []*sipgo_sip.Response{res}
		case sipgo_sip.CANCEL:
			out := []*sipgo_sip.Response{sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)}
			mu.Lock()
			inv := invites[req.CallID().Value()]
			mu.Unlock()
			if inv != nil {
				r := sipgo_sip.NewResponseFromRequest(inv, 487, "Request Terminated", nil)
				r.To().Params.Add("tag", "raw1")
				out = append(out, r)
			}
			return out
		}
		return nil
	}
}

// registerOK grants REGISTERs for an hour without a challenge.
func registerOK(req *sipgo_sip.Request) *sipgo_sip.Response {
	res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
	if c := req.Contact(); c != nil {
		cc := c.Clone()
		cc.Params = sipgo_sip.NewParams()
		cc.Params.Add("expires", "3600")
		res.AppendHeader(cc)
	}
	return res
}

// sbcDNS serves sbc.test: NAPTR for UDP, SRV priority 10 on primary and 20
// on backup, both on 127.0.0.1.
func sbcDNS(t *testing.T, name string, primary, backup int) *dnsServer {
	return newDNSServer(t,
		fmt.Sprintf(`%s. 60 IN NAPTR 10 10 "s" "SIP+D2U" "" _sip._udp.%s.`, name, name),
		fmt.Sprintf(`_sip._udp.%s. 60 IN SRV 10 10 %d a.%s.`, name, primary, name),
		fmt.Sprintf(`_sip._udp.%s. 60 IN SRV 20 10 %d b.%s.`, name, backup, name),
		fmt.Sprintf(`a.%s. 60 IN A 127.0.0.1`, name),
		fmt.Sprintf(`b.%s. 60 IN A 127.0.0.1`, name),
	)
}

// sbcTrunk is a UA with a trunk to sip:sbc.test and no registration.
func sbcTrunk(t *testing.T, d *dnsServer, hopTimeout time.Duration) *UA {
	cfg := Config{
		Listen:    []string{"udp:127.0.0.1:0"},
		Accounts:  []Account{{Name: "itsp", Trunk: true, User: "gw", Proxy: "sip:sbc.test"}},
		DNSServer: d.addr, hopTimeout: hopTimeout,
	}
	u, _ := startUA(t, cfg, newRecorder(nil))
	return u
}

// hangUpAt hangs c up and waits for its BYE at u and its end.
func hangUpAt(t *testing.T, c *Call, u *uas) {
	t.Helper()
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	recv(t, u.byes, "BYE at "+u.addr)
	waitEvent(t, c, EventEnded)
}

// TestRFC3263InviteFailoverSilentPrimary: a trunk's proxy given by name is
// found through NAPTR → SRV → A; the priority-10 server never answers, so
// after one hop timeout (no provisional response) the INVITE goes to the
// priority-20 server as a new transaction of the same call (same Call-ID
// and From tag, new branch, next CSeq) and the call is answered there. The
// next call goes straight to the live server.
func TestRFC3263InviteFailoverSilentPrimary(t *testing.T) {
	primary := newRawServer(t, nil)
	backup := newUAS(t, "udp", answerWith("PCMU", "0", false))
	d := sbcDNS(t, "sbc.test", primary.port, backup.port)
	u := sbcTrunk(t, d, time.Second)

	c, err := u.Dial(context.Background(), "itsp", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	first := primary.next(sipgo_sip.INVITE)
	second := recv(t, backup.invites, "INVITE at the priority-20 server")
	if first.Recipient.Host != "sbc.test" || second.Recipient.String() != first.Recipient.String() {
		t.Errorf("Request-URI %s then %s, want sip:5551234@sbc.test both times", first.Recipient.String(), second.Recipient.String())
	}
	if first.CallID().Value() != second.CallID().Value() {
		t.Error("failover changed the Call-ID")
	}
	ft1, _ := first.From().Params.Get("tag")
	ft2, _ := second.From().Params.Get("tag")
	if ft1 != ft2 || ft1 == "" {
		t.Errorf("From tags %q and %q", ft1, ft2)
	}
	b1, _ := first.Via().Params.Get("branch")
	b2, _ := second.Via().Params.Get("branch")
	if b1 == b2 {
		t.Error("the retried INVITE reused the branch: not a new transaction")
	}
	if second.CSeq().SeqNo != first.CSeq().SeqNo+1 {
		t.Errorf("CSeq %d then %d", first.CSeq().SeqNo, second.CSeq().SeqNo)
	}
	if d.asked("sbc.test. NAPTR") == 0 || d.asked("_sip._udp.sbc.test. SRV") == 0 {
		t.Errorf("resolution skipped a step: %v", d.asks)
	}
	waitEvent(t, c, EventAnswered)
	recv(t, backup.acks, "ACK at the priority-20 server")
	checkAudioFlows(t, c.Media(), backup.ms, 1000)
	hangUpAt(t, c, backup)

	// The dead hop is remembered: the next call does not wait for it.
	c2, err := u.Dial(context.Background(), "itsp", "5551235")
	if err != nil {
		t.Fatal(err)
	}
	if inv := recv(t, backup.invites, "second INVITE"); inv.CSeq().SeqNo != 1 {
		t.Errorf("second call reached the backup with CSeq %d, want its first INVITE", inv.CSeq().SeqNo)
	}
	waitEvent(t, c2, EventAnswered)
	recv(t, backup.acks, "second ACK")
	if primary.seenCallIDs(sipgo_sip.INVITE)[c2.ID()] {
		t.Error("the second call tried the dead primary first")
	}
	hangUpAt(t, c2, backup)
}

// TestRFC3263Invite503Failover: 503 Service Unavailable from the
// priority-10 server sends the INVITE on to the priority-20 one at once
// (RFC 3263 4.3), without waiting for a timeout: the hop timeout is an
// hour, far beyond how long the test waits for the backup's INVITE.
func TestRFC3263Invite503Failover(t *testing.T) {
	primary := newRawServer(t, respondInvite(503, "Service Unavailable"))
	backup := newUAS(t, "udp", answerWith("PCMU", "0", false))
	d := sbcDNS(t, "sbc.test", primary.port, backup.port)
	u := sbcTrunk(t, d, time.Hour)

	c, err := u.Dial(context.Background(), "itsp", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	primary.next(sipgo_sip.INVITE)
	primary.next(sipgo_sip.ACK) // the 503 is acknowledged (RFC 3261 17.1.1.3)
	recv(t, backup.invites, "INVITE at the priority-20 server")
	waitEvent(t, c, EventAnswered)
	recv(t, backup.acks, "ACK at the backup")
	hangUpAt(t, c, backup)
}

// TestRFC3263InviteCommittedAfterRinging: a server that sent 180 Ringing
// holds the call: no failover when it then stays silent past the hop
// timeout, and our CANCEL goes to it.
func TestRFC3263InviteCommittedAfterRinging(t *testing.T) {
	primary := newRawServer(t, respondInvite(180, "Ringing"))
	backup := newUAS(t, "udp", answerWith("PCMU", "0", false))
	d := sbcDNS(t, "sbc.test", primary.port, backup.port)
	hopTimeout := 500 * time.Millisecond
	u := sbcTrunk(t, d, hopTimeout)

	c, err := u.Dial(context.Background(), "itsp", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	primary.next(sipgo_sip.INVITE)
	waitEvent(t, c, EventRinging)
	time.Sleep(4 * hopTimeout)
	select {
	case <-backup.invites:
		t.Fatal("failover after 180 Ringing")
	default:
	}
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	primary.next(sipgo_sip.CANCEL)
	waitEvent(t, c, EventEnded)
}

// TestRFC2782InviteHopWeights: two SRV records of equal priority with
// weights 3 and 1 come first in proportion to their weights over many
// resolutions of a trunk's next hop; the priority-20 record is always
// last.
func TestRFC2782InviteHopWeights(t *testing.T) {
	d := newDNSServer(t,
		`sbc.test. 60 IN NAPTR 10 10 "s" "SIP+D2U" "" _sip._udp.sbc.test.`,
		`_sip._udp.sbc.test. 60 IN SRV 10 3 5070 a.sbc.test.`,
		`_sip._udp.sbc.test. 60 IN SRV 10 1 5071 b.sbc.test.`,
		`_sip._udp.sbc.test. 60 IN SRV 20 10 5072 c.sbc.test.`,
		`a.sbc.test. 60 IN A 127.0.0.1`,
		`b.sbc.test. 60 IN A 127.0.0.1`,
		`c.sbc.test. 60 IN A 127.0.0.1`,
	)
	u := sbcTrunk(t, d, 0)
	a := u.account("itsp")
	const n = 400
	firsts := map[string]int{}
	for range n {
		hs := u.inviteHops(context.Background(), a, a.proxy, false)
		if len(hs) != 3 || hs[2].Addr != "127.0.0.1:5072" {
			t.Fatalf("hops %v", hs)
		}
		firsts[hs[0].Addr]++
	}
	// Binomial(400, 0.75): the standard deviation is 0.022; 0.1 is over
	// four of them.
	if got := float64(firsts["127.0.0.1:5070"]) / n; math.Abs(got-0.75) > 0.1 {
		t.Errorf("weight-3 record first %.2f of the time, want 0.75 (%v)", got, firsts)
	}
}

// TestRFC3263DeadHopOrder: a hop that failed goes to the back of the list
// until its hold time has passed.
func TestRFC3263DeadHopOrder(t *testing.T) {
	a, b, c := hop{"UDP", "127.0.0.1:1"}, hop{"UDP", "127.0.0.1:2"}, hop{"TCP", "127.0.0.1:3"}
	var d deadHops
	now := time.Unix(1000, 0)
	d.mark(a, now, time.Minute)
	if got := d.order([]hop{a, b, c}, now.Add(time.Second)); fmt.Sprint(got) != fmt.Sprint([]hop{b, c, a}) {
		t.Errorf("order %v", got)
	}
	if got := d.order([]hop{a, b, c}, now.Add(time.Minute)); fmt.Sprint(got) != fmt.Sprint([]hop{a, b, c}) {
		t.Errorf("after the hold: %v", got)
	}
	d.mark(b, now, time.Minute)
	d.alive(b)
	if got := d.order([]hop{b, c}, now); got[0] != b {
		t.Errorf("a hop that answered stays at the back: %v", got)
	}
}

// TestRFC3263CallLeavesDeadRegistrar: the server holding the account's
// registration dies; the next call, placed before the registration has
// noticed, reaches the priority-20 server after one hop timeout instead of
// failing after Timer B, and the registration is still on the primary.
func TestRFC3263CallLeavesDeadRegistrar(t *testing.T) {
	primary := newRawServer(t, func(req *sipgo_sip.Request) []*sipgo_sip.Response {
		if req.Method == sipgo_sip.REGISTER {
			return []*sipgo_sip.Response{registerOK(req)}
		}
		return nil
	})
	backup := newUAS(t, "udp", answerWith("PCMU", "0", false), func(u *uas) {
		u.srv.OnRegister(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) { _ = tx.Respond(registerOK(req)) })
	})
	d := sbcDNS(t, "pbx.test", primary.port, backup.port)
	cfg := Config{
		Listen:    []string{"udp:127.0.0.1:0"},
		Accounts:  []Account{{Name: "fxs1", User: "2001", Registrar: "sip:pbx.test", Expires: time.Hour}},
		DNSServer: d.addr, hopTimeout: time.Second,
	}
	u, _ := startUA(t, cfg, newRecorder(nil))
	onPrimary := "udp:127.0.0.1:" + strconv.Itoa(primary.port)
	waitAddr(t, u, onPrimary)

	primary.setHandler(nil) // dead
	c, err := u.Dial(context.Background(), "fxs1", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	primary.next(sipgo_sip.INVITE)
	inv := recv(t, backup.invites, "INVITE at the backup")
	if inv.Recipient.User != "5551234" {
		t.Errorf("INVITE for %s", inv.Recipient.String())
	}
	waitEvent(t, c, EventAnswered)
	recv(t, backup.acks, "ACK at the backup")
	if st := u.Registrations()[0]; st.Addr != onPrimary {
		t.Errorf("registration moved to %s before the call: the call did not fail over by itself", st.Addr)
	}
	hangUpAt(t, c, backup)
}

// TestSIPpRFC3263InviteFailover: SIPp is the priority-20 server of a
// trunk whose priority-10 server is silent; it checks that the INVITE it
// gets is the call's second (CSeq 2), answers, echoes the audio and takes
// our BYE.
func TestSIPpRFC3263InviteFailover(t *testing.T) {
	primary := newRawServer(t, nil)
	s := startSIPp(t, "uas_failover.xml")
	d := sbcDNS(t, "sbc.test", primary.port, s.port)
	u := sbcTrunk(t, d, time.Second)
	c, err := u.Dial(context.Background(), "itsp", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	primary.next(sipgo_sip.INVITE)
	waitEvent(t, c, EventAnswered)
	checkAudioFlows(t, c.Media(), c.Media(), 1000)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}

// tlsBusy is a TLS SIP server with cert that refuses INVITEs with 486; a
// failed handshake leaves it unseen.
func tlsBusy(t *testing.T, certFile, keyFile string) (*peer, chan *sipgo_sip.Request) {
	t.Helper()
	p := newPeer(t, "tls")
	invites := make(chan *sipgo_sip.Request, 4)
	p.srv.OnInvite(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		invites <- req
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	p.srv.OnAck(func(*sipgo_sip.Request, sipgo_sip.ServerTransaction) {})
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	p.addr, p.port = ln.Addr().String(), ln.Addr().(*net.TCPAddr).Port
	go func() { _ = p.srv.ServeTLS(ln) }()
	t.Cleanup(func() { _ = ln.Close(); _ = p.ua.Close() })
	return p, invites
}

// TestRFC3263InviteFailoverTLS: the trunk's proxy sips:sbc.test has two
// SRV records (_sips._tcp, NAPTR SIPS+D2T); the priority-10 server's
// certificate is valid for 127.0.0.1 but not for sbc.test, so the
// handshake fails (RFC 5922 4.1: the name of the URI is checked, not the
// address) and the INVITE goes to the priority-20 server, whose
// certificate names sbc.test.
func TestRFC3263InviteFailoverTLS(t *testing.T) {
	ca := newTestCA(t, "lab")
	wrongCert, wrongKey := ca.issue(t, "other.test")
	rightCert, rightKey := ca.issue(t, "sbc.test")
	primary, primaryInvites := tlsBusy(t, wrongCert, wrongKey)
	backup, backupInvites := tlsBusy(t, rightCert, rightKey)
	d := newDNSServer(t,
		`sbc.test. 60 IN NAPTR 10 10 "s" "SIPS+D2T" "" _sips._tcp.sbc.test.`,
		fmt.Sprintf(`_sips._tcp.sbc.test. 60 IN SRV 10 10 %d a.sbc.test.`, primary.port),
		fmt.Sprintf(`_sips._tcp.sbc.test. 60 IN SRV 20 10 %d b.sbc.test.`, backup.port),
		`a.sbc.test. 60 IN A 127.0.0.1`,
		`b.sbc.test. 60 IN A 127.0.0.1`,
	)
	ourCert, ourKey := ca.issue(t, "gateway.test")
	u, _ := startUA(t, Config{
		Listen:    []string{"tls:127.0.0.1:0"},
		TLS:       &TLSConfig{CertFile: ourCert, KeyFile: ourKey, CAFile: ca.file},
		Accounts:  []Account{{Name: "itsp", Trunk: true, User: "gw", Proxy: "sips:sbc.test"}},
		DNSServer: d.addr, hopTimeout: time.Second,
	}, newRecorder(nil))
	c, err := u.Dial(context.Background(), "itsp", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, backupInvites, "INVITE at the server named sbc.test")
	if inv.Via().Transport != "TLS" || inv.Recipient.Scheme != "sips" {
		t.Errorf("INVITE %s via %s", inv.Recipient.String(), inv.Via().Transport)
	}
	if ev := waitEvent(t, c, EventFailed); ev.Code != 486 {
		t.Errorf("call %+v, want the backup's 486", ev)
	}
	select {
	case <-primaryInvites:
		t.Error("INVITE sent over a connection whose certificate does not name sbc.test")
	default:
	}
}

func TestRFC3261RetryAfter(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"120":                     120 * time.Second,
		" 18000;duration=3600":    maxRetryAfter,
		"30 (maintenance)":        30 * time.Second,
		"0":                       0,
		"soon":                    0,
		"-5":                      0,
		"99999999999999999999999": 0,
	} {
		got, ok := retryAfter(in)
		if got != want || ok != (want > 0) {
			t.Errorf("%q: %v %v, want %v", in, got, ok, want)
		}
	}
}

func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "18000;duration=3600", "30 (x)", "", ";", "4294967295"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if d, ok := retryAfter(v); ok && (d <= 0 || d > maxRetryAfter) {
			t.Fatalf("%q: %v", v, d)
		}
	})
}
