package sdp

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.TrimLeft(s, "\n"), "\n", "\r\n"))
}

// rfc3264Offer is Alice's offer of RFC 3264 10.1 with the host names replaced
// by documentation addresses (this package needs IP literals).
var rfc3264Offer = crlf(`
v=0
o=alice 2890844526 2890844526 IN IP4 192.0.2.1
s=
c=IN IP4 192.0.2.1
t=0 0
m=audio 49170 RTP/AVP 0 8 97
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:97 iLBC/8000
m=video 51372 RTP/AVP 31 32
a=rtpmap:31 H261/90000
a=rtpmap:32 MPV/90000
`)

func TestRFC4566ParseRFC3264Offer(t *testing.T) {
	s, err := Parse(rfc3264Offer)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin.Username != "alice" || s.Origin.SessionID != 2890844526 || s.Origin.Address != "192.0.2.1" {
		t.Errorf("origin = %+v", s.Origin)
	}
	if s.Conn == nil || s.Conn.Address != "192.0.2.1" {
		t.Errorf("conn = %+v", s.Conn)
	}
	if len(s.Media) != 2 {
		t.Fatalf("media = %d, want 2", len(s.Media))
	}
	got := s.Media[0].RTPFormats()
	want := []string{"PCMU", "PCMA", "iLBC"}
	if len(got) != len(want) {
		t.Fatalf("formats %+v", got)
	}
	for i := range want {
		if got[i].Name != want[i] || got[i].Rate != 8000 {
			t.Errorf("format %d = %+v, want %s/8000", i, got[i], want[i])
		}
	}
	if s.Media[1].Port != 51372 || s.Media[1].Type != "video" {
		t.Errorf("video = %+v", s.Media[1])
	}
}

// TestRFC3264AnswerBasicExchange follows RFC 3264 10.1: Bob accepts PCMU for
// audio and rejects video (we do not do video, so port 0, RFC 3264 6).
func TestRFC3264AnswerBasicExchange(t *testing.T) {
	offer, err := Parse(rfc3264Offer)
	if err != nil {
		t.Fatal(err)
	}
	local := Audio{Addr: netip.MustParseAddr("192.0.2.2"), Port: 49174, Ptime: 20 * time.Millisecond}
	ans, sel, err := Answer(offer, Origin{Username: "bob", SessionID: 2808844564, SessVersion: 2808844564}, local, []string{"PCMA", "PCMU"})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Codec.Name != "PCMU" || sel.Codec.PT != 0 {
		t.Errorf("selected %+v, want PCMU/0 (offerer's first choice)", sel.Codec)
	}
	if sel.Remote.Addr.String() != "192.0.2.1" || sel.Remote.Port != 49170 || sel.Remote.RTCPPort != 49171 {
		t.Errorf("remote %+v", sel.Remote)
	}
	if sel.Remote.HasDTMF {
		t.Error("no telephone-event was offered")
	}
	// Re-parse what we send, as the peer would.
	back, err := Parse(ans.Marshal())
	if err != nil {
		t.Fatalf("own answer does not parse: %v\n%s", err, ans.Marshal())
	}
	if len(back.Media) != 2 {
		t.Fatalf("answer has %d m= lines, offer had 2", len(back.Media))
	}
	a := back.Media[0]
	if a.Port != 49174 || len(a.Formats) != 1 || a.Formats[0] != "0" {
		t.Errorf("audio answer = %+v", a)
	}
	if back.Media[1].Type != "video" || back.Media[1].Port != 0 {
		t.Errorf("video not rejected: %+v", back.Media[1])
	}
	if back.Direction(&back.Media[0]) != SendRecv {
		t.Error("answer direction should be sendrecv")
	}
}

// TestRFC3264OneOfNCodecs: the answerer picks the first offered codec it
// supports, in the offerer's order, and keeps telephone-event at the offered
// payload type (RFC 4733 7.1.1).
func TestRFC3264OneOfNCodecs(t *testing.T) {
	offer := crlf(`
v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 4000 RTP/AVP 18 8 0 96
a=rtpmap:18 G729/8000
a=rtpmap:96 telephone-event/8000
a=fmtp:96 0-15
a=ptime:30
a=sendonly
`)
	s, err := Parse(offer)
	if err != nil {
		t.Fatal(err)
	}
	ans, sel, err := Answer(s, Origin{}, Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 5000}, []string{"PCMU", "PCMA"})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Codec.Name != "PCMA" {
		t.Errorf("selected %s, want PCMA (first supported in offer order)", sel.Codec.Name)
	}
	if !sel.Remote.HasDTMF || sel.Remote.DTMF.PT != 96 || sel.Remote.DTMF.Fmtp != "0-15" {
		t.Errorf("dtmf %+v", sel.Remote.DTMF)
	}
	if sel.Remote.Ptime != 30*time.Millisecond {
		t.Errorf("ptime %v", sel.Remote.Ptime)
	}
	m := ans.Media[0]
	if strings.Join(m.Formats, " ") != "8 96" {
		t.Errorf("answer formats %v, want [8 96]", m.Formats)
	}
	if ans.Direction(&m) != RecvOnly {
		t.Errorf("answer to sendonly is %s, want recvonly (RFC 3264 6.1)", ans.Direction(&m))
	}
}

func TestRFC3264NoCommonCodec(t *testing.T) {
	offer := crlf(`
v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 4000 RTP/AVP 18 9
`)
	s, err := Parse(offer)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Answer(s, Origin{}, Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 1}, []string{"PCMU", "PCMA"}); !errors.Is(err, ErrNoCommonCodec) {
		t.Errorf("err = %v, want ErrNoCommonCodec", err)
	}
}

func TestRFC3264OfferAndReadAnswer(t *testing.T) {
	local := Audio{
		Addr: netip.MustParseAddr("127.0.0.1"), Port: 30000,
		Codecs:  []Format{{PT: 8, Name: "PCMA", Rate: 8000}, {PT: 0, Name: "PCMU", Rate: 8000}},
		DTMF:    Format{PT: 101, Name: TelephoneEvent, Rate: 8000, Fmtp: "0-16"},
		HasDTMF: true, Ptime: 20 * time.Millisecond,
	}
	body := Offer(Origin{Username: "tipring", SessionID: 7, SessVersion: 7}, local).Marshal()
	for _, want := range []string{
		"v=0\r\n", "o=tipring 7 7 IN IP4 127.0.0.1\r\n", "c=IN IP4 127.0.0.1\r\n", "t=0 0\r\n",
		"m=audio 30000 RTP/AVP 8 0 101\r\n", "a=rtpmap:8 PCMA/8000\r\n", "a=rtpmap:0 PCMU/8000\r\n",
		"a=rtpmap:101 telephone-event/8000\r\n", "a=fmtp:101 0-16\r\n", "a=ptime:20\r\n", "a=sendrecv\r\n",
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("offer lacks %q:\n%s", want, body)
		}
	}
	// The peer (RFC 3264 6) answers: it takes PCMA and the DTMF type.
	offer, err := Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	ans, _, err := Answer(offer, Origin{}, Audio{Addr: netip.MustParseAddr("127.0.0.2"), Port: 40000, RTCPPort: 40001}, []string{"PCMU", "PCMA"})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(ans.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	sel, err := ReadAnswer(parsed, local)
	if err != nil {
		t.Fatal(err)
	}
	if sel.Codec.Name != "PCMA" || sel.Remote.Port != 40000 || sel.Remote.Addr.String() != "127.0.0.2" || !sel.Remote.HasDTMF || sel.Remote.DTMF.PT != 101 {
		t.Errorf("selection %+v", sel)
	}
}

func TestRFC3605RTCPAttribute(t *testing.T) {
	s, err := Parse(crlf(`
v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
t=0 0
m=audio 4000 RTP/AVP 0
c=IN IP4 127.0.0.9
a=rtcp:4444 IN IP4 127.0.0.9
`))
	if err != nil {
		t.Fatal(err)
	}
	_, sel, err := Answer(s, Origin{}, Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 1}, []string{"PCMU"})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Remote.RTCPPort != 4444 || sel.Remote.Addr.String() != "127.0.0.9" {
		t.Errorf("remote %+v", sel.Remote)
	}
}

func TestRFC4566Malformed(t *testing.T) {
	for name, body := range map[string]string{
		"empty":       "",
		"no v":        "o=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n",
		"bad version": "v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n",
		"no origin":   "v=0\r\ns=-\r\n",
		"short o":     "v=0\r\no=- 1 IN IP4 1.2.3.4\r\ns=-\r\n",
		"bad line":    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\ngarbage\r\n",
		"bad port":    "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 99999 RTP/AVP 0\r\n",
		"bad c":       "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4\r\n",
	} {
		if _, err := Parse([]byte(body)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	// A hostname in c= parses but cannot be used for media.
	s, err := Parse([]byte("v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 host.example.com\r\nm=audio 1 RTP/AVP 0\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Answer(s, Origin{}, Audio{Addr: netip.MustParseAddr("127.0.0.1")}, []string{"PCMU"}); !errors.Is(err, ErrMalformed) {
		t.Errorf("hostname connection: err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(rfc3264Offer)
	f.Add([]byte("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 0 101\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-16\na=rtcp:4001\na=ptime:20\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		out := s.Marshal()
		s2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse of own output failed: %v\n%q", err, out)
		}
		if len(s2.Media) != len(s.Media) {
			t.Fatalf("media count changed %d -> %d", len(s.Media), len(s2.Media))
		}
		local := Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 1000}
		if ans, _, err := Answer(s, Origin{}, local, []string{"PCMU", "PCMA"}); err == nil {
			if _, err := Parse(ans.Marshal()); err != nil {
				t.Fatalf("answer does not parse: %v", err)
			}
		}
		_, _ = ReadAnswer(s, Audio{Codecs: []Format{{PT: 0, Name: "PCMU", Rate: 8000}}})
	})
}

func BenchmarkParseOffer(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(rfc3264Offer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnswer(b *testing.B) {
	b.ReportAllocs()
	offer, err := Parse(rfc3264Offer)
	if err != nil {
		b.Fatal(err)
	}
	local := Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 30000, Ptime: 20 * time.Millisecond}
	for b.Loop() {
		ans, _, err := Answer(offer, Origin{SessionID: 1, SessVersion: 1}, local, []string{"PCMU", "PCMA"})
		if err != nil {
			b.Fatal(err)
		}
		_ = ans.Marshal()
	}
}

func TestRFC3711SAVPAnswerKeepsProto(t *testing.T) {
	offer, err := Parse(crlf(`v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 4000 RTP/SAVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz
a=sendrecv
`))
	if err != nil {
		t.Fatal(err)
	}
	local := Audio{Addr: netip.MustParseAddr("127.0.0.1"), Port: 5000, Crypto: []string{"1 AES_CM_128_HMAC_SHA1_80 inline:abc"}}
	ans, sel, err := Answer(offer, Origin{}, local, []string{"PCMU"})
	if err != nil {
		t.Fatal(err)
	}
	if sel.Remote.Proto != ProtoSAVP || len(sel.Remote.Crypto) != 1 || sel.Index != 0 {
		t.Fatalf("selection %+v", sel)
	}
	if !strings.HasPrefix(sel.Remote.Crypto[0], "1 AES_CM_128_HMAC_SHA1_80 inline:") {
		t.Fatalf("crypto %q", sel.Remote.Crypto[0])
	}
	b := string(ans.Marshal())
	if !strings.Contains(b, "m=audio 5000 RTP/SAVP 0 101\r\n") || !strings.Contains(b, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:abc\r\n") {
		t.Fatalf("answer:\n%s", b)
	}
	back, err := Parse(ans.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadAnswer(back, Audio{Codecs: []Format{{PT: 0, Name: "PCMU", Rate: 8000}}})
	if err != nil || rs.Remote.Proto != ProtoSAVP || len(rs.Remote.Crypto) != 1 {
		t.Fatalf("read answer %+v %v", rs, err)
	}
}
