package gateway

import (
	"fmt"
	"strings"

	"tipring/sip"
)

// ParseDiversionFormat maps Config.DiversionFormat to the headers an
// outgoing INVITE carries its diversions in.
func ParseDiversionFormat(s string) (sip.DiversionFormat, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "diversion":
		return sip.DiversionHeader, nil
	case "history-info":
		return sip.HistoryInfoHeader, nil
	case "both":
		return sip.DiversionHeader | sip.HistoryInfoHeader, nil
	}
	return 0, fmt.Errorf("diversion format %q (want diversion, history-info or both)", s)
}

// addDiversion records that port from forwarded call c for reason (RFC
// 5806 token), in front of the diversions the call already carried (an
// incoming SIP call's own, from Diversion or History-Info). The same port
// forwarding again for the same reason counts up its entry's counter.
func (g *Gateway) addDiversion(c *call, from *port, reason string) {
	if c.divs == nil && c.sc != nil && c.sc.Incoming() {
		c.divs = c.sc.Diverted()
	}
	n := from.cfg.Extension
	if n == "" {
		n = from.name()
	}
	if len(c.divs) > 0 && c.divs[0].Number == n && c.divs[0].Reason == reason {
		c.divs[0].Counter++
		return
	}
	d := sip.Diversion{Number: n, Name: from.cfg.CallerName, Reason: reason, Counter: 1}
	c.divs = append([]sip.Diversion{d}, c.divs...)
}

// forward sends call c, offered to port from, on to number because of
// reason ("unconditional", "user-busy", "no-answer"; RFC 5806). A local
// extension is offered the call. Any other number is routed as if dialled
// on from:
//   - an incoming SIP call to a SIP destination is redirected: 302 with
//     the route's target as Contact and a Diversion header (RFC 5806), so
//     the caller calls it itself;
//   - an incoming SIP call to a phone or a PSTN line is kept and learns
//     it is forwarded: 181 with Diversion and Call-Info purpose=forwarding
//     naming who forwarded and to whom;
//   - a phone's call is placed anew from the caller's port, a PSTN line's
//     call is sent to the destination; a new SIP INVITE carries the
//     diversions (Config.DiversionFormat).
//
// False leaves the call where it is (nothing matched, a loop, or a line
// that would be bridged to another line).
func (g *Gateway) forward(c *call, from *port, number, reason string) bool {
	if c.fwdHops >= maxForwards {
		g.log.Warn("forward loop", "call", c.id, "to", number)
		return false
	}
	sipIn := c.sc != nil && c.sc.Incoming() && c.ln == nil
	lineIn := c.ln != nil && !c.lineOut && c.sc == nil
	phoneIn := c.a != nil && c.sc == nil && c.ln == nil
	dst, local := g.byExt[number]
	var (
		rt     *route
		n      string
		toPort *port
		toLine *line
		toSIP  bool
	)
	if !local {
		r, ok := g.findRoute(g.portOrigin(from), c.from, number)
		if !ok {
			g.log.Info("forward: no route", "call", c.id, "to", number)
			return false
		}
		rt, n = r, r.calledNumber(number)
		switch {
		case rt.port != nil:
			toPort = rt.port
		case rt.grp != nil && phoneIn:
			// The caller's port dials number anew below, and that hunts
			// the group: here only see that a member is free.
			if g.pickMember(rt.grp, rt.r.Hunt, nil) < 0 {
				return false
			}
		case rt.grp != nil:
			m := g.huntMember(rt.grp, rt.r.Hunt, nil)
			if m == nil {
				return false
			}
			toPort, toLine = m.port, m.line
		default:
			toSIP = true
		}
		switch {
		case phoneIn:
			// A phone's call: placed anew from the caller's port below.
		case sipIn && (toSIP || toPort != nil || (toLine != nil && dialable(n))):
		case lineIn && (toSIP || toPort != nil):
		default:
			return false
		}
	}
	c.fwdHops++
	c.fwdFrom = from.cfg.Extension
	if from.call == c {
		from.call = nil
	}
	if from.waiting == c {
		from.waiting = nil
	}
	g.addDiversion(c, from, reason)
	g.log.Info("call forwarded", "call", c.id, "by", from.cfg.Extension, "to", number, "reason", reason)
	if sipIn && toSIP {
		_, target := g.sipTarget(rt.r, n, from.cfg.Account)
		contact := forwardContact(target)
		if err := c.sc.Redirect([]string{contact}, reason); err != nil {
			g.log.Warn("302 failed", "call", c.id, "contact", contact, "err", err)
			c.sc.Reject(480, "Temporarily Unavailable")
		}
		c.state = "redirected"
		g.endCall(c, "forwarded")
		return true
	}
	if sipIn {
		if err := c.sc.ForwardedTo(number, reason); err != nil {
			g.log.Warn("181 failed", "call", c.id, "err", err)
		}
	}
	switch {
	case local:
		c.to = number
		g.offer(c, dst)
	case phoneIn:
		caller := c.a
		c.state = "forwarded"
		divs := c.divs
		g.endCall(c, "forwarded")
		g.dial(caller, number, divs...)
	case toPort != nil:
		c.to = n
		if lineIn {
			g.ringFromLine(c, toPort)
		} else {
			g.offer(c, toPort)
		}
	case sipIn && toLine != nil:
		c.b = nil
		c.to = n
		g.seize(c, toLine, n)
		c.state = "calling"
	case lineIn && toSIP:
		c.b = nil
		c.from, c.presented = rt.callingNumber(c.from)
		account, target := g.sipTarget(rt.r, n, c.ln.cfg.Account)
		if account == "" {
			account = from.cfg.Account
		}
		g.lineToSIP(c, account, target)
	}
	return true
}

// forwardContact is the Contact of a 302 for a route's SIP target: a SIP
// URI as it is, user@host as a sip: URI, a bare number as a tel: URI (the
// caller's own proxy routes it).
func forwardContact(target string) string {
	switch {
	case strings.HasPrefix(target, "sip:") || strings.HasPrefix(target, "sips:") || strings.HasPrefix(target, "tel:"):
		return target
	case strings.Contains(target, "@"):
		return "sip:" + target
	}
	return "tel:" + target
}

// logDiverted logs the diversions an incoming SIP call arrived with
// (Diversion or History-Info): the call record has no field for them.
func (g *Gateway) logDiverted(c *call) {
	ds := c.sc.Diverted()
	if len(ds) == 0 {
		return
	}
	c.divs = ds
	g.log.Info("inbound call was diverted", "call", c.id, "by", ds[0].Number, "reason", ds[0].Reason,
		"counter", ds[0].Counter, "diversions", len(ds))
}
