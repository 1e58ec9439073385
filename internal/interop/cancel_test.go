package interop

// CANCEL races with SIPp (RFC 3261 9.1, 9.2, 15): many short calls at a
// high rate in which the CANCEL meets the INVITE at every point, in both
// directions. Whatever the interleaving, every call must end: no call left
// in the gateway's call table, every port idle, SIPp counting no failed
// call, and the gateway's CDR of each call agreeing with what SIPp saw.

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tipring/gateway"
)

// cdrLog collects the gateway's CDRs.
type cdrLog struct {
	mu   sync.Mutex
	recs []gateway.CDR
}

func (l *cdrLog) WriteCDR(r gateway.CDR) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r)
	return nil
}

func (l *cdrLog) all() []gateway.CDR {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.recs)
}

// cancelPorts are the extensions of the simulated board's four FXS ports.
var cancelPorts = []string{"2001", "2002", "2003", "2004"}

// startCancelRig runs a gateway with the four FXS ports on cancelPorts,
// numbers 3xxx routed to routeTarget, and its CDRs collected.
func startCancelRig(t *testing.T, routeTarget string) (*rig, *cdrLog) {
	t.Helper()
	cdrs := &cdrLog{}
	r := startRig(t, routedConfig(routeTarget, cancelPorts...), rigOptions{
		accounts: localAccounts("", cancelPorts...),
		cdr:      cdrs,
	})
	return r, cdrs
}

// sippScenario writes testdata/name with the replacements made into a
// temporary directory and returns its path.
func sippScenario(t *testing.T, name string, repl ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.NewReplacer(repl...).Replace(string(data))), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readOutcomes reads the "<id> <outcome>" lines the scenarios append to
// outcomes.txt in dir.
func readOutcomes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	f, err := os.Open(filepath.Join(dir, "outcomes.txt"))
	if err != nil {
		t.Fatalf("sipp outcomes: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		id, what, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if ok {
			out[id] = what
		}
	}
	return out
}

// settle waits until the call table is empty and every FXS port idle.
func settle(t *testing.T, r *rig) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		calls := r.gw.Calls()
		var busy []string
		for _, p := range r.gw.Ports() {
			if p.Kind == "FXS" && p.State != gateway.PortIdle {
				busy = append(busy, fmt.Sprintf("%s %s (%s)", p.Name, p.State, p.LineState))
			}
		}
		if len(calls) == 0 && len(busy) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the run: %d calls left in the call table %+v, ports not idle %v", len(calls), calls, busy)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// jitter is a uniformly random duration in [lo, hi].
func jitter(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rand.Int64N(int64(hi-lo)+1))
}

// answerRinging plays phone n on port ext until ctx ends: when the port
// rings it answers after a random delay in [lo, hi] if it still rings
// (hi 0: never), hangs up once the far end has, and waits for idle.
func answerRinging(ctx context.Context, r *rig, n int, ext string, lo, hi time.Duration) {
	p, err := r.board.Phone(n)
	if err != nil {
		panic(err)
	}
	waitFor := func(cond func(gateway.PortState) bool) bool {
		for ctx.Err() == nil {
			if cond(portState(r.gw, ext)) {
				return true
			}
			time.Sleep(2 * time.Millisecond)
		}
		return false
	}
	for waitFor(func(s gateway.PortState) bool { return s == gateway.PortRinging }) {
		if hi == 0 {
			waitFor(func(s gateway.PortState) bool { return s != gateway.PortRinging })
			continue
		}
		time.Sleep(jitter(lo, hi))
		if portState(r.gw, ext) != gateway.PortRinging {
			continue
		}
		p.OffHook()
		// Connected until SIPp's BYE (then tone), or dial tone when the
		// CANCEL won.
		waitFor(func(s gateway.PortState) bool {
			return s == gateway.PortTone || s == gateway.PortDialling || s == gateway.PortIdle
		})
		p.OnHook()
		waitFor(func(s gateway.PortState) bool { return s == gateway.PortIdle })
	}
}

// TestSIPpCancelRaces: SIPp calls the four FXS ports (one SIPp per port, a
// new call as soon as the last one ended) and CANCELs every INVITE after
// the 180 while the phone rings. The scenario and the phone player also
// take a phone that answers as the CANCEL goes (answerLo/answerHi, mixed),
// but SIPp 3.6 handles one scenario step per scheduling round and takes a
// 200 OK that lands between its timeout and its CANCEL as unexpected, so
// that case is not run. A CANCEL that finds the INVITE pending
// must get 200 and the INVITE 487 (RFC 3261 9.2); one that comes after the
// 200 has no effect (200 or 481), the 200 stands and SIPp ACKs and hangs
// up with BYE. Each call's CDR must say CANCELLED or ANSWERED as SIPp saw
// it, and the gateway must end with no call and every port idle.
func TestSIPpCancelRaces(t *testing.T) {
	const callsPerPort = 13 // 52 calls per case
	after180 := `  <recv response="100" optional="true"/>
  <recv response="180"/>
  <recv response="200" timeout="{{PAUSE}}" ontimeout="cancel" next="answeredNoCancel">
    <action>
      <ereg regexp="tag=([^;>]+)" search_in="hdr" header="To:" check_it="true" assign_to="totag,dlgtag"/>
    </action>
  </recv>`
	cases := []struct {
		name               string
		beforeCancel       string
		pause              string
		answerLo, answerHi time.Duration // the phone's answer delay; 0: never answers
		mixed              bool          // both outcomes must occur
	}{
		{name: "after 180", beforeCancel: after180, pause: "100"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, cdrs := startCancelRig(t, "")
			scen := sippScenario(t, "uac_cancel.xml", "{{BEFORE_CANCEL}}", strings.ReplaceAll(tc.beforeCancel, "{{PAUSE}}", tc.pause))
			ctx, cancel := context.WithCancel(context.Background())
			var phones sync.WaitGroup
			for i, ext := range cancelPorts {
				phones.Go(func() { answerRinging(ctx, r, i+1, ext, tc.answerLo, tc.answerHi) })
			}
			dirs := make([]string, len(cancelPorts))
			errs := make([]error, len(cancelPorts))
			outs := make([]string, len(cancelPorts))
			var sipps sync.WaitGroup
			start := time.Now()
			for i, ext := range cancelPorts {
				sctx, scancel := context.WithTimeout(ctx, 90*time.Second)
				defer scancel()
				cmd, out := sippCmd(t, sctx, "-sf", scen, "-s", ext, "-m", fmt.Sprint(callsPerPort), "-l", "1", "-r", "20",
					"-timeout", "80s", "-recv_timeout", "10s", "-p", fmt.Sprint(freePort(t)), "-mp", fmt.Sprint(freeMediaPort(t)),
					fmt.Sprintf("127.0.0.1:%d", r.sipPort))
				dirs[i] = cmd.Dir
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				sipps.Go(func() { errs[i] = cmd.Wait(); outs[i] = out.String() })
			}
			sipps.Wait()
			elapsed := time.Since(start)
			cancel()
			phones.Wait()
			for i := range cancelPorts {
				if errs[i] != nil {
					t.Errorf("sipp calling %s: %v (exit status 1 = failed calls)\n%s\n%s", cancelPorts[i], errs[i], outs[i], sippLogs(dirs[i]))
				}
			}
			settle(t, r)

			checkCancelCDRs(t, cdrs.all(), dirs, len(cancelPorts)*callsPerPort, tc.mixed)
			t.Logf("%d calls in %v", len(cancelPorts)*callsPerPort, elapsed.Round(time.Millisecond))
		})
	}
}

// checkCancelCDRs matches the CDRs of inbound calls to SIPp's outcomes by
// the caller number (77<call number>, distinct per SIPp instance but not
// across them, so per port).
func checkCancelCDRs(t *testing.T, recs []gateway.CDR, dirs []string, total int, mixed bool) {
	t.Helper()
	if len(recs) != total {
		t.Errorf("%d CDRs, want %d", len(recs), total)
	}
	count := map[string]int{}
	for i, ext := range cancelPorts {
		outcomes := readOutcomes(t, dirs[i])
		for _, rec := range recs {
			if rec.To != ext {
				continue
			}
			want := map[string]string{"answered": "ANSWERED", "cancelled": "CANCELLED"}[outcomes[rec.From]]
			if rec.Disposition != want {
				t.Errorf("call from %s to %s: CDR %s (cause %q), SIPp saw %q", rec.From, ext, rec.Disposition, rec.Cause, outcomes[rec.From])
			}
			count[rec.Disposition]++
		}
	}
	t.Logf("CDRs: %v", count)
	if mixed && (count["ANSWERED"] == 0 || count["CANCELLED"] == 0) {
		t.Errorf("CDRs %v: the race did not produce both outcomes", count)
	}
	if !mixed && count["CANCELLED"] != total {
		t.Errorf("CDRs %v: want all %d CANCELLED", count, total)
	}
}
