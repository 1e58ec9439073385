package dtmf

import (
	"fmt"
	"math"
	"time"
)

// GenConfig configures a Generator. Zero fields take the defaults.
type GenConfig struct {
	// LowDBm0 and HighDBm0 are the levels of the low (row) and high
	// (column) group tone. Defaults -7 and -5 dBm0: within the Q.23
	// sending ranges, with the high group 2 dB stronger to offset line
	// loss.
	LowDBm0, HighDBm0 float64
	// On and Off are the tone and pause durations of queued digits.
	// Defaults 80 ms and 80 ms.
	On, Off time.Duration
}

type genState uint8

const (
	genIdle genState = iota
	genTone
	genGap
	genContinuous
)

// Generator produces DTMF tones: queued digits with a fixed on/off cadence,
// or one open-ended digit between Start and Stop. It is not safe for
// concurrent use.
type Generator struct {
	lowAmp, highAmp float64
	on, off         int
	queue           []byte
	state           genState
	remain          int
	key             int // 1 + index into Digits of the tuned digit
	// Quadrature oscillators for the row and column tone.
	lr, li, lwr, lwi float64
	hr, hi, hwr, hwi float64
}

// NewGenerator returns an idle generator.
func NewGenerator(cfg GenConfig) *Generator {
	if cfg.LowDBm0 == 0 {
		cfg.LowDBm0 = -7
	}
	if cfg.HighDBm0 == 0 {
		cfg.HighDBm0 = -5
	}
	if cfg.On == 0 {
		cfg.On = 80 * time.Millisecond
	}
	if cfg.Off == 0 {
		cfg.Off = 80 * time.Millisecond
	}
	return &Generator{
		lowAmp:  amplitude(cfg.LowDBm0),
		highAmp: amplitude(cfg.HighDBm0),
		on:      max(samples(cfg.On), 1),
		off:     max(samples(cfg.Off), 0),
		queue:   make([]byte, 0, 32),
	}
}

// Queue appends digits (0-9, *, #, A-D; a-d are taken as A-D) to the send
// queue. Nothing is queued if any character is invalid.
func (g *Generator) Queue(digits string) error {
	for i := range len(digits) {
		if _, _, ok := position(digits[i]); !ok {
			return fmt.Errorf("dtmf: queue %q: invalid digit %q at position %d", digits, digits[i], i)
		}
	}
	if g.state == genContinuous {
		g.state = genIdle
	}
	for i := range len(digits) {
		d := digits[i]
		if d >= 'a' && d <= 'd' {
			d -= 'a' - 'A'
		}
		g.queue = append(g.queue, d)
	}
	return nil
}

// Start plays digit until Stop (or Queue) is called, discarding anything
// queued; it is meant for relaying RFC 4733 events whose end is not yet
// known. Restarting the digit that is already playing keeps its phase.
func (g *Generator) Start(digit byte) error {
	r, c, ok := position(digit)
	if !ok {
		return fmt.Errorf("dtmf: start: invalid digit %q", digit)
	}
	g.queue = g.queue[:0]
	if g.state == genContinuous && g.key == 1+r*4+c {
		return nil
	}
	g.tune(r, c)
	g.state = genContinuous
	return nil
}

// Stop silences the generator at once and discards the queue.
func (g *Generator) Stop() {
	g.state = genIdle
	g.queue = g.queue[:0]
}

// Busy reports whether a tone or pause is playing or digits are queued.
func (g *Generator) Busy() bool { return g.state != genIdle || len(g.queue) > 0 }

// Fill writes tone and pause samples into frame, overwriting it, and
// returns the number written: len(frame) while busy, fewer when the last
// queued digit's pause ends inside the frame (the rest of frame is left
// untouched), 0 when idle.
func (g *Generator) Fill(frame []int16) int {
	n := 0
	for n < len(frame) {
		switch g.state {
		case genIdle:
			if len(g.queue) == 0 {
				return n
			}
			r, c, _ := position(g.queue[0])
			copy(g.queue, g.queue[1:])
			g.queue = g.queue[:len(g.queue)-1]
			g.tune(r, c)
			g.state, g.remain = genTone, g.on
		case genTone:
			k := min(g.remain, len(frame)-n)
			g.render(frame[n : n+k])
			n += k
			g.remain -= k
			if g.remain == 0 {
				g.state, g.remain = genGap, g.off
			}
		case genGap:
			k := min(g.remain, len(frame)-n)
			clear(frame[n : n+k])
			n += k
			g.remain -= k
			if g.remain == 0 {
				g.state = genIdle
			}
		case genContinuous:
			g.render(frame[n:])
			n = len(frame)
		}
	}
	return n
}

func (g *Generator) tune(r, c int) {
	g.key = 1 + r*4 + c
	w := 2 * math.Pi * rowFreqs[r] / SampleRate
	g.lr, g.li, g.lwr, g.lwi = 1, 0, math.Cos(w), math.Sin(w)
	w = 2 * math.Pi * colFreqs[c] / SampleRate
	g.hr, g.hi, g.hwr, g.hwi = 1, 0, math.Cos(w), math.Sin(w)
}

func (g *Generator) render(out []int16) {
	lr, li, hr, hi := g.lr, g.li, g.hr, g.hi
	for i := range out {
		v := g.lowAmp*li + g.highAmp*hi
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
		lr, li = lr*g.lwr-li*g.lwi, lr*g.lwi+li*g.lwr
		hr, hi = hr*g.hwr-hi*g.hwi, hr*g.hwi+hi*g.hwr
	}
	// Keep the phasors on the unit circle.
	m := 1 / math.Sqrt(lr*lr+li*li)
	g.lr, g.li = lr*m, li*m
	m = 1 / math.Sqrt(hr*hr+hi*hi)
	g.hr, g.hi = hr*m, hi*m
}
