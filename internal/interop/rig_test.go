package interop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipring/dsp/measure"

	"tipring/gateway"
	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/guard"
)

// rig is a whole gateway (simulated board in real time, SIP on loopback)
// built from a caller-supplied configuration.
type rig struct {
	board          *sim.Board
	gw             *gateway.Gateway
	ua             *sip.UA
	sipPort        int
	tlsPort        int // 0 without TLS
	rtpMin, rtpMax int // the UA's RTP ports, RTCP of the last pair included
}

// rigOptions is what startRig builds besides the gateway configuration. The
// zero value has no accounts, listens on UDP and TCP, and has 60 RTP ports.
type rigOptions struct {
	accounts []sip.Account
	udpOnly  bool            // no TCP listener on the SIP port
	tls      *sip.TLSConfig  // also listen for SIP over TLS on a port of its own
	guard    *guard.Guard    // defends the UA when set
	rtpSpan  int             // RTPPortMax - RTPPortMin; 60 when 0
	cdr      gateway.CDRSink // receives the gateway's CDRs when set
}

// localAccounts returns accounts fxs1, fxs2, ... for users, in the domain
// 127.0.0.1 with the SRTP policy srtp ("" for the default).
func localAccounts(srtp string, users ...string) []sip.Account {
	accts := make([]sip.Account, len(users))
	for i, u := range users {
		accts[i] = sip.Account{Name: fmt.Sprintf("fxs%d", i+1), User: u, Domain: "127.0.0.1", SRTP: srtp}
	}
	return accts
}

// fxsPorts returns FXS ports 1, 2, ... of span 1 with the extensions exts,
// each on account fxs<n>.
func fxsPorts(exts ...string) []gateway.PortConfig {
	ports := make([]gateway.PortConfig, len(exts))
	for i, e := range exts {
		ports[i] = gateway.PortConfig{Span: 1, Chan: i + 1, Extension: e, Account: fmt.Sprintf("fxs%d", i+1)}
	}
	return ports
}

// startRig runs a gateway with cfg (zone "us" unless set, echo canceller
// off: the simulated lines have no hybrid echo) and the SIP user agent
// described by o. The gateway and the UA are stopped when the test ends.
// Ports are picked free but only bound when the UA runs, so another
// process (a Kamailio still starting) may take one first: the rig is then
// built again on new ports.
func startRig(t *testing.T, cfg gateway.Config, o rigOptions) *rig {
	t.Helper()
	if cfg.Zone == "" {
		cfg.Zone = "us"
	}
	cfg.EchoOff = true
	if o.rtpSpan == 0 {
		o.rtpSpan = 60
	}
	for attempt := 1; ; attempt++ {
		r, err := tryStartRig(t, cfg, o)
		if err == nil {
			return r
		}
		if attempt == 3 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("gateway rig: %v", err)
		}
		t.Logf("gateway rig: %v; again on other ports", err)
	}
}

func tryStartRig(t *testing.T, cfg gateway.Config, o rigOptions) (*rig, error) {
	t.Helper()
	b, err := sim.New(sim.Config{NoEcho: true})
	if err != nil {
		return nil, err
	}
	sipPort := freePort(t)
	rtp := freeMediaPort(t)
	listen := []string{fmt.Sprintf("udp:127.0.0.1:%d", sipPort)}
	if !o.udpOnly {
		listen = append(listen, fmt.Sprintf("tcp:127.0.0.1:%d", sipPort))
	}
	tlsPort := 0
	if o.tls != nil {
		for tlsPort == 0 || tlsPort == sipPort {
			tlsPort = freePort(t)
		}
		listen = append(listen, fmt.Sprintf("tls:127.0.0.1:%d", tlsPort))
	}
	gw, err := gateway.New(gateway.Options{Board: b, Config: cfg, CDR: o.cdr})
	if err != nil {
		b.Close()
		return nil, err
	}
	ua, err := sip.New(sip.Config{
		Listen:     listen,
		TLS:        o.tls,
		RTPPortMin: rtp, RTPPortMax: rtp + o.rtpSpan,
		Accounts: o.accounts,
		Guard:    o.guard,
	}, gw)
	if err != nil {
		b.Close()
		return nil, err
	}
	gw.AttachSIP(ua)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	uaErr := make(chan error, 1)
	go func() { gw.Run(ctx); done <- struct{}{} }()
	go func() { uaErr <- ua.Run(ctx); done <- struct{}{} }()
	stop := func() bool {
		cancel()
		b.Close()
		for range 2 {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				return false
			}
		}
		return true
	}
	select {
	case <-ua.Ready():
	case err := <-uaErr:
		stop()
		return nil, fmt.Errorf("SIP user agent: %w", err)
	case <-time.After(10 * time.Second):
		stop()
		return nil, errors.New("SIP user agent not ready within 10 s")
	}
	t.Cleanup(func() {
		if !stop() {
			t.Error("gateway did not stop within 10 s")
		}
	})
	<-gw.Ready()
	return &rig{board: b, gw: gw, ua: ua, sipPort: sipPort, tlsPort: tlsPort, rtpMin: rtp, rtpMax: rtp + o.rtpSpan + 1}, nil
}

// phone returns simulated phone n (FXS port n).
func (r *rig) phone(t *testing.T, n int) *sim.Phone {
	t.Helper()
	p, err := r.board.Phone(n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkPlainCall places one SIPp call (testdata/uac_pcap.xml) to service,
// the number of FXS port 1's account: phone 1 rings and answers, hears
// SIPp's 1004 Hz tone at -10 dBm0, SIPp's hang-up reaches the port, and the
// port is idle once the phone hangs up too.
func checkPlainCall(t *testing.T, r *rig, service string) {
	t.Helper()
	dir := t.TempDir()
	pcap := filepath.Join(dir, "tone1004.pcap")
	if err := writePCMUPcap(pcap, 3.5, -10); err != nil {
		t.Fatal(err)
	}
	scen, err := os.ReadFile("testdata/uac_pcap.xml")
	if err != nil {
		t.Fatal(err)
	}
	scenPath := filepath.Join(dir, "uac.xml")
	if err := os.WriteFile(scenPath, bytes.ReplaceAll(scen, []byte("[field0]"), []byte(pcap)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, out := sippCmd(t, ctx, "-sf", scenPath, "-s", service, "-p", fmt.Sprint(freePort(t)),
		"-mp", fmt.Sprint(freeMediaPort(t)), fmt.Sprintf("127.0.0.1:%d", r.sipPort))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	phone := r.phone(t, 1)
	ext := r.gw.Ports()[0].Extension
	waitUntil(t, "phone 1 rings", 10*time.Second, phone.Ringing)
	phone.OffHook()
	waitUntil(t, "connected", 5*time.Second, func() bool { return portState(r.gw, ext) == gateway.PortConnected })
	// SIPp starts its stream right after the ACK; skip the jitter buffer's
	// start-up and record the middle of the stream.
	time.Sleep(700 * time.Millisecond)
	x := phone.Listen(1500 * time.Millisecond)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sipp failed: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
	}
	f, l := measure.Frequency(x), measure.LevelDBm0(x)
	if math.Abs(f-1004) > 5 || math.Abs(l+10) > 1 {
		t.Errorf("phone heard %.1f Hz at %.2f dBm0, want 1004 Hz at -10 dBm0 (±5 Hz, ±1 dB)", f, l)
	}
	waitUntil(t, "far-end hang-up reaches the port", 5*time.Second, func() bool { return portState(r.gw, ext) == gateway.PortTone })
	phone.OnHook()
	waitUntil(t, "port idle", 5*time.Second, func() bool { return portState(r.gw, ext) == gateway.PortIdle })
}
