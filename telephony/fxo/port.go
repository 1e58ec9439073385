package fxo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/dtmf"
	"tipring/dsp/echo"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/telephony/digitmap"
	"tipring/telephony/leg"
)

// AudioLeg, DTMFRelay and DTMFSource are how the channel loop talks to the
// other side of its call (see telephony/leg); the same types serve FXS and
// FXO ports.
type (
	AudioLeg   = leg.Audio
	DTMFRelay  = leg.DTMFRelay
	DTMFSource = leg.DTMFSource
)

// FlashDigit is the digit a DTMFSource reports for a hook flash (RFC 4733
// event 16, or SIP INFO Signal=16 / hf): the port flashes the line.
const FlashDigit = '!'

// NoteKind is what a port tells the gateway.
type NoteKind uint8

const (
	// NoteIncoming: the line rang RingsBeforeAnswer times; Number and Name
	// are the caller ID received so far (empty when none or withheld).
	NoteIncoming NoteKind = iota + 1
	// NoteCallerID: caller ID arrived after NoteIncoming (Number, Name).
	NoteCallerID
	// NoteRingStopped: the noted incoming call stopped ringing unanswered.
	NoteRingStopped
	// NoteProceeding: the outgoing call's number has been sent; the line's
	// audio (ringback, announcements) now flows to the leg.
	NoteProceeding
	// NoteAnswered: the outgoing call was answered (Reason ReasonPolarity
	// when the office signalled it, ReasonTimeout when assumed).
	NoteAnswered
	// NoteDigits: two-stage dialling collected Number (Reason ReasonNone
	// when the digit map matched, else ReasonNoMatch or ReasonTimeout).
	NoteDigits
	// NoteDisconnected: the far end left (Reason says how it was
	// detected); the port has already released the line.
	NoteDisconnected
	// NoteFailed: an outgoing call could not be placed (Reason).
	NoteFailed
	// NoteState: the line changed state (for status views and hunting).
	NoteState
)

var noteNames = [...]string{"", "incoming", "callerid", "ringstopped", "proceeding", "answered", "digits",
	"disconnected", "failed", "state"}

func (k NoteKind) String() string {
	if int(k) < len(noteNames) && k != 0 {
		return noteNames[k]
	}
	return fmt.Sprintf("NoteKind(%d)", k)
}

// Note is one notification from a port to the gateway.
type Note struct {
	Kind   NoteKind
	Number string
	Name   string
	Reason Reason
	State  State
}

// DialMethod selects how a number is sent.
type DialMethod uint8

const (
	// DialDefault uses Config.PulseDial.
	DialDefault DialMethod = iota
	// DialDTMF sends DTMF tones.
	DialDTMF
	// DialPulse sends loop-disconnect pulses.
	DialPulse
)

// Config configures a port. Zero fields take defaults.
type Config struct {
	// Zone gives the dial tone to wait for, the busy and congestion tones
	// that end a call, the tones played in two-stage dialling and the DTMF
	// send levels. Required.
	Zone *tone.Zone
	// Timers: zero fields take DefaultTimers (AnswerDelay and
	// SilenceTimeout are 0 = off unless set).
	Timers Timers
	// Supervision selects answer and disconnect supervision; nil means
	// DefaultSupervision.
	Supervision *Supervision
	// RingsBeforeAnswer is the ring count at which NoteIncoming is sent
	// (default 2, so that Bellcore caller ID between the first and second
	// ring is in the note).
	RingsBeforeAnswer int
	// CallerID lists the caller-ID schemes listened for while the line is
	// on hook; nil means DefaultCallerID(Zone.Name), an empty non-nil slice
	// none.
	CallerID []cid.Scheme
	// Map is the default two-stage dialling digit map.
	Map *digitmap.Map
	// PulseDial makes DialDefault send pulses; Pulse is their timing
	// (zero: DefaultPulse).
	PulseDial bool
	Pulse     PulseConfig
	// DTMF is the timing and level of dialled digits; zero fields take the
	// zone's send levels and 80 ms / 80 ms.
	DTMF dtmf.GenConfig
	// Progress detects disconnect tones; nil means NewZoneProgress(Zone).
	Progress ProgressDetector
	// SilenceLevelDBm0 is the received level below which a frame counts as
	// silence for SilenceTimeout (default -50 dBm0).
	SilenceLevelDBm0 float64
	// Echo configures the line echo canceller that runs while the loop is
	// held (G.168); EchoOff disables it, e.g. when the card cancels echo.
	Echo    echo.Config
	EchoOff bool
	// Now is the wall clock for Status.LastUse (default time.Now).
	Now    func() time.Time
	Logger *slog.Logger
}

// DefaultCallerID returns the caller-ID schemes in use in a tone zone: Bellcore
// FSK in North America, BT SIN 227 in the United Kingdom, NTT in Japan, and
// ETSI FSK plus DTMF CLIP elsewhere.
func DefaultCallerID(zone string) []cid.Scheme {
	switch strings.ToLower(zone) {
	case "us", "ca":
		return []cid.Scheme{cid.Bellcore}
	case "uk":
		return []cid.Scheme{cid.BT}
	case "jp":
		return []cid.Scheme{cid.NTT}
	}
	return []cid.Scheme{cid.ETSI, cid.DTMF}
}

// withDefaults fills zero timers.
func (t Timers) withDefaults() Timers {
	d := DefaultTimers
	fill := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	fill(&t.RingMinBurst, d.RingMinBurst)
	fill(&t.RingMerge, d.RingMerge)
	fill(&t.RingTimeout, d.RingTimeout)
	fill(&t.CallerIDMaxAge, d.CallerIDMaxAge)
	fill(&t.DialToneWait, d.DialToneWait)
	fill(&t.CPCQualify, d.CPCQualify)
	fill(&t.FlashGuard, d.FlashGuard)
	fill(&t.Guard, d.Guard)
	fill(&t.FirstDigit, d.FirstDigit)
	fill(&t.InterDigit, d.InterDigit)
	fill(&t.ShortInterDigit, d.ShortInterDigit)
	fill(&t.AnswerPolarityGuard, d.AnswerPolarityGuard)
	return t
}

// Status is the port's state for status views and for hunting.
type Status struct {
	Name  string
	State State
	// Available: idle, not in lifeline, not in the guard time: a hunt may
	// place a call here (Dial can still fail with ReasonBusy if the line
	// starts ringing first).
	Available bool
	Lifeline  bool
	// LastUse is when the line was last seized or released (zero: never);
	// least-recently-used and round-robin hunts order by it.
	LastUse time.Time
	Calls   uint64 // calls placed or answered
	// Number and CallerName: the dialled number, or the caller ID of the
	// ringing or answered call.
	Number     string
	CallerName string
	Reversed   bool // line polarity last reported
}

type cmdKind uint8

const (
	cmdEvent  cmdKind = iota + 1 // feed Event to the machine
	cmdAttach                    // set the audio leg
	cmdPrompt                    // play prompt samples (two-stage dialling)
)

type command struct {
	kind   cmdKind
	ev     Event
	leg    AudioLeg
	prompt []int16
}

// Port runs one FXO channel: the channel loop that owns the hal.Channel,
// detects ringing, caller ID, dial tone, DTMF and disconnect tones, steps
// the Machine, dials and bridges audio to the attached leg.
//
// Concurrency: Run is the only goroutine touching the channel and the line
// state. The command methods (Dial, Answer, Release, …) and Status may be
// called from any goroutine; commands queue and never block for long.
// notify is called from the loop and must not block.
type Port struct {
	ch     hal.Channel
	info   hal.ChannelInfo
	cfg    Config
	m      Machine
	ec     *echo.Canceller
	log    *slog.Logger
	notify func(Note)

	inbox   chan command
	running chan struct{}

	state    atomic.Uint32
	lifeline atomic.Bool
	frames   atomic.Uint64
	errs     atomic.Uint64

	mu       sync.Mutex // guards the fields below, for Status
	lastUse  time.Time
	calls    uint64
	number   string
	name     string
	reversed bool
}

// NewPort prepares a port on an open FXO channel. notify receives the port's
// notes; it is called from the channel loop and must not block.
func NewPort(ch hal.Channel, cfg Config, notify func(Note)) (*Port, error) {
	info := ch.Info()
	where := "fxo: port " + info.Name
	if info.Kind != hal.KindFXO {
		return nil, fmt.Errorf("%s: channel is %v, not FXO", where, info.Kind)
	}
	if cfg.Zone == nil {
		return nil, fmt.Errorf("%s: no tone zone", where)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Timers = cfg.Timers.withDefaults()
	if q := cfg.Timers.CPCQualify; q < MinCPCQualify || q > MaxCPCQualify {
		return nil, fmt.Errorf("%s: CPC qualification %v outside %v-%v", where, q, MinCPCQualify, MaxCPCQualify)
	}
	sup := DefaultSupervision
	if cfg.Supervision != nil {
		sup = *cfg.Supervision
	}
	if cfg.RingsBeforeAnswer == 0 {
		cfg.RingsBeforeAnswer = 2
	}
	if cfg.RingsBeforeAnswer < 1 || cfg.RingsBeforeAnswer > 20 {
		return nil, fmt.Errorf("%s: rings before answer %d outside 1-20", where, cfg.RingsBeforeAnswer)
	}
	if cfg.CallerID == nil {
		cfg.CallerID = DefaultCallerID(cfg.Zone.Name)
	}
	if cfg.Pulse == (PulseConfig{}) {
		cfg.Pulse = DefaultPulse
	}
	if cfg.Pulse.Break <= 0 || cfg.Pulse.Make <= 0 || cfg.Pulse.InterDigit <= 0 {
		return nil, fmt.Errorf("%s: pulse timing %v/%v/%v not positive", where, cfg.Pulse.Break, cfg.Pulse.Make, cfg.Pulse.InterDigit)
	}
	if cfg.DTMF.LowDBm0 == 0 && cfg.DTMF.HighDBm0 == 0 && cfg.Zone.DTMFLowDBm0 != 0 {
		cfg.DTMF.LowDBm0, cfg.DTMF.HighDBm0 = cfg.Zone.DTMFLowDBm0, cfg.Zone.DTMFHighDBm0
	}
	if cfg.Progress == nil {
		cfg.Progress = NewZoneProgress(cfg.Zone)
	}
	if cfg.SilenceLevelDBm0 == 0 {
		cfg.SilenceLevelDBm0 = -50
	}
	if notify == nil {
		notify = func(Note) {}
	}
	var ec *echo.Canceller
	if !cfg.EchoOff {
		if cfg.Echo == (echo.Config{}) {
			cfg.Echo = echo.DefaultConfig()
		}
		var err error
		if ec, err = echo.New(cfg.Echo); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	return &Port{
		ch:      ch,
		info:    info,
		cfg:     cfg,
		m:       Machine{Timers: cfg.Timers, Supervision: sup, RingsBeforeAnswer: cfg.RingsBeforeAnswer, Map: cfg.Map},
		ec:      ec,
		log:     cfg.Logger.With("port", info.Name),
		notify:  notify,
		inbox:   make(chan command, 64),
		running: make(chan struct{}),
	}, nil
}

// Running is closed once the channel loop has processed its first frame.
func (p *Port) Running() <-chan struct{} { return p.running }

// Info describes the port's channel.
func (p *Port) Info() hal.ChannelInfo { return p.info }

// State is the line state now.
func (p *Port) State() State { return State(p.state.Load()) }

// Available reports whether a hunt may place a call on the port now.
func (p *Port) Available() bool { return p.State() == Idle && !p.lifeline.Load() }

// Status returns the port's state for status views and hunting.
func (p *Port) Status() Status {
	st := p.State()
	p.mu.Lock()
	defer p.mu.Unlock()
	return Status{
		Name: p.info.Name, State: st, Available: st == Idle && !p.lifeline.Load(),
		Lifeline: p.lifeline.Load(), LastUse: p.lastUse, Calls: p.calls,
		Number: p.number, CallerName: p.name, Reversed: p.reversed,
	}
}

func (p *Port) send(c command) {
	// The loop drains the inbox every frame; should it ever be full the
	// sender waits rather than lose a call event.
	p.inbox <- c
}

func (p *Port) event(ev Event) { p.send(command{kind: cmdEvent, ev: ev}) }

// Dial seizes the line, waits for dial tone (DialToneWait at most) and
// dials number. NoteProceeding follows once it is sent, then NoteAnswered,
// or NoteFailed (ReasonBusy when the port is not idle, ReasonBadNumber,
// ReasonNoDialTone).
func (p *Port) Dial(number string, method DialMethod) {
	p.event(Event{Kind: EvDial, Number: number, Pulse: p.pulse(method)})
}

// DialNeedTone is Dial that fails with ReasonNoDialTone when no dial tone
// comes within DialToneWait, whatever Supervision.RequireDialTone says
// (tone learning must not dial blind into a line that is not there).
func (p *Port) DialNeedTone(number string, method DialMethod) {
	p.event(Event{Kind: EvDial, Number: number, Pulse: p.pulse(method), NeedDialTone: true})
}

// pulse says whether method dials with pulses (DialDefault: the port's
// configuration).
func (p *Port) pulse(method DialMethod) bool {
	switch method {
	case DialDTMF:
		return false
	case DialPulse:
		return true
	}
	return p.cfg.PulseDial
}

// Answer seizes the ringing line: the call is connected and audio flows to
// the attached leg.
func (p *Port) Answer() { p.event(Event{Kind: EvAnswer}) }

// Release clears the call and puts the line on hook.
func (p *Port) Release() { p.event(Event{Kind: EvRelease}) }

// Flash sends a hook flash on a connected line (SIP INFO or RFC 4733 event
// 16 from the far end).
func (p *Port) Flash() { p.event(Event{Kind: EvFlash}) }

// CollectConfig is a two-stage dialling request.
type CollectConfig struct {
	// Map decides when the number is complete (nil: Config.Map; with no
	// map at all digits are collected until the inter-digit timeout).
	Map *digitmap.Map
	// Prompt is played once to the caller; if nil and PlayTone is set,
	// Tone (normally tone.Dial) plays instead. Either stops at the first
	// digit.
	Prompt   []int16
	Tone     tone.Signal
	PlayTone bool
}

// Collect starts two-stage dialling on an answered incoming call: the
// caller hears the prompt or tone and dials; NoteDigits reports the number.
func (p *Port) Collect(c CollectConfig) {
	if c.Prompt != nil {
		p.send(command{kind: cmdPrompt, prompt: c.Prompt})
	}
	p.event(Event{Kind: EvCollect, Map: c.Map, Tone: c.Tone, PlayTone: c.PlayTone && c.Prompt == nil})
}

// Attach sets the audio leg of the call.
func (p *Port) Attach(leg AudioLeg) { p.send(command{kind: cmdAttach, leg: leg}) }

// SetLifeline tells the port that the power-fail relay has handed the line
// to the lifeline telephone (on) or given it back (off). While on, the port
// releases any call (NoteDisconnected, ReasonLifeline), ignores ringing and
// refuses calls.
func (p *Port) SetLifeline(on bool) {
	p.lifeline.Store(on)
	p.event(Event{Kind: EvLifeline, On: on})
}

// Lifeline reports whether the port is handed to the lifeline telephone.
func (p *Port) Lifeline() bool { return p.lifeline.Load() }

// loop holds the frame loop's preallocated state.
type loop struct {
	look        leg.Lookahead // holds back a frame for digit relay legs
	rx, tx, tmp []int16
	ref         []int16 // the frame written last: the canceller's reference
	clean       []int16 // receive audio after echo cancellation
	line        Line
	now         time.Duration
	evs         []Event
	cids        []*cid.Receiver
	dial        *dialToneDetector
	det         *dtmf.Detector
	gen         tone.Generator
	dgen        *dtmf.Generator // dialled digits
	rgen        *dtmf.Generator // digits relayed from the leg
	pulse       pulseDialer
	hook        func(hal.Hook)
	dialling    bool // the DTMF dialler is sending
	prompt      []int16
	promptPos   int
	leg         AudioLeg
	relay       DTMFRelay  // leg's digit relay; nil: none
	src         DTMFSource // leg's received digits; nil: none
	audio       bool
	relaying    bool
	// flashReq: the leg relayed a hook flash (RFC 4733 event 16 or SIP
	// INFO, digit '!'); the next frame flashes the line.
	flashReq bool
	silence  float64 // mean square below which a frame is silent
}

// Run is the channel loop. It returns when ctx is done or the channel is
// closed; one bad frame never ends it.
func (p *Port) Run(ctx context.Context) error {
	lp, err := p.newLoop()
	if err != nil {
		return err
	}
	frameDur := hal.FrameDuration(len(lp.rx))
	stop := context.AfterFunc(ctx, func() { p.ch.Close() })
	defer stop()
	var lastLog time.Time
	for {
		if err := p.ch.ReadFrame(lp.rx); err != nil {
			if ctx.Err() != nil || errors.Is(err, hal.ErrClosed) {
				return ctx.Err()
			}
			p.errs.Add(1)
			if time.Since(lastLog) > 10*time.Second {
				lastLog = time.Now()
				p.log.Warn("read frame", "err", err, "errors", p.errs.Load())
			}
			clear(lp.rx)
		}
		lp.now += frameDur
		if p.frames.Add(1) == 1 {
			close(p.running)
		}
		p.step(lp)
		copy(lp.ref, lp.tx)
		if err := p.ch.WriteFrame(lp.tx); err != nil {
			if errors.Is(err, hal.ErrClosed) {
				return ctx.Err()
			}
			p.errs.Add(1)
		}
	}
}

func (p *Port) newLoop() (*loop, error) {
	n := p.ch.FrameSamples()
	lp := &loop{
		rx:      make([]int16, n),
		tx:      make([]int16, n),
		tmp:     make([]int16, n),
		ref:     make([]int16, n),
		clean:   make([]int16, n),
		evs:     make([]Event, 0, 16),
		dial:    newDialToneDetector(p.cfg.Zone),
		det:     dtmf.NewDetector(dtmf.DetectorConfig{}),
		dgen:    dtmf.NewGenerator(p.cfg.DTMF),
		rgen:    dtmf.NewGenerator(dtmf.GenConfig{}),
		silence: powerOf(p.cfg.SilenceLevelDBm0),
	}
	lp.hook = func(op hal.Hook) {
		if err := p.ch.Hook(op); err != nil {
			p.log.Warn("hook", "op", op, "err", err)
		}
	}
	for _, s := range p.cfg.CallerID {
		r, err := cid.NewReceiver(cid.ReceiverConfig{Scheme: s})
		if err != nil {
			return nil, fmt.Errorf("fxo: port %s: %w", p.info.Name, err)
		}
		lp.cids = append(lp.cids, r)
	}
	return lp, nil
}

// step runs one frame: signalling, receive DSP, machine, transmit audio.
func (p *Port) step(lp *loop) {
	lp.evs = lp.evs[:0]
	for {
		ev, ok := p.ch.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case hal.EventRingBegin:
			lp.evs = append(lp.evs, Event{Kind: EvRingBegin})
		case hal.EventRingEnd:
			lp.evs = append(lp.evs, Event{Kind: EvRingEnd})
		case hal.EventPolarity:
			lp.evs = append(lp.evs, Event{Kind: EvPolarity, Reversed: ev.Reversed})
			p.mu.Lock()
			p.reversed = ev.Reversed
			p.mu.Unlock()
		case hal.EventOnHook:
			lp.evs = append(lp.evs, Event{Kind: EvLoopLost})
		case hal.EventOffHook:
			lp.evs = append(lp.evs, Event{Kind: EvLoopRestored})
		case hal.EventHookComplete:
			lp.evs = append(lp.evs, Event{Kind: EvFlashDone})
		case hal.EventAlarm:
			p.log.Warn("alarm", "alarms", ev.Alarms)
		}
	}

	// Commands from the gateway.
	for n := len(p.inbox); n > 0; n-- {
		c := <-p.inbox
		switch c.kind {
		case cmdAttach:
			lp.setLeg(c.leg)
			lp.look.Reset()
		case cmdPrompt:
			lp.prompt, lp.promptPos = c.prompt, 0
		case cmdEvent:
			lp.evs = append(lp.evs, c.ev)
		}
	}
	if lp.flashReq {
		lp.flashReq = false
		lp.evs = append(lp.evs, Event{Kind: EvFlash})
	}

	// Dialling progress.
	if lp.line.State == Dialling {
		if lp.line.Pulse {
			if lp.pulse.step(lp.now, lp.hook) {
				lp.evs = append(lp.evs, Event{Kind: EvDialDone})
			}
		} else if lp.dialling && !lp.dgen.Busy() {
			lp.dialling = false
			lp.evs = append(lp.evs, Event{Kind: EvDialDone})
		}
	}

	// Receive DSP.
	st := lp.line.State
	if st.HoldsLoop() && p.ec != nil {
		p.ec.Process(lp.ref, lp.rx, lp.clean)
	} else {
		copy(lp.clean, lp.rx)
	}
	switch st {
	case Idle, Ringing, Guard:
		// On-hook data transmission: caller ID before the first ring
		// (after a polarity reversal, DT-AS or ring-pulse alert) and
		// between rings. Ringing voltage carries no data.
		if !lp.line.BurstOn {
			p.receiveCID(lp)
		}
	case Seized:
		if lp.dial.process(lp.clean) {
			lp.evs = append(lp.evs, Event{Kind: EvDialTone})
		}
	case Proceeding, Connected, Collecting:
		if sig, ok := p.cfg.Progress.Process(lp.clean); ok {
			lp.evs = append(lp.evs, Event{Kind: EvProgressTone, Tone: sig})
		}
		if st == Connected && meanSquare(lp.clean) >= lp.silence {
			lp.evs = append(lp.evs, Event{Kind: EvActivity})
		}
		for _, d := range lp.det.Process(lp.clean) {
			switch {
			case st == Collecting:
				if !d.End {
					lp.evs = append(lp.evs, Event{Kind: EvDigit, Digit: d.Digit})
				}
			case lp.audio:
				if r := lp.relay; r != nil {
					if d.End {
						r.EndDTMF()
						lp.relaying = false
					} else {
						r.BeginDTMF(d.Digit)
						lp.relaying = true
					}
				}
			}
		}
	}

	lp.evs = append(lp.evs, Event{Kind: EvTick})
	prev := lp.line
	for _, ev := range lp.evs {
		var acts []Action
		lp.line, acts = p.m.Step(lp.line, ev, lp.now)
		for _, a := range acts {
			p.apply(lp, a)
		}
	}
	if lp.line.State != prev.State {
		p.entered(lp, prev.State)
	} else if lp.line.Number != prev.Number || lp.line.Name != prev.Name {
		p.mu.Lock()
		p.number, p.name = lp.line.Number, lp.line.Name
		p.mu.Unlock()
	}

	// Transmit.
	clear(lp.tx)
	if lp.audio && lp.leg != nil {
		lp.leg.Pull(lp.tx)
		if lp.src != nil {
			for {
				d, end, ok := lp.src.NextDTMF()
				if !ok {
					break
				}
				if d == FlashDigit {
					// A flash is passed on as a hook flash, not a tone.
					lp.flashReq = lp.flashReq || !end
					continue
				}
				if end {
					lp.rgen.Stop()
				} else if err := lp.rgen.Start(d); err != nil {
					p.log.Debug("relayed digit", "err", err)
				}
			}
		}
		if lp.rgen.Fill(lp.tmp) > 0 {
			copy(lp.tx, lp.tmp)
		}
		if lp.relaying {
			clear(lp.clean)
		}
		if lp.relay != nil {
			lp.look.Push(lp.leg, lp.clean, lp.relaying)
		} else {
			lp.leg.Push(lp.clean)
		}
	}
	if lp.dialling {
		lp.dgen.Fill(lp.tx)
	}
	if lp.prompt != nil {
		k := copy(lp.tx, lp.prompt[lp.promptPos:])
		lp.promptPos += k
		if lp.promptPos >= len(lp.prompt) {
			lp.prompt = nil
		}
	}
	lp.gen.Fill(lp.tx)
}

// setLeg attaches l (nil: none) and notes which digit interfaces it has,
// so that the frame loop asserts them once per attach, not every frame.
func (lp *loop) setLeg(l AudioLeg) {
	lp.leg = l
	lp.relay, _ = l.(DTMFRelay)
	lp.src, _ = l.(DTMFSource)
}

// entered runs the port-side bookkeeping of a state change.
func (p *Port) entered(lp *loop, from State) {
	st := lp.line.State
	p.state.Store(uint32(st))
	p.mu.Lock()
	p.number, p.name = lp.line.Number, lp.line.Name
	switch {
	case st.HoldsLoop() && !from.HoldsLoop():
		p.lastUse = p.cfg.Now()
		p.calls++
	case !st.HoldsLoop() && from.HoldsLoop():
		p.lastUse = p.cfg.Now()
	}
	p.mu.Unlock()
	switch st {
	case Seized:
		lp.dial.reset()
	case Proceeding, Connected, Collecting:
		if !from.HoldsLoop() || from == Seized || from == Dialling {
			p.cfg.Progress.Reset()
			lp.det.Reset()
		}
	}
	if !st.HoldsLoop() {
		lp.setLeg(nil)
		lp.audio = false
		lp.relaying = false
		lp.dialling = false
		lp.prompt = nil
		lp.pulse.stop()
		lp.dgen.Stop()
		lp.rgen.Stop()
		lp.gen.Stop()
		if p.ec != nil {
			p.ec.Reset()
		}
		if from.HoldsLoop() || from == Lifeline {
			for _, r := range lp.cids {
				r.Reset()
			}
		}
	}
	p.notify(Note{Kind: NoteState, State: st})
}

// receiveCID runs the caller-ID receivers on on-hook audio.
func (p *Port) receiveCID(lp *loop) {
	for _, r := range lp.cids {
		for _, res := range r.Process(lp.clean) {
			if res.Err != nil {
				p.log.Debug("caller id", "scheme", res.Scheme, "err", res.Err)
				continue
			}
			msg, err := res.Message()
			if err != nil {
				p.log.Debug("caller id", "scheme", res.Scheme, "err", err)
				continue
			}
			if msg.VMWI != nil || msg.Type == cid.TypeSDMFMWI || msg.Type == cid.TypeMDMFMWI {
				continue // message waiting for the line, not a call
			}
			num, name := callerOf(&msg)
			lp.evs = append(lp.evs, Event{Kind: EvCallerID, Number: num, Name: name})
		}
	}
}

// callerOf returns the number and name of a caller-ID message. A withheld
// or unavailable number is empty, with "Private" or "Unavailable" as the
// name unless a name was sent.
func callerOf(m *cid.Message) (number, name string) {
	number, name = m.Number, m.Name
	absence := m.NameAbsence
	if absence == 0 {
		absence = m.NumberAbsence
	}
	if name == "" {
		switch absence {
		case cid.Private:
			name = "Private"
		case cid.Unavailable:
			name = "Unavailable"
		}
	}
	return number, name
}

func meanSquare(x []int16) float64 {
	if len(x) == 0 {
		return 0
	}
	var s float64
	for _, v := range x {
		f := float64(v)
		s += f * f
	}
	return s / float64(len(x))
}

func (p *Port) apply(lp *loop, a Action) {
	switch a.Kind {
	case ActSeize:
		lp.hook(hal.HookOffHook)
	case ActRelease:
		lp.hook(hal.HookOnHook)
	case ActFlash:
		lp.hook(hal.HookFlash)
	case ActSendDigits:
		if a.Pulse {
			lp.pulse.start(p.cfg.Pulse, a.Number, lp.now)
			if lp.pulse.step(lp.now, lp.hook) {
				lp.evs = append(lp.evs, Event{Kind: EvDialDone})
			}
			break
		}
		if err := lp.dgen.Queue(a.Number); err != nil {
			p.log.Warn("dial", "err", err)
		}
		lp.dialling = true
	case ActStopDigits:
		lp.pulse.stop()
		lp.dgen.Stop()
		lp.dialling = false
	case ActTone:
		if t, ok := p.cfg.Zone.Tones[a.Tone]; ok {
			lp.gen.Start(t)
		} else {
			lp.gen.Stop()
		}
	case ActToneOff:
		lp.gen.Stop()
		lp.prompt = nil
	case ActAudio:
		lp.audio = true
	case ActAudioOff:
		lp.audio = false
		lp.relaying = false
		lp.rgen.Stop()
	case ActIncoming:
		p.notify(Note{Kind: NoteIncoming, Number: a.Number, Name: a.Name})
	case ActCallerID:
		p.notify(Note{Kind: NoteCallerID, Number: a.Number, Name: a.Name})
	case ActRingStopped:
		p.notify(Note{Kind: NoteRingStopped, Reason: a.Reason})
	case ActProceeding:
		p.notify(Note{Kind: NoteProceeding})
	case ActAnswered:
		p.notify(Note{Kind: NoteAnswered, Reason: a.Reason})
	case ActDigits:
		p.notify(Note{Kind: NoteDigits, Number: a.Number, Reason: a.Reason})
	case ActDisconnected:
		p.log.Info("far end left", "how", a.Reason)
		p.notify(Note{Kind: NoteDisconnected, Reason: a.Reason})
	case ActFailed:
		p.notify(Note{Kind: NoteFailed, Reason: a.Reason})
	}
}
