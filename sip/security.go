package sip

import (
	"context"
	"net/netip"
	"strconv"

	sipgo "github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
	"tipring/sip/media"
	"tipring/sip/sdes"
	"tipring/sip/sdp"
)

// guarded wraps a request handler with the guard's admission check
// (Config.Guard) and then the well-formedness checks of wellFormed: the
// request is processed, answered with the guard's
// status (403, 400, 513, or 503 with Retry-After) or dropped without a
// word, as the guard decides.
func (u *UA) guarded(h sipgo.RequestHandler) sipgo.RequestHandler {
	h = u.wellFormed(h)
	g := u.cfg.Guard
	if g == nil {
		return h
	}
	return func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		src, ok := sourceOf(req)
		if !ok {
			h(req, tx)
			return
		}
		var n byteCounter
		req.StringWrite(&n)
		d := g.Admit(src, req.Method.String(), int(n), len(req.Headers()))
		switch {
		case d.Admit:
			h(req, tx)
		case d.Silent || req.Method == sipgo_sip.ACK:
			u.log.Debug("sip: request dropped", "method", req.Method.String(), "source", src.String(), "reason", d.Reason)
		default:
			var hdrs []sipgo_sip.Header
			if d.RetryAfter > 0 {
				hdrs = append(hdrs, sipgo_sip.NewHeader("Retry-After", strconv.Itoa(d.RetryAfter)))
			}
			u.log.Debug("sip: request refused", "method", req.Method.String(), "source", src.String(), "code", d.Code)
			u.respond(req, tx, d.Code, d.Reason, hdrs...)
		}
	}
}

type byteCounter int

func (c *byteCounter) WriteString(s string) (int, error) {
	*c += byteCounter(len(s))
	return len(s), nil
}

// sourceOf is the transport address a request came from.
func sourceOf(req *sipgo_sip.Request) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}

// noteUnknownUser counts a request for a user we do not have as an
// UnknownPeer failure against its source, without answering it. It
// reports whether it did: not without a guard, nor for an allow-listed
// source.
func (u *UA) noteUnknownUser(req *sipgo_sip.Request) bool {
	g := u.cfg.Guard
	src, ok := sourceOf(req)
	if g == nil || !ok {
		return false
	}
	for _, p := range g.AllowList() {
		if p.Contains(src.Addr()) {
			return false
		}
	}
	g.Failure(src.Addr(), guard.UnknownPeer)
	return true
}

// rejectUnknownUser answers an INVITE for a user we have no account for.
// Without a guard the UA serves a trusted network and says 404 Not Found.
// With one, only an allow-listed source learns that (it helps whoever sets
// up the PBX); every other source gets 480 Temporarily Unavailable, the
// answer a known account gives when nobody takes the call, so that
// scanning numbers (svwar) tells existing users from absent ones by no
// status code, and the request counts as an UnknownPeer failure against
// the source.
func (u *UA) rejectUnknownUser(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	if u.noteUnknownUser(req) {
		u.respond(req, tx, 480, "Temporarily Unavailable")
		return
	}
	u.respond(req, tx, 404, "Not Found")
}

// srtpOffer puts the account's SRTP offer (RFC 4568 §7.1.1) into a and
// returns it, to complete when the answer arrives.
func (c *Call) srtpOffer(a *sdp.Audio) (*sdes.Offer, error) {
	off, err := sdes.NewOffer(c.acc.srtp)
	if err != nil {
		return nil, err
	}
	a.Proto = off.Proto
	a.Crypto = off.Attributes()
	return off, nil
}

// completeSRTP checks the answer's keys against our offer; nil is plain RTP.
func completeSRTP(off *sdes.Offer, sel sdp.Selection) (*media.SRTPConfig, error) {
	if off == nil {
		return nil, nil
	}
	return off.Complete(sel.Remote.Proto, sel.Remote.Crypto)
}

// answerSRTP answers the offer's keys under the account's policy and
// writes our a=crypto line into the answer's audio section.
func (c *Call) answerSRTP(ans *sdp.Session, sel sdp.Selection) (*media.SRTPConfig, error) {
	sa, err := sdes.NewAnswer(c.acc.srtp, sel.Remote.Proto, sel.Remote.Crypto)
	if err != nil {
		return nil, err
	}
	if sel.Index >= 0 && sel.Index < len(ans.Media) {
		m := &ans.Media[sel.Index]
		m.Proto = sa.Proto
		for _, v := range sa.Attributes() {
			m.Attributes = append(m.Attributes, sdp.Attribute{Key: sdes.Attribute, Value: v})
		}
	}
	return sa.SRTP, nil
}

// Secure reports whether the call's media is protected with SRTP.
func (c *Call) Secure() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.srtp != nil && c.media != nil
}

// DialOptions are the extras of DialWith.
type DialOptions struct {
	// From is the calling party to present instead of the account's
	// identity: Number becomes the From URI user (in the account's
	// NumberFormat), Name its display name. Both usually come from the
	// PSTN (caller ID), so they are sanitised (guard.SanitizeUser,
	// guard.SanitizeDisplayName) before they reach a header; an empty
	// Number keeps the account's user. URI is ignored.
	From Party
	// Privacy asks the next hops to withhold the identity (RFC 3323
	// "Privacy: id", RFC 3325 §9.3); From then carries the anonymous URI
	// of RFC 3261 §8.1.1.3 and the identity goes only into the account's
	// identity header (P-Asserted-Identity, or Remote-Party-ID with
	// privacy=full), if it has one.
	Privacy bool
	// Diversions are the redirections the call went through before we
	// place it, most recent first (e.g. the FXS port that forwards it),
	// sent as DiversionFormat says (default a Diversion header, RFC 5806;
	// History-Info, RFC 7044, or both). Numbers and names are sanitised;
	// an empty URI becomes sip:Number@<account domain>; an empty Reason
	// is "unknown".
	Diversions      []Diversion
	DiversionFormat DiversionFormat
}

// DialWith is Dial presenting o.From as the caller: the From header
// carries the sanitised number and name, and the account's identity header
// (Account.Identity: P-Asserted-Identity for a Trusted account, RFC 3325;
// or Remote-Party-ID) them as well.
func (u *UA) DialWith(ctx context.Context, accountName, target string, o DialOptions) (*Call, error) {
	return u.dialWith(ctx, accountName, target, func(c *Call) { c.presented = &o })
}

// fromHeader builds the From of a new INVITE for account a and the
// identity headers that go with it (Account.Identity, RFC 3325 9.1,
// Remote-Party-ID; Privacy, RFC 3323 4.2).
func (u *UA) fromHeader(c *Call, a *account) (*sipgo_sip.FromHeader, []sipgo_sip.Header) {
	aor := u.aor(a)
	if a.Trunk && aor.User != "" {
		aor.User = a.plan.outbound(aor.User)
	}
	name := a.DisplayName
	o := c.presented
	if o != nil {
		if n := guard.SanitizeUser(a.plan.outbound(o.From.Number)); n != "" {
			aor.User = n
		}
		if o.From.Name != "" {
			name = guard.SanitizeDisplayName(o.From.Name)
		}
	}
	private := o != nil && o.Privacy
	var hdrs []sipgo_sip.Header
	asserted := sipgo_sip.FromHeader{DisplayName: name, Address: aor}
	switch a.identity {
	case IdentityPAI:
		hdrs = append(hdrs, sipgo_sip.NewHeader("P-Asserted-Identity", asserted.Value()))
	case IdentityRPID:
		// draft-ietf-sip-privacy-04 6: rpi-privacy "full" hides name and URI.
		priv := "off"
		if private {
			priv = "full"
		}
		hdrs = append(hdrs, sipgo_sip.NewHeader("Remote-Party-ID", asserted.Value()+";party=calling;screen=yes;privacy="+priv))
	}
	if private {
		hdrs = append(hdrs, sipgo_sip.NewHeader("Privacy", "id"))
		anon := sipgo_sip.Uri{Scheme: "sip", User: "anonymous", Host: "anonymous.invalid"}
		return &sipgo_sip.FromHeader{DisplayName: "Anonymous", Address: anon, Params: sipgo_sip.NewParams()}, hdrs
	}
	return &sipgo_sip.FromHeader{DisplayName: name, Address: aor, Params: sipgo_sip.NewParams()}, hdrs
}
