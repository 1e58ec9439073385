package sip

import (
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSipviciousSvcrackTrunkBlocked: svcrack guesses the inbound password
// of a trunk (the right one, 1050, lies in its range 1000-1100). Every
// wrong guess is a digest failure counted by the guard, which blocks
// 127.0.0.1 after five, long before the right guess; svcrack finds
// nothing and a carrier at another address still gets in.
func TestSipviciousSvcrackTrunkBlocked(t *testing.T) {
	bin, err := exec.LookPath("svcrack")
	if err != nil {
		t.Fatalf("svcrack not found: install the Debian package sipvicious: %v", err)
	}
	u, g, rec := digestTrunkUA(t, "1050", 5)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	// Never -R: it reports to the tool's author over the network.
	cmd := exec.CommandContext(ctx, bin, "-b", "127.0.0.1", "-P", fmt.Sprint(freeUDPPort(t, false)), "--maximumtime", "3",
		"-v", "-m", "INVITE", "-u", "carrier", "-r", "1000-1100", "udp://"+u.ListenAddr("udp").String())
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "HOME="+dir)
	out, _ := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("svcrack did not finish:\n%s", out)
	}
	t.Logf("svcrack:\n%s", out)
	if strings.Contains(string(out), "The password for") || strings.Contains(string(out), "1050") {
		t.Errorf("svcrack found the password:\n%s", out)
	}
	blocked := false
	for _, e := range g.Blocked() {
		blocked = blocked || e.Addr == netip.MustParseAddr("127.0.0.1")
	}
	if !blocked {
		t.Fatalf("127.0.0.1 not blocked after svcrack: %+v (stats %+v)", g.Blocked(), g.Stats())
	}
	select {
	case c := <-rec.calls:
		t.Fatalf("svcrack got a call through for %q", c.Local().Number)
	default:
	}

	carrier := newRawSource(t, "127.0.0.3", u)
	_, msg := carrier.invite("5550100", waitLong)
	ch := challenges(msg)
	if len(ch) == 0 {
		t.Fatalf("no challenge for the carrier:\n%s", msg)
	}
	ruri := "sip:5550100@" + u.ListenAddr("udp").String()
	if code, m := carrier.invite("5550100", waitLong, "Authorization: "+digestAuth("MD5", "INVITE", ruri, "carrier", ch[0]["realm"], "1050", ch[0]["nonce"])); code != 486 {
		t.Fatalf("carrier with the right password: %d\n%s", code, m)
	}
}
