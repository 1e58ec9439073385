package media

import (
	"net/netip"
	"testing"
	"time"
)

// FuzzHandleRTP feeds arbitrary datagrams into the RTP receive path and
// plays out after each; nothing may panic and playout must stay bounded.
func FuzzHandleRTP(f *testing.F) {
	f.Add(rtpPacket(0, true, 1, 160, 9, constPayload(1000, 160)))
	f.Add(rtpPacket(8, false, 65535, 0xffffff00, 9, constPayload(-1000, 80)))
	f.Add(rtpPacket(101, true, 2, 320, 9, []byte{5, 0x8a, 1, 0x40}))
	f.Add(rtpPacket(101, false, 3, 320, 9, []byte{16, 0x0a, 0, 160, 3, 0x8a, 0, 80}))
	f.Add([]byte{0xbf, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4})
	clk := &fakeClock{}
	s := newSession(f, options{clock: clk.now})
	peer := newRawPeer(f)
	if err := s.Start(Params{Codec: PCMU, DTMFPT: 101, RemoteRTP: peer.addr()}); err != nil {
		f.Fatal(err)
	}
	from := netip.MustParseAddrPort("127.0.0.1:4000")
	frame := make([]int16, 160)
	f.Fuzz(func(t *testing.T, b []byte) {
		clk.advance(20 * time.Millisecond)
		s.handleRTP(b, from, clk.now())
		s.Pull(frame)
		for {
			if _, ok := s.PollDTMF(); !ok {
				break
			}
		}
		st := s.Stats()
		if st.BufferTargetMs < 40 || st.BufferTargetMs > 200 {
			t.Fatalf("buffer target %.0f ms out of range", st.BufferTargetMs)
		}
	})
}

// FuzzHandleRTCP feeds arbitrary datagrams into the RTCP receive path.
func FuzzHandleRTCP(f *testing.F) {
	f.Add([]byte{0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 10, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0, 1})
	f.Add([]byte{0x80, 200, 0, 6, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3})
	f.Add([]byte{0x81, 203, 0, 1, 0, 0, 0, 1})
	clk := &fakeClock{}
	s := newSession(f, options{clock: clk.now})
	f.Fuzz(func(t *testing.T, b []byte) {
		clk.advance(time.Second)
		s.handleRTCP(b, clk.now())
		_ = s.Stats()
	})
}
