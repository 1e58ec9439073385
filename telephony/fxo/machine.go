package fxo

import (
	"fmt"
	"time"

	"tipring/dsp/tone"
	"tipring/telephony/digitmap"
)

// State is the state of an FXO line, as our end of the loop sees it.
type State uint8

const (
	// Idle: on hook, no ringing.
	Idle State = iota
	// Ringing: the office rings the line (an incoming call); the loop is open.
	Ringing
	// Seized: we closed the loop for an outgoing call and wait for dial tone.
	Seized
	// Dialling: the number is being sent (DTMF or loop-disconnect pulses).
	Dialling
	// Proceeding: the number is sent; the call waits for answer. Audio flows
	// so that the caller hears the network's ringback and announcements.
	Proceeding
	// Connected: a two-way call (answered incoming or outgoing).
	Connected
	// Collecting: an answered incoming call is collecting DTMF digits
	// (two-stage dialling), with a prompt or dial tone playing.
	Collecting
	// Guard: the line was just released; it is not seized again until the
	// guard time has passed, so the office sees a clean clear-down.
	Guard
	// Lifeline: the port is out of service because the power-fail relay has
	// handed the line to a telephone directly.
	Lifeline
)

var stateNames = [...]string{"idle", "ringing", "seized", "dialling", "proceeding", "connected", "collecting", "guard", "lifeline"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// HoldsLoop reports whether the loop is closed (the line is off hook) in s.
func (s State) HoldsLoop() bool {
	switch s {
	case Seized, Dialling, Proceeding, Connected, Collecting:
		return true
	}
	return false
}

// EventKind is an input to the line state machine.
type EventKind uint8

const (
	// EvTick: time passed; timers are checked.
	EvTick EventKind = iota + 1
	// EvRingBegin: ringing voltage appeared.
	EvRingBegin
	// EvRingEnd: ringing voltage went away.
	EvRingEnd
	// EvPolarity: the line's battery polarity reversed (Event.Reversed).
	EvPolarity
	// EvLoopLost: loop current dropped (the start of a possible CPC).
	EvLoopLost
	// EvLoopRestored: loop current came back.
	EvLoopRestored
	// EvCallerID: a caller-ID message was received (Event.Number, Name).
	EvCallerID
	// EvDialTone: the office's dial tone was recognised.
	EvDialTone
	// EvDialDone: the last digit has been sent.
	EvDialDone
	// EvDigit: a DTMF digit from the line (Event.Digit).
	EvDigit
	// EvActivity: the received frame carried signal above the silence level.
	EvActivity
	// EvProgressTone: a disconnect tone was recognised (Event.Tone is
	// tone.Busy or tone.Congestion).
	EvProgressTone
	// EvFlashDone: a hook flash we sent has finished.
	EvFlashDone

	// EvDial: the gateway places a call to Event.Number (Event.Pulse selects
	// loop-disconnect dialling).
	EvDial
	// EvAnswer: the gateway answers the ringing line.
	EvAnswer
	// EvRelease: the gateway clears the call; the line goes on hook.
	EvRelease
	// EvFlash: the gateway sends a hook flash.
	EvFlash
	// EvCollect: the gateway asks for digits (two-stage dialling) with
	// Event.Map, playing Event.Tone when Event.PlayTone.
	EvCollect
	// EvLifeline: the power-fail relay switched (Event.On: the line is
	// handed to the lifeline telephone).
	EvLifeline
)

var eventKindNames = [...]string{"", "tick", "ringbegin", "ringend", "polarity", "looplost", "looprestored",
	"callerid", "dialtone", "dialdone", "digit", "activity", "progresstone", "flashdone",
	"dial", "answer", "release", "flash", "collect", "lifeline"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && k != 0 {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// Event is one input to Step.
type Event struct {
	Kind     EventKind
	Digit    byte
	Reversed bool          // EvPolarity
	On       bool          // EvLifeline
	Number   string        // EvCallerID, EvDial
	Name     string        // EvCallerID
	Pulse    bool          // EvDial
	Tone     tone.Signal   // EvProgressTone; EvCollect with PlayTone
	PlayTone bool          // EvCollect
	Map      *digitmap.Map // EvCollect; nil = Machine.Map

	// NeedDialTone (EvDial) fails the call without dial tone, whatever
	// Supervision.RequireDialTone says.
	NeedDialTone bool
}

// Reason says why a call ended or failed.
type Reason uint8

const (
	// ReasonNone: no reason (a normal event).
	ReasonNone Reason = iota
	// ReasonCPC: the office dropped loop current (calling party control).
	ReasonCPC
	// ReasonPolarity: the office reversed the line's polarity on clear-down.
	ReasonPolarity
	// ReasonBusyTone: busy tone was recognised.
	ReasonBusyTone
	// ReasonCongestionTone: congestion (reorder) tone was recognised.
	ReasonCongestionTone
	// ReasonSilence: nothing was received for the silence timeout.
	ReasonSilence
	// ReasonLifeline: the power-fail relay took the line.
	ReasonLifeline
	// ReasonNoDialTone: the office gave no dial tone.
	ReasonNoDialTone
	// ReasonBusy: the port was not idle.
	ReasonBusy
	// ReasonBadNumber: the number cannot be dialled by the selected method.
	ReasonBadNumber
	// ReasonCallerGone: ringing stopped before the call was answered.
	ReasonCallerGone
	// ReasonNoMatch: the collected digits match no entry of the digit map.
	ReasonNoMatch
	// ReasonTimeout: no (further) digit came in time.
	ReasonTimeout
)

var reasonNames = [...]string{"", "cpc", "polarity", "busy-tone", "congestion-tone", "silence", "lifeline",
	"no-dial-tone", "busy", "bad-number", "caller-gone", "no-match", "timeout"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", r)
}

// ActionKind is an output of the line state machine.
type ActionKind uint8

const (
	// ActSeize closes the loop (hal.HookOffHook): seize or answer.
	ActSeize ActionKind = iota + 1
	// ActRelease opens the loop (hal.HookOnHook).
	ActRelease
	// ActFlash sends a timed hook flash (hal.HookFlash).
	ActFlash
	// ActSendDigits sends Action.Number, as pulses when Action.Pulse.
	ActSendDigits
	// ActStopDigits abandons the digits being sent.
	ActStopDigits
	// ActTone plays a call-progress tone to the line (Action.Tone).
	ActTone
	// ActToneOff stops it.
	ActToneOff
	// ActAudio connects the call's audio both ways.
	ActAudio
	// ActAudioOff disconnects it.
	ActAudioOff

	// ActIncoming tells the gateway about an incoming call (Action.Number
	// and Name: the caller ID received so far, possibly empty).
	ActIncoming
	// ActCallerID tells the gateway about a caller ID received after
	// ActIncoming.
	ActCallerID
	// ActProceeding tells the gateway the number has been sent.
	ActProceeding
	// ActAnswered tells the gateway the outgoing call was answered
	// (Action.Reason ReasonPolarity when signalled, ReasonTimeout when
	// assumed).
	ActAnswered
	// ActDigits hands the digits collected in two-stage dialling to the
	// gateway (Action.Number; Action.Reason says why collection failed).
	ActDigits
	// ActDisconnected tells the gateway the far end left the call
	// (Action.Reason); the machine releases the line in the same step.
	ActDisconnected
	// ActFailed tells the gateway an outgoing call could not be placed
	// (Action.Reason).
	ActFailed
	// ActRingStopped tells the gateway a noted incoming call stopped
	// ringing before it was answered.
	ActRingStopped
)

var actionNames = [...]string{"", "seize", "release", "flash", "senddigits", "stopdigits", "tone", "toneoff",
	"audio", "audiooff", "incoming", "callerid", "proceeding", "answered", "digits", "disconnected", "failed",
	"ringstopped"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && k != 0 {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", k)
}

// Action is one output of Step.
type Action struct {
	Kind   ActionKind
	Number string
	Name   string
	Pulse  bool
	Tone   tone.Signal
	Reason Reason
}

func (a Action) String() string {
	switch a.Kind {
	case ActTone:
		return "tone(" + a.Tone.String() + ")"
	case ActSendDigits:
		if a.Pulse {
			return "senddigits(pulse:" + a.Number + ")"
		}
		return "senddigits(" + a.Number + ")"
	case ActIncoming, ActCallerID:
		return a.Kind.String() + "(" + a.Number + "," + a.Name + ")"
	case ActDigits:
		if a.Reason != ReasonNone {
			return "digits(" + a.Number + "," + a.Reason.String() + ")"
		}
		return "digits(" + a.Number + ")"
	case ActDisconnected, ActFailed, ActAnswered, ActRingStopped:
		return a.Kind.String() + "(" + a.Reason.String() + ")"
	}
	return a.Kind.String()
}

// Line is the state of one FXO line. It is a value: Step returns a new one.
type Line struct {
	State    State
	Outgoing bool          // the call was placed by us
	Pulse    bool          // outgoing: dial with loop-disconnect pulses
	Number   string        // dialled number, or the caller's number
	Name     string        // the caller's name
	Digits   string        // digits collected in Collecting
	Deadline time.Duration // when the state's timer fires; 0 = none

	// Ringing.
	Rings     int           // ring cycles counted
	Noted     bool          // ActIncoming was sent
	BurstOn   bool          // ringing voltage is on
	BurstAt   time.Duration // when the current or last burst began
	BurstEnd  time.Duration // when the last burst ended
	Counted   bool          // the current burst was counted
	CIDAt     time.Duration // when the caller ID was received; 0 = none
	Collect   *collectState // Collecting
	CPCAt     time.Duration // loop current lost at; 0 = present
	FlashEnd  time.Duration // a hook flash is in progress until then
	Activity  time.Duration // last received activity (silence timeout)
	Reversed  bool          // last polarity seen
	Connected time.Duration // when the call was answered

	// NeedDialTone: an outgoing call fails without dial tone
	// (Event.NeedDialTone).
	NeedDialTone bool
}

// collectState is the digit map used by a two-stage collection.
type collectState struct {
	Map *digitmap.Map
}

// Timers are the line's timing parameters.
type Timers struct {
	// RingMinBurst is the shortest burst of ringing voltage that counts as
	// a ring; shorter bursts (the ring-pulse alerting signal of EN 300
	// 659-1 clause 6.1.1, 200-300 ms, or a glitch) are ignored.
	RingMinBurst time.Duration
	// RingMerge joins a burst that begins within this time after the
	// previous one ended to the same ring (the double ring of uk, au, in).
	RingMerge time.Duration
	// RingTimeout: no ringing for this long after the last burst means the
	// caller gave up.
	RingTimeout time.Duration
	// CallerIDMaxAge drops a caller ID received this long before ringing
	// began (it belongs to no call).
	CallerIDMaxAge time.Duration
	// DialToneWait is how long a seized line waits for dial tone before it
	// dials anyway (or fails, with Supervision.RequireDialTone).
	DialToneWait time.Duration
	// AnswerDelay: an outgoing call without polarity answer supervision is
	// taken as answered this long after dialling ends (0: at once); with
	// polarity supervision, a call not reversed by then is assumed
	// answered (0: wait for the reversal).
	AnswerDelay time.Duration
	// CPCQualify is how long loop current must stay away before it is a
	// disconnect (calling party control), 100-800 ms.
	CPCQualify time.Duration
	// SilenceTimeout clears a connected call after this long without
	// received activity; 0 disables it.
	SilenceTimeout time.Duration
	// FlashGuard ignores loop-current loss for this long after a flash
	// starts (the break is ours).
	FlashGuard time.Duration
	// Guard is the clear-down time after a release before the line may be
	// seized again.
	Guard time.Duration
	// FirstDigit, InterDigit and ShortInterDigit are the two-stage
	// dialling timers (as on an FXS port).
	FirstDigit, InterDigit, ShortInterDigit time.Duration
	// AnswerPolarityGuard ignores polarity reversals for this long after
	// an incoming call is answered (offices that reverse on answer).
	AnswerPolarityGuard time.Duration
}

// DefaultTimers are the timers an installer gets unless configured.
var DefaultTimers = Timers{
	RingMinBurst:        320 * time.Millisecond,
	RingMerge:           time.Second,
	RingTimeout:         7 * time.Second,
	CallerIDMaxAge:      10 * time.Second,
	DialToneWait:        3 * time.Second,
	AnswerDelay:         0,
	CPCQualify:          250 * time.Millisecond,
	SilenceTimeout:      0,
	FlashGuard:          time.Second,
	Guard:               time.Second,
	FirstDigit:          10 * time.Second,
	InterDigit:          4 * time.Second,
	ShortInterDigit:     1500 * time.Millisecond,
	AnswerPolarityGuard: time.Second,
}

// CPC qualification bounds (Grandstream and DAHDI installers use this
// range; offices send 90 ms to over a second).
const (
	MinCPCQualify = 100 * time.Millisecond
	MaxCPCQualify = 800 * time.Millisecond
)

// Supervision selects the answer and disconnect supervision methods.
type Supervision struct {
	// AnswerPolarity: an outgoing call is answered when the line reverses.
	AnswerPolarity bool
	// RequireDialTone fails a call when no dial tone comes within
	// DialToneWait, instead of dialling blind.
	RequireDialTone bool
	// CPC: loop-current drop clears the call.
	CPC bool
	// Polarity: a polarity reversal during a connected call clears it.
	Polarity bool
	// Tone: busy or congestion tone clears the call.
	Tone bool
}

// DefaultSupervision enables every disconnect method, polarity answer
// supervision with the assumed-answer fallback off, and blind dialling.
var DefaultSupervision = Supervision{AnswerPolarity: false, CPC: true, Polarity: true, Tone: true}

// Machine is the pure FXO line state machine: configuration plus Step.
type Machine struct {
	Timers      Timers
	Supervision Supervision
	// RingsBeforeAnswer is the ring count at which an incoming call is
	// offered to the gateway (ActIncoming). With Bellcore caller ID
	// (between the first and second ring) use 2 or more.
	RingsBeforeAnswer int
	// Map is the default digit map of two-stage dialling.
	Map *digitmap.Map
}

// deadline returns now+d, or 0 (no timer) when d is not positive.
func deadline(now, d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	if now+d == 0 {
		return 1
	}
	return now + d
}

// stamp returns now, made non-zero (0 means "none" in Line fields).
func stamp(now time.Duration) time.Duration {
	if now == 0 {
		return 1
	}
	return now
}

// Step advances the line by one event at time now and returns the new line
// and the actions to carry out, in order.
func (m *Machine) Step(l Line, ev Event, now time.Duration) (Line, []Action) {
	var acts []Action
	do := func(k ActionKind) { acts = append(acts, Action{Kind: k}) }
	release := func() {
		do(ActToneOff)
		do(ActAudioOff)
		do(ActRelease)
		l = Line{State: Guard, Deadline: deadline(now, m.Timers.Guard), Reversed: l.Reversed}
	}
	disconnect := func(r Reason) {
		if l.State == Dialling {
			do(ActStopDigits)
		}
		acts = append(acts, Action{Kind: ActDisconnected, Reason: r})
		release()
	}
	connect := func() {
		l.State = Connected
		l.Deadline = 0
		l.Activity = now
		l.Connected = stamp(now)
		do(ActAudio)
	}

	// Events that mean the same in every state.
	switch ev.Kind {
	case EvLifeline:
		switch {
		case ev.On && l.State != Lifeline:
			if l.State.HoldsLoop() {
				if l.State == Dialling {
					do(ActStopDigits)
				}
				acts = append(acts, Action{Kind: ActDisconnected, Reason: ReasonLifeline})
				do(ActToneOff)
				do(ActAudioOff)
				do(ActRelease)
			} else if l.State == Ringing && l.Noted {
				acts = append(acts, Action{Kind: ActRingStopped, Reason: ReasonLifeline})
			}
			l = Line{State: Lifeline, Reversed: l.Reversed}
		case !ev.On && l.State == Lifeline:
			l = Line{State: Idle, Reversed: l.Reversed}
		}
		return l, acts
	case EvDial:
		if l.State != Idle {
			acts = append(acts, Action{Kind: ActFailed, Reason: ReasonBusy})
			return l, acts
		}
		if !validNumber(ev.Number, ev.Pulse) {
			acts = append(acts, Action{Kind: ActFailed, Reason: ReasonBadNumber})
			return l, acts
		}
		l = Line{State: Seized, Outgoing: true, Number: ev.Number, Pulse: ev.Pulse, Reversed: l.Reversed,
			NeedDialTone: ev.NeedDialTone, Deadline: deadline(now, m.Timers.DialToneWait)}
		do(ActSeize)
		return l, acts
	case EvPolarity:
		prev := l.Reversed
		l.Reversed = ev.Reversed
		if prev == ev.Reversed {
			return l, acts // no change: nothing to supervise
		}
	case EvLoopLost:
		if l.State.HoldsLoop() && m.Supervision.CPC && now >= l.FlashEnd &&
			!(l.State == Dialling && l.Pulse) && l.CPCAt == 0 {
			l.CPCAt = stamp(now)
		}
		return l, acts
	case EvLoopRestored:
		l.CPCAt = 0
		return l, acts
	case EvFlashDone:
		l.FlashEnd = 0
		return l, acts
	}

	// Loop-current drop, qualified.
	if ev.Kind == EvTick && l.State.HoldsLoop() && l.CPCAt != 0 && now-l.CPCAt >= m.Timers.CPCQualify {
		disconnect(ReasonCPC)
		return l, acts
	}

	switch l.State {
	case Idle, Guard:
		switch ev.Kind {
		case EvRingBegin:
			keep := l.CIDAt != 0 && now-l.CIDAt <= m.Timers.CallerIDMaxAge
			num, name, at := l.Number, l.Name, l.CIDAt
			l = Line{State: Ringing, BurstOn: true, BurstAt: stamp(now), Reversed: l.Reversed,
				Deadline: deadline(now, m.Timers.RingTimeout)}
			if keep {
				l.Number, l.Name, l.CIDAt = num, name, at
			}
		case EvCallerID:
			// Caller ID before the first ring (EN 300 659-1 clause 6.1:
			// after a polarity reversal, DT-AS or ring-pulse alert).
			l.Number, l.Name, l.CIDAt = ev.Number, ev.Name, stamp(now)
		case EvTick:
			if l.State == Guard && l.Deadline != 0 && now >= l.Deadline {
				l.State = Idle
				l.Deadline = 0
			}
		case EvAnswer:
			// Nothing rings: seizing now would place a call.
		}

	case Ringing:
		switch ev.Kind {
		case EvRingBegin:
			l.BurstOn = true
			l.BurstAt = stamp(now)
			l.Counted = false
			l.Deadline = deadline(now, m.Timers.RingTimeout)
		case EvRingEnd:
			if l.BurstOn {
				l.BurstOn = false
				l.BurstEnd = stamp(now)
				l.Deadline = deadline(now, m.Timers.RingTimeout)
			}
		case EvCallerID:
			l.Number, l.Name, l.CIDAt = ev.Number, ev.Name, stamp(now)
			if l.Noted {
				acts = append(acts, Action{Kind: ActCallerID, Number: l.Number, Name: l.Name})
			}
		case EvAnswer:
			l.Deadline = 0
			do(ActSeize)
			connect()
			l.CPCAt = 0
		case EvTick:
			if l.BurstOn && !l.Counted && now-l.BurstAt >= m.Timers.RingMinBurst {
				l.Counted = true
				// A burst soon after a counted one is the second half of a
				// double ring.
				if l.Rings == 0 || l.BurstAt-l.BurstEnd >= m.Timers.RingMerge {
					l.Rings++
				}
				if !l.Noted && l.Rings >= max(m.RingsBeforeAnswer, 1) {
					l.Noted = true
					acts = append(acts, Action{Kind: ActIncoming, Number: l.Number, Name: l.Name})
				}
			}
			if !l.BurstOn && l.Deadline != 0 && now >= l.Deadline {
				if l.Noted {
					acts = append(acts, Action{Kind: ActRingStopped, Reason: ReasonCallerGone})
				}
				l = Line{State: Idle, Reversed: l.Reversed}
			}
		}

	case Seized:
		switch ev.Kind {
		case EvRelease:
			release()
		case EvDialTone:
			l.State = Dialling
			l.Deadline = 0
			acts = append(acts, Action{Kind: ActSendDigits, Number: l.Number, Pulse: l.Pulse})
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				if m.Supervision.RequireDialTone || l.NeedDialTone {
					acts = append(acts, Action{Kind: ActFailed, Reason: ReasonNoDialTone})
					release()
					break
				}
				l.State = Dialling
				l.Deadline = 0
				acts = append(acts, Action{Kind: ActSendDigits, Number: l.Number, Pulse: l.Pulse})
			}
		}

	case Dialling:
		switch ev.Kind {
		case EvRelease:
			do(ActStopDigits)
			release()
		case EvDialDone:
			l.State = Proceeding
			do(ActAudio)
			do(ActProceeding)
			switch {
			case !m.Supervision.AnswerPolarity && m.Timers.AnswerDelay <= 0:
				acts = append(acts, Action{Kind: ActAnswered, Reason: ReasonTimeout})
				l.State = Connected
				l.Activity = now
				l.Connected = stamp(now)
			default:
				l.Deadline = deadline(now, m.Timers.AnswerDelay)
			}
		}

	case Proceeding:
		switch ev.Kind {
		case EvRelease:
			release()
		case EvPolarity:
			if m.Supervision.AnswerPolarity {
				acts = append(acts, Action{Kind: ActAnswered, Reason: ReasonPolarity})
				l.State = Connected
				l.Deadline = 0
				l.Activity = now
				l.Connected = stamp(now)
			}
		case EvProgressTone:
			if m.Supervision.Tone {
				disconnect(toneReason(ev.Tone))
			}
		case EvFlash:
			m.flash(&l, now, &acts)
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				acts = append(acts, Action{Kind: ActAnswered, Reason: ReasonTimeout})
				l.State = Connected
				l.Deadline = 0
				l.Activity = now
				l.Connected = stamp(now)
			}
		}

	case Connected, Collecting:
		switch ev.Kind {
		case EvRelease:
			release()
		case EvPolarity:
			// The office reverses the line when the far end clears (and,
			// on some networks, when it answers: ignored just after an
			// incoming answer, and it was the answer itself on an
			// outgoing call answered by reversal).
			if m.Supervision.Polarity && (l.Outgoing || now-l.Connected >= m.Timers.AnswerPolarityGuard) {
				disconnect(ReasonPolarity)
			}
		case EvProgressTone:
			if m.Supervision.Tone {
				disconnect(toneReason(ev.Tone))
			}
		case EvActivity:
			l.Activity = now
		case EvFlash:
			if l.State == Connected {
				m.flash(&l, now, &acts)
			}
		case EvCollect:
			if l.State == Connected && !l.Outgoing {
				mp := ev.Map
				if mp == nil {
					mp = m.Map
				}
				l.State = Collecting
				l.Collect = &collectState{Map: mp}
				l.Digits = ""
				l.Deadline = deadline(now, m.Timers.FirstDigit)
				do(ActAudioOff)
				if ev.PlayTone {
					acts = append(acts, Action{Kind: ActTone, Tone: ev.Tone})
				}
			}
		case EvDigit:
			if l.State == Collecting {
				if l.Digits == "" {
					do(ActToneOff)
				}
				l.Digits += string(ev.Digit)
				m.evaluate(&l, now, &acts)
			}
		case EvTick:
			if l.State == Connected && m.Timers.SilenceTimeout > 0 && now-l.Activity >= m.Timers.SilenceTimeout {
				disconnect(ReasonSilence)
				break
			}
			if l.State == Collecting && l.Deadline != 0 && now >= l.Deadline {
				switch {
				case l.Digits == "":
					do(ActToneOff)
					m.collected(&l, now, &acts, ReasonTimeout)
				case l.Collect.Map != nil && l.Collect.Map.MatchOnTimeout(l.Digits):
					m.collected(&l, now, &acts, ReasonNone)
				default:
					m.collected(&l, now, &acts, ReasonTimeout)
				}
			}
		}

	case Lifeline:
		// Everything but EvLifeline (handled above) is ignored.
	}
	return l, acts
}

func (m *Machine) flash(l *Line, now time.Duration, acts *[]Action) {
	if now < l.FlashEnd {
		return
	}
	l.FlashEnd = deadline(now, m.Timers.FlashGuard)
	l.CPCAt = 0
	*acts = append(*acts, Action{Kind: ActFlash})
}

// evaluate applies the digit map after a new digit in Collecting.
func (m *Machine) evaluate(l *Line, now time.Duration, acts *[]Action) {
	if l.Collect.Map == nil {
		l.Deadline = deadline(now, m.Timers.InterDigit)
		return
	}
	switch l.Collect.Map.Match(l.Digits) {
	case digitmap.Complete:
		m.collected(l, now, acts, ReasonNone)
	case digitmap.Ambiguous:
		l.Deadline = deadline(now, m.Timers.ShortInterDigit)
	case digitmap.Partial:
		l.Deadline = deadline(now, m.Timers.InterDigit)
	default:
		m.collected(l, now, acts, ReasonNoMatch)
	}
}

// collected ends two-stage collection: the call stays connected (the
// gateway routes the number, or releases the line on failure).
func (m *Machine) collected(l *Line, now time.Duration, acts *[]Action, r Reason) {
	*acts = append(*acts, Action{Kind: ActDigits, Number: l.Digits, Reason: r})
	l.State = Connected
	l.Collect = nil
	l.Deadline = 0
	l.Activity = now
	*acts = append(*acts, Action{Kind: ActAudio})
}

func toneReason(s tone.Signal) Reason {
	if s == tone.Busy {
		return ReasonBusyTone
	}
	return ReasonCongestionTone
}

// validNumber reports whether number can be dialled: DTMF takes 0-9 * # A-D,
// pulse dialling only 0-9.
func validNumber(number string, pulse bool) bool {
	if number == "" || len(number) > 64 {
		return false
	}
	for i := range len(number) {
		c := number[i]
		switch {
		case c >= '0' && c <= '9':
		case pulse:
			return false
		case c == '*' || c == '#' || (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd'):
		default:
			return false
		}
	}
	return true
}
