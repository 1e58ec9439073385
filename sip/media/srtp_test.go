package media

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

var srtpSuites = []SRTPSuite{AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32}

// testKey is a fixed master key and salt; different seeds differ in every
// octet.
func testKey(seed byte) []byte {
	k := make([]byte, SRTPKeyLen)
	for i := range k {
		k[i] = seed*31 + byte(i)*7 + 1
	}
	return k
}

func tagLen(s SRTPSuite) int {
	if s == AES_CM_128_HMAC_SHA1_32 {
		return 4
	}
	return 10
}

// peerContext is the far end's half of an SRTP association, built
// straight on pion/srtp: it protects with (or checks with) key.
func peerContext(t testing.TB, s SRTPSuite, key []byte) *srtp.Context {
	t.Helper()
	prof, err := (&SRTPConfig{Suite: s}).profile()
	if err != nil {
		t.Fatal(err)
	}
	c, err := srtp.CreateContext(key[:16], key[16:], prof)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// srtpPair returns two started sessions talking SRTP with suite; a sends
// under key 1 and b under key 2.
func srtpPair(t testing.TB, suite SRTPSuite, o options) (a, b *Session) {
	t.Helper()
	a = newSession(t, o)
	b = newSession(t, o)
	startSRTP(t, a, b, &SRTPConfig{Suite: suite, LocalKey: testKey(1), RemoteKey: testKey(2)})
	startSRTP(t, b, a, &SRTPConfig{Suite: suite, LocalKey: testKey(2), RemoteKey: testKey(1)})
	return a, b
}

func startSRTP(t testing.TB, s, to *Session, cfg *SRTPConfig) {
	t.Helper()
	if err := s.Start(Params{Codec: PCMU, DTMFPT: 101, RemoteRTP: to.LocalAddr(), SRTP: cfg}); err != nil {
		t.Fatal(err)
	}
}

// seen counts every RTP datagram a session has dealt with, whatever the
// outcome.
func seen(st Stats) uint64 {
	return st.PacketsReceived + st.Duplicates + st.Discarded + st.Malformed + st.SRTPAuthFailures + st.SRTPReplayed
}

func waitSeen(t testing.TB, s *Session, n uint64) {
	t.Helper()
	waitFor(t, "packets", func() bool { return seen(s.Stats()) >= n })
}

// exchangeTone pushes frames of 1004 Hz both ways in simulated time and
// returns what each side played out.
func exchangeTone(t *testing.T, clk *fakeClock, a, b *Session, frames int, pushed *int) (atB, atA []int16) {
	t.Helper()
	fa, fb := make([]int16, 160), make([]int16, 160)
	oa, ob := make([]int16, 160), make([]int16, 160)
	for range frames {
		sine(fa, *pushed, 1004, 8000)
		sine(fb, *pushed, 1004, 8000)
		*pushed += 160
		clk.set(time.Duration(*pushed) * sampleTime)
		a.Push(fa)
		b.Push(fb)
		waitSeen(t, b, a.Stats().PacketsSent)
		waitSeen(t, a, b.Stats().PacketsSent)
		a.Pull(oa)
		b.Pull(ob)
		atB = append(atB, ob...)
		atA = append(atA, oa...)
	}
	return atB, atA
}

func checkTone(t *testing.T, where string, x []int16) {
	t.Helper()
	seg := x[len(x)-2000:]
	got := goertzelPower(seg, 1004)
	if d := dB(got) - dB(8000*8000/2); math.Abs(d) > 0.5 {
		t.Errorf("%s: level at 1004 Hz %.2f dB from input, want within ±0.5 dB", where, d)
	}
	if f := peakFreq(seg, 900, 1100); math.Abs(f-1004) > 2 {
		t.Errorf("%s: peak at %.0f Hz, want 1004 Hz", where, f)
	}
	if purity := got / meanPower(seg); purity < 0.99 {
		t.Errorf("%s: tone purity %.4f, want > 0.99", where, purity)
	}
}

// TestRFC3711ToneAndDTMFBothWays carries a 1004 Hz tone both ways over
// SRTP with each suite, measured where it comes out, and RFC 4733 digits.
func TestRFC3711ToneAndDTMFBothWays(t *testing.T) {
	for _, suite := range srtpSuites {
		t.Run(string(suite), func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{}
			a, b := srtpPair(t, suite, options{clock: clk.now})
			pushed := 0
			atB, atA := exchangeTone(t, clk, a, b, 75, &pushed)
			checkTone(t, "a→b", atB)
			checkTone(t, "b→a", atA)

			const digits = "159#*D"
			var got []byte
			for i := range len(digits) {
				a.SendDTMF(digits[i], 60*time.Millisecond)
				b.SendDTMF(digits[len(digits)-1-i], 60*time.Millisecond)
				exchangeTone(t, clk, a, b, 8, &pushed)
				for {
					ev, ok := b.PollDTMF()
					if !ok {
						break
					}
					if ev.End {
						got = append(got, ev.Digit)
					}
				}
			}
			if string(got) != digits {
				t.Errorf("digits at b %q, want %q", got, digits)
			}
			for _, s := range []*Session{a, b} {
				st := s.Stats()
				if !st.SRTP || st.SRTPAuthFailures != 0 || st.SRTPReplayed != 0 || st.Malformed != 0 || st.PacketsLost != 0 {
					t.Errorf("stats %+v", st)
				}
				if st.DTMFReceived != uint64(len(digits)) {
					t.Errorf("DTMFReceived %d, want %d", st.DTMFReceived, len(digits))
				}
			}
		})
	}
}

// entropy is the Shannon entropy of b in bits per octet.
func entropy(b []byte) float64 {
	var n [256]int
	for _, v := range b {
		n[v]++
	}
	var h float64
	for _, c := range n {
		if c > 0 {
			p := float64(c) / float64(len(b))
			h -= p * math.Log2(p)
		}
	}
	return h
}

// TestRFC3711NoPlaintextOnWire captures what an SRTP session sends on a
// raw socket: header in clear, payload that is neither the G.711 bytes of
// the tone nor anything with their statistics, the tag of the suite's
// length, and that the peer's key recovers the tone exactly.
func TestRFC3711NoPlaintextOnWire(t *testing.T) {
	for _, suite := range srtpSuites {
		t.Run(string(suite), func(t *testing.T) {
			t.Parallel()
			s := newSession(t, options{})
			peer := newRawPeer(t)
			key := testKey(3)
			if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr(), SRTP: &SRTPConfig{Suite: suite, LocalKey: key, RemoteKey: testKey(4)}}); err != nil {
				t.Fatal(err)
			}
			dec := peerContext(t, suite, key)
			frame := make([]int16, 160)
			plain := make([]byte, 160)
			var allPlain, allCipher []byte
			for i := range 50 {
				sine(frame, i*160, 1004, 8000)
				s.Push(frame)
				PCMU.Law.Encode(plain, frame)
				pkt := peer.recv()
				if len(pkt) != rtpHeaderLen+160+tagLen(suite) {
					t.Fatalf("packet %d: %d octets, want %d", i, len(pkt), rtpHeaderLen+160+tagLen(suite))
				}
				var h rtp.Header
				if _, err := h.Unmarshal(pkt); err != nil || h.PayloadType != 0 || h.SSRC != s.Stats().LocalSSRC {
					t.Fatalf("packet %d: header %+v %v", i, h, err)
				}
				payload := pkt[rtpHeaderLen : rtpHeaderLen+160]
				for j := 0; j+8 <= len(plain); j += 8 {
					if bytes.Contains(payload, plain[j:j+8]) {
						t.Fatalf("packet %d carries plaintext G.711 octets %x", i, plain[j:j+8])
					}
				}
				allPlain = append(allPlain, plain...)
				allCipher = append(allCipher, payload...)
				out, err := dec.DecryptRTP(nil, pkt, nil)
				if err != nil {
					t.Fatalf("packet %d: peer cannot decrypt: %v", i, err)
				}
				if !bytes.Equal(out[rtpHeaderLen:], plain) {
					t.Fatalf("packet %d: decrypted payload is not the tone", i)
				}
			}
			hp, hc := entropy(allPlain), entropy(allCipher)
			if hp > 7 {
				t.Fatalf("plaintext entropy %.2f bits/octet: the check below would prove nothing", hp)
			}
			if hc < 7.9 {
				t.Errorf("payload entropy %.3f bits/octet over %d octets, want > 7.9 (plaintext %.2f)", hc, len(allCipher), hp)
			}
		})
	}
}

// TestRFC3711TamperAndReplay sends the session packets protected by the
// right key, then altered ones, replays and plain RTP: only authentic,
// fresh packets are taken; the rest is counted and dropped (RFC 3711
// §3.3.2 replay list, §3.4 authentication). The same for SRTCP.
func TestRFC3711TamperAndReplay(t *testing.T) {
	for _, suite := range srtpSuites {
		t.Run(string(suite), func(t *testing.T) {
			t.Parallel()
			clk := &fakeClock{}
			s := newSession(t, options{clock: clk.now, rtcpInterval: time.Hour})
			peer := newRawPeer(t)
			key := testKey(5)
			if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr(), SRTP: &SRTPConfig{Suite: suite, LocalKey: testKey(6), RemoteKey: key}}); err != nil {
				t.Fatal(err)
			}
			enc := peerContext(t, suite, key)
			protect := func(seq uint16) []byte {
				b, err := enc.EncryptRTP(nil, rtpPacket(0, false, seq, uint32(seq)*160, 0x5eed, constPayload(2000, 160)), nil)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			n := uint64(0)
			send := func(b []byte) Stats {
				t.Helper()
				peer.send(s.LocalAddr(), b)
				n++
				waitSeen(t, s, n)
				return s.Stats()
			}
			var valid [][]byte
			for seq := range uint16(5) {
				valid = append(valid, protect(seq))
				clk.advance(20 * time.Millisecond)
				send(valid[seq])
			}
			if st := s.Stats(); st.PacketsReceived != 5 || st.SRTPAuthFailures != 0 {
				t.Fatalf("valid packets: received %d failures %d", st.PacketsReceived, st.SRTPAuthFailures)
			}
			flip := func(b []byte, i int) []byte {
				c := bytes.Clone(b)
				c[(i+len(c))%len(c)] ^= 0x01
				return c
			}
			next := protect(5)
			for i, bad := range [][]byte{
				flip(next, rtpHeaderLen+40), // payload
				flip(next, -1),              // tag
				flip(next, 7),               // timestamp, authenticated in the header
				rtpPacket(0, false, 6, 960, 0x5eed, constPayload(2000, 160)), // plain RTP
			} {
				if st := send(bad); st.SRTPAuthFailures != uint64(i+1) || st.PacketsReceived != 5 {
					t.Fatalf("altered packet %d: failures %d received %d", i, st.SRTPAuthFailures, st.PacketsReceived)
				}
			}
			if st := send(valid[2]); st.SRTPReplayed != 1 || st.PacketsReceived != 5 {
				t.Fatalf("replay: replayed %d received %d", st.SRTPReplayed, st.PacketsReceived)
			}
			if st := send(next); st.PacketsReceived != 6 {
				t.Fatalf("the genuine packet after the forgeries was not taken: %+v", st)
			}
			if st := send(next); st.SRTPReplayed != 2 {
				t.Fatalf("second replay: replayed %d", st.SRTPReplayed)
			}
			if st := send(next[:rtpHeaderLen+2]); st.Malformed != 1 {
				t.Fatalf("packet shorter than a tag: malformed %d", st.Malformed)
			}

			// SRTCP: an authentic receiver report, a replay, a forgery.
			rr, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x5eed}})
			if err != nil {
				t.Fatal(err)
			}
			srr, err := enc.EncryptRTCP(nil, rr, nil)
			if err != nil {
				t.Fatal(err)
			}
			sendRTCP := func(b []byte, what string, ok func(Stats) bool) {
				t.Helper()
				peer.send(rtcpAddr(s), b)
				waitFor(t, what, func() bool { return ok(s.Stats()) })
			}
			sendRTCP(srr, "srtcp accepted", func(st Stats) bool { return st.RTCPReceived == 1 })
			sendRTCP(srr, "srtcp replay", func(st Stats) bool { return st.SRTPReplayed == 3 })
			sendRTCP(flip(srr, 6), "srtcp forgery", func(st Stats) bool { return st.SRTPAuthFailures == 5 })
			sendRTCP(rr, "plain rtcp", func(st Stats) bool { return st.SRTPAuthFailures == 6 || st.Malformed == 2 })
			if st := s.Stats(); st.RTCPReceived != 1 {
				t.Errorf("RTCPReceived %d after forgeries, want 1", st.RTCPReceived)
			}
		})
	}
}

// TestRFC3711SRTCPReports runs two SRTP sessions in real time with a short
// report interval until each has the round trip from the other's SR/RR,
// which takes reports travelling as SRTCP both ways; and checks on a raw
// socket that a report leaves encrypted with the E flag and index.
func TestRFC3711SRTCPReports(t *testing.T) {
	a, b := srtpPair(t, AES_CM_128_HMAC_SHA1_32, options{rtcpInterval: 60 * time.Millisecond})
	fa, fb := make([]int16, 160), make([]int16, 160)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for n := 0; ; n++ {
		<-tick.C
		sine(fa, n*160, 1004, 5000)
		sine(fb, n*160, 697, 5000)
		a.Push(fa)
		b.Push(fb)
		a.Pull(fa)
		b.Pull(fb)
		sa, sb := a.Stats(), b.Stats()
		if sa.RTTValid && sb.RTTValid && sa.RTCPReceived >= 3 && sb.RTCPReceived >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no RTT over SRTCP after 5 s: a %+v\nb %+v", sa, sb)
		}
	}
	for _, s := range []*Session{a, b} {
		if st := s.Stats(); st.SRTPAuthFailures != 0 || st.Malformed != 0 || st.RemotePacketsLost != 0 {
			t.Errorf("failures %d malformed %d remote lost %d", st.SRTPAuthFailures, st.Malformed, st.RemotePacketsLost)
		}
	}

	s := newSession(t, options{rtcpInterval: time.Hour})
	rtpPeer, rtcpPeer := newRawPeer(t), newRawPeer(t)
	key := testKey(7)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: rtpPeer.addr(), RemoteRTCP: rtcpPeer.addr(),
		SRTP: &SRTPConfig{Suite: AES_CM_128_HMAC_SHA1_80, LocalKey: key, RemoteKey: testKey(8)}}); err != nil {
		t.Fatal(err)
	}
	s.Push(make([]int16, 160))
	s.sendRTCP(false)
	pkt, _ := rtcpPeer.tryRecv(2 * time.Second)
	if len(pkt) < 8+14 {
		t.Fatalf("SRTCP packet of %d octets", len(pkt))
	}
	if idx := pkt[len(pkt)-14:]; idx[0]&0x80 == 0 || idx[3] != 1 {
		t.Errorf("E flag and SRTCP index %x, want 80000001", idx[:4])
	}
	if bytes.Contains(pkt, []byte("@tipring")) {
		t.Error("CNAME visible in SRTCP")
	}
	plain, err := peerContext(t, AES_CM_128_HMAC_SHA1_80, key).DecryptRTCP(nil, pkt, nil)
	if err != nil {
		t.Fatal(err)
	}
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if sr, ok := pkts[0].(*rtcp.SenderReport); !ok || sr.SSRC != s.Stats().LocalSSRC || sr.PacketCount != 1 {
		t.Errorf("decrypted report %+v", pkts[0])
	}
}

// TestRFC3711KeyMismatch: with the wrong key (or the wrong suite) nothing
// is played and every packet is counted as failing authentication.
func TestRFC3711KeyMismatch(t *testing.T) {
	for _, tc := range []struct {
		name     string
		tx, rx   SRTPSuite
		rxRemote []byte
	}{
		{"key", AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_80, testKey(9)},
		{"salt", AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_32, append(testKey(1)[:16:16], testKey(9)[16:]...)},
		{"suite", AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, testKey(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := newSession(t, options{}), newSession(t, options{})
			startSRTP(t, a, b, &SRTPConfig{Suite: tc.tx, LocalKey: testKey(1), RemoteKey: testKey(2)})
			startSRTP(t, b, a, &SRTPConfig{Suite: tc.rx, LocalKey: testKey(2), RemoteKey: tc.rxRemote})
			frame, out := make([]int16, 160), make([]int16, 160)
			var played []int16
			for i := range 30 {
				sine(frame, i*160, 1004, 8000)
				a.Push(frame)
				waitSeen(t, b, uint64(i+1))
				b.Pull(out)
				played = append(played, out...)
			}
			st := b.Stats()
			if st.SRTPAuthFailures != 30 || st.PacketsReceived != 0 || st.RemoteSSRC != 0 {
				t.Errorf("failures %d received %d remote ssrc %x, want 30, 0, 0", st.SRTPAuthFailures, st.PacketsReceived, st.RemoteSSRC)
			}
			if p := meanPower(played); p != 0 {
				t.Errorf("played power %.1f with the wrong key, want silence", p)
			}
		})
	}
}

// TestSRTPRekeyOnStart: a second Start with new keys (a re-INVITE with new
// a=crypto lines) rekeys both directions and the tone carries on; packets
// under the old key are then refused. Start with the same keys keeps the
// contexts (and their rollover counters).
func TestSRTPRekeyOnStart(t *testing.T) {
	clk := &fakeClock{}
	a, b := srtpPair(t, AES_CM_128_HMAC_SHA1_80, options{clock: clk.now})
	pushed := 0
	exchangeTone(t, clk, a, b, 20, &pushed)
	oldTx := a.tx.srtp
	startSRTP(t, a, b, &SRTPConfig{Suite: AES_CM_128_HMAC_SHA1_80, LocalKey: testKey(1), RemoteKey: testKey(2)})
	if a.tx.srtp != oldTx {
		t.Error("Start with unchanged keys replaced the send context")
	}
	startSRTP(t, a, b, &SRTPConfig{Suite: AES_CM_128_HMAC_SHA1_32, LocalKey: testKey(11), RemoteKey: testKey(12)})
	startSRTP(t, b, a, &SRTPConfig{Suite: AES_CM_128_HMAC_SHA1_32, LocalKey: testKey(12), RemoteKey: testKey(11)})
	atB, atA := exchangeTone(t, clk, a, b, 60, &pushed)
	checkTone(t, "a→b after rekey", atB)
	checkTone(t, "b→a after rekey", atA)
	for _, s := range []*Session{a, b} {
		if st := s.Stats(); st.SRTPAuthFailures != 0 || st.PacketsLost != 0 {
			t.Errorf("after rekey: failures %d lost %d", st.SRTPAuthFailures, st.PacketsLost)
		}
	}
	// A packet under b's old key is refused by a.
	old := peerContext(t, AES_CM_128_HMAC_SHA1_80, testKey(2))
	// Ahead of b's stream, so the replay check lets it through to
	// authentication.
	b.txMu.Lock()
	seq, ts := b.tx.seq+5, b.tx.ts+800
	b.txMu.Unlock()
	pkt, err := old.EncryptRTP(nil, rtpPacket(0, false, seq, ts, b.Stats().LocalSSRC, constPayload(1, 160)), nil)
	if err != nil {
		t.Fatal(err)
	}
	peer := newRawPeer(t)
	before := a.Stats().SRTPAuthFailures
	peer.send(a.LocalAddr(), pkt)
	waitFor(t, "old key refused", func() bool { return a.Stats().SRTPAuthFailures == before+1 })

	// SRTP off again: plain RTP both ways.
	for _, p := range [][2]*Session{{a, b}, {b, a}} {
		if err := p[0].Start(Params{Codec: PCMU, DTMFPT: 101, RemoteRTP: p[1].LocalAddr()}); err != nil {
			t.Fatal(err)
		}
	}
	atB, _ = exchangeTone(t, clk, a, b, 40, &pushed)
	checkTone(t, "a→b plain again", atB)
	if st := b.Stats(); st.SRTP {
		t.Error("Stats.SRTP still set")
	}
}

func TestSRTPConfigRejected(t *testing.T) {
	s := newSession(t, options{})
	peer := newRawPeer(t)
	for _, cfg := range []*SRTPConfig{
		{Suite: "AES_256_CM_HMAC_SHA1_80", LocalKey: testKey(1), RemoteKey: testKey(2)},
		{Suite: AES_CM_128_HMAC_SHA1_80, LocalKey: testKey(1)[:16], RemoteKey: testKey(2)},
		{Suite: AES_CM_128_HMAC_SHA1_32, LocalKey: testKey(1), RemoteKey: nil},
	} {
		if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr(), SRTP: cfg}); err == nil {
			t.Errorf("Start accepted %+v", cfg)
		}
	}
}

// TestSRTPPushPullNoAllocs: protecting and checking packets keeps the
// channel loop's per-frame calls allocation-free, sender and receiver.
func TestSRTPPushPullNoAllocs(t *testing.T) {
	for _, suite := range srtpSuites {
		t.Run(string(suite), func(t *testing.T) {
			a, b := srtpPair(t, suite, options{})
			frame := make([]int16, 160)
			sine(frame, 0, 1004, 8000)
			out := make([]int16, 160)
			for range 10 {
				a.Push(frame)
				b.Pull(out)
			}
			waitSeen(t, b, 10)
			a.SendDTMF('5', time.Second)
			allocs := testing.AllocsPerRun(200, func() {
				a.Push(frame)
				b.Pull(out)
				b.PollDTMF()
			})
			if allocs != 0 {
				t.Errorf("Push+Pull with SRTP: %.1f allocations per frame, want 0", allocs)
			}
			if st := b.Stats(); st.SRTPAuthFailures != 0 || st.PacketsReceived == 0 {
				t.Errorf("failures %d received %d", st.SRTPAuthFailures, st.PacketsReceived)
			}
		})
	}
}

// BenchmarkPushPullSRTP is BenchmarkPushPull with SRTP on; compare the two.
func BenchmarkPushPullSRTP(b *testing.B) {
	for _, suite := range srtpSuites {
		b.Run(string(suite), func(b *testing.B) {
			x, y := srtpPair(b, suite, options{})
			frame := make([]int16, 160)
			sine(frame, 0, 1004, 8000)
			out := make([]int16, 160)
			b.ReportAllocs()
			for b.Loop() {
				x.Push(frame)
				y.Pull(out)
			}
		})
	}
}

// BenchmarkSRTPProtectUnprotect measures the cryptography alone for one
// 20 ms PCMU packet: protect on one side, check and decrypt on the other.
func BenchmarkSRTPProtectUnprotect(b *testing.B) {
	for _, suite := range srtpSuites {
		b.Run(string(suite), func(b *testing.B) {
			cfg := &SRTPConfig{Suite: suite, LocalKey: testKey(1), RemoteKey: testKey(1)}
			tx, rx, err := newSRTP(cfg)
			if err != nil {
				b.Fatal(err)
			}
			pkt := rtpPacket(0, false, 0, 0, 1, constPayload(1000, 160))
			b.ReportAllocs()
			seq := uint16(0)
			for b.Loop() {
				pkt[2], pkt[3] = byte(seq>>8), byte(seq)
				seq++
				p, err := tx.protect(pkt)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := rx.ctx.DecryptRTP(rx.buf[:], p, &rx.hdr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzHandleSRTP feeds arbitrary datagrams into an SRTP session's receive
// path; a valid protected packet seeds the corpus so mutations reach
// authentication and, for the untouched ones, the decoder.
func FuzzHandleSRTP(f *testing.F) {
	key := testKey(13)
	enc := peerContext(f, AES_CM_128_HMAC_SHA1_80, key)
	for seq := range uint16(3) {
		p, err := enc.EncryptRTP(nil, rtpPacket(0, seq == 0, seq, uint32(seq)*160, 9, constPayload(1000, 160)), nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Add(rtpPacket(0, true, 1, 160, 9, constPayload(1000, 160)))
	f.Add([]byte{0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	clk := &fakeClock{}
	s := newSession(f, options{clock: clk.now, rtcpInterval: time.Hour})
	peer := newRawPeer(f)
	if err := s.Start(Params{Codec: PCMU, DTMFPT: 101, RemoteRTP: peer.addr(), SRTP: &SRTPConfig{Suite: AES_CM_128_HMAC_SHA1_80, LocalKey: testKey(14), RemoteKey: key}}); err != nil {
		f.Fatal(err)
	}
	frame := make([]int16, 160)
	f.Fuzz(func(t *testing.T, b []byte) {
		clk.advance(20 * time.Millisecond)
		before := seen(s.Stats())
		s.handleRTP(b, peer.addr().AddrPort(), clk.now())
		s.handleRTCP(b, clk.now())
		s.Pull(frame)
		st := s.Stats()
		// Once on the RTP path, at most once more on the RTCP path.
		if d := seen(st) - before; d > 2 {
			t.Fatalf("one datagram counted %d times", d)
		}
	})
}
