package sim

import (
	"fmt"
	"time"

	"tipring/dsp/dtmf"
	"tipring/hal"
)

// Keypad and rotary dial timing of the virtual phones.
const (
	// DTMFOn and DTMFOff are the keypad's tone and pause durations (Q.24
	// asks receivers to accept 40 ms of each; phones send longer).
	DTMFOn  = 80 * time.Millisecond
	DTMFOff = 80 * time.Millisecond
	// DTMFLowLevel and DTMFHighLevel are the levels of the row and column
	// tone, dBm0 (Q.23 sending levels, high group 2 dB stronger).
	DTMFLowLevel  = -7.0
	DTMFHighLevel = -5.0
	// PulseBreak and PulseMake are the loop-open and loop-closed parts of a
	// dial pulse at 10 pulses per second with a 60 % break ratio.
	PulseBreak = 60 * time.Millisecond
	PulseMake  = 40 * time.Millisecond
	// PulsePause is the loop-closed time between the pulse trains of two
	// digits.
	PulsePause = 700 * time.Millisecond
	// maxRingTimes bounds the ring history a phone keeps.
	maxRingTimes = 1024
)

type hookStep struct {
	at      time.Duration
	offHook bool
}

// Phone is the virtual analog phone on an FXS port: hook switch, keypad
// (DTMF through the microphone) and rotary dial (loop pulses), ringer,
// microphone audio and an earpiece that records what it hears.
type Phone struct {
	b    *Board
	port int
	ep   *endpoint

	offHook    bool
	ringing    bool // the port is ringing (a cadence is running)
	cadence    []time.Duration
	ringStart  time.Duration
	ringerOn   bool
	rings      int
	ringTimes  [][2]time.Duration
	reversed   bool
	vmwi       bool
	steps      []hookStep // pulse dialling and flashes, in time order
	pulseEnd   time.Duration
	keypad     *dtmf.Generator
	mic        player
	ear        recorder
	scratch    []int16
	digitsSent []byte
}

func newPhone(b *Board, port int, ep *endpoint) *Phone {
	p := &Phone{
		b:       b,
		port:    port,
		ep:      ep,
		cadence: b.zone.RingCadence,
		keypad: dtmf.NewGenerator(dtmf.GenConfig{
			LowDBm0: DTMFLowLevel, HighDBm0: DTMFHighLevel, On: DTMFOn, Off: DTMFOff,
		}),
		scratch: make([]int16, b.frameN),
	}
	return p
}

func (p *Phone) errorf(format string, args ...any) error {
	return fmt.Errorf("sim: phone %d: "+format, append([]any{p.port}, args...)...)
}

func (p *Phone) opened() {
	p.cadence = p.b.zone.RingCadence
	if p.offHook {
		p.ep.eventLocked(hal.Event{Kind: hal.EventOffHook})
	}
}

func (p *Phone) closed() {
	p.stopRingLocked(false)
	p.reversed = false
}

// hookLocked carries out a hook command from the FXS channel.
func (p *Phone) hookLocked(op hal.Hook) error {
	switch op {
	case hal.HookOnHook:
		p.stopRingLocked(true)
		p.reversed = false
	case hal.HookRing:
		if !p.offHook && !p.ringing {
			p.ringing = true
			p.ringStart = p.b.nowLocked()
		}
	case hal.HookRingOff:
		p.stopRingLocked(true)
	default:
		return hal.ErrNotSupported
	}
	return nil
}

// stopRingLocked ends ringing; a burst in progress ends now and, when
// report is set, the channel gets EventRingerOff.
func (p *Phone) stopRingLocked(report bool) {
	p.ringing = false
	if p.ringerOn {
		p.ringerOn = false
		p.ringTimes[len(p.ringTimes)-1][1] = p.b.nowLocked()
		if report {
			p.ep.eventLocked(hal.Event{Kind: hal.EventRingerOff})
		}
	}
}

func (p *Phone) setHookLocked(off bool) {
	if p.offHook == off {
		return
	}
	p.offHook = off
	if off {
		// Ring trip: loop current during ringing stops the ringer at once.
		// Like DAHDI, only the off-hook event is reported.
		p.stopRingLocked(false)
		p.ep.eventLocked(hal.Event{Kind: hal.EventOffHook})
	} else {
		p.ep.eventLocked(hal.Event{Kind: hal.EventOnHook})
	}
}

func (p *Phone) signal(t time.Duration) {
	for len(p.steps) > 0 && p.steps[0].at <= t {
		p.setHookLocked(p.steps[0].offHook)
		p.steps = p.steps[1:]
	}
	if !p.ringing {
		return
	}
	on := cadenceOn(p.cadence, t-p.ringStart)
	switch {
	case on && !p.ringerOn:
		p.ringerOn = true
		p.rings++
		if len(p.ringTimes) == maxRingTimes {
			p.ringTimes = append(p.ringTimes[:0], p.ringTimes[1:]...)
		}
		p.ringTimes = append(p.ringTimes, [2]time.Duration{t, 0})
		p.ep.eventLocked(hal.Event{Kind: hal.EventRingerOn})
	case !on && p.ringerOn:
		p.ringerOn = false
		p.ringTimes[len(p.ringTimes)-1][1] = t
		p.ep.eventLocked(hal.Event{Kind: hal.EventRingerOff})
	}
}

// cadenceOn reports whether position d of a repeating on/off cadence is in
// an "on" part.
func cadenceOn(cad []time.Duration, d time.Duration) bool {
	var total time.Duration
	for _, c := range cad {
		total += c
	}
	if total <= 0 {
		return false
	}
	d %= total
	for i, c := range cad {
		if d < c {
			return i%2 == 0
		}
		d -= c
	}
	return false
}

func (p *Phone) hear(tx []int16, _ time.Duration) {
	p.ear.write(tx)
}

func (p *Phone) speak(rx []int16, _ time.Duration) bool {
	// The keypad and the microphone only reach the line while the loop is
	// closed, but their sources run on regardless.
	if n := p.keypad.Fill(p.scratch); n > 0 && p.offHook {
		addSat(rx[:n], p.scratch[:n])
	}
	if p.mic.fill(p.scratch) && p.offHook {
		addSat(rx, p.scratch)
	}
	return p.offHook
}

// OffHook lifts the handset. If the port is ringing this is a ring trip.
func (p *Phone) OffHook() {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.steps = nil
	p.setHookLocked(true)
}

// OnHook hangs up, cancelling any pulse dialling or flash in progress.
func (p *Phone) OnHook() {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.steps = nil
	p.setHookLocked(false)
}

// Flash opens the loop for d and closes it again (a hook flash is 100-
// 1000 ms depending on the country; the telephony layer classifies it).
func (p *Phone) Flash(d time.Duration) error {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if !p.offHook && len(p.steps) == 0 {
		return p.errorf("flash: on hook")
	}
	at := max(p.b.nowLocked(), p.pulseEnd)
	p.steps = append(p.steps, hookStep{at, false}, hookStep{at + d, true})
	p.pulseEnd = at + d
	return nil
}

// Dial queues digits (0-9, *, #, A-D) on the keypad: DTMF through the
// microphone, DTMFOn tone and DTMFOff pause per digit. It returns once the
// digits are queued; DialWait also waits until they have been sent.
func (p *Phone) Dial(digits string) error {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.dialLocked(digits)
}

func (p *Phone) dialLocked(digits string) error {
	if !p.offHook {
		return p.errorf("dial %q: on hook", digits)
	}
	if err := p.keypad.Queue(digits); err != nil {
		return p.errorf("dial %q: %w", digits, err)
	}
	p.digitsSent = append(p.digitsSent, digits...)
	return nil
}

// DialWait dials like Dial and blocks until the keypad and the rotary dial
// have sent everything queued.
func (p *Phone) DialWait(digits string) error {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if digits != "" {
		if err := p.dialLocked(digits); err != nil {
			return err
		}
	}
	if err := p.b.waitLocked(-1, func() bool {
		return !p.keypad.Busy() && len(p.steps) == 0 && p.b.nowLocked() >= p.pulseEnd
	}); err != nil {
		return p.errorf("dial: %w", err)
	}
	return nil
}

// DialPulse dials digits (0-9) with the rotary dial: for each digit, n loop
// breaks (ten for 0) of PulseBreak separated by PulseMake, and PulsePause
// with the loop closed between digits. The channel sees the raw on-hook and
// off-hook transitions. It returns once the digits are queued.
func (p *Phone) DialPulse(digits string) error {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	if !p.offHook && len(p.steps) == 0 {
		return p.errorf("dial pulse %q: on hook", digits)
	}
	for _, d := range []byte(digits) {
		if d < '0' || d > '9' {
			return p.errorf("dial pulse %q: %q is not a rotary digit", digits, d)
		}
	}
	at := max(p.b.nowLocked(), p.pulseEnd)
	for i, d := range []byte(digits) {
		if i > 0 {
			at += PulsePause - PulseMake
		}
		n := int(d - '0')
		if n == 0 {
			n = 10
		}
		for range n {
			p.steps = append(p.steps, hookStep{at, false}, hookStep{at + PulseBreak, true})
			at += PulseBreak + PulseMake
		}
	}
	p.pulseEnd = at - PulseMake + PulsePause
	p.digitsSent = append(p.digitsSent, digits...)
	return nil
}

// PlayTone speaks a steady sine into the microphone.
func (p *Phone) PlayTone(freq, levelDBm0 float64) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.mic.playTone(freq, levelDBm0)
}

// PlaySamples speaks s (copied) into the microphone, once or looped.
func (p *Phone) PlaySamples(s []int16, loop bool) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.mic.playSamples(s, loop)
}

// StopPlay silences the microphone.
func (p *Phone) StopPlay() {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.mic.stop()
}

// IsOffHook reports the hook switch.
func (p *Phone) IsOffHook() bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.offHook
}

// Ringing reports whether the ringer is sounding now (inside a burst).
func (p *Phone) Ringing() bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.ringerOn
}

// Rings returns the number of ring bursts sounded so far.
func (p *Phone) Rings() int {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.rings
}

// RingTimes returns the board times at which each ring burst started and
// ended (0 while a burst is still sounding), oldest first.
func (p *Phone) RingTimes() [][2]time.Duration {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return append([][2]time.Duration(nil), p.ringTimes...)
}

// Reversed reports whether the port's battery polarity is reversed.
func (p *Phone) Reversed() bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.reversed
}

// VMWI reports whether the message-waiting lamp is lit.
func (p *Phone) VMWI() bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.vmwi
}

// Listen blocks for d of board time and returns exactly what the earpiece
// heard in that time.
func (p *Phone) Listen(d time.Duration) []int16 {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.b.listenLocked(&p.ear, d)
}

// Heard returns the last d of earpiece audio (up to 32 s).
func (p *Phone) Heard(d time.Duration) []int16 {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.ear.last(samples(d))
}

// Port returns the phone's FXS port number (1-based).
func (p *Phone) Port() int { return p.port }

// Channel returns the FXS channel the phone hangs on.
func (p *Phone) Channel() hal.ChannelInfo { return p.ep.info }
