package gateway

import (
	"strings"
	"time"

	"tipring/dsp/cid"
	"tipring/sip"
	"tipring/telephony/fxs"
)

// Capabilities the gateway uses when a SIP call offers them. *sip.Call
// gains them as the SIP side grows; until then the features that need them
// fall back (no privacy marking, no distinctive ring, no 181, local hold
// only, no transfer of SIP parties).
type (
	// privacyCall gives the Privacy header values of an incoming INVITE
	// (RFC 3323: "id", "header", "user", "none", ...).
	privacyCall interface{ Privacy() []string }
	// identityCall gives the P-Asserted-Identity (RFC 3325), if any.
	identityCall interface{ AssertedIdentity() (sip.Party, bool) }
	// alertInfoCall gives the Alert-Info header of an incoming INVITE.
	alertInfoCall interface{ AlertInfo() string }
	// forwardingCall sends 181 Call Is Being Forwarded with
	// Call-Info: <sip:by@...>;purpose=forwarding naming who forwarded and
	// to whom.
	forwardingCall interface{ Forwarded(by, to string) error }
	// holdCall holds (re-INVITE a=sendonly) or resumes the call.
	holdCall interface{ Hold(on bool) error }
	// transferCall transfers the far end of this call to the far end of
	// other (REFER with Replaces, RFC 3891 / RFC 5589).
	transferCall interface{ TransferTo(other *sip.Call) error }
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
		r := c.sc.Remote()
		if pc, ok := any(c.sc).(identityCall); ok {
			if pai, ok := pc.AssertedIdentity(); ok {
				r = pai
			}
		}
		if pc, ok := any(c.sc).(privacyCall); ok && private(pc.Privacy()) {
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

func private(values []string) bool {
	for _, v := range values {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "id", "header", "user", "session", "critical":
			return true
		}
	}
	return false
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
	if ai, ok := any(c.sc).(alertInfoCall); ok {
		return DistinctiveCadence(ai.AlertInfo())
	}
	return nil
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
