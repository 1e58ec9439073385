package sim

import (
	"errors"
	"fmt"
	"time"

	"tipring/hal"
)

// Network is the virtual network side of an E1 span: a far-end Party on
// every B-channel (always connected: a clear 64 kbit/s channel) and the
// peer of the D-channel, which exchanges whole HDLC frames through queues
// (the FCS is the framer's business and is not modelled).
type Network struct {
	b       *Board
	span    *span
	bearers [32]*Party
	dch     *endpoint
	alarms  hal.Alarm
}

// ErrTimeout is returned by ReceiveHDLC when no frame arrives in time.
var ErrTimeout = errors.New("sim: timeout")

// Span returns the span number.
func (n *Network) Span() int { return n.span.info.Number }

// Bearer returns the far-end party of B-channel ch (1-15, 17-31).
func (n *Network) Bearer(ch int) (*Party, error) {
	if ch < 1 || ch > 31 || n.bearers[ch] == nil {
		return nil, fmt.Errorf("sim: span %d: channel %d is not a B-channel", n.Span(), ch)
	}
	return n.bearers[ch], nil
}

// SendHDLC delivers frame to our D-channel's ReadHDLC. Frames sent while
// the channel is closed are dropped, as a real link would lose them.
func (n *Network) SendHDLC(frame []byte) error {
	if len(frame) == 0 || len(frame) > maxHDLC {
		return fmt.Errorf("sim: span %d: HDLC frame of %d octets", n.Span(), len(frame))
	}
	n.b.mu.Lock()
	defer n.b.mu.Unlock()
	ep := n.dch
	if ep.h == nil {
		return nil
	}
	if len(ep.toUs) >= hdlcDepth {
		ep.hdlcDropped++
		return fmt.Errorf("sim: span %d: D-channel receive queue full", n.Span())
	}
	ep.toUs = append(ep.toUs, append([]byte(nil), frame...))
	n.b.cond.Broadcast()
	return nil
}

// ReceiveHDLC returns the next frame our D-channel wrote, waiting up to
// timeout of board time; it fails with ErrTimeout if none came.
func (n *Network) ReceiveHDLC(timeout time.Duration) ([]byte, error) {
	n.b.mu.Lock()
	defer n.b.mu.Unlock()
	ep := n.dch
	if err := n.b.waitLocked(n.b.nowLocked()+timeout, func() bool { return len(ep.fromUs) > 0 }); err != nil {
		return nil, fmt.Errorf("sim: span %d: receive HDLC: %w", n.Span(), err)
	}
	if len(ep.fromUs) == 0 {
		return nil, fmt.Errorf("sim: span %d: receive HDLC: %w", n.Span(), ErrTimeout)
	}
	f := ep.fromUs[0]
	ep.fromUs[0] = nil
	ep.fromUs = ep.fromUs[1:]
	return f, nil
}

// SetAlarm sets the span's alarms as the framer would report them; every
// open channel of the span gets EventAlarm (or EventNoAlarm for 0).
func (n *Network) SetAlarm(a hal.Alarm) {
	n.b.mu.Lock()
	defer n.b.mu.Unlock()
	if n.alarms == a {
		return
	}
	n.alarms = a
	ev := hal.Event{Kind: hal.EventAlarm, Alarms: a}
	if a == 0 {
		ev = hal.Event{Kind: hal.EventNoAlarm}
	}
	for _, ep := range n.span.eps {
		ep.eventLocked(ev)
	}
}
