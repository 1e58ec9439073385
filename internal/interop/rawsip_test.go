package interop

// A minimal SIP UAC over a UDP socket on loopback, for exchanges no SIP
// stack sends on purpose: a CANCEL right behind its INVITE, a CANCEL
// before its INVITE, a CANCEL repeated. Every message is written by hand
// (RFC 3261 8.1.1, 9.1, 13.2.2.4, 17.1.1.3) and every message received is
// kept in arrival order.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rawMsg is a received SIP message: a response (status > 0) or a request.
type rawMsg struct {
	status int
	reason string
	method string // request method, or the CSeq method of a response
	seq    int    // CSeq number
	hdrs   map[string][]string
	raw    string
	at     time.Time
}

func (m *rawMsg) header(name string) string {
	if v := m.hdrs[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m *rawMsg) String() string {
	if m.status > 0 {
		return fmt.Sprintf("%d %s (%d %s)", m.status, m.reason, m.seq, m.method)
	}
	return m.method + " request"
}

// compactHeaders maps RFC 3261 7.3.3 compact forms to full names.
var compactHeaders = map[string]string{
	"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
	"c": "content-type", "k": "supported", "s": "subject", "e": "content-encoding",
}

// parseRawMsg parses one SIP message received over UDP.
func parseRawMsg(b []byte) (*rawMsg, error) {
	head, _, ok := bytes.Cut(b, []byte("\r\n\r\n"))
	if !ok {
		return nil, fmt.Errorf("rawsip: no end of headers in %q", b)
	}
	lines := strings.Split(string(head), "\r\n")
	m := &rawMsg{hdrs: map[string][]string{}, raw: string(b), at: time.Now()}
	first := strings.SplitN(lines[0], " ", 3)
	if len(first) < 3 {
		return nil, fmt.Errorf("rawsip: bad start line %q", lines[0])
	}
	if first[0] == "SIP/2.0" {
		code, err := strconv.Atoi(first[1])
		if err != nil || code < 100 || code > 699 {
			return nil, fmt.Errorf("rawsip: bad status line %q", lines[0])
		}
		m.status, m.reason = code, first[2]
	} else {
		m.method = first[0]
	}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if full, ok := compactHeaders[k]; ok {
			k = full
		}
		m.hdrs[k] = append(m.hdrs[k], strings.TrimSpace(v))
	}
	seq, method, ok := strings.Cut(m.header("CSeq"), " ")
	if !ok {
		return nil, fmt.Errorf("rawsip: bad CSeq in %q", lines[0])
	}
	m.seq, _ = strconv.Atoi(seq)
	if m.status > 0 {
		m.method = strings.TrimSpace(method)
	}
	return m, nil
}

// contactURI returns the URI of the Contact header.
func (m *rawMsg) contactURI() string {
	c := m.header("Contact")
	if i, j := strings.Index(c, "<"), strings.Index(c, ">"); i >= 0 && j > i {
		return c[i+1 : j]
	}
	return c
}

func token() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// rawCall is one INVITE dialog attempt from its own UDP socket: the
// socket's messages arrive on msgs until close.
type rawCall struct {
	conn    *net.UDPConn
	remote  *net.UDPAddr
	local   string
	ruri    string
	from    string // caller number
	tag     string
	callID  string
	branch  string // the INVITE's
	rtpPort int
	msgs    chan *rawMsg
	done    chan struct{}

	mu  sync.Mutex
	all []*rawMsg // every message received, in order
}

// newRawCall opens a socket on 127.0.0.1 for a call from number from to
// user at the gateway's SIP port; its SDP offers PCMU at rtpPort.
func newRawCall(sipPort int, user, from string, rtpPort int) (*rawCall, error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, fmt.Errorf("rawsip: %w", err)
	}
	c := &rawCall{
		conn:    conn,
		remote:  &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sipPort},
		local:   conn.LocalAddr().String(),
		from:    from,
		tag:     token(),
		callID:  token() + "@127.0.0.1",
		branch:  "z9hG4bK-" + token(),
		rtpPort: rtpPort,
		msgs:    make(chan *rawMsg, 64),
		done:    make(chan struct{}),
	}
	c.ruri = fmt.Sprintf("sip:%s@127.0.0.1:%d", user, sipPort)
	go c.read()
	return c, nil
}

func (c *rawCall) read() {
	defer close(c.done)
	buf := make([]byte, 65535)
	for {
		n, err := c.conn.Read(buf)
		if err != nil {
			close(c.msgs)
			return
		}
		m, err := parseRawMsg(buf[:n])
		if err != nil {
			continue
		}
		c.mu.Lock()
		c.all = append(c.all, m)
		c.mu.Unlock()
		if m.status == 0 && m.method != "ACK" {
			// Whatever the gateway asks of us in this test (a BYE after a
			// 2xx), it gets 200 OK so that it does not retransmit.
			_ = c.respond(m, 200, "OK")
		}
		select {
		case c.msgs <- m:
		default:
		}
	}
}

// close stops the call's socket.
func (c *rawCall) close() {
	_ = c.conn.Close()
	<-c.done
}

// received returns every message received so far.
func (c *rawCall) received() []*rawMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*rawMsg(nil), c.all...)
}

func (c *rawCall) send(msg string) error {
	_, err := c.conn.WriteToUDP([]byte(strings.ReplaceAll(msg, "\n", "\r\n")), c.remote)
	if err != nil {
		return fmt.Errorf("rawsip: send: %w", err)
	}
	return nil
}

func (c *rawCall) fromHdr() string {
	return fmt.Sprintf("<sip:%s@%s>;tag=%s", c.from, c.local, c.tag)
}

// invite sends the INVITE with a PCMU offer.
func (c *rawCall) invite() error {
	sdp := fmt.Sprintf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio %d RTP/AVP 0\na=rtpmap:0 PCMU/8000\n", c.rtpPort)
	return c.send(fmt.Sprintf(`INVITE %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s;rport
Max-Forwards: 70
From: %s
To: <%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:%s@%s>
Content-Type: application/sdp
Content-Length: %d

%s`, c.ruri, c.local, c.branch, c.fromHdr(), c.ruri, c.callID, c.from, c.local, len(sdp)+strings.Count(sdp, "\n"), sdp))
}

// request sends a bodiless request of the call's dialog (RFC 3261 8.1.1):
// method to uri with CSeq seq, top Via branch, and the To header to.
func (c *rawCall) request(method, uri, branch, to string, seq int) error {
	return c.send(fmt.Sprintf(`%s %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=%s;rport
Max-Forwards: 70
From: %s
To: %s
Call-ID: %s
CSeq: %d %s
Content-Length: 0

`, method, uri, c.local, branch, c.fromHdr(), to, c.callID, seq, method))
}

// cancel sends a CANCEL for the INVITE: same Request-URI, Call-ID, From,
// To and top Via (branch), CSeq number, method CANCEL (RFC 3261 9.1).
func (c *rawCall) cancel() error {
	return c.request("CANCEL", c.ruri, c.branch, "<"+c.ruri+">", 1)
}

// ackFailure acknowledges a non-2xx final response to the INVITE: part of
// the INVITE transaction, same branch, the response's To (RFC 3261
// 17.1.1.3).
func (c *rawCall) ackFailure(res *rawMsg) error {
	return c.request("ACK", c.ruri, c.branch, res.header("To"), 1)
}

// ack2xx acknowledges a 2xx: a new transaction to the remote target
// (RFC 3261 13.2.2.4).
func (c *rawCall) ack2xx(res *rawMsg) error {
	return c.request("ACK", res.contactURI(), "z9hG4bK-"+token(), res.header("To"), 1)
}

// bye ends the dialog the 2xx res established.
func (c *rawCall) bye(res *rawMsg) error {
	return c.request("BYE", res.contactURI(), "z9hG4bK-"+token(), res.header("To"), 2)
}

// respond answers a request of the gateway.
func (c *rawCall) respond(req *rawMsg, code int, reason string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\n", code, reason)
	for _, v := range req.hdrs["via"] {
		fmt.Fprintf(&b, "Via: %s\n", v)
	}
	to := req.header("To")
	if !strings.Contains(to, ";tag=") {
		to += ";tag=" + token()
	}
	fmt.Fprintf(&b, "From: %s\nTo: %s\nCall-ID: %s\nCSeq: %s\nContent-Length: 0\n\n",
		req.header("From"), to, req.header("Call-ID"), req.header("CSeq"))
	return c.send(b.String())
}

// next returns the next message matching keep, or an error after limit.
func (c *rawCall) next(limit time.Duration, what string, keep func(*rawMsg) bool) (*rawMsg, error) {
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				return nil, fmt.Errorf("rawsip: socket closed waiting for %s", what)
			}
			if keep(m) {
				return m, nil
			}
		case <-timer.C:
			return nil, fmt.Errorf("rawsip: no %s within %v; received %v", what, limit, c.received())
		}
	}
}

// response matches a response to method with a status in [lo, hi].
func response(method string, lo, hi int) func(*rawMsg) bool {
	return func(m *rawMsg) bool { return m.status >= lo && m.status <= hi && m.method == method }
}
