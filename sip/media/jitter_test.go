package media

import (
	"slices"
	"testing"
	"time"
)

// jbSim drives a jitter buffer with packets arriving at given times and
// 20 ms pulls, in time order.
type jbSim struct {
	jb       jitterBuffer
	frame    []int16
	payload  []byte
	pulls    int
	maxDepth int32
	minDepth int32
}

func newJBSim() *jbSim {
	s := &jbSim{frame: make([]int16, 160), payload: constPayload(2000, 160), minDepth: 1 << 30}
	s.jb.init()
	return s
}

type jbEvent struct {
	at   time.Duration
	pull bool
	ts   uint32
}

func (s *jbSim) run(evs []jbEvent) {
	slices.SortStableFunc(evs, func(a, b jbEvent) int { return int(a.at - b.at) })
	for _, e := range evs {
		if e.pull {
			s.jb.get(s.frame)
			s.pulls++
			if s.pulls > 100 { // past start-up
				s.maxDepth = max(s.maxDepth, s.jb.depth)
				s.minDepth = min(s.minDepth, s.jb.depth)
			}
			continue
		}
		s.jb.put(e.ts, s.payload, PCMU.Law)
	}
}

// stream returns n packets of 20 ms sent every period, and pulls every
// 20 ms offset by 5 ms, over the same span.
func stream(n int, period time.Duration, delay func(k int) time.Duration) []jbEvent {
	var evs []jbEvent
	for k := range n {
		evs = append(evs, jbEvent{at: time.Duration(k)*period + delay(k), ts: uint32(160 * k)})
	}
	span := time.Duration(n) * period
	for t := 5 * time.Millisecond; t < span; t += 20 * time.Millisecond {
		evs = append(evs, jbEvent{at: t, pull: true})
	}
	return evs
}

func noDelay(int) time.Duration { return 0 }

// TestJitterBufferFastSender: a sender clock 0.5 % fast would grow the
// buffer by 300 ms a minute; the buffer must skip frames to hold its depth.
func TestJitterBufferFastSender(t *testing.T) {
	s := newJBSim()
	s.run(stream(3000, 19900*time.Microsecond, noDelay))
	if s.jb.dropped < 10 {
		t.Errorf("dropped %d frames, want ≥ 10 for 300 ms surplus", s.jb.dropped)
	}
	if limit := s.jb.target + 2*160 + 160; s.maxDepth > limit {
		t.Errorf("depth reached %d samples, want ≤ %d", s.maxDepth, limit)
	}
	if s.jb.concealed > 3 {
		t.Errorf("%d frames concealed", s.jb.concealed)
	}
}

// TestJitterBufferSlowSender: a sender clock 0.5 % slow drains the buffer;
// each underrun re-anchors, so losses stay rare and the depth recovers.
func TestJitterBufferSlowSender(t *testing.T) {
	s := newJBSim()
	s.run(stream(3000, 20100*time.Microsecond, noDelay))
	if s.jb.concealed > 30 {
		t.Errorf("%d of %d frames concealed", s.jb.concealed, s.pulls)
	}
	if s.minDepth < -160 {
		t.Errorf("depth fell to %d samples", s.minDepth)
	}
	if s.jb.target != jbMinTarget {
		t.Errorf("target %d, want %d", s.jb.target, jbMinTarget)
	}
}

// TestJitterBufferLatePacketGrowsThenShrinks: a packet overtaken by 70 ms
// is counted late, grows the target and is still played; after ten quiet
// seconds the target is back at its minimum.
func TestJitterBufferLatePacketGrowsThenShrinks(t *testing.T) {
	s := newJBSim()
	s.run(stream(100, 20*time.Millisecond, func(k int) time.Duration {
		if k == 50 {
			return 70 * time.Millisecond
		}
		return 0
	}))
	if s.jb.late != 1 {
		t.Fatalf("late %d, want 1", s.jb.late)
	}
	if s.jb.target < jbMinTarget+80 {
		t.Errorf("target %d after a 70 ms late packet, want ≥ %d", s.jb.target, jbMinTarget+80)
	}
	grown := s.jb.target
	evs := stream(600, 20*time.Millisecond, noDelay)
	for i := range evs {
		evs[i].at += 2 * time.Second
		if !evs[i].pull {
			evs[i].ts += 100 * 160
		}
	}
	s.run(evs)
	if s.jb.target != jbMinTarget {
		t.Errorf("target %d after 12 quiet seconds (was %d), want %d", s.jb.target, grown, jbMinTarget)
	}
	if s.jb.depth > jbMinTarget+2*160 {
		t.Errorf("depth %d still above target %d", s.jb.depth, s.jb.target)
	}
}

// TestJitterBufferTimestampJump: a sender that jumps its timeline far
// ahead or back is followed after a resync instead of being starved.
func TestJitterBufferTimestampJump(t *testing.T) {
	for _, jump := range []uint32{1 << 20, 0xfff00000, 1 << 31} {
		s := newJBSim()
		evs := stream(50, 20*time.Millisecond, noDelay)
		evs2 := stream(50, 20*time.Millisecond, noDelay)
		for i := range evs2 {
			evs2[i].at += time.Second
			evs2[i].ts += jump
		}
		s.run(append(evs, evs2...))
		if s.jb.resyncs != 1 {
			t.Errorf("jump %d: %d resyncs", int32(jump), s.jb.resyncs)
		}
		s.jb.get(s.frame)
		if s.frame[0] == 0 {
			t.Errorf("jump %d: silence after the jump", int32(jump))
		}
	}
}

// TestJitterBufferReportsLoss: get reports lost exactly for the frames
// whose packets never came while the stream flowed — not before the first
// packet, not for received frames.
func TestJitterBufferReportsLoss(t *testing.T) {
	var jb jitterBuffer
	jb.init()
	frame := make([]int16, 160)
	if jb.get(frame) {
		t.Fatal("a frame before the first packet reported lost")
	}
	payload := constPayload(2000, 160)
	// Packets 0..49 except 20 and 35; each pulled one target later.
	lostAt := map[int]bool{}
	for k := range 60 {
		if k < 50 && k != 20 && k != 35 {
			jb.put(uint32(160*k), payload, PCMU.Law)
		}
		lost := jb.get(frame)
		if lost {
			lostAt[k] = true
		}
	}
	// Playout runs target samples (one frame at the minimum target)
	// behind arrival: the frame of packet k plays at pull k+target/160.
	lag := int(jbMinTarget / 160)
	for _, k := range []int{20, 35} {
		if !lostAt[k+lag] {
			t.Errorf("missing packet %d not reported lost (lost pulls %v)", k, lostAt)
		}
	}
	for k := range lostAt {
		if k != 20+lag && k != 35+lag && k < 50+lag {
			t.Errorf("pull %d reported lost though its packet came", k)
		}
	}
}
