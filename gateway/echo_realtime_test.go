package gateway

import (
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// newRealtimeRig is newRig on a board that runs on the wall clock: frames
// come every 20 ms whatever the channel loops do, written frames queue on
// the card, and a loop that wakes late reads several frames back to back.
func newRealtimeRig(t *testing.T, zone string, simCfg sim.Config, cfg Config) *rig {
	t.Helper()
	simCfg.Fast = false
	simCfg.Zone = zone
	b, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Zone = zone
	cfg.Ports = []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}}
	cdr := &memCDR{}
	gw, err := New(Options{Config: cfg, Board: b, CDR: cdr})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	runGateway(t, b, gw)
	return &rig{board: b, gw: gw, cdr: cdr}
}

// TestRealtimeLineCallWithHybridEcho is a phone's call out over an office
// line on a realtime board with the default hybrid echo on both analog
// ports (20 dB, 4 ms), so that both line echo cancellers run in tandem
// (G.168). The exchange's dial tone that the line's canceller hears before
// dialling is not background noise: it once became comfort noise at -13
// dBm0 that replaced the far party's speech and, looped through the
// phone's canceller, masked the phone's. Each direction's 1004 Hz must
// arrive at its level, and the pauses must stay quiet.
func TestRealtimeLineCallWithHybridEcho(t *testing.T) {
	if testing.Short() {
		t.Skip("runs on the wall clock")
	}
	r := newRealtimeRig(t, "us", sim.Config{}, Config{
		DigitMap: "[2-8]xxx|9xxxxxxx",
		Lines:    twoLines(nil),
		Routes:   []Route{{Pattern: "9xxxxxxx", Group: "pstn", Strip: 1}},
	})
	p1, l1 := r.phone(t, 1), r.line(t, 1)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p1.Dial("95551234"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the office collects the number", 5*time.Second, func() bool { return l1.Digits() == "5551234" })
	if err := l1.Answer(); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "connected", 2*time.Second, func() bool { return r.portState("2001") == PortConnected })
	// A word from the phone, then a pause: the phone must hear the quiet
	// line, not comfort noise at the level of the dial tone.
	p1.PlayTone(1004, -16)
	r.board.Sleep(300 * time.Millisecond)
	p1.StopPlay()
	r.board.Sleep(300 * time.Millisecond)
	if l := measure.LevelDBm0(p1.Listen(300 * time.Millisecond)); l > -40 {
		t.Errorf("phone hears %.1f dBm0 while nobody talks, want below -40 dBm0", l)
	}

	r.exchangeTones(t, checkTone, l1, "far party", p1, "phone")
	r.board.Sleep(300 * time.Millisecond)
	if l := measure.LevelDBm0(l1.Listen(300 * time.Millisecond)); l > -40 {
		t.Errorf("far party hears %.1f dBm0 after the phone stopped, want below -40 dBm0", l)
	}
	p1.OnHook()
	r.waitFor(t, "line released", 3*time.Second, func() bool { return !l1.Seized() })
}
