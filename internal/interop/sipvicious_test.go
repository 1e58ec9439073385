package interop

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/sip/guard"
)

// svAllowed is the allow-listed loopback source: a PBX that must keep
// working while a scanner on 127.0.0.1 is blocked.
const svAllowed = "127.0.0.3"

// svStart runs a whole gateway whose UA is defended by a guard: five
// failures within a minute block a source for a minute; svAllowed is exempt.
// FXS ports 1 and 2 are the accounts 2001 and 2002.
func svStart(t *testing.T) (*rig, *guard.Guard) {
	t.Helper()
	g, err := guard.New(guard.Config{
		FailureLimit:  5,
		FailureWindow: time.Minute,
		BlockFor:      time.Minute,
		Allow:         []netip.Prefix{netip.MustParsePrefix(svAllowed + "/32")},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := startRig(t, gateway.Config{DigitMap: "2xxx", Ports: fxsPorts("2001", "2002")}, rigOptions{
		accounts: localAccounts("", "2001", "2002"),
		udpOnly:  true,
		guard:    g,
		rtpSpan:  20,
	})
	return r, g
}

// svRun runs a sipvicious tool bound to 127.0.0.1, bounded both by its own
// --maximumtime and by a context, and returns what it printed.
func svRun(t *testing.T, tool string, args ...string) string {
	t.Helper()
	path := requireTool(t, tool, "sipvicious")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Never -R: it reports to the tool's author over the network.
	full := append([]string{"-b", "127.0.0.1", "-P", fmt.Sprint(freePort(t)), "--maximumtime", "3"}, args...)
	cmd := exec.CommandContext(ctx, path, full...)
	cmd.Dir = t.TempDir() // svwar/svcrack keep session files under the cwd's home
	cmd.Env = append(cmd.Environ(), "HOME="+cmd.Dir)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s did not finish within 90 s:\n%s", tool, strings.Join(full, " "), out)
	}
	if err != nil {
		t.Logf("%s exited with %v", tool, err)
	}
	return string(out)
}

// svRequest sends one bodiless request for user from src to the gateway
// over UDP and returns the status code of the first final response, or 0 if
// none came within wait.
func svRequest(t *testing.T, method, user, src string, sipPort int, wait time.Duration) int {
	t.Helper()
	c, err := net.ListenPacket("udp", src+":0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lp := c.LocalAddr().(*net.UDPAddr).Port
	msg := fmt.Sprintf("%s sip:%s@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-sv%d;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:pbx@%s>;tag=sv%d\r\n"+
		"To: <sip:%s@127.0.0.1>\r\n"+
		"Call-ID: sv-%d@%s\r\n"+
		"CSeq: 1 %s\r\n"+
		"Content-Length: 0\r\n\r\n",
		method, user, sipPort, src, lp, time.Now().UnixNano(), src, lp, user, time.Now().UnixNano(), src, method)
	dst := &net.UDPAddr{IP: net.ParseIP("127.0.0.1"), Port: sipPort}
	if _, err := c.WriteTo([]byte(msg), dst); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	deadline := time.Now().Add(wait)
	for {
		c.SetReadDeadline(deadline)
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return 0
		}
		var code int
		if _, err := fmt.Sscanf(string(buf[:n]), "SIP/2.0 %d", &code); err == nil && code >= 200 {
			return code
		}
	}
}

// svFound matches svwar's report of an extension it believes exists.
var svFound = regexp.MustCompile(`extension '[^']*' (exists|probably exists)|we have \d+ extensions`)

// TestSipviciousSvwarLearnsNothing scans extensions 2000-2010 (2001 and 2002
// exist) with svwar's three methods. REGISTER is answered 405 whatever the
// user (the gateway is no registrar), OPTIONS 200 whatever the user, and an
// INVITE without an offer 488 whatever the user (the account is looked up
// only after that check). Whatever the method, svwar must list no extension.
func TestSipviciousSvwarLearnsNothing(t *testing.T) {
	for _, m := range []string{"REGISTER", "OPTIONS", "INVITE"} {
		t.Run(m, func(t *testing.T) {
			r, _ := svStart(t)
			out := svRun(t, "svwar", "-v", "-m", m, "-e", "2000-2010", fmt.Sprintf("udp://127.0.0.1:%d", r.sipPort))
			if svFound.MatchString(out) {
				t.Errorf("svwar -m %s enumerated extensions:\n%s", m, out)
			}
			if !strings.Contains(out, "found nothing") {
				t.Errorf("svwar -m %s did not finish its scan with \"found nothing\":\n%s", m, out)
			}
			for _, n := range []int{1, 2} {
				if r.phone(t, n).Ringing() {
					t.Errorf("svwar -m %s made phone %d ring", m, n)
				}
			}
			t.Logf("svwar -m %s:\n%s", m, out)
		})
	}
}

// TestSipviciousSvcrackBlocked runs svcrack against the unknown user 2099
// with INVITE, the only method whose requests the gateway counts against a
// source (it challenges nothing, so there is no password to crack).
// svcrack stops at the first answer that is no challenge, so its run is one
// failure; four more unknown-user INVITEs from the same source reach
// FailureLimit (5). Then 127.0.0.1 is blocked: its INVITEs and OPTIONS go
// unanswered, while the allow-listed 127.0.0.3 still gets 200.
func TestSipviciousSvcrackBlocked(t *testing.T) {
	r, g := svStart(t)
	if code := svRequest(t, "OPTIONS", "2001", "127.0.0.1", r.sipPort, 3*time.Second); code != 200 {
		t.Fatalf("before the attack, OPTIONS from 127.0.0.1 got %d, want 200", code)
	}
	out := svRun(t, "svcrack", "-v", "-m", "INVITE", "-u", "2099", "-r", "1000-1100",
		fmt.Sprintf("udp://127.0.0.1:%d", r.sipPort))
	t.Logf("svcrack:\n%s", out)
	if strings.Contains(out, "The password for") || strings.Contains(out, "Does not seem to require authentication") {
		t.Errorf("svcrack learned something:\n%s", out)
	}
	for i := range 4 {
		if code := svRequest(t, "INVITE", "2099", "127.0.0.1", r.sipPort, 3*time.Second); code != 488 {
			t.Fatalf("unknown-user INVITE %d after svcrack got %d, want 488 (as for a known user: no offer)", i+2, code)
		}
	}
	blocked := false
	for _, e := range g.Blocked() {
		if e.Addr == netip.MustParseAddr("127.0.0.1") {
			blocked = true
		}
	}
	if !blocked {
		t.Errorf("127.0.0.1 not in the guard's blocked list %v after 5 failures", g.Blocked())
	}
	for _, m := range []string{"INVITE", "OPTIONS"} {
		if code := svRequest(t, m, "2001", "127.0.0.1", r.sipPort, 2*time.Second); code != 0 {
			t.Errorf("blocked 127.0.0.1 got %d to %s, want silence", code, m)
		}
	}
	if code := svRequest(t, "OPTIONS", "2001", svAllowed, r.sipPort, 3*time.Second); code != 200 {
		t.Errorf("allow-listed %s got %d to OPTIONS, want 200", svAllowed, code)
	}
}
