package fxs

import (
	"fmt"
	"time"

	"tipring/dsp/tone"
	"tipring/telephony/digitmap"
)

// State is the state of an FXS line, as an analog line card sees it.
type State uint8

const (
	// Idle: on hook, nothing happening.
	Idle State = iota
	// Ringing: an incoming call rings the phone.
	Ringing
	// DialTone: off hook, dial tone playing, waiting for the first digit.
	DialTone
	// Collecting: digits arriving, digit-map timers running.
	Collecting
	// Routing: the number is complete and handed to the gateway.
	Routing
	// Alerting: the far end is ringing (local ringback tone or early media).
	Alerting
	// Connected: a two-way call.
	Connected
	// Tone: a call could not be made or has ended: busy or reorder tone plays.
	Tone
	// Howler: the off-hook warning (receiver off-hook tone) plays.
	Howler
	// Lockout: the howler gave up; the line is silent until on-hook.
	Lockout
	// Recall: after a hook flash the call is held and recall dial tone
	// plays; digits place a consultation call, another flash resumes.
	Recall
)

var stateNames = [...]string{"idle", "ringing", "dialtone", "collecting", "routing", "alerting", "connected", "tone", "howler", "lockout", "recall"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", s)
}

// EventKind is an input to the line state machine.
type EventKind uint8

const (
	// EvOffHook: the phone went off hook (classified; see Hook).
	EvOffHook EventKind = iota + 1
	// EvOnHook: the phone was put back on hook (longer than a flash).
	EvOnHook
	// EvFlash: a hook flash.
	EvFlash
	// EvDigit: a dialled digit (DTMF or pulse); Event.Digit.
	EvDigit
	// EvTick: time passed; timers are checked.
	EvTick
	// EvRing: the gateway offers an incoming call.
	EvRing
	// EvCancelRing: the caller gave up before answer.
	EvCancelRing
	// EvRingback: the far end is alerting; play local ringback.
	EvRingback
	// EvEarlyMedia: the far end sends in-band progress; connect its audio.
	EvEarlyMedia
	// EvAnswered: the far end answered.
	EvAnswered
	// EvBusy: the far end is busy.
	EvBusy
	// EvCongestion: the call cannot be routed or failed.
	EvCongestion
	// EvFarHangup: the far end cleared the call.
	EvFarHangup
	// EvHeldGone: the party on hold (or the other conference party) left.
	EvHeldGone
	// EvConfirm: a feature code was accepted; play confirmation tone.
	EvConfirm
)

var eventKindNames = [...]string{"", "offhook", "onhook", "flash", "digit", "tick", "ring", "cancelring", "ringback", "earlymedia", "answered", "busy", "congestion", "farhangup", "heldgone", "confirm"}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) && k != 0 {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// Event is one input to Step.
type Event struct {
	Kind  EventKind
	Digit byte
	// After overrides the no-answer timer for EvRing (0: Timers.NoAnswer).
	After time.Duration
}

// ActionKind is an output of the line state machine.
type ActionKind uint8

const (
	// ActTone starts a call-progress tone (Action.Tone).
	ActTone ActionKind = iota + 1
	// ActToneOff stops the tone.
	ActToneOff
	// ActRing starts ringing the phone.
	ActRing
	// ActRingOff stops ringing.
	ActRingOff
	// ActAudio connects the call's audio both ways.
	ActAudio
	// ActAudioOff disconnects it.
	ActAudioOff
	// ActDial asks the gateway to place a call to Action.Number.
	ActDial
	// ActAnswer tells the gateway the phone answered the incoming call.
	ActAnswer
	// ActHangup tells the gateway the phone hung up or abandoned the call.
	ActHangup
	// ActNoAnswer tells the gateway nobody answered the incoming call in time.
	ActNoAnswer
	// ActRejectBusy tells the gateway an offered call found the line busy.
	ActRejectBusy
	// ActFlash tells the gateway about a hook flash during a call that no
	// local service takes (call waiting off).
	ActFlash
	// ActReverse and ActNormal set the line polarity.
	ActReverse
	ActNormal
	// ActCallWaiting starts the call-waiting tone (and caller ID on call
	// waiting) for a second offered call; ActCallWaitingOff stops it.
	ActCallWaiting
	ActCallWaitingOff
	// ActAnswerWaiting holds the active call and connects the waiting one.
	ActAnswerWaiting
	// ActSwap swaps the active and the held call.
	ActSwap
	// ActHold holds the active call (the phone gets recall dial tone).
	ActHold
	// ActResume drops any consultation call and reconnects the held one.
	ActResume
	// ActConference joins the held and the active call (three-way).
	ActConference
	// ActConferenceEnd drops the party added last and returns to the
	// two-party call.
	ActConferenceEnd
)

var actionNames = [...]string{"", "tone", "toneoff", "ring", "ringoff", "audio", "audiooff", "dial", "answer", "hangup", "noanswer", "rejectbusy", "flash",
	"reverse", "normal", "callwaiting", "callwaitingoff", "answerwaiting", "swap", "hold", "resume", "conference", "conferenceend"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && k != 0 {
		return actionNames[k]
	}
	return fmt.Sprintf("ActionKind(%d)", k)
}

// Action is one output of Step.
type Action struct {
	Kind   ActionKind
	Tone   tone.Signal
	Number string
}

func (a Action) String() string {
	switch a.Kind {
	case ActTone:
		return "tone(" + a.Tone.String() + ")"
	case ActDial:
		return "dial(" + a.Number + ")"
	}
	return a.Kind.String()
}

// Line is the state of one FXS line. It is a value: Step returns a new one.
type Line struct {
	State    State
	Digits   string
	Tone     tone.Signal   // the tone playing in state Tone
	Deadline time.Duration // when the current timer fires; 0 = none
	// Waiting: a second call is offered (call-waiting tone).
	Waiting bool
	// Held: another call is on hold.
	Held bool
	// Consult: the call in progress was placed after a flash while the
	// first one is held (consultation, for three-way or transfer).
	Consult bool
	// Conf: a three-way conference is running.
	Conf bool
	// Reversed: the line polarity is reversed.
	Reversed bool
}

// Timers are the line's timeouts.
type Timers struct {
	FirstDigit      time.Duration // dial tone without a digit → reorder
	InterDigit      time.Duration // long inter-digit timer (T)
	ShortInterDigit time.Duration // short timer for ambiguous matches (S)
	Routing         time.Duration // gateway must answer a Dial within this
	OffHookWarning  time.Duration // busy/reorder tone → howler
	Howler          time.Duration // howler → silence (lockout)
	NoAnswer        time.Duration // incoming ring without answer; 0 = ring forever
}

// DefaultTimers are the timers an installer gets unless configured.
var DefaultTimers = Timers{
	FirstDigit:      15 * time.Second,
	InterDigit:      4 * time.Second,
	ShortInterDigit: 1500 * time.Millisecond,
	Routing:         32 * time.Second,
	OffHookWarning:  30 * time.Second,
	Howler:          60 * time.Second,
	NoAnswer:        60 * time.Second,
}

// Polarity selects line reversals for answer supervision.
type Polarity struct {
	// OnAnswer reverses the polarity when the far end answers a call the
	// phone placed; it is restored when the call ends.
	OnAnswer bool
	// OnFarHangup flips the polarity when the far end clears (a payphone
	// or PBX trunk sees the disconnect as a reversal).
	OnFarHangup bool
}

// Machine is the pure FXS line state machine: configuration plus Step.
type Machine struct {
	Map    *digitmap.Map
	Timers Timers
	// Hotline, when set, is dialled when the phone goes off hook: at once
	// (hotline), or after HotlineDelay without a digit (warmline).
	Hotline      string
	HotlineDelay time.Duration
	Polarity     Polarity
	// CallWaiting offers a second call to a connected phone (tone and
	// caller ID) instead of rejecting it busy, and enables the flash
	// services: swap, hold, consultation, three-way conference.
	CallWaiting bool
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

// Step advances the line by one event at time now and returns the new line
// and the actions to carry out, in order.
func (m *Machine) Step(l Line, ev Event, now time.Duration) (Line, []Action) {
	var acts []Action
	do := func(k ActionKind) { acts = append(acts, Action{Kind: k}) }
	playTone := func(s tone.Signal) { acts = append(acts, Action{Kind: ActTone, Tone: s}) }
	toTone := func(s tone.Signal) {
		l.State = Tone
		l.Tone = s
		l.Digits = ""
		l.Deadline = deadline(now, m.Timers.OffHookWarning)
		playTone(s)
	}
	toIdle := func() {
		if l.Reversed {
			do(ActNormal)
		}
		l = Line{State: Idle}
	}
	// toRecall gives the line recall dial tone with a call on hold,
	// waiting for digits or a flash.
	toRecall := func() {
		l.State = Recall
		l.Held = true
		l.Consult = false
		l.Digits = ""
		l.Deadline = deadline(now, m.Timers.FirstDigit)
		playTone(tone.DialRecall)
	}
	resume := func() {
		do(ActToneOff)
		do(ActResume)
		do(ActAudio)
		l.State = Connected
		l.Held, l.Consult, l.Digits, l.Deadline = false, false, "", 0
	}
	flip := func() {
		l.Reversed = !l.Reversed
		if l.Reversed {
			do(ActReverse)
		} else {
			do(ActNormal)
		}
	}

	if ev.Kind == EvRing && l.State != Idle {
		if l.State == Connected && m.CallWaiting && !l.Waiting && !l.Held && !l.Conf {
			// GR-571 / Q.733.1 call waiting: the second call is offered
			// to the busy line.
			l.Waiting = true
			do(ActCallWaiting)
			return l, acts
		}
		// An offered call finds any other line busy.
		do(ActRejectBusy)
		return l, acts
	}
	if ev.Kind == EvCancelRing && l.Waiting {
		l.Waiting = false
		do(ActCallWaitingOff)
		return l, acts
	}
	if ev.Kind == EvHeldGone && l.State != Idle {
		// The held call or one conference party left.
		l.Held, l.Consult, l.Conf = false, false, false
		if l.State == Recall {
			l.State = DialTone
			playTone(tone.Dial)
		}
		return l, acts
	}

	switch l.State {
	case Idle:
		switch ev.Kind {
		case EvOffHook:
			if m.Hotline != "" && m.HotlineDelay <= 0 {
				l = Line{State: Routing, Digits: m.Hotline, Deadline: deadline(now, m.Timers.Routing)}
				acts = append(acts, Action{Kind: ActDial, Number: m.Hotline})
				break
			}
			d := m.Timers.FirstDigit
			if m.Hotline != "" {
				d = m.HotlineDelay
			}
			l = Line{State: DialTone, Deadline: deadline(now, d)}
			playTone(tone.Dial)
		case EvRing:
			d := m.Timers.NoAnswer
			if ev.After > 0 {
				d = ev.After
			}
			l = Line{State: Ringing, Deadline: deadline(now, d)}
			do(ActRing)
		}

	case Ringing:
		switch ev.Kind {
		case EvOffHook:
			l = Line{State: Connected}
			do(ActRingOff)
			do(ActAnswer)
			do(ActAudio)
		case EvCancelRing, EvFarHangup:
			toIdle()
			do(ActRingOff)
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				toIdle()
				do(ActRingOff)
				do(ActNoAnswer)
			}
		}

	case DialTone, Collecting, Recall:
		switch ev.Kind {
		case EvOnHook:
			toIdle()
			do(ActToneOff)
		case EvFlash:
			if l.Held {
				resume()
			}
		case EvDigit:
			if l.State != Collecting {
				do(ActToneOff)
				l.State = Collecting
			}
			l.Digits += string(ev.Digit)
			acts = m.evaluate(&l, now, acts)
		case EvTick:
			if l.Deadline == 0 || now < l.Deadline {
				break
			}
			switch {
			case l.State == DialTone && m.Hotline != "" && !l.Held:
				// Warmline: no digit within the delay.
				do(ActToneOff)
				l = Line{State: Routing, Digits: m.Hotline, Deadline: deadline(now, m.Timers.Routing), Reversed: l.Reversed}
				acts = append(acts, Action{Kind: ActDial, Number: m.Hotline})
			case l.State == Collecting && m.Map.MatchOnTimeout(l.Digits):
				l.State = Routing
				l.Consult = l.Held
				l.Deadline = deadline(now, m.Timers.Routing)
				acts = append(acts, Action{Kind: ActDial, Number: l.Digits})
			case l.Held:
				resume()
			default:
				if l.State == DialTone {
					do(ActToneOff)
				}
				toTone(tone.Congestion)
			}
		}

	case Routing, Alerting:
		switch ev.Kind {
		case EvOnHook:
			toIdle()
			do(ActToneOff)
			do(ActAudioOff)
			do(ActHangup)
		case EvFlash:
			if l.Held {
				do(ActAudioOff)
				resume()
			}
		case EvRingback:
			l.State = Alerting
			l.Deadline = 0
			playTone(tone.Ringback)
		case EvEarlyMedia:
			l.State = Alerting
			l.Deadline = 0
			do(ActToneOff)
			do(ActAudio)
		case EvAnswered:
			l.State, l.Deadline = Connected, 0
			do(ActToneOff)
			do(ActAudio)
			if m.Polarity.OnAnswer && !l.Reversed {
				flip()
			}
		case EvConfirm:
			toTone(tone.DialRecall)
		case EvBusy:
			do(ActAudioOff)
			toTone(tone.Busy)
		case EvCongestion, EvFarHangup:
			do(ActAudioOff)
			toTone(tone.Congestion)
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				do(ActHangup)
				toTone(tone.Congestion)
			}
		}

	case Connected:
		switch ev.Kind {
		case EvOnHook:
			toIdle()
			do(ActAudioOff)
			do(ActHangup)
		case EvFarHangup:
			do(ActAudioOff)
			if m.Polarity.OnFarHangup {
				flip()
			}
			if l.Held {
				// The active party left; the held one waits for a flash.
				toRecall()
				break
			}
			l.Conf = false
			toTone(tone.Busy)
		case EvFlash:
			switch {
			case !m.CallWaiting:
				do(ActFlash)
			case l.Waiting:
				l.Waiting, l.Held = false, true
				do(ActCallWaitingOff)
				do(ActAnswerWaiting)
			case l.Conf:
				l.Conf = false
				do(ActConferenceEnd)
			case l.Consult:
				l.Consult, l.Held, l.Conf = false, false, true
				do(ActConference)
			case l.Held:
				do(ActSwap)
			default:
				do(ActAudioOff)
				do(ActHold)
				toRecall()
			}
		}

	case Tone:
		switch ev.Kind {
		case EvOnHook:
			toIdle()
			do(ActToneOff)
		case EvFlash:
			if l.Held {
				resume()
			}
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				l = Line{State: Howler, Deadline: deadline(now, m.Timers.Howler), Reversed: l.Reversed, Held: l.Held, Waiting: l.Waiting}
				playTone(tone.Howler)
			}
		}

	case Howler:
		switch ev.Kind {
		case EvOnHook:
			toIdle()
			do(ActToneOff)
		case EvTick:
			if l.Deadline != 0 && now >= l.Deadline {
				l = Line{State: Lockout, Reversed: l.Reversed, Held: l.Held, Waiting: l.Waiting}
				do(ActToneOff)
			}
		}

	case Lockout:
		if ev.Kind == EvOnHook {
			toIdle()
		}
	}
	return l, acts
}

// evaluate applies the digit map after a new digit.
func (m *Machine) evaluate(l *Line, now time.Duration, acts []Action) []Action {
	switch m.Map.Match(l.Digits) {
	case digitmap.Complete:
		l.State = Routing
		l.Consult = l.Held
		l.Deadline = deadline(now, m.Timers.Routing)
		acts = append(acts, Action{Kind: ActDial, Number: l.Digits})
	case digitmap.Ambiguous:
		l.Deadline = deadline(now, m.Timers.ShortInterDigit)
	case digitmap.Partial:
		l.Deadline = deadline(now, m.Timers.InterDigit)
	default:
		l.State = Tone
		l.Tone = tone.Congestion
		l.Deadline = deadline(now, m.Timers.OffHookWarning)
		acts = append(acts, Action{Kind: ActTone, Tone: tone.Congestion})
	}
	return acts
}
