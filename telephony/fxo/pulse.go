package fxo

import (
	"time"

	"tipring/hal"
)

// PulseCoding maps a digit to its number of loop-disconnect pulses.
type PulseCoding uint8

const (
	// PulseStandard: 1-9 give 1-9 pulses, 0 gives 10 (ITU-T Q.23
	// companion practice, most countries).
	PulseStandard PulseCoding = iota
	// PulseSweden: n gives n+1 pulses (0 gives 1).
	PulseSweden
	// PulseNewZealand: n gives 10-n pulses (0 gives 10).
	PulseNewZealand
)

// Pulses returns the number of pulses for digit '0'-'9', or 0.
func (c PulseCoding) Pulses(digit byte) int {
	if digit < '0' || digit > '9' {
		return 0
	}
	n := int(digit - '0')
	switch c {
	case PulseSweden:
		return n + 1
	case PulseNewZealand:
		return 10 - n
	}
	if n == 0 {
		return 10
	}
	return n
}

// PulseConfig is the timing of loop-disconnect dialling. Durations are
// rounded to the channel's frame length by the port.
type PulseConfig struct {
	// Break and Make are the loop-open and loop-closed parts of one pulse:
	// 60 and 40 ms at 10 pulses per second (break ratio 60 %).
	Break, Make time.Duration
	// InterDigit is the loop-closed pause between digits (about 700 ms).
	InterDigit time.Duration
	Coding     PulseCoding
}

// DefaultPulse is 10 pps, 60/40, 700 ms between digits, standard coding.
var DefaultPulse = PulseConfig{Break: 60 * time.Millisecond, Make: 40 * time.Millisecond, InterDigit: 700 * time.Millisecond}

// pulseDialer sends digits as timed loop breaks. step is called once per
// frame with the frame's time; it issues the hook operations that fell due
// and does not allocate.
type pulseDialer struct {
	cfg    PulseConfig
	digits string
	i      int  // index of the digit being sent
	left   int  // pulses left in it
	broken bool // the loop is open now
	next   time.Duration
	active bool
}

func (p *pulseDialer) start(cfg PulseConfig, digits string, now time.Duration) {
	*p = pulseDialer{cfg: cfg, digits: digits, next: now, active: digits != ""}
}

func (p *pulseDialer) stop() { p.active = false }

// step performs the operations due at now through hook and reports whether
// the last pulse has just been sent (the loop is closed again).
func (p *pulseDialer) step(now time.Duration, hook func(hal.Hook)) (done bool) {
	for p.active && p.next <= now {
		if p.broken {
			hook(hal.HookOffHook)
			p.broken = false
			p.left--
			if p.left > 0 {
				p.next += p.cfg.Make
				continue
			}
			p.i++
			if p.i >= len(p.digits) {
				p.active = false
				return true
			}
			p.next += p.cfg.InterDigit
			continue
		}
		if p.left == 0 {
			p.left = p.cfg.Coding.Pulses(p.digits[p.i])
			if p.left == 0 {
				p.i++ // not a pulse digit: skipped (the machine rejects them)
				if p.i >= len(p.digits) {
					p.active = false
					return true
				}
				continue
			}
		}
		hook(hal.HookOnHook)
		p.broken = true
		p.next += p.cfg.Break
	}
	return false
}
