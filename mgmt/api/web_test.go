package api_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/mgmt/api"
)

// TestWebUIRendersInChromium loads the web UI in headless Chromium (the
// browser installers use) against the API with a fake gateway and checks
// the DOM the page's script builds: status, registrations, SIP servers
// with their up/down state, hunt groups with busy members, ports, calls
// and CDRs all rendered from the JSON views. A script error or a renamed
// JSON field leaves a table empty and fails the test.
func TestWebUIRendersInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium not installed (apt-get install chromium): the web UI cannot be checked")
	}
	e := newEnv(t, false)
	e.gw.SetServers([]api.Server{
		{URI: "sip:pbx.example.com", Accounts: []string{"fxs1", "fxs2"}, Up: true, LastCode: 200},
		{URI: "sip:sbc.carrier.example", Accounts: []string{"carrier"}, LastError: "no answer"},
	})
	e.gw.SetGroups([]gateway.GroupStatus{{Name: "sales", Strategy: "roundrobin", Members: []gateway.MemberStatus{
		{Port: "2002", Free: true}, {Port: "2003"},
	}}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=5000", "--dump-dom", e.srv.URL+"/")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{
		"1.2.3-test",              // status header
		"sip:pbx.example.com",     // servers
		"fxs1, fxs2",              // the accounts sharing it
		"sip:sbc.carrier.example", // a trunk's server ...
		"no answer",               // ... that is down
		"roundrobin",              // groups
		"2003 (busy)",             // a busy member
		"updated ",                // the refresh completed without a script error
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered page lacks %q", want)
		}
	}
	if t.Failed() {
		if len(dom) > 4000 {
			dom = dom[:4000]
		}
		t.Logf("DOM:\n%s", dom)
	}
}
