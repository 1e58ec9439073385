package sip

import (
	"errors"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
	"tipring/sip/sdp"
)

func (u *UA) serverHeader() sipgo_sip.Header { return sipgo_sip.NewHeader("Server", u.cfg.UserAgent) }

// onInvite runs in the goroutine sipgo gives each new server transaction.
// For a new call it stays there until the final response is sent (and, for
// a 2xx, ACKed), because the transaction ends when it returns.
func (u *UA) onInvite(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	if to := req.To(); to != nil && to.Params.Has("tag") {
		u.onReInvite(req, tx)
		return
	}
	// RFC 3261 8.2.6.1 / 17.2.1: 100 Trying at once stops retransmissions.
	u.respond(req, tx, 100, "Trying")
	if u.isStopping() {
		u.respond(req, tx, 503, "Service Unavailable")
		return
	}
	// Require was checked by wellFormed (420), before the 100.
	// Everything that does not depend on who is called is answered the
	// same whether the user exists or not, so that a scanner learns
	// nothing (no enumeration); a request for an unknown user still counts
	// against its source.
	route := u.routeInvite(req)
	a := route.acc
	if route.early {
		t := u.authenticateInvite(req, tx, route.auth)
		if t == nil {
			return
		}
		if a == nil {
			a = t
		}
		route.auth = nil
	}
	refuse := func(code int, reason string, hdrs ...sipgo_sip.Header) {
		if a == nil && len(route.auth) == 0 {
			u.noteUnknownUser(req)
		}
		u.respond(req, tx, code, reason, hdrs...)
	}
	body := req.Body()
	if len(body) == 0 {
		// Offerless INVITEs (offer in our 2xx, answer in the ACK) are not
		// supported; RFC 3261 21.4.26 lets us say so with 488.
		refuse(488, "Not Acceptable Here", sipgo_sip.NewHeader("Warning", `399 - "SDP offer required"`))
		return
	}
	if ct := req.ContentType(); ct == nil || !isSDP(ct.Value()) {
		refuse(415, "Unsupported Media Type", sipgo_sip.NewHeader("Accept", contentTypeSDP))
		return
	}
	offer, err := sdp.Parse(body)
	if err != nil {
		refuse(400, "Bad Request - Malformed SDP")
		return
	}
	if len(route.auth) > 0 {
		// A trunk with inbound credentials (RFC 3261 22.4).
		if a = u.authenticateInvite(req, tx, route.auth); a == nil {
			return
		}
	}
	if a == nil {
		u.rejectUnknownUser(req, tx)
		return
	}
	if se, _, ok := parseSessionExpires(req); ok && u.sessionTimersOn() && se < u.cfg.MinSE {
		// RFC 4028 8.1: Session Interval Too Small.
		u.respond(req, tx, 422, "Session Interval Too Small", sipgo_sip.NewHeader("Min-SE", secs(u.cfg.MinSE)))
		return
	}
	var replaced *Call
	if h := req.GetHeader("Replaces"); h != nil {
		var code int
		if replaced, code = u.matchReplaces(h.Value()); replaced == nil {
			u.respond(req, tx, code, defaultReason(code))
			return
		}
	}
	ms, err := media.Listen(u.cfg.Host, u.cfg.RTPPortMin, u.cfg.RTPPortMax, u.log)
	if err != nil {
		u.log.Error("sip: no RTP port for incoming call", "err", err)
		u.respond(req, tx, 503, "Service Unavailable")
		return
	}
	c := newCall(u, a, req.CallID().Value(), true, ms)
	ans, sel, err := sdp.Answer(offer, c.origin(), c.localAudio(), a.codecNames())
	if err != nil {
		_ = ms.Close()
		if errors.Is(err, sdp.ErrMalformed) {
			u.respond(req, tx, 400, "Bad Request - Malformed SDP")
		} else {
			u.respond(req, tx, 488, "Not Acceptable Here", sipgo_sip.NewHeader("Warning", `305 - "Incompatible media format"`))
		}
		return
	}
	if c.srtp, err = c.answerSRTP(ans, sel); err != nil {
		// RFC 4568 §7.1.2: no acceptable crypto under the policy.
		_ = ms.Close()
		u.respond(req, tx, 488, "Not Acceptable Here", sipgo_sip.NewHeader("Warning", `305 - "SRTP policy not met"`))
		return
	}
	dua := &sipgo.DialogUA{Client: u.cli, ContactHDR: u.accountContact(a, req.Transport(), req.Recipient.IsEncrypted())}
	dss, err := dua.ReadInvite(req, tx)
	if err != nil {
		_ = ms.Close()
		u.log.Warn("sip: INVITE rejected", "err", err)
		u.respond(req, tx, 400, "Bad Request")
		return
	}
	c.dss = dss
	c.sel = sel
	c.final = make(chan finalResponse, 1)
	c.answerSDP = ans.Marshal()
	c.lastSDP = c.answerSDP
	c.replaces = replaced
	c.rel.peerRequires = hasOptionTag(req, "Require", tag100rel)
	c.rel.peerSupports = c.rel.peerRequires || hasOptionTag(req, "Supported", tag100rel)
	c.identity = identityOf(req, !a.Trunk || route.peer)
	if h := req.GetHeader("Alert-Info"); h != nil {
		c.alertInfo = h.Value()
	}
	c.localTag, _ = dss.InviteRequest.To().Params.Get("tag")
	if f := req.From(); f != nil {
		c.remote = partyFrom(f.DisplayName, f.Address)
	}
	if to := req.To(); to != nil {
		name := to.DisplayName
		if name == "" {
			name = a.DisplayName
		}
		c.local = partyFrom(name, to.Address)
	}
	if a.Trunk {
		trunkNumbers(c, req)
	}
	if !u.addCall(c) {
		_ = ms.Close()
		if u.isStopping() {
			u.respond(req, tx, 503, "Service Unavailable")
		} else {
			u.respond(req, tx, 482, "Loop Detected")
		}
		return
	}
	c.log.Info("sip: incoming call", "from", c.remote.URI, "codec", sel.Codec.Name)
	u.h.OnIncoming(a.Name, c)
	c.serveInvite(c.answerSDP)
}

func isSDP(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), contentTypeSDP)
}

// serveInvite waits for the handler's decision, a CANCEL or the timeout.
func (c *Call) serveInvite(answer []byte) {
	start := time.Now()
	timer := time.NewTimer(noActionTimeout)
	defer timer.Stop()
	for {
		select {
		case f := <-c.final:
			if f.code == 200 {
				c.sendAnswer(answer)
			} else {
				c.sendReject(f.code, f.reason, f.cause, f.hdrs...)
			}
			return
		case <-c.dss.Context().Done():
			// CANCEL: the transaction layer sent 200 to it and 487 to us.
			c.end(EventEnded, 487, ReasonCancelled)
			return
		case <-timer.C:
			c.mu.Lock()
			rung := c.rung
			c.mu.Unlock()
			if left := maxRingTime - time.Since(start); rung && left > 0 {
				timer.Reset(left)
				continue
			}
			if c.decide() == nil {
				c.log.Info("sip: incoming call not answered in time")
				c.sendReject(480, "Temporarily Unavailable", 0)
				return
			}
			// A decision is on its way through c.final.
		}
	}
}

func (c *Call) sendAnswer(answer []byte) {
	if !c.awaitPrack() {
		if c.dss.Context().Err() != nil {
			c.end(EventEnded, 487, ReasonCancelled)
			return
		}
		// RFC 3262 3: no PRACK for the response that carried the answer.
		c.sendReject(504, "PRACK Timeout", 0)
		return
	}
	if c.dss.Context().Err() != nil {
		// A CANCEL got in first: its 487 is out and must stay the final
		// response (RFC 3261 9.2); no 2xx may replace it.
		c.end(EventEnded, 487, ReasonCancelled)
		return
	}
	res := sipgo_sip.NewSDPResponseFromRequest(c.dss.InviteRequest, answer)
	res.AppendHeader(sipgo_sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sipgo_sip.NewHeader("Supported", supportedTags))
	for _, h := range c.st.answerHeaders(c, c.dss.InviteRequest) {
		res.AppendHeader(h)
	}
	res.AppendHeader(c.ua.serverHeader())
	// WriteResponse retransmits the 2xx until the ACK (RFC 3261 13.3.1.4)
	// and returns when it arrives or after 64*T1.
	err := c.dss.WriteResponse(res)
	if c.ended() {
		return
	}
	if err != nil {
		if c.dss.LoadState() < sipgo_sip.DialogStateEstablished || errors.Is(err, sipgo_sip.ErrTransactionCanceled) {
			// Cancelled before the 2xx went out (the 487 stands, RFC
			// 3261 9.2; sipgo marks the dialog established first).
			c.end(EventEnded, 487, ReasonCancelled)
			return
		}
		// No ACK: the session SHOULD be ended with BYE (13.3.1.4).
		c.mu.Lock()
		if c.state == stateEnded {
			// A BYE that overtook the ACK (sipgo handles each request in
			// a goroutine of its own) ended the call meanwhile.
			c.mu.Unlock()
			return
		}
		c.log.Warn("sip: 2xx not acknowledged, hanging up", "err", err)
		c.state = stateAnswered
		c.hangingUp = true
		c.mu.Unlock()
		c.bye()
		return
	}
	c.mu.Lock()
	if c.state == stateEnded {
		// The peer's BYE came right behind its ACK and ended the call.
		c.mu.Unlock()
		return
	}
	c.state = stateAnswered
	hanging := c.hangingUp
	c.emitLocked(Event{Kind: EventAnswered, Code: 200, Reason: "OK"})
	c.mu.Unlock()
	if hanging {
		c.bye()
		return
	}
	c.st.onAnswered(c, nil)
	if r := c.replaces; r != nil {
		// RFC 3891 3: the replaced dialog ends once the new one is confirmed.
		_ = r.hangupReason(ReasonReplaced)
	}
}

func (c *Call) sendReject(code int, reason string, cause int, extra ...sipgo_sip.Header) {
	hdrs := append([]sipgo_sip.Header{c.ua.serverHeader()}, extra...)
	if cause != 0 {
		hdrs = append(hdrs, sipgo_sip.NewHeader("Reason", ReasonQ850(cause)))
	}
	err := c.dss.Respond(code, reason, nil, hdrs...)
	if err != nil && c.dss.Context().Err() != nil && c.dss.LoadState() != sipgo_sip.DialogStateEnded {
		c.end(EventEnded, 487, ReasonCancelled)
		return
	}
	c.end(EventEnded, code, reason)
}
