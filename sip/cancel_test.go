package sip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// rawRequest is a request as a UAC writes it by hand.
func rawRequest(method, ruri, laddr, branch, callID, tag string, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=%s\r\nMax-Forwards: 70\r\n", method, ruri, laddr, branch)
	fmt.Fprintf(&b, "From: <sip:5551000@%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\nCSeq: 1 %s\r\n", laddr, tag, ruri, callID, method)
	if body != "" {
		fmt.Fprintf(&b, "Contact: <sip:5551000@%s>\r\nContent-Type: application/sdp\r\n", laddr)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	return b.String()
}

// TestRFC3261CancelRightBehindInvite: a CANCEL sent right behind its
// INVITE, before any response, over UDP, must find the INVITE (RFC 3261
// 9.2) even though sipgo handles each message in a goroutine of its own
// and so may look the CANCEL up before the INVITE's transaction exists:
// 200 to the CANCEL, 487 to the INVITE, never 481, every time.
func TestRFC3261CancelRightBehindInvite(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Ringing() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	go func() {
		for range rec.calls {
			<-rec.account
		}
	}()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	to := ourURI(u, "2001", "udp")
	dst, err := net.ResolveUDPAddr("udp", to.HostPort())
	if err != nil {
		t.Fatal(err)
	}
	laddr := conn.LocalAddr().String()
	body := string(peerSDP(4000, "0"))
	buf := make([]byte, 65535)
	for i := range 20 {
		branch, callID, tag := fmt.Sprintf("z9hG4bK-c%d-%s", i, randomToken(4)), randomToken(8), randomToken(4)
		for _, m := range []string{
			rawRequest("INVITE", to.String(), laddr, branch, callID, tag, body),
			rawRequest("CANCEL", to.String(), laddr, branch, callID, tag, ""),
		} {
			if _, err := conn.WriteToUDP([]byte(m), dst); err != nil {
				t.Fatal(err)
			}
		}
		final := map[string]int{}
		for final["INVITE"] == 0 || final["CANCEL"] == 0 {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := conn.Read(buf)
			if err != nil {
				t.Fatalf("call %d: %v; final responses so far %v", i, err, final)
			}
			msg, err := sipgo_sip.ParseMessage(buf[:n])
			if err != nil {
				t.Fatal(err)
			}
			res, ok := msg.(*sipgo_sip.Response)
			if !ok || res.StatusCode < 200 || res.CallID().Value() != callID {
				continue
			}
			final[res.CSeq().MethodName.String()] = res.StatusCode
			if res.CSeq().MethodName == sipgo_sip.INVITE {
				ack := rawRequest("ACK", to.String(), laddr, branch, callID, tag, "")
				ack = strings.Replace(ack, "To: <"+to.String()+">", "To: "+res.To().Value(), 1)
				if _, err := conn.WriteToUDP([]byte(ack), dst); err != nil {
					t.Fatal(err)
				}
			}
		}
		if final["INVITE"] != 487 || final["CANCEL"] != 200 {
			t.Errorf("call %d: INVITE %d, CANCEL %d; want 487 and 200", i, final["INVITE"], final["CANCEL"])
		}
	}
}

// TestPendingInvitesAwait: a CANCEL handled before its INVITE's handler
// has started waits for it; one for another INVITE, or with nothing
// arriving, gives up after the wait.
func TestPendingInvitesAwait(t *testing.T) {
	req := func(branch string) *sipgo_sip.Request {
		msg, err := sipgo_sip.ParseMessage([]byte(rawRequest("INVITE", "sip:2001@127.0.0.1", "127.0.0.1:5070", branch, "cid", "t1", "")))
		if err != nil {
			t.Fatal(err)
		}
		return msg.(*sipgo_sip.Request)
	}
	var p pendingInvites
	inv := req("z9hG4bK-a")
	tx := sipgo_sip.NewServerTx("k", inv, nil, testLogger(t))
	go func() {
		time.Sleep(20 * time.Millisecond)
		p.add(req("z9hG4bK-other"), tx)
		time.Sleep(20 * time.Millisecond)
		p.add(inv, tx)
	}()
	if got := p.await(req("z9hG4bK-a"), 5*time.Second); got != tx {
		t.Errorf("await = %v, want the INVITE's transaction", got)
	}
	if got := p.await(req("z9hG4bK-b"), 30*time.Millisecond); got != nil {
		t.Errorf("await for an unknown INVITE = %v, want nil", got)
	}
	remove := p.add(req("z9hG4bK-c"), tx)
	remove()
	if got := p.await(req("z9hG4bK-c"), time.Millisecond); got != nil {
		t.Errorf("await after the handler ended = %v, want nil", got)
	}
}
