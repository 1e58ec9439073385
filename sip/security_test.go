package sip

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
	"tipring/sip/media"
	"tipring/sip/sdes"
)

// rawSource is a UDP socket bound to one loopback address, sending
// hand-written requests to a UA's UDP listener as a scanner or a bare UAC
// would.
type rawSource struct {
	t    *testing.T
	conn *net.UDPConn
	to   *net.UDPAddr
	n    int
	buf  []byte
}

func newRawSource(t *testing.T, ip string, u *UA) *rawSource {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return &rawSource{t: t, conn: c, to: u.ListenAddr("udp").(*net.UDPAddr), buf: make([]byte, 65535)}
}

// laddr is the source's address as it writes it into Via and Contact.
func (s *rawSource) laddr() string { return s.conn.LocalAddr().String() }

// write sends one hand-written message to the UA.
func (s *rawSource) write(m string) {
	s.t.Helper()
	if _, err := s.conn.WriteToUDP([]byte(m), s.to); err != nil {
		s.t.Fatal(err)
	}
}

// read returns the next message from the UA within d, nil when none came;
// one that does not parse fails the test.
func (s *rawSource) read(d time.Duration) sipgo_sip.Message {
	s.t.Helper()
	_ = s.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := s.conn.ReadFromUDP(s.buf)
	if err != nil {
		return nil
	}
	msg, err := sipgo_sip.ParseMessage(s.buf[:n])
	if err != nil {
		s.t.Fatalf("unparsable message from the UA: %v\n%s", err, s.buf[:n])
	}
	return msg
}

// final returns the whole final response to callID, or "" when none came
// by deadline; responses to earlier requests are skipped.
func (s *rawSource) final(callID string, deadline time.Time) string {
	for {
		_ = s.conn.SetReadDeadline(deadline)
		n, _, err := s.conn.ReadFromUDP(s.buf)
		if err != nil {
			return ""
		}
		m := string(s.buf[:n])
		if !strings.Contains(m, callID) {
			continue // a retransmission for an earlier request
		}
		if line, _, _ := strings.Cut(m, "\r\n"); statusCode(line) >= 200 {
			return m
		}
	}
}

// send sends method for user and returns the final response's status
// line, or "" when nothing final came within wait.
func (s *rawSource) send(method, user string, wait time.Duration) (status string, hdrs string) {
	s.t.Helper()
	s.n++
	callID := fmt.Sprintf("scan-%d-%s@%s", s.n, method, s.laddr())
	msg := fmt.Sprintf("%s sip:%s@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%d%s;rport\r\n"+
		"From: <sip:100@%s>;tag=x%d\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n"+
		"Max-Forwards: 70\r\nContact: <sip:100@%s>\r\nContent-Length: 0\r\n\r\n",
		method, user, s.to, s.laddr(), s.n, strings.ReplaceAll(s.laddr(), ".", ""),
		s.laddr(), s.n, user, s.to, callID, method, s.laddr())
	s.write(msg)
	line, rest, _ := strings.Cut(s.final(callID, time.Now().Add(wait)), "\r\n")
	return line, rest
}

// newGuard is a guard that blocks a source for a minute after limit
// failures within a minute, never one in allow.
func newGuard(t *testing.T, limit int, allow ...string) *guard.Guard {
	t.Helper()
	prefixes, err := guard.ParsePrefixes(allow)
	if err != nil {
		t.Fatal(err)
	}
	g, err := guard.New(guard.Config{FailureLimit: limit, FailureWindow: time.Minute, BlockFor: time.Minute, Allow: prefixes})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func statusCode(line string) int {
	f := strings.Fields(line)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// TestGuardBlocksScannerKeepsAllowListed: offerless INVITEs for unknown
// users from one source get the same 488 a known user's would (no 404
// telling users apart) and count against it; after FailureLimit the
// source hears nothing at all, while an allow-listed source that makes the
// same mistakes keeps being answered.
func TestGuardBlocksScannerKeepsAllowListed(t *testing.T) {
	g := newGuard(t, 3, "127.0.0.3")
	cfg := dialConfig("udp:127.0.0.1:0", Account{})
	cfg.Guard = g
	u, _ := startUA(t, cfg, newRecorder(nil))

	scanner := newRawSource(t, "127.0.0.2", u)
	for i := range 3 {
		line, _ := scanner.send("INVITE", strconv.Itoa(9000+i), waitLong)
		if statusCode(line) != 488 {
			t.Fatalf("unknown user %d, no offer: %q, want 488 (as for a known user)", i, line)
		}
	}
	if line, _ := scanner.send("INVITE", "2001", 2*time.Second); line != "" {
		t.Errorf("blocked source got %q, want silence", line)
	}
	if line, _ := scanner.send("OPTIONS", "2001", time.Second); line != "" {
		t.Errorf("blocked source got %q to OPTIONS, want silence", line)
	}
	b := g.Blocked()
	if len(b) != 1 || b[0].Addr != netip.MustParseAddr("127.0.0.2") {
		t.Errorf("blocked %+v", b)
	}

	friend := newRawSource(t, "127.0.0.3", u)
	for i := range 5 {
		line, _ := friend.send("INVITE", strconv.Itoa(9000+i), waitLong)
		if statusCode(line) != 488 {
			t.Fatalf("allow-listed source, unknown user %d: %q, want 488", i, line)
		}
	}
	if line, _ := friend.send("OPTIONS", "2001", waitLong); statusCode(line) != 200 {
		t.Errorf("allow-listed OPTIONS: %q", line)
	}
	if st := g.Stats(); st.BlockedNow != 1 || st.Dropped[guard.ReasonBlocked] < 2 {
		t.Errorf("stats %+v", st)
	}

	g.Unblock(netip.MustParseAddr("127.0.0.2"))
	if line, _ := scanner.send("OPTIONS", "2001", waitLong); statusCode(line) != 200 {
		t.Errorf("unblocked OPTIONS: %q", line)
	}
}

// TestRFC3261RateLimitedInvite503RetryAfter: INVITEs beyond the source's
// bucket are answered 503 with Retry-After (RFC 3261 §21.5.4, §20.33).
func TestRFC3261RateLimitedInvite503RetryAfter(t *testing.T) {
	g, err := guard.New(guard.Config{FailureLimit: 100, Rates: map[string]guard.Rate{guard.ClassInvite: {PerSecond: 0.01, Burst: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := dialConfig("udp:127.0.0.1:0", Account{})
	cfg.Guard = g
	u, _ := startUA(t, cfg, newRecorder(nil))
	s := newRawSource(t, "127.0.0.2", u)
	for i := range 2 {
		if line, _ := s.send("INVITE", "9999", waitLong); statusCode(line) != 488 {
			t.Fatalf("INVITE %d: %q", i, line)
		}
	}
	line, hdrs := s.send("INVITE", "9999", waitLong)
	if statusCode(line) != 503 {
		t.Fatalf("third INVITE: %q, want 503", line)
	}
	ra := -1
	for _, h := range strings.Split(hdrs, "\r\n") {
		if k, v, ok := strings.Cut(h, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Retry-After") {
			ra, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if ra < 1 {
		t.Errorf("Retry-After %d in:\n%s", ra, hdrs)
	}
	// OPTIONS has its own (unlimited here) bucket.
	if line, _ := s.send("OPTIONS", "2001", waitLong); statusCode(line) != 200 {
		t.Errorf("OPTIONS: %q", line)
	}
}

// srtpPair starts a called UA (account fxs1/2001 under calleePolicy) and
// a calling UA (account out under callerPolicy) and places a call.
func srtpPair(t *testing.T, callerPolicy, calleePolicy string) (*Call, *recorder, error) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	callee, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", SRTP: calleePolicy}), rec)
	caller, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "out", User: "3001", Domain: "127.0.0.1", SRTP: callerPolicy}), newRecorder(nil))
	to := ourURI(callee, "2001", "udp")
	c, err := caller.Dial(context.Background(), "out", to.String())
	return c, rec, err
}

// TestRFC4568MandatorySRTPCall: two UAs with mandatory SRTP negotiate
// RTP/SAVP with SDES keys and carry a tone both ways, measured.
func TestRFC4568MandatorySRTPCall(t *testing.T) {
	c, rec, err := srtpPair(t, "mandatory", "mandatory")
	if err != nil {
		t.Fatal(err)
	}
	in := recv(t, rec.calls, "incoming call")
	waitEvent(t, c, EventAnswered)
	waitEvent(t, in, EventAnswered)
	if !c.Secure() || !in.Secure() {
		t.Fatalf("secure: caller %v callee %v", c.Secure(), in.Secure())
	}
	checkAudioFlows(t, c.Media(), in.Media(), 1000)
	checkAudioFlows(t, in.Media(), c.Media(), 700)
	if st := in.Media().Stats(); !st.SRTP || st.SRTPAuthFailures != 0 {
		t.Errorf("callee media stats %+v", st)
	}
	_ = c.Hangup()
	waitEvent(t, in, EventEnded)
}

// TestRFC4568PolicyMismatch488: mandatory against off fails either way
// round with 488 Not Acceptable Here (RFC 4568 §7.1.2); optional against
// off falls back to plain RTP.
func TestRFC4568PolicyMismatch488(t *testing.T) {
	for _, tc := range []struct{ caller, callee string }{{"mandatory", "off"}, {"off", "mandatory"}} {
		t.Run(tc.caller+"-"+tc.callee, func(t *testing.T) {
			c, _, err := srtpPair(t, tc.caller, tc.callee)
			if err != nil {
				t.Fatal(err)
			}
			ev := waitEvent(t, c, EventFailed)
			if ev.Code != 488 {
				t.Errorf("failed %+v, want 488", ev)
			}
		})
	}
	t.Run("optional-off", func(t *testing.T) {
		c, rec, err := srtpPair(t, "optional", "off")
		if err != nil {
			t.Fatal(err)
		}
		in := recv(t, rec.calls, "incoming call")
		waitEvent(t, c, EventAnswered)
		if c.Secure() || in.Secure() {
			t.Error("optional against off must fall back to RTP")
		}
		_ = c.Hangup()
	})
}

// TestRFC3711NoPlaintextRTPFromUA: a caller offering RTP/SAVP with its
// media address on a raw socket captures what the UA sends once it
// answers: the G.711 bytes of the tone the UA plays never appear. With
// SRTP off the same capture does show them, so the check can fail.
func TestRFC3711NoPlaintextRTPFromUA(t *testing.T) {
	for _, policy := range []string{"mandatory", "off"} {
		t.Run(policy, func(t *testing.T) {
			rec := newRecorder(func(c *Call) { _ = c.Answer() })
			u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", SRTP: policy}), rec)
			raw, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			port := raw.LocalAddr().(*net.UDPAddr).Port
			p := newUAC(t, "udp")
			var body []byte
			if policy == "off" {
				body = peerSDP(port, "0")
			} else {
				off, err := sdes.NewOffer(sdes.Mandatory)
				if err != nil {
					t.Fatal(err)
				}
				s := "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
					fmt.Sprintf("m=audio %d RTP/SAVP 0\r\n", port)
				for _, v := range off.Attributes() {
					s += "a=crypto:" + v + "\r\n"
				}
				body = []byte(s)
			}
			done := p.call(context.Background(), ourURI(u, "2001", "udp"), body)
			c := recv(t, rec.calls, "incoming call")
			if code := finalCode(t, done); code != 200 {
				t.Fatalf("final %d", code)
			}
			_ = p.dcs.Ack(context.Background())
			waitEvent(t, c, EventAnswered)
			if ans := string(p.dcs.InviteResponse.Body()); policy != "off" && (!strings.Contains(ans, " RTP/SAVP ") || !strings.Contains(ans, "a=crypto:")) {
				t.Fatalf("answer:\n%s", ans)
			}

			frame := make([]int16, 160)
			plain := make([]byte, 160)
			for k := range frame {
				frame[k] = int16(8000 * math.Sin(2*math.Pi*1000*float64(k)/8000))
			}
			media.PCMU.Law.Encode(plain, frame)
			window := plain[:8] // the 1 kHz tone repeats every 8 samples
			found := 0
			buf := make([]byte, 2048)
			for range 25 {
				c.Media().Push(frame)
				_ = raw.SetReadDeadline(time.Now().Add(waitLong))
				n, _, err := raw.ReadFromUDP(buf)
				if err != nil {
					t.Fatalf("capture: %v", err)
				}
				if n > 12 && bytes.Contains(buf[12:n], window) {
					found++
				}
			}
			switch {
			case policy == "off" && found == 0:
				t.Fatal("plain RTP capture shows no tone: the check proves nothing")
			case policy != "off" && found > 0:
				t.Fatalf("%d of 25 SRTP packets carry the tone's G.711 octets", found)
			}
			_ = c.Hangup()
		})
	}
}

// TestDialWithSanitisedIdentity: DialWith puts the PSTN caller's number
// and name, sanitised, into From, and into P-Asserted-Identity for a
// trusted account; Privacy hides From.
func TestDialWithSanitisedIdentity(t *testing.T) {
	got := make(chan *sipgo_sip.Request, 2)
	srv := newUAS(t, "udp", func(_ *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		got <- req
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxo1", User: "line1", Domain: "127.0.0.1", Trusted: true}), newRecorder(nil))
	c, err := u.DialWith(context.Background(), "fxo1", srv.uri("100"), DialOptions{From: Party{Number: "+1 (555) 010-0#\r\nX: y", Name: "Evil\"\r\nVia: x\u202e"}})
	if err != nil {
		t.Fatal(err)
	}
	req := recv(t, got, "INVITE")
	from := req.From()
	if from.Address.User != "+15550100%23" || from.DisplayName != `Evil\" Via: x` {
		t.Errorf("From %q", from.Value())
	}
	if pai := req.GetHeader("P-Asserted-Identity"); pai == nil || !strings.Contains(pai.Value(), "sip:+15550100%23@127.0.0.1") {
		t.Errorf("P-Asserted-Identity %v", pai)
	}
	waitEvent(t, c, EventFailed)

	c, err = u.DialWith(context.Background(), "fxo1", srv.uri("100"), DialOptions{From: Party{Number: "5550100"}, Privacy: true})
	if err != nil {
		t.Fatal(err)
	}
	req = recv(t, got, "INVITE")
	if req.From().Address.User != "anonymous" || req.GetHeader("Privacy") == nil {
		t.Errorf("private call: From %q Privacy %v", req.From().Value(), req.GetHeader("Privacy"))
	}
	waitEvent(t, c, EventFailed)
}

// TestNoEnumerationByOfferlessInvite: an INVITE without an offer gets the
// same answer whether the user exists or not; the account is looked up only
// once nothing else could refuse the request.
func TestNoEnumerationByOfferlessInvite(t *testing.T) {
	cfg := dialConfig("udp:127.0.0.1:0", Account{})
	cfg.Guard = newGuard(t, 10)
	u, _ := startUA(t, cfg, newRecorder(nil))
	scanner := newRawSource(t, "127.0.0.2", u)
	known, _ := scanner.send("INVITE", "2001", waitLong)
	unknown, _ := scanner.send("INVITE", "9000", waitLong)
	if statusCode(known) == 0 || statusCode(known) != statusCode(unknown) {
		t.Errorf("known user: %q, unknown user: %q; want the same answer", known, unknown)
	}
}
