package interop

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
)

// burstResult is what SIPp's -trace_stat and -trace_rtt report for a run.
type burstResult struct {
	successful, failed, retrans, outOfCall int
	rate                                   float64   // calls per second over the run
	rtt                                    []float64 // response times (ms), sorted
}

// lastStat returns the last row of SIPp's ';'-separated statistics file
// as column → value.
func lastStat(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no statistics row", path)
	}
	m := map[string]string{}
	last := rows[len(rows)-1]
	for i, k := range rows[0] {
		if i < len(last) {
			m[k] = last[i]
		}
	}
	return m, nil
}

// runBurst runs a SIPp client scenario for calls calls at rate calls/s
// against the gateway on transport ("u1" or "t1") and collects the
// statistics. SIPp's exit status is 0 only when every call succeeded.
func runBurst(t *testing.T, r *rig, scenario, service, transport string, calls, rate int) burstResult {
	t.Helper()
	sipp := requireTool(t, "sipp", "sip-tester")
	scen, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipp, "-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local",
		"-sf", scen, "-s", service, "-t", transport, "-p", fmt.Sprint(freePort(t)),
		"-m", fmt.Sprint(calls), "-r", fmt.Sprint(rate), "-l", fmt.Sprint(calls),
		"-recv_timeout", "10s", "-timeout", "45s", "-timeout_error", "-nostdin",
		"-trace_err", "-trace_stat", "-fd", "1", "-trace_rtt", "-rtt_freq", "1",
		fmt.Sprintf("127.0.0.1:%d", r.sipPort))
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	runErr := cmd.Run()
	elapsed := time.Since(start)
	if runErr != nil {
		t.Fatalf("sipp %s: %v\n%s\n%s", scenario, runErr, out.String(), sippLogs(dir))
	}
	stats, _ := filepath.Glob(filepath.Join(dir, "*_.csv"))
	if len(stats) != 1 {
		t.Fatalf("sipp %s: statistics file missing\n%s", scenario, sippLogs(dir))
	}
	st, err := lastStat(stats[0])
	if err != nil {
		t.Fatal(err)
	}
	atoi := func(k string) int {
		v, err := strconv.Atoi(strings.TrimSpace(st[k]))
		if err != nil {
			t.Fatalf("sipp statistics: column %q = %q", k, st[k])
		}
		return v
	}
	res := burstResult{successful: atoi("SuccessfulCall(C)"), failed: atoi("FailedCall(C)"), retrans: atoi("Retransmissions(C)"), outOfCall: atoi("OutOfCallMsgs(C)")}
	res.rate = float64(res.successful+res.failed) / elapsed.Seconds()
	if v, err := strconv.ParseFloat(strings.TrimSpace(st["CallRate(C)"]), 64); err == nil && v > 0 {
		res.rate = v
	}
	rtts, _ := filepath.Glob(filepath.Join(dir, "*_rtt.csv"))
	for _, f := range rtts {
		data, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Split(line, ";")
			if len(fs) >= 2 {
				if v, err := strconv.ParseFloat(fs[1], 64); err == nil {
					res.rtt = append(res.rtt, v)
				}
			}
		}
	}
	sort.Float64s(res.rtt)
	return res
}

func (b burstResult) percentile(p float64) float64 {
	if len(b.rtt) == 0 {
		return 0
	}
	return b.rtt[min(len(b.rtt)-1, int(p*float64(len(b.rtt))))]
}

// checkBurst asserts that every call of the burst got its expected final
// response without failure and with few retransmissions, and logs the
// measured rate and response times.
func checkBurst(t *testing.T, what string, b burstResult, calls int) {
	t.Helper()
	t.Logf("%s: %d ok, %d failed, %d retransmissions, %d out-of-call messages, %.1f calls/s, response time median %.0f ms, p95 %.0f ms, max %.0f ms (%d samples)",
		what, b.successful, b.failed, b.retrans, b.outOfCall, b.rate, b.percentile(0.5), b.percentile(0.95), b.percentile(1), len(b.rtt))
	if b.successful != calls || b.failed != 0 {
		t.Errorf("%s: %d successful and %d failed calls, want %d and 0", what, b.successful, b.failed, calls)
	}
	// On loopback a request is answered long before Timer A (500 ms); a few
	// retransmissions on a loaded machine are tolerated, a storm is not.
	if b.retrans > calls/50 {
		t.Errorf("%s: %d retransmissions for %d calls", what, b.retrans, calls)
	}
	// A response retransmitted after its transaction ended on the SIPp
	// side (e.g. a 486 whose ACK did not match, RFC 3261 17.2.1) arrives
	// out of call.
	if b.outOfCall > calls/50 {
		t.Errorf("%s: %d messages out of call", what, b.outOfCall)
	}
	if len(b.rtt) != calls {
		t.Errorf("%s: %d response times recorded, want %d", what, len(b.rtt), calls)
	}
}

// TestSIPpBurst50cps: SIPp places 200 INVITEs at 50 calls/s (over UDP and
// over TCP) to a port in do-not-disturb: every one gets 486 Busy Here and
// its ACK, none fails; then 200 OPTIONS at 50/s all get 200 OK. The
// gateway serves a normal call afterwards.
func TestSIPpBurst50cps(t *testing.T) {
	const calls, rate = 200, 50
	r := startRig(t, gateway.Config{
		DigitMap: "2xxx",
		Ports: []gateway.PortConfig{
			{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"},
			{Span: 1, Chan: 2, Extension: "2002", Account: "fxs2", DND: true},
		},
	}, rigOptions{accounts: localAccounts("", "2001", "2002")})

	for _, tr := range []struct{ name, mode string }{{"udp", "u1"}, {"tcp", "t1"}} {
		b := runBurst(t, r, "uac_busy.xml", "2002", tr.mode, calls, rate)
		checkBurst(t, "INVITE→486 over "+tr.name, b, calls)
	}
	b := runBurst(t, r, "uac_options.xml", "2001", "u1", calls, rate)
	checkBurst(t, "OPTIONS over udp", b, calls)

	waitUntil(t, "no call left after the bursts", 5*time.Second, func() bool { return len(r.gw.Calls()) == 0 })
	for _, p := range r.gw.Ports() {
		if !slices.Contains([]gateway.PortState{gateway.PortIdle}, p.State) {
			t.Errorf("port %s is %s after the bursts", p.Name, p.State)
		}
	}
	checkPlainCall(t, r, "2001")
}
