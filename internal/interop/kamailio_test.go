package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/gateway"
	"tipring/hal/sim"
	"tipring/sip"
)

// Users the Kamailio configuration knows (testdata/kamailio.cfg).
var kamUsers = map[string]string{"2001": "secret2001", "2002": "secret2002", "2003": "secret2003"}

// kamailio is a Kamailio instance started by a test on 127.0.0.1.
type kamailio struct {
	port    int
	tlsPort int      // 0 without TLS
	pki     *testPKI // the certificates of the TLS listener, or nil
	out     *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for a child's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.b.String()
	if len(out) > 8000 {
		out = out[len(out)-8000:]
	}
	return out
}

// kamailioModules finds the directory of Kamailio's modules.
func kamailioModules(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/*/kamailio/modules")
	dirs = append(dirs, "/usr/lib/kamailio/modules", "/usr/local/lib64/kamailio/modules")
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "registrar.so")); err == nil {
			return d
		}
	}
	t.Fatal("kamailio modules not found: install the Debian package kamailio")
	return ""
}

// startKamailio runs Kamailio as registrar and proxy on a free loopback
// port (UDP and TCP), in the foreground of its own process group, for at
// most three minutes; the test's cleanup stops it. With pki it also
// listens for SIP over TLS on a port of its own, presenting pki's peer
// certificate and requiring a client certificate from pki's CA (mutual
// TLS, both as server and when it connects to a gateway's contact).
func startKamailio(t *testing.T, pki *testPKI) *kamailio {
	t.Helper()
	bin := requireTool(t, "kamailio", "kamailio")
	mods := kamailioModules(t)
	cfgText, err := os.ReadFile("testdata/kamailio.cfg")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	dir := t.TempDir()
	args := []string{"-DD", "-E", "-m", "64", "-M", "8", "-Y", dir, "-w", dir}
	k := &kamailio{port: port, pki: pki, out: &syncBuffer{}}
	tlsCfgPath := filepath.Join(dir, "tls.cfg")
	if pki != nil {
		if _, err := os.Stat(filepath.Join(mods, "tls.so")); err != nil {
			t.Fatal("kamailio tls module not found: install the Debian package kamailio-tls-modules")
		}
		k.tlsPort = freePort(t)
		args = append(args, "-A", "WITH_TLS")
		if err := os.WriteFile(tlsCfgPath, []byte(kamailioTLSConfig(pki)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := strings.NewReplacer("{{PORT}}", fmt.Sprint(port), "{{MPATH}}", mods+"/",
		"{{TLSPORT}}", fmt.Sprint(k.tlsPort), "{{TLSCFG}}", tlsCfgPath).Replace(string(cfgText))
	cfgPath := filepath.Join(dir, "kamailio.cfg")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	cmd := exec.CommandContext(ctx, bin, append([]string{"-f", cfgPath}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = k.out, k.out
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("kamailio: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // any child left behind
		if t.Failed() {
			t.Logf("kamailio output:\n%s", k.out)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := k.rpc("core.version"); err == nil {
			return k
		}
		select {
		case <-exited:
			t.Fatalf("kamailio exited at start-up:\n%s", k.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio RPC not answering within 10 s:\n%s", k.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kamailioTLSConfig is the tls module's configuration file: TLS 1.2 or
// later, pki's peer certificate, peers verified against pki's CA both when
// Kamailio accepts a connection and when it opens one (RFC 5922 leaves
// the name check to the proxy's policy; Kamailio checks the chain).
func kamailioTLSConfig(pki *testPKI) string {
	var b strings.Builder
	for _, sect := range []string{"server:default", "client:default"} {
		fmt.Fprintf(&b, "[%s]\nmethod = TLSv1.2+\nverify_certificate = yes\nrequire_certificate = yes\n", sect)
		fmt.Fprintf(&b, "private_key = %s\ncertificate = %s\nca_list = %s\n\n", pki.peerKey, pki.peerCert, pki.caFile)
	}
	return b.String()
}

// rpc calls a JSON-RPC method of Kamailio's jsonrpcs module over HTTP on
// its SIP TCP listener and returns the "result" member.
func (k *kamailio) rpc(method string) (any, error) {
	body := fmt.Sprintf(`{"jsonrpc":"2.0","method":%q,"id":1}`, method)
	c := http.Client{Timeout: 3 * time.Second}
	res, err := c.Post(fmt.Sprintf("http://127.0.0.1:%d/RPC", k.port), "application/json", strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("kamailio rpc %s: %w", method, err)
	}
	defer res.Body.Close()
	var v struct {
		Result any `json:"result"`
		Error  any `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		return nil, fmt.Errorf("kamailio rpc %s: %w", method, err)
	}
	if v.Error != nil {
		return nil, fmt.Errorf("kamailio rpc %s: %v", method, v.Error)
	}
	return v.Result, nil
}

// bindings returns Kamailio's location table as AoR → contact addresses,
// read with the usrloc module's ul.dump.
func (k *kamailio) bindings(t *testing.T) map[string][]string {
	t.Helper()
	res, err := k.rpc("ul.dump")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	// Walk the dump: every object with an "AoR" string owns the "Address"
	// strings below it.
	var walk func(v any, aor string)
	walk = func(v any, aor string) {
		switch x := v.(type) {
		case map[string]any:
			if a, ok := x["AoR"].(string); ok {
				aor = a
				out[aor] = out[aor][:len(out[aor]):len(out[aor])]
			}
			if a, ok := x["Address"].(string); ok && aor != "" {
				out[aor] = append(out[aor], a)
			}
			for _, e := range x {
				walk(e, aor)
			}
		case []any:
			for _, e := range x {
				walk(e, aor)
			}
		}
	}
	walk(res, "")
	return out
}

// kamRig is a gateway whose FXS ports 1, 2, ... (extensions 101, 102, ...)
// register as users at a Kamailio over transport ("udp", "tcp" or "tls"),
// with numbers 2xxx routed to it. Over TLS the registrar and the route are
// sips URIs (RFC 3261 26.2, RFC 5630) and the gateway's own TLS listener
// uses k's PKI: its certificate for 127.0.0.1, and client certificates
// required from Kamailio.
func kamRig(t *testing.T, k *kamailio, transport string, users ...string) *rig {
	t.Helper()
	server := fmt.Sprintf("sip:127.0.0.1:%d", k.port)
	target := fmt.Sprintf("sip:{n}@127.0.0.1:%d", k.port)
	var o rigOptions
	switch transport {
	case "tcp":
		server += ";transport=tcp"
		target += ";transport=tcp"
	case "tls":
		if k.tlsPort == 0 {
			t.Fatal("kamRig: kamailio started without TLS")
		}
		server = fmt.Sprintf("sips:127.0.0.1:%d", k.tlsPort)
		target = fmt.Sprintf("sips:{n}@127.0.0.1:%d", k.tlsPort)
		o.tls = &sip.TLSConfig{CertFile: k.pki.gwCert, KeyFile: k.pki.gwKey, CAFile: k.pki.caFile, VerifyClient: true}
	}
	cfg := gateway.Config{
		DigitMap:      "1xx|2xxx",
		NoCallWaiting: true,
		Routes:        []gateway.Route{{Pattern: "2xxx", Target: target}},
	}
	for i, u := range users {
		name := fmt.Sprintf("fxs%d", i+1)
		cfg.Ports = append(cfg.Ports, gateway.PortConfig{Span: 1, Chan: i + 1, Extension: fmt.Sprint(101 + i), Account: name})
		o.accounts = append(o.accounts, sip.Account{Name: name, User: u, Password: kamUsers[u], Registrar: server})
	}
	return startRig(t, cfg, o)
}

// waitRegistered waits until every account of r is registered.
func waitRegistered(t *testing.T, r *rig) {
	t.Helper()
	registered := func() bool {
		regs := r.ua.Registrations()
		for _, g := range regs {
			if !g.Registered {
				return false
			}
		}
		return len(regs) > 0
	}
	for end := time.Now().Add(10 * time.Second); !registered(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("registrations through kamailio: %+v", r.ua.Registrations())
		}
	}
}

// checkBindings checks that Kamailio's location table (ul.dump) holds a
// contact on r's SIP port over transport for each user; over TLS a sips
// contact on r's TLS port.
func checkBindings(t *testing.T, k *kamailio, r *rig, transport string, users ...string) {
	t.Helper()
	b := k.bindings(t)
	for _, user := range users {
		want := fmt.Sprintf("sip:%s@127.0.0.1:%d", user, r.sipPort)
		if transport == "tls" {
			want = fmt.Sprintf("sips:%s@127.0.0.1:%d", user, r.tlsPort)
		}
		found := false
		for _, c := range b[user] {
			if strings.HasPrefix(c, want) && (transport != "tcp" || strings.Contains(c, "transport=tcp")) {
				found = true
			}
		}
		if !found {
			t.Errorf("kamailio location of %s = %v, want a contact %s (%s)", user, b[user], want, transport)
		}
	}
}

// TestKamailioRegisterAndCall: FXS ports register through Kamailio with
// digest authentication (RFC 3261 22.4, RFC 2617 qop=auth) over UDP, over
// TCP and over TLS (sips registrar, mutual certificate checks, RFC 3261
// 26.2, RFC 5630); Kamailio's location table holds every binding; calls go
// both ways between two gateways through Kamailio as proxy (INVITE
// challenged with 407, location lookup, Record-Route) and carry audio both
// ways.
func TestKamailioRegisterAndCall(t *testing.T) {
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) {
			var pki *testPKI
			if transport == "tls" {
				pki = makePKI(t)
			}
			k := startKamailio(t, pki)
			a := kamRig(t, k, transport, "2001", "2002")
			b := kamRig(t, k, transport, "2003")
			waitRegistered(t, a)
			waitRegistered(t, b)
			checkBindings(t, k, a, transport, "2001", "2002")
			checkBindings(t, k, b, transport, "2003")

			// Gateway A's phone 1 calls B's 2003; B's phone calls A's 2002.
			kamCall(t, a, a.phone(t, 1), "101", b, b.phone(t, 1), "101", "2003")
			kamCall(t, b, b.phone(t, 1), "101", a, a.phone(t, 2), "102", "2002")
			if transport == "tls" {
				checkTLSConnections(t, k)
			}
		})
	}
}

// TestKamailioHairpin: phone 1 calls phone 2 of the same gateway through
// Kamailio: the proxied INVITE comes back to the UA that sent it, with the
// same Call-ID (a spiral through the proxy, RFC 3261 16.3 item 4); the two
// legs are different dialogs (RFC 3261 12: Call-ID plus both tags).
func TestKamailioHairpin(t *testing.T) {
	k := startKamailio(t, nil)
	r := kamRig(t, k, "udp", "2001", "2002")
	waitRegistered(t, r)
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	p1.OffHook()
	time.Sleep(300 * time.Millisecond)
	if err := p1.Dial("2002"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !p2.Ringing() {
		if time.Now().After(deadline) {
			p1.OnHook()
			t.Fatal("phone 2 did not ring: the call through Kamailio did not come back to the gateway")
		}
		time.Sleep(20 * time.Millisecond)
	}
	p1.OnHook()
	waitUntil(t, "ports idle", 5*time.Second, func() bool {
		return portState(r.gw, "101") == gateway.PortIdle && portState(r.gw, "102") == gateway.PortIdle
	})
	kamCall(t, r, p1, "101", r, p2, "102", "2002")
}

// checkTLSConnections checks Kamailio's TLS connections (tls.list): one
// from each of the two gateways to its TLS port (registrations, INVITEs),
// and one it opened to each gateway's sips contact to deliver the INVITEs,
// all established with TLS 1.2 or later.
func checkTLSConnections(t *testing.T, k *kamailio) {
	t.Helper()
	res, err := k.rpc("tls.list")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := res.([]any)
	var in, out int
	for _, e := range list {
		c, _ := e.(map[string]any)
		cipher, _ := c["cipher"].(string)
		if c["state"] != "established" || !(strings.Contains(cipher, "TLSv1.2") || strings.Contains(cipher, "TLSv1.3")) {
			continue
		}
		if port, _ := c["dst_port"].(float64); int(port) == k.tlsPort {
			in++
		} else {
			out++
		}
	}
	if in < 2 || out < 2 {
		t.Errorf("kamailio TLS connections: %d to its TLS port, %d to the gateways, want 2 each: %v", in, out, res)
	}
}

// kamCall: phone a dials number (routed to Kamailio), phone b rings and
// answers; each hears the other's 1004 Hz tone at its own level; a hangs up
// and both ports return to idle.
func kamCall(t *testing.T, ra *rig, a *sim.Phone, extA string, rb *rig, b *sim.Phone, extB, number string) {
	t.Helper()
	a.OffHook()
	time.Sleep(300 * time.Millisecond)
	if err := a.Dial(number); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "callee rings through kamailio", 10*time.Second, b.Ringing)
	b.OffHook()
	connected := func(r *rig, ext string) func() bool {
		return func() bool { return portState(r.gw, ext) == gateway.PortConnected }
	}
	waitUntil(t, "caller connected", 5*time.Second, connected(ra, extA))
	waitUntil(t, "callee connected", 5*time.Second, connected(rb, extB))
	a.PlayTone(1004, -10)
	b.PlayTone(1004, -16)
	time.Sleep(700 * time.Millisecond)
	var xa, xb []int16
	var wg sync.WaitGroup
	wg.Go(func() { xa = a.Listen(1200 * time.Millisecond) })
	wg.Go(func() { xb = b.Listen(1200 * time.Millisecond) })
	wg.Wait()
	a.StopPlay()
	b.StopPlay()
	check := func(who string, x []int16, level float64) {
		f, l := measure.Frequency(x), measure.LevelDBm0(x)
		if math.Abs(f-1004) > 5 || math.Abs(l-level) > 1 {
			t.Errorf("%s heard %.1f Hz at %.2f dBm0, want 1004 Hz at %.0f dBm0 (±5 Hz, ±1 dB)", who, f, l, level)
		}
	}
	check("callee "+extB, xb, -10)
	check("caller "+extA, xa, -16)
	a.OnHook()
	waitUntil(t, "far-end hang-up reaches the callee", 5*time.Second, func() bool {
		return slices.Contains([]gateway.PortState{gateway.PortTone, gateway.PortIdle}, portState(rb.gw, extB))
	})
	b.OnHook()
	waitUntil(t, "ports idle", 5*time.Second, func() bool {
		return portState(ra.gw, extA) == gateway.PortIdle && portState(rb.gw, extB) == gateway.PortIdle
	})
}
