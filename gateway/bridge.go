package gateway

import (
	"sync/atomic"
	"time"

	"tipring/dsp/plc"
	"tipring/hal"
	"tipring/sip"
	"tipring/sip/media"
	"tipring/telephony/fxo"
	"tipring/telephony/fxs"
	"tipring/telephony/leg"
)

// frameRing is a single-producer single-consumer queue of audio frames: the
// producer is one channel loop (Push), the consumer another (Pull). It never
// blocks and never allocates after construction.
type frameRing struct {
	bufs       [][]int16
	head, tail atomic.Uint64 // head: next to read; tail: next to write
}

// ringDepth is the queue size in frames. Two channel loops on one board tick
// in either order within a frame period, so the queue starts primed with two
// frames of silence: depth then swings between one and three and never runs
// dry.
const (
	ringDepth = 8
	ringPrime = 2
)

func newFrameRing(frameSamples int) *frameRing {
	r := &frameRing{bufs: make([][]int16, ringDepth)}
	for i := range r.bufs {
		r.bufs[i] = make([]int16, frameSamples)
	}
	r.tail.Store(ringPrime)
	return r
}

func (r *frameRing) push(frame []int16) {
	t := r.tail.Load()
	if t-r.head.Load() >= ringDepth {
		// Full: the consumer stalled. Drop this frame rather than block.
		return
	}
	copy(r.bufs[t%ringDepth], frame)
	r.tail.Store(t + 1)
}

func (r *frameRing) pull(frame []int16) {
	h := r.head.Load()
	if h == r.tail.Load() {
		clear(frame)
		return
	}
	copy(frame, r.bufs[h%ringDepth])
	r.head.Store(h + 1)
}

// crossLeg is one end of a local (port-to-port) connection.
type crossLeg struct {
	out *frameRing // what this port says
	in  *frameRing // what the other port says
}

func (l *crossLeg) Push(frame []int16) { l.out.push(frame) }
func (l *crossLeg) Pull(frame []int16) { l.in.pull(frame) }

// crossConnect returns the two ends of a local call between two ports.
func crossConnect(frameSamples int) (a, b *crossLeg) {
	ab, ba := newFrameRing(frameSamples), newFrameRing(frameSamples)
	return &crossLeg{out: ab, in: ba}, &crossLeg{out: ba, in: ab}
}

// mediaLeg adapts a SIP media session to the FXS and FXO ports' leg
// interfaces. Audio lost in the network is concealed with G.711 Appendix I
// (dsp/plc: pitch-period repetition with overlap-add, fading out over
// 60 ms) instead of the jitter buffer's plain frame repeat; every frame
// then plays 3.75 ms later (plc.Delay). Only the port's channel loop
// calls Pull, so the concealer needs no lock.
type mediaLeg struct {
	s   *media.Session
	sc  *sip.Call // sends digits the account's way; nil: RFC 4733 from s
	plc *plc.Concealer
}

func newMediaLeg(s *media.Session) *mediaLeg { return &mediaLeg{s: s, plc: plc.New()} }

// sipLeg returns the leg of SIP call sc's media session m. Digits the
// port hears go out the account's way (RFC 4733 events or INFO, see
// sip.Account.DTMF) and are muted in the audio; for an account with DTMF
// "inband" the leg is no leg.DTMFRelay, so the tones stay in the audio.
func sipLeg(sc *sip.Call, m *media.Session) fxs.AudioLeg {
	l := newMediaLeg(m)
	l.sc = sc
	if sc != nil && sc.DTMFMode() == sip.DTMFInband {
		return newInbandLeg(l)
	}
	return l
}

// inbandLeg hides a SIP leg's digit relay: digits stay in the audio.
type inbandLeg struct {
	a leg.Audio
	s leg.DTMFSource
}

func newInbandLeg(l interface {
	leg.Audio
	leg.DTMFSource
}) inbandLeg {
	return inbandLeg{a: l, s: l}
}

func (i inbandLeg) Push(frame []int16) { i.a.Push(frame) }
func (i inbandLeg) Pull(frame []int16) { i.a.Pull(frame) }
func (i inbandLeg) NextDTMF() (digit byte, end bool, ok bool) {
	return i.s.NextDTMF()
}

func (l *mediaLeg) Push(frame []int16) { l.s.Push(frame) }

func (l *mediaLeg) Pull(frame []int16) {
	if l.s.PullLost(frame) {
		l.plc.Fillin(frame)
	} else {
		l.plc.Good(frame)
	}
}

func (l *mediaLeg) BeginDTMF(digit byte) {
	if l.sc != nil {
		l.sc.BeginDTMF(digit)
		return
	}
	l.s.BeginDTMF(digit)
}

func (l *mediaLeg) EndDTMF() {
	if l.sc != nil {
		l.sc.EndDTMF()
		return
	}
	l.s.EndDTMF()
}

func (l *mediaLeg) NextDTMF() (digit byte, end bool, ok bool) {
	ev, ok := l.s.PollDTMF()
	if !ok {
		return 0, false, false
	}
	return ev.Digit, ev.End, true
}

// lineLeg is the leg of a PSTN line in a call with a SIP party: the media
// session plus the digits the SIP call receives in INFO requests (RFC 6086
// application/dtmf-relay). An INFO digit begins at once and ends after the
// duration the sender stated (100 ms if none), counted in frames; a flash
// ('!': RFC 4733 event 16 or INFO Signal=16) makes the line loop flash the
// line. The SIP call is the media leg's sc. Only the line's channel loop
// uses it.
type lineLeg struct {
	*mediaLeg
	frame    time.Duration
	info     byte          // the INFO digit playing
	infoLeft time.Duration // how long it still plays
	infoEnd  bool          // its end is due
}

// newLineLeg returns the leg of a PSTN line in SIP call sc; with an
// account that sends DTMF "inband" the leg does not relay digits.
func newLineLeg(sc *sip.Call, frameSamples int) fxo.AudioLeg {
	m := newMediaLeg(sc.Media())
	m.sc = sc
	l := &lineLeg{mediaLeg: m, frame: hal.FrameDuration(frameSamples)}
	if sc.DTMFMode() == sip.DTMFInband {
		return newInbandLeg(l)
	}
	return l
}

func (l *lineLeg) Pull(frame []int16) {
	l.mediaLeg.Pull(frame)
	if l.infoLeft > 0 {
		l.infoLeft -= l.frame
		if l.infoLeft <= 0 {
			l.infoEnd = true
		}
	}
}

func (l *lineLeg) NextDTMF() (digit byte, end bool, ok bool) {
	if d, e, ok := l.mediaLeg.NextDTMF(); ok {
		return d, e, true
	}
	if l.infoEnd {
		l.infoEnd = false
		return l.info, true, true
	}
	if l.infoLeft > 0 {
		return 0, false, false
	}
	d, ok := l.sc.PollInfoDTMF()
	if !ok {
		return 0, false, false
	}
	if d.Digit == fxo.FlashDigit {
		return d.Digit, false, true
	}
	l.info, l.infoLeft = d.Digit, d.Duration
	if l.infoLeft <= 0 {
		l.infoLeft = 100 * time.Millisecond
	}
	return d.Digit, false, true
}
