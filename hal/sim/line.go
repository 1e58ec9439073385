package sim

import (
	"fmt"
	"math"
	"time"

	"tipring/dsp/cid"
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

// Loop-disconnect (pulse) reception by the office. A dial at 10 pulses per
// second breaks the loop for 40-80 ms and makes it for 20-60 ms per pulse
// and pauses at least 300 ms between digits; the office's receiver is more
// tolerant than that.
const (
	// PulseBreakMin and PulseBreakMax bound a loop break that counts as a
	// dial pulse; shorter breaks are ignored as glitches, longer ones
	// (up to ReleaseBreak) are hook flashes, which the office ignores
	// while it collects digits.
	PulseBreakMin = 20 * time.Millisecond
	PulseBreakMax = 150 * time.Millisecond
	// PulseDigitGap is the loop-closed time after a pulse that ends the
	// digit (senders pause 300 ms or more).
	PulseDigitGap = 200 * time.Millisecond
	// ReleaseBreak is the loop break after which the office takes a line
	// that is getting dial tone or dialling as released.
	ReleaseBreak = 800 * time.Millisecond
)

// Caller-ID timing of the office (see Alert).
const (
	// CIDReversalGap is the time from the line reversal to the alerting
	// signal or the data (EN 300 659-1: at least 100 ms).
	CIDReversalGap = 200 * time.Millisecond
	// DTASDuration and DTASGap are the dual-tone alerting signal (2130 +
	// 2750 Hz, 100 ± 10 ms) and the silence between it and the data (at
	// least 45 ms).
	DTASDuration = 100 * time.Millisecond
	DTASGap      = 80 * time.Millisecond
	// RPASBurst is the ring-pulse alerting signal (200-300 ms of ringing)
	// and RPASGap the time from its end to the data (500 ms to 2 s).
	RPASBurst = 250 * time.Millisecond
	RPASGap   = 500 * time.Millisecond
	// CIDAfterRing is the time from the end of the first ring to the data
	// when caller ID comes between the first and second ring (GR-30-CORE
	// clause 3.2 and EN 300 659-1: at least 500 ms).
	CIDAfterRing = 500 * time.Millisecond
	// CIDRingGap is the time from the end of the data to the first ring
	// when caller ID comes before ringing (at least 200 ms).
	CIDRingGap = 300 * time.Millisecond
)

// Silence is the HangupWith choice of no tone after the far end leaves.
const Silence tone.Signal = math.MaxUint8

// Alert is how the office announces caller ID that it sends on hook.
type Alert uint8

const (
	// AlertDefault is the scheme's usual method: AfterFirstRing for
	// Bellcore, DTAS for ETSI, Reversal for BT (whose idle state tone
	// alert the BT sequence carries itself), NTT and DTMF.
	AlertDefault Alert = iota
	// AlertAfterFirstRing: ringing starts at once and the data follows
	// CIDAfterRing after the end of the first ring (the first burst before
	// a pause of a second or more, so after both bursts of a double ring):
	// GR-30-CORE clause 3.2, EN 300 659-1 data during ringing.
	AlertAfterFirstRing
	// AlertDTAS: line reversal, DT-AS, data, then ringing with normal
	// polarity (EN 300 659-1, data before ringing with DT-AS).
	AlertDTAS
	// AlertRPAS: a ring-pulse alert (RPASBurst), data, then ringing
	// (EN 300 659-1, data before ringing with RP-AS).
	AlertRPAS
	// AlertReversal: line reversal, data, then ringing with normal
	// polarity (DTMF CLIP, BT SIN 227 with its tone alert, NTT).
	AlertReversal
)

func (a Alert) String() string {
	switch a {
	case AlertDefault:
		return "default"
	case AlertAfterFirstRing:
		return "after-first-ring"
	case AlertDTAS:
		return "dt-as"
	case AlertRPAS:
		return "rp-as"
	case AlertReversal:
		return "reversal"
	}
	return fmt.Sprintf("Alert(%d)", uint8(a))
}

// LineState is the state of the virtual office for one line.
type LineState uint8

const (
	// LineIdle: nothing happens; the line is on hook.
	LineIdle LineState = iota
	// LineRinging: the office rings the line (an incoming call), or sends
	// caller ID before the first ring.
	LineRinging
	// LineDialTone: our FXO seized the line; the office plays dial tone.
	LineDialTone
	// LineDialling: digits are arriving; the office collects them.
	LineDialling
	// LineConnected: a call with the far-end party; audio flows both ways.
	LineConnected
	// LineDisconnected: the far end left; loop current is gone (or came
	// back after LineOptions.CPCOpen) and the office plays its clearing
	// tone until our FXO releases the line.
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

// LineOptions is how the office treats a line. The zero value is a plain
// line: no caller ID, no reversal on answer, loop current stays away after
// the far end leaves.
type LineOptions struct {
	// CallerID is the scheme Ring sends caller ID with (0: none), and
	// Alert how it announces it.
	CallerID cid.Scheme
	Alert    Alert
	// AnswerReversal makes the office reverse the line's polarity when the
	// far end answers a call our FXO placed (answer supervision), and
	// restore it when our FXO releases the line.
	AnswerReversal bool
	// CPCOpen, when not zero, restores loop current this long after the
	// far end left (the CPC open interval; the channel sees EventOffHook),
	// and the clearing tone starts then.
	CPCOpen time.Duration
}

// RingOptions is an incoming call with caller ID sent by the office.
type RingOptions struct {
	// Number and Name are the caller's identity. With no Number the
	// office sends Absence ('O' unavailable, 'P' private; default 'O').
	Number, Name string
	Absence      byte
	// Time is the date and time sent (month, day, hour, minute); the zero
	// Time sends none.
	Time time.Time
	// Scheme sends the caller ID (0: LineOptions.CallerID, which may be
	// none); Alert announces it (0: LineOptions.Alert, then the scheme's
	// default).
	Scheme cid.Scheme
	Alert  Alert
}

// Caller-ID phases of the office.
const (
	cidNone     = iota
	cidWaitData // the data starts at cidAt
	cidData     // the sender plays
	cidWaitRing // ringing (with polarity restored) starts at cidAt
)

// Line is the virtual central office line behind an FXO port, with the
// far-end party of its calls. The office rings the line (with caller ID
// when asked), gives dial tone when our FXO seizes it, collects the DTMF
// digits it sends (with a real DTMF receiver on the audio our channel
// writes) and the loop-disconnect digits (timing the loop breaks),
// connects the far-end party DigitTimeout after the last digit, and drops
// loop current and plays busy tone when the far end hangs up.
type Line struct {
	b    *Board
	port int
	ep   *endpoint
	opts LineOptions

	state        LineState
	seized       bool
	answered     bool
	flashEnd     time.Duration // > now while a flash holds the loop open
	flashing     bool
	ringStart    time.Duration
	ringHold     bool // LineRinging, the cadence waits for caller ID
	ringOn       bool
	rings        int
	ringTimes    [][2]time.Duration
	burstStart   time.Duration
	burstEnd     time.Duration // > 0 while a single burst is due
	callerNumber string
	callerName   string
	digits       []byte
	lastDigit    time.Duration
	digitOn      bool
	reversed     bool
	answerRev    bool // the office reversed the line on answer
	det          *dtmf.Detector
	tones        tone.Generator
	party        *Party
	silence      []int16

	// Loop breaks of our FXO while the office collects digits.
	open   bool // the loop is open; the break is being timed
	openAt time.Duration
	makeAt time.Duration
	pulses int

	// Loop current.
	currentOff  bool
	currentBack time.Duration // > 0: loop current returns then
	clearTone   tone.Signal

	// The line's own tones and busy numbers (officetone.go).
	custom officeCustom

	// Caller ID.
	senders  [cid.DTMF + 1]*cid.Sender
	sender   *cid.Sender
	cidPhase int
	cidAt    time.Duration
	cidRev   bool // the office reversed the line for caller ID
	scratch  []int16
}

func newLine(b *Board, port int, ep *endpoint) *Line {
	return &Line{
		b:       b,
		port:    port,
		ep:      ep,
		det:     dtmf.NewDetector(dtmf.DetectorConfig{}),
		party:   newParty(b, ep.info.Name),
		silence: make([]int16, b.frameN),
		scratch: make([]int16, b.frameN),
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
	if t, ok := l.toneLocked(sig); ok {
		l.tones.Start(t)
	} else {
		l.tones.Stop()
	}
}

// loopLocked reports whether our FXO holds the loop closed now.
func (l *Line) loopLocked() bool { return l.seized && !l.flashing && !l.open }

func (l *Line) setPolarityLocked(reversed bool) {
	if l.reversed != reversed {
		l.reversed = reversed
		l.ep.eventLocked(hal.Event{Kind: hal.EventPolarity, Reversed: reversed})
	}
}

func (l *Line) releaseLocked() {
	l.seized = false
	l.flashing = false
	l.answered = false
	l.open = false
	l.pulses = 0
	l.currentOff = false
	l.currentBack = 0
	if l.state != LineRinging {
		l.state = LineIdle
	}
	l.tones.Stop()
	if l.answerRev {
		l.answerRev = false
		l.setPolarityLocked(false)
	}
}

// connectLocked completes a call our FXO placed: the far end answers.
func (l *Line) connectLocked() {
	l.tones.Stop()
	l.state = LineConnected
	if l.opts.AnswerReversal && !l.reversed {
		l.answerRev = true
		l.setPolarityLocked(true)
	}
}

// stopCIDLocked abandons caller ID in progress (and the reversal made for
// it).
func (l *Line) stopCIDLocked() {
	if l.sender != nil {
		l.sender.Reset()
	}
	l.cidPhase = cidNone
	l.ringHold = false
	if l.cidRev {
		l.cidRev = false
		l.setPolarityLocked(false)
	}
}

// ringLocked sets ringing voltage on or off at t.
func (l *Line) ringLocked(on bool, t time.Duration) {
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
}

// tripLocked ends ringing because our FXO closed the loop: the office
// stops ringing at once and the channel sees only its own off-hook.
func (l *Line) tripLocked(now time.Duration) {
	l.burstEnd = 0
	if l.ringOn {
		l.ringOn = false
		l.ringTimes[len(l.ringTimes)-1][1] = now
	}
}

func (l *Line) hookLocked(op hal.Hook) error {
	now := l.b.nowLocked()
	switch op {
	case hal.HookOnHook:
		if l.open {
			return nil
		}
		if l.seized && !l.flashing && (l.state == LineDialTone || l.state == LineDialling) {
			// A dial pulse, a flash or a release: the break's length
			// tells (signal times it).
			l.open = true
			l.openAt = now
			return nil
		}
		l.releaseLocked()
	case hal.HookOffHook:
		if l.open {
			l.open = false
			if d := now - l.openAt; d >= PulseBreakMin && d <= PulseBreakMax {
				l.pulses++
				if l.state == LineDialTone {
					l.tones.Stop()
					l.state = LineDialling
				}
			}
			l.makeAt = now
			return nil
		}
		if l.seized {
			return nil
		}
		l.seized = true
		l.tripLocked(now)
		switch l.state {
		case LineRinging:
			// Answer: the office trips ringing and connects the caller.
			l.stopCIDLocked()
			l.state = LineConnected
			l.answered = true
		default:
			l.state = LineDialTone
			l.digits = l.digits[:0]
			l.digitOn = false
			l.pulses = 0
			l.det.Reset()
			l.playLocked(tone.Dial)
		}
	case hal.HookFlash:
		if l.seized && !l.flashing && !l.open {
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
	if l.open && t-l.openAt >= ReleaseBreak {
		l.releaseLocked()
	}
	if l.pulses > 0 && !l.open && t-l.makeAt >= PulseDigitGap {
		if l.pulses <= 10 {
			l.digits = append(l.digits, byte('0'+l.pulses%10))
		}
		l.pulses = 0
		l.lastDigit = t
	}
	if l.currentOff && l.currentBack > 0 && t >= l.currentBack {
		l.currentOff = false
		l.currentBack = 0
		l.ep.eventLocked(hal.Event{Kind: hal.EventOffHook})
		if l.state == LineDisconnected {
			l.playLocked(l.clearTone)
		}
	}
	switch l.cidPhase {
	case cidWaitData:
		if t >= l.cidAt {
			l.cidPhase = cidData
		}
	case cidWaitRing:
		if t >= l.cidAt {
			l.cidPhase = cidNone
			if l.cidRev {
				l.cidRev = false
				l.setPolarityLocked(false)
			}
			l.ringHold = false
			l.ringStart = t
		}
	}
	ring := false
	if l.burstEnd > 0 {
		if t >= l.burstEnd {
			l.burstEnd = 0
		} else if t >= l.burstStart {
			ring = true
		}
	}
	switch l.state {
	case LineRinging:
		if !l.ringHold && cadenceOn(l.b.zone.RingCadence, t-l.ringStart) {
			ring = true
		}
	case LineDialling:
		if !l.digitOn && l.pulses == 0 && !l.open && t-l.lastDigit >= DigitTimeout {
			if l.busyLocked() {
				l.refuseBusyLocked()
			} else {
				l.connectLocked()
			}
		}
	}
	l.ringLocked(ring, t)
}

func (l *Line) hear(tx []int16, t time.Duration) {
	loop := l.loopLocked()
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

func (l *Line) speak(rx []int16, t time.Duration) bool {
	loop := l.loopLocked()
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
	if l.cidPhase == cidData {
		// On-hook data transmission: the office's line circuit sends it
		// whatever the loop does.
		clear(l.scratch)
		n := l.sender.Fill(l.scratch)
		addSat(rx, l.scratch)
		if !l.sender.Busy() {
			l.cidPhase = cidNone
			if l.ringHold {
				l.cidPhase = cidWaitRing
				l.cidAt = t + time.Duration(n)*time.Second/hal.SampleRate + CIDRingGap
			}
		}
	}
	return loop
}

// Ring makes the office ring the line with the zone's cadence: the FXO
// channel sees EventRingBegin and EventRingEnd per burst until our side
// answers (HookOffHook), StopRing or Hangup. number and name are the
// caller's identity, kept for caller display and sent as caller ID when
// the line's options ask for it.
func (l *Line) Ring(number, name string) error {
	return l.RingWith(RingOptions{Number: number, Name: name})
}

// RingWith rings the line like Ring and sends caller ID with the chosen
// scheme and alerting method, timed against the ringing as Alert
// describes. The data is on-hook transmission: the FXO channel receives it
// (through the line's law) while its loop is open. Answering before the
// data has gone stops it.
func (l *Line) RingWith(o RingOptions) error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if l.open {
		// Our FXO's release is still being timed: it is one.
		l.releaseLocked()
	}
	if l.seized || l.state != LineIdle {
		return l.errorf("ring: line is %s", l.state)
	}
	scheme, alert := o.Scheme, o.Alert
	if scheme == 0 {
		scheme = l.opts.CallerID
	}
	if alert == AlertDefault {
		alert = l.opts.Alert
	}
	now := l.b.nowLocked()
	if scheme != 0 {
		if alert == AlertDefault {
			alert = defaultAlert(scheme)
		}
		if err := l.queueCIDLocked(scheme, alert, &o); err != nil {
			return err
		}
	}
	l.state = LineRinging
	l.ringStart = now
	l.callerNumber, l.callerName = o.Number, o.Name
	if scheme == 0 {
		return nil
	}
	l.cidPhase = cidWaitData
	switch alert {
	case AlertAfterFirstRing:
		l.cidAt = now + firstRingEnd(l.b.zone.RingCadence) + CIDAfterRing
	case AlertRPAS:
		l.ringHold = true
		l.burstStart, l.burstEnd = now, now+RPASBurst
		l.cidAt = now + RPASBurst + RPASGap
	default: // reversal, DT-AS
		l.ringHold = true
		if !l.reversed {
			l.cidRev = true
			l.setPolarityLocked(true)
		}
		l.cidAt = now + CIDReversalGap
	}
	return nil
}

func defaultAlert(s cid.Scheme) Alert {
	switch s {
	case cid.Bellcore:
		return AlertAfterFirstRing
	case cid.ETSI:
		return AlertDTAS
	}
	return AlertReversal
}

// queueCIDLocked prepares the sender of scheme with the message of o.
func (l *Line) queueCIDLocked(scheme cid.Scheme, alert Alert, o *RingOptions) error {
	if scheme < cid.Bellcore || scheme > cid.DTMF {
		return l.errorf("ring: caller ID scheme %v", scheme)
	}
	if alert > AlertReversal {
		return l.errorf("ring: alert %v", alert)
	}
	s := l.senders[scheme]
	if s == nil {
		var err error
		if s, err = cid.NewSender(cid.SenderConfig{Scheme: scheme}); err != nil {
			return l.errorf("ring: %w", err)
		}
		l.senders[scheme] = s
	}
	s.Reset()
	m := cid.Message{Time: o.Time, Number: o.Number, Name: o.Name}
	if o.Number == "" {
		m.NumberAbsence = o.Absence
		if m.NumberAbsence == 0 {
			m.NumberAbsence = cid.Unavailable
		}
	}
	switch scheme {
	case cid.Bellcore, cid.ETSI, cid.BT:
		m.Type = cid.TypeMDMF
	}
	if alert == AlertDTAS && scheme != cid.BT {
		s.SendAlert(DTASDuration)
		s.SendSilence(DTASGap)
	}
	if err := s.Send(&m); err != nil {
		s.Reset()
		return l.errorf("ring: %w", err)
	}
	l.sender = s
	return nil
}

// firstRingEnd is the offset of the end of the first ring of a cadence:
// the end of the last burst before the first pause of a second or more
// (the longest pause if none is that long).
func firstRingEnd(cad []time.Duration) time.Duration {
	var at, best, longest time.Duration
	for i, d := range cad {
		at += d
		if i%2 == 1 {
			if d >= time.Second {
				return at - d
			}
			if d > longest {
				longest, best = d, at-d
			}
		}
	}
	return best
}

// RingBurst makes the office send one burst of ringing voltage of length d
// on an idle line (a ring-pulse alert, a short or abandoned ring): the
// channel sees EventRingBegin and, d later, EventRingEnd.
func (l *Line) RingBurst(d time.Duration) error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if d <= 0 || d > time.Minute {
		return l.errorf("ring burst of %v", d)
	}
	if l.seized || l.state != LineIdle || l.burstEnd > 0 {
		return l.errorf("ring burst: line is %s", l.state)
	}
	now := l.b.nowLocked()
	l.burstStart, l.burstEnd = now, now+d
	return nil
}

// StopRing stops ringing (the caller gave up before an answer), and caller
// ID not yet sent.
func (l *Line) StopRing() {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.stopRingLocked()
}

func (l *Line) stopRingLocked() {
	if l.state != LineRinging {
		return
	}
	l.stopCIDLocked()
	l.state = LineIdle
	l.burstEnd = 0
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
		return l.errorf("answer: line is %s", l.state)
	}
	l.connectLocked()
	return nil
}

// Hangup makes the far end leave: a ringing call stops ringing; on a
// seized line the office drops loop current (EventOnHook on the channel,
// the kewlstart disconnect) and plays the zone's busy tone until our FXO
// releases the line. It is HangupWith(tone.Busy).
func (l *Line) Hangup() { l.HangupWith(tone.Busy) }

// HangupWith is Hangup with the office's choice of tone after the far end
// left: tone.Busy, tone.Congestion (reorder), tone.Howler (the zone's
// receiver off-hook tone) or Silence. With LineOptions.CPCOpen the tone
// starts when loop current returns.
func (l *Line) HangupWith(sig tone.Signal) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	switch {
	case l.state == LineRinging:
		l.stopRingLocked()
	case l.seized && l.state != LineDisconnected:
		l.state = LineDisconnected
		l.answered = false
		l.clearTone = sig
		if !l.currentOff {
			l.currentOff = true
			l.ep.eventLocked(hal.Event{Kind: hal.EventOnHook})
		}
		l.currentBack = 0
		if l.opts.CPCOpen > 0 {
			l.currentBack = l.b.nowLocked() + l.opts.CPCOpen
			l.tones.Stop()
		} else {
			l.playLocked(sig)
		}
	}
}

// DropLoopCurrent interrupts loop current on a seized line for d while the
// call goes on (a glitch, or a CPC signal shorter than the port's
// qualification): EventOnHook now, EventOffHook when it returns. Audio
// keeps flowing.
func (l *Line) DropLoopCurrent(d time.Duration) error {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if d <= 0 || d > time.Minute {
		return l.errorf("loop current drop of %v", d)
	}
	if !l.seized || l.state == LineDisconnected {
		return l.errorf("drop loop current: line is %s", l.state)
	}
	if !l.currentOff {
		l.currentOff = true
		l.ep.eventLocked(hal.Event{Kind: hal.EventOnHook})
	}
	l.currentBack = l.b.nowLocked() + d
	return nil
}

// SetOptions sets how the office treats the line from now on.
func (l *Line) SetOptions(o LineOptions) error {
	if o.CallerID != 0 && (o.CallerID < cid.Bellcore || o.CallerID > cid.DTMF) {
		return l.errorf("options: caller ID scheme %v", o.CallerID)
	}
	if o.Alert > AlertReversal || o.CPCOpen < 0 || o.CPCOpen > time.Minute {
		return l.errorf("options: alert %v, CPC open %v", o.Alert, o.CPCOpen)
	}
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.opts = o
	return nil
}

// Options returns the line's options.
func (l *Line) Options() LineOptions {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.opts
}

// SetPolarity reverses (or restores) the line's battery polarity, which
// the FXO channel reports as EventPolarity (answer supervision on many
// networks).
func (l *Line) SetPolarity(reversed bool) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.setPolarityLocked(reversed)
}

// Reversed reports whether the line's polarity is reversed.
func (l *Line) Reversed() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.reversed
}

// State returns the office's state for the line.
func (l *Line) State() LineState {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.state
}

// Seized reports whether our FXO holds the loop closed.
func (l *Line) Seized() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.loopLocked()
}

// LoopCurrent reports whether the office feeds loop current to a seized
// line.
func (l *Line) LoopCurrent() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.seized && !l.currentOff
}

// Answered reports whether our FXO answered the incoming call and still
// holds it.
func (l *Line) Answered() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.answered
}

// Digits returns the digits the office collected from our FXO on the
// current (or last) outgoing call, DTMF and pulse.
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

// SendingCallerID reports whether caller ID is queued or being sent.
func (l *Line) SendingCallerID() bool {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	return l.cidPhase == cidWaitData || l.cidPhase == cidData
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
