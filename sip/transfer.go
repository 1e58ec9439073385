package sip

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// TransferHandler is implemented by Handlers that accept call transfer
// (REFER, RFC 3515). A Handler without it has incoming REFERs declined
// with 603.
type TransferHandler interface {
	// OnRefer is called when the peer of c asks us to call target. The
	// UA has accepted the REFER (202) and placed next, the call to
	// target (with the Replaces header of the REFER when it asked for an
	// attended transfer, RFC 3891); it reports next's progress to the
	// transferor in NOTIFYs with message/sipfrag bodies and ends c with
	// BYE once next is answered. The handler moves the line to next, whose
	// events it reads as for any call from Dial. It must not block.
	OnRefer(c *Call, target string, next *Call)
}

// ReasonReplaced is the EventEnded reason of a call replaced by another
// (INVITE with Replaces, RFC 3891 3) or transferred away.
const ReasonReplaced = "replaced"

// referTimeout bounds how long Transfer waits for the final NOTIFY.
const referTimeout = 5 * time.Minute

// transferState is the transferor's side of one REFER; guarded by Call.mu.
type transferState struct {
	notify   chan int      // sipfrag status codes from NOTIFYs
	progress chan Event    // transferee: events of the call placed for a REFER
	referrer *Call         // transferee: the call whose REFER placed this one
	ended    chan struct{} // closed when the call ends
}

// TransferError is a transfer that failed: the REFER was refused, or the
// transferee's call to the target failed with Code.
type TransferError struct {
	Code   int
	Reason string
}

func (e *TransferError) Error() string {
	return fmt.Sprintf("sip: transfer failed: %d %s", e.Code, e.Reason)
}

// Transfer asks the peer to call target (a SIP URI or a number, as for
// Dial) with REFER (RFC 3515, blind transfer). It returns nil once the
// peer reports in a NOTIFY that the target answered, a *TransferError when
// the REFER is refused or the call fails, or ctx's error. The call itself
// is left up: the transferor normally hangs up after success.
func (c *Call) Transfer(ctx context.Context, target string) error {
	r, _, err := c.ua.target(c.acc, target)
	if err != nil {
		return fmt.Errorf("sip: transfer %s: %w", c.id, err)
	}
	return c.refer(ctx, "<"+r.String()+">")
}

// TransferReplacing asks the peer to call the far end of other with a
// Replaces header naming other's dialog (attended transfer, RFC 3515 and
// RFC 3891 7.1), so the far end swaps the call with us for one with the
// peer. Results are as for Transfer.
func (c *Call) TransferReplacing(ctx context.Context, other *Call) error {
	other.mu.Lock()
	answered := other.state == stateAnswered
	other.mu.Unlock()
	if !answered {
		return fmt.Errorf("sip: transfer %s: call %s not answered", c.id, other.id)
	}
	t := other.remoteTarget()
	t.Headers = nil
	// Replaces names the dialog as its recipient sees it: to-tag is the
	// far end's own tag, from-tag ours (RFC 3891 3).
	rep := other.id + ";to-tag=" + other.remoteTag() + ";from-tag=" + other.localTag
	return c.refer(ctx, "<"+t.String()+"?Replaces="+url.QueryEscape(rep)+">")
}

func (c *Call) remoteTag() string {
	var tag string
	if c.incoming {
		tag, _ = c.dss.InviteRequest.From().Params.Get("tag")
	} else if res := c.dcs.InviteResponse; res != nil {
		tag, _ = res.To().Params.Get("tag")
	}
	return tag
}

func (c *Call) refer(ctx context.Context, referTo string) error {
	c.mu.Lock()
	if c.state != stateAnswered {
		c.mu.Unlock()
		return errNotAnswered
	}
	notify := make(chan int, 8)
	c.xfer.notify = notify
	ended := c.xfer.ended
	c.mu.Unlock()
	aor := c.ua.aor(c.acc)
	req := c.newInDialog(sipgo_sip.REFER, nil, "",
		sipgo_sip.NewHeader("Refer-To", referTo),
		sipgo_sip.NewHeader("Referred-By", "<"+aor.String()+">"))
	rctx, cancel := context.WithTimeout(ctx, 64*sipgo_sip.T1)
	res, err := c.doInDialog(rctx, req)
	cancel()
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return &TransferError{Code: res.StatusCode, Reason: res.Reason}
	}
	timeout := time.NewTimer(referTimeout)
	defer timeout.Stop()
	for {
		select {
		case code := <-notify:
			if code < 200 {
				continue
			}
			if code < 300 {
				return nil
			}
			return &TransferError{Code: code, Reason: defaultReason(code)}
		case <-ended:
			return fmt.Errorf("sip: transfer %s: %w", c.id, errCallEnded)
		case <-timeout.C:
			return fmt.Errorf("sip: transfer %s: no final NOTIFY", c.id)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// parseSipfrag reads the status line of a message/sipfrag body
// (RFC 3420), e.g. "SIP/2.0 200 OK".
func parseSipfrag(b []byte) (int, bool) {
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(strings.ToUpper(f[0]), "SIP/") {
		return 0, false
	}
	code, err := strconv.Atoi(f[1])
	if err != nil || code < 100 || code > 699 {
		return 0, false
	}
	return code, true
}

func eventPackage(req *sipgo_sip.Request) string {
	h := req.GetHeader("Event")
	if h == nil {
		h = req.GetHeader("o")
	}
	if h == nil {
		return ""
	}
	v, _, _ := strings.Cut(h.Value(), ";")
	return strings.ToLower(strings.TrimSpace(v))
}

func (u *UA) onNotify(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	switch eventPackage(req) {
	case "refer":
		c := u.inDialogCall(req, tx)
		if c == nil {
			return
		}
		code, ok := parseSipfrag(req.Body())
		if !ok {
			u.respond(req, tx, 400, "Bad Request - sipfrag")
			return
		}
		u.respond(req, tx, 200, "OK")
		c.mu.Lock()
		ch := c.xfer.notify
		c.mu.Unlock()
		if ch != nil {
			select {
			case ch <- code:
			default:
			}
		}
	case "message-summary":
		u.onMWINotify(req, tx)
	default:
		u.respond(req, tx, 489, "Bad Event")
	}
}

// parseReferTo splits a Refer-To value into the target URI and the
// Replaces header it embeds, if any (RFC 3515 2.1, RFC 3891 7.1).
func parseReferTo(v string) (target sipgo_sip.Uri, replaces string, err error) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return target, "", errors.New("unterminated <")
		}
		v = v[i+1 : i+j]
	}
	uri, hdrs, _ := strings.Cut(v, "?")
	if err := sipgo_sip.ParseUri(uri, &target); err != nil || target.Host == "" {
		return target, "", fmt.Errorf("bad URI %q", uri)
	}
	if target.Scheme != "sip" && target.Scheme != "sips" {
		return target, "", fmt.Errorf("scheme %q not supported", target.Scheme)
	}
	for _, kv := range strings.Split(hdrs, "&") {
		k, val, _ := strings.Cut(kv, "=")
		if strings.EqualFold(k, "Replaces") {
			if replaces, err = url.QueryUnescape(val); err != nil {
				return target, "", fmt.Errorf("bad Replaces %q", val)
			}
		}
	}
	return target, replaces, nil
}

// onRefer handles a REFER in a call's dialog (RFC 3515 2.4.2): 202, then
// the call to the target, whose progress goes back in NOTIFYs.
func (u *UA) onRefer(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.inDialogCall(req, tx)
	if c == nil {
		return
	}
	th, ok := u.h.(TransferHandler)
	if !ok {
		u.respond(req, tx, 603, "Decline")
		return
	}
	h := req.GetHeader("Refer-To")
	if h == nil {
		h = req.GetHeader("r")
	}
	if h == nil {
		u.respond(req, tx, 400, "Bad Request - Missing Refer-To")
		return
	}
	target, replaces, err := parseReferTo(h.Value())
	if err != nil {
		u.respond(req, tx, 400, "Bad Request - Refer-To")
		return
	}
	c.mu.Lock()
	answered := c.state == stateAnswered
	c.mu.Unlock()
	if !answered {
		u.respond(req, tx, 491, "Request Pending")
		return
	}
	u.respond(req, tx, 202, "Accepted")
	var extra []sipgo_sip.Header
	if replaces != "" {
		extra = append(extra, sipgo_sip.NewHeader("Replaces", replaces))
	}
	if rb := req.GetHeader("Referred-By"); rb != nil {
		extra = append(extra, sipgo_sip.NewHeader("Referred-By", rb.Value()))
	}
	go c.followRefer(th, target, extra)
}

// followRefer places the referred call and reports it (RFC 3515 2.4.4,
// 2.4.5): NOTIFY 100 at once, then the provisional and final statuses.
func (c *Call) followRefer(th TransferHandler, target sipgo_sip.Uri, extra []sipgo_sip.Header) {
	c.sendReferNotify(100, "Trying", false)
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
	defer cancel()
	next, err := c.ua.dialObserved(ctx, c.acc.Name, target.String(), c, extra...)
	if err != nil {
		c.log.Warn("sip: REFER target", "err", err)
		c.sendReferNotify(503, "Service Unavailable", true)
		return
	}
	th.OnRefer(c, target.String(), next)
	for ev := range next.xfer.progress {
		switch ev.Kind {
		case EventRinging, EventProgress:
			c.sendReferNotify(ev.Code, ev.Reason, false)
		case EventAnswered:
			c.sendReferNotify(200, "OK", true)
			_ = c.hangupReason(ReasonReplaced)
			return
		case EventFailed, EventEnded:
			code := ev.Code
			if code < 300 {
				code = 487
			}
			c.sendReferNotify(code, ev.Reason, true)
			return
		}
	}
}

func (c *Call) sendReferNotify(code int, reason string, final bool) {
	if reason == "" {
		reason = defaultReason(code)
	}
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	body := fmt.Appendf(nil, "SIP/2.0 %d %s\r\n", code, reason)
	req := c.newInDialog(sipgo_sip.NOTIFY, body, "message/sipfrag;version=2.0",
		sipgo_sip.NewHeader("Event", "refer"),
		sipgo_sip.NewHeader("Subscription-State", state))
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
	defer cancel()
	if res, err := c.doInDialog(ctx, req); err != nil {
		c.log.Warn("sip: NOTIFY", "err", err)
	} else if !res.IsSuccess() {
		c.log.Warn("sip: NOTIFY refused", "code", res.StatusCode)
	}
}

// dialObserved dials like Dial; the call's events are copied to
// next.xfer.progress for the REFER that placed it.
func (u *UA) dialObserved(ctx context.Context, account, target string, referrer *Call, extra ...sipgo_sip.Header) (*Call, error) {
	return u.dialWith(ctx, account, target, func(n *Call) {
		n.xfer.progress = make(chan Event, 8)
		n.xfer.referrer = referrer
	}, extra...)
}

// matchReplaces finds the call a Replaces header names (RFC 3891 3):
// Call-ID, our tag as to-tag, the peer's as from-tag. It returns the call,
// or nil with the status to refuse the INVITE with (481 when there is no
// such confirmed dialog).
func (u *UA) matchReplaces(v string) (*Call, int) {
	parts := strings.Split(v, ";")
	id := strings.TrimSpace(parts[0])
	var toTag, fromTag string
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(k) {
		case "to-tag":
			toTag = val
		case "from-tag":
			fromTag = val
		}
	}
	var c *Call
	for _, o := range u.callsByID(id) {
		o.mu.Lock()
		ok := o.state == stateAnswered && o.localTag == toTag
		o.mu.Unlock()
		if ok && o.remoteTag() == fromTag {
			c = o
			break
		}
	}
	if c == nil || id == "" {
		return nil, 481
	}
	return c, 0
}

// Replaces returns the call this incoming call replaces (an attended
// transfer's INVITE with Replaces, RFC 3891), or nil. The UA ends that
// call when this one is answered; the handler should answer at once.
func (c *Call) Replaces() *Call { return c.replaces }
