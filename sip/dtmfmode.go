package sip

import (
	"time"
)

// infoDefaultDuration is the Duration sent for a digit whose end we did
// not see.
const infoDefaultDuration = 100 * time.Millisecond

// infoSender sends the digits of a call in INFO requests, one at a time
// and in order, from one goroutine started with the first digit; it ends
// with the call. Its fields are guarded by Call.mu.
type infoSender struct {
	q       chan InfoDTMF
	pending bool // a BeginDTMF waits for its EndDTMF
	digit   byte
	start   time.Time
}

// DTMFMode returns how the call sends digits (Account.DTMF): DTMFRFC4733,
// DTMFInfo or DTMFInband. With DTMFInband BeginDTMF and EndDTMF do
// nothing: the digits must stay in the audio the caller pushes.
func (c *Call) DTMFMode() string { return c.acc.dtmf }

// BeginDTMF starts sending digit (0-9 * # A-D, '!' flash) the account's
// way: an RFC 4733 telephone-event from the media session, or, in "info"
// mode, an INFO request once EndDTMF tells its duration. It never blocks.
func (c *Call) BeginDTMF(digit byte) {
	switch c.acc.dtmf {
	case DTMFRFC4733:
		if m := c.Media(); m != nil {
			m.BeginDTMF(digit)
		}
	case DTMFInfo:
		c.mu.Lock()
		if c.dtmfTx.pending {
			c.queueInfoLocked(c.dtmfTx.digit, time.Since(c.dtmfTx.start))
		}
		c.dtmfTx.pending, c.dtmfTx.digit, c.dtmfTx.start = true, digit, time.Now()
		c.mu.Unlock()
	}
}

// EndDTMF ends the digit BeginDTMF started. It never blocks.
func (c *Call) EndDTMF() {
	switch c.acc.dtmf {
	case DTMFRFC4733:
		if m := c.Media(); m != nil {
			m.EndDTMF()
		}
	case DTMFInfo:
		c.mu.Lock()
		if c.dtmfTx.pending {
			c.dtmfTx.pending = false
			c.queueInfoLocked(c.dtmfTx.digit, time.Since(c.dtmfTx.start))
		}
		c.mu.Unlock()
	}
}

// SendDTMF sends digit lasting d the account's way. It never blocks.
func (c *Call) SendDTMF(digit byte, d time.Duration) {
	switch c.acc.dtmf {
	case DTMFRFC4733:
		if m := c.Media(); m != nil {
			m.SendDTMF(digit, d)
		}
	case DTMFInfo:
		c.mu.Lock()
		c.queueInfoLocked(digit, d)
		c.mu.Unlock()
	}
}

// queueInfoLocked hands a digit to the call's INFO sender.
func (c *Call) queueInfoLocked(digit byte, d time.Duration) {
	if c.state == stateEnded {
		return
	}
	if d <= 0 {
		d = infoDefaultDuration
	}
	if c.dtmfTx.q == nil {
		c.dtmfTx.q = make(chan InfoDTMF, infoQueueLen)
		go c.sendInfoLoop(c.dtmfTx.q)
	}
	select {
	case c.dtmfTx.q <- InfoDTMF{Digit: digit, Duration: d}:
	default:
		c.log.Warn("sip: INFO digit dropped, queue full", "digit", string(rune(digit)))
	}
}

func (c *Call) sendInfoLoop(q <-chan InfoDTMF) {
	for {
		select {
		case d := <-q:
			if err := c.SendInfoDTMF(d.Digit, d.Duration); err != nil {
				c.log.Warn("sip: INFO digit not delivered", "digit", string(rune(d.Digit)), "err", err)
			}
		case <-c.xfer.ended:
			return
		}
	}
}
