//go:build linux

package dahdie2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/measure"
	"tipring/hal"
	"tipring/hal/dahdi"
	"tipring/sip"
	"tipring/sip/siptest"
)

// The guest's spans (scripts/dahdi-vm/guest-init.sh): DYN/loc/1:0 (fxsks,
// the telephones) is linked channel by channel to DYN/loc/1:1 (fxoks, the
// daemon's FXS ports). Both are configured, so they are tipring spans 1
// and 2.
const (
	phoneSpan = "DYN/loc/1:0"
	portSpan  = 2

	sipAddr  = "127.0.0.1:5060"
	peerAddr = "127.0.0.1:5070"
	httpAddr = "127.0.0.1:8080"
)

// daemonConfig serves channels 1 and 2 of span 2 as extensions 2001 and
// 2002, each with its own SIP account, routes 3xxx to the SIP peer, and
// runs channel lineChan of span 1 (fxsks) as a PSTN line whose central
// office is the test, on the linked fxoks channel (analog_test.go).
// Extension 2001 reverses polarity on answer, which these spans cannot
// (the port is no hal.PolarityReverser).
const daemonConfig = `board:
  backend: dahdi
zone: us
data_dir: %s
http:
  listen: "` + httpAddr + `"
sip:
  listen: ["udp:` + sipAddr + `"]
  rtp_ports: "10000-10099"
accounts:
  - name: fxs1
    user: "2001"
    domain: "127.0.0.1"
  - name: fxs2
    user: "2002"
    domain: "127.0.0.1"
  - name: line1
    user: "` + lineUser + `"
    domain: "127.0.0.1"
dialplan:
  digit_map: "[2]xxx|3xxx"
ports:
  - span: 2
    chan: 1
    extension: "2001"
    account: fxs1
    caller_name: "Port 1"
    reverse_on_answer: true
  - span: 2
    chan: 2
    extension: "2002"
    account: fxs2
    caller_name: "Port 2"
lines:
  - span: 1
    chan: ` + lineChan + `
    name: pstn1
    account: line1
    inbound: fixed
    destination: "sip:3000@` + peerAddr + `"
    rings_before_answer: 2
    caller_id: [bellcore]
    disconnect_cpc: true
routes:
  - pattern: "3xxx"
    account: fxs1
    target: "sip:{n}@` + peerAddr + `"
`

func needGuest(t *testing.T) {
	t.Helper()
	if os.Getenv("DAHDI_GUEST") == "" {
		t.Skip("needs the DAHDI driver and the daemon: run make test-dahdi")
	}
}

// startCall runs the daemon and the SIP peer and opens phone chanNum for a
// call test, then waits out DAHDI's rxflashtime: a phone that went on hook
// less than 1.25 s ago is flashing, not calling, and an earlier test may
// have used it.
func startCall(t *testing.T, chanNum int) (*daemon, *peer, *phone) {
	t.Helper()
	needGuest(t)
	d := startDaemon(t)
	p := startPeer(t)
	ph := openPhone(t, chanNum)
	time.Sleep(1500 * time.Millisecond)
	return d, p, ph
}

// TestGatewayCallsAcrossDriver runs tipringd on the dahdi board and places
// calls through it from both sides: the phone on the fxsks span calls a SIP
// peer, and the SIP peer calls the phone.
func TestGatewayCallsAcrossDriver(t *testing.T) {
	d, peer, ph := startCall(t, 1)

	t.Run("PhoneCallsSIPPeer", func(t *testing.T) {
		ph.hook(t, hal.HookOffHook)
		time.Sleep(400 * time.Millisecond)
		x := ph.listen(time.Second)
		l350, l440 := measure.ToneLevelDBm0(x, 350), measure.ToneLevelDBm0(x, 440)
		t.Logf("dial tone: 350 Hz %.1f dBm0, 440 Hz %.1f dBm0, total %.1f dBm0", l350, l440, measure.LevelDBm0(x))
		// us dial tone: 350 + 440 Hz at -13 dBm0 each.
		for _, l := range []float64{l350, l440} {
			if math.Abs(l+13) > 2 {
				t.Errorf("dial tone component at %.1f dBm0, want -13 ± 2", l)
			}
		}
		if l := measure.ToneLevelDBm0(x, 1004); l > -40 {
			t.Errorf("dial tone has energy at 1004 Hz: %.1f dBm0", l)
		}

		ph.dial(t, "3000")
		var in *sip.Call
		select {
		case in = <-peer.calls:
		case <-time.After(15 * time.Second):
			t.Fatalf("no INVITE reached the SIP peer\n%s", d.logTail())
		}
		if in.Remote().Number != "2001" || in.Local().Number != "3000" {
			t.Errorf("INVITE from %q to %q, want 2001 to 3000", in.Remote().Number, in.Local().Number)
		}
		if err := in.Ringing(); err != nil {
			t.Fatal(err)
		}
		if err := in.Answer(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, in, sip.EventAnswered)
		pa := siptest.NewPump(in.Media())
		defer pa.Close()
		waitFor(t, "call answered in the API", 5*time.Second, func() bool {
			calls := d.calls(t)
			return len(calls) == 1 && !calls[0].Answer.IsZero()
		})

		audioBothWays(t, ph, pa)
		// reverse_on_answer: the port cannot reverse polarity on these
		// spans (hal/dahdi: no hal.PolarityReverser), so the call goes
		// on without a reversal.
		if ph.sawEvent(hal.EventPolarity) {
			t.Errorf("the phone saw a polarity reversal on a span that cannot signal one")
		}

		ph.hook(t, hal.HookOnHook)
		waitEvent(t, in, sip.EventEnded)
		waitFor(t, "no calls in the API", 5*time.Second, func() bool { return len(d.calls(t)) == 0 })
		recs := d.cdr(t)
		if len(recs) != 1 {
			t.Fatalf("%d CDRs, want 1: %+v", len(recs), recs)
		}
		r := recs[0]
		if r.Disposition != "ANSWERED" || r.Direction != "outbound" || r.From != "2001" || r.To != "3000" || r.Duration <= 0 {
			t.Errorf("CDR %+v, want ANSWERED outbound 2001 → 3000", r)
		}
	})

	t.Run("SIPPeerCallsPhone", func(t *testing.T) {
		time.Sleep(1500 * time.Millisecond) // rxflashtime, as above
		ph.clearEvents()
		c, err := peer.ua.Dial(context.Background(), "peer", "sip:2001@"+sipAddr)
		if err != nil {
			t.Fatal(err)
		}
		waitEvent(t, c, sip.EventRinging)
		ev := ph.waitEvent(t, hal.EventRingBegin, 10*time.Second)
		t.Logf("phone rings: %v", ev)
		ph.hook(t, hal.HookOffHook)
		waitEvent(t, c, sip.EventAnswered)
		pa := siptest.NewPump(c.Media())
		defer pa.Close()

		audioBothWays(t, ph, pa)

		if err := c.Hangup(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, c, sip.EventEnded)
		ph.hook(t, hal.HookOnHook)
		waitFor(t, "no calls in the API", 10*time.Second, func() bool { return len(d.calls(t)) == 0 })
		recs := d.cdr(t)
		if len(recs) != 2 {
			t.Fatalf("%d CDRs, want 2: %+v", len(recs), recs)
		}
		var in *cdrRecord
		for i := range recs {
			if recs[i].Direction == "inbound" {
				in = &recs[i]
			}
		}
		if in == nil || in.Disposition != "ANSWERED" || in.From != "3000" || in.To != "2001" {
			t.Errorf("CDRs %+v, want an ANSWERED inbound 3000 → 2001", recs)
		}
	})
	if t.Failed() {
		t.Logf("daemon log:\n%s", d.logTail())
	}
}

// audioBothWays sends a 1004 Hz tone from the SIP peer to the phone and
// then from the phone to the peer, measuring level and frequency at the
// far end each time. The tone crosses G.711 in the driver, the port's
// echo canceller and PCMU over RTP.
func audioBothWays(t *testing.T, ph *phone, pa *siptest.Pump) {
	t.Helper()
	pa.Play(1004, -10)
	time.Sleep(600 * time.Millisecond)
	checkTone(t, "SIP peer → phone", ph.listen(time.Second), 1004, -10)
	pa.Play(0, 0)
	time.Sleep(300 * time.Millisecond)
	ph.play(1004, -16)
	time.Sleep(600 * time.Millisecond)
	checkTone(t, "phone → SIP peer", pa.Listen(time.Second), 1004, -16)
	ph.play(0, 0)
}

func checkTone(t *testing.T, what string, x []int16, freq, level float64) {
	t.Helper()
	if len(x) < 4000 {
		t.Errorf("%s: only %d samples", what, len(x))
		return
	}
	l := measure.ToneLevelDBm0(x, freq)
	f := measure.Frequency(x)
	total := measure.LevelDBm0(x)
	t.Logf("%s: %.1f Hz, %.2f dBm0 at %.0f Hz, %.2f dBm0 in all", what, f, l, freq, total)
	if math.Abs(l-level) > 1.5 {
		t.Errorf("%s: %.2f dBm0 at %.0f Hz, want %.1f ± 1.5", what, l, freq, level)
	}
	if math.Abs(f-freq) > 5 {
		t.Errorf("%s: frequency %.1f Hz, want %.0f ± 5", what, f, freq)
	}
	// Nearly everything heard is the tone: gaps or glitches put power
	// elsewhere. One concealed packet in the second measured (a jitter
	// buffer under emulation) costs about 1 dB and is let pass.
	if total-l > 1.5 {
		t.Errorf("%s: %.2f dBm0 in all but %.2f dBm0 in the tone", what, total, l)
	}
}

// TestHWScan runs `tipring hw scan` and `tipring hw scan --config` in the
// guest and checks they describe its spans.
func TestHWScan(t *testing.T) {
	needGuest(t)
	out, err := exec.Command("tipring", "hw", "scan").CombinedOutput()
	if err != nil {
		t.Fatalf("tipring hw scan: %v\n%s", err, out)
	}
	text := string(out)
	t.Logf("tipring hw scan:\n%s", text)
	for _, want := range []string{
		`span 1: DYN/loc/1:0 "Dynamic 'loc' span at '1:0'" (tipring span 1, analog)`,
		`span 2: DYN/loc/1:1 "Dynamic 'loc' span at '1:1'" (tipring span 2, analog)`,
		`span 3: DYN/loc/2:0 "Dynamic 'loc' span at '2:0'" (tipring span 3, T1)`,
		`span 4: DYN/loc/2:1 "Dynamic 'loc' span at '2:1'" (tipring span 4, T1)`,
		"echo cancellers: MG2",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("scan lacks %q", want)
		}
	}
	// One line per channel: global number, position, signalling, kind.
	count := map[string]int{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] != "span" && f[0] != "type" && f[0] != "device" {
			count[f[2]+" "+f[3]]++
		}
	}
	want := map[string]int{"fxsks FXO": 8, "fxoks FXS": 8, "bchan B": 46, "dchan D": 2}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d channels %q, want %d (all: %v)", count[k], k, n, count)
		}
	}
	if !strings.Contains(text, "    40  24  dchan") || !strings.Contains(text, "     9  1   fxoks") {
		t.Errorf("channel numbering wrong")
	}

	out, err = exec.Command("tipring", "hw", "scan", "--config").CombinedOutput()
	if err != nil {
		t.Fatalf("tipring hw scan --config: %v\n%s", err, out)
	}
	cfg := string(out)
	t.Logf("tipring hw scan --config:\n%s", cfg)
	if !strings.Contains(cfg, "backend: dahdi") || strings.Count(cfg, "  - span: 2\n") != 8 ||
		!strings.Contains(cfg, "  - span: 2\n    chan: 8\n    extension: \"2008\"") {
		t.Errorf("starter configuration does not list the 8 FXS ports of span 2")
	}
	// The starter configuration is what the daemon accepts.
	path := filepath.Join(t.TempDir(), "starter.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tipring", "config", "check", path).CombinedOutput(); err != nil {
		t.Errorf("tipring config check of the starter configuration: %v\n%s", err, out)
	}
}

// daemon is a running tipringd.
type daemon struct {
	cmd *exec.Cmd

	mu   sync.Mutex
	log  []string
	done chan struct{}
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	bin, err := exec.LookPath("tipringd")
	if err != nil {
		t.Fatalf("tipringd not on PATH: %v", err)
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "tipring.yaml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, daemonConfig, filepath.Join(dir, "data")), 0o644); err != nil {
		t.Fatal(err)
	}
	d := &daemon{done: make(chan struct{})}
	d.cmd = exec.Command(bin, "--config", cfgPath, "--log-level", "debug")
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			d.mu.Lock()
			d.log = append(d.log, line)
			d.mu.Unlock()
			if strings.Contains(line, "tipringd running") {
				once.Do(func() { close(running) })
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	exited := make(chan struct{})
	var waitErr error
	go func() { <-d.done; waitErr = d.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
			return // reported below
		default:
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("tipringd: %v\n%s", waitErr, d.logTail())
			}
		case <-time.After(15 * time.Second):
			_ = d.cmd.Process.Kill()
			t.Errorf("tipringd did not stop on SIGTERM\n%s", d.logTail())
		}
	})
	select {
	case <-running:
	case <-exited:
		t.Fatalf("tipringd exited: %v\n%s", waitErr, d.logTail())
	case <-time.After(30 * time.Second):
		t.Fatalf("tipringd not running after 30 s\n%s", d.logTail())
	}
	return d
}

// logTail returns the daemon's last log lines.
func (d *daemon) logTail() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.log
	if len(l) > 120 {
		l = l[len(l)-120:]
	}
	return strings.Join(l, "\n")
}

type callRecord struct {
	ID     string    `json:"id"`
	State  string    `json:"state"`
	Legs   []string  `json:"legs"`
	Answer time.Time `json:"answer"`
}

type cdrRecord struct {
	Direction   string  `json:"direction"`
	From        string  `json:"from"`
	To          string  `json:"to"`
	Disposition string  `json:"disposition"`
	Cause       string  `json:"cause"`
	Duration    float64 `json:"duration_s"`
}

func (d *daemon) get(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v\n%s", path, resp.Status, err, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, body)
	}
}

func (d *daemon) calls(t *testing.T) []callRecord {
	var c []callRecord
	d.get(t, "/api/v1/calls", &c)
	return c
}

func (d *daemon) cdr(t *testing.T) []cdrRecord {
	var c []cdrRecord
	d.get(t, "/api/v1/cdr", &c)
	return c
}

// peer is a SIP user agent on the guest's loopback: it answers every call
// it receives (the test does, from calls) and places calls to the daemon.
type peer struct {
	ua    *sip.UA
	calls chan *sip.Call
}

func (p *peer) OnIncoming(_ string, c *sip.Call) {
	select {
	case p.calls <- c:
	default:
		_ = c.Reject(486, "Busy Here")
	}
}

func startPeer(t *testing.T) *peer {
	t.Helper()
	p := &peer{calls: make(chan *sip.Call, 1)}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("DAHDI_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ua, err := sip.New(sip.Config{
		Listen:     []string{"udp:" + peerAddr},
		RTPPortMin: 20000, RTPPortMax: 20099,
		Accounts: []sip.Account{{Name: "peer", User: "3000", Domain: "127.0.0.1", DisplayName: peerName}},
		Logger:   log,
	}, p)
	if err != nil {
		t.Fatal(err)
	}
	p.ua = ua
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = ua.Run(ctx); close(done) }()
	select {
	case <-ua.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("SIP peer not ready")
	}
	t.Cleanup(func() { cancel(); <-done })
	return p
}

func waitEvent(t *testing.T, c *sip.Call, want sip.EventKind) sip.Event {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("call events closed while waiting for %v", want)
			}
			if ev.Kind == want {
				return ev
			}
			if ev.Kind == sip.EventFailed || ev.Kind == sip.EventEnded {
				t.Fatalf("call ended (%v %d %s) while waiting for %v", ev.Kind, ev.Code, ev.Reason, want)
			}
		case <-timeout:
			t.Fatalf("no %v event", want)
		}
	}
}

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// phone is a telephone on an fxsks channel, driven through hal/dahdi: a
// goroutine reads every frame (recording it and feeding the receivers of
// analog.go), writes DTMF, caller ID, a tone or silence, and collects the
// channel's events with the time it saw them. Opened on an fxoks channel
// (openEnd) it plays the central office of a PSTN line instead.
type phone struct {
	b  *dahdi.Board
	ch hal.Channel

	mu     sync.Mutex
	heard  []int16
	base   int // samples dropped from the front of heard
	freq   float64
	freq2  float64 // a second tone beside freq (dial tone)
	level  float64
	gen    *dtmf.Generator
	events []hal.Event
	times  []time.Time // when each of events was seen
	rx     rxAnalysis
	err    error
	done   chan struct{}
}

func openPhone(t *testing.T, chanNum int) *phone {
	t.Helper()
	return openEnd(t, phoneSpan, chanNum, hal.KindFXO)
}

// openEnd opens channel chanNum of the span named spanName, which must be
// of kind, as the test's end of a linked pair.
func openEnd(t *testing.T, spanName string, chanNum int, kind hal.ChanKind) *phone {
	t.Helper()
	cfg := dahdi.Config{}
	if os.Getenv("DAHDI_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	b, err := dahdi.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sp hal.Span
	for _, s := range b.Spans() {
		if s.Info().Name == spanName {
			sp = s
		}
	}
	if sp == nil {
		b.Close()
		t.Fatalf("no span %s", spanName)
	}
	ch, err := sp.Open(chanNum)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if ch.Info().Kind != kind {
		t.Fatalf("%s is %v, want %v", ch.Info().Name, ch.Info().Kind, kind)
	}
	p := &phone{b: b, ch: ch, gen: dtmf.NewGenerator(dtmf.GenConfig{}), done: make(chan struct{})}
	go p.run()
	t.Cleanup(func() {
		_ = ch.Hook(hal.HookOnHook)
		_ = b.Close()
		<-p.done
		if p.err != nil && !strings.Contains(p.err.Error(), hal.ErrClosed.Error()) {
			t.Errorf("phone: %v", p.err)
		}
	})
	return p
}

func (p *phone) run() {
	defer close(p.done)
	n := p.ch.FrameSamples()
	rx, tx := make([]int16, n), make([]int16, n)
	phase, phase2 := 0.0, 0.0
	for {
		if err := p.ch.ReadFrame(rx); err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			return
		}
		p.mu.Lock()
		p.heard = append(p.heard, rx...)
		if len(p.heard) > 20*hal.SampleRate {
			drop := len(p.heard) - 10*hal.SampleRate
			p.heard = append(p.heard[:0], p.heard[drop:]...)
			p.base += drop
		}
		for {
			ev, ok := p.ch.PollEvent()
			if !ok {
				break
			}
			p.events = append(p.events, ev)
			p.times = append(p.times, time.Now())
		}
		p.rx.process(rx)
		switch {
		case p.rx.sendCID(tx):
		case p.gen.Busy():
			k := p.gen.Fill(tx)
			clear(tx[k:])
		case p.freq > 0:
			phase = measure.Sine(tx, p.freq, p.level, phase)
			if p.freq2 > 0 {
				phase2 = addSine(tx, p.freq2, p.level, phase2)
			}
		default:
			clear(tx)
		}
		p.mu.Unlock()
		if err := p.ch.WriteFrame(tx); err != nil {
			p.mu.Lock()
			p.err = err
			p.mu.Unlock()
			return
		}
	}
}

func (p *phone) hook(t *testing.T, h hal.Hook) {
	t.Helper()
	if err := p.ch.Hook(h); err != nil {
		t.Fatal(err)
	}
}

// dial sends digits as DTMF audio and waits until they are sent.
func (p *phone) dial(t *testing.T, digits string) {
	t.Helper()
	p.mu.Lock()
	err := p.gen.Queue(digits)
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "DTMF sent", 10*time.Second, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return !p.gen.Busy()
	})
}

func (p *phone) play(freq, level float64) {
	p.mu.Lock()
	p.freq, p.freq2, p.level = freq, 0, level
	p.mu.Unlock()
}

// listen returns what the phone hears during the next d.
func (p *phone) listen(d time.Duration) []int16 {
	p.mu.Lock()
	start := p.base + len(p.heard)
	p.mu.Unlock()
	time.Sleep(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int16(nil), p.heard[max(start-p.base, 0):]...)
}

func (p *phone) clearEvents() {
	p.mu.Lock()
	p.events, p.times = nil, nil
	p.mu.Unlock()
}

func (p *phone) waitEvent(t *testing.T, kind hal.EventKind, limit time.Duration) hal.Event {
	t.Helper()
	var got hal.Event
	waitFor(t, "phone event "+kind.String(), limit, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, ev := range p.events {
			if ev.Kind == kind {
				got = ev
				return true
			}
		}
		return false
	})
	return got
}
