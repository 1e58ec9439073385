package sim_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"tipring/hal"
	"tipring/hal/haltest"
	"tipring/hal/sim"
)

// farEnd adapts the board's control surface to haltest.FarEnd.
type farEnd struct {
	phone *sim.Phone
	line  *sim.Line
	party *sim.Party
	net   *sim.Network
}

func unsupported(what string) error {
	return fmt.Errorf("sim far end: %s: %w", what, hal.ErrNotSupported)
}

func (f *farEnd) GoOffHook() error {
	switch {
	case f.phone != nil:
		f.phone.OffHook()
		return nil
	case f.line != nil:
		return f.line.Answer()
	}
	return unsupported("off hook")
}

func (f *farEnd) GoOnHook() error {
	switch {
	case f.phone != nil:
		f.phone.OnHook()
		return nil
	case f.line != nil:
		f.line.Hangup()
		return nil
	}
	return unsupported("on hook")
}

func (f *farEnd) StartRing() error {
	if f.line == nil {
		return unsupported("ring")
	}
	return f.line.Ring("5551234", "Conformance")
}

func (f *farEnd) StopRing() error {
	if f.line == nil {
		return unsupported("stop ring")
	}
	f.line.StopRing()
	return nil
}

func (f *farEnd) Rings() (int, error) {
	if f.phone == nil {
		return 0, unsupported("rings")
	}
	return f.phone.Rings(), nil
}

func (f *farEnd) Send(s []int16) error {
	switch {
	case f.phone != nil:
		f.phone.PlaySamples(s, false)
	case f.line != nil:
		f.line.PlaySamples(s, false)
	case f.party != nil:
		f.party.PlaySamples(s, false)
	default:
		return unsupported("send")
	}
	return nil
}

func durationOf(n int) time.Duration { return time.Duration(n) * time.Second / hal.SampleRate }

func (f *farEnd) Received(n int) ([]int16, error) {
	switch {
	case f.phone != nil:
		return f.phone.Heard(durationOf(n)), nil
	case f.line != nil:
		return f.line.Heard(durationOf(n)), nil
	case f.party != nil:
		return f.party.Heard(durationOf(n)), nil
	}
	return nil, unsupported("receive")
}

func (f *farEnd) Reset() error {
	switch {
	case f.phone != nil:
		f.phone.OnHook()
		f.phone.StopPlay()
	case f.line != nil:
		f.line.StopRing()
		f.line.StopPlay()
	case f.party != nil:
		f.party.StopPlay()
	}
	return nil
}

func (f *farEnd) SendHDLC(frame []byte) error {
	if f.net == nil {
		return unsupported("send HDLC")
	}
	return f.net.SendHDLC(frame)
}

func (f *farEnd) ReceiveHDLC() ([]byte, error) {
	if f.net == nil {
		return nil, unsupported("receive HDLC")
	}
	return f.net.ReceiveHDLC(2 * time.Second)
}

// harness builds the haltest harness for b.
func harness(b *sim.Board) haltest.Harness {
	return haltest.Harness{
		Board:       b,
		Now:         b.Now,
		MaxBuffered: sim.RxBuffers,
		FarEnd: func(t *testing.T, ci hal.ChannelInfo) haltest.FarEnd {
			switch ci.Kind {
			case hal.KindFXS:
				p, err := b.Phone(b.PortOf(ci))
				if err != nil {
					t.Fatal(err)
				}
				return &farEnd{phone: p}
			case hal.KindFXO:
				l, err := b.Line(b.PortOf(ci))
				if err != nil {
					t.Fatal(err)
				}
				return &farEnd{line: l}
			case hal.KindBearer:
				n, err := b.Network(ci.Span)
				if err != nil {
					t.Fatal(err)
				}
				p, err := n.Bearer(ci.Chan)
				if err != nil {
					t.Fatal(err)
				}
				return &farEnd{party: p}
			case hal.KindDChannel:
				n, err := b.Network(ci.Span)
				if err != nil {
					t.Fatal(err)
				}
				return &farEnd{net: n}
			}
			return nil
		},
	}
}

func newBoard(t testing.TB, cfg sim.Config) *sim.Board {
	t.Helper()
	b, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestConformanceFast(t *testing.T) {
	for _, ms := range []int{10, 20, 30} {
		for _, law := range []string{"ulaw", "alaw"} {
			t.Run(fmt.Sprintf("%dms/%s", ms, law), func(t *testing.T) {
				b := newBoard(t, sim.Config{FrameMs: ms, Fast: true, Law: law})
				haltest.Run(t, harness(b))
			})
		}
	}
}

// TestConformanceRealtime runs the suite on the wall clock, with 20 ms
// frames: it checks the realtime clock's pacing path. Every frame size runs
// sample-exact in fast mode (TestConformanceFast); realtime runs of each size
// on a small, busy machine would measure the scheduler rather than the board
// (TIPRING_SIM_REALTIME_ALL=1 runs them all).
func TestConformanceRealtime(t *testing.T) {
	sizes := []int{20}
	if os.Getenv("TIPRING_SIM_REALTIME_ALL") != "" {
		sizes = []int{20, 10, 30}
	}
	for _, ms := range sizes {
		t.Run(fmt.Sprintf("%dms", ms), func(t *testing.T) {
			// The uk cadence (0.4 s bursts) keeps the ringing tests short.
			b := newBoard(t, sim.Config{FrameMs: ms, Zone: "uk", FXS: 1, FXO: 1})
			haltest.Run(t, harness(b))
		})
	}
}
