package interop

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/measure"
	"tipring/gateway"
)

// TestSIPpMWIToPhone: a SIPp voicemail server (testdata/uas_mwi.xml)
// accepts the message-summary SUBSCRIBE of port 1's account (RFC 3842: Event
// message-summary, Accept application/simple-message-summary) and NOTIFYs
// "2 new messages" in that dialog. The phone on hook, without ringing,
// receives the GR-30-CORE MDMF visual message-waiting message (0x82,
// VMWI on) and lights its lamp; off hook it hears stutter dial tone
// (350+440 Hz interrupted, us). SIPp's second NOTIFY "no messages" sends
// the VMWI-off message and puts the lamp out.
func TestSIPpMWIToPhone(t *testing.T) {
	sippPort := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	scen, err := filepath.Abs("testdata/uas_mwi.xml")
	if err != nil {
		t.Fatal(err)
	}
	cmd, out := sippCmd(t, ctx, "-sf", scen, "-p", fmt.Sprint(sippPort))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sippDone := make(chan error, 1)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("sipp:\n%s\n%s", out, sippLogs(cmd.Dir))
		}
	})
	go func() { sippDone <- cmd.Wait() }()
	// Give SIPp a moment to bind before the SUBSCRIBE goes out (a lost
	// SUBSCRIBE is retransmitted anyway).
	time.Sleep(300 * time.Millisecond)

	accts := localAccounts("", "2001")
	accts[0].Proxy = fmt.Sprintf("sip:127.0.0.1:%d", sippPort)
	accts[0].MWI = true
	r := startRig(t, gateway.Config{Ports: fxsPorts("2001")}, rigOptions{accounts: accts, udpOnly: true})
	ph := r.phone(t, 1)

	check := func(on bool) {
		t.Helper()
		start := r.board.Now()
		waitUntil(t, fmt.Sprintf("lamp %v", on), 15*time.Second, func() bool { return ph.VMWI() == on })
		// The message follows the lamp change within a second or two.
		time.Sleep(2500 * time.Millisecond)
		x := ph.Heard(r.board.Now() - start)
		rx, err := cid.NewReceiver(cid.ReceiverConfig{Scheme: cid.Bellcore})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []cid.Message
		for i := 0; i+160 <= len(x); i += 160 {
			for _, res := range rx.Process(x[i : i+160]) {
				m, err := res.Message()
				if err != nil {
					t.Errorf("VMWI %v: garbled message: %v", on, err)
					continue
				}
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 1 {
			t.Fatalf("VMWI %v: decoded %d messages, want 1", on, len(msgs))
		}
		if m := msgs[0]; m.Type != cid.TypeMDMFMWI || m.VMWI == nil || *m.VMWI != on {
			t.Errorf("VMWI %v: message type %#x VMWI %v", on, m.Type, m.VMWI)
		}
		if ph.Rings() != 0 {
			t.Errorf("the phone rang %d times for a message-waiting message", ph.Rings())
		}
	}
	check(true)

	ph.OffHook()
	x := ph.Listen(1500 * time.Millisecond)
	ph.OnHook()
	if lvl := measure.ToneLevelDBm0(x, 350); lvl < -30 {
		t.Errorf("no 350 Hz dial tone off hook (%.1f dBm0)", lvl)
	}
	// Stutter: 100 ms on / 100 ms off bursts, judged on 10 ms blocks.
	edges, prev := 0, false
	for i := 0; i+80 <= len(x); i += 80 {
		on := measure.ToneLevelDBm0(x[i:i+80], 350) > -35
		if i > 0 && on != prev {
			edges++
		}
		prev = on
	}
	if edges < 8 {
		t.Errorf("dial tone has %d on/off changes in 1.5 s, want stutter (about 11)", edges)
	}

	check(false)
	select {
	case err := <-sippDone:
		if err != nil {
			t.Fatalf("sipp failed: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("sipp did not finish\n%s", sippLogs(cmd.Dir))
	}
}
