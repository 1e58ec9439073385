package sip

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
	"tipring/sip/siptest"
)

const waitLong = 10 * time.Second

func testLogger(t testing.TB) *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("SIP_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: level}))
}

// recorder is a Handler that hands calls to the test.
type recorder struct {
	calls   chan *Call
	onCall  func(*Call)
	account chan string
}

func newRecorder(on func(*Call)) *recorder {
	return &recorder{calls: make(chan *Call, 4), account: make(chan string, 4), onCall: on}
}

func (r *recorder) OnIncoming(account string, c *Call) {
	r.account <- account
	if r.onCall != nil {
		r.onCall(c)
	}
	r.calls <- c
}

// startUA runs a UA until the test ends; stop ends it early and waits.
func startUA(t testing.TB, cfg Config, h Handler) (u *UA, stop func()) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t)
	}
	if cfg.RTPPortMin == 0 {
		cfg.RTPPortMin, cfg.RTPPortMax = 20000, 40000
	}
	u, err := New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	select {
	case <-u.Ready():
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Error("UA did not stop")
			}
		})
	}
	t.Cleanup(stop)
	return u, stop
}

// peer is a SIP endpoint built from sipgo for the other side of a test.
type peer struct {
	t       *testing.T
	network string
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	cli     *sipgo.Client
	addr    string // ip:port bound
	port    int
}

func newPeer(t *testing.T, network string) *peer {
	t.Helper()
	log := testLogger(t)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("peer"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sipgo_sip.WithTransactionLayerLogger(log)),
		sipgo.WithUserAgentTransportLayerOptions(sipgo_sip.WithTransportLayerLogger(log)))
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	cli, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(log))
	return &peer{t: t, network: network, ua: ua, srv: srv, cli: cli}
}

// serve binds the peer's listener, runs setup (which may read p.addr and
// p.port) and starts serving; register handlers before.
func (p *peer) serve(setup ...func()) {
	t := p.t
	switch p.network {
	case "udp":
		conn, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = conn.LocalAddr().String()
		p.port = conn.LocalAddr().(*net.UDPAddr).Port
		for _, f := range setup {
			f()
		}
		go func() { _ = p.srv.ServeUDP(conn) }()
		t.Cleanup(func() { _ = conn.Close() })
	case "tcp":
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = ln.Addr().String()
		p.port = ln.Addr().(*net.TCPAddr).Port
		for _, f := range setup {
			f()
		}
		go func() { _ = p.srv.ServeTCP(ln) }()
		t.Cleanup(func() { _ = ln.Close() })
	}
	t.Cleanup(func() { _ = p.ua.Close() })
}

// uri is a SIP URI for user at this peer.
func (p *peer) uri(user string) string {
	s := fmt.Sprintf("sip:%s@%s", user, p.addr)
	if p.network == "tcp" {
		s += ";transport=tcp"
	}
	return s
}

func (p *peer) contact() sipgo_sip.ContactHeader {
	c := sipgo_sip.ContactHeader{Address: sipgo_sip.Uri{Scheme: "sip", User: "peer", Host: "127.0.0.1", Port: p.port}}
	if p.network == "tcp" {
		c.Address.UriParams = sipgo_sip.NewParams()
		c.Address.UriParams.Add("transport", "tcp")
	}
	return c
}

func ourURI(u *UA, user, network string) sipgo_sip.Uri {
	a := u.ListenAddr(network)
	host, port, _ := net.SplitHostPort(a.String())
	n, _ := strconv.Atoi(port)
	uri := sipgo_sip.Uri{Scheme: "sip", User: user, Host: host, Port: n}
	if network == "tcp" {
		uri.UriParams = sipgo_sip.NewParams()
		uri.UriParams.Add("transport", "tcp")
	}
	return uri
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// digestOK checks MD5 credentials (RFC 2617 3.2.2, qop=auth or none)
// answering nonce.
func digestOK(method, user, realm, pass, nonce, cred string) bool {
	return siptest.DigestParams(cred)["nonce"] == nonce && siptest.DigestOK(method, user, realm, pass, cred)
}

// peerSDP is an SDP body of the peer's; it uses only static types.
func peerSDP(port int, formats string, extra ...string) []byte {
	s := "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		fmt.Sprintf("m=audio %d RTP/AVP %s\r\n", port, formats)
	for _, e := range extra {
		s += e + "\r\n"
	}
	return []byte(s)
}

var (
	reMedia = regexp.MustCompile(`(?m)^m=audio (\d+) RTP/AVP ([0-9 ]+)\r?$`)
	reConn  = regexp.MustCompile(`(?m)^c=IN IP4 (\S+)\r?$`)
)

// remoteMedia reads the RTP address and formats from an SDP body by hand,
// independent of package sdp.
func remoteMedia(t *testing.T, body []byte) (*net.UDPAddr, []string) {
	t.Helper()
	m := reMedia.FindSubmatch(body)
	c := reConn.FindSubmatch(body)
	if m == nil || c == nil {
		t.Fatalf("no audio in SDP:\n%s", body)
	}
	port, _ := strconv.Atoi(string(m[1]))
	return &net.UDPAddr{IP: net.ParseIP(string(c[1])), Port: port}, strings.Fields(string(m[2]))
}

// peerMedia opens an RTP session for the peer.
func peerMedia(t *testing.T) *media.Session {
	t.Helper()
	ms, err := media.Listen("127.0.0.1", 40002, 50000, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ms.Close() })
	return ms
}

func startPeerMedia(t *testing.T, ms *media.Session, codec string, remote *net.UDPAddr) {
	t.Helper()
	cd, ok := media.CodecByName(codec)
	if !ok {
		t.Fatalf("codec %s", codec)
	}
	if err := ms.Start(media.Params{Codec: cd, RemoteRTP: remote}); err != nil {
		t.Fatal(err)
	}
}

// goertzel returns the power of freq in x (8 kHz).
func goertzel(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 8000
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

// checkAudioFlows sends a tone from a to b, paced like the TDM clock, and
// measures it in what b plays out: the tone must be far above the other
// test frequency and at a sensible level.
func checkAudioFlows(t *testing.T, from, to *media.Session, freq float64) {
	t.Helper()
	const frame = 160
	var got []int16
	tx := make([]int16, frame)
	rx := make([]int16, frame)
	n := 0
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < 75; i++ { // 1.5 s
		<-tick.C
		for k := range tx {
			tx[k] = int16(8000 * math.Sin(2*math.Pi*freq*float64(n)/8000))
			n++
		}
		from.Push(tx)
		to.Pull(rx)
		if i >= 40 {
			got = append(got, rx...)
		}
	}
	pTone := goertzel(got, freq)
	pOther := goertzel(got, 1633)
	var energy float64
	for _, v := range got {
		energy += float64(v) * float64(v)
	}
	rms := math.Sqrt(energy / float64(len(got)))
	if pTone < 100*pOther || rms < 2000 {
		t.Fatalf("tone %.0f Hz not received: rms %.0f, tone/other power ratio %.1f (stats %+v)", freq, rms, pTone/max(pOther, 1), to.Stats())
	}
}

// talkThenCalleeHangsUp measures audio both ways on an answered call
// between two of our UAs (c the caller's side, in the callee's), then has
// the callee hang up: the caller's call ends by the remote BYE, the
// callee's by its own.
func talkThenCalleeHangsUp(t *testing.T, c, in *Call) {
	t.Helper()
	checkAudioFlows(t, c.Media(), in.Media(), 1000)
	checkAudioFlows(t, in.Media(), c.Media(), 700)
	if err := in.Hangup(); err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, c, EventEnded); ev.Reason != ReasonRemoteBye {
		t.Errorf("caller ended %+v", ev)
	}
	if ev := waitEvent(t, in, EventEnded); ev.Reason != ReasonLocalBye {
		t.Errorf("callee ended %+v", ev)
	}
}

func waitEvent(t testing.TB, c *Call, want EventKind) Event {
	t.Helper()
	timeout := time.After(waitLong)
	for {
		select {
		case e, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %v", want)
			}
			if e.Kind == want {
				return e
			}
			if e.Kind == EventEnded || e.Kind == EventFailed {
				t.Fatalf("got %v (%d %s) while waiting for %v", e.Kind, e.Code, e.Reason, want)
			}
		case <-timeout:
			t.Fatalf("no %v event", want)
		}
	}
}

func waitClosed(t *testing.T, c *Call) {
	t.Helper()
	select {
	case _, ok := <-c.Events():
		if ok {
			t.Fatal("event after terminal event")
		}
	case <-time.After(waitLong):
		t.Fatal("events not closed")
	}
}

func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLong):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// poll calls get until ok accepts what it returns, and returns that; after
// waitLong the test fails showing the last value.
func poll[T any](t testing.TB, what string, get func() T, ok func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(waitLong)
	for {
		v := get()
		if ok(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s: %+v", what, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
