package sip

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sipp runs one SIPp scenario from testdata against loopback. SIPp is
// required: these tests check us against an independent implementation.
type sipp struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  bytes.Buffer
	dir  string
	port int // SIPp's SIP port
	done chan error
}

// freeUDPPort finds a free UDP port on 127.0.0.1; even reports an even one
// whose odd neighbour is free as well (RTP and RTCP).
func freeUDPPort(t *testing.T, even bool) int {
	t.Helper()
	for range 100 {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		_ = c.Close()
		if !even {
			return p
		}
		p &^= 1
		a, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		b, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if a != nil {
			_ = a.Close()
		}
		if b != nil {
			_ = b.Close()
		}
		if err1 == nil && err2 == nil {
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// startSIPp runs scenario (a file in testdata, or an absolute path) with
// SIPp bound to 127.0.0.1, its lifetime bounded by -timeout, and returns
// once SIPp listens; extra are further arguments (e.g. the remote address
// for a caller scenario).
func startSIPp(t *testing.T, scenario string, extra ...string) *sipp {
	t.Helper()
	bin, err := exec.LookPath("sipp")
	if err != nil {
		t.Fatalf("sipp not found: these interop tests need SIPp (Debian package sip-tester): %v", err)
	}
	scen := scenario
	if !filepath.IsAbs(scen) {
		var err error
		if scen, err = filepath.Abs(filepath.Join("testdata", scenario)); err != nil {
			t.Fatal(err)
		}
	}
	s := &sipp{t: t, dir: t.TempDir(), port: freeUDPPort(t, false), done: make(chan error, 1)}
	args := []string{"-sf", scen, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local",
		"-p", fmt.Sprint(s.port), "-mp", fmt.Sprint(freeUDPPort(t, true)), "-rtp_echo",
		"-m", "1", "-l", "1", "-timeout", "40s", "-timeout_error", "-nostdin",
		"-trace_err", "-trace_msg"}
	args = append(args, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	s.cmd = exec.CommandContext(ctx, bin, args...)
	s.cmd.Dir = s.dir
	s.cmd.Stdout = &s.out
	s.cmd.Stderr = &s.out
	if err := s.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() {
		s.done <- s.cmd.Wait()
		cancel()
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
	s.waitBound()
	return s
}

// waitBound waits until SIPp has bound its SIP port, so that the first
// request sent to it is not lost; SIPp ending first fails the test.
func (s *sipp) waitBound() {
	s.t.Helper()
	// 127.0.0.1:port as /proc/net/udp writes it, little- or big-endian.
	want := [][]byte{fmt.Appendf(nil, "0100007F:%04X ", s.port), fmt.Appendf(nil, "7F000001:%04X ", s.port)}
	deadline := time.Now().Add(waitLong)
	for {
		tab, err := os.ReadFile("/proc/net/udp")
		if err != nil {
			time.Sleep(300 * time.Millisecond) // no procfs: what SIPp usually needs
			return
		}
		if bytes.Contains(tab, want[0]) || bytes.Contains(tab, want[1]) {
			return
		}
		select {
		case err := <-s.done:
			s.done <- err
			s.t.Fatalf("sipp ended before binding port %d: %v\n%s\n%s", s.port, err, s.out.String(), s.logs())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("sipp did not bind port %d\n%s", s.port, s.logs())
		}
	}
}

// callSIPp starts SIPp as the called party running scenario and calls
// user there from u's account fxs1.
func callSIPp(t *testing.T, u *UA, scenario, user string) (*sipp, *Call) {
	t.Helper()
	s := startSIPp(t, scenario)
	c, err := u.Dial(context.Background(), "fxs1", s.uri(user))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func (s *sipp) uri(user string) string { return fmt.Sprintf("sip:%s@127.0.0.1:%d", user, s.port) }

// wait fails the test unless SIPp ends with success (every call passed).
func (s *sipp) wait() {
	s.t.Helper()
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			s.t.Fatalf("sipp failed: %v\n%s\n%s", err, s.out.String(), s.logs())
		}
	case <-time.After(50 * time.Second):
		s.t.Fatalf("sipp did not finish\n%s", s.logs())
	}
}

func (s *sipp) logs() string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(s.dir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if len(data) > 8000 {
			data = data[len(data)-8000:]
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

// TestSIPpRFC3262CallerEarlyMedia: SIPp calls us with Supported: 100rel;
// Progress sends a reliable 183 that SIPp PRACKs, and our early media comes
// back through SIPp's echo before we answer.
func TestSIPpRFC3262CallerEarlyMedia(t *testing.T) {
	rec := newRecorder(nil)
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	s := startSIPp(t, "uac_prack_early.xml", "-s", "2001", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	if err := c.Progress(); err != nil {
		t.Fatal(err)
	}
	checkAudioFlows(t, c.Media(), c.Media(), 1000)
	if err := c.Answer(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventAnswered)
	if ev := waitEvent(t, c, EventEnded); ev.Reason != ReasonRemoteBye {
		t.Errorf("ended %+v", ev)
	}
	s.wait()
}

// TestSIPpRFC3262CalledEarlyMedia: we call SIPp, which answers with a
// reliable 183 and SDP; we PRACK it, our media comes back through SIPp's
// echo before the 200, and our ACK carries the INVITE's CSeq.
func TestSIPpRFC3262CalledEarlyMedia(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	s, c := callSIPp(t, u, "uas_prack_early.xml", "3000")
	waitEvent(t, c, EventProgress)
	checkAudioFlows(t, c.Media(), c.Media(), 1000)
	waitEvent(t, c, EventAnswered)
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}

// TestSIPpRFC4028SessionRefresh: SIPp makes us the refresher of a 2 s
// session and does not allow UPDATE; we confirm the timer in the 2xx and
// refresh twice with re-INVITE before SIPp hangs up.
func TestSIPpRFC4028SessionRefresh(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, timerConfig("udp:127.0.0.1:0", 30*time.Second), rec)
	s := startSIPp(t, "uac_timer_refresh.xml", "-s", "2001", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	waitEvent(t, c, EventAnswered)
	if ev := waitEvent(t, c, EventEnded); ev.Reason != ReasonRemoteBye {
		t.Errorf("ended %+v", ev)
	}
	s.wait()
	if _, ref, n := c.SessionTimer(); !ref || n < 2 {
		t.Errorf("refresher %v after %d refreshes", ref, n)
	}
}

// TestSIPpRFC3264HoldResume: SIPp holds us with a sendonly re-INVITE; we
// answer recvonly and send nothing (SIPp echoes whatever it gets, and
// nothing comes back); after SIPp resumes, our audio flows again.
func TestSIPpRFC3264HoldResume(t *testing.T) {
	rec := newRecorder(func(c *Call) { _ = c.Answer() })
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	s := startSIPp(t, "uac_hold.xml", "-s", "2001", u.ListenAddr("udp").String())
	c := recv(t, rec.calls, "call from SIPp")
	waitEvent(t, c, EventAnswered)
	waitHold := func(want bool) {
		t.Helper()
		for deadline := time.Now().Add(waitLong); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if _, remote := c.HoldState(); remote == want {
				return
			}
		}
		t.Fatalf("remote hold never %v", want)
	}
	waitHold(true)
	checkSilent(t, c.Media(), c.Media())
	waitHold(false)
	checkAudioFlows(t, c.Media(), c.Media(), 1000)
	waitEvent(t, c, EventEnded)
	s.wait()
}

// TestSIPpRFC3515BlindTransfer: we REFER SIPp to a target; SIPp accepts and
// reports 100 then 200 in NOTIFYs; Transfer returns success and we hang up.
func TestSIPpRFC3515BlindTransfer(t *testing.T) {
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	s, c := callSIPp(t, u, "uas_refer.xml", "3000")
	waitEvent(t, c, EventAnswered)
	ctx, cancel := context.WithTimeout(context.Background(), waitLong)
	defer cancel()
	if err := c.Transfer(ctx, "sip:3002@127.0.0.1:5999"); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, EventEnded)
	s.wait()
}
