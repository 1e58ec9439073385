package gateway

import (
	"strings"
	"testing"
	"time"

	"tipring/dsp/dtmf"
	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// TestDTMFModePerAccount: keys pressed on a phone in a SIP call leave the
// gateway the way the port's account says (sip.Account.DTMF): "info" as
// SIP INFO application/dtmf-relay requests (RFC 6086) and no RFC 4733
// events; "inband" as the tones themselves in the audio (Q.23 frequencies
// the peer's detector decodes) and neither events nor INFO; "rfc4733"
// (the default) as telephone-events only, with the tones muted in the
// audio from their first frame on (no burst of the tone leaks ahead of
// the event for the far end to detect a second time).
func TestDTMFModePerAccount(t *testing.T) {
	for i, mode := range []string{sip.DTMFInfo, sip.DTMFInband, sip.DTMFRFC4733} {
		t.Run(mode, func(t *testing.T) {
			b, _, ua := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
				Zone:  "us",
				Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}},
			}}, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: 39000 + 400*i, RTPPortMax: 39199 + 400*i,
				Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1", DTMF: mode}},
			})
			peer := startUA(t, sip.Config{
				Listen:     []string{"udp:127.0.0.1:0"},
				RTPPortMin: 39200 + 400*i, RTPPortMax: 39399 + 400*i,
				Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
			}, noCalls{})
			phone, _ := b.Phone(1)
			c := callPhone(t, peer, "peer", "sip:2001@"+ua.ListenAddr("udp").String(), phone)
			pump := siptest.NewPump(c.Media())
			defer pump.Close()
			time.Sleep(300 * time.Millisecond)

			heard := make(chan []int16, 1)
			go func() { heard <- pump.Listen(3 * time.Second) }()
			time.Sleep(200 * time.Millisecond)
			if err := phone.Dial("159#"); err != nil {
				t.Fatal(err)
			}
			x := <-heard

			var info strings.Builder
			for {
				d, ok := c.PollInfoDTMF()
				if !ok {
					break
				}
				info.WriteByte(d.Digit)
			}
			det := dtmf.NewDetector(dtmf.DetectorConfig{})
			var inband strings.Builder
			for j := 0; j+160 <= len(x); j += 160 {
				for _, ev := range det.Process(x[j : j+160]) {
					if !ev.End {
						inband.WriteByte(ev.Digit)
					}
				}
			}
			wantEv := map[string]string{sip.DTMFRFC4733: "159#"}[mode]
			if ev := pump.Digits(); ev != wantEv {
				t.Errorf("%s mode: RFC 4733 events %q, want %q", mode, ev, wantEv)
			}
			want := map[string][2]string{sip.DTMFInfo: {"159#", ""}, sip.DTMFInband: {"", "159#"}}[mode]
			if info.String() != want[0] || inband.String() != want[1] {
				t.Errorf("%s mode: INFO digits %q, in-band digits %q; want %q, %q", mode, info.String(), inband.String(), want[0], want[1])
			}
			phone.OnHook()
			waitEvent(t, c, sip.EventEnded)
		})
	}
}
