package media

import "tipring/dsp/g711"

const (
	// jbSize is the ring length in samples (2.048 s). A power of two so
	// that an RTP timestamp masked by jbMask is a ring index.
	jbSize = 1 << 14
	jbMask = jbSize - 1
	// jbMaxAhead bounds how far past the playout point a packet may be
	// placed. Everything valid in the ring lies in [playTS, playTS+jbMaxAhead),
	// so the jbSize-jbMaxAhead samples behind playTS are always free, which
	// is what lets a stall move playTS back without meeting stale audio.
	jbMaxAhead = jbSize / 2
	// jbMaxBehind is how late a packet may be before it is taken as a
	// timestamp discontinuity rather than network delay.
	jbMaxBehind = jbSize / 4

	jbStep       = 80   // target granularity: 10 ms
	jbMinTarget  = 320  // 40 ms
	jbMaxTarget  = 1600 // 200 ms
	jbWindow     = 8000 // adaptation window: 1 s of played audio
	jbMaxFrame   = 1024 // longest Pull frame kept for concealment
	concealLimit = 5    // consecutive concealed frames before pure silence
	lateResync   = 10   // consecutive hopelessly late packets before resync
)

// jitterBuffer places decoded samples by RTP timestamp in a ring and plays
// them out at the pace of Pull. It is not safe for concurrent use; Session
// guards it with its receive mutex.
//
// Playout: playTS is the RTP timestamp of the next sample Pull returns. The
// first packet anchors playTS = ts - target, so audio leaves the buffer
// target samples after it arrived. Afterwards playTS advances by exactly
// the samples pulled (the TDM clock), and packets fall into place by their
// timestamps, so reordering is undone for free and a lost packet leaves a
// hole that concealment fills.
//
// Adaptation: the target grows at once (by a stall: playTS steps back, the
// gap is concealed) when the interarrival jitter estimate asks for more or
// when a packet arrives after its playout time. It shrinks by one 10 ms
// step per second without late packets, and the surplus is removed either
// when the buffer runs dry (the next packet re-anchors, which is free in
// silence) or, if the buffer never drains, by skipping one frame when the
// smallest depth seen over a second exceeds target by a frame.
type jitterBuffer struct {
	buf   [jbSize]int16
	valid [jbSize]bool

	active  bool
	playTS  uint32 // timestamp of the next sample to play
	lastEnd uint32 // one past the newest sample written
	target  int32  // samples
	desired int32  // samples, from the jitter estimate

	winPlayed int32
	winMin    int32
	winLate   bool
	lateRun   int

	prev       [jbMaxFrame]int16
	prevN      int
	concealRun int
	played     bool // real audio has been played since the last reset
	muted      bool // a gap is expected: fill it with silence, uncounted

	depth     int32
	late      uint64
	dropped   uint64
	concealed uint64
	resyncs   uint64
}

func (jb *jitterBuffer) init() {
	jb.target = jbMinTarget
	jb.desired = jbMinTarget
	jb.winMin = 1 << 30
}

// reset forgets all buffered audio; the next packet anchors playout again.
// The target is kept: the network has not become better because the source
// restarted.
func (jb *jitterBuffer) reset() {
	if jb.active {
		clear(jb.valid[:])
	}
	jb.active = false
	jb.played = false
	jb.muted = false
	jb.prevN = 0
	jb.concealRun = 0
	jb.lateRun = 0
	jb.depth = 0
	jb.winPlayed = 0
	jb.winMin = 1 << 30
	jb.winLate = false
}

// pending is the number of samples between the playout point and the
// newest sample written; zero or less means the buffer has run dry.
func (jb *jitterBuffer) pending() int32 { return int32(jb.lastEnd - jb.playTS) }

// setDesired takes the target asked for by the jitter estimate, in samples.
func (jb *jitterBuffer) setDesired(want int32) {
	want = roundStep(want)
	want = max(want, jbMinTarget)
	want = min(want, jbMaxTarget)
	jb.desired = want
	if want > jb.target {
		// Raise the target but do not stall: as long as no packet is
		// late the depth we have is enough. The next underrun re-anchors
		// at the new target, a late packet stalls.
		jb.target = want
	}
}

// grow raises the target by up to by samples and stalls playout by the
// same amount so the extra depth exists at once. It returns the growth.
func (jb *jitterBuffer) grow(by int32) int32 {
	by = roundStep(by)
	by = min(by, jbMaxTarget-jb.target)
	if by <= 0 {
		return 0
	}
	jb.target += by
	if jb.active {
		jb.playTS -= uint32(by)
	}
	return by
}

func roundStep(v int32) int32 {
	if v <= 0 {
		return 0
	}
	return (v + jbStep - 1) / jbStep * jbStep
}

// put decodes one packet's payload into the ring at its timestamp.
// It reports whether the packet arrived after its playout time.
func (jb *jitterBuffer) put(ts uint32, payload []byte, law g711.Law) (late bool) {
	n := int32(len(payload))
	if n == 0 {
		return false
	}
	if !jb.active {
		jb.anchor(ts)
	}
	d := int32(ts - jb.playTS)
	switch {
	case d+n > jbMaxAhead || d < -jbMaxBehind:
		// A jump in the sender's timeline (restart, splice by a media
		// server): start over at this packet.
		jb.resyncs++
		jb.reset()
		jb.anchor(ts)
		d = int32(ts - jb.playTS)
	case jb.pending() <= 0:
		// The buffer has run dry: this packet starts a talkspurt, or
		// the sender's clock is slower than ours. Either way it is free
		// to choose the playout point again, so place it exactly target
		// ahead, growing the target first if it came late.
		if d < 0 {
			late = true
			jb.late++
			jb.winLate = true
			jb.grow(-d)
		}
		jb.lateRun = 0
		jb.playTS = ts - uint32(jb.target)
		d = int32(jb.target)
	case d < 0:
		// Late, but newer audio is queued behind the playout point:
		// a packet overtaken in the network. Grow by its lateness and
		// stall so it still gets played.
		late = true
		jb.late++
		jb.winLate = true
		g := jb.grow(-d)
		d += g
		if d+n <= 0 {
			jb.lateRun++
			if jb.lateRun >= lateResync {
				jb.resyncs++
				jb.reset()
				jb.anchor(ts)
				d = int32(ts - jb.playTS)
			} else {
				return late
			}
		}
	default:
		jb.lateRun = 0
	}
	// Write the part that lies at or after the playout point, in at most
	// two contiguous runs of the ring.
	if d < 0 {
		payload = payload[-d:]
		ts += uint32(-d)
	}
	start := int(ts & jbMask)
	first := min(len(payload), jbSize-start)
	law.Decode(jb.buf[start:start+first], payload[:first])
	markValid(jb.valid[start : start+first])
	if rest := payload[first:]; len(rest) > 0 {
		law.Decode(jb.buf[:len(rest)], rest)
		markValid(jb.valid[:len(rest)])
	}
	if end := ts + uint32(len(payload)); int32(end-jb.lastEnd) > 0 {
		jb.lastEnd = end
	}
	return late
}

func markValid(v []bool) {
	for i := range v {
		v[i] = true
	}
}

func (jb *jitterBuffer) anchor(ts uint32) {
	jb.active = true
	jb.playTS = ts - uint32(jb.target)
	jb.lastEnd = ts
	jb.lateRun = 0
}

// get fills frame with the next len(frame) samples of playout. It reports
// lost when samples of the frame never arrived while audio was flowing
// (not before the first packet, not in a gap the sender announced with
// RFC 4733 events): the frame then holds the buffer's own fading repeat,
// which a better concealer may replace.
func (jb *jitterBuffer) get(frame []int16) (lost bool) {
	if !jb.active {
		clear(frame)
		return false
	}
	n := int32(len(frame))
	jb.depth = jb.pending()
	jb.adapt(n)

	missing := 0
	playedBefore := jb.played
	pos := jb.playTS
	for i := range frame {
		idx := pos & jbMask
		if jb.valid[idx] {
			frame[i] = jb.buf[idx]
			jb.valid[idx] = false
		} else {
			missing++
			frame[i] = jb.conceal(i)
		}
		pos++
	}
	jb.playTS = pos
	if missing < len(frame) {
		jb.played = true
	}
	if missing > 0 && playedBefore && !jb.muted {
		if jb.concealRun < concealLimit || jb.pending() > 0 {
			jb.concealed++
		}
		jb.concealRun++
		lost = true
	} else if missing == 0 {
		jb.concealRun = 0
		jb.muted = false
	}
	jb.prevN = copy(jb.prev[:], frame)
	return lost
}

// mute makes missing audio play as silence without counting it as
// concealment, for gaps the sender announced (RFC 4733 events replace
// the audio packets, and the tone is regenerated from the event).
// Muting lasts until a frame plays complete again.
func (jb *jitterBuffer) mute() {
	jb.muted = true
}

// conceal returns a substitute for the missing sample i of the current
// frame: the same sample of the previous frame, repeated at full level
// once and then halved every further frame until it fades to silence.
// The output can only shrink, so a long loss never builds up energy.
func (jb *jitterBuffer) conceal(i int) int16 {
	if i >= jb.prevN || jb.concealRun >= concealLimit || jb.muted {
		return 0
	}
	v := jb.prev[i]
	if jb.concealRun > 0 {
		v /= 2
	}
	return v
}

// adapt runs the once-per-second target and depth control before n
// samples are played.
func (jb *jitterBuffer) adapt(n int32) {
	jb.winMin = min(jb.winMin, jb.depth)
	jb.winPlayed += n
	if jb.winPlayed < jbWindow {
		return
	}
	if !jb.winLate && jb.target > jb.desired {
		jb.target = max(jb.desired, jb.target-jbStep)
	}
	if jb.winMin > jb.target+n {
		// The buffer has held more than a frame beyond target for a whole
		// window (sender clock faster than ours, or target just shrank):
		// skip one frame.
		for i := range n {
			jb.valid[(jb.playTS+uint32(i))&jbMask] = false
		}
		jb.playTS += uint32(n)
		jb.dropped++
		jb.depth -= n
	}
	jb.winPlayed = 0
	jb.winMin = 1 << 30
	jb.winLate = false
}
