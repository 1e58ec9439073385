package interop

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/sip"
)

// TestSIPpTrunkOutboundThroughGateway: a phone dials a national number;
// the routing table sends it, with the caller's extension prefixed to a
// national DID, over the trunk "carrier" to a SIPp SBC (testdata/
// uas_trunk_check.xml), which checks the trunk's number format (E.164 in
// the Request-URI with user=phone, and for the caller in From and
// P-Asserted-Identity) and its codec list (PCMA only), then answers busy:
// the phone hears busy tone.
func TestSIPpTrunkOutboundThroughGateway(t *testing.T) {
	scen, err := filepath.Abs("testdata/uas_trunk_check.xml")
	if err != nil {
		t.Fatal(err)
	}
	sbc := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, out := sippCmd(t, ctx, "-sf", scen, "-p", fmt.Sprint(sbc))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	cfg := gateway.Config{
		DigitMap: "2xxx|0[1-9]xxxxxxxx",
		Ports:    fxsPorts("2001"),
		Routes:   []gateway.Route{{Pattern: "0[1-9]x.", Account: "carrier", CallingPrefix: "03012345"}},
	}
	cfg.Ports[0].Account = ""
	r := startRig(t, cfg, rigOptions{udpOnly: true, accounts: []sip.Account{{
		Name: "carrier", Trunk: true, User: "49301234500", Domain: "127.0.0.1",
		Proxy: fmt.Sprintf("sip:127.0.0.1:%d", sbc), Peers: []string{"127.0.0.1"},
		URIParams: "user=phone", NumberFormat: sip.FormatE164, CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00",
		Identity: sip.IdentityPAI, Codecs: []string{"PCMA"},
	}}})
	phone := r.phone(t, 1)
	phone.OffHook()
	time.Sleep(300 * time.Millisecond)
	if err := phone.Dial("0301234567"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("the SBC's checks failed: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("no call reached the SBC\n%s", sippLogs(cmd.Dir))
	}
	waitUntil(t, "busy tone on the phone", 5*time.Second, func() bool { return portState(r.gw, "2001") == gateway.PortTone })
	phone.OnHook()
}
