package guard

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

// miniUAS is a SIP registrar reduced to what the guard needs: it answers
// REGISTER over UDP with 401 unless the Authorization names alice with the
// right response, and calls the guard exactly as the user agent does.
func miniUAS(t *testing.T, g *Guard) *net.UDPConn {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, src, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			msg := buf[:n]
			method, _, _ := bytes.Cut(msg, []byte(" "))
			head, _, _ := bytes.Cut(msg, []byte("\r\n\r\n"))
			headers := bytes.Count(head, []byte("\r\n"))
			d := g.Admit(src, string(method), n, headers)
			if d.Admit {
				auth := ""
				sc := bufio.NewScanner(bytes.NewReader(head))
				for sc.Scan() {
					if v, ok := strings.CutPrefix(sc.Text(), "Authorization: "); ok {
						auth = v
					}
				}
				user, _, _ := strings.Cut(strings.TrimPrefix(auth, "Digest username="), ",")
				known := user == "alice"
				want := "response=good"
				if !known {
					want = "response=" + g.Decoy("tipring", user)
				}
				d = g.Authenticate(src.Addr(), auth != "", known, strings.Contains(auth, want))
			}
			if d.Silent {
				continue
			}
			code, reason := 200, "OK"
			if !d.Admit {
				code, reason = d.Code, d.Reason
			}
			res := fmt.Sprintf("SIP/2.0 %d %s\r\n", code, reason)
			if code == 401 {
				res += "WWW-Authenticate: Digest realm=\"tipring\", nonce=\"n\"\r\n"
			}
			if d.RetryAfter > 0 {
				res += fmt.Sprintf("Retry-After: %d\r\n", d.RetryAfter)
			}
			_, _ = conn.WriteToUDPAddrPort([]byte(res+"Content-Length: 0\r\n\r\n"), src)
		}
	}()
	return conn
}

// register sends one REGISTER from local and returns the status line, or ""
// when no answer came.
func register(t *testing.T, local string, server net.Addr, user, response string) string {
	t.Helper()
	c, err := net.ListenPacket("udp4", local+":0")
	if err != nil {
		t.Skipf("cannot bind %s: %v", local, err)
	}
	defer c.Close()
	msg := "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + c.LocalAddr().String() +
		";branch=z9hG4bK1\r\nFrom: <sip:" + user + "@127.0.0.1>;tag=1\r\nTo: <sip:" + user +
		"@127.0.0.1>\r\nCall-ID: 1\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 70\r\n"
	if response != "" {
		msg += "Authorization: Digest username=" + user + ", " + response + "\r\n"
	}
	msg += "Content-Length: 0\r\n\r\n"
	if _, err := c.WriteTo([]byte(msg), server); err != nil {
		t.Fatal(err)
	}
	// Silence is the expected answer for a blocked source; the deadline only
	// bounds how long the test waits to be sure of it.
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 2048)
	n, _, err := c.ReadFrom(buf)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
	return line
}

// TestLoopbackPasswordGuessingBlocked plays a password-guessing run (what
// sipvicious svcrack does) over UDP on loopback against a registrar using
// the guard: the guesser is answered 401 for unknown users and wrong
// passwords alike until it is blocked and hears nothing more, while an
// allow-listed gateway with a misconfigured account keeps registering.
func TestLoopbackPasswordGuessingBlocked(t *testing.T) {
	allow, err := ParsePrefixes([]string{"127.0.0.3"})
	if err != nil {
		t.Fatal(err)
	}
	g := mustNew(t, Config{FailureLimit: 4, Allow: allow})
	srv := miniUAS(t, g).LocalAddr()

	if got := register(t, "127.0.0.2", srv, "alice", ""); got != "SIP/2.0 401 Unauthorized" {
		t.Fatalf("first REGISTER: %q", got)
	}
	unknown := register(t, "127.0.0.2", srv, "mallory", "response=x")
	wrong := register(t, "127.0.0.2", srv, "alice", "response=bad")
	if unknown != wrong || wrong != "SIP/2.0 401 Unauthorized" {
		t.Fatalf("unknown user answered %q, wrong password %q", unknown, wrong)
	}
	register(t, "127.0.0.2", srv, "alice", "response=bad2")
	register(t, "127.0.0.2", srv, "alice", "response=bad3") // fourth failure
	if got := register(t, "127.0.0.2", srv, "alice", "response=good"); got != "" {
		t.Fatalf("blocked guesser answered %q", got)
	}
	for range 6 {
		if got := register(t, "127.0.0.3", srv, "bob", "response=bad"); got != "SIP/2.0 401 Unauthorized" {
			t.Fatalf("allow-listed gateway, bad account: %q", got)
		}
	}
	if got := register(t, "127.0.0.3", srv, "alice", "response=good"); got != "SIP/2.0 200 OK" {
		t.Fatalf("allow-listed gateway, good account: %q", got)
	}
	if bl := g.Blocked(); len(bl) != 1 || bl[0].Addr != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("Blocked() = %+v", bl)
	}
}
