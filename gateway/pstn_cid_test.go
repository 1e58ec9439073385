package gateway

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/hal/sim"
	"tipring/sip"
)

// TestPSTNCallerIDToSIP: a PSTN call whose fixed destination is a SIP URI
// is placed through the line's account with the caller ID the line
// received — number and name, for Bellcore FSK between the rings (us),
// ETSI FSK after a line reversal (de) and DTMF CLIP before ringing (nl) —
// in From; a trusted account also carries it in P-Asserted-Identity (RFC
// 3325). A caller without caller ID is presented as the account; one who
// withheld the number (absence 'P') as anonymous (RFC 3323 Privacy: id).
func TestPSTNCallerIDToSIP(t *testing.T) {
	cases := []struct {
		zone     string
		scheme   cid.Scheme
		withName bool
		private  bool
	}{
		{"us", cid.Bellcore, true, false},
		{"de", cid.ETSI, true, false},
		{"nl", cid.DTMF, false, false},
		{"us", 0, false, false}, // no caller ID at all
		{"us", cid.Bellcore, false, true},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%s/%v/private=%v", tc.zone, tc.scheme, tc.private), func(t *testing.T) {
			got := make(chan sip.Party, 4)
			peer := startUA(t, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: 38000 + 200*i, RTPPortMax: 38099 + 200*i,
				Accounts: []sip.Account{{Name: "pbx", User: "3000", Domain: "127.0.0.1"}},
			}, recordCalls{got: got})
			b, _, _ := startSIPGateway(t, sim.Config{NoEcho: true, Zone: tc.zone}, Options{Config: Config{
				Zone:  tc.zone,
				Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}},
				Lines: twoLines(func(l []LineConfig) {
					l[0].Account = "trunk"
					l[0].Destination = "sip:3000@" + peer.ListenAddr("udp").String()
				}),
			}}, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: 38100 + 200*i, RTPPortMax: 38199 + 200*i,
				Accounts: []sip.Account{{Name: "trunk", User: "5550000", DisplayName: "Gateway", Domain: "127.0.0.1", Trusted: true}},
			})
			l1, err := b.Line(1)
			if err != nil {
				t.Fatal(err)
			}
			ro := sim.RingOptions{Number: "5551234", Name: "ALICE SMITH", Scheme: tc.scheme}
			if tc.private {
				ro = sim.RingOptions{Absence: 'P', Scheme: tc.scheme}
			}
			if err := l1.RingWith(ro); err != nil {
				t.Fatal(err)
			}
			select {
			case p := <-got:
				wantNum, wantName := "5551234", "ALICE SMITH"
				if tc.private {
					if p.Number != "anonymous" || strings.Contains(p.Name, "private") {
						t.Errorf("a withheld PSTN caller reaches SIP as %q <%s>, want anonymous", p.Name, p.URI)
					}
					break
				}
				if tc.scheme == 0 {
					wantNum, wantName = "5550000", "Gateway"
				} else if !tc.withName {
					wantName = ""
				}
				if p.Number != wantNum || (wantName != "" && p.Name != wantName) {
					t.Errorf("the SIP side sees caller %q <%s>, want %q <%s>", p.Name, p.Number, wantName, wantNum)
				}
			case <-time.After(20 * time.Second):
				t.Fatal("no INVITE reached the SIP side")
			}
			l1.StopRing()
		})
	}
}
