package sim

import (
	"fmt"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/tone"
	"tipring/hal"
)

// Office timing.
const (
	// DigitTimeout is how long the office waits after the last digit before
	// it completes the call to the far-end party.
	DigitTimeout = 3 * time.Second
	// FlashTime is the loop break of a hook flash sent by an FXO channel
	// (DAHDI's default flash time).
	FlashTime = 750 * time.Millisecond
)

// LineState is the state of the virtual office for one line.
type LineState uint8

const (
	// LineIdle: nothing happens; the line is on hook.
	LineIdle LineState = iota
	// LineRinging: the office rings the line (an incoming call).
	LineRinging
	// LineDialTone: our FXO seized the line; the office plays dial tone.
	LineDialTone
	// LineDialling: digits are arriving; the office collects them.
	LineDialling
	// LineConnected: a call with the far-end party; audio flows both ways.
	LineConnected
	// LineDisconnected: the far end left; loop current is gone and the
	// office plays busy tone until our FXO releases the line.
	LineDisconnected
)

func (s LineState) String() string {
	switch s {
	case LineIdle:
		return "idle"
	case LineRinging:
		return "ringing"
	case LineDialTone:
		return "dialtone"
	case LineDialling:
		return "dialling"
	case LineConnected:
		return "connected"
	case LineDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("LineState(%d)", s)
}

// Line is the virtual central office line behind an FXO port, with the
// far-end party of its calls. The office rings the line, gives dial tone
// when our FXO seizes it, collects the DTMF digits it sends (with a real
// DTMF receiver on the audio our channel writes), connects the far-end
// party DigitTimeout after the last digit, and drops loop current and plays
// busy tone when the far end hangs up.
type Line struct {
	b    *Board
	port int
	ep   *endpoint

	state        LineState
	seized       bool
	answered     bool
	flashEnd     time.Duration // > now while a flash holds the loop open
	flashing     bool
	ringStart    time.Duration
	ringOn       bool
	rings        int
	ringTimes    [][2]time.Duration
	callerNumber string
	callerName   string
	digits       []byte
	lastDigit    time.Duration
	digitOn      bool
	reversed     bool
	det          *dtmf.Detector
	tones        tone.Generator
	party        *Party
	silence      []int16
}

func newLine(b *Board, port int, ep *endpoint) *Line {
	return &Line{
		b:       b,
		port:    port,
		ep:      ep,
		det:     dtmf.NewDetector(dtmf.DetectorConfig{}),
		party:   newParty(b, ep.info.Name),
		silence: make([]int16, b.frameN),
	}
}

func (l *Line) errorf(format string, args ...any) error {
	return fmt.Errorf("sim: line %d: "+format, append([]any{l.port}, args...)...)
}

func (l *Line) opened() {}

func (l *Line) closed() {
	// Closing the channel releases the loop, as DAHDI does for FXO
	// (fxsks) channels.
	l.releaseLocked()
}

func (l *Line) playLocked(sig tone.Signal) {
	if t, ok := l.b.zone.Tones[sig]; ok {
		l.tones.Start(t)
	} else {
		l.tones.Stop()
	}
}

func (l *Line) releaseLocked() {
	l.seized = false
	l.flashing = false
	l.answered = false
	if l.state != LineRinging {
		l.state = LineIdle
	}
	l.tones.Stop()
}

func (l *Line) hookLocked(op hal.Hook) error {
	now := l.b.nowLocked()
	switch op {
	case hal.HookOnHook:
		l.releaseLocked()
	case hal.HookOffHook:
		if l.seized {
			return nil
		}
		l.seized = true
		switch l.state {
		case LineRinging:
			// Answer: the office trips ringing and connects the caller.
			l.ringOn = false
			if n := len(l.ringTimes); n > 0 && l.ringTimes[n-1][1] == 0 {
				l.ringTimes[n-1][1] = now
			}
			l.state = LineConnected
			l.answered = true
		default:
			l.state = LineDialTone
			l.digits = l.digits[:0]
			l.digitOn = false
			l.det.Reset()
			l.playLocked(tone.Dial)
		}
	case hal.HookFlash:
		if l.seized && !l.flashing {
			l.flashing = true
			l.flashEnd = now + FlashTime
		} else if !l.seized {
			l.ep.eventLocked(hal.Event{Kind: hal.EventHookComplete})
		}
	default:
		return hal.ErrNotSupported
	}
	return nil
}

func (l *Line) signal(t time.Duration) {
	if l.flashing && t >= l.flashEnd {
		l.flashing = false
		l.ep.eventLocked(hal.Event{Kind: hal.EventHookComplete})
	}
	switch l.state {
	case LineRinging:
		on := cadenceOn(l.b.zone.RingCadence, t-l.ringStart)
		switch {
		case on && !l.ringOn:
			l.ringOn = true
			l.rings++
			if len(l.ringTimes) == maxRingTimes {
				l.ringTimes = append(l.ringTimes[:0], l.ringTimes[1:]...)
			}
			l.ringTimes = append(l.ringTimes, [2]time.Duration{t, 0})
			l.ep.eventLocked(hal.Event{Kind: hal.EventRingBegin})
		case !on && l.ringOn:
			l.ringOn = false
			l.ringTimes[len(l.ringTimes)-1][1] = t
			l.ep.eventLocked(hal.Event{Kind: hal.EventRingEnd})
		}
	case LineDialling:
		if !l.digitOn && t-l.lastDigit >= DigitTimeout {
			l.state = LineConnected
		}
	}
}

func (l *Line) hear(tx []int16, t time.Duration) {
	loop := l.seized && !l.flashing
	if loop && (l.state == LineDialTone || l.state == LineDialling) {
		for _, ev := range l.det.Process(tx) {
			l.lastDigit = t
			if ev.End {
				l.digitOn = false
				continue
			}
			l.digitOn = true
			l.digits = append(l.digits, ev.Digit)
			if l.state == LineDialTone {
				l.tones.Stop()
				l.state = LineDialling
			}
		}
	}
	if loop && l.state == LineConnected {
		l.party.ear.write(tx)
	} else {
		l.party.ear.write(l.silence)
	}
}

func (l *Line) speak(rx []int16, _ time.Duration) bool {
	loop := l.seized && !l.flashing
	switch l.state {
	case LineDialTone, LineDisconnected:
		l.tones.Fill(rx)
	}
	if l.state == LineConnected {
		l.party.speak(rx)
	} else {
		// The party's source runs on; nobody hears it.
		l.party.play.fill(l.party.scratch)
	}
	if !loop {
		clear(rx)
	}
	return loop
}

// Ring makes the office ring the line with the zone's cadence: the FXO
// channel sees EventRingBegin and EventRingEnd per burst until our side
// answers (HookOffHook), StopRing or Hangup. number and name are the
// caller's identity, kept for caller display.
func (l *Line) Ring(number, name string) error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if l.seized || l.state != LineIdle {
		return l.errorf("ring: line is %s", l.stateLocked())
	}
	l.state = LineRinging
	l.ringStart = l.b.nowLocked()
	l.ringOn = false
	l.callerNumber, l.callerName = number, name
	return nil
}

// StopRing stops ringing (the caller gave up before an answer).
func (l *Line) StopRing() {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.stopRingLocked()
}

func (l *Line) stopRingLocked() {
	if l.state != LineRinging {
		return
	}
	l.state = LineIdle
	if l.ringOn {
		l.ringOn = false
		l.ringTimes[len(l.ringTimes)-1][1] = l.b.nowLocked()
		l.ep.eventLocked(hal.Event{Kind: hal.EventRingEnd})
	}
}

// Answer makes the far-end party answer the call our FXO is dialling,
// without waiting for DigitTimeout.
func (l *Line) Answer() error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if !l.seized || (l.state != LineDialTone && l.state != LineDialling) {
		return l.errorf("answer: line is %s", l.stateLocked())
	}
	l.tones.Stop()
	l.state = LineConnected
	return nil
}

// Hangup makes the far end leave: a ringing call stops ringing; on a
// seized line the office drops loop current (EventOnHook on the channel,
// the kewlstart disconnect) and plays the zone's busy tone until our FXO
// releases the line.
func (l *Line) Hangup() {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	switch {
	case l.state == LineRinging:
		l.stopRingLocked()
	case l.seized && l.state != LineDisconnected:
		l.state = LineDisconnected
		l.answered = false
		l.ep.eventLocked(hal.Event{Kind: hal.EventOnHook})
		l.playLocked(tone.Busy)
	}
}

// SetPolarity reverses (or restores) the line's battery polarity, which
// the FXO channel reports as EventPolarity (answer supervision on many
// networks).
func (l *Line) SetPolarity(reversed bool) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if l.reversed != reversed {
		l.reversed = reversed
		l.ep.eventLocked(hal.Event{Kind: hal.EventPolarity, Reversed: reversed})
	}
}

// State returns the office's state for the line.
func (l *Line) State() LineState {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.state
}

func (l *Line) stateLocked() LineState { return l.state }

// Seized reports whether our FXO holds the loop closed.
func (l *Line) Seized() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.seized && !l.flashing
}

// Answered reports whether our FXO answered the incoming call and still
// holds it.
func (l *Line) Answered() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.answered
}

// Digits returns the digits the office collected from our FXO on the
// current (or last) outgoing call.
func (l *Line) Digits() string {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return string(l.digits)
}

// CallerID returns the caller identity given to the last Ring.
func (l *Line) CallerID() (number, name string) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.callerNumber, l.callerName
}

// Ringing reports whether ringing voltage is on the line now.
func (l *Line) Ringing() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.ringOn
}

// Rings returns the number of ring bursts sent so far.
func (l *Line) Rings() int {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.rings
}

// RingTimes returns the start and end board times of each ring burst (end
// 0 while it lasts).
func (l *Line) RingTimes() [][2]time.Duration {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return append([][2]time.Duration(nil), l.ringTimes...)
}

// PlayTone makes the far-end party send a steady sine.
func (l *Line) PlayTone(freq, levelDBm0 float64) { l.party.PlayTone(freq, levelDBm0) }

// PlaySamples makes the far-end party send s, once or looped.
func (l *Line) PlaySamples(s []int16, loop bool) { l.party.PlaySamples(s, loop) }

// StopPlay silences the far-end party.
func (l *Line) StopPlay() { l.party.StopPlay() }

// Listen blocks for d of board time and returns what the far-end party
// heard in that time (silence unless connected).
func (l *Line) Listen(d time.Duration) []int16 { return l.party.Listen(d) }

// Heard returns the last d of what the far-end party heard.
func (l *Line) Heard(d time.Duration) []int16 { return l.party.Heard(d) }

// Port returns the line's FXO port number (1-based).
func (l *Line) Port() int { return l.port }

// Channel returns the FXO channel the line is wired to.
func (l *Line) Channel() hal.ChannelInfo { return l.ep.info }
