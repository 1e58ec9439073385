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
