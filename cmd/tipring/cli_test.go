package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tipring/mgmt/api"
	"tipring/mgmt/api/apitest"
	"tipring/mgmt/config"
)

type fixture struct {
	url string
	gw  *apitest.Gateway
	cdr *apitest.CDRs
	sim *apitest.Sim
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{gw: apitest.NewGateway(), cdr: apitest.NewCDRs(30), sim: apitest.NewSim()}
	srv := httptest.NewServer(api.NewHandler(api.Options{
		Gateway: f.gw, CDR: f.cdr, Sim: f.sim, Version: "9.9.9",
		ConfigCheck: func(b []byte) error { _, err := config.Parse(b, "x.yaml"); return err },
	}))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	t.Setenv("TIPRING_API", srv.URL)
	return f
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

// cols splits a table line on runs of two or more spaces.
func cols(line string) []string {
	return regexp.MustCompile(`\s{2,}`).Split(strings.TrimSpace(line), -1)
}

func lines(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") }

func TestStatus(t *testing.T) {
	newFixture(t)
	code, out, errOut := runCLI("status")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := map[string]string{"Version": "9.9.9", "Board": "sim", "Zone": "us", "Ports": "6", "Active calls": "1", "Total calls": "42"}
	got := map[string]string{}
	for _, l := range lines(out) {
		c := cols(l)
		if len(c) == 2 {
			got[c[0]] = c[1]
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q\n%s", k, got[k], v, out)
		}
	}
	if !strings.Contains(out, "(up ") {
		t.Errorf("no uptime:\n%s", out)
	}
}

func TestPortsTable(t *testing.T) {
	newFixture(t)
	code, out, _ := runCLI("ports")
	if code != 0 {
		t.Fatal(code)
	}
	ls := lines(out)
	if len(ls) != 7 {
		t.Fatalf("want header + 6 rows:\n%s", out)
	}
	if h := cols(ls[0]); strings.Join(h, ",") != "PORT,KIND,SPAN/CHAN,EXT,ACCOUNT,STATE,LINE,HOOK,REG,CALL" {
		t.Errorf("header %q", h)
	}
	if r := cols(ls[1]); strings.Join(r, ",") != "FXS/1/1,fxs,1/1,2001,fxs1,connected,connected,off,yes,call-1" {
		t.Errorf("row 1 %q", r)
	}
	if r := cols(ls[6]); strings.Join(r, ",") != "FXO/1/6,fxo,1/6,-,-,idle,idle,on,-,-" {
		t.Errorf("row 6 %q", r)
	}
	// Columns line up: every row has STATE at the header's offset.
	off := strings.Index(ls[0], "STATE")
	for _, l := range ls[1:] {
		if l[off-1] != ' ' || l[off] == ' ' {
			t.Errorf("misaligned: %q", l)
		}
	}
}

func TestCallsRegsCDR(t *testing.T) {
	f := newFixture(t)
	_, out, _ := runCLI("calls")
	if ls := lines(out); len(ls) != 2 || !strings.HasPrefix(ls[1], "call-1") || !strings.Contains(ls[1], "FXS/1/1 <-> sip:5551234@127.0.0.1") {
		t.Errorf("calls:\n%s", out)
	}
	_, out, _ = runCLI("registrations")
	if ls := lines(out); len(ls) != 3 || cols(ls[2])[2] != "no" || !strings.HasSuffix(ls[2], "403 Forbidden") {
		t.Errorf("registrations:\n%s", out)
	}
	code, out, _ := runCLI("cdr", "--limit", "3", "--number", "2001")
	if ls := lines(out); code != 0 || len(ls) != 4 || !strings.HasSuffix(ls[1], "cdr-29") {
		t.Errorf("cdr:\n%s", out)
	}
	if q := f.cdr.LastQuery(); q.Limit != 3 || q.Number != "2001" {
		t.Errorf("query %+v", q)
	}
	_, out, _ = runCLI("cdr", "--limit=2")
	if r := cols(lines(out)[1]); r[4] != "ANSWERED" || r[5] != "0:30" {
		t.Errorf("cdr row %q", r)
	}
	_, out, _ = runCLI("cdr", "--number", "000")
	if strings.TrimSpace(out) != "no call records" {
		t.Errorf("empty cdr: %q", out)
	}
}

func TestJSONOutput(t *testing.T) {
	newFixture(t)
	for _, args := range [][]string{{"--json", "ports"}, {"ports", "--json"}} {
		code, out, _ := runCLI(args...)
		var v []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil || len(v) != 6 || v[0]["name"] != "FXS/1/1" {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
	_, out, _ := runCLI("status", "--json")
	var st map[string]any
	if json.Unmarshal([]byte(out), &st) != nil || st["total_calls"] != float64(42) {
		t.Errorf("status json %q", out)
	}
}

func TestSimCommands(t *testing.T) {
	f := newFixture(t)
	steps := []struct {
		args []string
		want api.SimAction
	}{
		{[]string{"sim", "phone", "1", "offhook"}, api.SimAction{Target: "phone", Port: 1, Op: "offhook"}},
		{[]string{"sim", "phone", "1", "dial", "2002#"}, api.SimAction{Target: "phone", Port: 1, Op: "dial", Digits: "2002#"}},
		{[]string{"sim", "phone", "1", "pulse", "19"}, api.SimAction{Target: "phone", Port: 1, Op: "pulse", Digits: "19"}},
		{[]string{"sim", "phone", "1", "play", "440", "-13"}, api.SimAction{Target: "phone", Port: 1, Op: "play", Freq: 440, Level: -13}},
		{[]string{"sim", "phone", "1", "flash"}, api.SimAction{Target: "phone", Port: 1, Op: "flash"}},
		{[]string{"sim", "phone", "1", "stop"}, api.SimAction{Target: "phone", Port: 1, Op: "stop"}},
		{[]string{"sim", "phone", "1", "onhook"}, api.SimAction{Target: "phone", Port: 1, Op: "onhook"}},
		{[]string{"sim", "line", "2", "ring", "--number", "5551234", "--name", "Ann Smith"}, api.SimAction{Target: "line", Port: 2, Op: "ring", Number: "5551234", Name: "Ann Smith"}},
		{[]string{"sim", "--number=777", "line", "2", "ring"}, api.SimAction{Target: "line", Port: 2, Op: "ring", Number: "777"}},
		{[]string{"sim", "line", "2", "answer"}, api.SimAction{Target: "line", Port: 2, Op: "answer"}},
		{[]string{"sim", "line", "2", "play", "1004"}, api.SimAction{Target: "line", Port: 2, Op: "play", Freq: 1004, Level: -10}},
		{[]string{"sim", "line", "2", "hangup"}, api.SimAction{Target: "line", Port: 2, Op: "hangup"}},
		{[]string{"sim", "line", "2", "stop"}, api.SimAction{Target: "line", Port: 2, Op: "stop"}},
	}
	for i, s := range steps {
		code, out, errOut := runCLI(s.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, code, errOut)
		}
		if !strings.HasPrefix(out, s.want.Target+" ") || !strings.Contains(out, s.want.Op+": ok") {
			t.Errorf("%v: output %q", s.args, out)
		}
		acts := f.sim.Actions()
		if len(acts) != i+1 || acts[i] != s.want {
			t.Fatalf("%v: action %+v, want %+v", s.args, acts[len(acts)-1], s.want)
		}
	}
	code, out, _ := runCLI("sim")
	var snap map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &snap) != nil || snap["actions"] != float64(len(steps)) {
		t.Errorf("sim snapshot: %d %q", code, out)
	}
}

func TestSimRecord(t *testing.T) {
	newFixture(t)
	p := filepath.Join(t.TempDir(), "heard.wav")
	code, out, errOut := runCLI("sim", "phone", "2", "record", "0.5", "-o", p)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "4000 samples") {
		t.Errorf("output %q", out)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, err := api.ReadWAV(b)
	if err != nil || rate != 8000 || len(samples) != 4000 {
		t.Fatalf("wav: %d samples at %d Hz: %v", len(samples), rate, err)
	}
	// Without -o the samples are counted, not saved.
	code, out, _ = runCLI("sim", "line", "1", "record", "0.25")
	if code != 0 || !strings.Contains(out, "2000 samples") {
		t.Errorf("record without -o: %d %q", code, out)
	}
}

func TestConfigCheck(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "tipring.yaml")
	os.WriteFile(good, config.ExampleYAML(), 0o600)
	os.WriteFile(bad, []byte("zone: us\nsip:\n  rtp_ports: \"10000-9\"\n  codecs: [G729]\n"), 0o600)
	// No daemon is needed: point at a closed port.
	t.Setenv("TIPRING_API", "http://127.0.0.1:1")
	code, out, _ := runCLI("config", "check", good)
	if code != 0 || out != good+": OK\n" {
		t.Errorf("good: %d %q", code, out)
	}
	code, out, _ = runCLI("config", "check", good, bad)
	want := good + ": OK\n" +
		bad + `:3: sip.rtp_ports: "10000-9" is not a range LOW-HIGH` + "\n" +
		bad + `:4: sip.codecs[0]: "G729" is not a supported codec (PCMU, PCMA)` + "\n"
	if code != 1 || out != want {
		t.Errorf("bad: exit %d\n%s\nwant\n%s", code, out, want)
	}
	code, out, _ = runCLI("--json", "config", "check", bad)
	var r struct {
		OK     bool
		Errors []string
	}
	if code != 1 || json.Unmarshal([]byte(out), &r) != nil || r.OK || len(r.Errors) != 2 {
		t.Errorf("json: %d %q", code, out)
	}
	code, out, errOut := runCLI("config", "check", filepath.Join(dir, "missing.yaml"))
	if code != 1 || !strings.Contains(errOut+out, "missing.yaml") {
		t.Errorf("missing: %d %q", code, errOut)
	}
}

func TestUnreachable(t *testing.T) {
	// A port that was just listening and is now closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()
	code, out, errOut := runCLI("--api", addr, "status")
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "tipring: cannot reach the daemon at "+addr+": ") {
		t.Errorf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	t.Setenv("TIPRING_API", addr)
	code, _, errOut = runCLI("sim", "phone", "1", "offhook")
	if code != 1 || !strings.Contains(errOut, "cannot reach the daemon at "+addr) {
		t.Errorf("env: exit %d %q", code, errOut)
	}
}

func TestAPIErrors(t *testing.T) {
	newFixture(t)
	code, _, errOut := runCLI("sim", "phone", "9", "offhook")
	if code != 1 || !strings.Contains(errOut, "not found (HTTP 404)") {
		t.Errorf("404: %d %q", code, errOut)
	}
	code, _, errOut = runCLI("sim", "phone", "2", "dial", "1")
	if code != 1 || !strings.Contains(errOut, "on hook") || !strings.Contains(errOut, "HTTP 409") {
		t.Errorf("409: %d %q", code, errOut)
	}
	code, _, errOut = runCLI("sim", "phone", "1", "play", "9000")
	if code != 1 || !strings.Contains(errOut, "freq") || !strings.Contains(errOut, "HTTP 400") {
		t.Errorf("400: %d %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	newFixture(t)
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"status", "extra"},
		{"--bogus", "status"},
		{"cdr", "--limit", "x"},
		{"cdr", "--limit"},
		{"cdr", "--limit", "-1"},
		{"config"},
		{"config", "check"},
		{"sim", "phone"},
		{"sim", "phone", "x", "offhook"},
		{"sim", "phone", "0", "offhook"},
		{"sim", "desk", "1", "offhook"},
		{"sim", "phone", "1", "dial"},
		{"sim", "phone", "1", "play", "abc"},
		{"sim", "phone", "1", "play", "440", "loud"},
		{"sim", "phone", "1", "record"},
		{"sim", "phone", "1", "offhook", "-o", "x.wav"},
		{"sim", "line", "1", "ring", "extra"},
		{"--api", "ftp://127.0.0.1", "status"},
	} {
		code, out, errOut := runCLI(args...)
		if code != 2 || !strings.HasPrefix(errOut, "tipring: ") || out != "" {
			t.Errorf("%q: exit %d stdout %q stderr %q", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI("help")
	if code != 0 || !strings.Contains(out, "usage: tipring") || !strings.Contains(out, "sim line N ring") {
		t.Errorf("help: %d %q", code, out)
	}
	if code, out, _ := runCLI("status", "-h"); code != 0 || !strings.Contains(out, "usage:") {
		t.Errorf("-h: %d", code)
	}
}

func TestServersView(t *testing.T) {
	f := newFixture(t)
	_, out, _ := runCLI("servers")
	if !strings.Contains(out, "no SIP servers probed") {
		t.Errorf("servers without any:\n%s", out)
	}
	f.gw.SetServers([]api.Server{
		{URI: "sip:pbx.example.com", Accounts: []string{"fxs1", "fxs2"}, Up: true, LastCode: 200},
		{URI: "sip:sbc.carrier.example", Accounts: []string{"carrier"}, LastError: "timeout"},
	})
	code, out, _ := runCLI("servers")
	ls := lines(out)
	if code != 0 || len(ls) != 3 {
		t.Fatalf("servers (exit %d):\n%s", code, out)
	}
	if r := cols(ls[1]); r[0] != "sip:pbx.example.com" || r[1] != "fxs1,fxs2" || r[2] != "yes" || r[len(r)-1] != "200" {
		t.Errorf("row %q", r)
	}
	if r := cols(ls[2]); r[2] != "no" || r[len(r)-1] != "timeout" {
		t.Errorf("row %q", r)
	}
	if code, _, errOut := runCLI("servers", "extra"); code != exitUsage || !strings.Contains(errOut, "servers takes no arguments") {
		t.Errorf("servers extra: exit %d: %s", code, errOut)
	}
}
