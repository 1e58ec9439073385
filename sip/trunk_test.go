package sip

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
	"tipring/sip/siptest"
)

// trunkAccount is a trunk to a German carrier (country code 49, trunk
// prefix 0, international prefix 00).
func trunkAccount(mod func(*Account)) Account {
	a := Account{Name: "itsp", Trunk: true, CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00"}
	if mod != nil {
		mod(&a)
	}
	return a
}

// trunkConfig is a UA on 127.0.0.1 with the user account 2001 and trunk.
func trunkConfig(trunk Account) Config {
	return Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{
		{Name: "fxs1", User: "2001", DisplayName: "Port One"}, trunk,
	}}
}

// digestTrunkUA is a UA whose trunk takes INVITEs from anywhere that
// authenticate as carrier with pass, behind a guard that blocks a source
// after limit failures; every call is refused with 486.
func digestTrunkUA(t *testing.T, pass string, limit int) (*UA, *guard.Guard, *recorder) {
	t.Helper()
	cfg := trunkConfig(trunkAccount(func(a *Account) { a.InboundUser, a.InboundPassword = "carrier", pass }))
	cfg.Guard = newGuard(t, limit)
	rec := newRecorder(func(c *Call) { _ = c.Reject(486, "Busy Here") })
	u, _ := startUA(t, cfg, rec)
	return u, cfg.Guard, rec
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// digestAuth is an Authorization value (RFC 2617 3.2.2, qop=auth) computed
// here, independently of the code under test.
func digestAuth(alg, method, uri, user, realm, pass, nonce string) string {
	h := md5hex
	if alg == "SHA-256" {
		h = sha256hex
	}
	ha1 := h(user + ":" + realm + ":" + pass)
	ha2 := h(method + ":" + uri)
	resp := h(ha1 + ":" + nonce + ":00000001:0a4f113b:auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, qop=auth, nc=00000001, cnonce="0a4f113b"`,
		user, realm, nonce, uri, resp, alg)
}

// invite sends an INVITE with an SDP offer for user, with extra header
// lines, and returns the final response (status code and whole message);
// 0 when none came within wait.
func (s *rawSource) invite(user string, wait time.Duration, extra ...string) (int, string) {
	s.t.Helper()
	s.n++
	local := s.conn.LocalAddr().(*net.UDPAddr)
	callID := fmt.Sprintf("trunk-%d@%s", s.n, local)
	body := string(peerSDP(local.Port+2, "0 8", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000"))
	var hdrs string
	for _, e := range extra {
		hdrs += e + "\r\n"
	}
	branch := fmt.Sprintf("z9hG4bKtr%d%d", s.n, time.Now().UnixNano())
	msg := fmt.Sprintf("INVITE sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\n"+
		"From: <sip:100@%s>;tag=t%d\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: %d INVITE\r\n"+
		"Max-Forwards: 70\r\nContact: <sip:100@%s>\r\n%sContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		user, s.to, local, branch, local, s.n, user, s.to, callID, s.n, local, hdrs, len(body), body)
	s.write(msg)
	m := s.final(callID, time.Now().Add(wait))
	if m == "" {
		return 0, ""
	}
	line, _, _ := strings.Cut(m, "\r\n")
	code := statusCode(line)
	// RFC 3261 17.1.1.3: the ACK of a non-2xx final response.
	if to := reTo.FindStringSubmatch(m); code >= 300 && to != nil {
		ack := fmt.Sprintf("ACK sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s;rport\r\n"+
			"From: <sip:100@%s>;tag=t%d\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
			user, s.to, local, branch, local, s.n, to[1], callID, s.n)
		_, _ = s.conn.WriteToUDP([]byte(ack), s.to)
	}
	return code, m
}

var reTo = regexp.MustCompile(`(?m)^To: (.*)\r$`)

// challenges returns the WWW-Authenticate values of a response, in order.
func challenges(msg string) []map[string]string {
	var out []map[string]string
	for _, line := range strings.Split(msg, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "WWW-Authenticate") {
			out = append(out, siptest.DigestParams(v))
		}
	}
	return out
}

// shape is what a 401 tells about the request: status, algorithms, realm,
// qop, stale; everything but the nonce.
func shape(code int, msg string) string {
	s := strconv.Itoa(code)
	for _, c := range challenges(msg) {
		s += fmt.Sprintf(" [%s %s %s %s]", c["algorithm"], c["realm"], c["qop"], c["stale"])
	}
	return s
}

// TestTrunkInboundDigest: a trunk with inbound credentials and no peer
// addresses takes INVITEs for any number from anywhere once they
// authenticate (RFC 3261 22.4). Unauthenticated INVITEs get 401 with an
// MD5 and a SHA-256 challenge (RFC 8760); a wrong password and
// an unknown digest user get the very same 401; three failures block the
// source (guard), while another source with the right password (SHA-256
// by hand, MD5 from our own UA as client) gets through, its called number
// in national form and its unasserted P-Asserted-Identity ignored.
func TestTrunkInboundDigest(t *testing.T) {
	u, g, rec := digestTrunkUA(t, "s3cret", 3)
	target := u.ListenAddr("udp").String()
	ruri := "sip:+4930123456@" + target

	scanner := newRawSource(t, "127.0.0.2", u)
	code, msg := scanner.invite("+4930123456", waitLong)
	ch := challenges(msg)
	if code != 401 || len(ch) != 2 || ch[0]["algorithm"] != "MD5" || ch[1]["algorithm"] != "SHA-256" || ch[0]["qop"] != "auth" {
		t.Fatalf("no credentials: %d %+v, want 401 with MD5 and SHA-256 challenges", code, ch)
	}
	realm, nonce := ch[1]["realm"], ch[1]["nonce"]
	unknownNumber, msgU := scanner.invite("9999", waitLong)
	if shape(unknownNumber, msgU) != shape(code, msg) {
		t.Errorf("unknown number: %s, want %s", shape(unknownNumber, msgU), shape(code, msg))
	}

	wrongCode, wrong := scanner.invite("+4930123456", waitLong, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "carrier", realm, "guess", nonce))
	userCode, unknownUser := scanner.invite("+4930123456", waitLong, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "admin", realm, "guess", nonce))
	if wrongCode != 401 || shape(wrongCode, wrong) != shape(userCode, unknownUser) || shape(wrongCode, wrong) != shape(code, msg) {
		t.Errorf("wrong password: %s; unknown user: %s; want both %s", shape(wrongCode, wrong), shape(userCode, unknownUser), shape(code, msg))
	}
	if c, _ := scanner.invite("+4930123456", waitLong, "Authorization: "+digestAuth("SHA-256", "INVITE", ruri, "carrier", realm, "guess2", nonce)); c != 401 {
		t.Errorf("third wrong password: %d, want 401", c)
	}
	if c, m := scanner.invite("+4930123456", 2*time.Second, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "carrier", realm, "s3cret", nonce)); c != 0 {
		t.Errorf("blocked source got %d:\n%s", c, m)
	}
	if b := g.Blocked(); len(b) != 1 || b[0].Addr.String() != "127.0.0.2" {
		t.Errorf("blocked %+v, want 127.0.0.2", b)
	}
	select {
	case c := <-rec.calls:
		t.Fatalf("a call got through from the scanner: %s", c.Local().Number)
	default:
	}

	carrier := newRawSource(t, "127.0.0.3", u)
	_, msg = carrier.invite("+4930123456", waitLong)
	nonce = challenges(msg)[1]["nonce"]
	code, msg = carrier.invite("+4930123456", waitLong,
		"Authorization: "+digestAuth("SHA-256", "INVITE", ruri, "carrier", realm, "s3cret", nonce),
		`P-Asserted-Identity: <sip:+4989111@127.0.0.3>`)
	if code != 486 {
		t.Fatalf("right password: %d, want the handler's 486:\n%s", code, msg)
	}
	if acc := recv(t, rec.account, "account"); acc != "itsp" {
		t.Errorf("account %q", acc)
	}
	c := recv(t, rec.calls, "call")
	if c.Local().Number != "030123456" || c.Identity().Number != "100" {
		t.Errorf("called %q caller %q, want 030123456 and the From user 100 (PAI of an unauthenticated source ignored)", c.Local().Number, c.Identity().Number)
	}

	// Our UA as the carrier's side: sipgo answers the first (MD5)
	// challenge.
	up, _ := startUA(t, Config{Listen: []string{"udp:127.0.0.4:0"}, Accounts: []Account{{
		Name: "up", Trunk: true, User: "carrier", Password: "s3cret", Proxy: "sip:" + target,
	}}}, newRecorder(nil))
	oc, err := up.Dial(context.Background(), "up", "+4930777")
	if err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, oc, EventFailed); ev.Code != 486 {
		t.Errorf("MD5 client: %d, want 486", ev.Code)
	}
	if c := recv(t, rec.calls, "MD5 call"); c.Local().Number != "030777" || c.Account() != "itsp" {
		t.Errorf("MD5 call: %s for %q", c.Account(), c.Local().Number)
	}
}

// TestTrunkDigestStaleNonce: right credentials with an expired nonce get a
// new challenge with stale=true (RFC 2617 3.2.1) and count as no failure.
func TestTrunkDigestStaleNonce(t *testing.T) {
	u, _, rec := digestTrunkUA(t, "s3cret", 1)
	ruri := "sip:5551234@" + u.ListenAddr("udp").String()
	src := newRawSource(t, "127.0.0.2", u)
	_, msg := src.invite("5551234", waitLong)
	ch := challenges(msg)[1]
	u.auth.now = func() time.Time { return time.Now().Add(nonceTTL + time.Minute) }
	code, msg := src.invite("5551234", waitLong, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "carrier", ch["realm"], "s3cret", ch["nonce"]))
	st := challenges(msg)
	if code != 401 || len(st) != 2 || st[0]["stale"] != "true" {
		t.Fatalf("stale nonce: %d %+v, want 401 stale=true", code, st)
	}
	code, _ = src.invite("5551234", waitLong, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "carrier", ch["realm"], "s3cret", st[1]["nonce"]))
	if code != 486 {
		t.Fatalf("fresh nonce: %d, want 486 (the stale answer must not have counted as a failure)", code)
	}
	if c := recv(t, rec.calls, "call"); c.Local().Number != "5551234" {
		t.Errorf("called %q", c.Local().Number)
	}
}

// TestTrunkNonPeerLikeUnknownUser: a trunk matched by peer address takes
// any number from a peer; from any other source the same INVITE gets what
// an unknown user gets (480 with a guard, 404 without) and counts against
// the source.
func TestTrunkNonPeerLikeUnknownUser(t *testing.T) {
	for _, guarded := range []bool{true, false} {
		t.Run(fmt.Sprintf("guard=%v", guarded), func(t *testing.T) {
			cfg := trunkConfig(trunkAccount(func(a *Account) { a.Peers = []string{"127.0.0.5", "10.0.0.0/8"} }))
			if guarded {
				cfg.Guard = newGuard(t, 4)
			}
			rec := newRecorder(func(c *Call) { _ = c.Reject(486, "Busy Here") })
			u, _ := startUA(t, cfg, rec)
			other := newRawSource(t, "127.0.0.2", u)
			trunkCode, trunkMsg := other.invite("+4930123456", waitLong)
			unknownCode, _ := other.invite("9000", waitLong)
			want := 404
			if guarded {
				want = 480
			}
			if trunkCode != want || unknownCode != want {
				t.Fatalf("non-peer to a trunk number: %d, unknown user: %d, want both %d\n%s", trunkCode, unknownCode, want, trunkMsg)
			}

			peerSrc := newRawSource(t, "127.0.0.5", u)
			if code, m := peerSrc.invite("+4930123456", waitLong); code != 486 {
				t.Fatalf("peer: %d, want the handler's 486\n%s", code, m)
			}
			if acc := recv(t, rec.account, "account"); acc != "itsp" {
				t.Errorf("account %q", acc)
			}
			if c := recv(t, rec.calls, "call"); c.Local().Number != "030123456" {
				t.Errorf("called %q, want 030123456", c.Local().Number)
			}
			if code, _ := peerSrc.invite("2001", waitLong); code != 486 {
				t.Errorf("peer calling 2001: %d", code)
			}
			if acc := recv(t, rec.account, "account"); acc != "itsp" {
				t.Errorf("a peer's call for 2001 went to %q, want the trunk", acc)
			}
			recv(t, rec.calls, "call for 2001")
			if !guarded {
				return
			}
			for _, n := range []string{"9001", "9002"} {
				if code, _ := other.invite(n, waitLong); code != want {
					t.Fatalf("non-peer, unknown user %s: %d, want %d", n, code, want)
				}
			}
			if code, _ := other.invite("+4930123456", 2*time.Second); code != 0 {
				t.Errorf("after 4 failures the non-peer still got %d", code)
			}
		})
	}
}

// TestSIPpTrunkInboundFromPeer: SIPp, as a carrier at a peer address,
// calls an E.164 number with user=phone and asserts the caller in
// P-Asserted-Identity. The call reaches the trunk with the called number
// and the asserted caller in national form, and is answered with the
// trunk's only codec though the offer prefers another.
func TestSIPpTrunkInboundFromPeer(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, trunkConfig(trunkAccount(func(a *Account) {
		a.Peers = []string{"127.0.0.1"}
		a.Codecs = []string{"PCMA"}
	})), rec)
	s := startSIPp(t, "uac_trunk.xml", "-s", "+4930123456", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	if acc := recv(t, rec.account, "account"); acc != "itsp" {
		t.Errorf("account %q", acc)
	}
	id := c.Identity()
	if c.Local().Number != "030123456" || id.Number != "089123456" || id.Name != "Alice Example" || id.Private {
		t.Errorf("called %q, identity %+v; want 030123456 and Alice Example 089123456", c.Local().Number, id)
	}
	waitEvent(t, c, EventAnswered)
	if c.Codec() != "PCMA" {
		t.Errorf("codec %s", c.Codec())
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}

// sippCheck is one regular expression SIPp applies to the INVITE it
// receives; inverse means it must not match.
type sippCheck struct {
	re      string
	inverse bool
}

// outboundScenario is a SIPp UAS that checks our INVITE and refuses it.
func outboundScenario(t *testing.T, checks []sippCheck) string {
	t.Helper()
	var acts strings.Builder
	var vars []string
	for i, c := range checks {
		vars = append(vars, fmt.Sprintf("c%d", i))
		attr := `check_it="true"`
		if c.inverse {
			attr = `check_it_inverse="true"`
		}
		re := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(c.re)
		fmt.Fprintf(&acts, "      <ereg regexp=\"%s\" search_in=\"msg\" %s assign_to=\"c%d\"/>\n", re, attr, i)
	}
	x := `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="trunk INVITE check">
  <recv request="INVITE" crlf="true">
    <action>
` + acts.String() + `    </action>
  </recv>
  <send>
    <![CDATA[

      SIP/2.0 486 Busy Here
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
  <recv request="ACK"/>
  <Reference variables="` + strings.Join(vars, ",") + `"/>
</scenario>
`
	p := filepath.Join(t.TempDir(), "uas_trunk_check.xml")
	if err := os.WriteFile(p, []byte(x), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSIPpTrunkOutbound: calls through a trunk, checked by SIPp as the
// carrier: the Request-URI (and To) carry user=phone only when the trunk
// says so; called and calling numbers are in E.164 or national form; the
// caller is asserted in P-Asserted-Identity, Remote-Party-ID or not at
// all; a private caller gets Privacy: id and an anonymous From; the offer
// lists the trunk's codecs only.
func TestSIPpTrunkOutbound(t *testing.T) {
	cases := []struct {
		name   string
		mod    func(*Account)
		number string
		opts   DialOptions
		checks []sippCheck
	}{
		{
			name: "e164 user=phone pai",
			mod: func(a *Account) {
				a.NumberFormat, a.URIParams, a.Identity = "e164", "user=phone", "pai"
			},
			number: "030 123456",
			opts:   DialOptions{From: Party{Number: "089-111222", Name: "Port Two"}},
			checks: []sippCheck{
				{re: `^INVITE sip:\+4930123456@127\.0\.0\.1:[0-9]+;user=phone SIP/2\.0`},
				{re: `To: <sip:\+4930123456@127\.0\.0\.1:[0-9]+;user=phone>`},
				{re: `From: "Port Two" <sip:\+4989111222@`},
				{re: `P-Asserted-Identity: "Port Two" <sip:\+4989111222@`},
				{re: `Remote-Party-ID`, inverse: true},
				{re: `Privacy:`, inverse: true},
				{re: `m=audio [0-9]+ RTP/AVP 0 8 101`},
			},
		},
		{
			name: "national rpid no params",
			mod: func(a *Account) {
				a.NumberFormat, a.Identity, a.Codecs = "national", "rpid", []string{"PCMA"}
			},
			number: "+4930123456",
			opts:   DialOptions{From: Party{Number: "+33123456789"}},
			checks: []sippCheck{
				{re: `^INVITE sip:030123456@127\.0\.0\.1:[0-9]+ SIP/2\.0`},
				{re: `user=phone`, inverse: true},
				{re: `From: <sip:0033123456789@`},
				{re: `Remote-Party-ID: <sip:0033123456789@[^>]*>;party=calling;screen=yes;privacy=off`},
				{re: `P-Asserted-Identity`, inverse: true},
				{re: `m=audio [0-9]+ RTP/AVP 8 101\r?\n`},
			},
		},
		{
			name:   "private no identity",
			mod:    func(a *Account) { a.URIParams = "user=phone" },
			number: "0049 30 123456",
			opts:   DialOptions{From: Party{Number: "5550100"}, Privacy: true},
			checks: []sippCheck{
				{re: `^INVITE sip:004930123456@127\.0\.0\.1:[0-9]+;user=phone SIP/2\.0`},
				{re: `From: "Anonymous" <sip:anonymous@anonymous\.invalid>`},
				{re: `Privacy: id`},
				{re: `P-Asserted-Identity`, inverse: true},
				{re: `Remote-Party-ID`, inverse: true},
				{re: `5550100`, inverse: true},
			},
		},
		{
			name:   "private pai",
			mod:    func(a *Account) { a.NumberFormat, a.Identity = "e164", "pai" },
			number: "030123456",
			opts:   DialOptions{From: Party{Number: "0301111"}, Privacy: true},
			checks: []sippCheck{
				{re: `From: "Anonymous" <sip:anonymous@anonymous\.invalid>`},
				{re: `P-Asserted-Identity: <sip:\+49301111@`},
				{re: `Privacy: id`},
			},
		},
		{
			name:   "private rpid",
			mod:    func(a *Account) { a.Identity = "rpid" },
			number: "030123456",
			opts:   DialOptions{From: Party{Number: "0301111"}, Privacy: true},
			checks: []sippCheck{
				{re: `From: "Anonymous" <sip:anonymous@anonymous\.invalid>`},
				{re: `Remote-Party-ID: <sip:0301111@[^>]*>;party=calling;screen=yes;privacy=full`},
				{re: `Privacy: id`},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startSIPp(t, outboundScenario(t, tc.checks))
			acc := trunkAccount(tc.mod)
			acc.Proxy = fmt.Sprintf("sip:127.0.0.1:%d", s.port)
			u, _ := startUA(t, Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{acc}}, newRecorder(nil))
			c, err := u.DialWith(context.Background(), "itsp", tc.number, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if ev := waitEvent(t, c, EventFailed); ev.Code != 486 {
				t.Errorf("call ended %d %s, want SIPp's 486", ev.Code, ev.Reason)
			}
			s.wait()
		})
	}
}

// TestTrunkDTMFInfo: on an account with DTMF "info", BeginDTMF/EndDTMF
// reach the peer as an INFO with application/dtmf-relay (Signal=, Duration=
// in ms) and no telephone-event is sent.
func TestTrunkDTMFInfo(t *testing.T) {
	infos := make(chan *sipgo_sip.Request, 4)
	peer := newUAS(t, "udp", answerWith("PCMU", "0", false), func(p *uas) {
		p.srv.OnInfo(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			infos <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
		})
	})
	acc := trunkAccount(func(a *Account) { a.DTMF = "info"; a.User = "4930100" })
	acc.Proxy = "sip:" + peer.addr
	u, _ := startUA(t, Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{acc}}, newRecorder(nil))
	c, err := u.Dial(context.Background(), "itsp", "5550100")
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	if c.DTMFMode() != DTMFInfo {
		t.Fatalf("mode %q", c.DTMFMode())
	}
	c.BeginDTMF('7')
	time.Sleep(120 * time.Millisecond)
	c.EndDTMF()
	c.SendDTMF('#', 250*time.Millisecond)
	for _, want := range []struct {
		sig      string
		min, max int
	}{{"7", 100, 5000}, {"#", 250, 250}} {
		req := recv(t, infos, "INFO")
		if ct := req.ContentType(); ct == nil || ct.Value() != "application/dtmf-relay" {
			t.Fatalf("INFO content type %v", ct)
		}
		m := regexp.MustCompile(`(?m)^Signal=(\S+)\r?\nDuration=(\d+)`).FindStringSubmatch(string(req.Body()))
		if m == nil {
			t.Fatalf("INFO body %q", req.Body())
		}
		d, _ := strconv.Atoi(m[2])
		if m[1] != want.sig || d < want.min || d > want.max {
			t.Errorf("INFO Signal=%s Duration=%d, want %s in %d-%d ms", m[1], d, want.sig, want.min, want.max)
		}
	}
	if st := c.Media().Stats(); st.DTMFSent != 0 {
		t.Errorf("%d telephone-events sent in INFO mode", st.DTMFSent)
	}
	_ = c.Hangup()
	waitEvent(t, c, EventEnded)
}

// TestTrunkConfigErrors: bad trunk settings are refused with an error
// naming the account and the problem.
func TestTrunkConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		mod  func(*Account)
		want string
	}{
		{func(a *Account) { a.Peers = []string{"203.0.113.0/33"} }, `peer "203.0.113.0/33"`},
		{func(a *Account) { a.Peers = []string{"carrier.example"} }, "want an IP address or CIDR prefix"},
		{func(a *Account) { a.DTMF = "sip-info" }, `DTMF mode "sip-info"`},
		{func(a *Account) { a.NumberFormat, a.CountryCode = "e164", "" }, "number format e164 needs a country code"},
		{func(a *Account) { a.NumberFormat = "international" }, `number format "international"`},
		{func(a *Account) { a.CountryCode = "0049" }, `country code "0049"`},
		{func(a *Account) { a.NationalPrefix = "0x" }, `national prefix "0x"`},
		{func(a *Account) { a.InternationalPrefix, a.NationalPrefix = "0", "00" }, "must not begin the national prefix"},
		{func(a *Account) { a.URIParams = "user=phone;a b" }, `"a b" is not name[=value]`},
		{func(a *Account) { a.URIParams = "user=" }, `"user=" is not name[=value]`},
		{func(a *Account) { a.URIParams = "transport=tcp" }, "transport is set by the proxy URI"},
		{func(a *Account) { a.Identity = "asserted" }, `identity "asserted"`},
		{func(a *Account) { a.InboundUser = "carrier" }, "inbound user and password go together"},
		{func(a *Account) { a.Codecs = []string{"G722"} }, `codec "G722" is not one of the UA's codecs`},
		{func(a *Account) { a.Trunk = false; a.User = "1"; a.Peers = []string{"127.0.0.1"} }, "set Trunk"},
	} {
		_, err := New(trunkConfig(trunkAccount(tc.mod)), newRecorder(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "itsp") {
			t.Errorf("error %v, want one about account itsp containing %q", err, tc.want)
		}
	}
	ok := trunkAccount(func(a *Account) {
		a.Peers = []string{"[::1]", "203.0.113.0/24", "::ffff:192.0.2.1", "2001:db8::/32"}
		a.URIParams, a.NumberFormat, a.DTMF, a.Identity = ";user=phone;npdi", "national", "INBAND", "RPID"
	})
	if _, err := New(trunkConfig(ok), newRecorder(nil)); err != nil {
		t.Errorf("valid trunk refused: %v", err)
	}
}

// TestNumberPlan: the number forms for a German trunk and a NANP one.
func TestNumberPlan(t *testing.T) {
	de, _ := newNumberPlan("e164", "49", "0", "00")
	deNat, _ := newNumberPlan("national", "49", "0", "00")
	us, _ := newNumberPlan("e164", "1", "1", "011")
	usNat, _ := newNumberPlan("national", "1", "1", "011")
	asIs, _ := newNumberPlan("", "", "", "")
	for _, tc := range []struct {
		p         numberPlan
		in, out   string
		inboundOf string // the inbound form of in
	}{
		{de, "030 123456", "+4930123456", "030123456"},
		{de, "+49 (30) 123-456", "+4930123456", "030123456"},
		{de, "0033123456789", "+33123456789", "0033123456789"},
		{de, "+33123456789", "+33123456789", "0033123456789"},
		{de, "123456", "123456", "123456"},
		{de, "110", "110", "110"},
		{de, "*31#0301", "*31#0301", "*31#0301"},
		{de, "anonymous", "anonymous", "anonymous"},
		{deNat, "+4930123456", "030123456", "030123456"},
		{deNat, "+33123456789", "0033123456789", "0033123456789"},
		{deNat, "00493012", "03012", "00493012"},
		{us, "12125550100", "+12125550100", "12125550100"},
		{us, "01144201234", "+44201234", "01144201234"},
		{usNat, "+12125550100", "12125550100", "12125550100"},
		{usNat, "+44201234", "01144201234", "01144201234"},
		{asIs, "030 123", "030 123", "030123"},
		{asIs, "+4930123", "+4930123", "+4930123"},
	} {
		if got := tc.p.outbound(tc.in); got != tc.out {
			t.Errorf("%s outbound(%q) = %q, want %q", tc.p.format, tc.in, got, tc.out)
		}
		if got := tc.p.inbound(tc.in); got != tc.inboundOf {
			t.Errorf("%s inbound(%q) = %q, want %q", tc.p.format, tc.in, got, tc.inboundOf)
		}
	}
}

// FuzzNumberPlan: formatting never fails, is idempotent, yields only
// telephone-number characters for telephone numbers, and a number in E.164
// survives the round trip through the local dialling form.
func FuzzNumberPlan(f *testing.F) {
	f.Add("+49 (30) 123-456", "49", "0", "00")
	f.Add("0033123", "1", "1", "011")
	f.Add("+", "", "", "")
	f.Add("0", "49", "0", "00")
	f.Fuzz(func(t *testing.T, n, cc, nat, intl string) {
		for _, format := range []string{"", "e164", "national"} {
			p, err := newNumberPlan(format, cc, nat, intl)
			if err != nil {
				return
			}
			out := p.outbound(n)
			if again := p.outbound(out); again != out {
				t.Fatalf("%s: outbound(%q) = %q, then %q", format, n, out, again)
			}
			in := p.inbound(n)
			if _, _, ok := phoneDigits(n); ok {
				if d, _, ok := phoneDigits(out); !ok || strings.ContainsAny(out, " -.()") && format != "" {
					t.Fatalf("%s: outbound(%q) = %q (%q)", format, n, out, d)
				}
				if strings.ContainsAny(in, " -.()") {
					t.Fatalf("inbound(%q) = %q keeps separators", n, in)
				}
			}
			if format == "e164" && nat != "" && intl != "" && strings.HasPrefix(out, "+") {
				if back := p.outbound(p.inbound(out)); back != out {
					t.Fatalf("round trip of %q: inbound %q, outbound %q", out, p.inbound(out), back)
				}
			}
		}
	})
}

// FuzzDigestCreds: the Authorization parser and verifier take any input.
func FuzzDigestCreds(f *testing.F) {
	f.Add(`Digest username="a", realm="r", nonce="n", uri="sip:x", response="00", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest username="a`)
	f.Add(`digest ,,=,"`)
	a := newAuthServer("127.0.0.1")
	f.Fuzz(func(t *testing.T, v string) {
		c, _ := parseDigestCreds(v)
		_ = a.verify("INVITE", c, "pw")
		_, _ = a.checkNonce(c.nonce)
		_, _ = parseURIParams(v)
		_, _ = parsePeer(v)
	})
}

// TestTrunkKeepaliveNoRegister: a trunk without registrar sends no
// REGISTER; its proxy is probed with OPTIONS and reported by Servers.
func TestTrunkKeepaliveNoRegister(t *testing.T) {
	var registers atomic.Int32
	p := newPeer(t, "udp")
	p.srv.OnOptions(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	p.srv.OnRegister(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		registers.Add(1)
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	p.serve()
	cfg := Config{Listen: []string{"udp:127.0.0.1:0"}, Keepalive: 200 * time.Millisecond,
		Accounts: []Account{trunkAccount(func(a *Account) { a.Proxy = "sip:" + p.addr; a.User = "4930100" })}}
	u, _ := startUA(t, cfg, newRecorder(nil))
	poll(t, "the trunk proxy up", u.Servers, func(s []ServerStatus) bool {
		return len(s) == 1 && s[0].Up && s[0].URI == "sip:"+p.addr
	})
	if n := registers.Load(); n != 0 || len(u.Registrations()) != 0 {
		t.Errorf("%d REGISTERs, registrations %+v", n, u.Registrations())
	}
}

// BenchmarkInboundDigest measures what a challenged INVITE costs the
// trunk's authenticator: parsing the Authorization header, checking the
// nonce's HMAC and age, and verifying a SHA-256 qop=auth response.
func BenchmarkInboundDigest(b *testing.B) {
	a := newAuthServer("127.0.0.1")
	nonce := a.nonce()
	hdr := digestAuth("SHA-256", "INVITE", "sip:+493012345@127.0.0.1", "carrier", "127.0.0.1", "pw", nonce)
	b.ReportAllocs()
	for b.Loop() {
		c, ok := parseDigestCreds(hdr)
		if !ok {
			b.Fatal("unparsed")
		}
		if ours, fresh := a.checkNonce(c.nonce); !ours || !fresh {
			b.Fatal("nonce refused")
		}
		if !a.verify("INVITE", c, "pw") {
			b.Fatal("digest refused")
		}
	}
}
