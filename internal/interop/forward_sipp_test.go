package interop

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/sip"
)

// runSIPp runs SIPp with args until it ends and fails the test on a failed
// scenario (a regexp check_it that did not match fails the call).
func runSIPp(t *testing.T, ctx context.Context, while func(), args ...string) string {
	t.Helper()
	cmd, out := sippCmd(t, ctx, append([]string{"-trace_logs"}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if while != nil {
		while()
	}
	if err := <-done; err != nil || t.Failed() {
		t.Fatalf("sipp: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
	}
	return sippLogs(cmd.Dir)
}

// waitTrue polls cond for up to limit.
func waitTrue(limit time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// TestSIPpCallRedirectedByForwardAlways: SIPp calls port 1, which forwards
// every call to 3001, a number routed to a SIP destination. The gateway
// answers 302 with the route's target as Contact and a Diversion header
// naming 2001 with reason unconditional (RFC 5806), checked by the
// scenario's regexps; the phone never rings.
func TestSIPpCallRedirectedByForwardAlways(t *testing.T) {
	cfg := routedConfig("sip:{n}@127.0.0.1:5999", "2001", "2002")
	cfg.Ports[0].ForwardAlways = "3001"
	r := startRig(t, cfg, rigOptions{accounts: localAccounts("", "2001", "2002"), udpOnly: true})
	scen, err := filepath.Abs("testdata/uac_fwd_redirect.xml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	rang := false
	logs := runSIPp(t, ctx, func() {
		for range 100 {
			rang = rang || r.phone(t, 1).Ringing()
			time.Sleep(10 * time.Millisecond)
		}
	}, "-sf", scen, "-s", "2001", "-p", fmt.Sprint(freePort(t)), fmt.Sprintf("127.0.0.1:%d", r.sipPort))
	if rang {
		t.Error("phone 1 rang although it forwards every call")
	}
	if !strings.Contains(logs, "302 contact <sip:3001@127.0.0.1:5999> diversion <sip:2001@") {
		t.Errorf("SIPp logged no 302 contact:\n%s", logs)
	}
	waitUntil(t, "no calls left", 5*time.Second, func() bool { return len(r.gw.Calls()) == 0 })
}

// TestSIPpCallForwardedOnBusyToPhone: SIPp calls port 1, whose phone is off
// hook (busy) and which forwards on busy to extension 2002. SIPp receives
// 181 Call Is Being Forwarded with Call-Info purpose=forwarding and a
// Diversion header with reason user-busy (regexp-checked), then phone 2
// rings and answers (200) and SIPp's BYE clears it.
func TestSIPpCallForwardedOnBusyToPhone(t *testing.T) {
	cfg := routedConfig("sip:{n}@127.0.0.1:5999", "2001", "2002")
	cfg.Ports[0].ForwardBusy = "2002"
	r := startRig(t, cfg, rigOptions{accounts: localAccounts("", "2001", "2002"), udpOnly: true})
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	p1.OffHook()
	time.Sleep(300 * time.Millisecond)
	scen, err := filepath.Abs("testdata/uac_fwd_busy.xml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	logs := runSIPp(t, ctx, func() {
		if !waitTrue(10*time.Second, p2.Ringing) {
			t.Error("phone 2 does not ring")
			return
		}
		p2.OffHook()
	}, "-sf", scen, "-s", "2001", "-p", fmt.Sprint(freePort(t)), fmt.Sprintf("127.0.0.1:%d", r.sipPort))
	if !strings.Contains(logs, `purpose=forwarding;username="2001";contact="2002" diversion <sip:2001@`) {
		t.Errorf("SIPp logged no 181 Call-Info naming 2001 and 2002:\n%s", logs)
	}
	waitUntil(t, "phone 2 hears SIPp leave", 5*time.Second, func() bool { return r.gw.Ports()[1].State == gateway.PortTone })
	p2.OnHook()
	p1.OnHook()
	waitUntil(t, "no calls left", 5*time.Second, func() bool { return len(r.gw.Calls()) == 0 })
}

// TestSIPpForwardedLocalCallCarriesDiversion: phone 1 calls phone 2, which
// forwards on no answer (after 1 s) to 3001, routed to a SIPp UAS. The
// INVITE SIPp receives carries a Diversion header naming 2002 with reason
// no-answer and, with DiversionFormat "both", a History-Info entry for
// 2002 with cause 408 (regexp-checked); SIPp answers and phone 1 talks to
// it until it hangs up.
func TestSIPpForwardedLocalCallCarriesDiversion(t *testing.T) {
	uasPort := freePort(t)
	cfg := routedConfig(fmt.Sprintf("sip:{n}@127.0.0.1:%d", uasPort), "2001", "2002")
	cfg.Ports[1].ForwardNoAnswer = "3001"
	cfg.Ports[1].ForwardNoAnswerDelay = time.Second
	cfg.DiversionFormat = "both"
	r := startRig(t, cfg, rigOptions{accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}}, udpOnly: true})
	scen, err := filepath.Abs("testdata/uas_diverted.xml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	logs := runSIPp(t, ctx, func() {
		time.Sleep(500 * time.Millisecond) // SIPp listening
		p1.OffHook()
		time.Sleep(300 * time.Millisecond)
		if err := p1.Dial("2002"); err != nil {
			t.Error(err)
		}
		if !waitTrue(10*time.Second, p2.Ringing) {
			t.Error("phone 2 does not ring")
		}
		if !waitTrue(15*time.Second, func() bool { return r.gw.Ports()[0].State == gateway.PortConnected }) {
			t.Error("phone 1 not connected to SIPp")
		}
		if p2.Ringing() {
			t.Error("phone 2 still rings after the forward")
		}
		p1.OnHook()
	}, "-sf", scen, "-p", fmt.Sprint(uasPort))
	if !strings.Contains(logs, "INVITE diversion <sip:2002@") {
		t.Errorf("SIPp logged no diversion:\n%s", logs)
	}
	waitUntil(t, "no calls left", 5*time.Second, func() bool { return len(r.gw.Calls()) == 0 })
}
