package sim

import (
	"time"

	"tipring/dsp/measure"
)

// player is an audio source: a steady sine or a sample buffer.
type player struct {
	mode    int // 0 idle, 1 sine, 2 samples
	freq    float64
	level   float64
	phase   float64
	samples []int16
	pos     int
	loop    bool
}

func (p *player) playTone(freq, levelDBm0 float64) {
	*p = player{mode: 1, freq: freq, level: levelDBm0}
}

func (p *player) playSamples(s []int16, loop bool) {
	*p = player{mode: 2, samples: append([]int16(nil), s...), loop: loop}
	if len(s) == 0 {
		p.mode = 0
	}
}

func (p *player) stop() { *p = player{} }

func (p *player) active() bool { return p.mode != 0 }

// fill writes the next len(dst) samples into dst (zeros past the end of a
// one-shot buffer) and reports whether it wrote anything.
func (p *player) fill(dst []int16) bool {
	switch p.mode {
	case 1:
		p.phase = measure.Sine(dst, p.freq, p.level, p.phase)
		return true
	case 2:
		n := 0
		for n < len(dst) {
			c := copy(dst[n:], p.samples[p.pos:])
			n += c
			p.pos += c
			if p.pos == len(p.samples) {
				if !p.loop {
					clear(dst[n:])
					p.stop()
					break
				}
				p.pos = 0
			}
		}
		return true
	}
	return false
}

// recorder keeps the last historyLen samples heard and serves captures of
// what is heard from now on.
type recorder struct {
	ring     []int16 // nil until the first non-silent frame
	pos      int
	captures []*capture
}

type capture struct {
	buf []int16
	n   int
}

func (r *recorder) write(x []int16) {
	kept := r.captures[:0]
	for _, c := range r.captures {
		c.n += copy(c.buf[c.n:], x)
		if c.n < len(c.buf) {
			kept = append(kept, c)
		}
	}
	clear(r.captures[len(kept):])
	r.captures = kept
	if r.ring == nil {
		silent := true
		for _, v := range x {
			if v != 0 {
				silent = false
				break
			}
		}
		if silent {
			return
		}
		r.ring = make([]int16, historyLen)
		r.pos = 0
	}
	for len(x) > 0 {
		c := copy(r.ring[r.pos:], x)
		x = x[c:]
		r.pos = (r.pos + c) % len(r.ring)
	}
}

// last returns the last n samples heard (zeros before the first).
func (r *recorder) last(n int) []int16 {
	out := make([]int16, n)
	if r.ring == nil {
		return out
	}
	k := min(n, len(r.ring))
	start := (r.pos - k + len(r.ring)) % len(r.ring)
	dst := out[n-k:]
	c := copy(dst, r.ring[start:])
	copy(dst[c:], r.ring[:k-c])
	return out
}

// listen blocks until n samples from now on have been heard.
func (b *Board) listenLocked(r *recorder, d time.Duration) []int16 {
	c := &capture{buf: make([]int16, samples(d))}
	if len(c.buf) == 0 {
		return c.buf
	}
	r.captures = append(r.captures, c)
	if err := b.waitLocked(-1, func() bool { return c.n == len(c.buf) }); err != nil {
		for i, x := range r.captures {
			if x == c {
				r.captures = append(r.captures[:i], r.captures[i+1:]...)
				break
			}
		}
	}
	return c.buf[:c.n]
}

// Party is a far-end party: the person at the other end of an office line
// or of an E1 B-channel. It plays audio into the call and records what it
// hears.
type Party struct {
	b       *Board
	name    string
	play    player
	ear     recorder
	scratch []int16
}

func newParty(b *Board, name string) *Party {
	return &Party{b: b, name: name, scratch: make([]int16, b.frameN)}
}

// speak mixes the party's audio into rx.
func (p *Party) speak(rx []int16) {
	if p.play.fill(p.scratch) {
		addSat(rx, p.scratch)
	}
}

// PlayTone makes the party send a steady sine at freq Hz and levelDBm0.
func (p *Party) PlayTone(freq, levelDBm0 float64) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.play.playTone(freq, levelDBm0)
}

// PlaySamples makes the party send s (copied), once or looped.
func (p *Party) PlaySamples(s []int16, loop bool) {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.play.playSamples(s, loop)
}

// StopPlay silences the party.
func (p *Party) StopPlay() {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	p.play.stop()
}

// Playing reports whether the party is sending audio.
func (p *Party) Playing() bool {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.play.active()
}

// Listen blocks for d of board time and returns exactly what the party
// heard in that time (fewer samples only if the board closes).
func (p *Party) Listen(d time.Duration) []int16 {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.b.listenLocked(&p.ear, d)
}

// Heard returns the last d of audio the party heard (up to 32 s).
func (p *Party) Heard(d time.Duration) []int16 {
	p.b.mu.Lock()
	defer p.b.mu.Unlock()
	return p.ear.last(samples(d))
}

// bearerSide puts a Party directly on a B-channel: a clear digital channel
// with no hybrid and no signalling.
type bearerSide struct{ p *Party }

func (s *bearerSide) signal(time.Duration) {}

func (s *bearerSide) hear(tx []int16, _ time.Duration) { s.p.ear.write(tx) }

func (s *bearerSide) speak(rx []int16, _ time.Duration) bool {
	s.p.speak(rx)
	return false
}

func (s *bearerSide) opened() {}
func (s *bearerSide) closed() {}
