package fxs

import (
	"fmt"
	"time"
)

// HookConfig sets the timing windows that turn raw hook-switch transitions
// into off-hook, on-hook, flash and rotary digits.
type HookConfig struct {
	// FlashMin and FlashMax bound a hook flash: an on-hook interval in
	// [FlashMin, FlashMax] is a flash; longer is a hang-up. Breaks shorter than
	// FlashMin are dial pulses.
	FlashMin, FlashMax time.Duration
	// PulseMin is the shortest break counted as a dial pulse (shorter ones are
	// contact bounce).
	PulseMin time.Duration
	// PulseDigitGap is the make interval that ends a rotary digit: longer
	// than a make between pulses (about 40 ms at 10 pps) and shorter than the
	// pause between digits (about 700 ms).
	PulseDigitGap time.Duration
	// PulseMap converts a pulse count (1..10) into a digit; nil is the
	// common mapping (1→'1' … 9→'9', 10→'0').
	PulseMap func(pulses int) (byte, bool)
}

// DefaultHookConfig is the common North American / European setting: flash
// 100–800 ms, 10 pps rotary dials.
var DefaultHookConfig = HookConfig{
	FlashMin:      100 * time.Millisecond,
	FlashMax:      800 * time.Millisecond,
	PulseMin:      15 * time.Millisecond,
	PulseDigitGap: 300 * time.Millisecond,
}

// PulseSweden is the Swedish rotary dial: n+1 pulses for digit n (one
// pulse for 0, ten for 9).
func PulseSweden(n int) (byte, bool) {
	if n >= 1 && n <= 10 {
		return byte('0' + n - 1), true
	}
	return 0, false
}

// PulseNewZealand is the New Zealand rotary dial: 10-n pulses for digit n
// (ten for 0, one for 9).
func PulseNewZealand(n int) (byte, bool) {
	if n >= 1 && n <= 10 {
		return byte('0' + 10 - n), true
	}
	return 0, false
}

// PulseMapNamed returns the pulse numbering called name: "normal" (or ""),
// "sweden", "newzealand".
func PulseMapNamed(name string) (func(int) (byte, bool), error) {
	switch name {
	case "", "normal":
		return standardPulses, nil
	case "sweden", "se":
		return PulseSweden, nil
	case "newzealand", "nz":
		return PulseNewZealand, nil
	}
	return nil, fmt.Errorf("fxs: unknown pulse dialling %q (normal, sweden, newzealand)", name)
}

func standardPulses(n int) (byte, bool) {
	switch {
	case n >= 1 && n <= 9:
		return byte('0' + n), true
	case n == 10:
		return '0', true
	}
	return 0, false
}

// Hook classifies raw hook transitions. It is a value owned by the channel
// loop; Raw and Tick are called with the loop's clock.
type Hook struct {
	cfg        HookConfig
	offHook    bool          // confirmed state
	rawOff     bool          // raw switch position
	breakStart time.Duration // raw on-hook began (while confirmed off hook)
	inBreak    bool
	pulses     int
	lastMake   time.Duration
}

// NewHook returns a classifier with the phone on hook.
func NewHook(cfg HookConfig) Hook {
	if cfg.PulseMap == nil {
		cfg.PulseMap = standardPulses
	}
	return Hook{cfg: cfg}
}

// OffHook reports the confirmed hook state.
func (h *Hook) OffHook() bool { return h.offHook }

// Raw feeds a raw hook transition (off = phone off hook) seen at now and
// appends the classified events to evs.
func (h *Hook) Raw(off bool, now time.Duration, evs []Event) []Event {
	if off == h.rawOff {
		return evs
	}
	h.rawOff = off
	if !h.offHook {
		if off {
			h.offHook = true
			h.pulses = 0
			evs = append(evs, Event{Kind: EvOffHook})
		}
		return evs
	}
	if !off {
		h.inBreak = true
		h.breakStart = now
		return evs
	}
	// Back off hook after a break while confirmed off hook.
	h.inBreak = false
	d := now - h.breakStart
	switch {
	case d < h.cfg.PulseMin:
		// contact bounce
	case d < h.cfg.FlashMin:
		h.pulses++
		h.lastMake = now
	case d <= h.cfg.FlashMax:
		h.pulses = 0
		evs = append(evs, Event{Kind: EvFlash})
	}
	return evs
}

// Tick advances time: a break longer than FlashMax becomes EvOnHook and a
// finished train of pulses becomes EvDigit.
func (h *Hook) Tick(now time.Duration, evs []Event) []Event {
	if h.inBreak && now-h.breakStart > h.cfg.FlashMax {
		h.inBreak = false
		h.offHook = false
		h.pulses = 0
		return append(evs, Event{Kind: EvOnHook})
	}
	if h.pulses > 0 && !h.inBreak && now-h.lastMake >= h.cfg.PulseDigitGap {
		if d, ok := h.cfg.PulseMap(h.pulses); ok {
			evs = append(evs, Event{Kind: EvDigit, Digit: d})
		}
		h.pulses = 0
	}
	return evs
}
