package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// relState tracks reliable provisional responses of an incoming call
// (RFC 3262 3). At most one is unacknowledged at a time.
type relState struct {
	peerSupports bool          // INVITE had Supported or Require: 100rel
	peerRequires bool          // INVITE had Require: 100rel: every 1xx but 100 is reliable
	rseq         uint32        // RSeq of the latest reliable 1xx
	pending      chan struct{} // closed by the PRACK of the outstanding one; nil if none
	pendingSDP   bool          // the outstanding one carries the SDP answer
}

// prackTimeout is how long a reliable provisional response is
// retransmitted waiting for its PRACK (64*T1, RFC 3262 3).
var prackTimeout = 64 * sipgo_sip.T1

// Progress sends 183 Session Progress with our SDP answer on an incoming
// call and starts its media, so that audio (the PSTN's ringback, tones and
// announcements) flows before the call is answered. The 183 is sent
// reliably (RFC 3262: Require: 100rel, RSeq, retransmitted until PRACK)
// when the caller supports 100rel; a later Answer then waits for that
// PRACK before sending the 2xx, as RFC 3262 3 requires for a provisional
// response that carried the answer. Media() is non-nil when Progress
// returns nil.
func (c *Call) Progress() error {
	if !c.incoming {
		return errNotIncoming
	}
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	switch st {
	case stateEnded:
		return errCallEnded
	case stateFinal, stateAnswered:
		return errAlreadyFinal
	}
	if err := c.startMedia(c.sel, c.answerMute()); err != nil {
		return fmt.Errorf("sip: progress %s: %w", c.id, err)
	}
	return c.sendProvisional(183, "Session Progress", c.answerSDP)
}

// sendProvisional sends a provisional response to the INVITE, reliably
// when the caller requires 100rel, or supports it and body carries SDP.
func (c *Call) sendProvisional(code int, reason string, body []byte, hdrs ...sipgo_sip.Header) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	check := func() error {
		switch c.state {
		case stateEnded:
			return errCallEnded
		case stateFinal, stateAnswered:
			return errAlreadyFinal
		}
		return nil
	}
	if err := check(); err != nil {
		return err
	}
	if body != nil {
		ct := sipgo_sip.ContentTypeHeader(contentTypeSDP)
		hdrs = append(hdrs, &ct)
	}
	hdrs = append(hdrs, c.ua.serverHeader())
	reliable := c.rel.peerRequires || (c.rel.peerSupports && body != nil)
	if !reliable {
		c.state = stateEarly
		// Sent under the lock so a 1xx can never overtake our final response.
		if err := c.dss.Respond(code, reason, body, hdrs...); err != nil {
			return fmt.Errorf("sip: %d on %s: %w", code, c.id, err)
		}
		return nil
	}
	// RFC 3262 3: no second reliable provisional response before the first
	// is acknowledged.
	for c.rel.pending != nil {
		p := c.rel.pending
		c.mu.Unlock()
		select {
		case <-p:
		case <-c.dss.Context().Done():
		case <-time.After(prackTimeout):
		}
		c.mu.Lock()
		if err := check(); err != nil {
			return err
		}
		if c.rel.pending == p {
			return fmt.Errorf("sip: %d on %s: previous reliable response not acknowledged", code, c.id)
		}
	}
	c.rel.rseq++
	res := sipgo_sip.NewResponseFromRequest(c.dss.InviteRequest, code, reason, body)
	res.AppendHeader(sipgo_sip.NewHeader("Require", tag100rel))
	res.AppendHeader(sipgo_sip.NewHeader("RSeq", strconv.FormatUint(uint64(c.rel.rseq), 10)))
	res.AppendHeader(sipgo_sip.NewHeader("Allow", allowMethods))
	res.AppendHeader(sipgo_sip.NewHeader("Supported", supportedTags))
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	pending := make(chan struct{})
	c.rel.pending, c.rel.pendingSDP = pending, body != nil
	c.state = stateEarly
	if err := c.dss.WriteResponse(res); err != nil {
		c.rel.pending = nil
		return fmt.Errorf("sip: %d on %s: %w", code, c.id, err)
	}
	go c.retransmitReliable(res, pending)
	return nil
}

// retransmitReliable repeats a reliable provisional response at T1,
// doubling, until its PRACK (RFC 3262 3). Without a PRACK for 64*T1 the
// INVITE is rejected with 5xx.
func (c *Call) retransmitReliable(res *sipgo_sip.Response, pending chan struct{}) {
	interval := sipgo_sip.T1
	deadline := time.NewTimer(prackTimeout)
	defer deadline.Stop()
	for {
		select {
		case <-pending:
			return
		case <-c.dss.Context().Done():
			return
		case <-deadline.C:
			c.log.Info("sip: reliable provisional response not acknowledged", "code", res.StatusCode)
			if c.decide() == nil {
				c.final <- finalResponse{code: 504, reason: "PRACK Timeout"}
			}
			return
		case <-time.After(interval):
			interval *= 2
			c.mu.Lock()
			if c.state == stateEnded || c.state == stateAnswered {
				c.mu.Unlock()
				return
			}
			err := c.dss.WriteResponse(res)
			c.mu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

// awaitPrack holds a 2xx back until the outstanding reliable provisional
// response with SDP is acknowledged (RFC 3262 3). It reports false when the
// PRACK never came or the INVITE was cancelled.
func (c *Call) awaitPrack() bool {
	c.mu.Lock()
	p, withSDP := c.rel.pending, c.rel.pendingSDP
	c.mu.Unlock()
	if p == nil || !withSDP {
		return true
	}
	select {
	case <-p:
		return true
	case <-c.dss.Context().Done():
	case <-time.After(prackTimeout):
	}
	return false
}

// parseRAck reads "response-num CSeq-num Method" (RFC 3262 7.2).
func parseRAck(v string) (rseq, cseq uint32, method string, ok bool) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return 0, 0, "", false
	}
	r, err1 := strconv.ParseUint(f[0], 10, 32)
	n, err2 := strconv.ParseUint(f[1], 10, 32)
	if err1 != nil || err2 != nil {
		return 0, 0, "", false
	}
	return uint32(r), uint32(n), strings.ToUpper(f[2]), true
}

func (u *UA) onPrack(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.inDialogCall(req, tx)
	if c == nil {
		return
	}
	if !c.incoming {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	var rseq, cseq uint32
	var method string
	ok := false
	if h := req.GetHeader("RAck"); h != nil {
		rseq, cseq, method, ok = parseRAck(h.Value())
	}
	if !ok {
		u.respond(req, tx, 400, "Bad Request - RAck")
		return
	}
	c.mu.Lock()
	match := c.rel.pending != nil && rseq == c.rel.rseq && method == "INVITE" && cseq == c.dss.InviteRequest.CSeq().SeqNo
	if match {
		close(c.rel.pending)
		c.rel.pending = nil
	}
	c.mu.Unlock()
	if !match {
		// RFC 3262 3: a PRACK matching no unacknowledged reliable response.
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	_ = c.respondInDialog(req, tx, 200, "OK", nil)
}

// onReliable handles a reliable provisional response to our INVITE: a
// retransmission is discarded, a new one is acknowledged with PRACK
// (RFC 3262 4). It reports false for a retransmission.
func (c *Call) onReliable(res *sipgo_sip.Response) bool {
	h := res.GetHeader("RSeq")
	if h == nil {
		return true // not usable as reliable; treat as an ordinary 1xx
	}
	n, err := strconv.ParseUint(strings.TrimSpace(h.Value()), 10, 32)
	if err != nil {
		return true
	}
	rseq := uint32(n)
	c.mu.Lock()
	if c.haveRSeq && rseq <= c.lastRSeq {
		c.mu.Unlock()
		return false
	}
	c.haveRSeq, c.lastRSeq = true, rseq
	c.mu.Unlock()

	target := c.dcs.InviteRequest.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	prack := sipgo_sip.NewRequest(sipgo_sip.PRACK, *target.Clone())
	prack.AppendHeader(sipgo_sip.NewHeader("RAck", fmt.Sprintf("%d %d INVITE", rseq, res.CSeq().SeqNo)))
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
	c.reqMu.Lock()
	tx, err := c.startInDialogWith(ctx, prack, res)
	c.reqMu.Unlock()
	if err != nil {
		cancel()
		c.log.Warn("sip: PRACK", "err", err)
		return true
	}
	go func() {
		defer cancel()
		defer tx.Terminate()
		for {
			select {
			case r := <-tx.Responses():
				if r.IsProvisional() {
					continue
				}
				if !r.IsSuccess() {
					c.log.Warn("sip: PRACK refused", "code", r.StatusCode)
				}
				return
			case <-tx.Done():
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return true
}
