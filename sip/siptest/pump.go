package siptest

import (
	"sync"
	"time"

	"tipring/dsp/measure"
	"tipring/sip/media"
)

// Pump clocks a SIP peer's media session in real time, like a TDM source:
// every 20 ms it pushes a frame (a tone or silence), pulls a frame into a
// recording and collects the RFC 4733 digits received. After a late tick it
// catches up on every frame that is due.
//
// Its methods may be called from any goroutine.
type Pump struct {
	s    *media.Session
	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex
	freq   float64
	level  float64
	heard  []int16
	digits []byte
}

// NewPump starts clocking s; stop it with Close.
func NewPump(s *media.Session) *Pump {
	p := &Pump{s: s, stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

func (p *Pump) run() {
	defer close(p.done)
	tx, rx := make([]int16, 160), make([]int16, 160)
	phase := 0.0
	start := time.Now()
	frames := 0
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		// Like a TDM clock, catch up on every frame that is due: a ticker
		// alone drops ticks when the machine is busy.
		for due := int(time.Since(start) / (20 * time.Millisecond)); frames < due; frames++ {
			p.frame(tx, rx, &phase)
		}
	}
}

func (p *Pump) frame(tx, rx []int16, phase *float64) {
	p.mu.Lock()
	if p.freq > 0 {
		*phase = measure.Sine(tx, p.freq, p.level, *phase)
	} else {
		clear(tx)
	}
	p.mu.Unlock()
	p.s.Push(tx)
	p.s.Pull(rx)
	p.mu.Lock()
	p.heard = append(p.heard, rx...)
	for {
		ev, ok := p.s.PollDTMF()
		if !ok {
			break
		}
		if !ev.End {
			p.digits = append(p.digits, ev.Digit)
		}
	}
	p.mu.Unlock()
}

// Play sends a sine of freq Hz at level dBm0 from now on; freq 0 sends
// silence.
func (p *Pump) Play(freq, level float64) {
	p.mu.Lock()
	p.freq, p.level = freq, level
	p.mu.Unlock()
}

// Listen returns what the peer hears during the next d.
func (p *Pump) Listen(d time.Duration) []int16 {
	p.mu.Lock()
	start := len(p.heard)
	p.mu.Unlock()
	time.Sleep(d)
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int16(nil), p.heard[start:]...)
}

// Digits returns the RFC 4733 digits received so far, one per event.
func (p *Pump) Digits() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return string(p.digits)
}

// Close stops the clock and waits for it.
func (p *Pump) Close() {
	close(p.stop)
	<-p.done
}
