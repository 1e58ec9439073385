package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tipring/mgmt/config"
	"tipring/mgmt/guardstore"
)

// lockedBuffer collects a daemon's log lines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startDaemon runs serve on cfg until the returned stop is called; it
// returns the API's base URL once the API answers.
func startDaemon(t *testing.T, cfg *config.File, logs io.Writer) (base string, stop func()) {
	t.Helper()
	cfg.HTTP.Listen = freeTCP(t)
	sipAddr := freeTCP(t)
	cfg.SIP.Listen = []string{"udp:" + sipAddr, "tcp:" + sipAddr}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- serve(ctx, cfg, slog.New(slog.NewTextHandler(logs, nil))) }()
	base = "http://" + cfg.HTTP.Listen
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/api/v1/status")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-errc:
			cancel()
			t.Fatalf("daemon exited at start: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("daemon did not come up: %v", err)
		}
	}
	return base, func() {
		t.Helper()
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("daemon did not stop")
		}
	}
}

func apiDo(t *testing.T, method, url, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// listEntries reads an allow or deny list route as "prefix=source" strings.
func listEntries(t *testing.T, base, kind string) string {
	t.Helper()
	code, b := apiDo(t, "GET", base+"/api/v1/security/"+kind, "")
	if code != 200 {
		t.Fatalf("GET %s: %d %s", kind, code, b)
	}
	var l struct {
		Entries []struct{ Prefix, Source string }
	}
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range l.Entries {
		out = append(out, e.Prefix+"="+e.Source)
	}
	return strings.Join(out, ",")
}

// TestDaemonKeepsGuardEdits: allow and deny list entries and a block set
// through the API are in force after the daemon restarts, on top of the
// configuration's lists and marked as the API's; with the store file
// damaged the daemon still starts, with the configuration's lists, and logs
// what happened.
func TestDaemonKeepsGuardEdits(t *testing.T) {
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.SIP.RTPPortMin, cfg.SIP.RTPPortMax = 42000, 42999
	cfg.Security.Allow = []string{"127.0.0.0/8"}
	cfg.Security.Deny = []string{"192.0.2.66"}

	var logs lockedBuffer
	base, stop := startDaemon(t, cfg, &logs)
	for kind, body := range map[string]string{
		"allow": `{"prefixes":["127.0.0.0/8","10.1.0.0/16"]}`,
		"deny":  `{"prefixes":["198.51.100.0/24"]}`,
	} {
		if code, b := apiDo(t, "PUT", base+"/api/v1/security/"+kind, body); code != 200 {
			t.Fatalf("PUT %s: %d %s", kind, code, b)
		}
	}
	if code, b := apiDo(t, "POST", base+"/api/v1/security/blocked", `{"addr":"203.0.113.5","seconds":3600,"reason":"scanner"}`); code != 200 {
		t.Fatalf("block: %d %s", code, b)
	}
	stop()

	base, stop = startDaemon(t, cfg, &logs)
	if got, want := listEntries(t, base, "allow"), "127.0.0.0/8=config,10.1.0.0/16=api"; got != want {
		t.Errorf("allow after restart: %s, want %s", got, want)
	}
	if got, want := listEntries(t, base, "deny"), "192.0.2.66/32=config,198.51.100.0/24=api"; got != want {
		t.Errorf("deny after restart: %s, want %s", got, want)
	}
	code, b := apiDo(t, "GET", base+"/api/v1/security/blocked", "")
	if code != 200 || !strings.Contains(string(b), `"203.0.113.5"`) || !strings.Contains(string(b), "scanner") {
		t.Errorf("blocks after restart: %d %s", code, b)
	}
	stop()

	store := filepath.Join(cfg.DataDir, guardstore.FileName)
	if err := os.WriteFile(store, []byte(`{"version":1,"allow":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	base, stop = startDaemon(t, cfg, &logs)
	defer stop()
	if got, want := listEntries(t, base, "allow"), "127.0.0.0/8=config"; got != want {
		t.Errorf("allow with a damaged store: %s, want %s", got, want)
	}
	if got, want := listEntries(t, base, "deny"), "192.0.2.66/32=config"; got != want {
		t.Errorf("deny with a damaged store: %s, want %s", got, want)
	}
	if l := logs.String(); !strings.Contains(l, "API edits not restored") || !strings.Contains(l, store) {
		t.Errorf("no log naming the damaged store %s:\n%s", store, l)
	}
	if _, err := os.Stat(store + ".corrupt"); err != nil {
		t.Errorf("damaged store not kept aside: %v", err)
	}
}
