package fxs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/echo"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/telephony/digitmap"
)

// AudioLeg is the other side of a call as the channel loop sees it. Push and
// Pull are called once per frame from the loop and must never block.
type AudioLeg interface {
	// Push hands one frame of the phone's audio toward the far end.
	Push(frame []int16)
	// Pull fills one frame of far-end audio for the phone (silence if none).
	Pull(frame []int16)
}

// DTMFRelay is implemented by legs that carry digits out of band (RFC 4733).
type DTMFRelay interface {
	BeginDTMF(digit byte)
	EndDTMF()
}

// DTMFSource is implemented by legs that receive digits out of band; the
// loop plays them to the phone as tones.
type DTMFSource interface {
	// NextDTMF returns the next received digit event, if any.
	NextDTMF() (digit byte, end bool, ok bool)
}

// NoteKind is what a port tells the gateway.
type NoteKind uint8

const (
	// NoteDial: the phone dialled Number.
	NoteDial NoteKind = iota + 1
	// NoteAnswer: the phone answered the offered call.
	NoteAnswer
	// NoteHangup: the phone hung up or abandoned its call.
	NoteHangup
	// NoteNoAnswer: the offered call rang out.
	NoteNoAnswer
	// NoteBusy: an offered call found the line busy.
	NoteBusy
	// NoteFlash: hook flash during a call.
	NoteFlash
	// NoteState: the line changed state (for status views).
	NoteState
)

// Note is one notification from a port to the gateway.
type Note struct {
	Kind   NoteKind
	Number string
	State  State
}

// Config configures a port.
type Config struct {
	Zone   *tone.Zone
	Map    *digitmap.Map
	Timers Timers
	Hook   HookConfig
	// Echo configures the line echo canceller that runs on the channel's
	// receive audio during calls (G.168); EchoOff disables it, e.g. when
	// the card cancels echo itself.
	Echo    echo.Config
	EchoOff bool
	Logger  *slog.Logger
}

type cmdKind uint8

const (
	cmdEvent  cmdKind = iota + 1 // feed Event to the machine
	cmdAttach                    // set the audio leg
)

type command struct {
	kind cmdKind
	ev   Event
	leg  AudioLeg
}

// Port runs one FXS channel: the channel loop that owns the hal.Channel,
// classifies hook transitions, detects DTMF, steps the Machine, plays tones
// and bridges audio to the attached leg.
//
// Concurrency: Run is the only goroutine touching the channel and the line
// state. The command methods (Ring, Answered, …) may be called from any
// goroutine; they queue and never block for long. notify is called from the
// loop and must not block.
type Port struct {
	ch     hal.Channel
	info   hal.ChannelInfo
	m      Machine
	zone   *tone.Zone
	ec     *echo.Canceller
	log    *slog.Logger
	notify func(Note)

	inbox   chan command
	running chan struct{} // closed after the loop's first frame

	state   atomic.Uint32
	offHook atomic.Bool
	frames  atomic.Uint64
	errs    atomic.Uint64

	mu     sync.Mutex // guards digits for Status
	digits string
}

// NewPort prepares a port on an open FXS channel. notify receives the port's
// notes; it is called from the channel loop and must not block.
func NewPort(ch hal.Channel, cfg Config, notify func(Note)) *Port {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Hook.FlashMax == 0 {
		cfg.Hook = DefaultHookConfig
	}
	if cfg.Timers == (Timers{}) {
		cfg.Timers = DefaultTimers
	}
	if notify == nil {
		notify = func(Note) {}
	}
	info := ch.Info()
	var ec *echo.Canceller
	if !cfg.EchoOff {
		if cfg.Echo == (echo.Config{}) {
			cfg.Echo = echo.DefaultConfig()
		}
		var err error
		if ec, err = echo.New(cfg.Echo); err != nil {
			cfg.Logger.Warn("echo canceller off", "port", info.Name, "err", err)
		}
	}
	return &Port{
		ec:      ec,
		ch:      ch,
		info:    info,
		m:       Machine{Map: cfg.Map, Timers: cfg.Timers},
		zone:    cfg.Zone,
		log:     cfg.Logger.With("port", info.Name),
		notify:  notify,
		inbox:   make(chan command, 64),
		running: make(chan struct{}),
	}
}

// Running is closed once the channel loop has processed its first frame.
func (p *Port) Running() <-chan struct{} { return p.running }

// Info describes the port's channel.
func (p *Port) Info() hal.ChannelInfo { return p.info }

// State is the line state now.
func (p *Port) State() State { return State(p.state.Load()) }

// OffHook reports the phone's confirmed hook state.
func (p *Port) OffHook() bool { return p.offHook.Load() }

// Digits returns the digits collected for the current call.
func (p *Port) Digits() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.digits
}

func (p *Port) send(c command) {
	select {
	case p.inbox <- c:
	default:
		// The loop drains 64 commands every frame; a full inbox means the loop
		// is stuck. Block rather than lose a call event.
		p.inbox <- c
	}
}

func (p *Port) event(k EventKind) { p.send(command{kind: cmdEvent, ev: Event{Kind: k}}) }

// Ring offers an incoming call. The port answers with NoteBusy when the line
// is not idle, or rings and later sends NoteAnswer or NoteNoAnswer.
func (p *Port) Ring() { p.event(EvRing) }

// CancelRing withdraws an offered call.
func (p *Port) CancelRing() { p.event(EvCancelRing) }

// Ringback tells the port its call is alerting at the far end.
func (p *Port) Ringback() { p.event(EvRingback) }

// EarlyMedia attaches the far end's early audio (183) to the port.
func (p *Port) EarlyMedia(leg AudioLeg) {
	p.send(command{kind: cmdAttach, leg: leg})
	p.event(EvEarlyMedia)
}

// Answered tells the port its call was answered and attaches the audio.
func (p *Port) Answered(leg AudioLeg) {
	p.send(command{kind: cmdAttach, leg: leg})
	p.event(EvAnswered)
}

// Attach sets the audio leg (for an incoming call, before or after answer).
func (p *Port) Attach(leg AudioLeg) { p.send(command{kind: cmdAttach, leg: leg}) }

// Busy tells the port the far end is busy.
func (p *Port) Busy() { p.event(EvBusy) }

// Congestion tells the port the call failed.
func (p *Port) Congestion() { p.event(EvCongestion) }

// FarHangup tells the port the far end cleared the call.
func (p *Port) FarHangup() { p.event(EvFarHangup) }

// loop holds the frame loop's preallocated state.
type loop struct {
	rx, tx, tmp []int16
	ref         []int16 // the frame written to the line last: the canceller's Rin
	clean       []int16 // receive audio after echo cancellation
	line        Line
	hook        Hook
	det         *dtmf.Detector
	gen         tone.Generator
	dgen        *dtmf.Generator
	leg         AudioLeg
	audio       bool
	evs         []Event
	now         time.Duration
	relaying    bool // a detected digit is being relayed out of band
}

// Run is the channel loop. It returns when ctx is done or the channel fails
// for good; one bad frame never ends it.
func (p *Port) Run(ctx context.Context) error {
	n := p.ch.FrameSamples()
	frameDur := hal.FrameDuration(n)
	lp := &loop{
		rx:    make([]int16, n),
		tx:    make([]int16, n),
		tmp:   make([]int16, n),
		ref:   make([]int16, n),
		clean: make([]int16, n),
		hook:  NewHook(DefaultHookConfig),
		det:   dtmf.NewDetector(dtmf.DetectorConfig{}),
		dgen:  dtmf.NewGenerator(dtmf.GenConfig{}),
		evs:   make([]Event, 0, 16),
	}
	if rc, ok := p.ch.(hal.RingCadencer); ok && p.zone != nil && len(p.zone.RingCadence) > 0 {
		if err := rc.SetRingCadence(p.zone.RingCadence); err != nil {
			p.log.Warn("ring cadence", "err", err)
		}
	}
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

// step runs one frame: signalling, machine, receive DSP, transmit audio.
func (p *Port) step(lp *loop) {
	lp.evs = lp.evs[:0]
	for {
		ev, ok := p.ch.PollEvent()
		if !ok {
			break
		}
		switch ev.Kind {
		case hal.EventOffHook:
			lp.evs = lp.hook.Raw(true, lp.now, lp.evs)
		case hal.EventOnHook:
			lp.evs = lp.hook.Raw(false, lp.now, lp.evs)
		case hal.EventFlash:
			lp.evs = append(lp.evs, Event{Kind: EvFlash})
		case hal.EventPulseDigit:
			lp.evs = append(lp.evs, Event{Kind: EvDigit, Digit: ev.Digit})
		}
	}
	lp.evs = lp.hook.Tick(lp.now, lp.evs)
	p.offHook.Store(lp.hook.OffHook())

	// Commands from the gateway.
	for i := 0; i < 64; i++ {
		var c command
		select {
		case c = <-p.inbox:
		default:
			i = 64
			continue
		}
		switch c.kind {
		case cmdAttach:
			lp.leg = c.leg
		case cmdEvent:
			lp.evs = append(lp.evs, c.ev)
		}
	}

	// Receive DSP: during a call the line echo canceller removes the echo
	// of what we sent (the previous frame written is its reference, Rin).
	if lp.audio && p.ec != nil {
		p.ec.Process(lp.ref, lp.rx, lp.clean)
	} else {
		copy(lp.clean, lp.rx)
	}

	// DTMF from the phone: dialling digits before the call, relayed digits
	// during it.
	if lp.hook.OffHook() {
		for _, d := range lp.det.Process(lp.clean) {
			switch lp.line.State {
			case DialTone, Collecting:
				if !d.End {
					lp.evs = append(lp.evs, Event{Kind: EvDigit, Digit: d.Digit})
				}
			case Connected, Alerting:
				if r, ok := lp.leg.(DTMFRelay); ok && lp.audio {
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
	prev := lp.line.State
	for _, ev := range lp.evs {
		var acts []Action
		lp.line, acts = p.m.Step(lp.line, ev, lp.now)
		for _, a := range acts {
			p.apply(lp, a)
		}
	}
	if lp.line.State != prev {
		p.state.Store(uint32(lp.line.State))
		p.mu.Lock()
		p.digits = lp.line.Digits
		p.mu.Unlock()
		if lp.line.State == Idle {
			lp.leg = nil
			lp.audio = false
			lp.relaying = false
			lp.dgen.Stop()
			if p.ec != nil {
				p.ec.Reset()
			}
		}
		p.notify(Note{Kind: NoteState, State: lp.line.State})
	}

	// Transmit: far-end audio, out-of-band digits from the far end, tones.
	clear(lp.tx)
	if lp.audio && lp.leg != nil {
		lp.leg.Pull(lp.tx)
		if src, ok := lp.leg.(DTMFSource); ok {
			for {
				d, end, ok := src.NextDTMF()
				if !ok {
					break
				}
				if end {
					lp.dgen.Stop()
				} else {
					lp.dgen.Start(d)
				}
			}
		}
		if lp.dgen.Fill(lp.tmp) > 0 {
			copy(lp.tx, lp.tmp)
		}
		// The phone's audio goes to the far end; while a digit is relayed out
		// of band its in-band tone is muted so the far end does not see it
		// twice.
		if lp.relaying {
			clear(lp.clean)
		}
		lp.leg.Push(lp.clean)
	}
	lp.gen.Fill(lp.tx)
}

func (p *Port) apply(lp *loop, a Action) {
	switch a.Kind {
	case ActTone:
		if t, ok := p.zone.Tones[a.Tone]; ok {
			lp.gen.Start(t)
		} else {
			lp.gen.Stop()
		}
	case ActToneOff:
		lp.gen.Stop()
	case ActRing:
		if err := p.ch.Hook(hal.HookRing); err != nil {
			p.log.Warn("ring", "err", err)
		}
	case ActRingOff:
		if err := p.ch.Hook(hal.HookRingOff); err != nil {
			p.log.Warn("ring off", "err", err)
		}
	case ActAudio:
		lp.audio = true
	case ActAudioOff:
		lp.audio = false
		lp.relaying = false
		lp.dgen.Stop()
	case ActDial:
		p.notify(Note{Kind: NoteDial, Number: a.Number})
	case ActAnswer:
		p.notify(Note{Kind: NoteAnswer})
	case ActHangup:
		p.notify(Note{Kind: NoteHangup})
	case ActNoAnswer:
		p.notify(Note{Kind: NoteNoAnswer})
	case ActRejectBusy:
		p.notify(Note{Kind: NoteBusy})
	case ActFlash:
		p.notify(Note{Kind: NoteFlash})
	}
}
