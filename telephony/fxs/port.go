package fxs

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
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
	// NoteService: a flash service (Note.Service: ActAnswerWaiting,
	// ActSwap, ActHold, ActResume, ActConference, ActConferenceEnd).
	NoteService
)

// Note is one notification from a port to the gateway.
type Note struct {
	Kind    NoteKind
	Number  string
	State   State
	Service ActionKind
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
	// CallerID selects the caller-ID scheme (zero: none).
	CallerID CallerIDConfig
	// Polarity selects line reversals on answer and far-end hang-up.
	Polarity Polarity
	// Hotline is dialled on off hook, at once or (warmline) after
	// HotlineDelay without a digit.
	Hotline      string
	HotlineDelay time.Duration
	// CallWaiting offers second calls to a busy phone and enables the
	// flash services (hold, swap, three-way, consultation).
	CallWaiting bool
	// RxGainDB and TxGainDB adjust the level received from and sent to the
	// phone (dB, ±24): on the card when it implements hal.Gainer, else in
	// the channel loop.
	RxGainDB, TxGainDB float64
}

// Offer describes an incoming call for the port to ring.
type Offer struct {
	// CallerID is the caller's identity, sent with the port's scheme.
	CallerID CallerID
	// NoCallerID suppresses caller ID for this call.
	NoCallerID bool
	// Cadence is a distinctive ring cadence (on, off, ...); nil rings with
	// the zone's cadence.
	Cadence []time.Duration
	// NoAnswer overrides the port's no-answer timer for this call (e.g.
	// forwarding on no answer); 0 keeps it.
	NoAnswer time.Duration
}

type cmdKind uint8

const (
	cmdEvent      cmdKind = iota + 1 // feed Event to the machine
	cmdAttach                        // set the audio leg
	cmdOffer                         // an offered call's details, then EvRing
	cmdConference                    // mix two legs
	cmdMWI                           // message-waiting state
)

// offer is an Offer prepared for the loop: the caller-ID octets encoded.
type offer struct {
	cid     []byte
	cadence []time.Duration
}

type command struct {
	kind      cmdKind
	ev        Event
	leg, leg2 AudioLeg
	offer     *offer
	mwi       *mwiCmd
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
	cfg    Config
	zone   *tone.Zone
	ec     *echo.Canceller
	log    *slog.Logger
	notify func(Note)

	inbox   chan command
	running chan struct{} // closed after the loop's first frame

	state   atomic.Uint32
	offHook atomic.Bool
	mwi     atomic.Bool
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
		pm := cfg.Hook.PulseMap
		cfg.Hook = DefaultHookConfig
		cfg.Hook.PulseMap = pm
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
		ec:   ec,
		ch:   ch,
		info: info,
		m: Machine{Map: cfg.Map, Timers: cfg.Timers, Hotline: cfg.Hotline, HotlineDelay: cfg.HotlineDelay,
			Polarity: cfg.Polarity, CallWaiting: cfg.CallWaiting},
		cfg:     cfg,
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
	// The loop drains the inbox every frame; should it ever be full the
	// sender waits rather than lose a call event.
	p.inbox <- c
}

func (p *Port) event(k EventKind) { p.send(command{kind: cmdEvent, ev: Event{Kind: k}}) }

// Ring offers an incoming call. The port answers with NoteBusy when the line
// is not idle, or rings and later sends NoteAnswer or NoteNoAnswer.
func (p *Port) Ring() { p.Offer(Offer{NoCallerID: true}) }

// Offer offers an incoming call with its caller ID and ring cadence. It
// encodes the caller ID in the calling goroutine (it allocates); the loop
// only queues the octets. A caller ID that cannot be encoded is dropped
// with a warning and the call still rings.
func (p *Port) Offer(o Offer) {
	of := &offer{cadence: o.Cadence}
	if p.cfg.CallerID.Enabled() && !o.NoCallerID {
		raw, err := EncodeCallerID(p.cfg.CallerID, o.CallerID)
		if err != nil {
			p.log.Warn("caller id not sent", "err", err)
		}
		of.cid = raw
	}
	p.send(command{kind: cmdOffer, offer: of})
	p.send(command{kind: cmdEvent, ev: Event{Kind: EvRing, After: o.NoAnswer}})
}

// Conference mixes the phone with two legs (three-way calling): each party
// hears the other two.
func (p *Port) Conference(a, b AudioLeg) { p.send(command{kind: cmdConference, leg: a, leg2: b}) }

// HeldGone tells the port the call on hold (or one conference party) left.
func (p *Port) HeldGone() { p.event(EvHeldGone) }

// Confirm tells the port a feature code was accepted (confirmation tone).
func (p *Port) Confirm() { p.event(EvConfirm) }

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

// Caller ID on call waiting (SR-3004, EN 300 659-2) timing.
const (
	cwToCAS    = 50 * time.Millisecond  // end of the first call-waiting tone burst to the CAS
	cwCAS      = 80 * time.Millisecond  // CAS length (75-85 ms)
	cwACKWait  = 300 * time.Millisecond // end of the CAS to the latest ACK detection
	cwACKToFSK = 100 * time.Millisecond // ACK detected to the FSK (ACK end + 50-500 ms)
)

type cwPhase uint8

const (
	cwIdle   cwPhase = iota
	cwTone           // call-waiting tone burst playing
	cwCASing         // CAS going out; the call's audio is muted
	cwACK            // waiting for the set's acknowledgement
	cwPreFSK         // acknowledged; pause before the data
	cwFSK            // data going out
)

// loop holds the frame loop's preallocated state.
type loop struct {
	look        leg.Lookahead // holds back a frame for digit relay legs
	rx, tx, tmp []int16
	ref         []int16 // the frame written to the line last: the canceller's Rin
	clean       []int16 // receive audio after echo cancellation
	a, b, mix   []int16 // conference scratch
	line        Line
	hook        Hook
	det         *dtmf.Detector
	gen         tone.Generator
	dgen        *dtmf.Generator
	leg, leg2   AudioLeg
	relay       DTMFRelay  // leg's digit relay; nil: none
	src         DTMFSource // leg's received digits; nil: none
	conf        bool
	audio       bool
	evs         []Event
	now         time.Duration
	relaying    bool // a detected digit is being relayed out of band

	ring     ringer
	next     *offer // the offer that came with the last EvRing
	cur      *offer // the call ringing
	waiting  *offer // the call waiting
	cadence  []time.Duration
	cidTx    *cid.Sender // on-hook caller ID
	cwTx     *cid.Sender // caller ID on call waiting (off hook)
	ack      *cid.ACKDetector
	cwGen    tone.Generator
	cw       cwPhase
	cwAt     time.Duration
	swGain   bool // apply gains in the loop
	rxG, txG float32

	// Message waiting: mwiOn gives stutter dial tone; mwiRaw is the
	// on-hook message still to send (at mwiAt at the earliest), mw its
	// progress, mwiRev says the line is reversed for it.
	mwiOn  bool
	mwiRaw []byte
	mw     mwiPhase
	mwiAt  time.Duration
	mwiRev bool
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
		a:     make([]int16, n),
		b:     make([]int16, n),
		mix:   make([]int16, n),
		hook:  NewHook(p.cfg.Hook),
		det:   dtmf.NewDetector(dtmf.DetectorConfig{}),
		dgen:  dtmf.NewGenerator(dtmf.GenConfig{}),
		evs:   make([]Event, 0, 16),
		ack:   cid.NewACKDetector(),
	}
	if p.zone != nil {
		lp.cadence = p.zone.RingCadence
	}
	if cc := p.cfg.CallerID; cc.Enabled() {
		var err error
		if lp.cidTx, err = cid.NewSender(cid.SenderConfig{Scheme: cc.Scheme, LevelDBm0: cc.LevelDBm0}); err != nil {
			p.log.Warn("caller id off", "err", err)
		}
		if cc.CallWaiting && cc.Scheme != cid.DTMF && cc.Scheme != cid.NTT {
			if lp.cwTx, err = cid.NewSender(cid.SenderConfig{Scheme: cc.Scheme, LevelDBm0: cc.LevelDBm0, OffHook: true}); err != nil {
				p.log.Warn("caller id on call waiting off", "err", err)
			}
		}
	}
	if rc, ok := p.ch.(hal.RingCadencer); ok && len(lp.cadence) > 0 {
		if err := rc.SetRingCadence(lp.cadence); err != nil {
			p.log.Warn("ring cadence", "err", err)
		}
	}
	if p.cfg.RxGainDB != 0 || p.cfg.TxGainDB != 0 {
		g, ok := p.ch.(hal.Gainer)
		if ok {
			if err := g.SetGains(p.cfg.RxGainDB, p.cfg.TxGainDB); err != nil {
				p.log.Warn("gains on the card failed; applying them in software", "err", err)
				ok = false
			}
		}
		if !ok {
			lp.swGain = true
			lp.rxG = float32(math.Pow(10, p.cfg.RxGainDB/20))
			lp.txG = float32(math.Pow(10, p.cfg.TxGainDB/20))
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
		if lp.swGain {
			scaleSat(lp.rx, lp.rxG)
		}
		p.step(lp)
		copy(lp.ref, lp.tx)
		if lp.swGain {
			scaleSat(lp.tx, lp.txG)
		}
		if err := p.ch.WriteFrame(lp.tx); err != nil {
			if errors.Is(err, hal.ErrClosed) {
				return ctx.Err()
			}
			p.errs.Add(1)
		}
	}
}

func scaleSat(x []int16, g float32) {
	for i, v := range x {
		x[i] = int16(max(-32768, min(32767, float32(v)*g)))
	}
}

func addSat(dst, src []int16) {
	for i, v := range src {
		dst[i] = int16(max(-32768, min(32767, int32(dst[i])+int32(v))))
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

	// The NTT caller-ID handshake takes the set's hook changes while it
	// runs: going off hook then is the primary response, not an answer.
	if lp.ring.owns() {
		k := 0
		for _, ev := range lp.evs {
			switch ev.Kind {
			case EvOffHook, EvOnHook:
				p.alert(lp, lp.ring.hook(lp.now, ev.Kind == EvOffHook))
			case EvFlash, EvDigit:
			default:
				lp.evs[k] = ev
				k++
			}
		}
		lp.evs = lp.evs[:k]
	}

	// Commands from the gateway.
	for n := len(p.inbox); n > 0; n-- {
		c := <-p.inbox
		switch c.kind {
		case cmdAttach:
			lp.setLeg(c.leg)
			lp.leg2, lp.conf = nil, false
			lp.look.Reset()
		case cmdConference:
			lp.setLeg(c.leg)
			lp.leg2, lp.conf = c.leg2, true
		case cmdOffer:
			lp.next = c.offer
		case cmdMWI:
			p.takeMWI(lp, c.mwi)
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
	// during it. While caller ID on call waiting runs, the set's
	// acknowledgement is for us only.
	if lp.hook.OffHook() {
		cwBusy := lp.cw >= cwCASing
		for _, d := range lp.det.Process(lp.clean) {
			switch lp.line.State {
			case DialTone, Collecting, Recall:
				if !d.End {
					lp.evs = append(lp.evs, Event{Kind: EvDigit, Digit: d.Digit})
				}
			case Connected, Alerting:
				if r := lp.relay; r != nil && lp.audio && !cwBusy {
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
			p.alert(lp, lp.ring.stop())
			p.stopCW(lp)
			lp.setLeg(nil)
			lp.leg2, lp.conf = nil, false
			lp.audio = false
			lp.relaying = false
			lp.dgen.Stop()
			if lp.cidTx != nil {
				lp.cidTx.Reset()
			}
			if p.ec != nil {
				p.ec.Reset()
			}
			lp.mwiAt = max(lp.mwiAt, lp.now+mwiHoldoff)
		}
		p.notify(Note{Kind: NoteState, State: lp.line.State})
	}
	sending := lp.cidTx != nil && lp.cidTx.Busy()
	p.alert(lp, lp.ring.tick(lp.now, sending))
	p.stepCW(lp)
	p.stepMWI(lp)

	// Transmit: far-end audio, out-of-band digits from the far end, tones.
	clear(lp.tx)
	if lp.audio && lp.leg != nil {
		p.mixAudio(lp)
	}
	lp.gen.Fill(lp.tx)
	if lp.cw != cwIdle {
		if lp.cw >= cwCASing {
			clear(lp.tx) // the set mutes its receiver too (SR-3004)
		}
		if lp.cwGen.Fill(lp.tmp) > 0 {
			addSat(lp.tx, lp.tmp)
		}
		if lp.cwTx != nil && lp.cwTx.Busy() {
			n := lp.cwTx.Fill(lp.tmp)
			copy(lp.tx[:n], lp.tmp[:n])
		}
	}
	if lp.cidTx != nil && lp.cidTx.Busy() {
		n := lp.cidTx.Fill(lp.tmp)
		copy(lp.tx[:n], lp.tmp[:n])
	}
}

// setLeg attaches l (nil: none) and notes which digit interfaces it has,
// so that the frame loop asserts them once per attach, not every frame.
func (lp *loop) setLeg(l AudioLeg) {
	lp.leg = l
	lp.relay, _ = l.(DTMFRelay)
	lp.src, _ = l.(DTMFSource)
}

// mixAudio exchanges a frame with the attached leg(s): one leg is a plain
// two-way connection; two legs are a three-way conference in which each
// party hears the sum of the other two at the level they sent.
func (p *Port) mixAudio(lp *loop) {
	muted := lp.cw >= cwCASing
	if lp.conf && lp.leg2 != nil {
		lp.leg.Pull(lp.a)
		lp.leg2.Pull(lp.b)
		copy(lp.tx, lp.a)
		addSat(lp.tx, lp.b)
		copy(lp.mix, lp.clean)
		addSat(lp.mix, lp.b)
		lp.leg.Push(lp.mix)
		copy(lp.mix, lp.clean)
		addSat(lp.mix, lp.a)
		lp.leg2.Push(lp.mix)
		return
	}
	lp.leg.Pull(lp.tx)
	if lp.src != nil {
		for {
			d, end, ok := lp.src.NextDTMF()
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
	// twice, and the acknowledgement of caller ID on call waiting is
	// never heard.
	if lp.relaying || muted {
		clear(lp.clean)
	}
	if lp.relay != nil {
		lp.look.Push(lp.leg, lp.clean, lp.relaying)
	} else {
		lp.leg.Push(lp.clean)
	}
}

// alert carries out a ringer step.
func (p *Port) alert(lp *loop, o alertOut) {
	if o.reverse || o.normal {
		if pr, ok := p.ch.(hal.PolarityReverser); ok {
			if err := pr.SetPolarity(o.reverse); err != nil {
				p.log.Warn("polarity", "err", err)
			}
		}
	}
	if o.ringOff {
		if err := p.ch.Hook(hal.HookRingOff); err != nil {
			p.log.Warn("ring off", "err", err)
		}
	}
	if o.car {
		p.setCadence(lp, nttCAR)
	} else if o.ring {
		p.setCadence(lp, p.ringCadence(lp))
	}
	if o.ring {
		if err := p.ch.Hook(hal.HookRing); err != nil {
			p.log.Warn("ring", "err", err)
		}
	}
	if lp.cidTx == nil {
		return
	}
	if o.dtas {
		lp.cidTx.SendAlert(cidDTAS)
		lp.cidTx.SendSilence(cidDTASGap)
	}
	if o.data && lp.cur != nil && lp.cur.cid != nil {
		if err := lp.cidTx.SendRaw(lp.cur.cid); err != nil {
			p.log.Warn("caller id", "err", err)
		}
	}
}

// ringCadence is the cadence for the call ringing now.
func (p *Port) ringCadence(lp *loop) []time.Duration {
	if lp.cur != nil && len(lp.cur.cadence) > 0 {
		return lp.cur.cadence
	}
	if p.zone != nil {
		return p.zone.RingCadence
	}
	return nil
}

func (p *Port) setCadence(lp *loop, c []time.Duration) {
	if len(c) == 0 || slices.Equal(c, lp.cadence) {
		return
	}
	rc, ok := p.ch.(hal.RingCadencer)
	if !ok {
		return
	}
	if err := rc.SetRingCadence(c); err != nil {
		p.log.Warn("ring cadence", "err", err)
		return
	}
	lp.cadence = c
}

// startCW starts the call-waiting tone and, when the port sends caller ID
// on call waiting and the call has one, the CAS/ACK/FSK sequence.
func (p *Port) startCW(lp *loop) {
	lp.waiting = lp.next
	t, ok := p.zone.Tones[tone.CallWaiting]
	if !ok {
		return
	}
	lp.cwGen.Start(t)
	lp.cw = cwTone
	lp.cwAt = lp.now + firstBurst(t) + cwToCAS
}

// firstBurst is how long the first group of bursts of a tone lasts: up to
// its first silence of a second or more.
func firstBurst(t tone.Tone) time.Duration {
	var d time.Duration
	for _, segs := range [][]tone.Segment{t.First, t.Loop} {
		for _, s := range segs {
			if len(s.Components) == 0 && s.Dur >= time.Second {
				return d
			}
			d += s.Dur
		}
	}
	return d
}

func (p *Port) stopCW(lp *loop) {
	lp.cw = cwIdle
	lp.cwGen.Stop()
	if lp.cwTx != nil {
		lp.cwTx.Reset()
	}
}

// stepCW advances caller ID on call waiting (SR-3004 / EN 300 659-2):
// tone burst, CAS, the set's DTMF acknowledgement, then the FSK message;
// the call's audio is muted from the CAS to the end of the message.
func (p *Port) stepCW(lp *loop) {
	switch lp.cw {
	case cwTone:
		if lp.now < lp.cwAt {
			return
		}
		if lp.cwTx == nil || lp.waiting == nil || lp.waiting.cid == nil {
			lp.cw = cwTone // tone only: the generator plays on
			lp.cwAt = 1<<63 - 1
			return
		}
		lp.cwTx.SendAlert(cwCAS)
		lp.cw = cwCASing
	case cwCASing:
		if !lp.cwTx.Busy() {
			lp.cw = cwACK
			lp.cwAt = lp.now + cwACKWait
			lp.ack.Reset()
		}
	case cwACK:
		if lp.ack.Process(lp.clean) != 0 {
			lp.cw = cwPreFSK
			lp.cwAt = lp.now + cwACKToFSK
		} else if lp.now >= lp.cwAt {
			lp.cw = cwTone // no acknowledgement: no data
			lp.cwAt = 1<<63 - 1
		}
	case cwPreFSK:
		if lp.now >= lp.cwAt {
			if err := lp.cwTx.SendRaw(lp.waiting.cid); err != nil {
				p.log.Warn("caller id on call waiting", "err", err)
			}
			lp.cw = cwFSK
		}
	case cwFSK:
		if !lp.cwTx.Busy() {
			lp.cw = cwTone
			lp.cwAt = 1<<63 - 1
		}
	}
}

func (p *Port) apply(lp *loop, a Action) {
	switch a.Kind {
	case ActTone:
		if t, ok := p.zone.Tones[p.dialTone(lp, a.Tone)]; ok {
			lp.gen.Start(t)
		} else {
			lp.gen.Stop()
		}
	case ActToneOff:
		lp.gen.Stop()
	case ActRing:
		p.abortMWI(lp)
		lp.cur, lp.next = lp.next, nil
		method := p.cfg.CallerID.Alerting
		data := lp.cidTx != nil && lp.cur != nil && lp.cur.cid != nil
		if lp.cidTx != nil {
			lp.cidTx.Reset()
		}
		p.alert(lp, lp.ring.start(lp.now, method, data, p.ringCadence(lp)))
	case ActRingOff:
		p.alert(lp, lp.ring.stop())
		if lp.cidTx != nil {
			lp.cidTx.Reset()
		}
		lp.cur = nil
	case ActAudio:
		lp.audio = true
	case ActAudioOff:
		lp.audio = false
		lp.relaying = false
		lp.dgen.Stop()
	case ActReverse, ActNormal:
		if pr, ok := p.ch.(hal.PolarityReverser); ok {
			if err := pr.SetPolarity(a.Kind == ActReverse); err != nil {
				p.log.Warn("polarity", "err", err)
			}
		}
	case ActCallWaiting:
		p.startCW(lp)
	case ActCallWaitingOff:
		p.stopCW(lp)
		lp.waiting = nil
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
	case ActAnswerWaiting, ActSwap, ActHold, ActResume, ActConference, ActConferenceEnd:
		p.notify(Note{Kind: NoteService, Service: a.Kind})
	}
}
