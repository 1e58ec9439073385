package sim

import (
	"slices"

	"tipring/dsp/tone"
)

// officeCustom is how a line's office departs from its zone: tones of
// its own (an exchange or PBX whose tones no zone table has) and numbers
// that are busy.
type officeCustom struct {
	tones map[tone.Signal]tone.Tone
	busy  []string
}

// toneLocked returns the tone the office plays for sig: the line's own
// (SetTone) or the zone's.
func (l *Line) toneLocked(sig tone.Signal) (tone.Tone, bool) {
	if t, ok := l.custom.tones[sig]; ok {
		return t, true
	}
	t, ok := l.b.zone.Tones[sig]
	return t, ok
}

// SetTone makes the office play t for sig on this line instead of the
// zone's tone (nil: the zone's again), as an exchange or PBX whose tones
// are in no zone table does: its busy tone after the far end hangs up
// (Hangup) or for a busy number (SetBusyNumbers), its dial tone.
func (l *Line) SetTone(sig tone.Signal, t *tone.Tone) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	if t == nil {
		delete(l.custom.tones, sig)
		return
	}
	if l.custom.tones == nil {
		l.custom.tones = map[tone.Signal]tone.Tone{}
	}
	l.custom.tones[sig] = *t
}

// SetBusyNumbers makes the numbers busy: a call our FXO dials to one of
// them is not connected; DigitTimeout after the last digit the office
// plays busy tone (the line's own, see SetTone), keeping loop current,
// until our FXO releases the line. No numbers: none is busy.
func (l *Line) SetBusyNumbers(numbers ...string) {
	l.b.mu.Lock()
	defer l.b.mu.Unlock()
	l.custom.busy = slices.Clone(numbers)
}

// busyLocked reports whether the digits collected are a busy number.
func (l *Line) busyLocked() bool { return slices.Contains(l.custom.busy, string(l.digits)) }

// refuseBusyLocked ends the dialling of a busy number: the office plays
// busy tone and the call goes nowhere (LineDisconnected, with loop
// current).
func (l *Line) refuseBusyLocked() {
	l.state = LineDisconnected
	l.answered = false
	l.clearTone = tone.Busy
	l.playLocked(tone.Busy)
}
