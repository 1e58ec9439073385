package gateway

import (
	"context"
	"strings"
	"time"

	"tipring/dsp/cid"
	"tipring/sip"
	"tipring/telephony/fxs"
)

// callerID is the identity presented to the called port of c: the calling
// port's extension and name for local calls; for SIP calls the asserted
// identity or the From party, with privacy requested (RFC 3323 "id" or
// "header") shown as private and an anonymous or non-numeric caller as
// unavailable.
func (g *Gateway) callerID(c *call) fxs.CallerID {
	id := fxs.CallerID{Time: g.now()}
	switch {
	case c.presented && c.ln == nil:
		// A route rewrote the calling number.
		id.Number = c.from
		if c.a != nil {
			id.Name = c.a.cfg.CallerName
		} else if c.sc != nil {
			id.Name = c.sc.Remote().Name
		}
	case c.sc != nil && c.dir == "inbound":
		// The SIP side resolves P-Asserted-Identity / Remote-Party-ID over
		// From and privacy requests (RFC 3323, RFC 3325).
		ident := c.sc.Identity()
		r := c.sc.Remote()
		if ident.Number != "" {
			r.Number = ident.Number
		}
		if ident.Name != "" {
			r.Name = ident.Name
		}
		if ident.Private {
			id.NumberAbsence, id.NameAbsence = cid.Private, cid.Private
			return id
		}
		if anonymous(r) {
			id.NumberAbsence, id.NameAbsence = cid.Unavailable, cid.Unavailable
			return id
		}
		id.Number, id.Name = r.Number, r.Name
	case c.ln != nil && !c.lineOut:
		return lineCallerIDOf(c, id)
	case c.a != nil:
		id.Number, id.Name = c.a.cfg.Extension, c.a.cfg.CallerName
	}
	return id
}

// anonymous reports a caller that hides behind the RFC 3261 anonymous URI
// or has no number.
func anonymous(r sip.Party) bool {
	if strings.EqualFold(r.Number, "anonymous") || strings.Contains(strings.ToLower(r.URI), "anonymous.invalid") {
		return true
	}
	for i := range len(r.Number) {
		if c := r.Number[i]; c >= '0' && c <= '9' {
			return false
		}
	}
	return true
}

// cadence is the ring cadence for call c: a distinctive cadence when the
// INVITE's Alert-Info names one, else nil (the zone's).
func (g *Gateway) cadence(c *call) []time.Duration {
	if c.sc == nil {
		return nil
	}
	return DistinctiveCadence(c.sc.AlertInfo())
}

func msCadence(ms ...int) []time.Duration {
	d := make([]time.Duration, len(ms))
	for i, v := range ms {
		d[i] = time.Duration(v) * time.Millisecond
	}
	return d
}

// distinctive holds the Bellcore distinctive ringing patterns (GR-506
// DR1-DR5, the names Alert-Info carries as "Bellcore-drN" or
// "Bellcore-rN") and the common ring names.
var distinctive = map[string][]time.Duration{
	"dr1": msCadence(2000, 4000),
	"dr2": msCadence(800, 400, 800, 4000),
	"dr3": msCadence(400, 200, 400, 200, 800, 4000),
	"dr4": msCadence(300, 200, 1000, 200, 300, 4000),
	"dr5": msCadence(500, 5500),
}

// DistinctiveCadence maps an Alert-Info header value to a ring cadence:
// <...>;info=Bellcore-dr2, <http://.../Bellcore-dr3>, info=alert-external
// (dr1), alert-internal (dr2), alert-group (dr3), alert-priority (dr4). It
// returns nil when nothing is recognised (ring with the zone's cadence).
func DistinctiveCadence(alertInfo string) []time.Duration {
	v := strings.ToLower(alertInfo)
	for _, n := range []string{"dr1", "dr2", "dr3", "dr4", "dr5"} {
		if strings.Contains(v, "bellcore-"+n) || strings.Contains(v, "bellcore-r"+n[2:]) {
			return distinctive[n]
		}
	}
	for name, n := range map[string]string{"alert-external": "dr1", "alert-internal": "dr2", "alert-group": "dr3", "alert-priority": "dr4"} {
		if strings.Contains(v, name) {
			return distinctive[n]
		}
	}
	return nil
}

// OnMWI implements sip.MWIHandler: the mailbox state of an account (RFC
// 3842 NOTIFY) reaches the phone on the port bound to it as the lamp, an
// on-hook visual message waiting message and stutter dial tone.
func (g *Gateway) OnMWI(account string, waiting bool, newMsgs, oldMsgs int) {
	g.post(func() {
		p, ok := g.byAccount[account]
		if !ok {
			g.log.Debug("message waiting for an account without a port", "account", account)
			return
		}
		g.log.Info("message waiting", "port", p.name(), "waiting", waiting, "new", newMsgs, "old", oldMsgs)
		p.p.SetMessageWaiting(fxs.MessageWaiting{Waiting: waiting, Count: newMsgs, Time: g.now()})
	})
}

var _ sip.MWIHandler = (*Gateway)(nil)

// transferTimeout bounds a SIP transfer from REFER to the final NOTIFY.
const transferTimeout = time.Minute

// transferSIP hands the held SIP party of port p to the party of its
// consultation call when the phone hangs up (REFER, RFC 3515): attended
// (Refer-To with Replaces naming the consultation dialog, RFC 3891) once
// the consultation call was answered, blind (the ringing consultation call
// is cancelled and the held party is referred to its target) before. The
// port is detached from both calls at once; the calls stay in the table
// until their far ends send BYE (the transferee after the transfer, the
// replaced party on Replaces). A failed transfer hangs both up. Only SIP
// to SIP transfers are offered; false leaves the rest to the caller.
func (g *Gateway) transferSIP(p *port, held, consult *call) bool {
	if held.sc == nil || consult.sc == nil || held.ln != nil || consult.ln != nil {
		return false
	}
	attended := !consult.answer.IsZero()
	target := consult.dstLeg
	if consult.dir == "inbound" {
		target = consult.srcLeg
	}
	if !attended && (consult.dir != "outbound" || target == "") {
		return false
	}
	for _, c := range []*call{held, consult} {
		if c.a == p {
			c.a = nil
		}
		if c.b == p {
			c.b = nil
		}
		delete(c.legs, p)
		c.state = "transferring"
	}
	p.call, p.held, p.conf = nil, nil, false
	g.log.Info("sip transfer", "port", p.name(), "held", held.id, "consult", consult.id, "attended", attended)
	hsc, csc := held.sc, consult.sc
	if !attended {
		// The transferee calls the target itself; our attempt ends.
		csc.Hangup()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), transferTimeout)
		defer cancel()
		var err error
		if attended {
			err = hsc.TransferReplacing(ctx, csc)
		} else {
			err = hsc.Transfer(ctx, target)
		}
		g.post(func() {
			if err == nil {
				g.log.Info("sip transfer done", "held", held.id, "consult", consult.id)
				return
			}
			g.log.Warn("sip transfer failed", "held", held.id, "consult", consult.id, "err", err)
			for _, c := range []*call{held, consult} {
				if !c.ended {
					c.sc.Hangup()
					g.endCall(c, "transfer failed")
				}
			}
		})
	}()
	return true
}
