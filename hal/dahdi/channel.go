//go:build linux

package dahdi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"tipring/hal"
)

const (
	// evDepth is the number of unread events a channel keeps; the oldest
	// is dropped first. DAHDI itself keeps 64 (DAHDI_MAX_EVENTSIZE).
	evDepth = 64
	// hdlcBufSize is the D-channel buffer size: the longest frame the
	// receiver accepts, FCS included, before it reports an overrun.
	hdlcBufSize = 1024
	// hdlcBufs is the number of D-channel buffers each way.
	hdlcBufs = 16
	// maxHDLC is the longest frame WriteHDLC takes (room for the FCS).
	maxHDLC = hdlcBufSize - 2
	// hdlcSettle is how long after open() a D-channel write is held back:
	// the software HDLC transmitter drops a frame written within about
	// 2 ms of open (found in the qemu guest), so wait ten times that.
	hdlcSettle = 20 * time.Millisecond
	// maxGainDB bounds SetGains; DAHDI's gain tables saturate beyond.
	maxGainDB = 24
)

// channel is one open DAHDI channel. Its methods are shared by the
// kind-specific wrappers that Span.Open returns.
type channel struct {
	b      *Board
	info   hal.ChannelInfo
	channo int
	f      *os.File
	fd     int          // f's descriptor, for ioctls
	fdmu   sync.RWMutex // held shared by ioctls, exclusively by Close
	frameN int
	law    int32
	ec     string // the channel's echo canceller module ("MG2", "HWEC"), "" = none
	opened time.Time
	closed atomic.Bool

	rbuf, wbuf []byte // audio frames, linear 16-bit native order
	hrbuf      []byte // D-channel receive buffer
	hwmu       sync.Mutex
	hwbuf      []byte // D-channel transmit buffer

	mu      sync.Mutex // guards st and the event queue
	st      sigState
	evq     [evDepth]hal.Event
	evHead  int
	evN     int
	lost    uint64
	scratch [4]hal.Event
	polled  time.Time // FXO: last receive hook state sample
}

// ringPoll is the least time between two samples of an FXO port's receive
// hook state.
const ringPoll = 5 * time.Millisecond

// Open claims one channel: /dev/dahdi/channel opened non-blocking, bound
// with DAHDI_SPECIFY, configured (buffers, linear mode), and only then
// handed to the runtime poller with os.NewFile. In the other order the
// poller never sees the channel become readable.
func (s *span) Open(chanNum int) (hal.Channel, error) {
	d, ok := s.chans[chanNum]
	if !ok {
		return nil, &hal.ChannelError{Span: s.info.Number, Chan: chanNum, Op: "open", Err: hal.ErrNoChannel}
	}
	b := s.b
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil, &hal.ChannelError{Span: s.info.Number, Chan: chanNum, Op: "open", Err: hal.ErrClosed}
	}
	c, pol, vmwi, err := b.openChannel(d)
	if err != nil {
		return nil, &hal.ChannelError{Span: s.info.Number, Chan: chanNum, Op: "open", Err: err}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		c.f.Close()
		return nil, &hal.ChannelError{Span: s.info.Number, Chan: chanNum, Op: "open", Err: hal.ErrClosed}
	}
	b.open[c] = struct{}{}
	b.mu.Unlock()
	ec := c.ec != ""
	switch d.info.Kind {
	case hal.KindFXS:
		f := fxsChannel{audioChannel{c}}
		switch {
		case pol && vmwi && ec:
			return &fxsPolVMWIECChannel{fxsPolVMWIChannel{fxsPolChannel{f}}}, nil
		case pol && vmwi:
			return &fxsPolVMWIChannel{fxsPolChannel{f}}, nil
		case pol && ec:
			return &fxsPolECChannel{fxsPolChannel{f}}, nil
		case pol:
			return &fxsPolChannel{f}, nil
		case vmwi && ec:
			return &fxsVMWIECChannel{fxsVMWIChannel{f}}, nil
		case vmwi:
			return &fxsVMWIChannel{f}, nil
		case ec:
			return &fxsECChannel{f}, nil
		}
		return &f, nil
	case hal.KindDChannel:
		return &dChannel{c}, nil
	}
	if ec {
		return &audioECChannel{audioChannel{c}}, nil
	}
	return &audioChannel{c}, nil
}

// echoCanceller names the echo canceller the driver has for a channel:
// the card's own (HWEC) or a kernel module chosen with echocanceller= in
// system.conf. Only sysfs tells: DAHDI_ECHOCANCEL_PARAMS succeeds without
// one and does nothing.
func (b *Board) echoCanceller(d chanDesc) string {
	name := fmt.Sprintf("dahdi!chan!%03d!%03d", d.spanno, d.info.Chan)
	v, err := os.ReadFile(filepath.Join(b.cfg.SysDir, name, "ec_factory"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(v))
}

func (b *Board) openChannel(d chanDesc) (c *channel, pol, vmwi bool, err error) {
	fd, err := unix.Open(filepath.Join(b.cfg.DevDir, "channel"), unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, false, false, err
	}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	v := int32(d.channo)
	if err := fdIoctl(fd, ioctlSpecify, unsafe.Pointer(&v)); err != nil {
		if errors.Is(err, unix.EBUSY) {
			return nil, false, false, hal.ErrBusy
		}
		return nil, false, false, fmt.Errorf("specify %d: %w", d.channo, err)
	}
	c = &channel{b: b, info: d.info, channo: d.channo, frameN: b.frameN, opened: time.Now()}
	c.st.kind = d.info.Kind
	if d.info.Kind == hal.KindDChannel {
		bi := dahdiBufferInfo{Txbufpolicy: policyImmediate, Rxbufpolicy: policyImmediate, Numbufs: hdlcBufs, Bufsize: hdlcBufSize}
		if err := fdIoctl(fd, ioctlSetBufInfo, unsafe.Pointer(&bi)); err != nil {
			return nil, false, false, fmt.Errorf("set buffers: %w", err)
		}
		c.hrbuf = make([]byte, hdlcBufSize)
		c.hwbuf = make([]byte, hdlcBufSize)
	} else {
		// The transmit side starts playing once half its buffers are
		// full: two frames of slack against scheduling jitter, which
		// under emulation is several milliseconds.
		bi := dahdiBufferInfo{Txbufpolicy: policyHalfFull, Rxbufpolicy: policyImmediate, Numbufs: int32(b.cfg.Buffers), Bufsize: int32(b.frameN)}
		if err := fdIoctl(fd, ioctlSetBufInfo, unsafe.Pointer(&bi)); err != nil {
			return nil, false, false, fmt.Errorf("set buffers: %w", err)
		}
		one := int32(1)
		if d.info.Kind == hal.KindBearer {
			// A clear channel carries data until told it carries audio;
			// linear mode, gains and the echo canceller need audio mode
			// (DAHDI_SETLINEAR fails with EINVAL before).
			if err := fdIoctl(fd, ioctlAudioMode, unsafe.Pointer(&one)); err != nil {
				return nil, false, false, fmt.Errorf("audio mode: %w", err)
			}
		}
		if err := fdIoctl(fd, ioctlSetLinear, unsafe.Pointer(&one)); err != nil {
			return nil, false, false, fmt.Errorf("set linear: %w", err)
		}
		// Receive overruns and transmit underruns become events
		// (one per episode), counted in Stats.
		_ = fdIoctl(fd, ioctlBufferEvents, unsafe.Pointer(&one))
		var p dahdiParams
		if err := fdIoctl(fd, ioctlGetParams, unsafe.Pointer(&p)); err != nil {
			return nil, false, false, fmt.Errorf("get params: %w", err)
		}
		c.law = p.Curlaw
		if d.info.Kind == hal.KindFXS {
			// Polarity and VMWI are card driver ioctls: probe with the
			// idle values (forward polarity, no messages).
			zero := int32(0)
			pol = fdIoctl(fd, ioctlSetPolarity, unsafe.Pointer(&zero)) == nil
			vmwi = fdIoctl(fd, ioctlVMWI, unsafe.Pointer(&zero)) == nil
		}
		c.ec = b.echoCanceller(d)
		c.rbuf = make([]byte, 2*b.frameN)
		c.wbuf = make([]byte, 2*b.frameN)
	}
	c.fd = fd
	c.f = os.NewFile(uintptr(fd), fmt.Sprintf("%s/channel(%d)", b.cfg.DevDir, d.channo))
	ok = true
	return c, pol, vmwi, nil
}

func (c *channel) err(op string, err error) error {
	if c.closed.Load() || errors.Is(err, os.ErrClosed) {
		err = hal.ErrClosed
	}
	return &hal.ChannelError{Span: c.info.Span, Chan: c.info.Chan, Op: op, Err: err}
}

// ioctl runs one ioctl on the channel. It uses the descriptor directly
// rather than through syscall.RawConn.Control, whose closure allocates on
// every call (several times per frame); fdmu keeps Close from releasing
// the descriptor number under it.
func (c *channel) ioctl(req uint32, arg unsafe.Pointer) error {
	c.fdmu.RLock()
	defer c.fdmu.RUnlock()
	if c.closed.Load() {
		return os.ErrClosed
	}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(c.fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}

func (c *channel) ioctlInt(req uint32, v int32) error {
	return c.ioctl(req, unsafe.Pointer(&v))
}

func isELAST(err error) bool { return errors.Is(err, syscall.Errno(errnoELAST)) }

// Stats counts what a channel lost: receive overruns and transmit underruns
// (episodes, as DAHDI_BUFFER_EVENTS reports them), D-channel frames
// dropped for aborts, bad FCS or overruns, events dropped from a full queue
// and driver events without a hal meaning.
type Stats struct {
	Overruns, Underruns, HDLCErrors, LostEvents, IgnoredEvents uint64
}

// Stats returns the channel's counters. Every channel that Span.Open
// returns has it.
func (c *channel) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Overruns: c.st.overruns, Underruns: c.st.underruns, HDLCErrors: c.st.hdlcErrors,
		LostEvents: c.lost, IgnoredEvents: c.st.ignored}
}

func (c *channel) Info() hal.ChannelInfo { return c.info }

func (c *channel) FrameSamples() int { return c.frameN }

// ReadFrame reads one block. A read fails with ELAST while an event is
// queued; the events are then drained into the channel's queue and the
// read is retried.
func (c *channel) ReadFrame(buf []int16) error {
	if c.info.Kind == hal.KindDChannel {
		return c.err("read", hal.ErrNotSupported)
	}
	if len(buf) != c.frameN {
		return c.err("read", hal.ErrFrameSize)
	}
	if c.closed.Load() {
		return c.err("read", hal.ErrClosed)
	}
	got := 0
	for got < len(c.rbuf) {
		n, err := c.f.Read(c.rbuf[got:])
		got += n
		if err != nil {
			if isELAST(err) {
				c.drain()
				continue
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return c.err("read", err)
		}
	}
	for i := range buf {
		buf[i] = int16(binary.NativeEndian.Uint16(c.rbuf[2*i:]))
	}
	return nil
}

// WriteFrame queues one block; with the transmit buffers full it waits for
// the driver to take one, which is at most one frame.
func (c *channel) WriteFrame(buf []int16) error {
	if c.info.Kind == hal.KindDChannel {
		return c.err("write", hal.ErrNotSupported)
	}
	if len(buf) != c.frameN {
		return c.err("write", hal.ErrFrameSize)
	}
	if c.closed.Load() {
		return c.err("write", hal.ErrClosed)
	}
	for i, v := range buf {
		binary.NativeEndian.PutUint16(c.wbuf[2*i:], uint16(v))
	}
	p := c.wbuf
	for len(p) > 0 {
		n, err := c.f.Write(p)
		p = p[n:]
		if err != nil {
			if isELAST(err) {
				c.drain()
				continue
			}
			return c.err("write", err)
		}
	}
	return nil
}

// drain moves every queued driver event into the channel's queue.
func (c *channel) drain() {
	for range evDepth {
		var v int32
		if err := c.ioctl(ioctlGetEvent, unsafe.Pointer(&v)); err != nil || v == eventNone {
			return
		}
		c.b.log.Debug("hal/dahdi: event", "chan", c.info.Name, "raw", v)
		var alarms hal.Alarm
		if v == eventAlarm {
			var p dahdiParams
			if c.ioctl(ioctlGetParams, unsafe.Pointer(&p)) == nil {
				alarms = alarmsFromDAHDI(p.ChanAlarms)
			}
		}
		c.mu.Lock()
		evs, act := c.st.translate(v, c.scratch[:0])
		for _, ev := range evs {
			if ev.Kind == hal.EventAlarm {
				ev.Alarms = alarms
			}
			c.pushLocked(ev)
		}
		c.mu.Unlock()
		switch act {
		case actOffHook:
			if err := c.ioctlInt(ioctlHook, hookOffHook); err != nil {
				c.b.log.Warn("hal/dahdi: ring trip", "chan", c.info.Name, "err", err)
			}
		case actOnHook:
			if err := c.ioctlInt(ioctlHook, hookOnHook); err != nil {
				c.b.log.Warn("hal/dahdi: hang up after on-hook", "chan", c.info.Name, "err", err)
			}
		}
	}
}

// pollRing samples the receive hook state of an FXO port (rxhooksig of
// DAHDI_GET_PARAMS) for ringing voltage.
func (c *channel) pollRing() {
	now := time.Now()
	if now.Sub(c.polled) < ringPoll {
		return
	}
	c.polled = now
	var p dahdiParams
	if c.ioctl(ioctlGetParams, unsafe.Pointer(&p)) != nil {
		return
	}
	c.mu.Lock()
	for _, ev := range c.st.ringState(p.Rxhooksig == rxsigRing, now, c.scratch[:0]) {
		c.pushLocked(ev)
	}
	c.mu.Unlock()
}

func (c *channel) pushLocked(ev hal.Event) {
	if c.evN == evDepth {
		c.evHead = (c.evHead + 1) % evDepth
		c.evN--
		c.lost++
	}
	c.evq[(c.evHead+c.evN)%evDepth] = ev
	c.evN++
}

// PollEvent returns the oldest queued event, asking the driver
// (DAHDI_GETEVENT) when the queue is empty. It never blocks.
func (c *channel) PollEvent() (hal.Event, bool) {
	if c.closed.Load() {
		return hal.Event{}, false
	}
	if c.info.Kind == hal.KindFXO {
		c.pollRing()
	}
	c.mu.Lock()
	empty := c.evN == 0
	c.mu.Unlock()
	if empty {
		c.drain()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.evN == 0 || c.closed.Load() {
		return hal.Event{}, false
	}
	ev := c.evq[c.evHead]
	c.evHead = (c.evHead + 1) % evDepth
	c.evN--
	return ev, true
}

// Hook sends a DAHDI_HOOK command. FXS ports take onhook, ring and ringoff;
// FXO ports onhook, offhook and flash; digital channels none.
func (c *channel) Hook(op hal.Hook) error {
	name := "hook " + op.String()
	if c.closed.Load() {
		return c.err(name, hal.ErrClosed)
	}
	arg := int32(-1)
	switch c.info.Kind {
	case hal.KindFXS:
		switch op {
		case hal.HookOnHook:
			arg = hookOnHook
		case hal.HookRing:
			arg = hookRing
		case hal.HookRingOff:
			arg = hookRingOff
		}
	case hal.KindFXO:
		switch op {
		case hal.HookOnHook:
			arg = hookOnHook
		case hal.HookOffHook:
			arg = hookOffHook
		case hal.HookFlash:
			arg = hookFlash
		}
	}
	if arg < 0 {
		return c.err(name, hal.ErrNotSupported)
	}
	// Timed operations (ring, flash) return EINPROGRESS on a
	// non-blocking descriptor: the driver carries them out by itself.
	if op == hal.HookRing && c.phoneOffHook() {
		return c.err(name, fmt.Errorf("phone is off hook: %w", unix.EBUSY))
	}
	err := c.ioctlInt(ioctlHook, arg)
	if errors.Is(err, unix.EBUSY) && op == hal.HookRing {
		// DAHDI rings only from TXSTATE_ONHOOK. After a disconnect the
		// port spends 800 ms in the kewlstart battery drop
		// (DAHDI_KEWLTIME + DAHDI_AFTERKEWLTIME), and every open()
		// starts one while the phone's hang-up is not yet confirmed.
		// With the phone on hook, an on-hook command ends that at once.
		if err = c.ioctlInt(ioctlHook, hookOnHook); err == nil {
			err = c.ioctlInt(ioctlHook, arg)
		}
	}
	if err != nil && !errors.Is(err, unix.EINPROGRESS) {
		return c.err(name, err)
	}
	if c.info.Kind == hal.KindFXS {
		c.mu.Lock()
		var evs []hal.Event
		if op == hal.HookRing {
			evs = c.st.startRing(c.scratch[:0])
		} else {
			evs = c.st.stopRing(c.scratch[:0])
		}
		for _, ev := range evs {
			c.pushLocked(ev)
		}
		c.mu.Unlock()
	}
	return nil
}

// phoneOffHook reports whether the phone on an FXS port is off hook.
func (c *channel) phoneOffHook() bool {
	var p dahdiParams
	return c.ioctl(ioctlGetParams, unsafe.Pointer(&p)) != nil || p.Rxisoffhook != 0
}

// Close releases the channel; a ReadFrame or ReadHDLC blocked in another
// goroutine returns hal.ErrClosed.
func (c *channel) Close() error {
	if c.closed.Swap(true) {
		return c.err("close", hal.ErrClosed)
	}
	// Wait for ioctls in flight: an empty critical section as a barrier.
	c.fdmu.Lock()
	//lint:ignore SA2001 the barrier is the point
	c.fdmu.Unlock()
	c.b.forget(c)
	if err := c.f.Close(); err != nil {
		return &hal.ChannelError{Span: c.info.Span, Chan: c.info.Chan, Op: "close", Err: err}
	}
	return nil
}

func (c *channel) setGains(rxDB, txDB float64) error {
	if math.IsNaN(rxDB) || math.IsNaN(txDB) || math.Abs(rxDB) > maxGainDB || math.Abs(txDB) > maxGainDB {
		return c.err("set gains", fmt.Errorf("gain %.1f/%.1f dB outside ±%d dB", rxDB, txDB, maxGainDB))
	}
	if c.closed.Load() {
		return c.err("set gains", hal.ErrClosed)
	}
	var g dahdiGains
	gainTable(&g.Rxgain, c.law, rxDB)
	gainTable(&g.Txgain, c.law, txDB)
	if err := c.ioctl(ioctlSetGains, unsafe.Pointer(&g)); err != nil {
		return c.err("set gains", err)
	}
	return nil
}

func (c *channel) setRingCadence(onOff []time.Duration) error {
	if len(onOff) < 2 || len(onOff)%2 != 0 || len(onOff) > maxCadence {
		return c.err("set ring cadence", fmt.Errorf("%d entries: want an even number from 2 to %d", len(onOff), maxCadence))
	}
	var rc dahdiRingCadence
	for i, d := range onOff {
		if d < time.Millisecond || d > time.Minute {
			return c.err("set ring cadence", fmt.Errorf("entry %v out of range", d))
		}
		rc.Ringcadence[i] = int32(d / time.Millisecond)
	}
	if c.closed.Load() {
		return c.err("set ring cadence", hal.ErrClosed)
	}
	if err := c.ioctl(ioctlSetCadence, unsafe.Pointer(&rc)); err != nil {
		return c.err("set ring cadence", err)
	}
	return nil
}

func (c *channel) setPolarity(reversed bool) error {
	if c.closed.Load() {
		return c.err("set polarity", hal.ErrClosed)
	}
	v := int32(0)
	if reversed {
		v = 1
	}
	if err := c.ioctlInt(ioctlSetPolarity, v); err != nil {
		return c.err("set polarity", err)
	}
	return nil
}

func (c *channel) setVMWI(active bool) error {
	if c.closed.Load() {
		return c.err("set vmwi", hal.ErrClosed)
	}
	v := int32(0)
	if active {
		v = 1
	}
	if err := c.ioctlInt(ioctlVMWI, v); err != nil {
		return c.err("set vmwi", err)
	}
	return nil
}

// validTaps are the tail lengths DAHDI's echo cancellers take
// (ioctl_echocancel substitutes its default for any other).
var validTaps = []int{32, 64, 128, 256, 512, 1024}

// setEchoCancel starts the channel's echo canceller with a tail of taps
// samples (DAHDI_ECHOCANCEL_PARAMS), or stops it with 0.
func (c *channel) setEchoCancel(taps int) error {
	if taps != 0 && !slices.Contains(validTaps, taps) {
		return c.err("set echo cancel", fmt.Errorf("%d taps: want 0 or one of %v", taps, validTaps))
	}
	if c.closed.Load() {
		return c.err("set echo cancel", hal.ErrClosed)
	}
	p := dahdiEchoCanParams{TapLength: uint32(taps)}
	if err := c.ioctl(ioctlEchoCancel, unsafe.Pointer(&p)); err != nil {
		return c.err("set echo cancel", err)
	}
	return nil
}

// EchoCanceller names the driver's echo canceller for the channel ("MG2",
// "OSLEC", "HWEC" for the card's own), "" when it has none. The channel
// is a hal.EchoCanceller exactly when this is not empty.
func (c *channel) EchoCanceller() string { return c.ec }

// raw returns the shared channel under a kind-specific wrapper.
func (c *channel) raw() *channel { return c }

// audioChannel is an FXO port or a B-channel.
type audioChannel struct{ *channel }

// SetGains loads receive and transmit gain tables (DAHDI_SETGAINS), built
// for the channel's companding law.
func (c *audioChannel) SetGains(rxDB, txDB float64) error { return c.setGains(rxDB, txDB) }

// fxsChannel is an FXS port (DAHDI FXO signalling).
type fxsChannel struct{ audioChannel }

// SetRingCadence sets the port's ring cadence (DAHDI_SETCADENCE).
func (c *fxsChannel) SetRingCadence(onOff []time.Duration) error { return c.setRingCadence(onOff) }

// fxsPolChannel is an FXS port whose card reverses polarity.
type fxsPolChannel struct{ fxsChannel }

// SetPolarity reverses the line (DAHDI_SETPOLARITY).
func (c *fxsPolChannel) SetPolarity(reversed bool) error { return c.setPolarity(reversed) }

// fxsVMWIChannel is an FXS port whose card drives a message lamp.
type fxsVMWIChannel struct{ fxsChannel }

// SetVMWI switches the message-waiting lamp (DAHDI_VMWI).
func (c *fxsVMWIChannel) SetVMWI(active bool) error { return c.setVMWI(active) }

// fxsPolVMWIChannel has both.
type fxsPolVMWIChannel struct{ fxsPolChannel }

// SetVMWI switches the message-waiting lamp (DAHDI_VMWI).
func (c *fxsPolVMWIChannel) SetVMWI(active bool) error { return c.setVMWI(active) }

// audioECChannel is an FXO port or B-channel with an echo canceller.
type audioECChannel struct{ audioChannel }

// SetEchoCancel starts (taps 32 to 1024, a power of two) or stops (0) the
// driver's echo canceller (DAHDI_ECHOCANCEL_PARAMS).
func (c *audioECChannel) SetEchoCancel(taps int) error { return c.setEchoCancel(taps) }

// fxsECChannel is an FXS port with an echo canceller.
type fxsECChannel struct{ fxsChannel }

// SetEchoCancel starts (taps 32 to 1024, a power of two) or stops (0) the
// driver's echo canceller (DAHDI_ECHOCANCEL_PARAMS).
func (c *fxsECChannel) SetEchoCancel(taps int) error { return c.setEchoCancel(taps) }

// fxsPolECChannel has polarity reversal and an echo canceller.
type fxsPolECChannel struct{ fxsPolChannel }

// SetEchoCancel starts (taps 32 to 1024, a power of two) or stops (0) the
// driver's echo canceller (DAHDI_ECHOCANCEL_PARAMS).
func (c *fxsPolECChannel) SetEchoCancel(taps int) error { return c.setEchoCancel(taps) }

// fxsVMWIECChannel has a message lamp and an echo canceller.
type fxsVMWIECChannel struct{ fxsVMWIChannel }

// SetEchoCancel starts (taps 32 to 1024, a power of two) or stops (0) the
// driver's echo canceller (DAHDI_ECHOCANCEL_PARAMS).
func (c *fxsVMWIECChannel) SetEchoCancel(taps int) error { return c.setEchoCancel(taps) }

// fxsPolVMWIECChannel has all three.
type fxsPolVMWIECChannel struct{ fxsPolVMWIChannel }

// SetEchoCancel starts (taps 32 to 1024, a power of two) or stops (0) the
// driver's echo canceller (DAHDI_ECHOCANCEL_PARAMS).
func (c *fxsPolVMWIECChannel) SetEchoCancel(taps int) error { return c.setEchoCancel(taps) }

// dChannel is an HDLC D-channel (DAHDI_SIG_HDLCFCS): the driver adds and
// checks the FCS, but reads hand it over and writes must leave room for it.
type dChannel struct{ *channel }

// ReadHDLC blocks until a frame with a good FCS arrives and copies it,
// without the FCS, into buf.
func (c *dChannel) ReadHDLC(buf []byte) (int, error) {
	for {
		if c.closed.Load() {
			return 0, c.err("read hdlc", hal.ErrClosed)
		}
		n, err := c.f.Read(c.hrbuf)
		if err != nil {
			if isELAST(err) {
				// Aborts, bad FCS and overruns: the frame is gone.
				c.drain()
				continue
			}
			return 0, c.err("read hdlc", err)
		}
		if n <= 2 {
			continue
		}
		n -= 2
		if len(buf) < n {
			return 0, c.err("read hdlc", io.ErrShortBuffer)
		}
		return copy(buf, c.hrbuf[:n]), nil
	}
}

// WriteHDLC sends one frame; the driver computes its FCS.
func (c *dChannel) WriteHDLC(frame []byte) error {
	if len(frame) == 0 || len(frame) > maxHDLC {
		return c.err("write hdlc", fmt.Errorf("frame of %d octets: want 1 to %d", len(frame), maxHDLC))
	}
	if c.closed.Load() {
		return c.err("write hdlc", hal.ErrClosed)
	}
	if wait := hdlcSettle - time.Since(c.opened); wait > 0 {
		time.Sleep(wait)
	}
	c.hwmu.Lock()
	defer c.hwmu.Unlock()
	n := copy(c.hwbuf, frame)
	c.hwbuf[n], c.hwbuf[n+1] = 0, 0
	for {
		_, err := c.f.Write(c.hwbuf[:n+2])
		if err == nil {
			return nil
		}
		if !isELAST(err) {
			return c.err("write hdlc", err)
		}
		c.drain()
	}
}

var (
	_ hal.Gainer           = (*audioChannel)(nil)
	_ hal.RingCadencer     = (*fxsChannel)(nil)
	_ hal.PolarityReverser = (*fxsPolChannel)(nil)
	_ hal.VMWIIndicator    = (*fxsVMWIChannel)(nil)
	_ hal.PolarityReverser = (*fxsPolVMWIChannel)(nil)
	_ hal.VMWIIndicator    = (*fxsPolVMWIChannel)(nil)
	_ hal.HDLC             = (*dChannel)(nil)
	_ hal.EchoCanceller    = (*audioECChannel)(nil)
	_ hal.EchoCanceller    = (*fxsECChannel)(nil)
	_ hal.EchoCanceller    = (*fxsPolECChannel)(nil)
	_ hal.EchoCanceller    = (*fxsVMWIECChannel)(nil)
	_ hal.EchoCanceller    = (*fxsPolVMWIECChannel)(nil)
	_ hal.PolarityReverser = (*fxsPolVMWIECChannel)(nil)
	_ hal.VMWIIndicator    = (*fxsPolVMWIECChannel)(nil)
)
