package sip

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Outgoing INVITEs try the addresses of their next hop in turn (RFC 3263
// 4.3, RFC 3261 16.6 step 7 as a UAC applies it): the Route (outbound
// proxy) or the Request-URI host is resolved into an ordered list of
// hops (NAPTR, SRV by priority and RFC 2782 weight, A/AAAA), and the
// INVITE moves on to the next hop when the current one cannot be reached,
// stays silent for Config.hopTimeout, or answers 503. A hop that sent a
// provisional response other than 100 is committed to.

// deadHopHold is how long a hop that failed goes to the back of the list
// for the calls that follow, so that they go straight to a live one.
const deadHopHold = 60 * time.Second

// maxRetryAfter bounds how long a 503's Retry-After keeps a hop back.
const maxRetryAfter = 10 * time.Minute

// deadHops remembers next hops that recently failed; safe for concurrent
// use, the zero value is ready.
type deadHops struct {
	mu    sync.Mutex
	until map[hop]time.Time
}

// mark keeps h at the back of hop lists until now+d.
func (d *deadHops) mark(h hop, now time.Time, dur time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.until == nil {
		d.until = map[hop]time.Time{}
	}
	for k, t := range d.until {
		if !now.Before(t) {
			delete(d.until, k)
		}
	}
	d.until[h] = now.Add(dur)
}

// alive forgets that h failed: it answered.
func (d *deadHops) alive(h hop) {
	d.mu.Lock()
	delete(d.until, h)
	d.mu.Unlock()
}

func (d *deadHops) dead(h hop, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, ok := d.until[h]
	return ok && now.Before(t)
}

// order returns hs with the hops that recently failed moved to the back,
// the order otherwise kept: a dead hop is still tried when nothing else
// answers.
func (d *deadHops) order(hs []hop, now time.Time) []hop {
	out := make([]hop, 0, len(hs))
	var back []hop
	for _, h := range hs {
		if d.dead(h, now) {
			back = append(back, h)
		} else {
			out = append(out, h)
		}
	}
	return append(out, back...)
}

// hopState is an outgoing call's place among the addresses of the next
// hop of its INVITE; guarded by the runOutgoing goroutine (by dialWith
// before it starts).
type hopState struct {
	next      *sipgo_sip.Uri // what was resolved: the Route or the Request-URI
	hops      []hop          // nil: sipgo resolves next itself
	idx       int            // the hop the INVITE in flight went to
	committed bool           // a provisional response other than 100 came
	responded bool           // some response came from the hop
	timedOut  bool           // the hop timer ended the transaction
}

func (s *hopState) current() (hop, bool) {
	if s.idx < len(s.hops) {
		return s.hops[s.idx], true
	}
	return hop{}, false
}

// inviteHops resolves next into the hops to try, dead ones last. When the
// INVITE goes where the account registers (followReg), the hop of the
// current binding comes first, then every address of the registrar and
// its backups. nil means resolution failed and sipgo resolves next.
func (u *UA) inviteHops(ctx context.Context, a *account, next *sipgo_sip.Uri, followReg bool) []hop {
	var hs []hop
	if r := u.registrationOf(a); followReg && r != nil {
		if h, ok := r.current(); ok {
			hs = append(hs, h)
		}
		for _, s := range r.servers {
			more, err := u.resolveURI(ctx, s)
			if err != nil {
				u.log.Debug("sip: resolve", "server", s.String(), "err", err)
			}
			for _, h := range more {
				if !slices.Contains(hs, h) {
					hs = append(hs, h)
				}
			}
		}
	}
	if len(hs) == 0 {
		var err error
		if hs, err = u.resolveURI(ctx, next); err != nil {
			u.log.Debug("sip: resolve", "uri", next.String(), "err", err)
			return nil
		}
	}
	return u.deadHops.order(hs, time.Now())
}

// sendInvite sends req in a new INVITE client transaction to the current
// hop of c.hops and sets c.dua and c.dcs. A hop that cannot be reached
// (connection refused, failed TLS handshake) is marked dead and the next
// one tried. Over TLS the server certificate is verified against the
// host of the URI resolved, not the address (RFC 5922 4.1).
func (c *Call) sendInvite(ctx context.Context, req *sipgo_sip.Request) error {
	u, hs := c.ua, &c.hops
	secure := req.Recipient.IsEncrypted() || hs.next.IsEncrypted()
	for {
		transport := req.Transport()
		h, ok := hs.current()
		dest := ""
		if ok {
			transport, dest = h.Transport, h.Addr
		}
		req.SetDestination(dest)
		req.Laddr = sipgo_sip.Addr{}
		u.prepare(req, transport)
		contact := u.accountContact(c.acc, transport, secure)
		req.RemoveHeader("Contact")
		req.AppendHeader(&contact)
		var err error
		if transport == "TLS" {
			err = u.secureNextHop(ctx, req, hs.next, dest)
		}
		if err == nil {
			dua := &sipgo.DialogUA{Client: u.cli, ContactHDR: contact}
			c.mu.Lock() // a Hangup racing with the send waits for c.dcs
			var dcs *sipgo.DialogClientSession
			if dcs, err = dua.WriteInvite(ctx, req); err == nil {
				c.dua, c.dcs = dua, dcs
				c.haveRSeq = false
			}
			c.mu.Unlock()
		}
		hs.committed, hs.responded, hs.timedOut = false, false, false
		if err == nil {
			if ok {
				c.log.Info("sip: INVITE sent", "hop", h.String(), "try", hs.idx+1, "of", len(hs.hops))
			}
			return nil
		}
		if !ok || ctx.Err() != nil || hs.idx+1 >= len(hs.hops) {
			return err
		}
		c.log.Warn("sip: next hop unreachable, trying the next", "hop", h.String(), "err", err)
		u.deadHops.mark(h, time.Now(), deadHopHold)
		hs.idx++
		req.RemoveHeader("Via")
	}
}

// waitAnswer is WaitAnswer for the INVITE in flight, noting what the hop
// sent. While further hops remain it gives up on a hop silent for the hop
// timeout (no CANCEL: nothing to cancel before a provisional, RFC 3261
// 9.1). An INVITE sent to a resolved address is cancelled here, to that
// same address (sipgo would resolve the URI anew); ctx ending is Hangup.
func (c *Call) waitAnswer(ctx context.Context, opts sipgo.AnswerOptions) error {
	hs := &c.hops
	dcs := c.dcs
	on := opts.OnResponse
	h, fixed := hs.current()
	var heard, final atomic.Bool
	provisional := make(chan struct{})
	var once sync.Once
	// The CANCEL is built here, in WaitAnswer's goroutine, while the
	// INVITE is not being changed (sipgo rewrites it to answer a
	// challenge).
	var cmu sync.Mutex
	var cancelReq *sipgo_sip.Request
	opts.OnResponse = func(res *sipgo_sip.Response) error {
		heard.Store(true)
		hs.responded = true
		if !res.IsProvisional() {
			final.Store(true)
		}
		if res.IsProvisional() {
			if fixed {
				r := cancelFor(dcs.InviteRequest, h)
				cmu.Lock()
				cancelReq = r
				cmu.Unlock()
			}
			once.Do(func() { close(provisional) })
			if res.StatusCode != 100 {
				hs.committed = true
			}
		}
		if fixed && res.StatusCode != 503 {
			c.ua.deadHops.alive(h)
		}
		return on(res)
	}
	if !fixed || (len(hs.hops) == 1 && sipgoReaches(dcs.InviteRequest, h)) {
		// sipgo's own CANCEL goes where the INVITE went when the next hop
		// is that IP address; it also knows a final response from a late
		// one, so it is the one to use whenever it can be.
		return dcs.WaitAnswer(ctx, opts)
	}
	wctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if !hs.responded && hs.idx+1 < len(hs.hops) {
		t := time.AfterFunc(c.ua.cfg.hopTimeout, func() {
			if !heard.Load() {
				cancel(sipgo.WaitAnswerForceCancelErr)
			}
		})
		defer t.Stop()
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		select {
		case <-provisional:
		case <-done:
			return
		}
		if final.Load() {
			// The final response is in: nothing left to cancel (a 2xx is
			// ACKed and ended with BYE by the caller of waitAnswer).
			return
		}
		cmu.Lock()
		r := cancelReq
		cmu.Unlock()
		if code, err := c.sendCancel(r); err != nil {
			c.log.Warn("sip: CANCEL", "hop", h.String(), "err", err)
			cancel(sipgo.WaitAnswerForceCancelErr)
			return
		} else if code != 200 {
			// 481: the INVITE's final response crossed the CANCEL (RFC
			// 3261 9.2); it is on its way, so keep waiting for it (a 2xx
			// is then ACKed and ended with BYE), as long as 64*T1.
			c.log.Info("sip: CANCEL refused, the final response crossed it", "hop", h.String(), "code", code)
		}
		// RFC 3261 9.1: no final response 64*T1 after the CANCEL ends it.
		t := time.NewTimer(64 * sipgo_sip.T1)
		defer t.Stop()
		select {
		case <-t.C:
			cancel(sipgo.WaitAnswerForceCancelErr)
		case <-done:
		}
	}()
	err := dcs.WaitAnswer(wctx, opts)
	if ctx.Err() != nil {
		// Hung up: a crossing 2xx stays in InviteResponse to be ACKed
		// and ended with BYE.
		return ctx.Err()
	}
	if errors.Is(context.Cause(wctx), sipgo.WaitAnswerForceCancelErr) {
		// The hop timer ended the transaction (a response racing with it
		// came too late to keep it).
		hs.timedOut = true
	}
	return err
}

// cancelFor is the CANCEL of inv, sent to h where inv went (RFC 3261 9.1:
// same Request-URI, Call-ID, To, From, CSeq number and top Via as the
// INVITE, and its Route).
func cancelFor(inv *sipgo_sip.Request, h hop) *sipgo_sip.Request {
	req := sipgo_sip.NewRequest(sipgo_sip.CANCEL, *inv.Recipient.Clone())
	req.AppendHeader(sipgo_sip.HeaderClone(inv.Via()))
	req.AppendHeader(sipgo_sip.HeaderClone(inv.From()))
	req.AppendHeader(sipgo_sip.HeaderClone(inv.To()))
	req.AppendHeader(sipgo_sip.HeaderClone(inv.CallID()))
	req.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipgo_sip.CANCEL})
	mf := sipgo_sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	sipgo_sip.CopyHeaders("Route", inv, req)
	req.SetTransport(h.Transport)
	req.SetDestination(h.Addr)
	req.Laddr = inv.Laddr
	return req
}

// sendCancel sends req, a CANCEL, and returns the final status it got;
// err means none came.
func (c *Call) sendCancel(req *sipgo_sip.Request) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
	defer cancel()
	res, err := c.ua.cli.Do(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// sipgoReaches says whether sipgo, sending a request for inv by itself
// (as its CANCEL), would reach hop h: the next hop (Route, else the
// Request-URI) is h's IP address and port, on h's transport.
func sipgoReaches(inv *sipgo_sip.Request, h hop) bool {
	u := inv.Recipient
	if r := inv.Route(); r != nil {
		u = r.Address
	}
	lit, ok := literalHop(&u)
	return ok && lit == h
}

// failedOver decides what to do with the outcome err of the INVITE in
// flight: when its hop was unreachable, silent (hop timeout or Timer B)
// or answered 503 before committing, the hop is marked dead and the
// INVITE goes to the next hop (RFC 3263 4.3) as a new transaction: new
// branch, next CSeq, same Call-ID, tags and body. It returns true when a
// new INVITE is on its way.
func (c *Call) failedOver(ctx context.Context, err error) bool {
	hs := &c.hops
	if err == nil || ctx.Err() != nil || hs.committed && !hs.timedOut {
		return false
	}
	h, ok := hs.current()
	if !ok || hs.idx+1 >= len(hs.hops) {
		return false
	}
	var dr *sipgo.ErrDialogResponse
	hold := deadHopHold
	why := "no response"
	switch {
	case errors.As(err, &dr):
		if dr.Res.StatusCode != 503 {
			return false
		}
		why = "503"
		if ra := dr.Res.GetHeader("Retry-After"); ra != nil {
			if d, ok := retryAfter(ra.Value()); ok {
				hold = d
			}
		}
	case hs.timedOut:
		why = "hop timeout"
	case hs.responded:
		return false // the hop is alive: what went wrong is the call's outcome
	}
	c.ua.deadHops.mark(h, time.Now(), hold)
	c.log.Warn("sip: next hop failed, trying the next", "hop", h.String(), "why", why, "err", err)
	hs.idx++
	req := c.nextInvite("Via", "Authorization", "Proxy-Authorization")
	if serr := c.sendInvite(ctx, req); serr != nil {
		c.log.Warn("sip: no further hop reachable", "err", serr)
		return false
	}
	return true
}

// nextInvite is a copy of the INVITE in flight for a new client
// transaction: the headers named removed, the next CSeq (RFC 3261
// 8.1.3.4), no fixed destination.
func (c *Call) nextInvite(remove ...string) *sipgo_sip.Request {
	req := c.dcs.InviteRequest.Clone()
	for _, h := range remove {
		for req.RemoveHeader(h) {
		}
	}
	req.SetDestination("")
	req.CSeq().SeqNo = c.dcs.CSEQ() + 1
	return req
}

// retryAfter reads a Retry-After value (RFC 3261 20.33: delta-seconds,
// then an optional comment and parameters), bounded by maxRetryAfter.
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	end := strings.IndexAny(v, " \t;(")
	if end >= 0 {
		v = v[:end]
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return min(time.Duration(n)*time.Second, maxRetryAfter), true
}
