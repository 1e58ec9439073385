package sip

import (
	"testing"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

func FuzzParseReasonQ850(f *testing.F) {
	f.Add(`SIP;cause=480;text="x, y", Q.850 ; cause=19`)
	f.Add(`Q.850;cause=16;text="Normal"`)
	f.Fuzz(func(t *testing.T, v string) {
		if c, ok := ParseReasonQ850(v); ok && (c < 0 || c > 127) {
			t.Fatalf("cause %d", c)
		}
	})
}

func FuzzParseMessageSummary(f *testing.F) {
	f.Add([]byte("Messages-Waiting: yes\r\nVoice-Message: 2/8 (0/2)\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := ParseMessageSummary(b); err == nil && (m.New < 0 || m.Old < 0) {
			t.Fatalf("negative counts %+v", m)
		}
	})
}

func FuzzParseDTMFRelay(f *testing.F) {
	f.Add([]byte("Signal=5\r\nDuration=160\r\n"))
	f.Add([]byte("Signal=16\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, ok := parseDTMFRelay(b); ok {
			if _, valid := infoSignal(d.Digit); !valid || d.Duration < 0 {
				t.Fatalf("invalid %+v", d)
			}
		}
	})
}

func FuzzParseReferTo(f *testing.F) {
	f.Add(`<sip:3003@127.0.0.1:5070?Replaces=a%40b%3Bto-tag%3D1%3Bfrom-tag%3D2>`)
	f.Add(`sip:1@h`)
	f.Fuzz(func(t *testing.T, v string) {
		_, _, _ = parseReferTo(v)
	})
}

func FuzzSessionExpires(f *testing.F) {
	f.Add("1800;refresher=uac", "90")
	f.Fuzz(func(t *testing.T, se, minSE string) {
		req := sipgo_sip.NewRequest(sipgo_sip.INVITE, sipgo_sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		req.AppendHeader(sipgo_sip.NewHeader("Session-Expires", se))
		req.AppendHeader(sipgo_sip.NewHeader("Min-SE", minSE))
		if d, _, ok := parseSessionExpires(req); ok && d <= 0 {
			t.Fatalf("interval %v", d)
		}
		if parseMinSE(req) < 0 {
			t.Fatal("negative Min-SE")
		}
	})
}

func FuzzIdentityHeaders(f *testing.F) {
	f.Add(`"Jane" <sip:+1555@h;user=phone>, <tel:+1555>`, "id", `"A, B" <sip:1@h>;privacy=full`)
	f.Fuzz(func(t *testing.T, pai, privacy, rpid string) {
		req := sipgo_sip.NewRequest(sipgo_sip.INVITE, sipgo_sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		req.AppendHeader(sipgo_sip.NewHeader("P-Asserted-Identity", pai))
		req.AppendHeader(sipgo_sip.NewHeader("Privacy", privacy))
		req.AppendHeader(sipgo_sip.NewHeader("Remote-Party-ID", rpid))
		_ = identityOf(req, true)
		_ = identityOf(req, false)
		_ = splitHeaderList(pai)
	})
}
