package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"tipring/dsp/g711"
	"tipring/dsp/tone"
	"tipring/hal"
)

// Config configures a simulated board.
type Config struct {
	// FXS and FXO are the analog ports of span 1: FXS ports are channels
	// 1..FXS, FXO ports channels FXS+1..FXS+FXO. When both are 0 the board
	// has 4 FXS and 2 FXO ports; a negative value means none.
	FXS, FXO int
	// E1Spans is the number of E1 spans after the analog span, each with
	// bearer channels 1-15 and 17-31 and the D-channel on timeslot 16.
	// 0 means 1; a negative value means none.
	E1Spans int
	// FrameMs is the frame length: 10, 20 or 30 ms (default 20).
	FrameMs int
	// Fast runs the board on simulated time: the next frame starts as soon
	// as every reading channel has consumed the current one.
	Fast bool
	// Zone is the tone zone of ring cadences and the virtual office's tones
	// (default "us").
	Zone string
	// Law is the companding law on the virtual wire, "ulaw" (default) or
	// "alaw". All audio passes through it as it would through a real card.
	Law string
	// EchoLossDB is the hybrid's echo return loss in dB (default 20).
	EchoLossDB float64
	// EchoDelay is the echo path delay (default 4 ms).
	EchoDelay time.Duration
	// NoEcho disables the hybrid echo.
	NoEcho bool
	// Logger receives the board's diagnostics; nil discards them.
	Logger *slog.Logger
}

// RxBuffers is the most received frames a channel buffers for a reader
// that falls behind.
const RxBuffers = rxDepth

const (
	// rxDepth is the number of received frames a channel buffers when its
	// reader falls behind (DAHDI allows up to 32 buffers); older frames are
	// dropped. Frames are buffered from the first ReadFrame after Open on.
	rxDepth = 32
	// txDepth is the number of written frames a channel holds for the line:
	// after a late wake-up the reader writes the frames it owes at once, and
	// the queue carries them (as a card's transmit buffers do).
	txDepth = 8
	// stallTimeout bounds how long a fast board waits for a reader.
	stallTimeout = 200 * time.Millisecond
	// maxCatchUp is how far behind the wall clock a realtime board may fall
	// before it skips frames instead of replaying them.
	maxCatchUp = time.Second
	// historyLen is the earpiece history of phones and far ends (32 s).
	historyLen = 32 * hal.SampleRate
)

// Board is a simulated telephony card. It implements hal.Board; its other
// methods are the control surface that tests and demos use to play the
// phones, the central office and the network.
type Board struct {
	cfg      Config
	log      *slog.Logger
	law      g711.Law
	zone     *tone.Zone
	frameN   int
	frameDur time.Duration
	echoGain float64
	echoLen  int

	spans  []*span
	eps    []*endpoint // audio endpoints in tick order
	phones []*Phone
	lines  []*Line
	nets   []*Network

	mu      sync.Mutex
	cond    sync.Cond
	ticks   int64
	inTick  bool
	closed  bool
	waiters []*waiter
	kick    chan struct{}
	done    chan struct{}
	settle  func() bool // fast mode: the system above the board is idle
	wg      sync.WaitGroup
	lawBuf  []byte
}

// waiter is a goroutine blocked on board time: Sleep, Listen, DialWait,
// ReceiveHDLC. In fast mode a waiter asks for time to pass, and once it is
// satisfied the board holds the next frame until it has returned, so that
// the caller continues at exactly the board time it waited for.
type waiter struct {
	deadline time.Duration // -1: none
	cond     func() bool   // nil: none
	stale    bool          // ignored by the barrier after a stall
}

func (w *waiter) satisfied(now time.Duration) bool {
	if w.deadline >= 0 && now >= w.deadline {
		return true
	}
	return w.cond != nil && w.cond()
}

// New builds a board from cfg and starts its clock.
func New(cfg Config) (*Board, error) {
	if cfg.FXS == 0 && cfg.FXO == 0 {
		cfg.FXS, cfg.FXO = 4, 2
	}
	cfg.FXS, cfg.FXO = max(cfg.FXS, 0), max(cfg.FXO, 0)
	switch {
	case cfg.E1Spans == 0:
		cfg.E1Spans = 1
	case cfg.E1Spans < 0:
		cfg.E1Spans = 0
	}
	if cfg.FXS+cfg.FXO > 256 || cfg.E1Spans > 16 {
		return nil, fmt.Errorf("sim: %d analog ports and %d E1 spans: too many", cfg.FXS+cfg.FXO, cfg.E1Spans)
	}
	if cfg.FXS+cfg.FXO == 0 && cfg.E1Spans == 0 {
		return nil, errors.New("sim: board without ports")
	}
	switch cfg.FrameMs {
	case 0:
		cfg.FrameMs = 20
	case 10, 20, 30:
	default:
		return nil, fmt.Errorf("sim: frame of %d ms: want 10, 20 or 30", cfg.FrameMs)
	}
	if cfg.Zone == "" {
		cfg.Zone = "us"
	}
	zone, err := tone.LookupZone(cfg.Zone)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	var law g711.Law
	switch strings.ToLower(cfg.Law) {
	case "", "ulaw", "mulaw", "pcmu":
		law, cfg.Law = g711.Ulaw, "ulaw"
	case "alaw", "pcma":
		law, cfg.Law = g711.Alaw, "alaw"
	default:
		return nil, fmt.Errorf("sim: companding law %q: want ulaw or alaw", cfg.Law)
	}
	if cfg.EchoLossDB == 0 {
		cfg.EchoLossDB = 20
	}
	if cfg.EchoDelay == 0 {
		cfg.EchoDelay = 4 * time.Millisecond
	}
	if cfg.EchoLossDB < 0 || cfg.EchoDelay < 0 || cfg.EchoDelay > time.Second {
		return nil, fmt.Errorf("sim: echo path %.1f dB / %v out of range", cfg.EchoLossDB, cfg.EchoDelay)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Board{
		cfg:      cfg,
		log:      cfg.Logger,
		law:      law,
		zone:     zone,
		frameN:   cfg.FrameMs * hal.SamplesPerMs,
		frameDur: time.Duration(cfg.FrameMs) * time.Millisecond,
		echoGain: math.Pow(10, -cfg.EchoLossDB/20),
		echoLen:  int(cfg.EchoDelay * hal.SampleRate / time.Second),
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	b.cond.L = &b.mu
	b.lawBuf = make([]byte, b.frameN)
	if cfg.NoEcho {
		b.echoGain = 0
	}
	b.build()
	b.wg.Add(1)
	if cfg.Fast {
		go b.runFast()
	} else {
		go b.runRealtime()
	}
	return b, nil
}

func (b *Board) build() {
	if n := b.cfg.FXS + b.cfg.FXO; n > 0 {
		sp := &span{b: b, info: hal.SpanInfo{Number: 1, Name: "sim/analog", Type: hal.SpanAnalog}}
		for i := 1; i <= n; i++ {
			ci := hal.ChannelInfo{Span: 1, Chan: i}
			if i <= b.cfg.FXS {
				ci.Kind, ci.Name = hal.KindFXS, fmt.Sprintf("FXS/1/%d", i)
				ep := b.newEndpoint(ci, true)
				p := newPhone(b, i, ep)
				ep.far = p
				b.phones = append(b.phones, p)
				sp.eps = append(sp.eps, ep)
			} else {
				ci.Kind, ci.Name = hal.KindFXO, fmt.Sprintf("FXO/1/%d", i)
				ep := b.newEndpoint(ci, true)
				l := newLine(b, i-b.cfg.FXS, ep)
				ep.far = l
				b.lines = append(b.lines, l)
				sp.eps = append(sp.eps, ep)
			}
			sp.info.Channels = append(sp.info.Channels, ci)
		}
		b.spans = append(b.spans, sp)
	}
	for e := 0; e < b.cfg.E1Spans; e++ {
		num := len(b.spans) + 1
		sp := &span{b: b, info: hal.SpanInfo{Number: num, Name: fmt.Sprintf("sim/E1/%d", e+1), Type: hal.SpanE1}}
		nw := &Network{b: b, span: sp}
		for ts := 1; ts <= 31; ts++ {
			ci := hal.ChannelInfo{Span: num, Chan: ts}
			if ts == 16 {
				ci.Kind, ci.Name = hal.KindDChannel, fmt.Sprintf("D/%d/%d", num, ts)
				ep := &endpoint{b: b, info: ci}
				nw.dch = ep
				sp.eps = append(sp.eps, ep)
			} else {
				ci.Kind, ci.Name = hal.KindBearer, fmt.Sprintf("B/%d/%d", num, ts)
				ep := b.newEndpoint(ci, false)
				p := newParty(b, ci.Name)
				ep.far = &bearerSide{p}
				nw.bearers[ts] = p
				sp.eps = append(sp.eps, ep)
			}
			sp.info.Channels = append(sp.info.Channels, ci)
		}
		sp.net = nw
		b.nets = append(b.nets, nw)
		b.spans = append(b.spans, sp)
	}
}

// Name returns "sim".
func (b *Board) Name() string { return "sim" }

// Spans lists the analog span (if any) followed by the E1 spans.
func (b *Board) Spans() []hal.Span {
	out := make([]hal.Span, len(b.spans))
	for i, s := range b.spans {
		out[i] = s
	}
	return out
}

// FrameSamples returns the number of samples in one frame.
func (b *Board) FrameSamples() int { return b.frameN }

// Close stops the clock, closes every open channel and unblocks every
// reader and waiter. It returns once the clock goroutine has ended.
func (b *Board) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, s := range b.spans {
		for _, ep := range s.eps {
			if ep.h != nil {
				ep.h.closed = true
				ep.h = nil
			}
		}
	}
	close(b.done)
	b.cond.Broadcast()
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

// Now returns the board time: the number of frames the clock has produced
// times the frame duration.
func (b *Board) Now() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.nowLocked()
}

func (b *Board) nowLocked() time.Duration { return time.Duration(b.ticks) * b.frameDur }

// Sleep blocks until d of board time has passed (or the board is closed).
// In fast mode it asks the clock to advance.
func (b *Board) Sleep(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.waitLocked(b.nowLocked()+max(d, 0), nil)
}

var errBoardClosed = errors.New("sim: board closed")

// waitLocked blocks until board time reaches deadline (unless negative) or
// cond (unless nil) holds. It returns errBoardClosed if the board closes.
func (b *Board) waitLocked(deadline time.Duration, cond func() bool) error {
	w := &waiter{deadline: deadline, cond: cond}
	b.waiters = append(b.waiters, w)
	defer func() {
		for i, x := range b.waiters {
			if x == w {
				b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
				break
			}
		}
		b.kickLocked()
	}()
	b.kickLocked()
	for !w.satisfied(b.nowLocked()) {
		if b.closed {
			return errBoardClosed
		}
		b.cond.Wait()
	}
	return nil
}

// SetSettle gives the fast clock a test of whether the software above the
// board has finished reacting to the last frame (for the gateway: its work
// queue is empty). In fast mode the next frame waits for it, so that work
// done outside the channel loops takes no simulated time; a system that
// does not settle within the stall timeout is not waited for. The realtime
// clock ignores it.
func (b *Board) SetSettle(settled func() bool) {
	b.mu.Lock()
	b.settle = settled
	b.mu.Unlock()
}

// kickLocked wakes a fast clock to re-evaluate its barrier.
func (b *Board) kickLocked() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// barrierLocked reports whether anything waits for the next frame (demand)
// and whether every participant is done with the current one (ready).
func (b *Board) barrierLocked() (demand, ready bool) {
	ready = true
	now := b.nowLocked()
	for _, w := range b.waiters {
		if w.stale {
			continue
		}
		if w.satisfied(now) {
			ready = false
		} else {
			demand = true
		}
	}
	for _, ep := range b.eps {
		h := ep.h
		if h == nil || !h.participant {
			continue
		}
		if h.waiting {
			demand = true
		}
		if ep.rxn > 0 || !(h.waiting || h.wrote) {
			ready = false
		}
	}
	return demand, ready
}

// dropLaggardsLocked takes participants that did not come back for the next
// frame out of the barrier (until they read again) and stops holding the
// clock for satisfied waiters that have not returned.
func (b *Board) dropLaggardsLocked() {
	now := b.nowLocked()
	for _, w := range b.waiters {
		if w.satisfied(now) {
			w.stale = true
		}
	}
	for _, ep := range b.eps {
		if h := ep.h; h != nil && h.participant && (ep.rxn > 0 || !(h.waiting || h.wrote)) {
			h.participant = false
			b.log.Debug("sim: reader stalled, clock runs on without it", "channel", ep.info.Name)
		}
	}
}

func (b *Board) runFast() {
	defer b.wg.Done()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	// poll re-checks the settle test while the system above is busy; one
	// timer, reset per wait, so the fast clock allocates nothing per frame.
	poll := time.NewTimer(time.Hour)
	poll.Stop()
	defer poll.Stop()
	for {
		b.mu.Lock()
		armed, timedOut := false, false
		for {
			if b.closed {
				b.mu.Unlock()
				return
			}
			demand, ready := b.barrierLocked()
			if demand && ready && b.settle != nil && !b.settle() && !timedOut {
				// The system above is still busy: look again shortly.
				if !armed {
					armed = true
					timer.Reset(stallTimeout)
				}
				b.mu.Unlock()
				poll.Reset(50 * time.Microsecond)
				select {
				case <-b.done:
					return
				case <-timer.C:
					timedOut = true
				case <-poll.C:
				}
				b.mu.Lock()
				continue
			}
			if demand && ready {
				break
			}
			if demand && timedOut {
				b.dropLaggardsLocked()
				break
			}
			if demand && !armed {
				armed = true
				timer.Reset(stallTimeout)
			} else if !demand && armed {
				armed = false
				timer.Stop()
			}
			b.mu.Unlock()
			select {
			case <-b.done:
				return
			case <-b.kick:
			case <-timer.C:
				timedOut = armed
			}
			b.mu.Lock()
		}
		if armed {
			timer.Stop()
		}
		b.tickLocked()
		b.mu.Unlock()
	}
}

func (b *Board) runRealtime() {
	defer b.wg.Done()
	start := time.Now()
	var k int64 // frames produced since start
	timer := time.NewTimer(b.frameDur)
	defer timer.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-timer.C:
		}
		due := int64(time.Since(start) / b.frameDur)
		if lag := due - k; time.Duration(lag)*b.frameDur > maxCatchUp {
			b.log.Warn("sim: clock fell behind the wall clock, skipping frames", "frames", lag-1)
			k = due - 1
		}
		if k < due {
			b.mu.Lock()
			b.tickLocked()
			b.mu.Unlock()
			k++
		}
		// When behind, produce the missing frames one per wake-up so that
		// readers woken by each frame get a chance to run in between.
		timer.Reset(time.Until(start.Add(time.Duration(k+1) * b.frameDur)))
	}
}

// tickLocked produces one frame on every channel: signalling first, then the
// audio the line side hears and sends.
func (b *Board) tickLocked() {
	t := b.nowLocked()
	b.inTick = true
	for _, ep := range b.eps {
		ep.tick(t)
	}
	b.inTick = false
	b.ticks++
	b.cond.Broadcast()
}

// Phone returns the virtual phone on FXS port (1-based).
func (b *Board) Phone(port int) (*Phone, error) {
	if port < 1 || port > len(b.phones) {
		return nil, fmt.Errorf("sim: phone %d: %d FXS ports", port, len(b.phones))
	}
	return b.phones[port-1], nil
}

// Line returns the virtual office line behind FXO port (1-based).
func (b *Board) Line(port int) (*Line, error) {
	if port < 1 || port > len(b.lines) {
		return nil, fmt.Errorf("sim: line %d: %d FXO ports", port, len(b.lines))
	}
	return b.lines[port-1], nil
}

// Network returns the virtual network side of span (the span number, 2 for
// the first E1 span when the board has analog ports).
func (b *Board) Network(span int) (*Network, error) {
	if span >= 1 && span <= len(b.spans) && b.spans[span-1].net != nil {
		return b.spans[span-1].net, nil
	}
	return nil, fmt.Errorf("sim: span %d is not an E1 span", span)
}

// PortOf returns the phone or line port number of an analog channel, and 0
// when ci is not an analog channel of this board.
func (b *Board) PortOf(ci hal.ChannelInfo) int {
	if len(b.spans) == 0 || b.spans[0].info.Type != hal.SpanAnalog || ci.Span != 1 {
		return 0
	}
	switch {
	case ci.Kind == hal.KindFXS && ci.Chan >= 1 && ci.Chan <= b.cfg.FXS:
		return ci.Chan
	case ci.Kind == hal.KindFXO && ci.Chan > b.cfg.FXS && ci.Chan <= b.cfg.FXS+b.cfg.FXO:
		return ci.Chan - b.cfg.FXS
	}
	return 0
}

// samples converts a board duration to whole samples.
func samples(d time.Duration) int {
	return int(max(d, 0) * hal.SampleRate / time.Second)
}
