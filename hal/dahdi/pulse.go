//go:build linux

package dahdi

import (
	"fmt"
	"time"
	"unsafe"

	"tipring/hal"
)

// PulseTiming is the loop-disconnect dialling of DialPulses: each pulse is
// a Break of the loop followed by a Make, and After is the pause after the
// last pulse of a digit. The zero value is 10 pps with a 60/40 break/make
// ratio and 700 ms between digits (ITU-T Q.23 does not cover pulses; these
// are the values of most national networks).
type PulseTiming struct {
	Break, Make, After time.Duration
}

// DialPulses has the driver dial digits (0-9; 0 is ten pulses) as
// loop-disconnect pulses on an off-hook FXO port (DAHDI FXS signalling),
// timed by the kernel in 1 ms steps (DAHDI_SET_PARAMS pulse times, then
// DAHDI_DIAL with a 'P' dial string) rather than by the caller's hook
// commands, whose timing a loaded system cannot hold to a few milliseconds.
// It returns once the digits are queued; the driver dials them in turn.
func DialPulses(ch hal.Channel, digits string, tm PulseTiming) error {
	r, ok := ch.(interface{ raw() *channel })
	if !ok || ch.Info().Kind != hal.KindFXO {
		return &hal.ChannelError{Span: ch.Info().Span, Chan: ch.Info().Chan, Op: "dial pulses", Err: hal.ErrNotSupported}
	}
	c := r.raw()
	if tm == (PulseTiming{}) {
		tm = PulseTiming{Break: 60 * time.Millisecond, Make: 40 * time.Millisecond, After: 700 * time.Millisecond}
	}
	if len(digits) == 0 || len(digits) > maxDialStr-2 {
		return c.err("dial pulses", fmt.Errorf("%d digits: want 1 to %d", len(digits), maxDialStr-2))
	}
	for i := range len(digits) {
		if digits[i] < '0' || digits[i] > '9' {
			return c.err("dial pulses", fmt.Errorf("%q is not a digit", digits[i]))
		}
	}
	for _, d := range []time.Duration{tm.Break, tm.Make, tm.After} {
		if d < 10*time.Millisecond || d > 5*time.Second {
			return c.err("dial pulses", fmt.Errorf("pulse time %v outside 10 ms to 5 s", d))
		}
	}
	var p dahdiParams
	if err := c.ioctl(ioctlGetParams, unsafe.Pointer(&p)); err != nil {
		return c.err("dial pulses", err)
	}
	p.Pulsebreaktime = int32(tm.Break / time.Millisecond)
	p.Pulsemaketime = int32(tm.Make / time.Millisecond)
	p.Pulseaftertime = int32(tm.After / time.Millisecond)
	if err := c.ioctl(ioctlSetParams, unsafe.Pointer(&p)); err != nil {
		return c.err("dial pulses", err)
	}
	op := dahdiDialOperation{Op: dialOpAppend}
	copy(op.Dialstr[:], "P"+digits)
	if err := c.ioctl(ioctlDial, unsafe.Pointer(&op)); err != nil {
		return c.err("dial pulses", err)
	}
	return nil
}
