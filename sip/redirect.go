package sip

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// defaultMaxRedirects is how many 3xx responses one call follows unless
// Account.MaxRedirects says otherwise.
const defaultMaxRedirects = 5

// redirectState is an outgoing call's progress through 3xx responses
// (RFC 3261 8.1.3.4); guarded by the runOutgoing goroutine.
type redirectState struct {
	followed int             // 3xx responses followed
	tried    map[string]bool // Request-URIs (and 305 proxies) already tried
	queue    []redirectTarget
	lastFail *sipgo_sip.Response // the latest final failure of a target
	sent     []Diversion         // what DialWith asked us to send
	format   DiversionFormat
}

// redirectTarget is one place to retry the INVITE: a new Request-URI, or
// the same one through a proxy (305 Use Proxy).
type redirectTarget struct {
	uri   sipgo_sip.Uri
	proxy bool
	q     float64
}

// maxRedirects is the account's bound on followed 3xx responses; 0 means
// redirections are not followed.
func (a *account) maxRedirects() int {
	switch {
	case a.MaxRedirects < 0:
		return 0
	case a.MaxRedirects == 0:
		return defaultMaxRedirects
	}
	return a.MaxRedirects
}

// redirected decides what to do with the outcome err of the INVITE in
// flight: a 3xx adds its Contacts (by q, RFC 3261 8.1.3.4) in front of the
// targets still to try; the failure of a redirected attempt moves on to
// the next target (a 6xx ends the search, 16.7 step 8 as a UA applies it).
// It returns true when a new INVITE is on its way. When it gives up,
// c.redirects.lastFail holds the failure to report.
func (c *Call) redirected(ctx context.Context, err error) bool {
	st := &c.redirects
	if err == nil || ctx.Err() != nil {
		return false
	}
	var dr *sipgo.ErrDialogResponse
	isResp := errors.As(err, &dr)
	switch {
	case isResp && dr.Res.StatusCode >= 300 && dr.Res.StatusCode < 400:
		limit := c.acc.maxRedirects()
		if limit == 0 {
			return false
		}
		if st.followed >= limit {
			c.log.Warn("sip: redirection limit reached", "limit", limit, "code", dr.Res.StatusCode)
			st.queue = nil
			if st.lastFail == nil {
				st.lastFail = dr.Res
			}
			return false
		}
		st.followed++
		targets := c.redirectTargets(dr.Res)
		if len(targets) == 0 {
			c.log.Warn("sip: 3xx without a usable new Contact", "code", dr.Res.StatusCode)
		}
		c.learnDiversions(dr.Res)
		st.queue = append(targets, st.queue...)
		if len(st.queue) == 0 {
			if st.lastFail == nil {
				st.lastFail = dr.Res
			}
			return false
		}
	case st.followed == 0:
		return false // the first target's outcome is the call's outcome
	case isResp && dr.Res.StatusCode >= 600:
		st.lastFail = dr.Res
		st.queue = nil
		return false
	default:
		c.log.Info("sip: redirect target failed", "target", c.dcs.InviteRequest.Recipient.String(), "err", err)
		if isResp {
			st.lastFail = dr.Res
		}
		if len(st.queue) == 0 {
			return false
		}
	}
	for len(st.queue) > 0 {
		t := st.queue[0]
		st.queue = st.queue[1:]
		if err := c.reinviteTo(ctx, t); err != nil {
			c.log.Warn("sip: redirect target unusable", "target", t.uri.String(), "err", err)
			continue
		}
		return true
	}
	return false
}

// redirectTargets lists the new places a 3xx sends us to, best q first,
// without URIs already tried (loops) and without schemes other than sip,
// sips and tel. A tel URI becomes sip:number at the host the INVITE went
// to (the account's proxy or the Request-URI's host).
func (c *Call) redirectTargets(res *sipgo_sip.Response) []redirectTarget {
	st := &c.redirects
	prev := c.dcs.InviteRequest.Recipient
	var out []redirectTarget
	for _, h := range res.GetHeaders("Contact") {
		for _, v := range splitHeaderList(h.Value()) {
			_, raw, params := nameAddr(v)
			raw = strings.TrimSpace(raw)
			p := headerParams(params)
			q := 1.0
			if s, ok := p["q"]; ok {
				f, err := strconv.ParseFloat(s, 64)
				if err != nil || f < 0 || f > 1 {
					c.log.Warn("sip: 3xx Contact with bad q ignored", "contact", truncate(v))
					continue
				}
				q = f
			}
			if e, ok := p["expires"]; ok && e == "0" {
				continue
			}
			var u sipgo_sip.Uri
			lower := strings.ToLower(raw)
			switch {
			case strings.HasPrefix(lower, "tel:"):
				num, _, _ := strings.Cut(raw[4:], ";")
				if num == "" || strings.ContainsAny(num, "@<>\"\r\n ") {
					continue
				}
				u = *prev.Clone()
				u.Scheme = "sip"
				if c.acc.proxy != nil && !c.acc.proxyIsRegistrar {
					u = *c.acc.proxy.Clone()
				}
				u.User = num
				u.Headers = nil
			case strings.HasPrefix(lower, "sip:"), strings.HasPrefix(lower, "sips:"):
				if err := sipgo_sip.ParseUri(raw, &u); err != nil || u.Host == "" {
					c.log.Warn("sip: 3xx Contact malformed", "contact", truncate(v))
					continue
				}
				u.Headers = nil // RFC 3261 19.1.5 headers are not ours to copy blindly
			default:
				c.log.Info("sip: 3xx Contact scheme not followed", "contact", truncate(v))
				continue
			}
			if !knownTransport(uriTransport(&u)) {
				continue
			}
			t := redirectTarget{uri: u, q: q, proxy: res.StatusCode == 305}
			if st.tried[t.key()] {
				c.log.Warn("sip: redirect loop, target already tried", "target", u.String())
				continue
			}
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].q > out[j].q })
	return out
}

func (t redirectTarget) key() string {
	u := *t.uri.Clone()
	u.UriParams = nil
	k := strings.ToLower(u.String())
	if t.proxy {
		return "proxy " + k
	}
	return k
}

// markTried records the Request-URI of the first INVITE.
func (c *Call) markTried(u sipgo_sip.Uri) {
	if c.redirects.tried == nil {
		c.redirects.tried = map[string]bool{}
	}
	c.redirects.tried[redirectTarget{uri: u}.key()] = true
}

// learnDiversions keeps the Diversion or History-Info of a 3xx on the call
// (most recent first).
func (c *Call) learnDiversions(res *sipgo_sip.Response) {
	ds := divertedOf(res, c.log.Warn)
	if len(ds) == 0 {
		return
	}
	c.mu.Lock()
	c.diverted = append(ds, c.diverted...)
	if len(c.diverted) > maxDiversions {
		c.diverted = c.diverted[:maxDiversions]
	}
	c.mu.Unlock()
}

// reinviteTo sends the INVITE again to t: a new client transaction (new
// branch) with the same Call-ID, From tag, To and body, the next CSeq
// (RFC 3261 8.1.3.4), and the diversions known so far.
func (c *Call) reinviteTo(ctx context.Context, t redirectTarget) error {
	u := c.ua
	st := &c.redirects
	req := c.nextInvite("Via", "Route", "Authorization", "Proxy-Authorization", "Contact", "Diversion", "History-Info")
	var next *sipgo_sip.Uri
	if t.proxy {
		// 305 Use Proxy: the same Request-URI through the proxy given.
		route := *t.uri.Clone()
		route.User = ""
		if route.UriParams == nil {
			route.UriParams = sipgo_sip.NewParams()
		}
		route.UriParams.Add("lr", "")
		req.AppendHeader(&sipgo_sip.RouteHeader{Address: route})
		next = &route
	} else {
		recipient, route, err := u.target(c.acc, t.uri.String())
		if err != nil {
			return err
		}
		req.Recipient = recipient
		next = &req.Recipient
		if route != nil {
			req.AppendHeader(&sipgo_sip.RouteHeader{Address: *route})
			next = route
		}
	}
	transport := uriTransport(next)
	if !knownTransport(transport) {
		return fmt.Errorf("transport %s not supported", transport)
	}
	if transport == "TLS" && !u.cfg.hasListener("tls") || transport == "TCP" && !u.cfg.hasListener("tcp") {
		return fmt.Errorf("no %s listener", transport)
	}
	c.mu.Lock()
	ds := append(append([]Diversion(nil), c.diverted...), st.sent...)
	c.mu.Unlock()
	for i := range ds {
		ds[i], _ = cleanDiversion(ds[i], c.divDomain())
	}
	for _, h := range diversionHeaders(ds, st.format, req.Recipient.String()) {
		req.AppendHeader(h)
	}
	u.prepare(req, transport)
	st.tried[t.key()] = true
	c.log.Info("sip: following redirection", "to", req.Recipient.String(), "proxy", t.proxy, "count", st.followed)
	c.hops = hopState{next: next, hops: u.inviteHops(ctx, c.acc, next, false)}
	if err := c.sendInvite(ctx, req); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !t.proxy {
		toURI := *req.Recipient.Clone()
		toURI.UriParams, toURI.Headers = nil, nil
		c.remote = partyFrom("", toURI)
	}
	return nil
}

// Redirect answers an incoming call that is not yet answered with
// 302 Moved Temporarily listing contacts (sip:, sips: or tel: URIs, in
// order of preference, q 1.0 then 0.1 less each) and a Diversion header
// (RFC 5806) naming us, the called party, as the diverting party with
// reason (an RFC 5806 reason token, default "unconditional"), followed by
// the diversions the call already carried. The caller then calls the
// contacts itself. EventEnded follows with code 302.
func (c *Call) Redirect(contacts []string, reason string) error {
	if !c.incoming {
		return errNotIncoming
	}
	if len(contacts) == 0 {
		return fmt.Errorf("sip: redirect %s: no contact", c.id)
	}
	if reason == "" {
		reason = "unconditional"
	}
	if sanitizeToken(reason) == "" {
		return fmt.Errorf("sip: redirect %s: reason %q is not a token", c.id, reason)
	}
	var hdrs []sipgo_sip.Header
	var vals []string
	for i, ct := range contacts {
		ct = strings.TrimSpace(ct)
		if !validPartyURI(ct) {
			return fmt.Errorf("sip: redirect %s: contact %q is not a sip, sips or tel URI", c.id, ct)
		}
		v := "<" + ct + ">"
		if len(contacts) > 1 {
			v += ";q=" + strconv.FormatFloat(max(1-0.1*float64(i), 0.1), 'f', 1, 64)
		}
		vals = append(vals, v)
	}
	hdrs = append(hdrs, sipgo_sip.NewHeader("Contact", strings.Join(vals, ", ")))
	div := c.forwarder(reason)
	ds := append([]Diversion{div}, c.Diverted()...)
	if len(ds) > maxDiversions {
		ds = ds[:maxDiversions]
	}
	hdrs = append(hdrs, diversionHeaders(ds, DiversionHeader, "")...)
	if err := c.decide(); err != nil {
		return err
	}
	c.final <- finalResponse{code: 302, reason: "Moved Temporarily", hdrs: hdrs}
	return nil
}

// forwarder is us, the called party of an incoming call, as the diverting
// party.
func (c *Call) forwarder(reason string) Diversion {
	local := c.Local()
	d, err := cleanDiversion(Diversion{Number: local.Number, Name: local.Name, URI: local.URI, Reason: reason, Counter: 1}, c.divDomain())
	if err != nil {
		d, _ = cleanDiversion(Diversion{Number: c.acc.User, Reason: reason, Counter: 1}, c.ua.uriHost())
	}
	return d
}

// callInfoForwarding is the Call-Info value of a 181 (RFC 3261 20.9,
// purpose=forwarding): the forwarder's URI, with miniSIPServer's username
// (who forwarded) and contact (to whom) as generic parameters so that
// phones reading its format find them.
func callInfoForwarding(forwarder Diversion, to string) string {
	v := "<" + forwarder.URI + ">;purpose=forwarding"
	if forwarder.Number != "" {
		v += `;username="` + forwarder.Number + `"`
	}
	if to != "" {
		v += `;contact="` + to + `"`
	}
	return v
}

// ForwardedTo sends 181 Call Is Being Forwarded on an incoming call, for a
// call the gateway forwards to target (a number or URI): a Diversion header
// naming us, the called party, with reason (RFC 5806 token, default
// "unconditional"), and Call-Info: <sip:us>;purpose=forwarding naming who
// forwarded and to whom (username=, contact=, as miniSIPServer does).
func (c *Call) ForwardedTo(target, reason string) error {
	if !c.incoming {
		return errNotIncoming
	}
	if reason == "" {
		reason = "unconditional"
	}
	if sanitizeToken(reason) == "" {
		return fmt.Errorf("sip: forwarded %s: reason %q is not a token", c.id, reason)
	}
	to := strings.TrimSpace(target)
	if validPartyURI(to) {
		if n := uriNumber(to); n != "" {
			to = n
		}
	}
	to = sanitizeCallInfoParam(to)
	div := c.forwarder(reason)
	return c.sendProvisional(181, "Call Is Being Forwarded", nil,
		sipgo_sip.NewHeader("Diversion", formatDiversion(div)),
		sipgo_sip.NewHeader("Call-Info", callInfoForwarding(div, to)))
}

// sanitizeCallInfoParam keeps what may stand in a quoted parameter.
func sanitizeCallInfoParam(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > ' ' && r < 0x7f && r != '"' && r != '\\' {
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	return b.String()
}

// forwardedCallInfo is the Call-Info of Forwarded's 181: the party named by
// the Diversion value, else us.
func (c *Call) forwardedCallInfo(diversion string) sipgo_sip.Header {
	div := c.forwarder("unconditional")
	if ds, _ := parseDiversion(diversion); len(ds) > 0 {
		div = ds[0]
	}
	return sipgo_sip.NewHeader("Call-Info", callInfoForwarding(div, ""))
}
