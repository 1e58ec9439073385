package haltest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"tipring/hal"
)

// Harness is what a backend's test hands to Run.
type Harness struct {
	// Board is the board under test, already opened. Run does not close it.
	Board hal.Board
	// FarEnd returns a driver for the far side of a channel (the phone on an
	// FXS port, the central office behind an FXO port, the network side of a
	// digital channel), or nil when the backend cannot drive that channel.
	// Tests that need a far end skip channels without one.
	FarEnd func(t *testing.T, ch hal.ChannelInfo) FarEnd
	// Now returns the board's time. Boards that run on simulated time must
	// set it; when nil the suite takes the wall clock as the board clock.
	Now func() time.Duration
	// MaxBuffered is the most frames a backend may hold between the line and
	// ReadFrame (its receive buffering). Default 8.
	MaxBuffered int
	// CadenceSlack widens the ring cadence check to this fraction of each
	// interval (beyond the two frames always allowed). Real drivers under
	// CPU emulation time cadences on a kernel timer that slips against the
	// frame clock; hardware and the simulated board leave it 0.
	CadenceSlack float64
}

// FarEnd drives the far side of one channel. Every method may return an
// error that wraps hal.ErrNotSupported when the backend cannot do it for
// this channel; the suite then skips the check that needs it.
type FarEnd interface {
	// GoOffHook: on an FXS channel the phone goes off hook; on an FXO channel
	// the called party answers.
	GoOffHook() error
	// GoOnHook: on an FXS channel the phone hangs up; on an FXO channel the
	// far end disconnects and the office drops loop current.
	GoOnHook() error
	// StartRing makes the office ring an FXO channel; StopRing stops it.
	StartRing() error
	StopRing() error
	// Rings returns how many ring bursts the phone on an FXS channel has
	// sounded so far.
	Rings() (int, error)
	// Send plays samples once into the channel, starting with the next
	// frame: ReadFrame returns them (through the line's companding law).
	Send(samples []int16) error
	// Received returns the last n samples the far end heard from WriteFrame.
	Received(n int) ([]int16, error)
	// Reset returns the far side to idle: on hook, not ringing, silent.
	Reset() error
}

// HDLCFarEnd is implemented by the far end of a D-channel.
type HDLCFarEnd interface {
	// SendHDLC delivers one frame to the channel's ReadHDLC.
	SendHDLC(frame []byte) error
	// ReceiveHDLC returns the next frame the channel wrote with WriteHDLC,
	// waiting a backend-defined time of a few seconds at most.
	ReceiveHDLC() ([]byte, error)
}

const (
	testFreq   = 1004.0 // Hz, ITU-T O.6 test frequency
	testLevel  = -10.0  // dBm0
	levelTol   = 0.5    // dB
	freqTol    = 2.0    // Hz
	guardDelay = 10 * time.Second
	// audioTime is how long each tone is sent; at least three 50 ms blocks
	// of it must arrive intact.
	audioTime = 600 * time.Millisecond
)

// Run runs the conformance suite against h as subtests of t.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.Board == nil {
		t.Fatal("haltest: Harness.Board is nil")
	}
	if h.MaxBuffered <= 0 {
		h.MaxBuffered = 8
	}
	s := &suite{h: h}
	t.Run("Enumerate", s.testEnumerate)
	t.Run("OpenClose", s.testOpenClose)
	t.Run("NoChannel", s.testNoChannel)
	t.Run("ClosedOps", s.testClosedOps)
	t.Run("FrameSize", s.testFrameSize)
	t.Run("Pacing", s.testPacing)
	t.Run("CloseUnblocksRead", s.testCloseUnblocksRead)
	t.Run("NotSupported", s.testNotSupported)
	for _, k := range []hal.ChanKind{hal.KindFXS, hal.KindFXO, hal.KindBearer} {
		t.Run(k.String()+"/AudioOut", func(t *testing.T) { s.testAudioOut(t, k) })
		t.Run(k.String()+"/AudioIn", func(t *testing.T) { s.testAudioIn(t, k) })
		t.Run(k.String()+"/Gains", func(t *testing.T) { s.testGains(t, k) })
	}
	t.Run("FXS/Hook", s.testFXSHook)
	t.Run("FXS/RingTrip", s.testFXSRingTrip)
	t.Run("FXS/RingOff", s.testFXSRingOff)
	t.Run("FXS/LineFeatures", s.testFXSLineFeatures)
	t.Run("FXO/Ring", s.testFXORing)
	t.Run("FXO/Disconnect", s.testFXODisconnect)
	t.Run("D/HDLC", s.testHDLC)
}

type suite struct {
	h Harness
}

// target is one channel picked for a test.
type target struct {
	span hal.Span
	info hal.ChannelInfo
}

func (s *suite) channels() []target {
	var out []target
	for _, sp := range s.h.Board.Spans() {
		for _, ci := range sp.Info().Channels {
			out = append(out, target{sp, ci})
		}
	}
	return out
}

// pick returns the first channel of kind k, and its far end when needFar is
// set (skipping channels without one). It skips the test when none exists.
func (s *suite) pick(t *testing.T, k hal.ChanKind, needFar bool) (target, FarEnd) {
	t.Helper()
	for _, c := range s.channels() {
		if c.info.Kind != k {
			continue
		}
		if !needFar {
			return c, nil
		}
		if s.h.FarEnd == nil {
			break
		}
		if fe := s.h.FarEnd(t, c.info); fe != nil {
			if err := fe.Reset(); err != nil {
				t.Fatalf("far end of %s: reset: %v", c.info.Name, err)
			}
			t.Cleanup(func() {
				if err := fe.Reset(); err != nil {
					t.Errorf("far end of %s: reset: %v", c.info.Name, err)
				}
			})
			return c, fe
		}
	}
	t.Skipf("no %s channel%s", k, map[bool]string{true: " with a far end", false: ""}[needFar])
	return target{}, nil
}

func (s *suite) open(t *testing.T, c target) hal.Channel {
	t.Helper()
	ch, err := c.span.Open(c.info.Chan)
	if err != nil {
		t.Fatalf("open %s: %v", c.info.Name, err)
	}
	t.Cleanup(func() {
		if c.info.Kind == hal.KindFXS || c.info.Kind == hal.KindFXO {
			_ = ch.Hook(hal.HookOnHook)
		}
		_ = ch.Close()
	})
	return ch
}

func (s *suite) now() time.Duration {
	if s.h.Now != nil {
		return s.h.Now()
	}
	return time.Duration(time.Now().UnixNano())
}

// frames returns how many frames of ch cover d.
func frames(ch hal.Channel, d time.Duration) int {
	fd := hal.FrameDuration(ch.FrameSamples())
	return int((d + fd - 1) / fd)
}

// timedEvent is an event and the number of frames read before it was polled.
type timedEvent struct {
	frame int
	ev    hal.Event
}

// pump reads up to n frames from ch, draining events before each read, and
// stops early (returning true) as soon as until reports true for an event.
// until may be nil. A non-nil out receives every frame read.
func pump(t *testing.T, ch hal.Channel, n int, until func(hal.Event) bool, out *[]int16) ([]timedEvent, bool) {
	t.Helper()
	buf := make([]int16, ch.FrameSamples())
	var evs []timedEvent
	for i := 0; ; i++ {
		for {
			ev, ok := ch.PollEvent()
			if !ok {
				break
			}
			evs = append(evs, timedEvent{i, ev})
			if until != nil && until(ev) {
				return evs, true
			}
		}
		if i >= n {
			return evs, false
		}
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatalf("%s: read frame %d: %v", ch.Info().Name, i, err)
		}
		if out != nil {
			*out = append(*out, buf...)
		}
	}
}

func is(k hal.EventKind) func(hal.Event) bool {
	return func(ev hal.Event) bool { return ev.Kind == k }
}

// notSupported reports whether err means the far end cannot do something,
// skipping the test if so, and fails on any other error.
func notSupported(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, hal.ErrNotSupported) {
		t.Skipf("far end cannot %s: %v", what, err)
	}
	t.Fatalf("far end: %s: %v", what, err)
}

// checkChanErr checks that err wraps want and is a *hal.ChannelError naming
// the channel.
func checkChanErr(t *testing.T, op string, info hal.ChannelInfo, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s on %s: got %v, want %v", op, info.Name, err, want)
		return
	}
	var ce *hal.ChannelError
	if !errors.As(err, &ce) {
		t.Errorf("%s on %s: error %v (%T) is not a *hal.ChannelError", op, info.Name, err, err)
		return
	}
	if ce.Span != info.Span || ce.Chan != info.Chan {
		t.Errorf("%s on %s: ChannelError names %d/%d, want %d/%d", op, info.Name, ce.Span, ce.Chan, info.Span, info.Chan)
	}
}

func isAudio(k hal.ChanKind) bool {
	return k == hal.KindFXS || k == hal.KindFXO || k == hal.KindBearer
}

func (s *suite) testEnumerate(t *testing.T) {
	spans := s.h.Board.Spans()
	if len(spans) == 0 {
		t.Fatal("board has no spans")
	}
	if s.h.Board.Name() == "" {
		t.Error("board has no name")
	}
	names := map[string]bool{}
	for i, sp := range spans {
		si := sp.Info()
		if si.Number != i+1 {
			t.Errorf("span %d reports number %d, want %d", i, si.Number, i+1)
		}
		if si.Name == "" {
			t.Errorf("span %d has no name", si.Number)
		}
		switch si.Type {
		case hal.SpanAnalog, hal.SpanE1, hal.SpanT1:
		default:
			t.Errorf("span %d has type %v", si.Number, si.Type)
		}
		if len(si.Channels) == 0 {
			t.Errorf("span %d has no channels", si.Number)
		}
		nums := map[int]bool{}
		for _, ci := range si.Channels {
			if ci.Span != si.Number {
				t.Errorf("span %d lists channel %q with span %d", si.Number, ci.Name, ci.Span)
			}
			if ci.Chan < 1 || nums[ci.Chan] {
				t.Errorf("span %d: channel number %d invalid or repeated", si.Number, ci.Chan)
			}
			nums[ci.Chan] = true
			if ci.Name == "" || names[ci.Name] {
				t.Errorf("span %d channel %d: name %q empty or repeated", si.Number, ci.Chan, ci.Name)
			}
			names[ci.Name] = true
			switch ci.Kind {
			case hal.KindFXS, hal.KindFXO:
				if si.Type != hal.SpanAnalog {
					t.Errorf("%s: analog kind %v on %v span", ci.Name, ci.Kind, si.Type)
				}
			case hal.KindBearer, hal.KindDChannel:
				if si.Type == hal.SpanAnalog {
					t.Errorf("%s: digital kind %v on analog span", ci.Name, ci.Kind)
				}
			default:
				t.Errorf("%s: kind %v", ci.Name, ci.Kind)
			}
		}
		if si.Type == hal.SpanE1 && len(si.Channels) > 31 {
			t.Errorf("E1 span %d has %d channels, at most 31 timeslots exist", si.Number, len(si.Channels))
		}
		if si.Type == hal.SpanT1 && len(si.Channels) > 24 {
			t.Errorf("T1 span %d has %d channels, at most 24 exist", si.Number, len(si.Channels))
		}
		st := sp.Status()
		if st.Alarms&hal.AlarmNotOpen != 0 {
			t.Errorf("span %d reports %v on an opened board", si.Number, st.Alarms)
		}
	}
}

func (s *suite) testOpenClose(t *testing.T) {
	for _, c := range s.channels() {
		ch, err := c.span.Open(c.info.Chan)
		if err != nil {
			t.Errorf("open %s: %v", c.info.Name, err)
			continue
		}
		if got := ch.Info(); got != c.info {
			t.Errorf("open %s: Info() = %+v, span lists %+v", c.info.Name, got, c.info)
		}
		if isAudio(c.info.Kind) {
			n := ch.FrameSamples()
			if n <= 0 || n%hal.SamplesPerMs != 0 {
				t.Errorf("%s: FrameSamples() = %d, want a positive whole number of milliseconds", c.info.Name, n)
			}
		}
		_, err = c.span.Open(c.info.Chan)
		checkChanErr(t, "second open", c.info, err, hal.ErrBusy)
		if err := ch.Close(); err != nil {
			t.Errorf("close %s: %v", c.info.Name, err)
		}
		ch2, err := c.span.Open(c.info.Chan)
		if err != nil {
			t.Errorf("reopen %s after close: %v", c.info.Name, err)
			continue
		}
		// Closing the stale handle again must not close the new one.
		if err := ch.Close(); err != nil && !errors.Is(err, hal.ErrClosed) {
			t.Errorf("second close of %s: %v", c.info.Name, err)
		}
		if _, err := c.span.Open(c.info.Chan); !errors.Is(err, hal.ErrBusy) {
			t.Errorf("%s: closing a stale handle released the reopened channel (open: %v)", c.info.Name, err)
		}
		if err := ch2.Close(); err != nil {
			t.Errorf("close %s: %v", c.info.Name, err)
		}
	}
}

func (s *suite) testNoChannel(t *testing.T) {
	for _, sp := range s.h.Board.Spans() {
		si := sp.Info()
		maxChan := 0
		for _, ci := range si.Channels {
			maxChan = max(maxChan, ci.Chan)
		}
		for _, n := range []int{0, -1, maxChan + 1, 1000} {
			ch, err := sp.Open(n)
			if err == nil {
				_ = ch.Close()
			}
			checkChanErr(t, fmt.Sprintf("open channel %d", n), hal.ChannelInfo{Span: si.Number, Chan: n, Name: fmt.Sprintf("%d/%d", si.Number, n)}, err, hal.ErrNoChannel)
		}
	}
}

func (s *suite) testClosedOps(t *testing.T) {
	done := map[hal.ChanKind]bool{}
	for _, c := range s.channels() {
		if done[c.info.Kind] {
			continue
		}
		done[c.info.Kind] = true
		ch, err := c.span.Open(c.info.Chan)
		if err != nil {
			t.Fatalf("open %s: %v", c.info.Name, err)
		}
		if err := ch.Close(); err != nil {
			t.Fatalf("close %s: %v", c.info.Name, err)
		}
		if isAudio(c.info.Kind) {
			buf := make([]int16, ch.FrameSamples())
			checkChanErr(t, "ReadFrame after close", c.info, ch.ReadFrame(buf), hal.ErrClosed)
			checkChanErr(t, "WriteFrame after close", c.info, ch.WriteFrame(buf), hal.ErrClosed)
		}
		checkChanErr(t, "Hook after close", c.info, ch.Hook(hal.HookOnHook), hal.ErrClosed)
		if hd, ok := ch.(hal.HDLC); ok {
			_, err := hd.ReadHDLC(make([]byte, 300))
			checkChanErr(t, "ReadHDLC after close", c.info, err, hal.ErrClosed)
			checkChanErr(t, "WriteHDLC after close", c.info, hd.WriteHDLC([]byte{1, 2, 3}), hal.ErrClosed)
		}
		if _, ok := ch.PollEvent(); ok {
			t.Errorf("%s: PollEvent after close returned an event", c.info.Name)
		}
	}
}

func (s *suite) testFrameSize(t *testing.T) {
	for _, k := range []hal.ChanKind{hal.KindFXS, hal.KindFXO, hal.KindBearer} {
		for _, c := range s.channels() {
			if c.info.Kind != k {
				continue
			}
			ch := s.open(t, c)
			n := ch.FrameSamples()
			for _, bad := range []int{0, n - 1, n + 1, 2 * n} {
				buf := make([]int16, bad)
				checkChanErr(t, fmt.Sprintf("ReadFrame(%d samples)", bad), c.info, ch.ReadFrame(buf), hal.ErrFrameSize)
				checkChanErr(t, fmt.Sprintf("WriteFrame(%d samples)", bad), c.info, ch.WriteFrame(buf), hal.ErrFrameSize)
			}
			if err := ch.ReadFrame(make([]int16, n)); err != nil {
				t.Errorf("%s: ReadFrame of the right size after errors: %v", c.info.Name, err)
			}
			if err := ch.WriteFrame(make([]int16, n)); err != nil {
				t.Errorf("%s: WriteFrame of the right size: %v", c.info.Name, err)
			}
			_ = ch.Close()
			break
		}
	}
}

func (s *suite) testPacing(t *testing.T) {
	var c target
	found := false
	for _, cc := range s.channels() {
		if isAudio(cc.info.Kind) {
			c, found = cc, true
			break
		}
	}
	if !found {
		t.Skip("no audio channel")
	}
	ch := s.open(t, c)
	fd := hal.FrameDuration(ch.FrameSamples())
	buf := make([]int16, ch.FrameSamples())
	// Drain whatever the backend buffered before the first read.
	for range s.h.MaxBuffered {
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatal(err)
		}
	}
	const n = 50
	start := s.now()
	prev := start
	for i := range n {
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		now := s.now()
		if now < prev {
			t.Fatalf("board time went back from %v to %v", prev, now)
		}
		prev = now
	}
	elapsed := prev - start
	if minimum := time.Duration(n-s.h.MaxBuffered) * fd; elapsed < minimum {
		t.Errorf("%d reads of %v frames took %v of board time, want at least %v", n, fd, elapsed, minimum)
	}
}

func (s *suite) testCloseUnblocksRead(t *testing.T) {
	for _, c := range s.channels() {
		if !isAudio(c.info.Kind) {
			continue
		}
		ch, err := c.span.Open(c.info.Chan)
		if err != nil {
			t.Fatal(err)
		}
		res := make(chan error, 1)
		started := make(chan struct{})
		go func() {
			buf := make([]int16, ch.FrameSamples())
			close(started)
			for {
				if err := ch.ReadFrame(buf); err != nil {
					res <- err
					return
				}
			}
		}()
		<-started
		if err := ch.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		select {
		case err := <-res:
			checkChanErr(t, "ReadFrame blocked during Close", c.info, err, hal.ErrClosed)
		case <-time.After(guardDelay):
			t.Fatalf("%s: ReadFrame did not return after Close", c.info.Name)
		}
		return
	}
	t.Skip("no audio channel")
}

func (s *suite) testNotSupported(t *testing.T) {
	bad := map[hal.ChanKind][]hal.Hook{
		hal.KindFXS:      {hal.HookOffHook, hal.HookFlash, hal.HookWink},
		hal.KindFXO:      {hal.HookRing, hal.HookRingOff, hal.HookWink},
		hal.KindBearer:   {hal.HookRing, hal.HookRingOff, hal.HookFlash, hal.HookWink},
		hal.KindDChannel: {hal.HookRing, hal.HookRingOff, hal.HookFlash, hal.HookWink},
	}
	done := map[hal.ChanKind]bool{}
	for _, c := range s.channels() {
		if done[c.info.Kind] {
			continue
		}
		done[c.info.Kind] = true
		ch := s.open(t, c)
		for _, op := range bad[c.info.Kind] {
			checkChanErr(t, "Hook("+op.String()+")", c.info, ch.Hook(op), hal.ErrNotSupported)
		}
		if c.info.Kind == hal.KindDChannel {
			n := max(ch.FrameSamples(), 1)
			checkChanErr(t, "ReadFrame on a D-channel", c.info, ch.ReadFrame(make([]int16, n)), hal.ErrNotSupported)
		}
		if c.info.Kind == hal.KindFXS || c.info.Kind == hal.KindFXO {
			if err := ch.Hook(hal.HookOnHook); err != nil {
				t.Errorf("%s: Hook(onhook): %v", c.info.Name, err)
			}
		}
		_ = ch.Close()
	}
}

// connect brings the channel into a state where audio flows both ways.
func (s *suite) connect(t *testing.T, ch hal.Channel, fe FarEnd) {
	t.Helper()
	switch ch.Info().Kind {
	case hal.KindFXS:
		notSupported(t, "go off hook", fe.GoOffHook())
		if _, ok := pump(t, ch, frames(ch, 2*time.Second), is(hal.EventOffHook), nil); !ok {
			t.Fatal("no EventOffHook after the phone went off hook")
		}
	case hal.KindFXO:
		notSupported(t, "ring", fe.StartRing())
		if _, ok := pump(t, ch, frames(ch, 15*time.Second), is(hal.EventRingBegin), nil); !ok {
			t.Fatal("no EventRingBegin while the office rings")
		}
		if err := ch.Hook(hal.HookOffHook); err != nil {
			t.Fatalf("answer: %v", err)
		}
		evs, _ := pump(t, ch, frames(ch, 300*time.Millisecond), nil, nil)
		for _, e := range evs {
			if e.ev.Kind == hal.EventRingBegin {
				t.Errorf("ringing went on after the line was answered (event at frame %d)", e.frame)
			}
		}
	}
}

// measureOut writes a test tone at level for d and returns the level and
// frequency the far end heard.
func measureOut(t *testing.T, ch hal.Channel, fe FarEnd, level float64, d time.Duration) (float64, float64) {
	t.Helper()
	n := ch.FrameSamples()
	buf := make([]int16, n)
	tone := make([]int16, n)
	phase := 0.0
	for range frames(ch, d) {
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatal(err)
		}
		phase = sine(tone, testFreq, level, phase)
		if err := ch.WriteFrame(tone); err != nil {
			t.Fatal(err)
		}
	}
	got, err := fe.Received(int(d / (time.Second / hal.SampleRate)))
	notSupported(t, "record", err)
	return analyse(t, got)
}

// measureIn has the far end send a test tone at level for d and returns the
// level and frequency read from the channel.
func (s *suite) measureIn(t *testing.T, ch hal.Channel, fe FarEnd, level float64, d time.Duration) (float64, float64) {
	t.Helper()
	tone := make([]int16, int(d/time.Millisecond)*hal.SamplesPerMs)
	sine(tone, testFreq, level, 0)
	notSupported(t, "send audio", fe.Send(tone))
	var got []int16
	// Frames buffered before Send come first.
	pump(t, ch, frames(ch, d)+s.h.MaxBuffered+2, nil, &got)
	return analyse(t, got)
}

func analyse(t *testing.T, x []int16) (float64, float64) {
	t.Helper()
	// Measure 50 ms blocks that hold tone throughout and take the median,
	// so that a frame lost or repeated by a realtime reader woken late
	// (a gap, or a phase jump) does not move the result.
	var levels, freqs []float64
	for _, blk := range activeBlocks(x, 400, 40) {
		levels = append(levels, levelDBm0(blk))
		freqs = append(freqs, frequency(blk))
	}
	if len(levels) < 3 {
		t.Fatalf("no tone: %d blocks of 50 ms above -50 dBm0 in %d samples (level of all %.1f dBm0)", len(levels), len(x), levelDBm0(x))
	}
	return median(levels), median(freqs)
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func checkTone(t *testing.T, what string, level, freq, wantLevel float64) {
	t.Helper()
	t.Logf("%s: %.2f dBm0 at %.2f Hz", what, level, freq)
	if math.Abs(level-wantLevel) > levelTol {
		t.Errorf("%s: level %.2f dBm0, want %.1f ± %.1f", what, level, wantLevel, levelTol)
	}
	if math.Abs(freq-testFreq) > freqTol {
		t.Errorf("%s: frequency %.2f Hz, want %.0f ± %.0f", what, freq, testFreq, freqTol)
	}
}

func (s *suite) testAudioOut(t *testing.T, k hal.ChanKind) {
	c, fe := s.pick(t, k, true)
	ch := s.open(t, c)
	s.connect(t, ch, fe)
	level, freq := measureOut(t, ch, fe, testLevel, audioTime)
	checkTone(t, "channel to far end", level, freq, testLevel)
}

func (s *suite) testAudioIn(t *testing.T, k hal.ChanKind) {
	c, fe := s.pick(t, k, true)
	ch := s.open(t, c)
	s.connect(t, ch, fe)
	level, freq := s.measureIn(t, ch, fe, testLevel, audioTime)
	checkTone(t, "far end to channel", level, freq, testLevel)
}

func (s *suite) testGains(t *testing.T, k hal.ChanKind) {
	c, fe := s.pick(t, k, true)
	ch := s.open(t, c)
	g, ok := ch.(hal.Gainer)
	if !ok {
		t.Skipf("%s does not implement hal.Gainer", c.info.Name)
	}
	s.connect(t, ch, fe)
	t.Cleanup(func() { _ = g.SetGains(0, 0) })
	if err := g.SetGains(-6, 0); err != nil {
		t.Fatalf("SetGains(-6, 0): %v", err)
	}
	level, freq := s.measureIn(t, ch, fe, testLevel, audioTime)
	checkTone(t, "far end to channel with -6 dB receive gain", level, freq, testLevel-6)
	if err := g.SetGains(0, -6); err != nil {
		t.Fatalf("SetGains(0, -6): %v", err)
	}
	level, freq = measureOut(t, ch, fe, testLevel, audioTime)
	checkTone(t, "channel to far end with -6 dB transmit gain", level, freq, testLevel-6)
	if err := g.SetGains(0, 0); err != nil {
		t.Fatalf("SetGains(0, 0): %v", err)
	}
	level, freq = s.measureIn(t, ch, fe, testLevel, audioTime)
	checkTone(t, "far end to channel with gains back at 0 dB", level, freq, testLevel)
}

// hookEvents keeps the hook events of evs.
func hookEvents(evs []timedEvent) []hal.EventKind {
	var out []hal.EventKind
	for _, e := range evs {
		if e.ev.Kind == hal.EventOffHook || e.ev.Kind == hal.EventOnHook {
			out = append(out, e.ev.Kind)
		}
	}
	return out
}

func (s *suite) testFXSHook(t *testing.T) {
	c, fe := s.pick(t, hal.KindFXS, true)
	ch := s.open(t, c)
	notSupported(t, "go off hook", fe.GoOffHook())
	evs, _ := pump(t, ch, frames(ch, 2*time.Second), is(hal.EventOffHook), nil)
	notSupported(t, "go on hook", fe.GoOnHook())
	more, _ := pump(t, ch, frames(ch, 2*time.Second), is(hal.EventOnHook), nil)
	evs = append(evs, more...)
	got := hookEvents(evs)
	want := []hal.EventKind{hal.EventOffHook, hal.EventOnHook}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("hook events %v, want %v", got, want)
	}
}

// ringSetup opens an FXS channel with a short cadence when it can be set.
func (s *suite) ringSetup(t *testing.T) (hal.Channel, FarEnd, time.Duration, time.Duration, bool) {
	c, fe := s.pick(t, hal.KindFXS, true)
	ch := s.open(t, c)
	on, off := 300*time.Millisecond, 500*time.Millisecond
	rc, ok := ch.(hal.RingCadencer)
	if ok {
		if err := rc.SetRingCadence([]time.Duration{on, off}); err != nil {
			t.Fatalf("SetRingCadence: %v", err)
		}
	} else {
		on, off = 3*time.Second, 6*time.Second
	}
	return ch, fe, on, off, ok
}

func (s *suite) testFXSRingTrip(t *testing.T) {
	ch, fe, on, off, cadenced := s.ringSetup(t)
	if err := ch.Hook(hal.HookRing); err != nil {
		t.Fatalf("Hook(ring): %v", err)
	}
	seen := 0
	evs, ok := pump(t, ch, frames(ch, 2*(on+off)+time.Second), func(ev hal.Event) bool {
		if ev.Kind == hal.EventRingerOn {
			seen++
		}
		return seen == 2
	}, nil)
	if !ok {
		t.Fatalf("no second EventRingerOn; events %v", evs)
	}
	var kinds []hal.EventKind
	var at []int
	for _, e := range evs {
		kinds = append(kinds, e.ev.Kind)
		at = append(at, e.frame)
	}
	want := []hal.EventKind{hal.EventRingerOn, hal.EventRingerOff, hal.EventRingerOn}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("ring events %v, want %v", kinds, want)
	}
	if cadenced {
		// One frame of quantisation at each edge, one for buffering.
		tol := func(w int) int { return 2 + int(s.h.CadenceSlack*float64(w)) }
		if got, w := at[1]-at[0], frames(ch, on); abs(got-w) > tol(w) {
			t.Errorf("ring burst lasted %d frames, cadence says %d", got, w)
		}
		if got, w := at[2]-at[1], frames(ch, off); abs(got-w) > tol(w) {
			t.Errorf("ring pause lasted %d frames, cadence says %d", got, w)
		}
	}
	// The phone may hear the second burst a little after the channel
	// reports it (real line cards ramp the ringing voltage up); give it
	// the burst's length.
	n, err := fe.Rings()
	for i := 0; err == nil && n < 2 && i < frames(ch, on); i++ {
		pump(t, ch, 1, nil, nil)
		n, err = fe.Rings()
	}
	if err == nil && n < 2 {
		t.Errorf("far end counted %d ring bursts, want at least 2", n)
	}
	// Ring trip: the phone answers during a burst.
	notSupported(t, "go off hook", fe.GoOffHook())
	if evs, ok := pump(t, ch, frames(ch, 2*time.Second), is(hal.EventOffHook), nil); !ok {
		t.Fatalf("no EventOffHook on ring trip; events %v", evs)
	}
	rings, err := fe.Rings()
	evs, _ = pump(t, ch, frames(ch, on+off+on), nil, nil)
	for _, e := range evs {
		if e.ev.Kind == hal.EventRingerOn || e.ev.Kind == hal.EventOnHook {
			t.Errorf("after ring trip: unexpected %v", e.ev)
		}
	}
	if n, _ := fe.Rings(); err == nil && n != rings {
		t.Errorf("phone kept ringing after ring trip: %d bursts, then %d", rings, n)
	}
}

func (s *suite) testFXSRingOff(t *testing.T) {
	ch, _, on, off, _ := s.ringSetup(t)
	if err := ch.Hook(hal.HookRing); err != nil {
		t.Fatalf("Hook(ring): %v", err)
	}
	if evs, ok := pump(t, ch, frames(ch, on+off+time.Second), is(hal.EventRingerOn), nil); !ok {
		t.Fatalf("no EventRingerOn; events %v", evs)
	}
	if err := ch.Hook(hal.HookRingOff); err != nil {
		t.Fatalf("Hook(ringoff): %v", err)
	}
	evs, _ := pump(t, ch, frames(ch, 2*(on+off)), nil, nil)
	for _, e := range evs {
		if e.ev.Kind != hal.EventRingerOff {
			t.Errorf("after ringoff: unexpected %v", e.ev)
		}
	}
}

func (s *suite) testFXSLineFeatures(t *testing.T) {
	c, _ := s.pick(t, hal.KindFXS, false)
	ch := s.open(t, c)
	tested := 0
	if p, ok := ch.(hal.PolarityReverser); ok {
		tested++
		for _, r := range []bool{true, false} {
			if err := p.SetPolarity(r); err != nil {
				t.Errorf("SetPolarity(%v): %v", r, err)
			}
		}
	}
	if v, ok := ch.(hal.VMWIIndicator); ok {
		tested++
		for _, a := range []bool{true, false} {
			if err := v.SetVMWI(a); err != nil {
				t.Errorf("SetVMWI(%v): %v", a, err)
			}
		}
	}
	if rc, ok := ch.(hal.RingCadencer); ok {
		tested++
		for _, bad := range [][]time.Duration{nil, {time.Second}, {time.Second, -time.Second}, {0, 0}} {
			if err := rc.SetRingCadence(bad); err == nil {
				t.Errorf("SetRingCadence(%v) accepted an invalid cadence", bad)
			}
		}
	}
	if tested == 0 {
		t.Skip("no optional line features")
	}
	// The channel must still work after the commands.
	pump(t, ch, 2, nil, nil)
}

func (s *suite) testFXORing(t *testing.T) {
	c, fe := s.pick(t, hal.KindFXO, true)
	ch := s.open(t, c)
	notSupported(t, "ring", fe.StartRing())
	begins := 0
	evs, ok := pump(t, ch, frames(ch, 30*time.Second), func(ev hal.Event) bool {
		if ev.Kind == hal.EventRingBegin {
			begins++
		}
		return begins == 2
	}, nil)
	if !ok {
		t.Fatalf("no second EventRingBegin within 30 s; events %v", evs)
	}
	var kinds []hal.EventKind
	for _, e := range evs {
		kinds = append(kinds, e.ev.Kind)
	}
	want := []hal.EventKind{hal.EventRingBegin, hal.EventRingEnd, hal.EventRingBegin}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("ring events %v, want %v", kinds, want)
	}
	if evs[1].frame <= evs[0].frame {
		t.Errorf("ring burst lasted %d frames", evs[1].frame-evs[0].frame)
	}
	// Stop during the second burst: its end may still be reported, but no
	// further burst may begin.
	notSupported(t, "stop ringing", fe.StopRing())
	evs, _ = pump(t, ch, frames(ch, 2*time.Second), nil, nil)
	for i, e := range evs {
		if e.ev.Kind != hal.EventRingEnd || i > 0 {
			t.Errorf("after StopRing: unexpected %v (frame %d)", e.ev, e.frame)
		}
	}
}

func (s *suite) testFXODisconnect(t *testing.T) {
	c, fe := s.pick(t, hal.KindFXO, true)
	ch := s.open(t, c)
	s.connect(t, ch, fe)
	notSupported(t, "hang up", fe.GoOnHook())
	if evs, ok := pump(t, ch, frames(ch, 2*time.Second), is(hal.EventOnHook), nil); !ok {
		t.Fatalf("no EventOnHook after the far end hung up; events %v", evs)
	}
	if err := ch.Hook(hal.HookOnHook); err != nil {
		t.Fatalf("release: %v", err)
	}
}

func (s *suite) testHDLC(t *testing.T) {
	c, fe := s.pick(t, hal.KindDChannel, true)
	ch := s.open(t, c)
	hd, ok := ch.(hal.HDLC)
	if !ok {
		t.Fatalf("%s is a D-channel but does not implement hal.HDLC", c.info.Name)
	}
	hf, ok := fe.(HDLCFarEnd)
	if !ok {
		t.Skipf("far end of %s cannot carry HDLC frames", c.info.Name)
	}
	// A Q.921 SABME (address SAPI 0 TEI 0, control 0x7F) and a long I-frame.
	frames := [][]byte{{0x00, 0x01, 0x7f}, make([]byte, 260)}
	for i := range frames[1] {
		frames[1][i] = byte(i * 7)
	}
	for _, f := range frames {
		if err := hd.WriteHDLC(f); err != nil {
			t.Fatalf("WriteHDLC: %v", err)
		}
	}
	for _, f := range frames {
		got, err := hf.ReceiveHDLC()
		if err != nil {
			t.Fatalf("far end ReceiveHDLC: %v", err)
		}
		if !bytes.Equal(got, f) {
			t.Errorf("far end received % x, want % x", got, f)
		}
	}
	type result struct {
		b   []byte
		err error
	}
	res := make(chan result, 1)
	read := func() {
		buf := make([]byte, 512)
		n, err := hd.ReadHDLC(buf)
		res <- result{buf[:max(n, 0)], err}
	}
	for _, f := range frames {
		if err := hf.SendHDLC(f); err != nil {
			t.Fatalf("far end SendHDLC: %v", err)
		}
		go read()
		select {
		case r := <-res:
			if r.err != nil {
				t.Fatalf("ReadHDLC: %v", r.err)
			}
			if !bytes.Equal(r.b, f) {
				t.Errorf("ReadHDLC got % x, want % x", r.b, f)
			}
		case <-time.After(guardDelay):
			t.Fatal("ReadHDLC did not return a frame the far end sent")
		}
	}
	// Close unblocks a waiting ReadHDLC.
	go read()
	if err := ch.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	select {
	case r := <-res:
		checkChanErr(t, "ReadHDLC blocked during Close", c.info, r.err, hal.ErrClosed)
	case <-time.After(guardDelay):
		t.Fatal("ReadHDLC did not return after Close")
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
