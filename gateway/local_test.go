package gateway

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// memCDR collects CDRs in memory.
type memCDR struct {
	mu   sync.Mutex
	recs []CDR
}

func (m *memCDR) WriteCDR(r CDR) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.recs = append(m.recs, r)
	return nil
}

func (m *memCDR) all() []CDR {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]CDR(nil), m.recs...)
}

type rig struct {
	board *sim.Board
	gw    *Gateway
	cdr   *memCDR
}

// newRig starts a gateway on a simulated board running in simulated time.
func newRig(t *testing.T, zone string, simCfg sim.Config, cfg Config) *rig {
	t.Helper()
	return newRigAt(t, zone, simCfg, cfg, nil)
}

// newRigAt is newRig with the gateway's wall clock (caller-ID time) set;
// opts adjust the gateway's options further.
func newRigAt(t *testing.T, zone string, simCfg sim.Config, cfg Config, now func() time.Time, opts ...func(*Options)) *rig {
	t.Helper()
	simCfg.Fast = true
	if simCfg.Zone == "" {
		simCfg.Zone = zone
	}
	b, err := sim.New(simCfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Zone = zone
	if cfg.Ports == nil {
		cfg.Ports = []PortConfig{
			{Span: 1, Chan: 1, Extension: "2001"},
			{Span: 1, Chan: 2, Extension: "2002"},
			{Span: 1, Chan: 3, Extension: "2003"},
			{Span: 1, Chan: 4, Extension: "2004"},
		}
	}
	cdr := &memCDR{}
	o := Options{Config: cfg, Board: b, CDR: cdr, Now: now}
	for _, f := range opts {
		f(&o)
	}
	gw, err := New(o)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	runGateway(t, b, gw)
	b.SetSettle(gw.Settled)
	return &rig{board: b, gw: gw, cdr: cdr}
}

// runGateway runs gw until the test ends, then stops it and closes b; it
// returns once gw is ready.
func runGateway(t *testing.T, b *sim.Board, gw *Gateway) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		gw.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		b.Close()
		<-done
	})
	<-gw.Ready()
}

func (r *rig) phone(t *testing.T, n int) *sim.Phone {
	t.Helper()
	p, err := r.board.Phone(n)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// waitFor advances board time in steps until cond holds or limit passes.
func (r *rig) waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for start := r.board.Now(); r.board.Now()-start < limit; {
		if cond() {
			return
		}
		r.board.Sleep(20 * time.Millisecond)
	}
	if !cond() {
		for _, p := range r.gw.Ports() {
			t.Logf("port %+v", p)
		}
		for _, p := range r.gw.ports {
			t.Logf("port %s digits %q", p.name(), p.p.Digits())
		}
		t.Logf("board %+v", r.board.Snapshot())
		t.Fatalf("%s: not within %v of board time", what, limit)
	}
}

func (r *rig) portState(name string) PortState {
	for _, p := range r.gw.Ports() {
		if p.Extension == name {
			return p.State
		}
	}
	return ""
}

// checkTone asserts that x holds a tone of freq at level (dBm0) within ±1 dB
// and ±5 Hz.
func checkTone(t *testing.T, who string, x []int16, freq, level float64) {
	t.Helper()
	f := measure.Frequency(x)
	l := measure.LevelDBm0(x)
	if math.Abs(f-freq) > 5 {
		t.Errorf("%s: frequency %.1f Hz, want %.0f ±5 Hz", who, f, freq)
	}
	if math.Abs(l-level) > 1 {
		t.Errorf("%s: level %.2f dBm0, want %.1f ±1 dB", who, l, level)
	}
}

// exchangeTones has a send 1004 Hz at -10 dBm0, then b at -16 dBm0, each
// for 300 ms of board time before the other end listens for a second, and
// checks what each end hears with check (checkTone or hears), naming the
// direction "aName → bName" and back.
func (r *rig) exchangeTones(t *testing.T, check func(t *testing.T, who string, x []int16, freq, level float64), a analogParty, aName string, b analogParty, bName string) {
	t.Helper()
	a.PlayTone(1004, -10)
	r.board.Sleep(300 * time.Millisecond)
	check(t, aName+" → "+bName, b.Listen(time.Second), 1004, -10)
	a.StopPlay()
	b.PlayTone(1004, -16)
	r.board.Sleep(300 * time.Millisecond)
	check(t, bName+" → "+aName, a.Listen(time.Second), 1004, -16)
	b.StopPlay()
}

// TestLocalCallBetweenPhones is the foundation's acceptance test: phone 1
// dials phone 2's extension with DTMF audio, phone 2 rings with the zone's
// cadence and answers, a 1004 Hz tone from each side arrives at the other
// at the sent level and frequency, and hanging up clears both ports and
// writes one CDR.
func TestLocalCallBetweenPhones(t *testing.T) {
	for _, zone := range []string{"us", "uk", "de"} {
		t.Run(zone, func(t *testing.T) {
			// No hybrid echo here: with the same steady 1004 Hz in both
			// directions two line echo cancellers in tandem form a closed
			// loop on one frequency; TestEchoCancelledEndToEnd covers echo.
			r := newRig(t, zone, sim.Config{NoEcho: true}, Config{})
			p1, p2 := r.phone(t, 1), r.phone(t, 2)

			p1.OffHook()
			r.waitFor(t, "dial tone state", 2*time.Second, func() bool { return r.portState("2001") == PortDialling })
			// Dial tone is audible and at the zone's frequency.
			dt := p1.Listen(500 * time.Millisecond)
			if l := measure.LevelDBm0(dt); l < -25 || l > -5 {
				t.Errorf("dial tone level %.1f dBm0", l)
			}
			if err := p1.Dial("2002"); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "phone 2 rings", 3*time.Second, p2.Ringing)
			if st := r.portState("2001"); st != PortCalling {
				t.Errorf("caller port state %q, want calling", st)
			}
			// Let it ring two cadences, then check the cadence.
			zoneRing := map[string][]time.Duration{
				"us": {2000 * time.Millisecond, 4000 * time.Millisecond},
				"uk": {400 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 2000 * time.Millisecond},
				"de": {1000 * time.Millisecond, 4000 * time.Millisecond},
			}[zone]
			var period time.Duration
			for _, d := range zoneRing {
				period += d
			}
			r.board.Sleep(period + period/2)
			times := p2.RingTimes()
			if len(times) < 2 {
				t.Fatalf("only %d ring bursts in %v", len(times), period+period/2)
			}
			for i := 0; i+1 < len(times) && i/2 < 2; i++ {
				on := times[i][1] - times[i][0]
				wantOn := zoneRing[(2*i)%len(zoneRing)]
				if d := on - wantOn; d < -40*time.Millisecond || d > 40*time.Millisecond {
					t.Errorf("burst %d lasts %v, want %v", i, on, wantOn)
				}
				off := times[i+1][0] - times[i][1]
				wantOff := zoneRing[(2*i+1)%len(zoneRing)]
				if d := off - wantOff; d < -40*time.Millisecond || d > 40*time.Millisecond {
					t.Errorf("gap after burst %d lasts %v, want %v", i, off, wantOff)
				}
			}
			// Caller hears ringback while it rings (over one whole cadence).
			rb := p1.Listen(period)
			if l := measure.LevelDBm0(rb); l < -40 {
				t.Errorf("no ringback at the caller (%.1f dBm0)", l)
			}

			p2.OffHook()
			r.waitFor(t, "connected", 2*time.Second, func() bool {
				return r.portState("2001") == PortConnected && r.portState("2002") == PortConnected
			})
			if calls := r.gw.Calls(); len(calls) != 1 || calls[0].State != "connected" {
				t.Fatalf("call table %+v, want one connected call", calls)
			}

			p1.PlayTone(1004, -10)
			r.board.Sleep(time.Second)
			checkTone(t, "phone 1 → phone 2", p2.Listen(time.Second), 1004, -10)
			p1.StopPlay()
			p2.PlayTone(1004, -16)
			r.board.Sleep(time.Second)
			checkTone(t, "phone 2 → phone 1", p1.Listen(time.Second), 1004, -16)
			p2.StopPlay()

			p1.OnHook()
			r.waitFor(t, "caller port idle", 3*time.Second, func() bool { return r.portState("2001") == PortIdle })
			// The callee hears the far end leave (busy tone), then hangs up.
			r.waitFor(t, "callee gets tone", 2*time.Second, func() bool { return r.portState("2002") == PortTone })
			p2.OnHook()
			r.waitFor(t, "callee port idle", 3*time.Second, func() bool { return r.portState("2002") == PortIdle })
			if calls := r.gw.Calls(); len(calls) != 0 {
				t.Errorf("call table not empty after hang-up: %+v", calls)
			}
			recs := r.cdr.all()
			if len(recs) != 1 {
				t.Fatalf("%d CDRs, want 1: %+v", len(recs), recs)
			}
			c := recs[0]
			if c.From != "2001" || c.To != "2002" || c.Disposition != "ANSWERED" || c.Direction != "local" || c.Cause != "caller" {
				t.Errorf("CDR %+v", c)
			}
			if c.Answer.IsZero() || c.Duration <= 0 {
				t.Errorf("CDR has no answer time / duration: %+v", c)
			}
		})
	}
}

func TestLocalCallBusyAndUnknown(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{})
	p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)

	// Phone 2 is off hook: a call to it finds it busy.
	p2.OffHook()
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p1.Dial("2002"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "busy tone", 3*time.Second, func() bool { return r.portState("2001") == PortTone })
	busy := p1.Listen(2 * time.Second)
	// us busy: 480+620 Hz, 500 ms on / 500 ms off: about half the frames carry tone.
	if l := measure.ToneLevelDBm0(busy, 480); l < -40 {
		t.Errorf("no 480 Hz in busy tone (%.1f dBm0)", l)
	}
	p1.OnHook()
	p2.OnHook()

	// An extension nobody has: reorder (congestion), no call placed.
	p3.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p3.Dial("2999"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "reorder", 3*time.Second, func() bool { return r.portState("2003") == PortTone })
	p3.OnHook()
	r.waitFor(t, "idle", 3*time.Second, func() bool { return r.portState("2003") == PortIdle })

	recs := r.cdr.all()
	if len(recs) != 2 {
		t.Fatalf("%d CDRs, want 2: %+v", len(recs), recs)
	}
	if recs[0].Disposition != "BUSY" || recs[1].Disposition != "FAILED" {
		t.Errorf("dispositions %q, %q; want BUSY, FAILED", recs[0].Disposition, recs[1].Disposition)
	}
}

func TestLocalCallCallerAbandons(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{})
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p1.Dial("2002")
	r.waitFor(t, "phone 2 rings", 3*time.Second, p2.Ringing)
	p1.OnHook()
	r.waitFor(t, "ringing stops", 3*time.Second, func() bool { return !p2.Ringing() && r.portState("2002") == PortIdle })
	recs := r.cdr.all()
	if len(recs) != 1 || recs[0].Disposition != "CANCELLED" {
		t.Fatalf("CDRs %+v, want one CANCELLED", recs)
	}
}

func TestPulseDialledLocalCall(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{})
	p1, p3 := r.phone(t, 1), r.phone(t, 3)
	p1.OffHook()
	r.board.Sleep(500 * time.Millisecond)
	if err := p1.DialPulse("2003"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "phone 3 rings", 10*time.Second, p3.Ringing)
}
