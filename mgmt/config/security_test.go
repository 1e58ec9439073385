package config

import (
	"errors"
	"testing"
)

// wantFieldLines parses src and checks that it fails with an error for
// every field of want, each at the line want gives; it empties want.
func wantFieldLines(t *testing.T, src string, want map[string]int) {
	t.Helper()
	_, err := Parse([]byte(src), "t.yaml")
	var el *ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("err %v", err)
	}
	for _, e := range el.Errors {
		if l, ok := want[e.Field]; ok {
			if e.Line != l {
				t.Errorf("%s at line %d, want %d", e.Field, e.Line, l)
			}
			delete(want, e.Field)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing errors for %v in %v", want, err)
	}
}

func TestSecuritySectionErrorsNameLineAndField(t *testing.T) {
	wantFieldLines(t, "security:\n  failure_limit: -1\n  allow: [\"10.0.0.0/8\", \"nope\"]\n  blocked_reply: maybe\n  rates:\n    invite: {per_second: -2, burst: 3}\naccounts:\n  - name: a\n    user: \"2001\"\n    srtp: always\n",
		map[string]int{
			"security.failure_limit": 2, "security.allow[1]": 3, "security.blocked_reply": 4,
			"security.rates.invite.per_second": 6, "accounts[0].srtp": 10,
		})
}

func TestSIPTLSErrorsNameLineAndField(t *testing.T) {
	wantFieldLines(t, "sip:\n  listen: [\"udp:127.0.0.1:5060\", \"tls:127.0.0.1:5061\", \"sctp:127.0.0.1:5060\"]\n  tls:\n    key: /etc/tipring/key.pem\n    verify_client: true\n    min_version: \"1.1\"\n",
		map[string]int{
			"sip.listen[1]": 2, "sip.listen[2]": 2, "sip.tls.cert": 4,
			"sip.tls.verify_client": 5, "sip.tls.min_version": 6,
		})
}

func TestSIPTLSValid(t *testing.T) {
	src := "sip:\n  listen: [\"udp:127.0.0.1:5060\", \"tls:127.0.0.1:5061\"]\n  tls:\n    cert: /etc/tipring/cert.pem\n    key: /etc/tipring/key.pem\n    ca: /etc/tipring/ca.pem\n    verify_client: true\n    min_version: \"1.3\"\n"
	f, err := Parse([]byte(src), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if tl := f.SIP.TLS; tl.Cert != "/etc/tipring/cert.pem" || tl.Key != "/etc/tipring/key.pem" || tl.CA != "/etc/tipring/ca.pem" || !tl.VerifyClient || tl.MinVersion != "1.3" {
		t.Errorf("sip.tls %+v", tl)
	}
	if l, err := ParseListen("tls:127.0.0.1:5061"); err != nil || l.Transport != "tls" || l.Port != 5061 {
		t.Errorf("ParseListen tls: %+v %v", l, err)
	}
}
