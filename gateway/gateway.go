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

// DefaultDigitMap accepts four-digit extensions, star codes (with the
// call-forward codes that take a number) and operator.
const DefaultDigitMap = "[2-8]xxx|9x.T|*xx|*72x.T|*90x.T|*92x.T|0T"

// Options are what New needs.
type Options struct {
	Config Config
	Board  hal.Board
	CDR    CDRSink // nil: CDRs are only logged
	// Settings keeps what subscribers set from their phones (DND,
	// forwarding) across restarts; nil: kept in memory only.
	Settings SettingsStore
	Logger   *slog.Logger
	Version  string
	// Now is the wall clock for caller-ID date and time (nil: time.Now).
	Now func() time.Time
}

// Gateway is the composition: it owns the FXS ports, the call table and the
// SIP side, and bridges calls between them.
//
// Concurrency: every change to the call table happens on the gateway's own
// goroutine (Run), fed through a queue by port notes and SIP events; the
// read-only views take a read lock.
type Gateway struct {
	cfg      Config
	board    hal.Board
	ua       *sip.UA
	cdr      CDRSink
	settings SettingsStore
	log      *slog.Logger
	version  string
	started  time.Time
	now      func() time.Time

	zone      *tone.Zone          // cfg.Zone's tones
	divFormat sip.DiversionFormat // cfg.DiversionFormat

	ports     []*port
	byExt     map[string]*port
	byAccount map[string]*port
	routes    []route

	lines        []*line
	byLine       map[string]*line
	lineAccounts map[string][]*line // lines by SIP account

	// Hunt groups and the routing table's clock (groups.go, routing.go).
	groups  map[string]*group
	portUse map[*port]time.Time // a port's last state change
	loc     *time.Location

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
	// call is the call the port takes part in, if any (gateway goroutine):
	// the active one when the port has several.
	call *call
	// held is the call on hold, waiting the call offered by call waiting;
	// conf says call and held are mixed in a three-way conference.
	held, waiting *call
	conf          bool
	cw            bool // call waiting enabled
	// Features set from the phone (star codes) or the configuration.
	dnd                bool
	fwdAlways, fwdBusy string
	fwdNoAnswer        string
	fwdDelay           time.Duration
}

func (p *port) name() string { return p.p.Info().Name }

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
	// legs are the audio legs of the call's ports (local calls: the two
	// ends of the cross-connection; inbound/outbound: the media session).
	legs map[*port]fxs.AudioLeg
	// consult: placed from recall dial tone while another call is held.
	consult bool
	// fwdFrom names the extension that forwarded the call, fwdHops counts
	// forwards (loops end at maxForwards).
	fwdFrom string
	fwdHops int
	// recall: an answered call rings its port again (held or transferred
	// back); answering it only reconnects the audio.
	recall bool
	// ln is the PSTN line of the call; lineOut says we dialled out on it
	// (else the call came in on it), lineAnswered that an incoming PSTN
	// call was answered by us already (two-stage dialling). fromName is
	// the caller's name from the line's caller ID.
	ln           *line
	lineOut      bool
	lineAnswered bool
	fromName     string
	// presented says a route rewrote the calling number: from is what
	// the called party is shown.
	presented bool
	// xfer marks a call the gateway joined by transfer (xfer.go); next is
	// the call a transferred call's SIP leg and line now belong to;
	// stopTone ends the ringback played to a waiting SIP party.
	xfer     bool
	next     *call
	stopTone func()
	// divs are the diversions the call went through, most recent first
	// (an incoming SIP call's own, then our forwards).
	divs []sip.Diversion
}

// maxForwards bounds a chain of local forwards.
const maxForwards = 5

// leg returns the audio leg of port p in call c (nil when none yet).
func (c *call) leg(p *port) fxs.AudioLeg {
	if c == nil {
		return nil
	}
	return c.legs[p]
}

// other returns the port at the other end of a local call.
func (c *call) other(p *port) *port {
	if c.a == p {
		return c.b
	}
	return c.a
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
	divFormat, err := ParseDiversionFormat(cfg.DiversionFormat)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Gateway{
		cfg:          cfg,
		zone:         zone,
		divFormat:    divFormat,
		board:        o.Board,
		cdr:          o.CDR,
		settings:     o.Settings,
		log:          o.Logger,
		version:      o.Version,
		byExt:        map[string]*port{},
		byAccount:    map[string]*port{},
		byLine:       map[string]*line{},
		lineAccounts: map[string][]*line{},
		queue:        make(chan func(), 1024),
		calls:        map[string]*call{},
		now:          o.Now,
	}
	if g.now == nil {
		g.now = time.Now
	}
	hookCfg := fxs.DefaultHookConfig
	if cfg.FlashMin > 0 {
		hookCfg.FlashMin = cfg.FlashMin
	}
	if cfg.FlashMax > 0 {
		hookCfg.FlashMax = cfg.FlashMax
	}
	if hookCfg.FlashMin >= hookCfg.FlashMax || hookCfg.FlashMin <= hookCfg.PulseMin {
		return nil, fmt.Errorf("gateway: flash window %v–%v: want %v < min < max", hookCfg.FlashMin, hookCfg.FlashMax, hookCfg.PulseMin)
	}
	if hookCfg.PulseMap, err = fxs.PulseMapNamed(cfg.PulseDialing); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	zoneCID := fxs.DefaultCallerID(cfg.Zone)
	if cfg.CallerID != "" {
		if zoneCID, err = fxs.ParseCallerID(cfg.CallerID); err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
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
		pt := &port{cfg: pc, ch: ch, dnd: pc.DND, fwdAlways: pc.ForwardAlways, fwdBusy: pc.ForwardBusy,
			fwdNoAnswer: pc.ForwardNoAnswer, fwdDelay: pc.ForwardNoAnswerDelay,
			cw: !cfg.NoCallWaiting && !pc.NoCallWaiting}
		if pt.fwdDelay <= 0 {
			pt.fwdDelay = 20 * time.Second
		}
		ec := echo.DefaultConfig()
		if cfg.EchoTail > 0 {
			ec.Tail = cfg.EchoTail
		}
		cidCfg := zoneCID
		if pc.CallerID != "" {
			if cidCfg, err = fxs.ParseCallerID(pc.CallerID); err != nil {
				ch.Close()
				g.closePorts()
				return nil, fmt.Errorf("gateway: port %d/%d: %w", pc.Span, pc.Chan, err)
			}
		}
		pt.p = fxs.NewPort(ch, fxs.Config{
			Zone: zone, Map: dm, Timers: timers, Hook: hookCfg,
			Echo: ec, EchoOff: cfg.EchoOff,
			Logger:   o.Logger,
			CallerID: cidCfg,
			Polarity: fxs.Polarity{OnAnswer: pc.ReverseOnAnswer, OnFarHangup: pc.ReverseOnFarHangup},
			Hotline:  pc.Hotline, HotlineDelay: pc.WarmlineDelay,
			CallWaiting: pt.cw,
			RxGainDB:    pc.RxGainDB, TxGainDB: pc.TxGainDB,
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
	if err := g.openLines(o, zone, dm); err != nil {
		g.closePorts()
		return nil, err
	}
	if err := g.loadSettings(); err != nil {
		g.closePorts()
		return nil, err
	}
	if err := g.buildRouting(); err != nil {
		g.closePorts()
		return nil, err
	}
	return g, nil
}

func (g *Gateway) closePorts() {
	for _, p := range g.ports {
		p.ch.Close()
	}
	for _, ln := range g.lines {
		ln.ch.Close()
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
		for _, ln := range g.lines {
			<-ln.p.Running()
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
	for _, ln := range g.lines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ln.p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				g.log.Error("line loop ended", "line", ln.name, "err", err)
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
		if g.featureCode(p, n.Number) {
			return
		}
		g.dial(p, n.Number)
	case fxs.NoteAnswer:
		if c == nil {
			// The phone answered a call that ended meanwhile (a CANCEL
			// crossing the answer): its line is connected to nobody.
			p.p.FarHangup()
			return
		}
		if c.xfer {
			if c.b == p && c.answer.IsZero() {
				g.xferJoin(c)
			}
			return
		}
		if c.recall {
			c.recall = false
			p.p.Attach(c.leg(p))
			return
		}
		if c.b != p {
			return
		}
		g.answered(c)
	case fxs.NoteHangup:
		g.portHungUp(p)
	case fxs.NoteNoAnswer:
		if c == nil {
			return
		}
		if c.xfer {
			g.xferClear(c, "no answer")
			return
		}
		if c.recall {
			g.hangupFrom(p, c)
			return
		}
		if c.b != p {
			return
		}
		p.call = nil
		if p.fwdNoAnswer != "" && g.forward(c, p, p.fwdNoAnswer, "no-answer") {
			return
		}
		if c.a != nil {
			g.tell(c.a, c, c.a.p.Congestion)
		}
		if c.sc != nil {
			c.sc.Reject(480, "Temporarily Unavailable")
		}
		c.state = "no answer"
		g.endCall(c, "no answer")
	case fxs.NoteBusy:
		if w := p.waiting; w != nil {
			p.waiting = nil
			g.busy(w, p)
			return
		}
		if c == nil || c.b != p || !c.answer.IsZero() {
			return
		}
		p.call = nil
		g.busy(c, p)
	case fxs.NoteService:
		g.service(p, n.Service)
	case fxs.NoteState:
		g.portUsed(p)
		if n.State == fxs.Idle {
			g.portIdle(p)
		}
	}
}

// tell delivers news about call c to port p according to what c is to p:
// the active call gets active(), a held call or a conference party
// leaving gives HeldGone, a waiting call is withdrawn.
func (g *Gateway) tell(p *port, c *call, active func()) {
	switch {
	case p.call == c && p.conf:
		p.conf = false
		p.call, p.held = p.held, nil
		p.p.Attach(p.call.leg(p))
		p.p.HeldGone()
	case p.call == c:
		active()
	case p.held == c:
		p.held = nil
		if p.conf {
			p.conf = false
			p.p.Attach(p.call.leg(p))
		}
		p.p.HeldGone()
	case p.waiting == c:
		p.waiting = nil
		p.p.CancelRing()
	}
}

// dial routes a number dialled on port p; divs are the diversions of a
// call forwarded from p's earlier call (sent on a SIP call it places).
func (g *Gateway) dial(p *port, number string, divs ...sip.Diversion) {
	from := p.cfg.Extension
	if from == "" {
		from = p.name()
	}
	if dst, ok := g.byExt[number]; ok {
		g.localCall(p, from, number, dst, false)
		return
	}
	g.dialRoute(p, from, number, divs)
}

// offer presents call c (local or inbound) to port dst: forwarded when dst
// forwards everything, busy under do-not-disturb, as a waiting call when
// dst is in a call with call waiting, else it rings.
func (g *Gateway) offer(c *call, dst *port) {
	c.b = dst
	c.dstLeg = dst.name()
	if dst.fwdAlways != "" && g.forward(c, dst, dst.fwdAlways, "unconditional") {
		return
	}
	if dst.dnd {
		g.busy(c, dst)
		return
	}
	o := fxs.Offer{CallerID: g.callerID(c), Cadence: g.cadence(c)}
	if dst.call != nil || dst.held != nil || dst.waiting != nil {
		if dst.cw && dst.waiting == nil && dst.held == nil && !dst.conf && dst.call != nil && !dst.call.answer.IsZero() {
			dst.waiting = c
			c.state = "waiting"
			dst.p.Offer(o)
			if c.sc != nil {
				if err := c.sc.Ringing(); err != nil {
					g.log.Warn("180 failed", "call", c.id, "err", err)
				}
			}
			return
		}
		g.busy(c, dst)
		return
	}
	dst.call = c
	c.state = "ringing"
	if dst.fwdNoAnswer != "" {
		o.NoAnswer = dst.fwdDelay
	}
	dst.p.Offer(o)
	if c.sc != nil {
		if err := c.sc.Ringing(); err != nil {
			g.log.Warn("180 failed", "call", c.id, "err", err)
		}
	}
}

// busy ends call c that found port p busy, unless p forwards on busy.
func (g *Gateway) busy(c *call, p *port) {
	if p.fwdBusy != "" && g.forward(c, p, p.fwdBusy, "user-busy") {
		return
	}
	if c.a != nil {
		g.tell(c.a, c, c.a.p.Busy)
	}
	if c.sc != nil {
		c.sc.Reject(486, "Busy Here")
	}
	c.state = "busy"
	g.endCall(c, "busy")
}

// featureCode carries out a star code dialled on p; false if number is
// not one.
func (g *Gateway) featureCode(p *port, number string) bool {
	arg := func(code string) (string, bool) {
		if strings.HasPrefix(number, code) && len(number) > len(code) {
			return number[len(code):], true
		}
		return "", false
	}
	switch number {
	case "*78":
		p.dnd = true
	case "*79":
		p.dnd = false
	case "*73":
		p.fwdAlways = ""
	case "*91":
		p.fwdBusy = ""
	case "*93":
		p.fwdNoAnswer = ""
	default:
		if n, ok := arg("*72"); ok {
			p.fwdAlways = n
		} else if n, ok := arg("*90"); ok {
			p.fwdBusy = n
		} else if n, ok := arg("*92"); ok {
			p.fwdNoAnswer = n
		} else {
			return false
		}
	}
	g.log.Info("feature code", "port", p.name(), "code", number)
	g.saveSettings(p)
	p.p.Confirm()
	return true
}

// service carries out a flash service the port's line machine chose.
func (g *Gateway) service(p *port, k fxs.ActionKind) {
	switch k {
	case fxs.ActHold:
		if p.call != nil {
			p.held, p.call = p.call, nil
			g.hold(p.held, true)
		}
	case fxs.ActResume:
		if p.call != nil && p.held != nil {
			g.hangupFrom(p, p.call) // the consultation call ends
		}
		if p.held != nil {
			p.call, p.held, p.conf = p.held, nil, false
			p.p.Attach(p.call.leg(p))
			g.hold(p.call, false)
		}
	case fxs.ActAnswerWaiting:
		w := p.waiting
		if w == nil {
			return
		}
		p.waiting = nil
		p.held, p.call = p.call, w
		g.hold(p.held, true)
		g.answered(w)
	case fxs.ActSwap:
		if p.held == nil {
			return
		}
		p.call, p.held = p.held, p.call
		p.p.Attach(p.call.leg(p))
		g.hold(p.held, true)
		g.hold(p.call, false)
	case fxs.ActConference:
		if p.call == nil || p.held == nil {
			return
		}
		p.conf = true
		g.hold(p.held, false)
		p.p.Conference(p.call.leg(p), p.held.leg(p))
	case fxs.ActConferenceEnd:
		if !p.conf || p.held == nil {
			return
		}
		last := p.call
		p.conf = false
		p.call, p.held = p.held, nil
		p.p.Attach(p.call.leg(p))
		g.hangupFrom(p, last)
	}
}

// hold holds or resumes the SIP leg of c when the SIP call can (re-INVITE
// a=sendonly); a local leg is held by not being read.
func (g *Gateway) hold(c *call, on bool) {
	if c == nil || c.sc == nil {
		return
	}
	hold := c.sc.Resume
	if on {
		hold = c.sc.Hold
	}
	if err := hold(); err != nil {
		g.log.Warn("hold", "call", c.id, "on", on, "err", err)
	}
}

// portHungUp: the phone on p hung up (or abandoned its call).
func (g *Gateway) portHungUp(p *port) {
	c := p.call
	if c == nil {
		return
	}
	if h := p.held; h != nil && c.consult && !p.conf && g.transfer(p, h, c) {
		return
	}
	if p.conf {
		// Hanging up a three-way call ends both calls.
		h := p.held
		p.held, p.conf = nil, false
		if h != nil {
			g.hangupFrom(p, h)
		}
	}
	g.hangupFrom(p, c)
	// A held or waiting call rings the phone again once it is idle
	// (portIdle).
}

// transfer connects the held party of p with the party of its
// consultation call when p hangs up: attended when the consultation was
// answered, blind while it still rings. Both parties must be local ports;
// SIP parties need REFER (see the report in doc.go).
func (g *Gateway) transfer(p *port, held, consult *call) bool {
	if held.sc != nil && consult.sc != nil && held.ln == nil && consult.ln == nil {
		return g.transferSIP(p, held, consult)
	}
	if held.sc != nil || consult.sc != nil || held.ln != nil || consult.ln != nil {
		return g.transferMixed(p, held, consult)
	}
	x, y := held.other(p), consult.other(p)
	if x == nil || y == nil || x == y {
		return false
	}
	attended := !consult.answer.IsZero()
	nc := g.newCall("transfer", held.from, consult.to)
	if x == held.b {
		nc.from = x.cfg.Extension
	}
	nc.a, nc.b = x, y
	nc.srcLeg, nc.dstLeg = x.name(), y.name()
	g.endCall(held, "transferred")
	g.endCall(consult, "transferred")
	x.call, y.call = nc, nc
	g.log.Info("transfer", "call", nc.id, "by", p.name(), "from", x.name(), "to", y.name(), "attended", attended)
	if attended {
		g.answered(nc)
		return true
	}
	nc.state = "ringing"
	x.p.Attach(nil)
	return true
}

// portIdle: the line of p went idle; a call still held or waiting for it
// rings the phone again.
func (g *Gateway) portIdle(p *port) {
	if p.call != nil {
		return
	}
	p.conf = false
	if h := p.held; h != nil {
		p.held = nil
		p.call = h
		h.recall = true
		p.p.Offer(fxs.Offer{CallerID: g.callerID(h)})
		return
	}
	if w := p.waiting; w != nil {
		p.waiting = nil
		g.offer(w, p)
	}
}

// answered connects a call whose called port went off hook.
func (g *Gateway) answered(c *call) {
	c.answer = time.Now()
	c.state = "connected"
	switch {
	case c.ln != nil && !c.lineOut && c.b != nil:
		// A PSTN call answered on an FXS phone.
		c.ln.p.Answer()
		la, lb := crossConnect(c.b.ch.FrameSamples())
		c.legs = map[*port]fxs.AudioLeg{c.b: lb}
		c.b.p.Attach(lb)
		c.ln.p.Attach(la)
		c.codec = "L16"
	case c.a != nil && c.b != nil:
		la, lb := crossConnect(c.a.ch.FrameSamples())
		c.legs = map[*port]fxs.AudioLeg{c.a: la, c.b: lb}
		c.b.p.Attach(lb)
		c.a.p.Answered(la)
		c.codec = "L16"
	case c.sc != nil:
		if err := c.sc.Answer(); err != nil {
			g.log.Warn("answer failed", "call", c.id, "err", err)
			c.b.p.FarHangup()
			// The caller never saw the answer (it cancelled first).
			c.answer = time.Time{}
			c.cancelled = true
			g.endCall(c, "sip answer: "+err.Error())
			return
		}
		if m := c.sc.Media(); m != nil {
			leg := sipLeg(c.sc, m)
			c.legs = map[*port]fxs.AudioLeg{c.b: leg}
			c.b.p.Attach(leg)
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
		g.tell(other, c, func() {
			switch {
			case !c.answer.IsZero() || c.recall:
				other.p.FarHangup()
			case other == c.b:
				other.p.CancelRing()
			default:
				other.p.Congestion()
			}
		})
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
		if c := c.current(); !c.ended {
			g.onSIPEvent(c, sip.Event{Kind: sip.EventEnded})
		}
	})
}

func (g *Gateway) onSIPEvent(c *call, ev sip.Event) {
	c = c.current()
	if c.ended {
		return
	}
	if c.xfer {
		g.xferSIPEvent(c, ev)
		return
	}
	switch ev.Kind {
	case sip.EventRinging:
		if c.a != nil && c.answer.IsZero() && c.a.call == c {
			c.state = "alerting"
			c.a.p.Ringback()
		}
	case sip.EventProgress:
		if c.a != nil && c.answer.IsZero() && c.a.call == c {
			if m := c.sc.Media(); m != nil {
				c.state = "early media"
				leg := sipLeg(c.sc, m)
				c.legs = map[*port]fxs.AudioLeg{c.a: leg}
				c.a.p.EarlyMedia(leg)
			}
		}
	case sip.EventAnswered:
		if c.a != nil && c.answer.IsZero() {
			c.answer = time.Now()
			c.state = "connected"
			c.codec = c.sc.Codec()
			var leg fxs.AudioLeg
			if m := c.sc.Media(); m != nil {
				leg = sipLeg(c.sc, m)
				c.legs = map[*port]fxs.AudioLeg{c.a: leg}
			}
			if c.a.call == c {
				c.a.p.Answered(leg)
			}
		}
		if c.ln != nil && !c.lineOut && c.answer.IsZero() {
			// A PSTN call answered by its SIP destination.
			c.answer = time.Now()
			c.state = "connected"
			c.codec = c.sc.Codec()
			c.ln.p.Answer()
			if c.sc.Media() != nil {
				c.ln.p.Attach(newLineLeg(c.sc, c.ln.ch.FrameSamples()))
			}
		}
	case sip.EventFailed:
		c.state = fmt.Sprintf("failed %d", ev.Code)
		if c.a != nil {
			g.tell(c.a, c, func() {
				switch ev.Code {
				case 486, 600:
					c.a.p.Busy()
				default:
					c.a.p.Congestion()
				}
			})
		}
		if c.b != nil {
			g.tell(c.b, c, c.b.p.CancelRing)
		}
		g.endCall(c, fmt.Sprintf("sip %d", ev.Code))
	case sip.EventEnded:
		answered := c.recall || !c.answer.IsZero()
		for _, p := range []*port{c.a, c.b} {
			if p == nil {
				continue
			}
			g.tell(p, c, func() {
				switch {
				case answered:
					p.p.FarHangup()
				case p == c.b:
					p.p.CancelRing()
				default:
					p.p.Congestion()
				}
			})
		}
		if c.dir == "inbound" && ev.Code == 487 && ev.Reason == sip.ReasonCancelled {
			// The caller's CANCEL won over our answer: for the caller,
			// and so in the CDR, the call was never answered.
			c.answer = time.Time{}
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
		if sc.Ended() {
			// Cancelled while queued: offering it would ring a phone
			// (and turn the next caller away as busy) for nobody.
			g.log.Info("inbound call gone before it was offered", "from", sc.Remote().Number)
			return
		}
		if g.routeIncoming(account, sc) {
			return
		}
		p, ok := g.byAccount[account]
		if !ok {
			if lines := g.lineAccounts[account]; len(lines) > 0 {
				g.sipToLine(account, sc, lines)
				return
			}
			sc.Reject(404, "Not Found")
			return
		}
		r := sc.Remote()
		c := g.newCall("inbound", r.Number, p.cfg.Extension)
		c.sc = sc
		c.srcLeg = r.URI
		g.log.Info("inbound call", "call", c.id, "from", r.Number, "to", p.name())
		g.logDiverted(c)
		g.offer(c, p)
		if !c.ended {
			go g.watch(c, sc)
		}
	})
}

// endCall removes a call from the table and writes its CDR.
func (g *Gateway) endCall(c *call, cause string) {
	if c.ended {
		return
	}
	c.ended = true
	c.stopRingback()
	for _, p := range []*port{c.a, c.b} {
		if p == nil {
			continue
		}
		if p.call == c {
			p.call = nil
		}
		if p.held == c {
			p.held = nil
		}
		if p.waiting == c {
			p.waiting = nil
		}
		if p.call == nil || p.held == nil {
			p.conf = false
		}
	}
	if ln := c.ln; ln != nil && ln.call == c {
		ln.call = nil
		ln.lastUse = time.Now()
		ln.p.Release()
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
		Ports: len(g.ports) + len(g.lines),
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
	out := make([]PortStatus, 0, len(g.ports)+len(g.lines))
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
	for _, ln := range g.lines {
		info := ln.p.Info()
		st := ln.p.State()
		ps := PortStatus{
			Name: ln.name, Span: info.Span, Chan: info.Chan, Kind: info.Kind.String(),
			Account: ln.cfg.Account, State: linePortState(st), LineState: st.String(),
			OffHook: st.HoldsLoop(), Registered: regs[ln.cfg.Account],
		}
		if ln.call != nil {
			ps.CallID = ln.call.id
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
