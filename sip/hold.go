package sip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/sdp"
)

// reofferTimeout bounds a re-INVITE we send (Timer B, RFC 3261 17.1.1.2).
var reofferTimeout = 64 * sipgo_sip.T1

func canSend(d sdp.Direction) bool { return d == sdp.SendRecv || d == sdp.SendOnly }
func canRecv(d sdp.Direction) bool { return d == sdp.SendRecv || d == sdp.RecvOnly }

func direction(send, recv bool) sdp.Direction {
	switch {
	case send && recv:
		return sdp.SendRecv
	case send:
		return sdp.SendOnly
	case recv:
		return sdp.RecvOnly
	}
	return sdp.Inactive
}

// answerDirection is our direction in the answer to an offer with
// direction offered (RFC 3264 6.1): we send only if the offerer receives,
// and receive only if it sends and we have not put it on hold.
func answerDirection(offered sdp.Direction, localHold bool) sdp.Direction {
	return direction(canRecv(offered), canSend(offered) && !localHold)
}

// offerDirection is the direction we offer (RFC 3264 8.4): sendonly puts
// the peer on hold, inactive when the peer holds us as well.
func offerDirection(localHold, remoteHold bool) sdp.Direction {
	return direction(!remoteHold, !localHold)
}

// setDirection replaces the direction attribute of s's active audio stream.
func setDirection(s *sdp.Session, d sdp.Direction) {
	for i := range s.Media {
		m := &s.Media[i]
		if m.Port == 0 || !strings.EqualFold(m.Type, "audio") {
			continue
		}
		attrs := m.Attributes[:0]
		for _, a := range m.Attributes {
			switch sdp.Direction(strings.ToLower(a.Key)) {
			case sdp.SendRecv, sdp.SendOnly, sdp.RecvOnly, sdp.Inactive:
				continue
			}
			attrs = append(attrs, a)
		}
		m.Attributes = append(attrs, sdp.Attribute{Key: string(d)})
	}
}

// answerMute reports whether our answer to the INVITE's offer excludes
// sending (the caller offered recvonly or inactive).
func (c *Call) answerMute() bool { return !canRecv(c.sel.Remote.Direction) }

// HoldState reports whether we hold the peer (Hold) and whether the peer
// holds us (its latest offer was sendonly or inactive).
func (c *Call) HoldState() (local, remote bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.localHold, c.remoteHold
}

// Hold puts the peer on hold with a re-INVITE offering sendonly, or
// inactive when the peer holds us too (RFC 3264 8.4). It returns when the
// re-INVITE is answered; on failure the session stays as it was.
func (c *Call) Hold() error { return c.setHold(true) }

// Resume takes the peer off hold with a re-INVITE offering sendrecv (or
// recvonly while the peer still holds us).
func (c *Call) Resume() error { return c.setHold(false) }

func (c *Call) setHold(hold bool) error {
	c.mu.Lock()
	if c.state != stateAnswered {
		c.mu.Unlock()
		return errNotAnswered
	}
	prev := c.localHold
	c.localHold = hold
	c.mu.Unlock()
	if err := c.reoffer(""); err != nil {
		c.mu.Lock()
		c.localHold = prev
		c.mu.Unlock()
		return err
	}
	return nil
}

// ChangeCodec switches the call to codec ("PCMU", "PCMA") with a re-INVITE
// offering only that codec (RFC 3264 8.3.2).
func (c *Call) ChangeCodec(codec string) error {
	codec = strings.ToUpper(codec)
	ok := false
	for _, cd := range c.acc.codecs {
		ok = ok || cd.Name == codec
	}
	if !ok {
		return fmt.Errorf("sip: change codec %s: %s not configured", c.id, codec)
	}
	c.mu.Lock()
	answered := c.state == stateAnswered
	c.mu.Unlock()
	if !answered {
		return errNotAnswered
	}
	return c.reoffer(codec)
}

// ReofferError is a re-INVITE refused by the peer, e.g. 488 or 491.
type ReofferError struct {
	Code   int
	Reason string
}

func (e *ReofferError) Error() string {
	return fmt.Sprintf("sip: re-INVITE refused: %d %s", e.Code, e.Reason)
}

// localOffer builds an offer of our stream: only codec when given, else
// the configured codecs with the current one first.
func (c *Call) localOffer(codec string) sdp.Audio {
	c.mu.Lock()
	cur, localHold, remoteHold := c.codec, c.localHold, c.remoteHold
	c.mu.Unlock()
	a := c.localAudio()
	a.Direction = offerDirection(localHold, remoteHold)
	add := func(name string) {
		for _, cd := range c.acc.codecs {
			if cd.Name == name {
				a.Codecs = append(a.Codecs, sdp.Format{PT: cd.PT, Name: cd.Name, Rate: 8000})
			}
		}
	}
	if codec != "" {
		add(codec)
	} else {
		add(cur)
		for _, cd := range c.acc.codecs {
			if cd.Name != cur {
				add(cd.Name)
			}
		}
	}
	a.DTMF = sdp.Format{PT: c.ua.cfg.DTMFPT, Name: sdp.TelephoneEvent, Rate: 8000, Fmtp: "0-16"}
	a.HasDTMF = true
	return a
}

// marshalLocal encodes s with our origin, raising the version only when
// the description differs from the one we sent last (RFC 3264 8).
func (c *Call) marshalLocal(s *sdp.Session) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Origin.Username, s.Origin.SessionID, s.Origin.SessVersion = "-", c.sdpID, c.sdpID+c.sdpVer
	b := s.Marshal()
	if c.lastSDP != nil && !bytes.Equal(b, c.lastSDP) {
		c.sdpVer++
		s.Origin.SessVersion = c.sdpID + c.sdpVer
		b = s.Marshal()
	}
	c.lastSDP = b
	return b
}

// reoffer sends a re-INVITE with a new offer and applies the answer.
func (c *Call) reoffer(codec string) error {
	offer := c.localOffer(codec)
	off, err := c.srtpOffer(&offer)
	if err != nil {
		return fmt.Errorf("sip: re-INVITE %s: %w", c.id, err)
	}
	body := c.marshalLocal(sdp.Offer(sdp.Origin{}, offer))
	hdrs := []sipgo_sip.Header{
		sipgo_sip.NewHeader("Allow", allowMethods),
		sipgo_sip.NewHeader("Supported", supportedTags),
	}
	hdrs = append(hdrs, c.st.refreshHeaders(c)...)
	req := c.newInDialog(sipgo_sip.INVITE, body, contentTypeSDP, hdrs...)
	ctx, cancel := context.WithTimeout(context.Background(), reofferTimeout)
	defer cancel()
	res, err := c.doInDialog(ctx, req)
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		if res.StatusCode == 422 {
			c.st.on422(c, res)
		}
		return fmt.Errorf("sip: re-INVITE %s: %w", c.id, &ReofferError{Code: res.StatusCode, Reason: res.Reason})
	}
	c.st.onRefreshResponse(c, res)
	s, err := sdp.Parse(res.Body())
	if err != nil {
		return fmt.Errorf("sip: re-INVITE %s: answer: %w", c.id, err)
	}
	sel, err := sdp.ReadAnswer(s, offer)
	if err != nil {
		return fmt.Errorf("sip: re-INVITE %s: answer: %w", c.id, err)
	}
	cfg, err := completeSRTP(off, sel)
	if err != nil {
		return fmt.Errorf("sip: re-INVITE %s: answer: %w", c.id, err)
	}
	mute := !canSend(offer.Direction) || !canRecv(sel.Remote.Direction)
	if err := c.startMediaSRTP(sel, cfg, mute); err != nil {
		return fmt.Errorf("sip: re-INVITE %s: %w", c.id, err)
	}
	c.mu.Lock()
	c.sel = sel
	c.mu.Unlock()
	return nil
}

// answerOffer answers an offer received in a re-INVITE or UPDATE: the
// current codec if still offered, else another configured one (a codec
// change, RFC 3264 8.3.2); the direction follows the offer and our hold
// state. A failure leaves the session unchanged (RFC 3264 8) and gives the
// status code to refuse the request with.
func (c *Call) answerOffer(body []byte) ([]byte, int, string) {
	offer, err := sdp.Parse(body)
	if err != nil {
		return nil, 400, "Bad Request - Malformed SDP"
	}
	c.mu.Lock()
	cur, hold := c.codec, c.localHold
	c.mu.Unlock()
	names := []string{cur}
	for _, cd := range c.acc.codecs {
		if cd.Name != cur {
			names = append(names, cd.Name)
		}
	}
	ans, sel, err := sdp.Answer(offer, sdp.Origin{}, c.localAudio(), []string{cur})
	if errors.Is(err, sdp.ErrNoCommonCodec) {
		ans, sel, err = sdp.Answer(offer, sdp.Origin{}, c.localAudio(), names)
	}
	if err != nil {
		return nil, 488, "Not Acceptable Here"
	}
	cfg, err := c.answerSRTP(ans, sel)
	if err != nil {
		return nil, 488, "Not Acceptable Here"
	}
	dir := answerDirection(sel.Remote.Direction, hold)
	setDirection(ans, dir)
	if err := c.startMediaSRTP(sel, cfg, !canSend(dir)); err != nil {
		return nil, 488, "Not Acceptable Here"
	}
	c.mu.Lock()
	c.sel = sel
	c.remoteHold = !canRecv(sel.Remote.Direction)
	c.mu.Unlock()
	return c.marshalLocal(ans), 200, "OK"
}

// onReInvite answers an INVITE inside an existing dialog (RFC 3261 14.2):
// a new offer (hold, resume, codec or address change) and/or a session
// refresh (RFC 4028). Offerless re-INVITEs get 488.
func (u *UA) onReInvite(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.inDialogCall(req, tx)
	if c == nil {
		return
	}
	c.mu.Lock()
	st := c.state
	c.mu.Unlock()
	if st != stateAnswered {
		u.respond(req, tx, 491, "Request Pending")
		return
	}
	if len(req.Body()) == 0 {
		u.respond(req, tx, 488, "Not Acceptable Here", sipgo_sip.NewHeader("Warning", `399 - "SDP offer required"`))
		return
	}
	if code, hdrs := c.st.checkRequest(c, req); code != 0 {
		u.respond(req, tx, code, defaultReason(code), hdrs...)
		return
	}
	answer, code, reason := c.answerOffer(req.Body())
	if code != 200 {
		u.respond(req, tx, code, reason)
		return
	}
	c.updateTarget(req)
	hdrs := append([]sipgo_sip.Header{sipgo_sip.NewHeader("Allow", allowMethods), sipgo_sip.NewHeader("Supported", supportedTags)},
		c.st.onRefreshRequest(c, req)...)
	res := sipgo_sip.NewSDPResponseFromRequest(req, answer)
	ct := u.accountContact(c.acc, req.Transport(), c.secure())
	res.AppendHeader(&ct)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	res.AppendHeader(u.serverHeader())
	if err := tx.Respond(res); err != nil {
		c.log.Warn("sip: re-INVITE response", "err", err)
		return
	}
	if sipgo_sip.IsReliable(req.Transport()) {
		return
	}
	// Over UDP the 2xx is ours to retransmit until the ACK (13.3.1.4).
	cseq := req.CSeq().SeqNo
	interval := sipgo_sip.T1
	deadline := time.After(64 * sipgo_sip.T1)
	for {
		select {
		case n := <-c.reAcks:
			if n == cseq {
				return
			}
		case <-time.After(interval):
			_ = tx.Respond(res)
			interval = min(2*interval, sipgo_sip.T2)
		case <-deadline:
			return
		}
	}
}

// onUpdate answers UPDATE (RFC 3311): an offer is answered like a
// re-INVITE's, without ACK; an UPDATE without a body refreshes the session
// timer (RFC 4028 7.4, 8).
func (u *UA) onUpdate(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.inDialogCall(req, tx)
	if c == nil {
		return
	}
	if code, hdrs := c.st.checkRequest(c, req); code != 0 {
		u.respond(req, tx, code, defaultReason(code), hdrs...)
		return
	}
	var answer []byte
	if len(req.Body()) > 0 {
		c.mu.Lock()
		st := c.state
		c.mu.Unlock()
		if st != stateAnswered {
			// Early offers in UPDATE are not supported; 491 leaves the
			// session as it is.
			u.respond(req, tx, 491, "Request Pending")
			return
		}
		var code int
		var reason string
		answer, code, reason = c.answerOffer(req.Body())
		if code != 200 {
			u.respond(req, tx, code, reason)
			return
		}
	}
	c.updateTarget(req)
	hdrs := append([]sipgo_sip.Header{sipgo_sip.NewHeader("Supported", supportedTags)}, c.st.onRefreshRequest(c, req)...)
	if err := c.respondInDialog(req, tx, 200, "OK", answer, hdrs...); err != nil {
		c.log.Warn("sip: UPDATE response", "err", err)
	}
}
