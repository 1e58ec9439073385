package gateway

import (
	"strconv"
	"time"

	"tipring/dsp/tone"
	"tipring/sip"
	"tipring/sip/media"
	"tipring/telephony/fxo"
	"tipring/telephony/fxs"
)

// party is the far end of one of a port's calls, as a transfer sees it:
// another phone, a SIP call or a PSTN line.
type party struct {
	port   *port
	sc     *sip.Call
	ln     *line
	number string // for the call record
	leg    string
}

// partyOf returns the far party of port p in call c; false when c has
// none a transfer can take (a call between a line and a SIP party does not
// involve a port).
func partyOf(p *port, c *call) (party, bool) {
	switch {
	case c.ln != nil && c.sc == nil:
		n := c.from
		if c.lineOut {
			n = c.to
		}
		return party{ln: c.ln, number: n, leg: c.ln.name}, true
	case c.sc != nil && c.ln == nil:
		r := c.sc.Remote()
		return party{sc: c.sc, number: r.Number, leg: r.URI}, true
	case c.sc == nil && c.ln == nil:
		o := c.other(p)
		if o == nil || o == p {
			return party{}, false
		}
		n := o.cfg.Extension
		if n == "" {
			n = o.name()
		}
		return party{port: o, number: n, leg: o.name()}, true
	}
	return party{}, false
}

// transferMixed connects the held party of port p with the party of its
// consultation call when they are not both phones nor both SIP calls: a
// phone with a SIP call or a PSTN line, a SIP call with a line. The
// gateway bridges the two itself: a SIP media session or a line is
// attached to the phone's channel loop (mediaLeg, crossLeg), a SIP call's
// media to a line's (lineLeg). While the consultation target (a phone or a
// SIP party) still rings, the held party hears ringback and is connected
// when the target answers (blind transfer); an answered target is joined
// at once (attended), and so is a line, whose progress tones the held
// party then hears. The two old calls end with cause "transferred"; the
// joined call is a new one with direction "transfer". Two lines are not
// joined (false: the caller hangs both up).
func (g *Gateway) transferMixed(p *port, held, consult *call) bool {
	hp, ok1 := partyOf(p, held)
	cp, ok2 := partyOf(p, consult)
	if !ok1 || !ok2 || held.answer.IsZero() {
		return false
	}
	if (hp.ln != nil && cp.ln != nil) || (hp.sc != nil && cp.sc != nil) ||
		(hp.port != nil && (hp.port == cp.port || cp.port != nil)) {
		return false
	}
	pending := consult.answer.IsZero() && cp.ln == nil
	nc := g.newCall("transfer", hp.number, cp.number)
	nc.xfer = true
	nc.srcLeg, nc.dstLeg = hp.leg, cp.leg
	nc.a, nc.b = hp.port, cp.port
	nc.sc = hp.sc
	if cp.sc != nil {
		nc.sc = cp.sc
	}
	nc.ln = hp.ln
	if cp.ln != nil {
		nc.ln, nc.lineOut = cp.ln, true
	}
	if !consult.answer.IsZero() && cp.ln != nil {
		nc.answer = consult.answer
	}
	// The SIP watchers and the line now report to the new call.
	held.next, consult.next = nc, nc
	if nc.ln != nil {
		nc.ln.call = nc
	}
	if consult.answer.IsZero() {
		consult.cancelled = true
	}
	p.call, p.held, p.conf = nil, nil, false
	// The phone leaves: its loop must no longer feed a media session or a
	// line the other party takes over.
	p.p.Attach(nil)
	g.endCall(held, "transferred")
	g.endCall(consult, "transferred")
	if nc.a != nil {
		nc.a.call = nc
	}
	if nc.b != nil {
		nc.b.call = nc
	}
	if hp.sc != nil {
		// Taken off hold so that it hears ringback or the target.
		if err := hp.sc.Resume(); err != nil {
			g.log.Warn("resume after transfer", "call", nc.id, "err", err)
		}
	}
	g.log.Info("transfer", "call", nc.id, "by", p.name(), "from", hp.leg, "to", cp.leg, "attended", !pending)
	if !pending {
		g.xferJoin(nc)
		return true
	}
	nc.state = "ringing"
	switch {
	case hp.port != nil:
		hp.port.p.Attach(newToneLeg(g.zone, tone.Ringback))
	case hp.ln != nil:
		hp.ln.p.Attach(newToneLeg(hp.ln.zone, tone.Ringback))
	case hp.sc != nil:
		if m := hp.sc.Media(); m != nil {
			nc.stopTone = sipRingback(m, g.zone)
		}
	}
	return true
}

// xferJoin connects the two parties of transferred call c.
func (g *Gateway) xferJoin(c *call) {
	c.stopRingback()
	if c.answer.IsZero() {
		c.answer = time.Now()
	}
	c.state = "connected"
	ph := c.a
	if ph == nil {
		ph = c.b
	}
	switch {
	case c.a != nil && c.b != nil:
		la, lb := crossConnect(c.a.ch.FrameSamples())
		c.legs = map[*port]fxs.AudioLeg{c.a: la, c.b: lb}
		c.a.p.Attach(la)
		c.b.p.Attach(lb)
		c.codec = "L16"
	case c.sc != nil && c.ln != nil:
		c.legs = nil
		if c.sc.Media() != nil {
			c.ln.p.Attach(newLineLeg(c.sc, c.ln.ch.FrameSamples()))
		}
		c.codec = c.sc.Codec()
	case c.ln != nil:
		la, lb := crossConnect(ph.ch.FrameSamples())
		c.legs = map[*port]fxs.AudioLeg{ph: lb}
		c.ln.p.Attach(la)
		ph.p.Attach(lb)
		c.codec = "L16"
	case c.sc != nil:
		c.legs = nil
		if m := c.sc.Media(); m != nil {
			leg := sipLeg(c.sc, m)
			c.legs = map[*port]fxs.AudioLeg{ph: leg}
			ph.p.Attach(leg)
		}
		c.codec = c.sc.Codec()
	}
}

// xferSIPEvent handles an event of the SIP leg of transferred call c: the
// consultation target answering joins the parties; the SIP party leaving
// or failing clears the rest.
func (g *Gateway) xferSIPEvent(c *call, ev sip.Event) {
	switch ev.Kind {
	case sip.EventAnswered:
		if c.answer.IsZero() {
			g.xferJoin(c)
		}
	case sip.EventFailed:
		g.xferClear(c, "sip "+strconv.Itoa(ev.Code))
	case sip.EventEnded:
		g.xferClear(c, "remote")
	}
}

// xferClear ends transferred call c: its phones hear the far end leave (a
// still ringing one stops), its SIP leg is hung up, its line released.
func (g *Gateway) xferClear(c *call, cause string) {
	for _, p := range []*port{c.a, c.b} {
		if p == nil {
			continue
		}
		g.tell(p, c, func() {
			if p == c.b && c.answer.IsZero() {
				p.p.CancelRing()
				return
			}
			p.p.FarHangup()
		})
	}
	if c.sc != nil {
		c.sc.Hangup()
	}
	if c.answer.IsZero() {
		c.cancelled = true
	}
	g.endCall(c, cause)
}

// stopRingback ends the ringback played to c's waiting SIP party, if any.
func (c *call) stopRingback() {
	if c.stopTone != nil {
		c.stopTone()
		c.stopTone = nil
	}
}

// current follows a transferred call to the call that took it over.
func (c *call) current() *call {
	for c.next != nil {
		c = c.next
	}
	return c
}

// sipRingback plays the zone's ringback tone into a SIP media session
// clocked by the wall clock, for a SIP party waiting for the target of a
// blind transfer: no channel loop clocks its media meanwhile. The returned
// stop waits for the player to end, so that a port's loop can take over
// the session.
func sipRingback(s *media.Session, z *tone.Zone) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		ring := newToneLeg(z, tone.Ringback)
		frame := make([]int16, 160) // 20 ms
		start, frames := time.Now(), 0
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tk.C:
			}
			// Catch up on every frame due, as a TDM clock would.
			for due := int(time.Since(start) / (20 * time.Millisecond)); frames < due; frames++ {
				ring.Pull(frame)
				s.Push(frame)
			}
		}
	}()
	return func() { close(quit); <-done }
}

// xferLineNote handles what differs for the line of a transferred call:
// it is joined already, so progress only marks the answer; a failed line
// clears the call. False leaves the note to onLineNote.
func (g *Gateway) xferLineNote(c *call, n fxo.Note) bool {
	switch n.Kind {
	case fxo.NoteProceeding, fxo.NoteAnswered, fxo.NoteDigits, fxo.NoteRingStopped, fxo.NoteCallerID:
		return true
	case fxo.NoteFailed:
		g.xferClear(c, "line "+n.Reason.String())
		return true
	}
	return false
}
