package sip

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Session timer defaults (RFC 4028 4: Min-SE is at least 90 s; 1800 s is
// the recommended Session-Expires).
const (
	defaultSessionExpires = 1800 * time.Second
	minMinSE              = 90 * time.Second
	ReasonSessionExpired  = "session expired" // EventEnded reason: no refresh came (RFC 4028 10)
)

// sessionTimer is a call's RFC 4028 state; guarded by Call.mu.
type sessionTimer struct {
	interval   time.Duration // negotiated Session-Expires; 0 = no timer
	refresher  bool          // we send the refreshes
	peerMinSE  time.Duration // the peer's Min-SE, from a 422 or request
	peerUpdate bool          // the peer allows UPDATE: refresh with it
	peerTimer  bool          // the peer supports the timer extension
	timer      *time.Timer
	refreshes  int // refreshes sent or received, for tests and logs
}

// parseSessionExpires reads "delta-seconds[;refresher=uac|uas]" (RFC 4028 4).
func parseSessionExpires(m headers) (d time.Duration, refresher string, ok bool) {
	h := m.GetHeader("Session-Expires")
	if h == nil {
		h = m.GetHeader("x")
	}
	if h == nil {
		return 0, "", false
	}
	parts := strings.Split(h.Value(), ";")
	n, err := strconv.ParseUint(strings.TrimSpace(parts[0]), 10, 32)
	if err != nil || n == 0 {
		return 0, "", false
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "refresher") {
			refresher = strings.ToLower(strings.TrimSpace(v))
		}
	}
	return time.Duration(n) * time.Second, refresher, true
}

func parseMinSE(m headers) time.Duration {
	if h := m.GetHeader("Min-SE"); h != nil {
		v, _, _ := strings.Cut(h.Value(), ";")
		if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return 0
}

func secs(d time.Duration) string { return strconv.Itoa(int(d / time.Second)) }

func (u *UA) sessionTimersOn() bool { return u.cfg.SessionExpires > 0 }

// inviteTimerHeaders are the RFC 4028 7.1 headers of our initial INVITE.
func (u *UA) inviteTimerHeaders(se time.Duration) []sipgo_sip.Header {
	if !u.sessionTimersOn() {
		return nil
	}
	return []sipgo_sip.Header{
		sipgo_sip.NewHeader("Session-Expires", secs(se)),
		sipgo_sip.NewHeader("Min-SE", secs(u.cfg.MinSE)),
	}
}

// checkRequest applies RFC 4028 8.1/9 to a request carrying
// Session-Expires: one below our Min-SE is refused with 422 and our Min-SE.
func (st *sessionTimer) checkRequest(c *Call, req *sipgo_sip.Request) (int, []sipgo_sip.Header) {
	se, _, ok := parseSessionExpires(req)
	if !ok || !c.ua.sessionTimersOn() || se >= c.ua.cfg.MinSE {
		return 0, nil
	}
	return 422, []sipgo_sip.Header{sipgo_sip.NewHeader("Min-SE", secs(c.ua.cfg.MinSE))}
}

// answerHeaders decides the session timer of an incoming INVITE (RFC 4028
// 9) and returns the headers of our 2xx. The UAC's refresher choice is
// kept; without one we let a UAC that supports timers refresh, and refresh
// ourselves otherwise.
func (st *sessionTimer) answerHeaders(c *Call, req *sipgo_sip.Request) []sipgo_sip.Header {
	u := c.ua
	if !u.sessionTimersOn() {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st.peerTimer = hasOptionTag(req, "Supported", tagTimer) || hasOptionTag(req, "Require", tagTimer)
	st.peerUpdate = hasAllow(req, "UPDATE")
	se, ref, ok := parseSessionExpires(req)
	switch {
	case ok:
		// RFC 4028 9: we may lower it, never below either Min-SE.
		se = max(min(se, u.cfg.SessionExpires), u.cfg.MinSE, parseMinSE(req))
	case st.peerTimer:
		se = u.cfg.SessionExpires
	default:
		return nil
	}
	switch ref {
	case "uac":
		st.refresher = false
	case "uas":
		st.refresher = true
	default:
		st.refresher = !st.peerTimer
	}
	if !st.peerTimer {
		st.refresher = true // RFC 4028 9: a UAC without timer support cannot refresh
	}
	st.interval = se
	return st.headersLocked(false)
}

// headersLocked is Session-Expires with the refresher as seen in a message
// we send: in a request "uac" names its sender (RFC 4028 4), in a response
// "uas" names us.
func (st *sessionTimer) headersLocked(request bool) []sipgo_sip.Header {
	ref := "uas"
	if st.refresher == request {
		ref = "uac"
	}
	hdrs := []sipgo_sip.Header{sipgo_sip.NewHeader("Session-Expires", secs(st.interval)+";refresher="+ref)}
	if !request && st.peerTimer {
		hdrs = append(hdrs, sipgo_sip.NewHeader("Require", tagTimer))
	}
	return hdrs
}

// onAnswered reads the timer granted in the 2xx to our INVITE (RFC 4028
// 7.2) and arms it; for an incoming call it arms what answerHeaders chose.
func (st *sessionTimer) onAnswered(c *Call, res *sipgo_sip.Response) {
	if !c.ua.sessionTimersOn() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if res != nil {
		st.peerUpdate = hasAllow(res, "UPDATE")
		st.peerTimer = hasOptionTag(res, "Require", tagTimer) || hasOptionTag(res, "Supported", tagTimer)
		se, ref, ok := parseSessionExpires(res)
		if !ok {
			st.interval = 0
			return
		}
		st.interval = se
		// Without a refresher the UAS does not support timers (a proxy
		// added Session-Expires) and the UAC refreshes (RFC 4028 7.2).
		st.refresher = ref != "uas"
	}
	st.armLocked(c)
}

// armLocked (re)starts the timer: the refresher refreshes half-way through
// the interval (RFC 4028 10); the other side sends BYE when the interval
// minus min(32 s, interval/3) passes without a refresh.
func (st *sessionTimer) armLocked(c *Call) {
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	if st.interval <= 0 || c.state == stateEnded {
		return
	}
	if st.refresher {
		st.timer = time.AfterFunc(st.interval/2, c.refreshSession)
		return
	}
	st.timer = time.AfterFunc(st.interval-min(32*time.Second, st.interval/3), c.sessionExpired)
}

func (st *sessionTimer) stopLocked() {
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
}

// refreshHeaders are the timer headers of a refresh request of ours.
func (st *sessionTimer) refreshHeaders(c *Call) []sipgo_sip.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.interval <= 0 {
		return nil
	}
	hdrs := st.headersLocked(true)
	return append(hdrs, sipgo_sip.NewHeader("Min-SE", secs(max(c.ua.cfg.MinSE, st.peerMinSE))))
}

// onRefreshResponse applies the 2xx to a refresh of ours (RFC 4028 7.4).
func (st *sessionTimer) onRefreshResponse(c *Call, res *sipgo_sip.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st.interval <= 0 {
		return
	}
	se, ref, ok := parseSessionExpires(res)
	if !ok {
		st.interval = 0
		st.stopLocked()
		return
	}
	st.interval = se
	st.refresher = ref != "uas"
	st.refreshes++
	st.armLocked(c)
}

// onRefreshRequest applies a re-INVITE or UPDATE of the peer's as a
// refresh (RFC 4028 9) and returns the timer headers of our 2xx.
func (st *sessionTimer) onRefreshRequest(c *Call, req *sipgo_sip.Request) []sipgo_sip.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ua.sessionTimersOn() {
		return nil
	}
	se, ref, ok := parseSessionExpires(req)
	if ok {
		st.interval = max(se, c.ua.cfg.MinSE)
		st.refresher = ref == "uas" // "uac" names the peer, the sender
	}
	if st.interval <= 0 {
		return nil
	}
	st.refreshes++
	st.armLocked(c)
	if !ok && !hasOptionTag(req, "Supported", tagTimer) {
		return nil
	}
	return st.headersLocked(false)
}

// SessionTimer reports the negotiated session interval (0 when none),
// whether we are the refresher, and how many refreshes have happened.
func (c *Call) SessionTimer() (interval time.Duration, refresher bool, refreshes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.st.interval, c.st.refresher, c.st.refreshes
}

// refreshSession sends the refresh: UPDATE without a body when the peer
// allows it, else a re-INVITE with our current offer (RFC 4028 7.4, 10).
// A 422 raises the interval to the peer's Min-SE and retries; a refresh
// that fails with 408 or 481, or gets no answer, ends the call.
func (c *Call) refreshSession() {
	for try := 0; try < 2; try++ {
		c.mu.Lock()
		if c.state != stateAnswered || c.hangingUp {
			c.mu.Unlock()
			return
		}
		useUpdate := c.st.peerUpdate
		c.mu.Unlock()
		var err error
		var res *sipgo_sip.Response
		if useUpdate {
			hdrs := append([]sipgo_sip.Header{sipgo_sip.NewHeader("Supported", supportedTags)}, c.st.refreshHeaders(c)...)
			req := c.newInDialog(sipgo_sip.UPDATE, nil, "", hdrs...)
			ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
			res, err = c.doInDialog(ctx, req)
			cancel()
			if err == nil && res.IsSuccess() {
				c.st.onRefreshResponse(c, res)
				return
			}
			if err == nil {
				if res.StatusCode == 422 {
					c.st.on422(c, res)
				}
				err = &ReofferError{Code: res.StatusCode, Reason: res.Reason}
			}
		} else {
			err = c.reoffer("")
			if err == nil {
				return
			}
		}
		var re *ReofferError
		if errors.As(err, &re) && re.Code == 422 {
			continue // refreshHeaders now carries the raised interval
		}
		code := 0
		if re != nil {
			code = re.Code
		}
		if re == nil || code == 408 || code == 481 {
			c.log.Warn("sip: session refresh failed, ending call", "err", err)
			_ = c.hangupReason(ReasonSessionExpired)
			return
		}
		c.log.Warn("sip: session refresh refused", "err", err)
		c.mu.Lock()
		c.st.armLocked(c)
		c.mu.Unlock()
		return
	}
}

// sessionExpired ends a call whose refresher let the session lapse
// (RFC 4028 10).
func (c *Call) sessionExpired() {
	c.log.Info("sip: session expired without refresh")
	_ = c.hangupReason(ReasonSessionExpired)
}

// hasAllow reports whether m's Allow header names method (absent Allow:
// not allowed).
func hasAllow(m headers, method string) bool {
	return len(m.GetHeaders("Allow")) > 0 && allows(m, method)
}

// on422 raises the interval to the Min-SE of a 422 response (RFC 4028 7.4).
func (st *sessionTimer) on422(c *Call, res *sipgo_sip.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m := parseMinSE(res); m > 0 {
		st.peerMinSE = m
		st.interval = max(st.interval, m)
	}
}
