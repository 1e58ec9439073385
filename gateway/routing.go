package gateway

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones for Config.TimeZone on a box without /usr/share/zoneinfo

	"tipring/dsp/tone"
	"tipring/sip"
	"tipring/telephony/digitmap"
)

// route is a compiled entry of the routing table.
type route struct {
	r       Route
	called  matcher
	calling *matcher // nil: any calling number
	times   []TimeSpec
	replace *regexp.Regexp // called number; nil = none
	callRe  *regexp.Regexp // calling number; nil = none
	grp     *group         // Group or Lines: hunted
	port    *port          // Port
}

// matcher matches a number by digit map (complete on timeout) or regular
// expression.
type matcher struct {
	m  *digitmap.Map
	re *regexp.Regexp
}

// compilePattern compiles a route pattern: "re:" and a Go regular
// expression, else a digit map.
func compilePattern(s string) (matcher, error) {
	if expr, ok := strings.CutPrefix(s, "re:"); ok {
		re, err := regexp.Compile(expr)
		if err != nil {
			return matcher{}, fmt.Errorf("regexp %q: %w", expr, err)
		}
		return matcher{re: re}, nil
	}
	m, err := digitmap.Parse(s)
	if err != nil {
		return matcher{}, err
	}
	return matcher{m: m}, nil
}

// CheckPattern reports whether s is a valid route pattern (Route.Pattern,
// Route.Calling).
func CheckPattern(s string) error {
	_, err := compilePattern(s)
	return err
}

// CheckReplace reports whether r is a valid number rewrite: a compilable
// Match and a Replace that refers only to groups Match has.
func CheckReplace(r Replace) error {
	_, err := compileReplace(r)
	return err
}

func compileReplace(r Replace) (*regexp.Regexp, error) {
	if r.Match == "" {
		if r.Replace != "" {
			return nil, fmt.Errorf("replace %q without a match", r.Replace)
		}
		return nil, nil
	}
	re, err := regexp.Compile(r.Match)
	if err != nil {
		return nil, fmt.Errorf("match %q: %w", r.Match, err)
	}
	for _, ref := range replaceRefs(r.Replace) {
		if i, err := strconv.Atoi(ref); err == nil {
			if i > re.NumSubexp() {
				return nil, fmt.Errorf("replace %q: $%s but the match has %d groups", r.Replace, ref, re.NumSubexp())
			}
		} else if re.SubexpIndex(ref) < 0 {
			return nil, fmt.Errorf("replace %q: no group named %q in the match", r.Replace, ref)
		}
	}
	return re, nil
}

// replaceRefs lists the group references ($1, ${name}) in a replacement
// template, as regexp.Expand reads them.
func replaceRefs(tmpl string) []string {
	var refs []string
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '$' || i+1 >= len(tmpl) {
			continue
		}
		if tmpl[i+1] == '$' {
			i++
			continue
		}
		if tmpl[i+1] == '{' {
			if end := strings.IndexByte(tmpl[i+2:], '}'); end >= 0 {
				refs = append(refs, tmpl[i+2:i+2+end])
				i += 2 + end
			}
			continue
		}
		j := i + 1
		for j < len(tmpl) && (tmpl[j] == '_' || tmpl[j] >= '0' && tmpl[j] <= '9' || tmpl[j] >= 'a' && tmpl[j] <= 'z' || tmpl[j] >= 'A' && tmpl[j] <= 'Z') {
			j++
		}
		if j > i+1 {
			refs = append(refs, tmpl[i+1:j])
		}
		i = j - 1
	}
	return refs
}

func (m matcher) match(number string) bool {
	if m.re != nil {
		return m.re.MatchString(number)
	}
	return m.m.MatchOnTimeout(number)
}

// origin is where a call comes from, as routes' Source names it.
type origin struct {
	names []string // extension, channel name, line or account name, groups
	sip   bool     // an inbound SIP call: only routes naming its account
}

func (g *Gateway) portOrigin(p *port) origin {
	names := []string{p.name()}
	if p.cfg.Extension != "" {
		names = append(names, p.cfg.Extension)
	}
	return origin{names: append(names, g.groupsOf(p, nil)...)}
}

func (g *Gateway) lineOrigin(ln *line) origin {
	names := []string{ln.name, ln.ch.Info().Name}
	return origin{names: append(names, g.groupsOf(nil, ln)...)}
}

// buildRouting compiles Config.Routes against the ports, lines and groups.
func (g *Gateway) buildRouting() error {
	if err := g.buildGroups(); err != nil {
		return err
	}
	g.loc = time.Local
	if g.cfg.TimeZone != "" {
		loc, err := time.LoadLocation(g.cfg.TimeZone)
		if err != nil {
			return fmt.Errorf("gateway: time zone %q: %w", g.cfg.TimeZone, err)
		}
		g.loc = loc
	}
	for i, r := range g.cfg.Routes {
		where := fmt.Sprintf("gateway: route %d (%q)", i+1, r.Pattern)
		rt := route{r: r}
		var err error
		if rt.called, err = compilePattern(r.Pattern); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if r.Calling != "" {
			m, err := compilePattern(r.Calling)
			if err != nil {
				return fmt.Errorf("%s: calling: %w", where, err)
			}
			rt.calling = &m
		}
		for _, s := range r.Time {
			ts, err := ParseTimeSpec(s)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			rt.times = append(rt.times, ts)
		}
		if rt.replace, err = compileReplace(r.Replace); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if rt.callRe, err = compileReplace(r.CallingReplace); err != nil {
			return fmt.Errorf("%s: calling %w", where, err)
		}
		switch r.Hunt {
		case "", HuntLinear, HuntRoundRobin, HuntLRU:
		default:
			return fmt.Errorf("%s: hunt %q (want linear, roundrobin or lru)", where, r.Hunt)
		}
		if r.Port != "" {
			if rt.port = g.portNamed(r.Port); rt.port == nil {
				return fmt.Errorf("%s: no port %q", where, r.Port)
			}
		}
		if r.Group != "" && g.groups[r.Group] == nil {
			return fmt.Errorf("%s: no group %q", where, r.Group)
		}
		switch {
		case len(r.Lines) > 0:
			// A route's own list of lines hunts as a group of its own,
			// followed by the members of Group if it names one too.
			grp := &group{name: fmt.Sprintf("route %d", i+1), strategy: HuntLinear, last: -1}
			for _, n := range r.Lines {
				ln := g.lineNamed(n)
				if ln == nil {
					return fmt.Errorf("%s: no line %q", where, n)
				}
				if !slices.ContainsFunc(grp.members, func(m *member) bool { return m.line == ln }) {
					grp.members = append(grp.members, &member{name: n, order: ln.cfg.Order, line: ln})
				}
			}
			if o := g.groups[r.Group]; o != nil {
				grp.strategy = o.strategy
				for _, m := range o.members {
					if !slices.ContainsFunc(grp.members, func(x *member) bool { return x.line == m.line && x.port == m.port }) {
						grp.members = append(grp.members, &member{name: m.name, order: m.order, line: m.line, port: m.port})
					}
				}
			}
			rt.grp = grp
		case r.Group != "":
			rt.grp = g.groups[r.Group]
		}
		g.routes = append(g.routes, rt)
	}
	return nil
}

// findRoute returns the first route matching a call from src with the
// calling and called numbers at the current time.
func (g *Gateway) findRoute(src origin, calling, called string) (*route, bool) {
	var now time.Time
	for i := range g.routes {
		rt := &g.routes[i]
		if !rt.matchSource(src) || !rt.called.match(called) {
			continue
		}
		if rt.calling != nil && !rt.calling.match(calling) {
			continue
		}
		if len(rt.times) > 0 {
			if now.IsZero() {
				now = g.now().In(g.loc)
			}
			if !slices.ContainsFunc(rt.times, func(ts TimeSpec) bool { return ts.Match(now) }) {
				continue
			}
		}
		return rt, true
	}
	return nil, false
}

func (rt *route) matchSource(o origin) bool {
	if s := rt.r.Source; s == "" || s == "any" {
		return !o.sip
	}
	return slices.Contains(o.names, rt.r.Source)
}

// calledNumber rewrites the called number: strip, prefix, replace.
func (rt *route) calledNumber(n string) string {
	n = rt.r.rewrite(n)
	if rt.replace != nil {
		n = rt.replace.ReplaceAllString(n, rt.r.Replace.Replace)
	}
	return n
}

// callingNumber rewrites the calling number; changed says the route has a
// calling rewrite (the result is then presented to the far end). A PSTN
// call's calling number is the caller ID known when it is routed; caller
// ID arriving later is taken as it comes.
func (rt *route) callingNumber(n string) (out string, changed bool) {
	r := rt.r
	if n == "" || r.CallingStrip == 0 && r.CallingPrefix == "" && rt.callRe == nil {
		// An unknown or withheld caller stays so.
		return n, false
	}
	if r.CallingStrip > 0 {
		n = n[min(r.CallingStrip, len(n)):]
	}
	n = r.CallingPrefix + n
	if rt.callRe != nil {
		n = rt.callRe.ReplaceAllString(n, r.CallingReplace.Replace)
	}
	return n, true
}

// dialRoute routes a number dialled on port p that is not a local
// extension through the routing table.
func (g *Gateway) dialRoute(p *port, from, number string, divs []sip.Diversion) {
	rt, ok := g.findRoute(g.portOrigin(p), from, number)
	fail := func(dir, state, cause string, tone func()) {
		c := g.portCall(dir, p, from, number)
		tone()
		c.state = state
		g.endCall(c, cause)
	}
	if !ok {
		fail("outbound", "no route", "no route", p.p.Congestion)
		return
	}
	n := rt.calledNumber(number)
	from, presented := rt.callingNumber(from)
	switch {
	case rt.port != nil:
		g.localCall(p, from, n, rt.port, presented)
	case rt.grp != nil:
		m := g.huntMember(rt.grp, rt.r.Hunt, nil)
		switch {
		case m == nil:
			fail("local", "busy", "busy", p.p.Busy)
		case m.port != nil:
			g.localCall(p, from, n, m.port, presented)
		default:
			g.dialLine(p, from, n, m.line)
		}
	case g.ua == nil:
		fail("outbound", "no route", "no route", p.p.Congestion)
	default:
		account, target := g.sipTarget(rt.r, n, p.cfg.Account)
		c := g.portCall("outbound", p, from, n)
		c.dstLeg = target
		sc, err := g.dialSIP(account, target, from, presented, divs)
		if err != nil {
			g.log.Warn("outbound call failed", "to", target, "err", err)
			p.p.Congestion()
			c.state = "failed"
			g.endCall(c, "sip: "+err.Error())
			return
		}
		c.sc = sc
		c.state = "calling"
		g.log.Info("outbound call", "call", c.id, "from", from, "to", target)
		go g.watch(c, sc)
	}
}

// dialSIP places a SIP call through account to target, presenting from
// as the caller when a route rewrote it, else the account's identity; a
// forwarded call carries its diversions (Config.DiversionFormat).
func (g *Gateway) dialSIP(account, target, from string, presented bool, divs []sip.Diversion) (*sip.Call, error) {
	if presented || len(divs) > 0 {
		o := sip.DialOptions{Diversions: divs, DiversionFormat: g.divFormat}
		if presented {
			o.From = sip.Party{Number: from}
		}
		return g.ua.DialWith(context.Background(), account, target, o)
	}
	return g.ua.Dial(context.Background(), account, target)
}

// portCall makes the call port p places (now p's call): from calls
// number; a consultation when p holds another call.
func (g *Gateway) portCall(dir string, p *port, from, number string) *call {
	c := g.newCall(dir, from, number)
	c.a = p
	c.srcLeg = p.name()
	c.consult = p.held != nil
	p.call = c
	return c
}

// localCall rings port dst for a call dialled on port p.
func (g *Gateway) localCall(p *port, from, number string, dst *port, presented bool) {
	c := g.portCall("local", p, from, number)
	c.presented = presented
	if dst == p {
		p.p.Busy()
		c.state = "busy"
		g.endCall(c, "busy")
		return
	}
	p.p.Ringback()
	g.log.Info("local call", "call", c.id, "from", from, "to", number, "port", dst.name())
	g.offer(c, dst)
}

// routeIncoming routes an incoming SIP call on account by its called
// number when routes name the account as their source; false leaves the
// call to the account's port or lines.
func (g *Gateway) routeIncoming(account string, sc *sip.Call) bool {
	if !g.hasSource(account) {
		return false
	}
	called := calledUser(sc)
	r := sc.Remote()
	rt, ok := g.findRoute(origin{names: []string{account}, sip: true}, r.Number, called)
	if !ok {
		return false
	}
	n := rt.calledNumber(called)
	from, presented := rt.callingNumber(r.Number)
	ring := func(dst *port) {
		c := g.newCall("inbound", from, n)
		c.sc = sc
		c.srcLeg = r.URI
		c.presented = presented
		g.log.Info("inbound call routed", "call", c.id, "account", account, "from", from, "to", n, "port", dst.name())
		g.logDiverted(c)
		g.offer(c, dst)
		if !c.ended {
			go g.watch(c, sc)
		}
	}
	seize := func(ln *line) {
		if !dialable(n) {
			sc.Reject(484, "Address Incomplete")
			return
		}
		c := g.sipOnLine(sc, ln, from, n)
		g.log.Info("inbound call routed to line", "call", c.id, "account", account, "from", from, "to", n, "line", ln.name)
	}
	switch {
	case rt.port != nil:
		ring(rt.port)
	case rt.grp != nil:
		m := g.huntMember(rt.grp, rt.r.Hunt, nil)
		switch {
		case m == nil:
			g.log.Info("inbound call: group busy", "account", account, "to", n, "group", rt.grp.name)
			sc.Reject(486, "Busy Here")
		case m.port != nil:
			ring(m.port)
		default:
			seize(m.line)
		}
	default:
		// SIP to SIP would need a media bridge between two SIP calls.
		g.log.Warn("inbound call: SIP to SIP routing not offered", "account", account, "to", n)
		sc.Reject(403, "Forbidden")
	}
	return true
}

// hasSource reports whether a route names source explicitly.
func (g *Gateway) hasSource(source string) bool {
	for i := range g.routes {
		if g.routes[i].r.Source == source {
			return true
		}
	}
	return false
}

// lineRouteTo sends PSTN call c, whose line asked for dest, where route rt
// says: a port or a phone of a group (lines and SIP are handled by the
// caller).
func (g *Gateway) lineRouteTo(c *call, rt *route, n string) bool {
	var dst *port
	switch {
	case rt.port != nil:
		dst = rt.port
	case rt.grp != nil:
		m := g.huntMember(rt.grp, rt.r.Hunt, func(m *member) bool { return m.port != nil })
		if m == nil {
			c.state = "busy"
			g.endCall(c, "busy")
			return true
		}
		dst = m.port
	default:
		return false
	}
	c.to = n
	c.from, c.presented = rt.callingNumber(c.from)
	g.ringFromLine(c, dst)
	return true
}

// ringFromLine rings port dst for PSTN call c; a caller already answered
// (two-stage) hears ringback meanwhile.
func (g *Gateway) ringFromLine(c *call, dst *port) {
	if c.lineAnswered {
		c.ln.p.Attach(newToneLeg(c.ln.zone, tone.Ringback))
	}
	g.offer(c, dst)
}

// lineToGroup rings a free phone of grp for PSTN call c (a line's fixed
// destination naming a group).
func (g *Gateway) lineToGroup(c *call, grp *group) {
	m := g.huntMember(grp, "", func(m *member) bool { return m.port != nil })
	if m == nil {
		c.state = "busy"
		g.endCall(c, "busy")
		return
	}
	g.ringFromLine(c, m.port)
}
