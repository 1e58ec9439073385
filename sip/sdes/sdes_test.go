package sdes

import (
	"bytes"
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"

	"tipring/sip/media"
)

// The a=crypto lines of RFC 4568 §4 and §5.1 (offer with two lines, one
// of them with two keys, and the answer), and lines as deployed PBXs and
// softphones send them.
var rfc4568Lines = []string{
	"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
	"1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP",
	"2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 FEC_ORDER=FEC_SRTP",
	"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
	"1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj",
	"2 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^31",
	"3 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|1048576 KDR=0 WSH=64",
}

func TestRFC4568ParseExamples(t *testing.T) {
	c, err := Parse("a=crypto:" + rfc4568Lines[0])
	if err != nil {
		t.Fatal(err)
	}
	key, _ := base64.StdEncoding.DecodeString("PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
	want := Crypto{Tag: 1, Suite: media.AES_CM_128_HMAC_SHA1_80,
		Keys: []KeyParam{{Key: key, Lifetime: 1 << 20, MKI: 1, MKILen: 32}}}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("parsed %+v\nwant   %+v", c, want)
	}
	if len(key) != media.SRTPKeyLen {
		t.Fatalf("example key is %d octets", len(key))
	}

	c, err = Parse(rfc4568Lines[2])
	if err != nil {
		t.Fatal(err)
	}
	if c.Tag != 2 || c.Suite != "F8_128_HMAC_SHA1_80" || len(c.Keys) != 2 || c.Keys[1].MKI != 2 || c.Keys[1].MKILen != 4 ||
		!reflect.DeepEqual(c.SessionParams, []string{"FEC_ORDER=FEC_SRTP"}) {
		t.Errorf("two-key line parsed as %+v", c)
	}
	if c.Acceptable() {
		t.Error("F8 suite with two keys reported acceptable")
	}

	c, err = Parse(rfc4568Lines[6])
	if err != nil {
		t.Fatal(err)
	}
	if c.Keys[0].Lifetime != 1048576 || !c.Acceptable() {
		t.Errorf("decimal lifetime, KDR=0, WSH: %+v acceptable %v", c, c.Acceptable())
	}
}

// TestRFC4568FormatRoundTrip: every example formats back to itself
// (lifetimes that are powers of two come out as 2^n).
func TestRFC4568FormatRoundTrip(t *testing.T) {
	for _, line := range rfc4568Lines {
		c, err := Parse(line)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out := c.String()
		want := strings.Replace(line, "|1048576", "|2^20", 1)
		if out != want {
			t.Errorf("format:\n got %q\nwant %q", out, want)
		}
		again, err := Parse(out)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Errorf("reparse of %q: %+v %v", out, again, err)
		}
	}
}

func TestRFC4568ParseErrors(t *testing.T) {
	const k = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"
	for _, bad := range []string{
		"",
		"1 AES_CM_128_HMAC_SHA1_80",
		"x AES_CM_128_HMAC_SHA1_80 inline:" + k,
		"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + k,
		"1 AES-CM inline:" + k,
		"1 AES_CM_128_HMAC_SHA1_80 uri:http://example.com/key",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k[:20],       // too short for the suite
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "AAAA",   // too long
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k[:39] + "!", // not base64
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^64",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|0",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:0",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:129",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|256:1",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4|2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|2^20",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4|2:4",
		"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4|x",
	} {
		if c, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", bad, c)
		} else if !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): error %v does not wrap ErrSyntax", bad, err)
		}
	}
}

func TestGenerateKey(t *testing.T) {
	a, err := GenerateKey(media.AES_CM_128_HMAC_SHA1_80)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateKey(media.AES_CM_128_HMAC_SHA1_32)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 30 || len(b) != 30 || bytes.Equal(a, b) {
		t.Errorf("keys %x %x", a, b)
	}
	if _, err := GenerateKey("AES_256_CM_HMAC_SHA1_80"); err == nil {
		t.Error("key for an unsupported suite")
	}
}

func TestPolicy(t *testing.T) {
	for s, want := range map[string]Policy{"": Off, "off": Off, "Optional": Optional, "MANDATORY": Mandatory} {
		if p, err := ParsePolicy(s); err != nil || p != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParsePolicy("sometimes"); err == nil {
		t.Error("ParsePolicy accepted nonsense")
	}
	if Off.Proto() != ProtoAVP || Optional.Proto() != ProtoAVP || Mandatory.Proto() != ProtoSAVP {
		t.Error("protocols per policy")
	}
	if Mandatory.String() != "mandatory" {
		t.Errorf("String %q", Mandatory.String())
	}
}

// TestRFC4568OfferAnswer runs both ends of the exchange under every pair
// of policies: the offerer's m= protocol and lines, the answer, and
// whether both ends end up with mirrored SRTP keys, plain RTP, or a
// refusal (RFC 4568 §7.1.1-§7.1.4, RFC 3264 §6).
func TestRFC4568OfferAnswer(t *testing.T) {
	type outcome int
	const (
		plain outcome = iota
		secure
		answerRefuses  // answerer: 488
		offererRefuses // offerer: answer not acceptable
	)
	want := map[[2]Policy]outcome{
		{Off, Off}: plain, {Off, Optional}: plain, {Off, Mandatory}: answerRefuses,
		{Optional, Off}: plain, {Optional, Optional}: secure, {Optional, Mandatory}: secure,
		{Mandatory, Off}: answerRefuses, {Mandatory, Optional}: secure, {Mandatory, Mandatory}: secure,
	}
	for pols, w := range want {
		t.Run(pols[0].String()+"→"+pols[1].String(), func(t *testing.T) {
			o, err := NewOffer(pols[0])
			if err != nil {
				t.Fatal(err)
			}
			if o.Proto != pols[0].Proto() || (len(o.Attributes()) == 0) != (pols[0] == Off) {
				t.Fatalf("offer %s with %d lines", o.Proto, len(o.Attributes()))
			}
			a, err := NewAnswer(pols[1], o.Proto, o.Attributes())
			if w == answerRefuses {
				if !errors.Is(err, ErrNotAcceptable) {
					t.Fatalf("answer: %v, want ErrNotAcceptable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Proto != o.Proto {
				t.Errorf("answer protocol %s to %s", a.Proto, o.Proto)
			}
			cfg, err := o.Complete(a.Proto, a.Attributes())
			if w == offererRefuses {
				if !errors.Is(err, ErrNotAcceptable) {
					t.Fatalf("complete: %v, want ErrNotAcceptable", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w == plain {
				if cfg != nil || a.SRTP != nil || len(a.Attributes()) != 0 {
					t.Fatalf("plain call got SRTP: %+v %+v", cfg, a.SRTP)
				}
				return
			}
			if cfg == nil || a.SRTP == nil {
				t.Fatal("no SRTP")
			}
			if cfg.Suite != media.AES_CM_128_HMAC_SHA1_80 || a.SRTP.Suite != cfg.Suite {
				t.Errorf("suites %s %s, want the first offered", cfg.Suite, a.SRTP.Suite)
			}
			if !bytes.Equal(cfg.LocalKey, a.SRTP.RemoteKey) || !bytes.Equal(cfg.RemoteKey, a.SRTP.LocalKey) || bytes.Equal(cfg.LocalKey, cfg.RemoteKey) {
				t.Error("keys not mirrored, or both ends use one key")
			}
		})
	}
}

func TestRFC4568AnswerSelection(t *testing.T) {
	k := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 30))
	offer := []string{
		"1 AES_256_CM_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 46)),
		"2 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4", // MKI: not usable
		"3 AES_CM_128_HMAC_SHA1_80 inline:" + k + " UNENCRYPTED_SRTP",
		"garbage",
		"4 AES_CM_128_HMAC_SHA1_32 inline:" + k + "|2^31",
		"5 AES_CM_128_HMAC_SHA1_80 inline:" + k,
	}
	a, err := NewAnswer(Optional, ProtoSAVP, offer)
	if err != nil {
		t.Fatal(err)
	}
	if a.Crypto == nil || a.Crypto.Tag != 4 || a.Crypto.Suite != media.AES_CM_128_HMAC_SHA1_32 {
		t.Fatalf("answered %+v, want tag 4", a.Crypto)
	}
	if !bytes.Equal(a.SRTP.RemoteKey, bytes.Repeat([]byte{7}, 30)) {
		t.Error("remote key is not the offered one")
	}
	if got := a.Attributes(); len(got) != 1 || !strings.HasPrefix(got[0], "4 AES_CM_128_HMAC_SHA1_32 inline:") {
		t.Errorf("answer line %q", got)
	}
	if _, err := NewAnswer(Optional, ProtoSAVP, offer[:4]); !errors.Is(err, ErrNotAcceptable) {
		t.Errorf("SAVP with nothing usable: %v", err)
	}
	if a, err := NewAnswer(Optional, ProtoAVP, offer[:4]); err != nil || a.SRTP != nil {
		t.Errorf("AVP with nothing usable under optional: %+v %v", a, err)
	}
	if _, err := NewAnswer(Optional, "UDP/TLS/RTP/SAVPF", offer); !errors.Is(err, ErrNotAcceptable) {
		t.Errorf("DTLS-SRTP profile: %v", err)
	}
}

func TestRFC4568CompleteRejectsBadAnswers(t *testing.T) {
	o, err := NewOffer(Optional)
	if err != nil {
		t.Fatal(err)
	}
	k := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 30))
	for _, ans := range [][]string{
		{"3 AES_CM_128_HMAC_SHA1_80 inline:" + k},          // tag not offered
		{"1 AES_CM_128_HMAC_SHA1_32 inline:" + k},          // suite of another tag
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:1"}, // MKI
		{"1 AES_CM_128_HMAC_SHA1_80 inline:" + k, "2 AES_CM_128_HMAC_SHA1_32 inline:" + k},
		{"1 AES_CM_128_HMAC_SHA1_80"},
	} {
		if cfg, err := o.Complete(ProtoAVP, ans); !errors.Is(err, ErrNotAcceptable) {
			t.Errorf("answer %q: %+v %v, want ErrNotAcceptable", ans, cfg, err)
		}
	}
	if _, err := o.Complete(ProtoSAVP, nil); !errors.Is(err, ErrNotAcceptable) {
		t.Errorf("SAVP answer without crypto: %v", err)
	}
	m, _ := NewOffer(Mandatory)
	if _, err := m.Complete(ProtoAVP, []string{"1 AES_CM_128_HMAC_SHA1_80 inline:" + k}); !errors.Is(err, ErrNotAcceptable) {
		t.Errorf("AVP answer to a SAVP offer: %v", err)
	}
	cfg, err := m.Complete(ProtoSAVP, []string{"2 AES_CM_128_HMAC_SHA1_32 inline:" + k})
	if err != nil || cfg.Suite != media.AES_CM_128_HMAC_SHA1_32 || !bytes.Equal(cfg.LocalKey, m.Crypto[1].Keys[0].Key) {
		t.Errorf("second suite chosen: %+v %v", cfg, err)
	}
}

// FuzzParse: no input crashes the parser, and whatever parses formats to
// a line that parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, l := range rfc4568Lines {
		f.Add(l)
	}
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|18446744073709551615:128")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		_ = c.Acceptable()
		again, err := Parse(c.String())
		if err != nil {
			t.Fatalf("formatted %q does not parse: %v", c.String(), err)
		}
		if !reflect.DeepEqual(again, c) {
			t.Fatalf("round trip\n %+v\n %+v", c, again)
		}
	})
}

// FuzzNewAnswer: arbitrary offered lines never crash the answerer, and an
// answer that claims SRTP carries usable keys.
func FuzzNewAnswer(f *testing.F) {
	f.Add(strings.Join(rfc4568Lines, "\n"))
	f.Fuzz(func(t *testing.T, s string) {
		a, err := NewAnswer(Optional, ProtoAVP, strings.Split(s, "\n"))
		if err != nil {
			return
		}
		if a.SRTP != nil && (len(a.SRTP.LocalKey) != 30 || len(a.SRTP.RemoteKey) != 30) {
			t.Fatalf("answer keys %d %d", len(a.SRTP.LocalKey), len(a.SRTP.RemoteKey))
		}
	})
}
