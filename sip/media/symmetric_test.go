package media

import (
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestRFC4961SymmetricLatch: the first valid packet latches the stream to
// its source; one stray packet (same SSRC, right payload type) from a
// third port does not move it, RelatchPackets consecutive ones do. A
// packet with a payload type we did not negotiate never latches.
func TestRFC4961SymmetricLatch(t *testing.T) {
	s := newSession(t, options{})
	advertised, real, stray := newRawPeer(t), newRawPeer(t), newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: advertised.addr(), Symmetric: true}); err != nil {
		t.Fatal(err)
	}
	// Comfort noise (payload type 13) is not a valid media packet here.
	stray.send(s.LocalAddr(), rtpPacket(13, false, 1, 0, 42, constPayload(0, 1)))
	real.send(s.LocalAddr(), rtpPacket(0, true, 10, 0, 42, constPayload(0, 160)))
	waitReceived(t, s, 1)
	expectAt := func(p *rawPeer, others ...*rawPeer) {
		t.Helper()
		// The receive path counts a packet before it moves the latch.
		waitFor(t, "destination "+p.addr().String(), func() bool { return s.Destination().Port() == uint16(p.addr().Port) })
		s.Push(make([]int16, 160))
		var pkt rtp.Packet
		if err := pkt.Unmarshal(p.recv()); err != nil {
			t.Fatal(err)
		}
		for _, o := range others {
			if _, ok := o.tryRecv(30 * time.Millisecond); ok {
				t.Fatalf("RTP also at %v", o.addr())
			}
		}
	}
	expectAt(real, advertised, stray)
	// One spoofed packet with the right SSRC and the next sequence number.
	stray.send(s.LocalAddr(), rtpPacket(0, false, 11, 160, 42, constPayload(0, 160)))
	waitReceived(t, s, 2)
	real.send(s.LocalAddr(), rtpPacket(0, false, 12, 320, 42, constPayload(0, 160)))
	waitReceived(t, s, 3)
	expectAt(real, stray, advertised)
	// The peer really moved: RelatchPackets consecutive packets.
	for k := range RelatchPackets {
		stray.send(s.LocalAddr(), rtpPacket(0, false, uint16(13+k), uint32(480+160*k), 42, constPayload(0, 160)))
		waitReceived(t, s, uint64(4+k))
	}
	expectAt(stray, real, advertised)
}

// BenchmarkPushSymmetric: the latched destination costs the sender no
// allocation.
func BenchmarkPushSymmetric(b *testing.B) {
	s := newSession(b, options{})
	sink := newRawPeer(b)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: sink.addr(), Symmetric: true}); err != nil {
		b.Fatal(err)
	}
	s.latched.Store(&latch{rtp: udpAddrPort(sink.addr()), rtcp: udpAddrPort(sink.addr())})
	fr := make([]int16, 160)
	b.ReportAllocs()
	for b.Loop() {
		s.Push(fr)
	}
}
