package media

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tipring/dsp/g711"
)

func TestCodecByName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want Codec
		ok   bool
	}{
		{"PCMU", PCMU, true},
		{"pcmu", PCMU, true},
		{"PCMA", PCMA, true},
		{"G729", Codec{}, false},
	} {
		got, ok := CodecByName(tc.name)
		if ok != tc.ok || got != tc.want {
			t.Errorf("CodecByName(%q) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if PCMU.PT != 0 || PCMA.PT != 8 || PCMU.Law != g711.Ulaw || PCMA.Law != g711.Alaw {
		t.Errorf("static payload types wrong: %+v %+v", PCMU, PCMA)
	}
}

// TestG711SineRoundTrip pushes a 1004 Hz test tone (ITU-T O.6 / G.712
// reference frequency) into one session and measures frequency and level
// where it comes out of the other.
func TestG711SineRoundTrip(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		for _, tc := range []struct {
			frame int // samples per Push/Pull
			ptime time.Duration
			amp   float64
		}{
			{160, 20 * time.Millisecond, 10000},
			{80, 20 * time.Millisecond, 1000},
			{240, 20 * time.Millisecond, 10000},
			{160, 30 * time.Millisecond, 3000},
		} {
			name := fmt.Sprintf("%s/frame%d/ptime%v/amp%.0f", c.Name, tc.frame, tc.ptime, tc.amp)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				clk := &fakeClock{}
				a, b := pair(t, c, tc.ptime, options{clock: clk.now})
				ptime := int(tc.ptime / sampleTime)
				frame := make([]int16, tc.frame)
				pull := make([]int16, tc.frame)
				var out []int16
				pushed := 0
				for range 8000 * 3 / 2 / tc.frame {
					sine(frame, pushed, 1004, tc.amp)
					pushed += len(frame)
					clk.set(time.Duration(pushed) * sampleTime)
					a.Push(frame)
					waitReceived(t, b, uint64(pushed/ptime))
					b.Pull(pull)
					out = append(out, pull...)
				}
				seg := out[len(out)-2000:]
				want := tc.amp * tc.amp / 2
				got := goertzelPower(seg, 1004)
				if d := dB(got) - dB(want); math.Abs(d) > 0.5 {
					t.Errorf("level at 1004 Hz: %.2f dB from input, want within ±0.5 dB", d)
				}
				if f := peakFreq(seg, 900, 1100); math.Abs(f-1004) > 2 {
					t.Errorf("peak at %.0f Hz, want 1004 Hz", f)
				}
				// Anything but the tone (glitches, concealment) shows up
				// as power outside the 1004 Hz component.
				if purity := got / meanPower(seg); purity < 0.99 {
					t.Errorf("tone purity %.4f, want > 0.99 (distorted playout)", purity)
				}
				st := b.Stats()
				if st.PacketsLost != 0 || st.Late != 0 {
					t.Errorf("lost %d late %d, want 0", st.PacketsLost, st.Late)
				}
				if ptime%tc.frame != 0 {
					// Frames that do not divide the packet time send
					// packets in bursts: real jitter, which the buffer
					// absorbs (checked by the tone above).
					return
				}
				if st.Concealed != 0 {
					t.Errorf("clean path: %d frames concealed", st.Concealed)
				}
				if st.JitterMs > 0.5 {
					t.Errorf("jitter %.2f ms on an ideal path", st.JitterMs)
				}
				if st.BufferTargetMs != 40 {
					t.Errorf("buffer target %.0f ms, want 40", st.BufferTargetMs)
				}
				if as := a.Stats(); as.PacketsSent != uint64(pushed/ptime) || as.OctetsSent != uint64(pushed/ptime*ptime) {
					t.Errorf("sent %d packets %d octets, want %d and %d", as.PacketsSent, as.OctetsSent, pushed/ptime, pushed/ptime*ptime)
				}
			})
		}
	}
}

// TestRFC3550Packetization checks the RTP header fields of the audio
// stream: version, payload type, constant SSRC, consecutive sequence
// numbers, timestamps advancing by the packet's samples, marker only on
// the first packet.
func TestRFC3550Packetization(t *testing.T) {
	for _, tc := range []struct {
		frame int
		ptime time.Duration
		codec Codec
	}{
		{80, 20 * time.Millisecond, PCMU},
		{240, 20 * time.Millisecond, PCMA},
		{160, 30 * time.Millisecond, PCMU},
		{160, 10 * time.Millisecond, PCMA},
	} {
		t.Run(fmt.Sprintf("%s/frame%d/ptime%v", tc.codec.Name, tc.frame, tc.ptime), func(t *testing.T) {
			t.Parallel()
			s := newSession(t, options{})
			peer := newRawPeer(t)
			if err := s.Start(Params{Codec: tc.codec, RemoteRTP: peer.addr(), Ptime: tc.ptime}); err != nil {
				t.Fatal(err)
			}
			ptime := int(tc.ptime / sampleTime)
			frame := make([]int16, tc.frame)
			for i := range frame {
				frame[i] = int16(i * 50)
			}
			const npkt = 6
			for range npkt * ptime / tc.frame {
				s.Push(frame)
			}
			var prev rtp.Packet
			for i := range npkt {
				var p rtp.Packet
				if err := p.Unmarshal(peer.recv()); err != nil {
					t.Fatal(err)
				}
				if p.Version != 2 || p.PayloadType != tc.codec.PT || len(p.Payload) != ptime {
					t.Fatalf("packet %d: v%d pt %d len %d", i, p.Version, p.PayloadType, len(p.Payload))
				}
				if p.Marker != (i == 0) {
					t.Errorf("packet %d: marker %v", i, p.Marker)
				}
				if p.SSRC != s.Stats().LocalSSRC {
					t.Errorf("packet %d: ssrc %08x", i, p.SSRC)
				}
				if i > 0 {
					if p.SequenceNumber != prev.SequenceNumber+1 {
						t.Errorf("packet %d: seq %d after %d", i, p.SequenceNumber, prev.SequenceNumber)
					}
					if p.Timestamp-prev.Timestamp != uint32(ptime) {
						t.Errorf("packet %d: timestamp step %d, want %d", i, p.Timestamp-prev.Timestamp, ptime)
					}
				}
				// The payload is the pushed audio, in order.
				dec := make([]int16, len(p.Payload))
				tc.codec.Law.Decode(dec, p.Payload)
				for j, v := range dec {
					want := frame[(i*ptime+j)%tc.frame]
					if math.Abs(float64(v-want)) > math.Abs(float64(want))/8+16 {
						t.Fatalf("packet %d sample %d: %d, want ≈%d", i, j, v, want)
					}
				}
				prev = p
			}
		})
	}
}

// feed sends crafted packets from a raw peer to s with the clock at each
// packet's arrival time, waiting until s has taken each one.
type feeder struct {
	t     *testing.T
	s     *Session
	peer  *rawPeer
	clk   *fakeClock
	sent  uint64
	ssrc  uint32
	frame []int16
}

func newFeeder(t *testing.T, dtmfPT uint8) *feeder {
	clk := &fakeClock{}
	s := newSession(t, options{clock: clk.now})
	peer := newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, DTMFPT: dtmfPT, RemoteRTP: peer.addr()}); err != nil {
		t.Fatal(err)
	}
	return &feeder{t: t, s: s, peer: peer, clk: clk, ssrc: 0x11223344, frame: make([]int16, 160)}
}

func (f *feeder) send(b []byte) {
	f.t.Helper()
	f.peer.send(f.s.LocalAddr(), b)
	f.sent++
	waitReceived(f.t, f.s, f.sent)
}

func (f *feeder) audio(seq uint16, ts uint32, v int16) {
	f.t.Helper()
	f.send(rtpPacket(0, false, seq, ts, f.ssrc, constPayload(v, 160)))
}

func (f *feeder) pull() []int16 {
	f.s.Pull(f.frame)
	return slices.Clone(f.frame)
}

func level(k int) int16 { return int16(1000 * (k + 1)) }

// TestRFC3550ReorderDuplicateLoss sends a stream with one packet swapped
// with its neighbour, one duplicated and one lost, and checks that the
// playout is in timestamp order, the loss is counted and concealed, and
// the duplicate is dropped.
func TestRFC3550ReorderDuplicateLoss(t *testing.T) {
	f := newFeeder(t, 0)
	const seq0, ts0 = 40000, 1234567
	// Arrival order by slot: 3 and 4 swapped, 5 twice, 6 lost.
	order := [][]int{{0}, {1}, {2}, {4}, {3}, {5, 5}, {}, {7}, {8}, {9}, {10}, {11}}
	var out [][]int16
	for slot, ks := range order {
		f.clk.set(time.Duration(slot) * 20 * time.Millisecond)
		for _, k := range ks {
			f.audio(seq0+uint16(k), ts0+uint32(160*k), level(k))
		}
		out = append(out, f.pull())
	}
	// 40 ms of buffer: packet k plays in frame k+2.
	for k := range 10 {
		fr := out[k+2]
		want := g711.DecodeUlaw(g711.EncodeUlaw(level(k)))
		if k == 6 {
			want = g711.DecodeUlaw(g711.EncodeUlaw(level(5))) // repeated once at full level
		}
		for i, v := range fr {
			if v != want {
				t.Fatalf("frame of packet %d sample %d = %d, want %d", k, i, v, want)
			}
		}
	}
	for _, fr := range out[:2] {
		if slices.ContainsFunc(fr, func(v int16) bool { return v != 0 }) {
			t.Fatal("lead-in before the first packet is not silent")
		}
	}
	st := f.s.Stats()
	if st.Duplicates != 1 || st.PacketsLost != 1 || st.Concealed != 1 || st.Late != 0 || st.PacketsReceived != 11 {
		t.Errorf("stats: dup %d lost %d concealed %d late %d received %d; want 1 1 1 0 11",
			st.Duplicates, st.PacketsLost, st.Concealed, st.Late, st.PacketsReceived)
	}
}

// TestConcealmentFadesOnLongLoss stops the stream and checks that the
// concealment repeats, then decays to silence and never exceeds the last
// real audio.
func TestConcealmentFadesOnLongLoss(t *testing.T) {
	f := newFeeder(t, 0)
	var last []int16
	for k := range 10 {
		f.clk.set(time.Duration(k) * 20 * time.Millisecond)
		f.send(rtpPacket(0, false, uint16(k), uint32(160*k), f.ssrc, func() []byte {
			fr := make([]int16, 160)
			sine(fr, 160*k, 1004, 12000)
			p := make([]byte, 160)
			g711.Ulaw.Encode(p, fr)
			return p
		}()))
		last = f.pull()
	}
	peak := func(x []int16) (m float64) {
		for _, v := range x {
			m = max(m, math.Abs(float64(v)))
		}
		return m
	}
	ref := peak(last)
	prev := math.Inf(1)
	var silent bool
	for range 30 {
		fr := f.pull()
		p := peak(fr)
		if p > ref {
			t.Fatalf("concealment peak %.0f above real audio %.0f", p, ref)
		}
		if p > prev {
			t.Fatalf("concealment grew from %.0f to %.0f", prev, p)
		}
		prev = p
		silent = p == 0
	}
	if !silent {
		t.Error("concealment did not fade to silence")
	}
}

// TestRFC3550SequenceWraparound crosses the 16-bit sequence boundary with
// one loss on each side.
func TestRFC3550SequenceWraparound(t *testing.T) {
	f := newFeeder(t, 0)
	seq := uint16(65530)
	for k := range 20 {
		f.clk.set(time.Duration(k) * 20 * time.Millisecond)
		if k != 3 && k != 9 { // 65533 and 3 lost
			f.audio(seq, uint32(160*k), 500)
		}
		seq++
		f.pull()
	}
	st := f.s.Stats()
	if st.PacketsLost != 2 || st.PacketsReceived != 18 || st.Resyncs != 0 {
		t.Errorf("lost %d received %d resyncs %d, want 2, 18, 0", st.PacketsLost, st.PacketsReceived, st.Resyncs)
	}
	f.s.rxMu.Lock()
	ext := f.s.rx.src.extMax()
	f.s.rxMu.Unlock()
	if ext != 1<<16+13 {
		t.Errorf("extended highest sequence %d, want %d", ext, 1<<16+13)
	}
}

// TestRFC3550JitterEstimate sends packets with random network delay and
// checks the A.8 estimator and the buffer's reaction to it.
func TestRFC3550JitterEstimate(t *testing.T) {
	for _, tc := range []struct {
		maxDelay     time.Duration
		lo, hi       float64 // expected jitter range, ms
		minTargetMs  float64
		maxConcealed float64 // fraction of frames
	}{
		{0, 0, 0.2, 40, 0},
		// Uniform delay in [0, D] has a mean absolute difference of D/3.
		{40 * time.Millisecond, 8, 20, 60, 0.1},
		{90 * time.Millisecond, 20, 45, 120, 0.1},
	} {
		t.Run(fmt.Sprint(tc.maxDelay), func(t *testing.T) {
			t.Parallel()
			f := newFeeder(t, 0)
			rng := rand.New(rand.NewPCG(1, uint64(tc.maxDelay)))
			type ev struct {
				at   time.Duration
				pull bool
				k    int
			}
			const n = 400
			var evs []ev
			for k := range n {
				d := time.Duration(rng.Int64N(int64(tc.maxDelay) + 1))
				evs = append(evs, ev{at: time.Duration(k)*20*time.Millisecond + d, k: k})
				evs = append(evs, ev{at: time.Duration(k)*20*time.Millisecond + 10*time.Millisecond, pull: true})
			}
			slices.SortStableFunc(evs, func(a, b ev) int { return int(a.at - b.at) })
			pulls := 0
			for _, e := range evs {
				f.clk.set(e.at)
				if e.pull {
					f.pull()
					pulls++
					continue
				}
				f.audio(uint16(e.k), uint32(160*e.k), 800)
			}
			st := f.s.Stats()
			if st.JitterMs < tc.lo || st.JitterMs > tc.hi {
				t.Errorf("jitter %.1f ms, want %.0f..%.0f", st.JitterMs, tc.lo, tc.hi)
			}
			if st.BufferTargetMs < tc.minTargetMs || st.BufferTargetMs > 200 {
				t.Errorf("buffer target %.0f ms, want %.0f..200", st.BufferTargetMs, tc.minTargetMs)
			}
			if frac := float64(st.Concealed) / float64(pulls); frac > tc.maxConcealed {
				t.Errorf("%d of %d frames concealed", st.Concealed, pulls)
			}
			if st.PacketsLost != 0 || st.PacketsReceived != n {
				t.Errorf("lost %d received %d", st.PacketsLost, st.PacketsReceived)
			}
			t.Logf("jitter %.1f ms, target %.0f ms, depth %.0f ms, late %d, concealed %d, dropped %d",
				st.JitterMs, st.BufferTargetMs, st.BufferDepthMs, st.Late, st.Concealed, st.Dropped)
		})
	}
}

// TestMalformedPacketsCounted sends datagrams that are not valid RTP and
// checks each is counted and the stream still works afterwards.
func TestMalformedPacketsCounted(t *testing.T) {
	f := newFeeder(t, 101)
	valid := rtpPacket(0, false, 1, 160, f.ssrc, constPayload(100, 160))
	mod := func(fn func(b []byte) []byte) []byte { return fn(slices.Clone(valid)) }
	bad := [][]byte{
		{0x80, 0x00, 0x01}, // shorter than a header
		mod(func(b []byte) []byte { b[0] = 0x40; return b }),                                                       // version 1
		mod(func(b []byte) []byte { b[0] = 0x00; return b }),                                                       // version 0
		mod(func(b []byte) []byte { b[0] |= 0x0f; return b[:20] }),                                                 // 15 CSRCs missing
		mod(func(b []byte) []byte { b[0] |= 0x10; return b[:14] }),                                                 // extension header cut
		mod(func(b []byte) []byte { b[0] |= 0x20; b[len(b)-1] = 0; return b }),                                     // padding count 0
		mod(func(b []byte) []byte { b[0] |= 0x20; b[len(b)-1] = 200; return b }),                                   // padding past header
		mod(func(b []byte) []byte { return b[:12] }),                                                               // no audio
		rtpPacket(101, true, 1, 160, f.ssrc, []byte{1, 10}),                                                        // short telephone-event
		mod(func(b []byte) []byte { b[0] |= 0x10; b[12], b[13], b[14], b[15] = 0xbe, 0xde, 0xff, 0xff; return b }), // extension length past end
	}
	for _, b := range bad {
		f.send(b)
	}
	st := f.s.Stats()
	if st.Malformed != uint64(len(bad)) || st.PacketsReceived != 0 {
		t.Fatalf("malformed %d received %d, want %d and 0", st.Malformed, st.PacketsReceived, len(bad))
	}
	// Well-formed but unusable: comfort noise (RFC 3389 PT 13).
	f.send(rtpPacket(13, false, 1, 160, f.ssrc, []byte{40}))
	f.send(valid)
	st = f.s.Stats()
	if st.Discarded != 1 || st.PacketsReceived != 1 || st.Malformed != uint64(len(bad)) {
		t.Errorf("discarded %d received %d malformed %d", st.Discarded, st.PacketsReceived, st.Malformed)
	}
	// Garbage on the RTCP port is counted too.
	f.peer.send(rtcpAddr(f.s), []byte{0x80, 200, 0xff, 0xff, 1})
	waitFor(t, "rtcp malformed", func() bool { return f.s.Stats().Malformed == uint64(len(bad))+1 })
}

// TestSSRCChange: a single stray packet from another SSRC is ignored; a
// source that persists takes over and the buffer restarts on it.
func TestSSRCChange(t *testing.T) {
	f := newFeeder(t, 0)
	slot := 0
	send := func(ssrc uint32, seq uint16, v int16) {
		f.clk.set(time.Duration(slot) * 20 * time.Millisecond)
		f.send(rtpPacket(0, false, seq, uint32(160*slot), ssrc, constPayload(v, 160)))
		f.pull()
		slot++
	}
	for k := range 5 {
		send(f.ssrc, uint16(k), 1000)
	}
	send(0xbad, 9000, 5000)
	for k := 5; k < 10; k++ {
		send(f.ssrc, uint16(k), 1000)
	}
	st := f.s.Stats()
	if st.Discarded != 1 || st.RemoteSSRC != f.ssrc || st.SSRCChanges != 0 {
		t.Fatalf("stray: discarded %d remote %x changes %d", st.Discarded, st.RemoteSSRC, st.SSRCChanges)
	}
	for k := range 6 {
		send(0xbeef, uint16(30000+k), 3000)
	}
	st = f.s.Stats()
	if st.RemoteSSRC != 0xbeef || st.SSRCChanges != 1 || st.Discarded != 3 {
		t.Fatalf("change: remote %x changes %d discarded %d", st.RemoteSSRC, st.SSRCChanges, st.Discarded)
	}
	// The new source is played.
	fr := f.pull()
	if want := g711.DecodeUlaw(g711.EncodeUlaw(3000)); fr[0] != want {
		t.Errorf("after the switch playing %d, want %d", fr[0], want)
	}
	if st.PacketsLost != 0 {
		t.Errorf("lost %d after the switch", st.PacketsLost)
	}
}

// TestSymmetricRTP: with Symmetric set, media goes back to where the
// remote's RTP comes from, not to the address in its SDP.
func TestSymmetricRTP(t *testing.T) {
	s := newSession(t, options{})
	nat := newRawPeer(t) // where the peer really is
	sdp := newRawPeer(t) // what it advertised
	if err := s.Start(Params{Codec: PCMA, RemoteRTP: sdp.addr(), Symmetric: true}); err != nil {
		t.Fatal(err)
	}
	nat.send(s.LocalAddr(), rtpPacket(8, true, 7, 0, 42, constPayload(0, 160)))
	waitReceived(t, s, 1)
	s.Push(make([]int16, 160))
	var p rtp.Packet
	if err := p.Unmarshal(nat.recv()); err != nil || p.PayloadType != 8 {
		t.Fatalf("nat address got %v (pt %d)", err, p.PayloadType)
	}
	if _, ok := sdp.tryRecv(50 * time.Millisecond); ok {
		t.Error("advertised address still receives media")
	}
}

// TestStartAgainChangesRemoteAndCodec models early media followed by an
// answer from somewhere else with another codec: the stream continues
// (same SSRC, consecutive sequence numbers) with the marker bit set.
func TestStartAgainChangesRemoteAndCodec(t *testing.T) {
	s := newSession(t, options{})
	early, answer := newRawPeer(t), newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: early.addr()}); err != nil {
		t.Fatal(err)
	}
	fr := make([]int16, 160)
	s.Push(fr)
	s.Push(fr)
	var p1, p2, p3 rtp.Packet
	if err := p1.Unmarshal(early.recv()); err != nil {
		t.Fatal(err)
	}
	if err := p2.Unmarshal(early.recv()); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(Params{Codec: PCMA, RemoteRTP: answer.addr()}); err != nil {
		t.Fatal(err)
	}
	s.Push(fr)
	if err := p3.Unmarshal(answer.recv()); err != nil {
		t.Fatal(err)
	}
	if p3.PayloadType != 8 || !p3.Marker || p3.SSRC != p1.SSRC ||
		p3.SequenceNumber != p2.SequenceNumber+1 || p3.Timestamp != p2.Timestamp+160 {
		t.Errorf("after re-Start: pt %d marker %v ssrc %x seq %d ts %d; before: seq %d ts %d",
			p3.PayloadType, p3.Marker, p3.SSRC, p3.SequenceNumber, p3.Timestamp, p2.SequenceNumber, p2.Timestamp)
	}
	if err := s.Start(Params{Codec: PCMA, RemoteRTP: answer.addr(), Ptime: 7 * time.Millisecond}); err == nil {
		t.Error("ptime 7 ms accepted")
	}
	if err := s.Start(Params{Codec: Codec{Name: "G722", PT: 9}, RemoteRTP: answer.addr()}); err == nil {
		t.Error("G.722 accepted")
	}
}

func TestListenPortRange(t *testing.T) {
	s, err := Listen("127.0.0.1", 41000, 41011, nil)
	if err != nil {
		t.Skipf("port range busy: %v", err)
	}
	defer s.Close()
	p := s.LocalAddr().Port
	if p%2 != 0 || p < 41000 || p > 41010 {
		t.Errorf("rtp port %d, want even in 41000-41010", p)
	}
	if a := rtcpAddr(s); a.Port != p+1 {
		t.Errorf("rtcp port %d, want %d", a.Port, p+1)
	}
	if _, err := Listen("127.0.0.1", 41001, 41001, nil); err == nil {
		t.Error("range without an even/odd pair accepted")
	}
	if _, err := Listen("not-an-ip", 0, 0, nil); err == nil {
		t.Error("bad address accepted")
	}
}

func rtcpAddr(s *Session) *net.UDPAddr { return s.rtcpConn.LocalAddr().(*net.UDPAddr) }

// TestCloseStopsGoroutines checks that Close ends every goroutine the
// session started and that the session is inert afterwards.
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		s, err := listen("127.0.0.1", 0, 0, nil, options{rtcpInterval: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		peer := newRawPeer(t)
		if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr()}); err != nil {
			t.Fatal(err)
		}
		s.Push(make([]int16, 160))
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		s.Push(make([]int16, 160))
		s.Pull(make([]int16, 160))
		if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr()}); err == nil {
			t.Error("Start after Close succeeded")
		}
	}
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= before })
}

// TestIPv6Loopback runs a short call over ::1.
func TestIPv6Loopback(t *testing.T) {
	a, err := Listen("::1", 0, 0, nil)
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer a.Close()
	b, err := Listen("::1", 0, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Start(Params{Codec: PCMA, RemoteRTP: b.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Codec: PCMA, RemoteRTP: a.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	a.Push(make([]int16, 160))
	waitReceived(t, b, 1)
	if st := b.Stats(); st.PacketsReceived != 1 || st.RemoteSSRC != a.Stats().LocalSSRC {
		t.Errorf("received %d from %x", st.PacketsReceived, st.RemoteSSRC)
	}
}
