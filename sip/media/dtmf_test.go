package media

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
)

func TestRFC4733EventCodes(t *testing.T) {
	const digits = "0123456789*#ABCD!"
	for i := range len(digits) {
		code, ok := eventCode(digits[i])
		if !ok || code != uint8(i) {
			t.Errorf("eventCode(%q) = %d, %v; want %d", digits[i], code, ok, i)
		}
		if d := eventDigit(uint8(i)); d != digits[i] {
			t.Errorf("eventDigit(%d) = %q, want %q", i, d, digits[i])
		}
	}
	if c, ok := eventCode('b'); !ok || c != 13 {
		t.Errorf("lower-case b = %d, %v", c, ok)
	}
	for _, bad := range []byte{'E', 'x', ' ', 0} {
		if _, ok := eventCode(bad); ok {
			t.Errorf("eventCode(%q) accepted", bad)
		}
	}
}

// TestRFC4733RoundTrip sends all sixteen DTMF digits and flash between two
// sessions and checks that each arrives as exactly one start and one end
// with the sent duration, although every end packet is sent three times.
func TestRFC4733RoundTrip(t *testing.T) {
	clk := &fakeClock{}
	a, b := pair(t, PCMU, 20*time.Millisecond, options{clock: clk.now})
	const digits = "0123456789*#ABCD!"
	frame := make([]int16, 160)
	out := make([]int16, 160)
	pushed := 0
	var got []DTMFEvent
	pump := func(frames int) {
		for range frames {
			sine(frame, pushed, 440, 3000)
			pushed += len(frame)
			clk.set(time.Duration(pushed) * sampleTime)
			a.Push(frame)
			waitReceived(t, b, a.Stats().PacketsSent)
			b.Pull(out)
			for {
				ev, ok := b.PollDTMF()
				if !ok {
					break
				}
				got = append(got, ev)
			}
		}
	}
	var want []DTMFEvent
	for i := range len(digits) {
		d := time.Duration(40+10*i) * time.Millisecond // 40..200 ms
		a.SendDTMF(digits[i], d)
		frames := int((d + 19*time.Millisecond) / (20 * time.Millisecond))
		rounded := time.Duration(frames) * 20 * time.Millisecond
		want = append(want,
			DTMFEvent{Digit: digits[i], Duration: 20 * time.Millisecond},
			DTMFEvent{Digit: digits[i], End: true, Duration: rounded})
		pump(frames + eventEndRepeat - 1 + 2) // event, end repeats, two frames of audio
	}
	if len(got) != len(want) {
		t.Fatalf("got %d reports, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("report %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if st := a.Stats(); st.DTMFSent != uint64(len(digits)) {
		t.Errorf("DTMFSent %d", st.DTMFSent)
	}
	if st := b.Stats(); st.DTMFReceived != uint64(len(digits)) || st.PacketsLost != 0 || st.Concealed != 0 {
		t.Errorf("DTMFReceived %d lost %d concealed %d", st.DTMFReceived, st.PacketsLost, st.Concealed)
	}
}

// TestRFC4733SenderPackets checks the wire format of one event: marker on
// the first packet only, one timestamp for the event, duration growing by
// the packet time, the E bit on the last packet repeated three times, no
// audio during the event and a marked talkspurt afterwards.
func TestRFC4733SenderPackets(t *testing.T) {
	s := newSession(t, options{})
	peer := newRawPeer(t)
	if err := s.Start(Params{Codec: PCMA, DTMFPT: 101, RemoteRTP: peer.addr()}); err != nil {
		t.Fatal(err)
	}
	fr := make([]int16, 160)
	s.Push(fr)
	s.Push(fr)
	s.BeginDTMF('#')
	for range 3 {
		s.Push(fr)
	}
	s.EndDTMF()
	for range 5 {
		s.Push(fr)
	}
	type pk struct {
		pt     uint8
		marker bool
		ts     uint32
		seq    uint16
		code   uint8
		end    bool
		dur    uint16
	}
	var pkts []pk
	for range 10 {
		var p rtp.Packet
		if err := p.Unmarshal(peer.recv()); err != nil {
			t.Fatal(err)
		}
		k := pk{pt: p.PayloadType, marker: p.Marker, ts: p.Timestamp, seq: p.SequenceNumber}
		if p.PayloadType == 101 {
			if len(p.Payload) != 4 {
				t.Fatalf("event payload %d bytes", len(p.Payload))
			}
			k.code = p.Payload[0]
			k.end = p.Payload[1]&0x80 != 0
			if vol := p.Payload[1] & 0x3f; vol != eventVolume {
				t.Errorf("volume %d", vol)
			}
			k.dur = binary.BigEndian.Uint16(p.Payload[2:])
		}
		pkts = append(pkts, k)
	}
	ts0 := pkts[0].ts
	want := []pk{
		{pt: 8, marker: true, ts: ts0},
		{pt: 8, ts: ts0 + 160},
		{pt: 101, marker: true, ts: ts0 + 320, code: 11, dur: 160},
		{pt: 101, ts: ts0 + 320, code: 11, dur: 320},
		{pt: 101, ts: ts0 + 320, code: 11, dur: 480},
		{pt: 101, ts: ts0 + 320, code: 11, dur: 640, end: true},
		{pt: 101, ts: ts0 + 320, code: 11, dur: 640, end: true},
		{pt: 101, ts: ts0 + 320, code: 11, dur: 640, end: true},
		{pt: 8, marker: true, ts: ts0 + 8*160},
		{pt: 8, ts: ts0 + 9*160},
	}
	for i := range want {
		want[i].seq = pkts[0].seq + uint16(i)
		if pkts[i] != want[i] {
			t.Errorf("packet %d = %+v, want %+v", i, pkts[i], want[i])
		}
	}
}

// TestRFC4733ReceiverRobustness feeds crafted event packets: lost start
// packet, lost end packets, retransmitted ends arriving after the next
// event began, and a flash.
func TestRFC4733ReceiverRobustness(t *testing.T) {
	f := newFeeder(t, 101)
	seq := uint16(100)
	ev := func(ts uint32, code uint8, end bool, dur uint16, marker bool) {
		p := []byte{code, 10, 0, 0}
		if end {
			p[1] |= 0x80
		}
		binary.BigEndian.PutUint16(p[2:], dur)
		f.send(rtpPacket(101, marker, seq, ts, f.ssrc, p))
		seq++
	}
	poll := func() []DTMFEvent {
		var out []DTMFEvent
		for {
			e, ok := f.s.PollDTMF()
			if !ok {
				return out
			}
			out = append(out, e)
		}
	}
	// '5': start packet lost, updates and three ends arrive.
	ev(1000, 5, false, 320, false)
	ev(1000, 5, false, 480, false)
	ev(1000, 5, true, 800, false)
	ev(1000, 5, true, 800, false)
	// '7' starts; a late retransmission of the end of '5' must not
	// start a new '5'.
	ev(3000, 7, false, 160, true)
	ev(1000, 5, true, 800, false)
	ev(3000, 7, false, 320, false)
	// '7's end packets are all lost; '9' (immediately ended) arrives.
	ev(5000, 9, true, 400, true)
	// Flash (event 16), ended by the idle timeout after 400 ms of playout.
	ev(7000, 16, false, 160, true)
	ev(7000, 16, false, 320, false)
	for range 25 {
		f.pull()
	}
	ev(7000, 16, true, 1200, false) // too late, already ended
	// Events above 16 are not DTMF and are ignored.
	ev(9000, 32, false, 160, true)
	got := poll()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	want := []DTMFEvent{
		{Digit: '5', Duration: ms(40)},
		{Digit: '5', End: true, Duration: ms(100)},
		{Digit: '7', Duration: ms(20)},
		{Digit: '7', End: true, Duration: ms(40)},
		{Digit: '9', Duration: ms(50)},
		{Digit: '9', End: true, Duration: ms(50)},
		{Digit: '!', Duration: ms(20)},
		{Digit: '!', End: true, Duration: ms(40)},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("report %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestRFC4733NotNegotiated: without a telephone-event payload type the
// DTMF calls send nothing and audio continues.
func TestRFC4733NotNegotiated(t *testing.T) {
	s := newSession(t, options{})
	peer := newRawPeer(t)
	if err := s.Start(Params{Codec: PCMU, RemoteRTP: peer.addr()}); err != nil {
		t.Fatal(err)
	}
	s.SendDTMF('1', 100*time.Millisecond)
	fr := make([]int16, 160)
	for range 3 {
		s.Push(fr)
		var p rtp.Packet
		if err := p.Unmarshal(peer.recv()); err != nil || p.PayloadType != 0 {
			t.Fatalf("got pt %d, err %v", p.PayloadType, err)
		}
	}
}
