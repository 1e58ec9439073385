package main

import (
	"fmt"
	"strings"
	"testing"

	"tipring/gateway"
)

// TestLineLearnTone: the CLI posts the request for the line (a name with
// slashes is escaped), prints the tone and the configuration line to paste,
// raw JSON with --json, and the API's error with exit status 1.
func TestLineLearnTone(t *testing.T) {
	f := newFixture(t)
	code, out, errOut := runCLI("line", "learn-tone", "FXO/1/5", "5551234", "--seconds", "6")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	reqs := f.gw.LearnRequests()
	if len(reqs) != 1 || reqs[0].Line != "FXO/1/5" || reqs[0].Request != (gateway.LearnRequest{Number: "5551234", Seconds: 6, Signal: "busy"}) {
		t.Errorf("requests %+v", reqs)
	}
	for _, want := range []string{"480 Hz", "300/200 ms", "-16.0 dBm0", `disconnect_tones: ["busy 480 Hz 300/200 ms"]`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI("--json", "line", "learn-tone", "FXO/1/6", "777", "--signal", "congestion")
	if code != 0 || !strings.Contains(out, `"signature": "busy 480 Hz 300/200 ms"`) {
		t.Errorf("exit %d, --json output:\n%s", code, out)
	}
	if r := f.gw.LearnRequests(); r[1].Request.Signal != "congestion" {
		t.Errorf("signal %q", r[1].Request.Signal)
	}

	f.gw.SetLearn(nil, fmt.Errorf("the line gave no dial tone: %w", gateway.ErrNoDialTone))
	code, _, errOut = runCLI("line", "learn-tone", "FXO/1/5", "5551234")
	if code != exitFail || !strings.Contains(errOut, "no dial tone") || !strings.Contains(errOut, "HTTP 502") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	code, _, errOut = runCLI("line", "learn-tone", "pstn9", "5551234")
	if code != exitFail || !strings.Contains(errOut, "no such line") {
		t.Errorf("exit %d: %s", code, errOut)
	}

	for _, args := range [][]string{{"line"}, {"line", "learn"}, {"line", "learn-tone", "FXO/1/5"},
		{"line", "learn-tone", "FXO/1/5", "1", "2"}, {"line", "learn-tone", "FXO/1/5", "1", "--seconds", "99"},
		{"line", "learn-tone", "FXO/1/5", "1", "--seconds", "1"}, {"line", "learn-tone", "FXO/1/5", "1", "--seconds", "-3"},
		{"line", "learn-tone", "FXO/1/5", "1", "--seconds", "x"}} {
		if code, _, _ := runCLI(args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
