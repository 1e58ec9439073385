package gateway

import (
	"context"
	"fmt"
	"strings"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/echo"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/sip"
	"tipring/telephony/digitmap"
	"tipring/telephony/fxo"
	"tipring/telephony/fxs"
)

// Inbound modes of a PSTN line (LineConfig.Inbound).
const (
	InboundFixed    = "fixed"
	InboundTwoStage = "twostage"
	InboundNone     = "none"
)

// line is one FXO port and what the gateway knows about it.
type line struct {
	p      *fxo.Port
	cfg    LineConfig
	ch     hal.Channel
	name   string
	method fxo.DialMethod
	dm     *digitmap.Map // two-stage dialling map
	zone   *tone.Zone
	// call is the call the line takes part in (gateway goroutine).
	call *call
	// lastUse is when the gateway last seized or freed the line; the port's
	// own LastUse lags by a frame, so hunts use the later of the two.
	lastUse time.Time
	// prog is the line's disconnect-tone detector; learn the tone-learning
	// call in progress (learn.go).
	prog  *lineProgress
	learn *learning
}

// lineCallerIDSchemes maps the configuration names of on-hook caller-ID
// reception to dsp/cid schemes.
var lineCallerIDSchemes = map[string]cid.Scheme{
	"bellcore": cid.Bellcore, "etsi": cid.ETSI, "bt": cid.BT, "ntt": cid.NTT, "dtmf": cid.DTMF,
}

// LineCallerIDNames lists the names LineConfig.CallerID accepts.
func LineCallerIDNames() []string { return []string{"bellcore", "etsi", "bt", "ntt", "dtmf", "off"} }

func lineCallerID(names []string) ([]cid.Scheme, error) {
	if names == nil {
		return nil, nil
	}
	out := []cid.Scheme{}
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "off" {
			continue
		}
		s, ok := lineCallerIDSchemes[n]
		if !ok {
			return nil, fmt.Errorf("unknown caller id scheme %q (known: %s)", n, strings.Join(LineCallerIDNames(), ", "))
		}
		out = append(out, s)
	}
	return out, nil
}

// openLines opens the configured FXO channels and prepares their ports.
func (g *Gateway) openLines(o Options, zone *tone.Zone, dm *digitmap.Map) error {
	cfg := g.cfg
	spans := o.Board.Spans()
	names := map[string]bool{}
	for _, lc := range cfg.Lines {
		where := fmt.Sprintf("gateway: line %d/%d", lc.Span, lc.Chan)
		if lc.Span < 1 || lc.Span > len(spans) {
			return fmt.Errorf("%s: no span %d", where, lc.Span)
		}
		ch, err := spans[lc.Span-1].Open(lc.Chan)
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if ch.Info().Kind != hal.KindFXO {
			ch.Close()
			return fmt.Errorf("%s is %v, not FXO", where, ch.Info().Kind)
		}
		ln := &line{cfg: lc, ch: ch, name: lc.Name, zone: zone, dm: dm}
		if ln.name == "" {
			ln.name = ch.Info().Name
		}
		fail := func(err error) error {
			ch.Close()
			return fmt.Errorf("%s: %w", where, err)
		}
		if names[ln.name] {
			return fail(fmt.Errorf("line name %q used twice", ln.name))
		}
		names[ln.name] = true
		switch lc.Inbound {
		case "", InboundFixed, InboundTwoStage, InboundNone:
		default:
			return fail(fmt.Errorf("inbound mode %q (want fixed, twostage or none)", lc.Inbound))
		}
		if lc.DigitMap != "" {
			if ln.dm, err = digitmap.Parse(lc.DigitMap); err != nil {
				return fail(fmt.Errorf("digit map: %w", err))
			}
		}
		switch lc.DialMode {
		case "", "dtmf":
			ln.method = fxo.DialDTMF
		case "pulse":
			ln.method = fxo.DialPulse
		default:
			return fail(fmt.Errorf("dial mode %q (want dtmf or pulse)", lc.DialMode))
		}
		schemes, err := lineCallerID(lc.CallerID)
		if err != nil {
			return fail(err)
		}
		timers := fxo.Timers{
			AnswerDelay: lc.AnswerDelay, DialToneWait: lc.DialToneWait,
			CPCQualify: lc.CPCQualify, SilenceTimeout: lc.SilenceTimeout,
			FirstDigit: cfg.FirstDigit, InterDigit: cfg.InterDigit, ShortInterDigit: cfg.ShortInterDigit,
		}
		sup := fxo.Supervision{
			AnswerPolarity: lc.AnswerPolarity, RequireDialTone: lc.RequireDialTone,
			CPC: !lc.NoCPC, Polarity: !lc.NoPolarityDisconnect, Tone: !lc.NoToneDisconnect,
		}
		if ln.prog, err = newLineProgress(zone, lc.DisconnectTones); err != nil {
			return fail(err)
		}
		ec := echo.DefaultConfig()
		if cfg.EchoTail > 0 {
			ec.Tail = cfg.EchoTail
		}
		p, err := fxo.NewPort(ch, fxo.Config{
			Zone: zone, Timers: timers, Supervision: &sup,
			RingsBeforeAnswer: lc.RingsBeforeAnswer, CallerID: schemes, Map: ln.dm,
			PulseDial: ln.method == fxo.DialPulse,
			Echo:      ec, EchoOff: cfg.EchoOff,
			Progress: ln.prog,
			Logger:   o.Logger,
		}, func(n fxo.Note) { g.post(func() { g.onLineNote(ln, n) }) })
		if err != nil {
			return fail(err)
		}
		ln.p = p
		g.lines = append(g.lines, ln)
		g.byLine[ln.name] = ln
		if lc.Account != "" {
			g.lineAccounts[lc.Account] = append(g.lineAccounts[lc.Account], ln)
		}
	}
	return nil
}

// lastUsed is when ln was last seized or freed, by the port's record or the
// gateway's, whichever is later.
func (ln *line) lastUsed() time.Time {
	t := ln.p.Status().LastUse
	if ln.lastUse.After(t) {
		return ln.lastUse
	}
	return t
}

// free reports whether a hunt may take ln: no call of ours on it and the
// port idle and in service.
func (ln *line) free() bool { return ln.call == nil && ln.learn == nil && ln.p.Available() }

// freeLine picks the line of cands an incoming SIP call for their account
// seizes: the free line of lowest Order, the longest idle of equal ones;
// nil when every line is busy. (Routes and groups hunt with huntMember.)
func freeLine(cands []*line) *line {
	var best *line
	for _, ln := range cands {
		if !ln.free() {
			continue
		}
		if best == nil || ln.cfg.Order < best.cfg.Order ||
			(ln.cfg.Order == best.cfg.Order && ln.lastUsed().Before(best.lastUsed())) {
			best = ln
		}
	}
	return best
}

// rewrite applies a route's strip and prefix to number.
func (r Route) rewrite(number string) string {
	n := number
	if r.Strip > 0 && r.Strip <= len(n) {
		n = n[r.Strip:]
	}
	return r.Prefix + n
}

// seize places call c on line ln: the line dials number.
func (g *Gateway) seize(c *call, ln *line, number string) {
	c.ln = ln
	c.lineOut = true
	c.dstLeg = ln.name
	ln.call = c
	ln.lastUse = time.Now()
	ln.p.Dial(number, ln.method)
}

// dialLine places a call dialled on FXS port p out on line ln; n is the
// number after the route's rewriting.
func (g *Gateway) dialLine(p *port, from, n string, ln *line) {
	c := g.portCall("outbound", p, from, n)
	g.seize(c, ln, n)
	la, lb := crossConnect(p.ch.FrameSamples())
	c.legs = map[*port]fxs.AudioLeg{p: la}
	ln.p.Attach(lb)
	c.state = "calling"
	p.p.Ringback()
	g.log.Info("outbound line call", "call", c.id, "from", from, "to", n, "line", ln.name)
}

// sipToLine sends an incoming SIP call for a line account out on a free
// line of that account; the number dialled is the called user.
func (g *Gateway) sipToLine(account string, sc *sip.Call, cands []*line) {
	number := calledUser(sc)
	if !dialable(number) {
		sc.Reject(484, "Address Incomplete")
		return
	}
	ln := freeLine(cands)
	if ln == nil {
		sc.Reject(486, "Busy Here")
		return
	}
	c := g.sipOnLine(sc, ln, sc.Remote().Number, number)
	g.log.Info("inbound call to line", "call", c.id, "account", account, "from", c.from, "to", number, "line", ln.name)
}

// sipOnLine places incoming SIP call sc, from the caller from, out on line
// ln, which dials n.
func (g *Gateway) sipOnLine(sc *sip.Call, ln *line, from, n string) *call {
	c := g.newCall("inbound", from, n)
	c.sc = sc
	c.srcLeg = sc.Remote().URI
	g.seize(c, ln, n)
	c.state = "calling"
	go g.watch(c, sc)
	return c
}

// requestUserCall gives the user part of an incoming INVITE's Request-URI.
type requestUserCall interface{ RequestUser() string }

// calledUser is the number an incoming SIP call asks for: the Request-URI
// user when the SIP leg exposes it, else the To user.
func calledUser(sc *sip.Call) string {
	if ru, ok := any(sc).(requestUserCall); ok {
		if u := ru.RequestUser(); u != "" {
			return u
		}
	}
	return sc.Local().Number
}

// dialable reports whether a line can dial number (DTMF digits).
func dialable(number string) bool {
	if number == "" || len(number) > 64 {
		return false
	}
	for i := range len(number) {
		c := number[i]
		if !(c >= '0' && c <= '9' || c == '*' || c == '#') {
			return false
		}
	}
	return true
}

// onLineNote handles a note from an FXO port (gateway goroutine, lock
// held).
func (g *Gateway) onLineNote(ln *line, n fxo.Note) {
	if ln.learn != nil {
		g.learnNote(ln, n)
		return
	}
	c := ln.call
	if c != nil && c.xfer && g.xferLineNote(c, n) {
		return
	}
	switch n.Kind {
	case fxo.NoteIncoming:
		g.lineIncoming(ln, n)
	case fxo.NoteCallerID:
		if c != nil && !c.lineOut {
			c.from, c.fromName = n.Number, n.Name
		}
	case fxo.NoteRingStopped:
		if c == nil || c.lineOut || !c.answer.IsZero() {
			return
		}
		if c.b != nil {
			g.tell(c.b, c, c.b.p.CancelRing)
		}
		if c.sc != nil {
			c.sc.Hangup()
		}
		c.cancelled = true
		g.endCall(c, "caller")
	case fxo.NoteProceeding:
		if c == nil || !c.lineOut {
			return
		}
		c.state = "alerting"
		if c.a != nil && c.a.call == c {
			c.a.p.EarlyMedia(c.legs[c.a])
		}
		if c.sc != nil {
			if err := c.sc.Ringing(); err != nil {
				g.log.Warn("180 failed", "call", c.id, "err", err)
			}
		}
	case fxo.NoteAnswered:
		if c == nil || !c.lineOut || !c.answer.IsZero() {
			return
		}
		c.answer = time.Now()
		c.state = "connected"
		switch {
		case c.a != nil:
			c.codec = "L16"
			if c.a.call == c {
				c.a.p.Answered(c.legs[c.a])
			}
		case c.sc != nil:
			if err := c.sc.Answer(); err != nil {
				g.log.Warn("answer failed", "call", c.id, "err", err)
				g.endCall(c, "sip answer: "+err.Error())
				return
			}
			if c.sc.Media() != nil {
				ln.p.Attach(newLineLeg(c.sc, ln.ch.FrameSamples()))
			}
			c.codec = c.sc.Codec()
		}
	case fxo.NoteDigits:
		if c == nil || c.lineOut {
			return
		}
		if n.Number == "" || n.Reason == fxo.ReasonNoMatch {
			c.state = "no route"
			g.endCall(c, "two-stage "+n.Reason.String())
			return
		}
		c.to = n.Number
		g.lineRoute(c, n.Number)
	case fxo.NoteDisconnected:
		if c == nil {
			return
		}
		g.lineGone(c, n.Reason)
	case fxo.NoteFailed:
		if c == nil || !c.lineOut {
			return
		}
		if c.a != nil {
			g.tell(c.a, c, c.a.p.Congestion)
		}
		if c.sc != nil {
			c.sc.Reject(503, "Service Unavailable")
		}
		c.state = "failed"
		g.endCall(c, "line "+n.Reason.String())
	}
}

// lineGone ends call c because the far end of its line left.
func (g *Gateway) lineGone(c *call, why fxo.Reason) {
	answered := !c.answer.IsZero()
	if p := c.a; p != nil {
		g.tell(p, c, func() {
			if answered {
				p.p.FarHangup()
			} else {
				p.p.Congestion()
			}
		})
	}
	if p := c.b; p != nil {
		g.tell(p, c, func() {
			if answered {
				p.p.FarHangup()
			} else {
				p.p.CancelRing()
			}
		})
	}
	if c.sc != nil {
		c.sc.Hangup()
	}
	if !answered {
		c.cancelled = true
	}
	cause := "caller"
	if c.lineOut {
		cause = "callee"
	}
	g.log.Info("line cleared", "call", c.id, "line", c.ln.name, "how", why)
	g.endCall(c, cause)
}

// lineIncoming handles a PSTN call ringing line ln.
func (g *Gateway) lineIncoming(ln *line, n fxo.Note) {
	if ln.call != nil || ln.cfg.Inbound == InboundNone {
		return
	}
	c := g.newCall("inbound", n.Number, ln.cfg.Destination)
	c.fromName = n.Name
	c.ln = ln
	c.srcLeg = ln.name
	ln.call = c
	ln.lastUse = time.Now()
	g.log.Info("pstn call", "call", c.id, "line", ln.name, "from", n.Number, "name", n.Name, "mode", ln.cfg.Inbound)
	if ln.cfg.Inbound == InboundTwoStage {
		c.state = "collecting"
		c.lineAnswered = true
		ln.p.Answer()
		ln.p.Collect(fxo.CollectConfig{Map: ln.dm, Tone: tone.Dial, PlayTone: true})
		return
	}
	g.lineRoute(c, ln.cfg.Destination)
}

// lineRoute sends the PSTN call c to dest: a local extension, a sip: URI
// (through the line's account) or a number matching an outgoing SIP route.
func (g *Gateway) lineRoute(c *call, dest string) {
	ln := c.ln
	fail := func(why string) {
		c.state = "no route"
		g.log.Warn("pstn call not routed", "call", c.id, "to", dest, "why", why)
		g.endCall(c, why)
	}
	if dst, ok := g.byExt[dest]; ok {
		c.to = dest
		g.ringFromLine(c, dst)
		return
	}
	if grp, ok := g.groups[dest]; ok {
		g.lineToGroup(c, grp)
		return
	}
	if strings.HasPrefix(dest, "sip:") || strings.HasPrefix(dest, "sips:") {
		g.lineToSIP(c, ln.cfg.Account, dest)
		return
	}
	rt, ok := g.findRoute(g.lineOrigin(ln), c.from, dest)
	if !ok || dest == "" {
		fail("no route")
		return
	}
	n := rt.calledNumber(dest)
	if g.lineRouteTo(c, rt, n) {
		return
	}
	if rt.grp != nil {
		fail("line to line not offered")
		return
	}
	c.from, c.presented = rt.callingNumber(c.from)
	account, target := g.sipTarget(rt.r, n, ln.cfg.Account)
	g.lineToSIP(c, account, target)
}

// lineToSIP places the SIP leg of a PSTN call. The line is answered when
// the SIP side answers. The caller ID received on the line (rewritten by
// the route, if it says so) is presented as the caller (From, and
// P-Asserted-Identity on a trusted account); without a number the
// account's identity stays.
func (g *Gateway) lineToSIP(c *call, account, target string) {
	if g.ua == nil || account == "" {
		c.state = "no route"
		g.endCall(c, "no sip account")
		return
	}
	c.dstLeg = target
	opts := sip.DialOptions{From: sip.Party{Number: c.from, Name: c.fromName},
		Diversions: c.divs, DiversionFormat: g.divFormat}
	if c.from == "" && strings.EqualFold(c.fromName, "private") {
		// The PSTN caller withheld the number (caller ID absence 'P'):
		// anonymous From and Privacy: id (RFC 3323, RFC 3325).
		opts.From, opts.Privacy = sip.Party{}, true
	}
	sc, err := g.ua.DialWith(context.Background(), account, target, opts)
	if err != nil {
		g.log.Warn("pstn to sip failed", "to", target, "err", err)
		c.state = "failed"
		g.endCall(c, "sip: "+err.Error())
		return
	}
	c.sc = sc
	c.state = "calling"
	if c.lineAnswered {
		c.ln.p.Attach(newToneLeg(c.ln.zone, tone.Ringback))
	}
	go g.watch(c, sc)
}

// sipTarget computes the account and SIP target of the rewritten number n
// on route r; fallback is the account used when the route names none.
func (g *Gateway) sipTarget(r Route, n, fallback string) (account, target string) {
	target = n
	if r.Target != "" {
		target = strings.ReplaceAll(r.Target, "{n}", n)
	}
	account = r.Account
	if account == "" {
		account = fallback
	}
	return account, target
}

// toneLeg plays a zone tone toward the line (ringback while a PSTN caller
// waits for an FXS phone or a SIP party to answer). It is used by one
// channel loop only.
type toneLeg struct{ gen tone.Generator }

func newToneLeg(z *tone.Zone, s tone.Signal) *toneLeg {
	l := &toneLeg{}
	if t, ok := z.Tones[s]; ok {
		l.gen.Start(t)
	}
	return l
}

func (l *toneLeg) Push([]int16) {}

func (l *toneLeg) Pull(frame []int16) {
	if l.gen.Fill(frame) == 0 {
		clear(frame)
	}
}

// linePortState maps an FXO line state to the status view's.
func linePortState(s fxo.State) PortState {
	switch s {
	case fxo.Idle, fxo.Guard:
		return PortIdle
	case fxo.Ringing:
		return PortRinging
	case fxo.Seized, fxo.Dialling, fxo.Collecting:
		return PortDialling
	case fxo.Proceeding:
		return PortCalling
	case fxo.Connected:
		return PortConnected
	}
	return PortDown
}

// lineCallerIDOf is the identity of a PSTN caller offered to an FXS port:
// the line's caller ID, with a withheld number marked private or
// unavailable.
func lineCallerIDOf(c *call, id fxs.CallerID) fxs.CallerID {
	id.Number, id.Name = c.from, c.fromName
	if id.Number == "" {
		id.NumberAbsence = cid.Unavailable
		if strings.EqualFold(id.Name, "private") {
			id.NumberAbsence = cid.Private
		}
	}
	if id.Name == "" || (id.Number == "" && (strings.EqualFold(id.Name, "private") || strings.EqualFold(id.Name, "unavailable"))) {
		id.Name = ""
		id.NameAbsence = id.NumberAbsence
		if id.NameAbsence == 0 {
			id.NameAbsence = cid.Unavailable
		}
	}
	return id
}
