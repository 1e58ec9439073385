package gateway

import (
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
