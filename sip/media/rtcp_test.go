package media

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestRFC3550ReportsAndRTT runs two sessions in real time with a short
// report interval until each has computed the round trip from the other's
// report blocks (RFC 3550 §6.4.1 LSR/DLSR).
func TestRFC3550ReportsAndRTT(t *testing.T) {
	a, b := pair(t, PCMA, 20*time.Millisecond, options{rtcpInterval: 60 * time.Millisecond})
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
			t.Fatalf("no RTT after 5 s: a %+v\nb %+v", sa, sb)
		}
	}
	for _, s := range []*Session{a, b} {
		st := s.Stats()
		if st.RTT < 0 || st.RTT > 100*time.Millisecond {
			t.Errorf("loopback RTT %v", st.RTT)
		}
		if st.RemoteFractionLost != 0 || st.RemotePacketsLost != 0 {
			t.Errorf("remote reports loss %.3f / %d on loopback", st.RemoteFractionLost, st.RemotePacketsLost)
		}
		if st.RTCPSent == 0 {
			t.Error("no RTCP sent")
		}
	}
}

// TestRFC3550RTTArithmetic feeds a crafted RR and checks RTT = A - LSR -
// DLSR and the loss fields exactly.
func TestRFC3550RTTArithmetic(t *testing.T) {
	clk := &fakeClock{}
	s := newSession(t, options{clock: clk.now})
	peer := newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr()}); err != nil {
		t.Fatal(err)
	}
	sentAt := clk.now()
	clk.advance(300 * time.Millisecond)
	lost := int32(-3) // duplicates can make it negative (§6.4.1)
	rr := &rtcp.ReceiverReport{SSRC: 77, Reports: []rtcp.ReceptionReport{{
		SSRC:             s.Stats().LocalSSRC,
		FractionLost:     64,
		TotalLost:        uint32(lost) & 0xffffff,
		Jitter:           240,
		LastSenderReport: ntpMiddle(sentAt),
		Delay:            65536 / 4, // 250 ms
	}, {SSRC: 12345, FractionLost: 255}}}
	b, err := rtcp.Marshal([]rtcp.Packet{rr})
	if err != nil {
		t.Fatal(err)
	}
	peer.send(rtcpAddr(s), b)
	waitFor(t, "rtcp", func() bool { return s.Stats().RTCPReceived == 1 })
	st := s.Stats()
	if !st.RTTValid || st.RTT < 50*time.Millisecond-30*time.Microsecond || st.RTT > 50*time.Millisecond+30*time.Microsecond {
		t.Errorf("RTT %v valid %v, want 50 ms", st.RTT, st.RTTValid)
	}
	if st.RemoteFractionLost != 0.25 || st.RemotePacketsLost != -3 || st.RemoteJitterMs != 30 {
		t.Errorf("remote view: fraction %.3f lost %d jitter %.1f ms", st.RemoteFractionLost, st.RemotePacketsLost, st.RemoteJitterMs)
	}
}

// TestRFC3550SenderReportAndBye checks what a session sends to a plain
// RTCP receiver: an SR with a report block for the source it hears, SDES
// CNAME, and a BYE when closed.
func TestRFC3550SenderReportAndBye(t *testing.T) {
	clk := &fakeClock{}
	s, err := listen("127.0.0.1", 0, 0, nil, options{clock: clk.now, rtcpInterval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rtpPeer, rtcpPeer := newRawPeer(t), newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: rtpPeer.addr(), RemoteRTCP: rtcpPeer.addr()}); err != nil {
		t.Fatal(err)
	}
	// Ten packets from the peer with one lost, ten packets to it.
	for k := range 11 {
		if k != 4 {
			rtpPeer.send(s.LocalAddr(), rtpPacket(0, k == 0, uint16(k), uint32(160*k), 0xabc, constPayload(0, 160)))
		}
	}
	waitReceived(t, s, 10)
	for range 10 {
		s.Push(make([]int16, 160))
	}
	s.sendRTCP(false)
	var sr *rtcp.SenderReport
	var cname string
	for sr == nil {
		b, ok := rtcpPeer.tryRecv(2 * time.Second)
		if !ok {
			t.Fatal("no sender report")
		}
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.SenderReport:
				sr = p
			case *rtcp.SourceDescription:
				cname = p.Chunks[0].Items[0].Text
			}
		}
	}
	local := s.Stats().LocalSSRC
	if sr.SSRC != local || sr.PacketCount != 10 || sr.OctetCount != 1600 {
		t.Errorf("SR ssrc %x packets %d octets %d", sr.SSRC, sr.PacketCount, sr.OctetCount)
	}
	if sr.NTPTime>>32 != uint64(clockBase.Unix()+ntpEpochOffset) {
		t.Errorf("SR NTP seconds %d", sr.NTPTime>>32)
	}
	if len(sr.Reports) != 1 {
		t.Fatalf("SR has %d report blocks", len(sr.Reports))
	}
	rb := sr.Reports[0]
	if rb.SSRC != 0xabc || rb.TotalLost != 1 || rb.LastSequenceNumber != 10 || rb.FractionLost != 256/11 {
		t.Errorf("report block %+v", rb)
	}
	if cname == "" {
		t.Error("no CNAME")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		b, ok := rtcpPeer.tryRecv(time.Second)
		if !ok {
			t.Fatal("no BYE after Close")
		}
		pkts, err := rtcp.Unmarshal(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkts {
			if bye, ok := p.(*rtcp.Goodbye); ok {
				if len(bye.Sources) != 1 || bye.Sources[0] != local {
					t.Errorf("BYE sources %v", bye.Sources)
				}
				return
			}
		}
	}
}

func TestRTCPIntervalRandomised(t *testing.T) {
	seen := map[time.Duration]bool{}
	for range 200 {
		d := randomInterval(5 * time.Second)
		if d < 2500*time.Millisecond || d >= 7500*time.Millisecond {
			t.Fatalf("interval %v outside [2.5 s, 7.5 s)", d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct intervals", len(seen))
	}
}
