package dahdi

import (
	"time"

	"tipring/hal"
)

// driverAction is what the backend must tell the driver after an event, to
// keep the kernel's transmit hook state in step with the line the way a
// telephony card driver on the port side would (chan_dahdi does the same on
// DAHDI_EVENT_RINGOFFHOOK for FXO-signalled channels).
type driverAction uint8

const (
	actNone driverAction = iota
	// actOffHook: DAHDI_HOOK OFFHOOK on an FXS port once the phone is off
	// hook. During ringing this is the ring trip: DAHDI's robbed-bit code
	// only stops ringing by itself in TXSTATE_START, never during the
	// RINGON/RINGOFF cadence states.
	actOffHook
	// actOnHook: DAHDI_HOOK ONHOOK on an FXS port once the phone hung up.
	// The phone is already on hook, so the driver skips the kewlstart
	// battery drop and just returns to TXSTATE_ONHOOK, where a later ring
	// command is accepted.
	actOnHook
)

// sigState is the per-channel signalling state that DAHDI's events leave
// implicit. It belongs to the channel's owner.
type sigState struct {
	kind     hal.ChanKind
	ringing  bool // FXS: a ring command is in force
	ringerOn bool // FXS: a ringing burst is sounding
	rxRing   bool // FXO: ringing voltage is present on the line
	lastRing time.Time
	reversed bool // line polarity as last reported

	overruns, underruns, hdlcErrors, ignored uint64
}

// alarmsFromDAHDI maps DAHDI_ALARM_* bits to hal.Alarm.
func alarmsFromDAHDI(a uint32) hal.Alarm {
	var out hal.Alarm
	for _, m := range []struct {
		d uint32
		h hal.Alarm
	}{
		{alarmRed, hal.AlarmRed}, {alarmYellow, hal.AlarmYellow}, {alarmBlue, hal.AlarmBlue},
		{alarmLoopback, hal.AlarmLoopback}, {alarmRecover, hal.AlarmRecover}, {alarmNotOpen, hal.AlarmNotOpen},
	} {
		if a&m.d != 0 {
			out |= m.h
		}
	}
	return out
}

// translate maps one DAHDI_GETEVENT value to hal events appended to out,
// and says what the driver must be told. EventAlarm comes back without its
// Alarms; the caller fills them in from DAHDI_GET_PARAMS.
func (s *sigState) translate(raw int32, out []hal.Event) ([]hal.Event, driverAction) {
	if raw&eventPulseDigit != 0 {
		if s.kind == hal.KindFXS {
			return append(out, hal.Event{Kind: hal.EventPulseDigit, Digit: byte(raw)}), actNone
		}
		s.ignored++
		return out, actNone
	}
	switch raw {
	case eventAlarm:
		return append(out, hal.Event{Kind: hal.EventAlarm}), actNone
	case eventNoAlarm:
		return append(out, hal.Event{Kind: hal.EventNoAlarm}), actNone
	case eventReadOverrun:
		s.overruns++
		return out, actNone
	case eventWriteUnderrun:
		s.underruns++
		return out, actNone
	case eventAbort, eventBadFCS, eventOverrun:
		s.hdlcErrors++
		return out, actNone
	}
	switch s.kind {
	case hal.KindFXS:
		switch raw {
		case eventRingOffHook:
			if s.ringerOn {
				out = append(out, hal.Event{Kind: hal.EventRingerOff})
			}
			s.ringing, s.ringerOn = false, false
			return append(out, hal.Event{Kind: hal.EventOffHook}), actOffHook
		case eventOnHook:
			return append(out, hal.Event{Kind: hal.EventOnHook}), actOnHook
		case eventWinkFlash:
			return append(out, hal.Event{Kind: hal.EventFlash}), actNone
		case eventRingerOn:
			if s.ringing && !s.ringerOn {
				s.ringerOn = true
				return append(out, hal.Event{Kind: hal.EventRingerOn}), actNone
			}
			return out, actNone
		case eventRingerOff:
			if s.ringerOn {
				s.ringerOn = false
				return append(out, hal.Event{Kind: hal.EventRingerOff}), actNone
			}
			return out, actNone
		case eventPolarity:
			s.reversed = !s.reversed
			return append(out, hal.Event{Kind: hal.EventPolarity, Reversed: s.reversed}), actNone
		case eventHookComplete:
			return append(out, hal.Event{Kind: hal.EventHookComplete}), actNone
		}
	case hal.KindFXO:
		switch raw {
		case eventRingBegin, eventRingOffHook:
			// Ringing on an FXO port is reported from the receive hook
			// state instead (see ringState): DAHDI suppresses both of
			// these for 2 s (RING_DEBOUNCE_TIME) after every hangup,
			// and every open() hangs up, so the first burst after an
			// open would go unreported or arrive as an end without a
			// beginning.
			return out, actNone
		case eventOnHook:
			return append(out, hal.Event{Kind: hal.EventOnHook}), actNone
		case eventWinkFlash:
			return append(out, hal.Event{Kind: hal.EventFlash}), actNone
		case eventPolarity:
			s.reversed = !s.reversed
			return append(out, hal.Event{Kind: hal.EventPolarity, Reversed: s.reversed}), actNone
		case eventHookComplete:
			return append(out, hal.Event{Kind: hal.EventHookComplete}), actNone
		}
	}
	// DTMF, dial completion, bit changes: nothing the hal reports.
	s.ignored++
	return out, actNone
}

// startRing records a ring command on an FXS port: DAHDI queues
// RINGERON only at the start of the second and later bursts, so the first
// one is reported here.
func (s *sigState) startRing(out []hal.Event) []hal.Event {
	s.ringing, s.ringerOn = true, true
	return append(out, hal.Event{Kind: hal.EventRingerOn})
}

// stopRing records a ringoff or onhook command on an FXS port; DAHDI_RINGOFF
// returns to TXSTATE_ONHOOK without an event.
func (s *sigState) stopRing(out []hal.Event) []hal.Event {
	if s.ringerOn {
		out = append(out, hal.Event{Kind: hal.EventRingerOff})
	}
	s.ringing, s.ringerOn = false, false
	return out
}

// ringTrailer is how long the receive hook state of an FXO port must have
// left DAHDI_RXSIG_RING before the ring burst is over. DAHDI's own trailer
// is 50 ms (DAHDI_RINGTRAILER); the state is sampled once per frame here,
// so allow a few frames.
const ringTrailer = 100 * time.Millisecond

// ringState feeds one sample of an FXO port's receive hook state, taken at
// now, and appends EventRingBegin or EventRingEnd on the edges of ringing.
func (s *sigState) ringState(ringing bool, now time.Time, out []hal.Event) []hal.Event {
	if ringing {
		s.lastRing = now
		if !s.rxRing {
			s.rxRing = true
			out = append(out, hal.Event{Kind: hal.EventRingBegin})
		}
		return out
	}
	if s.rxRing && now.Sub(s.lastRing) >= ringTrailer {
		s.rxRing = false
		out = append(out, hal.Event{Kind: hal.EventRingEnd})
	}
	return out
}
