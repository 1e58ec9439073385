package sim

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"tipring/hal"
)

// evDepth is the number of unread events a channel keeps; older events are
// dropped first (and counted).
const evDepth = 64

// hdlcDepth is the number of frames a D-channel queues in each direction.
const hdlcDepth = 256

// maxHDLC is the longest D-channel frame (Q.921 N201 = 260 octets of
// information plus address and control, rounded up).
const maxHDLC = 512

type span struct {
	b    *Board
	info hal.SpanInfo
	eps  []*endpoint
	net  *Network // E1 spans
}

func (s *span) Info() hal.SpanInfo {
	info := s.info
	info.Channels = append([]hal.ChannelInfo(nil), s.info.Channels...)
	return info
}

func (s *span) Status() hal.SpanStatus {
	st := hal.SpanStatus{SyncSource: s.info.Number == 1}
	if s.net != nil {
		s.b.mu.Lock()
		st.Alarms = s.net.alarms
		s.b.mu.Unlock()
	}
	return st
}

func (s *span) Open(chanNum int) (hal.Channel, error) {
	if chanNum < 1 || chanNum > len(s.eps) {
		return nil, &hal.ChannelError{Span: s.info.Number, Chan: chanNum, Op: "open", Err: hal.ErrNoChannel}
	}
	ep := s.eps[chanNum-1]
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ep.err("open", hal.ErrClosed)
	}
	if ep.h != nil {
		return nil, ep.err("open", hal.ErrBusy)
	}
	h := &handle{ep: ep}
	ep.h = h
	ep.rxHead, ep.rxn, ep.txHead, ep.txn, ep.evHead, ep.evn = 0, 0, 0, 0, 0, 0
	ep.rxGain, ep.txGain = 1, 1
	ep.toUs = nil
	if ep.far != nil {
		ep.far.opened()
	}
	c := channel{h: h}
	switch ep.info.Kind {
	case hal.KindFXS:
		return &fxsChannel{c}, nil
	case hal.KindFXO:
		return &fxoChannel{c}, nil
	case hal.KindDChannel:
		return &dChannel{c}, nil
	}
	return &bearerChannel{c}, nil
}

// farSide is what sits on the line side of an audio channel: a phone, the
// office with its far-end party, or the network's far end of a B-channel.
// Every method runs with the board lock held.
type farSide interface {
	// signal advances timed signalling (cadences, pulse trains, office
	// timers) to board time t, the start of the frame being produced.
	signal(t time.Duration)
	// hear consumes what the channel sent in this frame (after the law).
	hear(tx []int16, t time.Duration)
	// speak fills rx (zeroed) with what the line sends in this frame and
	// reports whether the loop is closed, which connects the hybrid.
	speak(rx []int16, t time.Duration) bool
	// opened is called when the channel is opened, closed when it closes.
	opened()
	closed()
}

// endpoint is one channel of the board: the persistent line side and the
// state of the handle that currently has it open.
type endpoint struct {
	b    *Board
	info hal.ChannelInfo
	far  farSide
	h    *handle

	rxq                  [rxDepth][]int16
	rxHead, rxn          int
	txq                  [txDepth][]int16
	txHead, txn          int
	rxTick               [rxDepth]int64 // tick that produced each queued frame
	evq                  [evDepth]stampedEvent
	evHead, evn          int
	rxGain, txGain       float64
	tx, rx               []int16
	echo                 []int16 // delay line of the hybrid
	echoPos              int
	overruns, underruns  uint64
	lostEvents           uint64
	toUs, fromUs         [][]byte // D-channel
	hdlcDropped, txBytes uint64
}

func (b *Board) newEndpoint(ci hal.ChannelInfo, hybrid bool) *endpoint {
	ep := &endpoint{b: b, info: ci, rxGain: 1, txGain: 1}
	for i := range ep.rxq {
		ep.rxq[i] = make([]int16, b.frameN)
	}
	for i := range ep.txq {
		ep.txq[i] = make([]int16, b.frameN)
	}
	ep.tx = make([]int16, b.frameN)
	ep.rx = make([]int16, b.frameN)
	if hybrid && b.echoGain > 0 {
		ep.echo = make([]int16, b.echoLen)
	}
	b.eps = append(b.eps, ep)
	return ep
}

func (ep *endpoint) err(op string, err error) error {
	return &hal.ChannelError{Span: ep.info.Span, Chan: ep.info.Chan, Op: op, Err: err}
}

// stampedEvent is an event and the tick whose frame it belongs to.
type stampedEvent struct {
	ev   hal.Event
	tick int64
}

// eventLocked queues ev for the open handle, if any. The event belongs to
// the frame being produced (during a tick) or to the last frame produced
// (for control actions between ticks); PollEvent hands it out only once the
// reader has consumed that frame, so a reader that falls behind still sees
// events in step with its audio and can time them by counting frames.
func (ep *endpoint) eventLocked(ev hal.Event) {
	if ep.h == nil {
		return
	}
	if ep.evn == evDepth {
		ep.evHead = (ep.evHead + 1) % evDepth
		ep.evn--
		ep.lostEvents++
	}
	tick := ep.b.ticks - 1
	if ep.b.inTick {
		tick = ep.b.ticks
	}
	ep.evq[(ep.evHead+ep.evn)%evDepth] = stampedEvent{ev, tick}
	ep.evn++
	ep.b.kickLocked()
}

// tick produces one frame of this channel at board time t.
func (ep *endpoint) tick(t time.Duration) {
	b := ep.b
	ep.far.signal(t)
	tx := ep.tx
	if ep.h != nil && ep.txn > 0 {
		copy(tx, ep.txq[ep.txHead])
		ep.txHead = (ep.txHead + 1) % txDepth
		ep.txn--
		scale(tx, ep.txGain)
		b.law.Encode(b.lawBuf, tx)
		b.law.Decode(tx, b.lawBuf)
	} else {
		// Nothing to send: the line carries silence (no law idle pattern,
		// so that idle recorders stay empty).
		clear(tx)
		if ep.h != nil && ep.h.participant {
			ep.underruns++
		}
	}
	ep.far.hear(tx, t)

	rx := ep.rx
	clear(rx)
	loop := ep.far.speak(rx, t)
	if ep.echo != nil {
		ep.hybrid(tx, rx, loop)
	}
	b.law.Encode(b.lawBuf, rx)
	b.law.Decode(rx, b.lawBuf)
	if h := ep.h; h != nil && h.reading {
		if ep.rxn == rxDepth {
			ep.rxHead = (ep.rxHead + 1) % rxDepth
			ep.rxn--
			ep.overruns++
		}
		ep.rxTick[(ep.rxHead+ep.rxn)%rxDepth] = b.ticks
		dst := ep.rxq[(ep.rxHead+ep.rxn)%rxDepth]
		copy(dst, rx)
		scale(dst, ep.rxGain)
		ep.rxn++
		h.waiting = false
	}
}

// hybrid models the 2-wire/4-wire hybrid: what the channel sends leaks back
// into what it receives, EchoDelay later and EchoLossDB weaker, while the
// loop is closed (G.168 clause 3 calls this the echo path; a real hybrid's
// echo return loss is typically 6-20 dB).
func (ep *endpoint) hybrid(tx, rx []int16, loop bool) {
	g := ep.b.echoGain
	d := ep.echo
	for i, s := range tx {
		var e int16
		if len(d) > 0 {
			e = d[ep.echoPos]
			d[ep.echoPos] = s
			ep.echoPos++
			if ep.echoPos == len(d) {
				ep.echoPos = 0
			}
		} else {
			e = s
		}
		if loop && e != 0 {
			rx[i] = sat(int32(rx[i]) + int32(math.Round(float64(e)*g)))
		}
	}
}

func sat(v int32) int16 {
	return int16(max(-32768, min(32767, v)))
}

func scale(x []int16, g float64) {
	if g == 1 {
		return
	}
	for i, v := range x {
		x[i] = int16(max(-32768, min(32767, math.Round(float64(v)*g))))
	}
}

// addSat mixes src into dst with saturation.
func addSat(dst, src []int16) {
	for i, v := range src {
		dst[i] = sat(int32(dst[i]) + int32(v))
	}
}

// handle is one Open of an endpoint. After Close it stays closed even if
// the endpoint is opened again.
type handle struct {
	ep     *endpoint
	closed bool
	// Fast-clock barrier state: a participant is a handle that reads; it is
	// waiting while blocked in ReadFrame, and wrote once it has written
	// since its last read.
	participant, waiting, wrote bool
	// reading is set by the first ReadFrame; frames are queued from then on.
	reading bool
}

type channel struct {
	h *handle
}

func (c *channel) Info() hal.ChannelInfo { return c.h.ep.info }

func (c *channel) FrameSamples() int { return c.h.ep.b.frameN }

func (c *channel) ReadFrame(buf []int16) error {
	ep := c.h.ep
	if ep.info.Kind == hal.KindDChannel {
		return ep.err("read", hal.ErrNotSupported)
	}
	if len(buf) != ep.b.frameN {
		return ep.err("read", hal.ErrFrameSize)
	}
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if c.h.closed {
			return ep.err("read", hal.ErrClosed)
		}
		if ep.rxn > 0 {
			copy(buf, ep.rxq[ep.rxHead])
			ep.rxHead = (ep.rxHead + 1) % rxDepth
			ep.rxn--
			c.h.wrote = false
			return nil
		}
		c.h.participant = true
		c.h.reading = true
		c.h.waiting = true
		b.kickLocked()
		b.cond.Wait()
	}
}

func (c *channel) WriteFrame(buf []int16) error {
	ep := c.h.ep
	if ep.info.Kind == hal.KindDChannel {
		return ep.err("write", hal.ErrNotSupported)
	}
	if len(buf) != ep.b.frameN {
		return ep.err("write", hal.ErrFrameSize)
	}
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.h.closed {
		return ep.err("write", hal.ErrClosed)
	}
	if ep.txn == txDepth {
		ep.txHead = (ep.txHead + 1) % txDepth
		ep.txn--
	}
	copy(ep.txq[(ep.txHead+ep.txn)%txDepth], buf)
	ep.txn++
	c.h.wrote = true
	b.kickLocked()
	return nil
}

func (c *channel) PollEvent() (hal.Event, bool) {
	ep := c.h.ep
	ep.b.mu.Lock()
	defer ep.b.mu.Unlock()
	if c.h.closed || ep.evn == 0 {
		return hal.Event{}, false
	}
	se := ep.evq[ep.evHead]
	if ep.rxn > 0 && ep.rxTick[ep.rxHead] <= se.tick {
		return hal.Event{}, false // its frame has not been read yet
	}
	ep.evHead = (ep.evHead + 1) % evDepth
	ep.evn--
	return se.ev, true
}

func (c *channel) Hook(op hal.Hook) error {
	ep := c.h.ep
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.h.closed {
		return ep.err("hook "+op.String(), hal.ErrClosed)
	}
	var err error
	switch f := ep.far.(type) {
	case *Phone:
		err = f.hookLocked(op)
	case *Line:
		err = f.hookLocked(op)
	default:
		err = hal.ErrNotSupported
	}
	if err != nil {
		return ep.err("hook "+op.String(), err)
	}
	return nil
}

func (c *channel) Close() error {
	ep := c.h.ep
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.h.closed {
		return ep.err("close", hal.ErrClosed)
	}
	c.h.closed = true
	ep.h = nil
	if ep.far != nil {
		ep.far.closed()
	}
	ep.toUs = nil
	b.cond.Broadcast()
	b.kickLocked()
	return nil
}

// maxGainDB bounds SetGains; DAHDI's gain tables are built for about ±24 dB.
const maxGainDB = 24

func (c *channel) SetGains(rxDB, txDB float64) error {
	ep := c.h.ep
	if math.IsNaN(rxDB) || math.IsNaN(txDB) || math.Abs(rxDB) > maxGainDB || math.Abs(txDB) > maxGainDB {
		return ep.err("set gains", fmt.Errorf("gain %.1f/%.1f dB outside ±%d dB", rxDB, txDB, maxGainDB))
	}
	ep.b.mu.Lock()
	defer ep.b.mu.Unlock()
	if c.h.closed {
		return ep.err("set gains", hal.ErrClosed)
	}
	ep.rxGain = math.Pow(10, rxDB/20)
	ep.txGain = math.Pow(10, txDB/20)
	return nil
}

type fxsChannel struct{ channel }

var (
	_ hal.RingCadencer     = (*fxsChannel)(nil)
	_ hal.PolarityReverser = (*fxsChannel)(nil)
	_ hal.VMWIIndicator    = (*fxsChannel)(nil)
	_ hal.Gainer           = (*fxsChannel)(nil)
	_ hal.Gainer           = (*fxoChannel)(nil)
	_ hal.Gainer           = (*bearerChannel)(nil)
	_ hal.HDLC             = (*dChannel)(nil)
)

// maxCadence bounds the number of on/off entries of a ring cadence (DAHDI
// allows 16).
const maxCadence = 16

func (c *fxsChannel) SetRingCadence(onOff []time.Duration) error {
	ep := c.h.ep
	if len(onOff) < 2 || len(onOff)%2 != 0 || len(onOff) > maxCadence {
		return ep.err("set ring cadence", fmt.Errorf("%d entries: want an even number from 2 to %d", len(onOff), maxCadence))
	}
	for _, d := range onOff {
		if d <= 0 || d > time.Minute {
			return ep.err("set ring cadence", fmt.Errorf("entry %v out of range", d))
		}
	}
	ep.b.mu.Lock()
	defer ep.b.mu.Unlock()
	if c.h.closed {
		return ep.err("set ring cadence", hal.ErrClosed)
	}
	ep.far.(*Phone).cadence = append([]time.Duration(nil), onOff...)
	return nil
}

func (c *fxsChannel) SetPolarity(reversed bool) error {
	ep := c.h.ep
	ep.b.mu.Lock()
	defer ep.b.mu.Unlock()
	if c.h.closed {
		return ep.err("set polarity", hal.ErrClosed)
	}
	ep.far.(*Phone).reversed = reversed
	return nil
}

func (c *fxsChannel) SetVMWI(active bool) error {
	ep := c.h.ep
	ep.b.mu.Lock()
	defer ep.b.mu.Unlock()
	if c.h.closed {
		return ep.err("set vmwi", hal.ErrClosed)
	}
	ep.far.(*Phone).vmwi = active
	return nil
}

type fxoChannel struct{ channel }

type bearerChannel struct{ channel }

type dChannel struct{ channel }

func (c *dChannel) ReadHDLC(buf []byte) (int, error) {
	ep := c.h.ep
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	for {
		if c.h.closed {
			return 0, ep.err("read hdlc", hal.ErrClosed)
		}
		if len(ep.toUs) > 0 {
			f := ep.toUs[0]
			if len(buf) < len(f) {
				return 0, ep.err("read hdlc", io.ErrShortBuffer)
			}
			ep.toUs[0] = nil
			ep.toUs = ep.toUs[1:]
			return copy(buf, f), nil
		}
		b.cond.Wait()
	}
}

func (c *dChannel) WriteHDLC(frame []byte) error {
	ep := c.h.ep
	if len(frame) == 0 || len(frame) > maxHDLC {
		return ep.err("write hdlc", fmt.Errorf("frame of %d octets: want 1 to %d", len(frame), maxHDLC))
	}
	b := ep.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.h.closed {
		return ep.err("write hdlc", hal.ErrClosed)
	}
	if len(ep.fromUs) >= hdlcDepth {
		ep.hdlcDropped++
		return ep.err("write hdlc", errors.New("transmit queue full"))
	}
	ep.fromUs = append(ep.fromUs, append([]byte(nil), frame...))
	ep.txBytes += uint64(len(frame))
	b.cond.Broadcast()
	return nil
}
