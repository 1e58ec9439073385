package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
	"tipring/sip/sdp"
)

// Dial places a call from account to target: a full SIP URI, or a bare
// number, which becomes sip:number@<account proxy, registrar or domain>.
// It returns once the INVITE is sent; progress arrives on Call.Events.
func (u *UA) Dial(ctx context.Context, accountName, target string) (*Call, error) {
	return u.dialWith(ctx, accountName, target, nil)
}

// dialWith places a call with extra headers on the INVITE (Replaces,
// Referred-By); init, if set, prepares the call before it is sent.
func (u *UA) dialWith(ctx context.Context, accountName, target string, init func(*Call), extra ...sipgo_sip.Header) (*Call, error) {
	select {
	case <-u.ready:
	default:
		return nil, errors.New("sip: dial: UA not running")
	}
	a := u.account(accountName)
	if a == nil {
		return nil, fmt.Errorf("sip: dial: no account %q", accountName)
	}
	recipient, route, err := u.target(a, target)
	if err != nil {
		return nil, fmt.Errorf("sip: dial %s: %w", accountName, err)
	}
	next := &recipient
	if route != nil {
		next = route
	}
	transport := uriTransport(next)
	if !knownTransport(transport) {
		return nil, fmt.Errorf("sip: dial %s: transport %s not supported", accountName, transport)
	}
	// The addresses to try in turn (RFC 3263 4.3); through the registrar,
	// the one holding the registration first.
	hops := u.inviteHops(ctx, a, next, a.proxyIsRegistrar && route == nil)

	ms, err := media.Listen(u.cfg.Host, u.cfg.RTPPortMin, u.cfg.RTPPortMax, u.log)
	if err != nil {
		return nil, fmt.Errorf("sip: dial %s: %w", accountName, err)
	}
	callID := newCallID(u.cfg.Host)
	c := newCall(u, a, callID, false, ms)
	if init != nil {
		init(c)
	}
	c.offer = c.localAudio()
	for _, cd := range a.codecs {
		c.offer.Codecs = append(c.offer.Codecs, sdp.Format{PT: cd.PT, Name: cd.Name, Rate: 8000})
	}
	c.offer.DTMF = sdp.Format{PT: u.cfg.DTMFPT, Name: sdp.TelephoneEvent, Rate: 8000, Fmtp: "0-16"}
	c.offer.HasDTMF = true
	if c.srtpOff, err = c.srtpOffer(&c.offer); err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("sip: dial %s: %w", accountName, err)
	}
	body := sdp.Offer(c.origin(), c.offer).Marshal()
	c.lastSDP = body

	req := sipgo_sip.NewRequest(sipgo_sip.INVITE, recipient)
	c.localTag = randomToken(8)
	from, idHdrs := u.fromHeader(c, a)
	from.Params.Add("tag", c.localTag)
	toURI := *recipient.Clone()
	toURI.UriParams, toURI.Headers = nil, nil
	if isDialNumber(target) {
		a.addURIParams(&toURI)
	}
	to := &sipgo_sip.ToHeader{Address: toURI}
	cid := sipgo_sip.CallIDHeader(callID)
	ctype := sipgo_sip.ContentTypeHeader(contentTypeSDP)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: 1, MethodName: sipgo_sip.INVITE})
	if route != nil {
		req.AppendHeader(&sipgo_sip.RouteHeader{Address: *route})
	}
	req.AppendHeader(sipgo_sip.NewHeader("Allow", allowMethods))
	req.AppendHeader(sipgo_sip.NewHeader("Supported", supportedTags))
	for _, h := range u.inviteTimerHeaders(u.cfg.SessionExpires) {
		req.AppendHeader(h)
	}
	for _, h := range idHdrs {
		req.AppendHeader(h)
	}
	divHdrs, err := c.dialDiversions(recipient)
	if err != nil {
		_ = ms.Close()
		return nil, fmt.Errorf("sip: dial %s: %w", accountName, err)
	}
	for _, h := range divHdrs {
		req.AppendHeader(h)
	}
	for _, h := range extra {
		req.AppendHeader(h)
	}
	req.AppendHeader(&ctype)
	req.SetBody(body)
	u.prepare(req, transport) // sendInvite sets the hop's transport and our Contact
	c.hops = hopState{next: next, hops: hops}

	c.local = partyFrom(from.DisplayName, from.Address)
	c.remote = partyFrom("", toURI)
	c.markTried(recipient)
	if !u.addCall(c) {
		_ = ms.Close()
		return nil, fmt.Errorf("sip: dial %s: UA shutting down", accountName)
	}
	waitCtx, cancel := context.WithCancel(context.Background())
	c.cancelInvite = cancel
	if err := c.sendInvite(ctx, req); err != nil {
		cancel()
		c.end(EventFailed, 0, err.Error())
		return nil, fmt.Errorf("sip: dial %s: %w", accountName, err)
	}
	c.log.Info("sip: calling", "to", recipient.String())
	go c.runOutgoing(waitCtx)
	return c, nil
}

// target turns a dial string into a Request-URI and, when an outbound
// proxy is used for a URI elsewhere, the Route (RFC 3261 8.1.2, loose routing).
func (u *UA) target(a *account, t string) (sipgo_sip.Uri, *sipgo_sip.Uri, error) {
	var r sipgo_sip.Uri
	t = strings.TrimSpace(t)
	switch {
	case t == "":
		return r, nil, errors.New("empty target")
	case strings.HasPrefix(t, "sip:") || strings.HasPrefix(t, "sips:"):
	case strings.Contains(t, "@"):
		t = "sip:" + t
	default:
		if !isDialNumber(t) {
			return r, nil, fmt.Errorf("target %q is neither a number nor a SIP URI", t)
		}
		t = a.plan.outbound(strings.NewReplacer(" ", "", "(", "", ")", "").Replace(t))
		switch {
		case a.proxy != nil:
			r = *a.proxy.Clone()
			r.User = t
			a.addURIParams(&r)
			return r, nil, nil
		case a.Domain != "":
			r = sipgo_sip.Uri{Scheme: "sip", User: t, Host: a.Domain}
			a.addURIParams(&r)
			return r, nil, nil
		}
		return r, nil, errors.New("bare number but the account has no proxy, registrar or domain")
	}
	if err := sipgo_sip.ParseUri(t, &r); err != nil || r.Host == "" {
		return r, nil, fmt.Errorf("target %q is not a SIP URI", t)
	}
	if r.Scheme == "sips" && !u.cfg.hasListener("tls") {
		return r, nil, errors.New("sips target needs a tls listener")
	}
	if p := a.proxy; p != nil && (p.Host != r.Host || p.Port != r.Port) {
		route := *p.Clone()
		route.User = ""
		if route.UriParams == nil {
			route.UriParams = sipgo_sip.NewParams()
		}
		route.UriParams.Add("lr", "")
		return r, &route, nil
	}
	return r, nil, nil
}

// isDialNumber reports whether a dial target is a bare number rather than
// a SIP URI.
func isDialNumber(t string) bool {
	t = strings.TrimSpace(t)
	if t == "" {
		return false
	}
	for _, ch := range t {
		if !strings.ContainsRune("0123456789*#+abcdABCD-. ()", ch) {
			return false
		}
	}
	return true
}

// runOutgoing follows the INVITE client transaction to its end.
func (c *Call) runOutgoing(ctx context.Context) {
	a := c.acc
	var err error
	for tries := 0; ; tries++ {
		err = c.waitAnswer(ctx, sipgo.AnswerOptions{
			OnResponse: c.onResponse,
			Username:   a.AuthUser,
			Password:   a.Password,
		})
		var dr *sipgo.ErrDialogResponse
		if tries < 2 && errors.As(err, &dr) && dr.Res.StatusCode == 422 && c.ua.sessionTimersOn() {
			// RFC 4028 7.4: retry with Session-Expires raised to Min-SE.
			if rerr := c.retry422(ctx, dr.Res); rerr == nil {
				continue
			}
		}
		if c.failedOver(ctx, err) {
			tries = -1
			continue
		}
		if c.redirected(ctx, err) {
			tries = -1
			continue
		}
		break
	}
	if f := c.redirects.lastFail; f != nil && err != nil && ctx.Err() == nil {
		// Redirections exhausted: report the last failure (RFC 3261 8.1.3.4).
		err = &sipgo.ErrDialogResponse{Res: f}
	}
	res := c.dcs.InviteResponse
	var dr *sipgo.ErrDialogResponse
	switch {
	case err == nil:
		c.established()
	case errors.As(err, &dr):
		c.setCauseFrom(dr.Res)
		c.end(EventFailed, dr.Res.StatusCode, dr.Res.Reason)
	case ctx.Err() != nil:
		// Our Hangup: sipgo sent CANCEL. A 2xx that crossed it must still
		// be ACKed and then ended with BYE (RFC 3261 9.1, 15).
		if res != nil && res.IsSuccess() {
			if aerr := c.dcs.Ack(context.Background()); aerr == nil {
				bctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
				_ = c.byeUAC(bctx)
				cancel()
			}
		} else {
			// A 2xx that crossed a CANCEL answered 481 is left unread
			// in sipgo's ended transaction; its retransmission is ACKed
			// and hung up as it comes (late2xx.go).
			c.ua.late.expect(c)
		}
		c.end(EventEnded, 487, ReasonCancelled)
	default:
		code := 408
		if res != nil && res.StatusCode >= 300 {
			code = res.StatusCode
		}
		c.end(EventFailed, code, err.Error())
	}
}

// retry422 repeats the INVITE (same Call-ID and tags, next CSeq) with
// Session-Expires and Min-SE set to the Min-SE of the 422, to the same hop.
func (c *Call) retry422(ctx context.Context, res *sipgo_sip.Response) error {
	minSE := parseMinSE(res)
	if minSE <= 0 {
		return errors.New("422 without Min-SE")
	}
	req := c.nextInvite("Via", "Session-Expires", "Min-SE")
	req.AppendHeader(sipgo_sip.NewHeader("Session-Expires", secs(minSE)))
	req.AppendHeader(sipgo_sip.NewHeader("Min-SE", secs(minSE)))
	return c.sendInvite(ctx, req)
}

// onResponse reports provisional responses and sets up early media.
func (c *Call) onResponse(res *sipgo_sip.Response) error {
	if !res.IsProvisional() {
		return nil
	}
	c.mu.Lock()
	if c.state == stateInit {
		c.state = stateEarly
	}
	c.mu.Unlock()
	if res.StatusCode == 100 {
		c.emit(Event{Kind: EventTrying, Code: 100, Reason: res.Reason})
		return nil
	}
	if hasOptionTag(res, "Require", tag100rel) && !c.onReliable(res) {
		return nil // a retransmission (RFC 3262 4)
	}
	if len(res.Body()) > 0 {
		if err := c.applyAnswer(res.Body()); err != nil {
			c.log.Warn("sip: early media SDP unusable", "code", res.StatusCode, "err", err)
		} else {
			c.emit(Event{Kind: EventProgress, Code: res.StatusCode, Reason: res.Reason})
			return nil
		}
	}
	if res.StatusCode == 180 || res.StatusCode == 183 {
		c.emit(Event{Kind: EventRinging, Code: res.StatusCode, Reason: res.Reason})
	}
	return nil
}

func (c *Call) applyAnswer(body []byte) error {
	s, err := sdp.Parse(body)
	if err != nil {
		return err
	}
	sel, err := sdp.ReadAnswer(s, c.offer)
	if err != nil {
		return err
	}
	cfg, err := completeSRTP(c.srtpOff, sel)
	if err != nil {
		return err
	}
	if err := c.startMediaSRTP(sel, cfg, !canRecv(sel.Remote.Direction)); err != nil {
		return err
	}
	c.mu.Lock()
	c.sel = sel
	c.mu.Unlock()
	return nil
}

// established handles the 2xx: ACK, media, EventAnswered.
func (c *Call) established() {
	res := c.dcs.InviteResponse
	c.mu.Lock()
	c.state = stateAnswered
	hanging := c.hangingUp
	c.mu.Unlock()
	if err := c.dcs.Ack(context.Background()); err != nil {
		c.log.Warn("sip: ACK", "err", err)
	}
	var mediaErr error
	if len(res.Body()) > 0 {
		mediaErr = c.applyAnswer(res.Body())
	} else if c.Media() == nil {
		mediaErr = errors.New("no SDP answer in 2xx")
	}
	if mediaErr != nil || hanging {
		if mediaErr != nil {
			c.log.Warn("sip: answer unusable, hanging up", "err", mediaErr)
		}
		c.mu.Lock()
		c.hangingUp = true
		c.mu.Unlock()
		c.bye()
		return
	}
	c.st.onAnswered(c, res)
	c.emit(Event{Kind: EventAnswered, Code: res.StatusCode, Reason: res.Reason})
}
