package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Extensions we implement, as option tags (RFC 3261 19.2): reliable
// provisional responses (RFC 3262), session timers (RFC 4028) and the
// Replaces header (RFC 3891).
const (
	tag100rel   = "100rel"
	tagTimer    = "timer"
	tagReplaces = "replaces"

	supportedTags = tag100rel + ", " + tagTimer + ", " + tagReplaces
)

var knownTags = map[string]bool{tag100rel: true, tagTimer: true, tagReplaces: true}

// optionTags returns the lower-cased option tags of every header name of
// m (Supported, Require, Unsupported), including their compact forms.
func optionTags(m headers, name string) []string {
	var out []string
	names := []string{name}
	switch strings.ToLower(name) {
	case "supported":
		names = append(names, "k")
	}
	for _, n := range names {
		for _, h := range m.GetHeaders(n) {
			for _, t := range strings.Split(h.Value(), ",") {
				if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

func hasOptionTag(m headers, name, tag string) bool {
	for _, t := range optionTags(m, name) {
		if t == tag {
			return true
		}
	}
	return false
}

// unsupportedRequired lists the Require tags of req we do not implement;
// a UAS answers such a request with 420 Bad Extension (RFC 3261 8.2.2.3).
func unsupportedRequired(req *sipgo_sip.Request) []string {
	var out []string
	for _, t := range optionTags(req, "Require") {
		if !knownTags[t] {
			out = append(out, t)
		}
	}
	return out
}

// allows reports whether m's Allow header lists method. A message without
// Allow says nothing, and we then assume the method is allowed.
func allows(m headers, method string) bool {
	hs := m.GetHeaders("Allow")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, t := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), method) {
				return true
			}
		}
	}
	return false
}

var errNotAnswered = errors.New("sip: call not answered")

// secure reports whether the dialog was set up with a sips target, so our
// Contacts in it must be sips URIs too (RFC 3261 8.1.1.8, 12.1.1).
func (c *Call) secure() bool {
	inv := c.dcs
	if c.incoming {
		return c.dss.InviteRequest.Recipient.IsEncrypted()
	}
	if r := inv.InviteRequest.Route(); r != nil && r.Address.IsEncrypted() {
		return true
	}
	return inv.InviteRequest.Recipient.IsEncrypted()
}

// transport is the transport of the dialog's requests.
func (c *Call) transport() string {
	if c.incoming {
		return c.dss.InviteRequest.Transport()
	}
	return c.dcs.InviteRequest.Transport()
}

// remoteTarget is the Request-URI of requests inside the dialog: the
// peer's Contact (RFC 3261 12.1.1, 12.1.2).
func (c *Call) remoteTarget() sipgo_sip.Uri {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.target != nil {
		return *c.target.Clone()
	}
	if c.incoming {
		if ct := c.dss.InviteRequest.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
		return *c.dss.InviteRequest.From().Address.Clone()
	}
	if res := c.dcs.InviteResponse; res != nil {
		if ct := res.Contact(); ct != nil {
			return *ct.Address.Clone()
		}
	}
	return *c.dcs.InviteRequest.Recipient.Clone()
}

// updateTarget takes a new remote target from a target refresh request
// (re-INVITE, UPDATE; RFC 3261 12.2.2, RFC 3311 5.2).
func (c *Call) updateTarget(req *sipgo_sip.Request) {
	if ct := req.Contact(); ct != nil && ct.Address.Host != "" {
		c.mu.Lock()
		c.target = ct.Address.Clone()
		c.mu.Unlock()
	}
}

// newInDialog builds a request inside the call's dialog; sipgo fills in
// From, To, Call-ID, CSeq and Route from the dialog.
func (c *Call) newInDialog(method sipgo_sip.RequestMethod, body []byte, ctype string, hdrs ...sipgo_sip.Header) *sipgo_sip.Request {
	req := sipgo_sip.NewRequest(method, c.remoteTarget())
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	if body != nil {
		ct := sipgo_sip.ContentTypeHeader(ctype)
		req.AppendHeader(&ct)
		req.SetBody(body)
	}
	return req
}

// startInDialog sends req in the dialog and returns its client transaction.
// Callers hold c.reqMu so that CSeq numbers go out in order.
func (c *Call) startInDialog(ctx context.Context, req *sipgo_sip.Request) (sipgo_sip.ClientTransaction, error) {
	return c.startInDialogWith(ctx, req, nil)
}

// startInDialogWith is startInDialog; for an outgoing call, base is the
// response whose To tag and Record-Route define the (early) dialog,
// default the 2xx.
func (c *Call) startInDialogWith(ctx context.Context, req *sipgo_sip.Request, base *sipgo_sip.Response) (sipgo_sip.ClientTransaction, error) {
	c.ua.prepare(req, c.transport())
	if req.Contact() == nil {
		ct := c.ua.accountContact(c.acc, c.transport(), c.secure())
		req.AppendHeader(&ct)
	}
	if c.incoming {
		return c.dss.TransactionRequest(ctx, req)
	}
	if base == nil {
		base = c.dcs.InviteResponse
	}
	c.buildUAC(req, base)
	return c.ua.cli.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia)
}

// buildUAC completes a request of the calling side's dialog (RFC 3261
// 12.2.1.1): From and Call-ID of the INVITE, To of base, the route set
// from base's Record-Route in reverse, and our own CSeq sequence. We keep
// that sequence rather than sipgo's because sipgo numbers the ACK of the
// INVITE from its dialog counter, which must not move for a PRACK sent
// before the 2xx (the ACK carries the INVITE's CSeq, RFC 3261 13.2.2.4).
func (c *Call) buildUAC(req *sipgo_sip.Request, base *sipgo_sip.Response) {
	inv := c.dcs.InviteRequest
	req.AppendHeader(sipgo_sip.HeaderClone(inv.From()))
	req.AppendHeader(sipgo_sip.HeaderClone(base.To()))
	req.AppendHeader(sipgo_sip.HeaderClone(inv.CallID()))
	c.cseq = max(c.cseq, inv.CSeq().SeqNo) + 1
	req.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: c.cseq, MethodName: req.Method})
	mf := sipgo_sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	rr := base.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		req.AppendHeader(sipgo_sip.NewHeader("Route", rr[i].Value()))
	}
	if r := req.Route(); r != nil {
		req.SetDestination(r.Address.HostPort())
	}
	if req.Body() == nil {
		req.SetBody(nil)
	}
}

// doInDialog sends req in the dialog and waits for its final response.
func (c *Call) doInDialog(ctx context.Context, req *sipgo_sip.Request) (*sipgo_sip.Response, error) {
	c.reqMu.Lock()
	tx, err := c.startInDialog(ctx, req)
	c.reqMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("sip: %s %s: %w", req.Method, c.id, err)
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if req.IsInvite() && res.IsSuccess() {
				c.ackReInvite(req, res)
			}
			return res, nil
		case <-tx.Done():
			return nil, fmt.Errorf("sip: %s %s: %w", req.Method, c.id, errors.Join(errors.New("transaction ended"), tx.Err()))
		case <-ctx.Done():
			return nil, fmt.Errorf("sip: %s %s: %w", req.Method, c.id, ctx.Err())
		}
	}
}

// ackReInvite acknowledges a 2xx to a re-INVITE (RFC 3261 13.2.2.4, 14.1):
// the ACK goes to the remote target with the INVITE's CSeq number.
func (c *Call) ackReInvite(inv *sipgo_sip.Request, res *sipgo_sip.Response) {
	ack := sipgo_sip.NewRequest(sipgo_sip.ACK, *inv.Recipient.Clone())
	ack.AppendHeader(sipgo_sip.HeaderClone(inv.From()))
	ack.AppendHeader(sipgo_sip.HeaderClone(res.To()))
	ack.AppendHeader(sipgo_sip.HeaderClone(inv.CallID()))
	ack.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipgo_sip.ACK})
	mf := sipgo_sip.MaxForwardsHeader(70)
	ack.AppendHeader(&mf)
	for _, h := range inv.GetHeaders("Route") {
		ack.AppendHeader(sipgo_sip.HeaderClone(h))
	}
	if ct := inv.Contact(); ct != nil {
		ack.AppendHeader(sipgo_sip.HeaderClone(ct))
	}
	ack.SetBody(nil)
	c.ua.prepare(ack, inv.Transport())
	if d := inv.Destination(); d != "" {
		ack.SetDestination(d)
	}
	if err := c.ua.cli.WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
		c.log.Warn("sip: ACK to re-INVITE", "err", err)
	}
}

// respondInDialog answers an in-dialog request with our Contact and
// Server headers.
func (c *Call) respondInDialog(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction, code int, reason string, body []byte, hdrs ...sipgo_sip.Header) error {
	res := sipgo_sip.NewResponseFromRequest(req, code, reason, body)
	if body != nil {
		ct := sipgo_sip.ContentTypeHeader(contentTypeSDP)
		res.AppendHeader(&ct)
	}
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if code >= 200 && code < 300 && (req.IsInvite() || req.Method == sipgo_sip.UPDATE) {
		ct := c.ua.accountContact(c.acc, req.Transport(), c.secure())
		res.AppendHeader(&ct)
	}
	res.AppendHeader(c.ua.serverHeader())
	return tx.Respond(res)
}

// inDialogCall finds the call an in-dialog request belongs to, answering
// 481 when there is none (RFC 3261 12.2.2).
func (u *UA) inDialogCall(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) *Call {
	c := u.lookupCall(req)
	if c == nil || !c.matchesDialog(req) {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return nil
	}
	return c
}

// headers is what requests and responses share for reading headers.
type headers interface {
	GetHeader(name string) sipgo_sip.Header
	GetHeaders(name string) []sipgo_sip.Header
}
