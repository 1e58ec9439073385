package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipring/mgmt/config"
	"tipring/sip"
)

func TestBrokenConfigNamesLineAndField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tipring.yaml")
	os.WriteFile(path, []byte("zone: us\nsip:\n  rtp_ports: \"10000-9\"\n"), 0o644)
	var stderr bytes.Buffer
	if code := run([]string{"--config", path}, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "tipring.yaml:3: sip.rtp_ports") {
		t.Errorf("error does not name line and field: %s", stderr.String())
	}
}

func TestUnknownBackend(t *testing.T) {
	cfg := config.Default()
	cfg.Board.Backend = "nonesuch"
	err := serve(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "nonesuch") {
		t.Fatalf("serve with an unknown backend: %v", err)
	}
}

func freeTCP(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDaemonServesDefaultConfig starts the daemon's wiring on the embedded
// default (ports moved off the well-known ones), places a simulated call
// through the API and reads it back from the CDR endpoint.
func TestDaemonServesDefaultConfig(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SIP.RTPPortMin, cfg.SIP.RTPPortMax = 41000, 41999
	base, stop := startDaemon(t, cfg, io.Discard)
	post := func(path, body string) {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %s", path, resp.Status)
		}
	}
	getJSON := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	waitPort := func(i int, state string) {
		t.Helper()
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
			var ports []struct{ State string }
			getJSON("/api/v1/ports", &ports)
			if len(ports) > i && ports[i].State == state {
				return
			}
		}
		t.Fatalf("port %d never %s", i+1, state)
	}
	post("/api/v1/sim/phone/3/offhook", "")
	post("/api/v1/sim/phone/3/dial", `{"digits":"2004"}`)
	waitPort(3, "ringing")
	post("/api/v1/sim/phone/4/offhook", "")
	waitPort(2, "connected")
	post("/api/v1/sim/phone/3/onhook", "")
	post("/api/v1/sim/phone/4/onhook", "")
	waitPort(2, "idle")
	var cdrs []struct {
		From, To, Disposition string
	}
	for end := time.Now().Add(5 * time.Second); len(cdrs) == 0 && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		getJSON("/api/v1/cdr", &cdrs)
	}
	if len(cdrs) != 1 || cdrs[0].From != "2003" || cdrs[0].To != "2004" || cdrs[0].Disposition != "ANSWERED" {
		t.Errorf("CDRs %+v", cdrs)
	}
	stop()
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "cdr.db")); err != nil {
		t.Errorf("no CDR database: %v", err)
	}
}

// noHandler refuses every call; the test below only builds the UA.
type noHandler struct{}

func (noHandler) OnIncoming(_ string, c *sip.Call) { c.Reject(480, "Temporarily Unavailable") }

// TestExampleConfigBuildsUA: every account of the documented example —
// the registering phone account and the ITSP trunk with peers, number
// format, URI parameters and identity header — is accepted by the SIP
// user agent as the daemon maps it, so what the example teaches works.
func TestExampleConfigBuildsUA(t *testing.T) {
	f, err := config.Parse(config.ExampleYAML(), "example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc := f.SIPConfig()
	if len(sc.Accounts) != 2 || !sc.Accounts[1].Trunk || sc.Accounts[1].URIParams != "user=phone" || sc.Accounts[1].Identity != "pai" {
		t.Fatalf("accounts mapped as %+v", sc.Accounts)
	}
	if _, err := sip.New(sc, noHandler{}); err != nil {
		t.Fatalf("the example's SIP settings are refused: %v", err)
	}
}
