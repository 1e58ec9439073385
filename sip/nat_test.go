package sip

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
	"github.com/pion/rtp"
)

// TestRFC3581RportLearning: our REGISTER's Via carries rport; the
// registrar answers with received=127.0.0.2;rport=5999, so we re-register
// at once with that address as Contact (removing the old one with
// expires=0), report it as PublicAddr, and our INVITEs advertise it in
// Contact and SDP.
func TestRFC3581RportLearning(t *testing.T) {
	p := newPeer(t, "udp")
	regs := make(chan *sipgo_sip.Request, 16)
	p.srv.OnRegister(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		regs <- req
		res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
		via := res.Via()
		via.Params.Add("received", "127.0.0.2")
		via.Params.Add("rport", "5999")
		for _, h := range req.GetHeaders("Contact") {
			res.AppendHeader(sipgo_sip.NewHeader("Contact", h.Value()))
		}
		res.AppendHeader(sipgo_sip.NewHeader("Expires", "300"))
		_ = tx.Respond(res)
	})
	invites := make(chan *sipgo_sip.Request, 4)
	p.srv.OnInvite(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		invites <- req
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	p.serve()
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", Registrar: "sip:" + p.addr}), newRecorder(nil))

	first := recv(t, regs, "REGISTER")
	if via := first.Via(); via == nil || !via.Params.Has("rport") || via.Host != "127.0.0.1" {
		t.Errorf("Via %v lacks rport or sent-by is not the bound address", first.Via())
	}
	if c := first.Contact(); c == nil || c.Address.Host != "127.0.0.1" {
		t.Fatalf("first Contact %v", first.Contact())
	}
	second := recv(t, regs, "re-REGISTER with the public address")
	cs := second.GetHeaders("Contact")
	var all []string
	for _, h := range cs {
		all = append(all, h.Value())
	}
	joined := strings.Join(all, ", ")
	if !strings.Contains(joined, "<sip:2001@127.0.0.2:5999>") || !strings.Contains(joined, "127.0.0.1") || !strings.Contains(joined, "expires=0") {
		t.Errorf("re-REGISTER Contacts %q: want the public one and the old one with expires=0", joined)
	}
	poll(t, "registration at the public address", u.Registrations, func(rs []RegStatus) bool {
		return len(rs) == 1 && rs[0].Registered && rs[0].PublicAddr == "127.0.0.2:5999"
	})
	c, err := u.Dial(context.Background(), "fxs1", p.uri("3000"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, invites, "INVITE")
	if ct := inv.Contact(); ct == nil || ct.Address.Host != "127.0.0.2" || ct.Address.Port != 5999 {
		t.Errorf("INVITE Contact %v", inv.Contact())
	}
	if !strings.Contains(string(inv.Body()), "c=IN IP4 127.0.0.2\r\n") {
		t.Errorf("SDP does not advertise the public address:\n%s", inv.Body())
	}
	waitEvent(t, c, EventFailed)
	select {
	case r := <-regs:
		t.Errorf("REGISTER loop: %v", r.Contact())
	case <-time.After(300 * time.Millisecond):
	}
}

// TestPublicHostAdvertised: with PublicHost 127.0.0.2 and sockets on
// 127.0.0.1, Contact, SDP c= and o= carry 127.0.0.2 while Via's sent-by
// and the bound sockets stay 127.0.0.1.
func TestPublicHostAdvertised(t *testing.T) {
	p := newPeer(t, "udp")
	invites := make(chan *sipgo_sip.Request, 4)
	p.srv.OnInvite(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		invites <- req
		_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	p.serve()
	cfg := dialConfig("udp:127.0.0.1:0", Account{})
	cfg.PublicHost = "127.0.0.2"
	u, _ := startUA(t, cfg, newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", p.uri("3000"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, invites, "INVITE")
	if ct := inv.Contact(); ct == nil || ct.Address.Host != "127.0.0.2" {
		t.Errorf("Contact %v", inv.Contact())
	}
	if via := inv.Via(); via.Host != "127.0.0.1" || !via.Params.Has("rport") {
		t.Errorf("Via %v", via)
	}
	body := string(inv.Body())
	if !strings.Contains(body, "c=IN IP4 127.0.0.2\r\n") || !strings.Contains(body, " IN IP4 127.0.0.2\r\ns=") {
		t.Errorf("SDP:\n%s", body)
	}
	if got := c.ms.LocalAddr().IP.String(); got != "127.0.0.1" {
		t.Errorf("RTP bound to %s", got)
	}
	waitEvent(t, c, EventFailed)
	if _, err := New(Config{Listen: []string{"udp:127.0.0.1:0"}, PublicHost: "gw.example"}, newRecorder(nil)); err == nil {
		t.Error("PublicHost that is not an IP accepted")
	}
}

// TestRFC5626CRLFKeepaliveTCP: an account registered over TCP with
// Keepalive "crlf" sends the CRLFCRLF ping (RFC 5626 4.4.1) on the
// registration's connection.
func TestRFC5626CRLFKeepaliveTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	pings := make(chan string, 4)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		// One REGISTER, answered 200; then whatever comes is keepalive.
		var hdrs []string
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			if line == "" {
				break
			}
			hdrs = append(hdrs, line)
		}
		var res strings.Builder
		res.WriteString("SIP/2.0 200 OK\r\n")
		for _, h := range hdrs[1:] {
			name, _, _ := strings.Cut(h, ":")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "via", "from", "call-id", "cseq", "contact":
				res.WriteString(h + "\r\n")
			case "to":
				res.WriteString(h + ";tag=reg1\r\n")
			}
		}
		res.WriteString("Expires: 300\r\nContent-Length: 0\r\n\r\n")
		if _, err := conn.Write([]byte(res.String())); err != nil {
			return
		}
		buf := make([]byte, 64)
		for {
			_ = conn.SetReadDeadline(time.Now().Add(waitLong))
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			pings <- string(buf[:n])
		}
	}()
	acc := Account{Name: "fxs1", User: "2001", Registrar: fmt.Sprintf("sip:%s;transport=tcp", ln.Addr()), Keepalive: "crlf", KeepalivePeriod: 200 * time.Millisecond}
	startUA(t, Config{Listen: []string{"udp:127.0.0.1:0", "tcp:127.0.0.1:0"}, Accounts: []Account{acc}}, newRecorder(nil))
	if got := recv(t, pings, "keepalive"); got != "\r\n\r\n" {
		t.Fatalf("keepalive %q, want CRLFCRLF", got)
	}
	if _, err := New(Config{Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1", Registrar: "sip:127.0.0.1", Keepalive: "stun"}}}, newRecorder(nil)); err == nil {
		t.Error("keepalive \"stun\" accepted")
	}
}

// TestRFC4961SymmetricRTPCall: the called peer's SDP announces one port
// but its RTP comes from another; with SymmetricRTP our RTP goes to the
// port it comes from (consecutive sequence numbers arrive there), and a
// single stray packet from a third port does not take it over.
func TestRFC4961SymmetricRTPCall(t *testing.T) {
	announced := udpSock(t)
	sender := udpSock(t)
	stray := udpSock(t)
	peer := newUAS(t, "udp", func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		d, err := u.dsc.ReadInvite(req, tx)
		if err != nil {
			u.t.Error(err)
			return
		}
		u.dialogs <- d
		_ = d.RespondSDP(peerSDP(announced.LocalAddr().(*net.UDPAddr).Port, "0"))
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{Name: "fxs1", User: "2001", SymmetricRTP: true}), newRecorder(nil))
	c, err := u.Dial(context.Background(), "fxs1", peer.uri("3000"))
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, peer.invites, "INVITE")
	ours, _ := remoteMedia(t, inv.Body())
	waitEvent(t, c, EventAnswered)
	ms := c.Media()
	seq := uint16(100)
	send := func(from *net.UDPConn) {
		t.Helper()
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x5eed}, Payload: make([]byte, 160)}
		seq++
		b, _ := pkt.Marshal()
		if _, err := from.WriteToUDP(b, ours); err != nil {
			t.Fatal(err)
		}
	}
	frame := make([]int16, 160)
	// expect: what we send now arrives at want, consecutive, and nowhere else.
	expect := func(want *net.UDPConn, others ...*net.UDPConn) {
		t.Helper()
		var last uint16
		for i := range 3 {
			ms.Push(frame)
			var p rtp.Packet
			if err := p.Unmarshal(readUDP(t, want, time.Second)); err != nil {
				t.Fatal(err)
			}
			if i > 0 && p.SequenceNumber != last+1 {
				t.Errorf("sequence %d after %d", p.SequenceNumber, last)
			}
			last = p.SequenceNumber
		}
		for _, o := range others {
			if b := tryReadUDP(o, 50*time.Millisecond); b != nil {
				t.Errorf("RTP also reaches %v", o.LocalAddr())
			}
		}
	}
	send(sender)
	waitFor(t, "first packet", func() bool { return ms.Stats().PacketsReceived >= 1 })
	drainUDP(announced)
	expect(sender, announced, stray)
	send(stray) // one spoofed packet, right SSRC and next sequence number
	send(sender)
	waitFor(t, "three packets", func() bool { return ms.Stats().PacketsReceived >= 3 })
	expect(sender, stray, announced)
	_ = c.Hangup()
	waitEvent(t, c, EventEnded)
}

func udpSock(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func readUDP(t *testing.T, c *net.UDPConn, d time.Duration) []byte {
	t.Helper()
	b := tryReadUDP(c, d)
	if b == nil {
		t.Fatalf("nothing received on %v", c.LocalAddr())
	}
	return b
}

func tryReadUDP(c *net.UDPConn, d time.Duration) []byte {
	buf := make([]byte, 2048)
	_ = c.SetReadDeadline(time.Now().Add(d))
	n, err := c.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

func drainUDP(c *net.UDPConn) {
	for tryReadUDP(c, 10*time.Millisecond) != nil {
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll(t, what, cond, func(ok bool) bool { return ok })
}
