package interop

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tipring/dsp/measure"

	"tipring/gateway"
	"tipring/hal/sim"
	"tipring/sip"
)

// rig is a whole gateway (simulated board in real time, SIP on loopback)
// built from a caller-supplied configuration.
type rig struct {
	board   *sim.Board
	gw      *gateway.Gateway
	ua      *sip.UA
	sipPort int
}

// startRig runs a gateway with cfg and the SIP accounts accts on a UDP and
// a TCP listener sharing one free loopback port. The gateway and the UA are
// stopped when the test ends.
func startRig(t *testing.T, cfg gateway.Config, accts []sip.Account) *rig {
	t.Helper()
	b, err := sim.New(sim.Config{NoEcho: true})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Zone == "" {
		cfg.Zone = "us"
	}
	cfg.EchoOff = true // the simulated lines have no hybrid echo
	sipPort := freePort(t)
	rtp := freeMediaPort(t)
	gw, err := gateway.New(gateway.Options{Board: b, Config: cfg})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	ua, err := sip.New(sip.Config{
		Listen:     []string{fmt.Sprintf("udp:127.0.0.1:%d", sipPort), fmt.Sprintf("tcp:127.0.0.1:%d", sipPort)},
		RTPPortMin: rtp, RTPPortMax: rtp + 60,
		Accounts: accts,
	}, gw)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	gw.AttachSIP(ua)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { gw.Run(ctx); done <- struct{}{} }()
	go func() { ua.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		b.Close()
		for range 2 {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("gateway did not stop within 10 s")
				return
			}
		}
	})
	select {
	case <-ua.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("SIP user agent not ready")
	}
	<-gw.Ready()
	return &rig{board: b, gw: gw, ua: ua, sipPort: sipPort}
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
// SIPp's 1004 Hz tone at -10 dBm0, and the port is idle after SIPp hangs up.
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
	time.Sleep(700 * time.Millisecond)
	x := phone.Listen(1500 * time.Millisecond)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sipp failed: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
	}
	f, l := measure.Frequency(x), measure.LevelDBm0(x)
	if math.Abs(f-1004) > 5 || math.Abs(l+10) > 1 {
		t.Errorf("phone heard %.1f Hz at %.2f dBm0, want 1004 Hz at -10 dBm0 (±5 Hz, ±1 dB)", f, l)
	}
	phone.OnHook()
	waitUntil(t, "port idle", 5*time.Second, func() bool { return portState(r.gw, ext) == gateway.PortIdle })
}
