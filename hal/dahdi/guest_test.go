//go:build linux

package dahdi

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"tipring/hal"
	"tipring/hal/haltest"
)

// The tests in this file need the DAHDI driver with the span layout of
// scripts/dahdi-vm/guest-init.sh: spans DYN/loc/K:0 and DYN/loc/K:1 with
// the same key K are linked back to back, channel n to channel n. They run
// in the qemu guest (make test-dahdi) and skip elsewhere.

func guestBoard(t *testing.T) *Board {
	t.Helper()
	if os.Getenv("DAHDI_GUEST") == "" {
		t.Skip("needs the DAHDI driver: run make test-dahdi")
	}
	cfg := Config{}
	if os.Getenv("DAHDI_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// partner returns the channel linked to ci: same position on the span with
// the same dynamic_loc key and the other id.
func partner(b *Board, ci hal.ChannelInfo) (*span, bool) {
	name := b.spans[ci.Span-1].info.Name
	key, id, ok := strings.Cut(strings.TrimPrefix(name, "DYN/loc/"), ":")
	if !ok || !strings.HasPrefix(name, "DYN/loc/") {
		return nil, false
	}
	other := map[string]string{"0": "1", "1": "0"}[id]
	for _, s := range b.spans {
		if s.info.Name == "DYN/loc/"+key+":"+other {
			return s, true
		}
	}
	return nil, false
}

// farEnd drives the linked channel of a channel under test through the
// same backend: the fxsks channel is the phone of an FXS port, the fxoks
// channel the office of an FXO port, the other span's B- or D-channel the
// network. A goroutine keeps its audio flowing: it reads every frame
// (recording what it hears), writes what Send queued or silence, and
// watches the receive hook state for ringing voltage.
type farEnd struct {
	under hal.ChanKind
	ch    hal.Channel
	raw   *channel

	mu      sync.Mutex
	heard   []int16
	play    []int16
	rings   int
	ringing bool
	offHook bool
	err     error

	answered time.Time // FXO under test: when the office saw the answer

	hdlc chan []byte
	done chan struct{}
}

// hungUp records when each phone last went on hook, across the far ends
// of successive tests.
var hungUp sync.Map // channel name -> time.Time

const (
	// onHookMin is the least time a phone stays on hook before it goes
	// off hook again. DAHDI reports an on-hook shorter than 1.25 s
	// (rxflashtime) as a flash, and its on-hook timer runs on while the
	// port is closed and reopened, so a phone that picks up again sooner
	// is flashing, not calling.
	onHookMin = 1500 * time.Millisecond
	// answerDebounce is how long after answering an FXO port ignores a
	// loop current drop: DAHDI's fxsks off-hook debounce
	// (DAHDI_DEFAULT_DEBOUNCETIME, 600 ms) plus margin. An office's
	// kewlstart disconnect (a 500 ms battery drop) inside it is lost.
	answerDebounce = 700 * time.Millisecond
)

const heardKeep = 4 * hal.SampleRate

func newFarEnd(t *testing.T, b *Board, ci hal.ChannelInfo) haltest.FarEnd {
	sp, ok := partner(b, ci)
	if !ok {
		return nil
	}
	ch, err := sp.Open(ci.Chan)
	if err != nil {
		t.Fatalf("far end of %s: %v", ci.Name, err)
	}
	fe := &farEnd{under: ci.Kind, ch: ch, raw: rawOf(ch), done: make(chan struct{})}
	if ci.Kind == hal.KindDChannel {
		fe.hdlc = make(chan []byte, 16)
		go fe.readHDLC()
	} else {
		go fe.run()
	}
	t.Cleanup(func() {
		_ = ch.Close()
		select {
		case <-fe.done:
		case <-time.After(5 * time.Second):
			t.Errorf("far end of %s did not stop", ci.Name)
		}
		if fe.err != nil && !errors.Is(fe.err, hal.ErrClosed) {
			t.Errorf("far end of %s: %v", ci.Name, fe.err)
		}
	})
	return fe
}

func rawOf(ch hal.Channel) *channel {
	r, ok := ch.(interface{ raw() *channel })
	if !ok {
		panic(fmt.Sprintf("unknown channel type %T", ch))
	}
	return r.raw()
}

func (f *farEnd) run() {
	defer close(f.done)
	n := f.ch.FrameSamples()
	rx := make([]int16, n)
	tx := make([]int16, n)
	for {
		if err := f.ch.ReadFrame(rx); err != nil {
			f.err = err
			return
		}
		for {
			ev, ok := f.ch.PollEvent()
			if !ok {
				break
			}
			if ev.Kind == hal.EventOffHook {
				f.mu.Lock()
				f.answered = time.Now()
				f.mu.Unlock()
			}
		}
		f.sampleRing()
		f.mu.Lock()
		f.heard = append(f.heard, rx...)
		if len(f.heard) > 2*heardKeep {
			f.heard = append(f.heard[:0], f.heard[len(f.heard)-heardKeep:]...)
		}
		k := copy(tx, f.play)
		f.play = f.play[k:]
		clear(tx[k:])
		f.mu.Unlock()
		if err := f.ch.WriteFrame(tx); err != nil {
			f.err = err
			return
		}
	}
}

// sampleRing samples the phone's receive hook state for ringing voltage
// and counts the bursts.
func (f *farEnd) sampleRing() {
	if f.under != hal.KindFXS {
		return
	}
	var p dahdiParams
	if f.raw.ioctl(ioctlGetParams, unsafe.Pointer(&p)) != nil {
		return
	}
	ringNow := p.Rxhooksig == rxsigRing
	f.mu.Lock()
	if ringNow && !f.ringing {
		f.rings++
	}
	f.ringing = ringNow
	f.mu.Unlock()
}

func (f *farEnd) readHDLC() {
	defer close(f.done)
	hd := f.ch.(hal.HDLC)
	buf := make([]byte, 1024)
	for {
		n, err := hd.ReadHDLC(buf)
		if err != nil {
			f.err = err
			return
		}
		select {
		case f.hdlc <- append([]byte(nil), buf[:n]...):
		default:
		}
	}
}

func unsupported(what string) error {
	return fmt.Errorf("dahdi far end: %s: %w", what, hal.ErrNotSupported)
}

func (f *farEnd) GoOffHook() error {
	if f.under != hal.KindFXS {
		return unsupported("off hook")
	}
	if v, ok := hungUp.Load(f.ch.Info().Name); ok {
		if wait := onHookMin - time.Since(v.(time.Time)); wait > 0 {
			time.Sleep(wait)
		}
	}
	f.mu.Lock()
	f.offHook = true
	f.mu.Unlock()
	err := f.ch.Hook(hal.HookOffHook)
	if os.Getenv("DAHDI_DEBUG") != "" {
		var p dahdiParams
		f.raw.ioctl(ioctlGetParams, unsafe.Pointer(&p))
		f.raw.b.log.Debug("far end off hook", "err", err, "rxbits", p.Rxbits, "txbits", p.Txbits, "txhook", p.Txhooksig, "rxhook", p.Rxhooksig)
	}
	return err
}

func (f *farEnd) GoOnHook() error {
	switch f.under {
	case hal.KindFXS:
		f.mu.Lock()
		f.offHook = false
		f.mu.Unlock()
		hungUp.Store(f.ch.Info().Name, time.Now())
		return f.ch.Hook(hal.HookOnHook)
	case hal.KindFXO:
		// The office drops loop current: a kewlstart battery drop.
		f.mu.Lock()
		answered := f.answered
		f.mu.Unlock()
		if wait := answerDebounce - time.Since(answered); wait > 0 {
			time.Sleep(wait)
		}
		return f.ch.Hook(hal.HookOnHook)
	}
	return unsupported("on hook")
}

func (f *farEnd) StartRing() error {
	if f.under != hal.KindFXO {
		return unsupported("ring")
	}
	// The office port may still be in the kewlstart battery drop of the
	// last disconnect, waiting for the line's hang-up to be confirmed.
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := f.ch.Hook(hal.HookRing)
		if err == nil || !errors.Is(err, syscall.EBUSY) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *farEnd) StopRing() error {
	if f.under != hal.KindFXO {
		return unsupported("stop ring")
	}
	return f.ch.Hook(hal.HookRingOff)
}

func (f *farEnd) Rings() (int, error) {
	if f.under != hal.KindFXS {
		return 0, unsupported("rings")
	}
	// The phone hears ringing voltage a chunk or so after the port
	// starts a burst; sample now rather than wait for the next frame.
	f.sampleRing()
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rings, nil
}

func (f *farEnd) Send(samples []int16) error {
	if f.hdlc != nil {
		return unsupported("send audio")
	}
	f.mu.Lock()
	f.play = append(f.play[:0], samples...)
	f.mu.Unlock()
	return nil
}

func (f *farEnd) Received(n int) ([]int16, error) {
	if f.hdlc != nil {
		return nil, unsupported("record audio")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	h := f.heard
	if len(h) > n {
		h = h[len(h)-n:]
	}
	return append([]int16(nil), h...), nil
}

func (f *farEnd) Reset() error {
	f.mu.Lock()
	f.play = nil
	off := f.offHook
	f.offHook = false
	f.mu.Unlock()
	switch f.under {
	case hal.KindFXS:
		// Only hang up a phone that is off hook: DAHDI_HOOK ONHOOK on an
		// fxsks channel holds off ring detection for 2 s.
		if off {
			hungUp.Store(f.ch.Info().Name, time.Now())
			err := f.ch.Hook(hal.HookOnHook)
			// Let the hang-up reach the port (one chunk, longer under
			// emulation) before the next test drives it.
			time.Sleep(100 * time.Millisecond)
			return err
		}
	case hal.KindFXO:
		return f.ch.Hook(hal.HookOnHook)
	}
	return nil
}

func (f *farEnd) SendHDLC(frame []byte) error {
	hd, ok := f.ch.(hal.HDLC)
	if !ok {
		return unsupported("send HDLC")
	}
	return hd.WriteHDLC(frame)
}

func (f *farEnd) ReceiveHDLC() ([]byte, error) {
	if f.hdlc == nil {
		return nil, unsupported("receive HDLC")
	}
	select {
	case fr := <-f.hdlc:
		return fr, nil
	case <-time.After(3 * time.Second):
		return nil, errors.New("dahdi far end: no HDLC frame within 3 s")
	}
}

// TestConformance runs hal/haltest against the real driver.
func TestConformance(t *testing.T) {
	b := guestBoard(t)
	haltest.Run(t, haltest.Harness{
		Board: b,
		FarEnd: func(t *testing.T, ci hal.ChannelInfo) haltest.FarEnd {
			return newFarEnd(t, b, ci)
		},
		// Under TCG the driver's ring cadence timer slips against the
		// dynamic span's frame clock when the host is busy.
		CadenceSlack: 0.5,
	})
}
