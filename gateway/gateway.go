package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tipring/dsp/echo"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/sip"
	"tipring/telephony/digitmap"
	"tipring/telephony/fxs"
)

// DefaultDigitMap accepts four-digit extensions, star codes and operator.
const DefaultDigitMap = "[2-8]xxx|9x.T|*xx|0T"

// Options are what New needs.
type Options struct {
	Config  Config
	Board   hal.Board
	CDR     CDRSink // nil: CDRs are only logged
	Logger  *slog.Logger
	Version string
}

// Gateway is the composition: it owns the FXS ports, the call table and the
// SIP side, and bridges calls between them.
//
// Concurrency: every change to the call table happens on the gateway's own
// goroutine (Run), fed through a queue by port notes and SIP events; the
// read-only views take a read lock.
type Gateway struct {
	cfg     Config
	board   hal.Board
	ua      *sip.UA
	cdr     CDRSink
	log     *slog.Logger
	version string
	started time.Time

	ports     []*port
	byExt     map[string]*port
	byAccount map[string]*port
	routes    []route

	queue   chan func()
	pending atomic.Int64 // queued or running work items

	mu         sync.RWMutex // guards calls, port.call, totalCalls
	calls      map[string]*call
	totalCalls uint64
}

type port struct {
	p   *fxs.Port
	cfg PortConfig
	ch  hal.Channel
	// call is the call the port takes part in, if any (gateway goroutine).
	call *call
}

func (p *port) name() string { return p.p.Info().Name }

type route struct {
	m *digitmap.Map
	r Route
}

type call struct {
	id        string
	dir       string // local, outbound, inbound
	from, to  string
	a         *port     // calling port (local, outbound)
	b         *port     // called port (local, inbound)
	sc        *sip.Call // SIP leg (outbound, inbound)
	state     string
	start     time.Time
	answer    time.Time
	codec     string
	srcLeg    string
	dstLeg    string
	ended     bool
	cancelled bool
}

// New opens the configured FXS channels on the board and prepares their ports.
func New(o Options) (*Gateway, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cfg := o.Config
	if cfg.Zone == "" {
		cfg.Zone = "us"
	}
	if cfg.DigitMap == "" {
		cfg.DigitMap = DefaultDigitMap
	}
	zone, err := tone.LookupZone(cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	if cfg.EchoTail != 0 && (cfg.EchoTail < echo.MinTail || cfg.EchoTail > echo.MaxTail) {
		return nil, fmt.Errorf("gateway: echo tail %v outside %v–%v", cfg.EchoTail, echo.MinTail, echo.MaxTail)
	}
	dm, err := digitmap.Parse(cfg.DigitMap)
	if err != nil {
		return nil, fmt.Errorf("gateway: dial plan: %w", err)
	}
	g := &Gateway{
		cfg:       cfg,
		board:     o.Board,
		cdr:       o.CDR,
		log:       o.Logger,
		version:   o.Version,
		byExt:     map[string]*port{},
		byAccount: map[string]*port{},
		queue:     make(chan func(), 1024),
		calls:     map[string]*call{},
	}
	for _, r := range cfg.Routes {
		m, err := digitmap.Parse(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("gateway: route %q: %w", r.Pattern, err)
		}
		g.routes = append(g.routes, route{m: m, r: r})
	}
	timers := fxs.DefaultTimers
	setIf := func(dst *time.Duration, v time.Duration) {
		if v > 0 {
			*dst = v
		}
	}
	setIf(&timers.FirstDigit, cfg.FirstDigit)
	setIf(&timers.InterDigit, cfg.InterDigit)
	setIf(&timers.ShortInterDigit, cfg.ShortInterDigit)
	setIf(&timers.OffHookWarning, cfg.OffHookWarning)
	setIf(&timers.NoAnswer, cfg.NoAnswer)

	portCfgs := cfg.Ports
	if len(portCfgs) == 0 {
		for _, sp := range o.Board.Spans() {
			for _, ci := range sp.Info().Channels {
				if ci.Kind == hal.KindFXS {
					portCfgs = append(portCfgs, PortConfig{Span: ci.Span, Chan: ci.Chan})
				}
			}
		}
	}
	spans := o.Board.Spans()
	for _, pc := range portCfgs {
		if pc.Span < 1 || pc.Span > len(spans) {
			g.closePorts()
			return nil, fmt.Errorf("gateway: port %d/%d: no span %d", pc.Span, pc.Chan, pc.Span)
		}
		ch, err := spans[pc.Span-1].Open(pc.Chan)
		if err != nil {
			g.closePorts()
			return nil, fmt.Errorf("gateway: port %d/%d: %w", pc.Span, pc.Chan, err)
		}
		if ch.Info().Kind != hal.KindFXS {
			ch.Close()
			g.closePorts()
			return nil, fmt.Errorf("gateway: port %d/%d is %v, not FXS", pc.Span, pc.Chan, ch.Info().Kind)
		}
		pt := &port{cfg: pc, ch: ch}
		ec := echo.DefaultConfig()
		if cfg.EchoTail > 0 {
			ec.Tail = cfg.EchoTail
		}
		pt.p = fxs.NewPort(ch, fxs.Config{
			Zone: zone, Map: dm, Timers: timers,
			Echo: ec, EchoOff: cfg.EchoOff,
			Logger: o.Logger,
		}, func(n fxs.Note) { g.post(func() { g.onPortNote(pt, n) }) })
		g.ports = append(g.ports, pt)
		if pc.Extension != "" {
			if _, dup := g.byExt[pc.Extension]; dup {
				g.closePorts()
				return nil, fmt.Errorf("gateway: extension %s used twice", pc.Extension)
			}
			g.byExt[pc.Extension] = pt
		}
		if pc.Account != "" {
			g.byAccount[pc.Account] = pt
		}
	}
	return g, nil
}

func (g *Gateway) closePorts() {
	for _, p := range g.ports {
		p.ch.Close()
	}
}

// AttachSIP sets the SIP user agent; call it before Run. The UA must have
// been created with the gateway as its Handler.
func (g *Gateway) AttachSIP(ua *sip.UA) { g.ua = ua }

// Ready is closed once every port's channel loop runs.
func (g *Gateway) Ready() <-chan struct{} {
	ready := make(chan struct{})
	go func() {
		for _, p := range g.ports {
			<-p.p.Running()
		}
		close(ready)
	}()
	return ready
}

// post queues work for the gateway goroutine. It never blocks a channel
// loop for long: the queue is deep and drained continuously.
func (g *Gateway) post(f func()) {
	g.pending.Add(1)
	g.queue <- f
}

// Settled reports whether the gateway has no work queued or running. A
// simulated board in simulated time waits for it before each frame, so
// that call handling takes no board time (see hal/sim Board.SetSettle).
func (g *Gateway) Settled() bool { return g.pending.Load() == 0 }

// Run runs the port loops and the gateway's event loop until ctx is done.
func (g *Gateway) Run(ctx context.Context) error {
	g.started = time.Now()
	var wg sync.WaitGroup
	for _, p := range g.ports {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				g.log.Error("port loop ended", "port", p.name(), "err", err)
			}
		}()
	}
	for {
		select {
		case f := <-g.queue:
			g.mu.Lock()
			f()
			g.mu.Unlock()
			g.pending.Add(-1)
		case <-ctx.Done():
			wg.Wait()
			g.mu.Lock()
			for _, c := range g.calls {
				if c.sc != nil {
					c.sc.Hangup()
				}
				g.endCall(c, "shutdown")
			}
			g.mu.Unlock()
			return nil
		}
	}
}

func newCallID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func (g *Gateway) newCall(dir, from, to string) *call {
	c := &call{id: newCallID(), dir: dir, from: from, to: to, start: time.Now(), state: "setup"}
	g.calls[c.id] = c
	g.totalCalls++
	return c
}

// onPortNote handles a note from an FXS port (gateway goroutine, lock held).
func (g *Gateway) onPortNote(p *port, n fxs.Note) {
	c := p.call
	switch n.Kind {
	case fxs.NoteDial:
		if c != nil {
			// A new dial while a call is attached means the old call is
			// over as far as this phone is concerned.
			g.hangupFrom(p, c)
		}
		g.dial(p, n.Number)
	case fxs.NoteAnswer:
		if c == nil || c.b != p {
			return
		}
		g.answered(c)
	case fxs.NoteHangup:
		if c != nil {
			g.hangupFrom(p, c)
		}
	case fxs.NoteNoAnswer:
		if c == nil || c.b != p {
			return
		}
		if c.a != nil {
			c.a.p.Congestion()
		}
		if c.sc != nil {
			c.sc.Reject(480, "Temporarily Unavailable")
		}
		c.state = "no answer"
		g.endCall(c, "no answer")
	case fxs.NoteBusy:
		if c == nil || c.b != p {
			return
		}
		if c.a != nil {
			c.a.p.Busy()
		}
		if c.sc != nil {
			c.sc.Reject(486, "Busy Here")
		}
		c.state = "busy"
		g.endCall(c, "busy")
	}
}

// dial routes a number dialled on port p.
func (g *Gateway) dial(p *port, number string) {
	from := p.cfg.Extension
	if from == "" {
		from = p.name()
	}
	if dst, ok := g.byExt[number]; ok {
		c := g.newCall("local", from, number)
		c.a, c.b = p, dst
		c.srcLeg, c.dstLeg = p.name(), dst.name()
		p.call = c
		if dst == p || dst.call != nil {
			p.p.Busy()
			c.state = "busy"
			g.endCall(c, "busy")
			return
		}
		dst.call = c
		c.state = "ringing"
		dst.p.Ring()
		p.p.Ringback()
		g.log.Info("local call", "call", c.id, "from", from, "to", number)
		return
	}
	rt, ok := g.findRoute(number)
	if !ok || g.ua == nil {
		c := g.newCall("outbound", from, number)
		c.a = p
		c.srcLeg = p.name()
		p.call = c
		p.p.Congestion()
		c.state = "no route"
		g.endCall(c, "no route")
		return
	}
	n := number
	if rt.r.Strip > 0 && rt.r.Strip <= len(n) {
		n = n[rt.r.Strip:]
	}
	n = rt.r.Prefix + n
	target := n
	if rt.r.Target != "" {
		target = strings.ReplaceAll(rt.r.Target, "{n}", n)
	}
	account := rt.r.Account
	if account == "" {
		account = p.cfg.Account
	}
	c := g.newCall("outbound", from, n)
	c.a = p
	c.srcLeg = p.name()
	c.dstLeg = target
	p.call = c
	sc, err := g.ua.Dial(context.Background(), account, target)
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

func (g *Gateway) findRoute(number string) (route, bool) {
	for _, r := range g.routes {
		if r.m.MatchOnTimeout(number) {
			return r, true
		}
	}
	return route{}, false
}

// answered connects a call whose called port went off hook.
func (g *Gateway) answered(c *call) {
	c.answer = time.Now()
	c.state = "connected"
	switch {
	case c.a != nil && c.b != nil:
		la, lb := crossConnect(c.a.ch.FrameSamples())
		c.b.p.Attach(lb)
		c.a.p.Answered(la)
		c.codec = "L16"
	case c.sc != nil:
		if err := c.sc.Answer(); err != nil {
			g.log.Warn("answer failed", "call", c.id, "err", err)
			c.b.p.FarHangup()
			g.endCall(c, "sip answer: "+err.Error())
			return
		}
		if m := c.sc.Media(); m != nil {
			c.b.p.Attach(mediaLeg{m})
		}
		c.codec = c.sc.Codec()
	}
}

// hangupFrom ends call c because port p hung up.
func (g *Gateway) hangupFrom(p *port, c *call) {
	if c.ended {
		p.call = nil
		return
	}
	other := c.b
	if p == c.b {
		other = c.a
	}
	if other != nil {
		if c.answer.IsZero() {
			if other == c.b {
				other.p.CancelRing()
			} else {
				other.p.Congestion()
			}
		} else {
			other.p.FarHangup()
		}
	}
	if c.sc != nil {
		c.sc.Hangup()
	}
	if c.answer.IsZero() {
		c.cancelled = true
	}
	cause := "caller"
	if p == c.b {
		cause = "callee"
	}
	g.endCall(c, cause)
}

// watch forwards the SIP call's events to the gateway goroutine.
func (g *Gateway) watch(c *call, sc *sip.Call) {
	for ev := range sc.Events() {
		g.post(func() { g.onSIPEvent(c, ev) })
	}
	g.post(func() {
		if !c.ended {
			g.onSIPEvent(c, sip.Event{Kind: sip.EventEnded})
		}
	})
}

func (g *Gateway) onSIPEvent(c *call, ev sip.Event) {
	if c.ended {
		return
	}
	switch ev.Kind {
	case sip.EventRinging:
		if c.a != nil && c.answer.IsZero() {
			c.state = "alerting"
			c.a.p.Ringback()
		}
	case sip.EventProgress:
		if c.a != nil && c.answer.IsZero() {
			if m := c.sc.Media(); m != nil {
				c.state = "early media"
				c.a.p.EarlyMedia(mediaLeg{m})
			}
		}
	case sip.EventAnswered:
		if c.a != nil && c.answer.IsZero() {
			c.answer = time.Now()
			c.state = "connected"
			c.codec = c.sc.Codec()
			if m := c.sc.Media(); m != nil {
				c.a.p.Answered(mediaLeg{m})
			} else {
				c.a.p.Answered(nil)
			}
		}
	case sip.EventFailed:
		c.state = fmt.Sprintf("failed %d", ev.Code)
		if c.a != nil {
			switch ev.Code {
			case 486, 600:
				c.a.p.Busy()
			default:
				c.a.p.Congestion()
			}
		}
		if c.b != nil {
			c.b.p.CancelRing()
		}
		g.endCall(c, fmt.Sprintf("sip %d", ev.Code))
	case sip.EventEnded:
		for _, p := range []*port{c.a, c.b} {
			if p == nil {
				continue
			}
			if c.answer.IsZero() && p == c.b {
				p.p.CancelRing()
			} else if c.answer.IsZero() {
				p.p.Congestion()
			} else {
				p.p.FarHangup()
			}
		}
		if c.answer.IsZero() && c.dir == "inbound" {
			c.cancelled = true
		}
		g.endCall(c, "remote")
	}
}

// OnIncoming implements sip.Handler: a SIP call for one of our accounts.
func (g *Gateway) OnIncoming(account string, sc *sip.Call) {
	g.post(func() {
		p, ok := g.byAccount[account]
		if !ok {
			sc.Reject(404, "Not Found")
			return
		}
		r := sc.Remote()
		c := g.newCall("inbound", r.Number, p.cfg.Extension)
		c.sc = sc
		c.b = p
		c.srcLeg = r.URI
		c.dstLeg = p.name()
		if p.call != nil {
			sc.Reject(486, "Busy Here")
			c.state = "busy"
			g.endCall(c, "busy")
			return
		}
		p.call = c
		c.state = "ringing"
		p.p.Ring()
		if err := sc.Ringing(); err != nil {
			g.log.Warn("180 failed", "call", c.id, "err", err)
		}
		g.log.Info("inbound call", "call", c.id, "from", r.Number, "to", p.name())
		go g.watch(c, sc)
	})
}

// endCall removes a call from the table and writes its CDR.
func (g *Gateway) endCall(c *call, cause string) {
	if c.ended {
		return
	}
	c.ended = true
	for _, p := range []*port{c.a, c.b} {
		if p != nil && p.call == c {
			p.call = nil
		}
	}
	delete(g.calls, c.id)
	end := time.Now()
	rec := CDR{
		CallID: c.id, Direction: c.dir, From: c.from, To: c.to,
		SrcLeg: c.srcLeg, DstLeg: c.dstLeg,
		Start: c.start, Answer: c.answer, End: end, Cause: cause, Codec: c.codec,
	}
	switch {
	case !c.answer.IsZero():
		rec.Disposition = "ANSWERED"
		rec.Duration = end.Sub(c.answer).Seconds()
	case cause == "busy" || strings.HasPrefix(cause, "sip 486") || strings.HasPrefix(cause, "sip 600"):
		rec.Disposition = "BUSY"
	case cause == "no answer":
		rec.Disposition = "NO ANSWER"
	case c.cancelled:
		rec.Disposition = "CANCELLED"
	default:
		rec.Disposition = "FAILED"
	}
	g.log.Info("call ended", "call", c.id, "disposition", rec.Disposition, "cause", cause, "duration", rec.Duration)
	if g.cdr != nil {
		if err := g.cdr.WriteCDR(rec); err != nil {
			g.log.Error("cdr write failed", "call", c.id, "err", err)
		}
	}
}

// Status is the overall view.
func (g *Gateway) Status() Status {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return Status{
		Version: g.version, Board: g.board.Name(), Zone: g.cfg.Zone,
		Started: g.started, ActiveCalls: len(g.calls), TotalCalls: g.totalCalls,
		Ports: len(g.ports),
	}
}

// Ports is the view of every port.
func (g *Gateway) Ports() []PortStatus {
	regs := map[string]bool{}
	if g.ua != nil {
		for _, r := range g.ua.Registrations() {
			regs[r.Account] = r.Registered
		}
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]PortStatus, 0, len(g.ports))
	for _, p := range g.ports {
		info := p.p.Info()
		st := p.p.State()
		ps := PortStatus{
			Name: info.Name, Span: info.Span, Chan: info.Chan, Kind: info.Kind.String(),
			Extension: p.cfg.Extension, Account: p.cfg.Account,
			State: portState(st), LineState: st.String(), OffHook: p.p.OffHook(),
			Registered: regs[p.cfg.Account],
		}
		if p.call != nil {
			ps.CallID = p.call.id
		}
		out = append(out, ps)
	}
	return out
}

func portState(s fxs.State) PortState {
	switch s {
	case fxs.Idle:
		return PortIdle
	case fxs.DialTone, fxs.Collecting:
		return PortDialling
	case fxs.Ringing:
		return PortRinging
	case fxs.Routing, fxs.Alerting:
		return PortCalling
	case fxs.Connected:
		return PortConnected
	}
	return PortTone
}

// Calls is the view of the call table.
func (g *Gateway) Calls() []CallInfo {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]CallInfo, 0, len(g.calls))
	for _, c := range g.calls {
		ci := CallInfo{
			ID: c.id, From: c.from, To: c.to, Direction: c.dir, State: c.state,
			Start: c.start, Answer: c.answer, Codec: c.codec,
		}
		for _, l := range []string{c.srcLeg, c.dstLeg} {
			if l != "" {
				ci.Legs = append(ci.Legs, l)
			}
		}
		out = append(out, ci)
	}
	return out
}

// Registrations is the view of SIP registrations (empty without SIP).
func (g *Gateway) Registrations() []sip.RegStatus {
	if g.ua == nil {
		return nil
	}
	return g.ua.Registrations()
}
