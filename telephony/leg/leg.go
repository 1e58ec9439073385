// Package leg defines how a telephony channel loop (an FXS or FXO port)
// exchanges audio and out-of-band digits with the other side of its call:
// another port's loop, a SIP media session, a conference mixer.
//
// Concurrency: the loop calls these methods once per frame from its own
// goroutine; implementations must never block and should not allocate.
package leg

// Audio is the other side of a call as the channel loop sees it.
type Audio interface {
	// Push hands one frame of the line's audio toward the far end.
	Push(frame []int16)
	// Pull fills one frame of far-end audio for the line (silence if none).
	Pull(frame []int16)
}

// DTMFRelay is implemented by legs that carry digits out of band (RFC
// 4733): digits detected on the line are reported here and muted in the
// audio.
type DTMFRelay interface {
	BeginDTMF(digit byte)
	EndDTMF()
}

// DTMFSource is implemented by legs that receive digits out of band; the
// loop plays them to the line as tones (or, for a hook flash, flashes).
type DTMFSource interface {
	// NextDTMF returns the next received digit event, if any.
	NextDTMF() (digit byte, end bool, ok bool)
}

// Lookahead holds back one frame of a line's audio on its way to a leg
// that relays digits out of band. A detector confirms a digit a frame or
// two after its tone began (ITU-T Q.24 asks for 40 ms of tone), so the
// frame that carries the tone's onset has usually left before the relay
// starts and mutes the audio; the far end then hears a burst of the tone
// besides the out-of-band event, and a sensitive detector there counts the
// digit twice. With one frame held back, the onset frame is muted too when
// the relay starts; what can still leak is less than one frame (20 ms),
// too short for a Q.24 detector. The cost is one frame of delay, on relay
// legs only. The zero value is ready; it is not safe for concurrent use.
type Lookahead struct {
	prev []int16
}

// Push sends the frame held back to to, muted when relaying (a digit is
// being relayed now, so the held frame carries its onset), and holds frame
// back in its place. frame must already be muted by the caller when
// relaying. Push allocates only on its first call or when the frame length
// grows.
func (l *Lookahead) Push(to Audio, frame []int16, relaying bool) {
	if cap(l.prev) < len(frame) {
		l.prev = make([]int16, len(frame))
	}
	prev := l.prev[:len(frame)]
	if relaying {
		clear(prev)
	}
	to.Push(prev)
	copy(prev, frame)
}

// Reset forgets the held frame (a new leg was attached): the next Push
// sends silence ahead of its frame.
func (l *Lookahead) Reset() { clear(l.prev) }
