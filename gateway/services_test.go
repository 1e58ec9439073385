package gateway

import (
	"math"
	"strings"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// connect makes phone a call extension ext on phone b and b answer.
func connect(t *testing.T, r *rig, a, b *sim.Phone, extA, ext string) {
	t.Helper()
	a.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := a.Dial(ext); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, ext+" rings", 5*time.Second, b.Ringing)
	b.OffHook()
	r.waitFor(t, extA+" and "+ext+" connected", 2*time.Second, func() bool {
		return r.portState(extA) == PortConnected && r.portState(ext) == PortConnected
	})
}

// transferFrom1 has phone 1 (2001), in a call, flash and dial ext (phone
// p), then hang up once p rings (blind) or has answered (attended).
func (r *rig) transferFrom1(t *testing.T, p *sim.Phone, ext string, attended bool) {
	t.Helper()
	p1 := r.phone(t, 1)
	if err := p1.Flash(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.board.Sleep(1200 * time.Millisecond)
	if err := p1.Dial(ext); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, ext+" rings", 5*time.Second, p.Ringing)
	if attended {
		p.OffHook()
		r.waitFor(t, "consultation with "+ext+" connected", 2*time.Second, func() bool { return r.portState(ext) == PortConnected })
	}
	p1.OnHook()
	r.waitFor(t, "phone 1 idle", 3*time.Second, func() bool { return r.portState("2001") == PortIdle })
}

// hears asserts that x holds freq at level ±1.5 dB (or, with level NaN,
// nothing above -45 dBm0 at freq).
func hears(t *testing.T, who string, x []int16, freq, level float64) {
	t.Helper()
	l := measure.ToneLevelDBm0(x, freq)
	if math.IsNaN(level) {
		if l > -45 {
			t.Errorf("%s hears %.0f Hz at %.1f dBm0, want nothing", who, freq, l)
		}
		return
	}
	if math.Abs(l-level) > 1.5 {
		t.Errorf("%s hears %.0f Hz at %.1f dBm0, want %.1f", who, freq, l, level)
	}
}

// TestCallWaitingCallerIDAndSwap: phone 2 talks to phone 1 when phone 3
// calls it. Phone 2 hears the zone's call-waiting tone and the CAS
// (SR-3004), acknowledges with DTMF D, and its display decodes phone 3's
// caller ID (GR-30-CORE off-hook delivery). A flash answers phone 3 and
// holds phone 1; another flash swaps back. The held party is not heard.
func TestCallWaitingCallerIDAndSwap(t *testing.T) {
	r := newRig(t, "us", sim.Config{NoEcho: true}, Config{Ports: []PortConfig{
		{Span: 1, Chan: 1, Extension: "2001"}, {Span: 1, Chan: 2, Extension: "2002"},
		{Span: 1, Chan: 3, Extension: "2003", CallerName: "Carol"},
	}})
	p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
	connect(t, r, p1, p2, "2001", "2002")

	p3.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p3.Dial("2002"); err != nil {
		t.Fatal(err)
	}
	// The set acknowledges the CAS with DTMF D (SR-3004). The test cannot
	// react within the 100 ms the standard allows (the board clock runs on
	// between two calls of the test), so the phone keys D over and over
	// while the call arrives; the port only takes a D that starts after
	// its CAS, and only then sends the message.
	start := r.board.Now()
	if err := p2.Dial(strings.Repeat("D", 20)); err != nil {
		t.Fatal(err)
	}
	r.board.Sleep(3500 * time.Millisecond)
	cas := cid.NewCASDetector(cid.CASConfig{})
	x := p2.Heard(r.board.Now() - start)
	casAt := -1
	for i := 0; i+160 <= len(x); i += 160 {
		if cas.Process(x[i:i+160]) && casAt < 0 {
			casAt = i
		}
	}
	if casAt < 0 {
		t.Fatal("no CAS heard by phone 2")
	}
	r.board.Sleep(1500 * time.Millisecond)
	heard := p2.Heard(r.board.Now() - start)
	msgs, _, errs := decodeCallerID(t, cid.Bellcore, heard)
	if len(errs) > 0 {
		t.Errorf("caller ID on call waiting: %v", errs)
	}
	if len(msgs) != 1 || msgs[0].Number != "2003" || msgs[0].Name != "Carol" {
		t.Fatalf("caller ID on call waiting %+v, want 2003 Carol", msgs)
	}
	// us call-waiting tone: 440 Hz, 300 ms, before the CAS.
	best := -200.0
	for i := 0; i+2400 <= len(heard); i += 160 {
		best = max(best, measure.ToneLevelDBm0(heard[i:i+2400], 440))
	}
	if best < -30 {
		t.Errorf("no 440 Hz call-waiting tone (best %.1f dBm0)", best)
	}
	if st := r.portState("2003"); st != PortCalling {
		t.Errorf("caller 3 state %q, want calling", st)
	}

	if err := p2.Flash(400 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "phone 3 connected", 3*time.Second, func() bool { return r.portState("2003") == PortConnected })
	p1.PlayTone(700, -12)
	p3.PlayTone(1500, -14)
	r.board.Sleep(300 * time.Millisecond)
	x = p2.Listen(time.Second)
	hears(t, "phone 2 (talking to 3)", x, 1500, -14)
	hears(t, "phone 2 (1 held)", x, 700, math.NaN())

	if err := p2.Flash(400 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.board.Sleep(1200 * time.Millisecond)
	x = p2.Listen(time.Second)
	hears(t, "phone 2 (back to 1)", x, 700, -12)
	hears(t, "phone 2 (3 held)", x, 1500, math.NaN())
	p1.StopPlay()
	p3.StopPlay()

	// Phone 1 hangs up: phone 2 gets recall dial tone; a flash takes
	// phone 3 back.
	p1.OnHook()
	r.board.Sleep(1500 * time.Millisecond)
	p2.Flash(400 * time.Millisecond)
	r.board.Sleep(1200 * time.Millisecond)
	p3.PlayTone(1500, -14)
	r.board.Sleep(300 * time.Millisecond)
	hears(t, "phone 2 (3 resumed)", p2.Listen(time.Second), 1500, -14)
}

// TestThreeWayConference: phone 1 talks to phone 2, flashes, dials phone 3,
// and flashes again to join all three. Each phone plays its own tone at
// its own level; each hears the other two at the level they were sent and
// not itself.
func TestThreeWayConference(t *testing.T) {
	r := newRig(t, "de", sim.Config{NoEcho: true}, Config{EchoOff: true})
	p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
	connect(t, r, p1, p2, "2001", "2002")
	if err := p1.Flash(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.board.Sleep(1200 * time.Millisecond)
	// de recall dial tone is 425 Hz.
	if l := measure.ToneLevelDBm0(p1.Listen(500*time.Millisecond), 425); l < -30 {
		t.Errorf("no recall dial tone after the flash (%.1f dBm0)", l)
	}
	if err := p1.Dial("2003"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "phone 3 rings", 5*time.Second, p3.Ringing)
	p3.OffHook()
	r.waitFor(t, "phone 3 connected", 2*time.Second, func() bool { return r.portState("2003") == PortConnected })
	if err := p1.Flash(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.board.Sleep(1200 * time.Millisecond)

	tones := []struct {
		f, l float64
	}{{600, -10}, {1000, -13}, {1400, -16}}
	phones := []*sim.Phone{p1, p2, p3}
	for i, ph := range phones {
		ph.PlayTone(tones[i].f, tones[i].l)
	}
	r.board.Sleep(300 * time.Millisecond)
	heard := make([][]int16, 3)
	for i, ph := range phones {
		heard[i] = ph.Heard(time.Second)
	}
	r.board.Sleep(time.Second)
	for i, ph := range phones {
		heard[i] = ph.Heard(time.Second)
	}
	for i := range phones {
		for j := range phones {
			who := "phone " + string(rune('1'+i)) + " hears phone " + string(rune('1'+j))
			if i == j {
				hears(t, who, heard[i], tones[j].f, math.NaN())
			} else {
				hears(t, who, heard[i], tones[j].f, tones[j].l)
			}
		}
	}
	// A flash drops phone 3 (the party added last).
	for _, ph := range phones {
		ph.StopPlay()
	}
	p1.Flash(300 * time.Millisecond)
	r.waitFor(t, "phone 3 hears the far end leave", 3*time.Second, func() bool { return r.portState("2003") == PortTone })
	p2.PlayTone(1000, -13)
	r.board.Sleep(300 * time.Millisecond)
	hears(t, "phone 1 after the conference", p1.Listen(time.Second), 1000, -13)
}

// TestTransferByHangUp: phone 1 talks to phone 2, flashes and dials phone
// 3. Hanging up while phone 3 rings transfers blind; in a second round
// phone 3 answers first (attended). Either way phones 2 and 3 end up
// talking.
func TestTransferByHangUp(t *testing.T) {
	for _, attended := range []bool{false, true} {
		name := "blind"
		if attended {
			name = "attended"
		}
		t.Run(name, func(t *testing.T) {
			r := newRig(t, "us", sim.Config{NoEcho: true}, Config{})
			p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
			connect(t, r, p1, p2, "2001", "2002")
			r.transferFrom1(t, p3, "2003", attended)
			if !attended {
				r.waitFor(t, "phone 3 still rings", 7*time.Second, p3.Ringing)
				p3.OffHook()
			}
			r.waitFor(t, "2 and 3 connected", 3*time.Second, func() bool {
				cs := r.gw.Calls()
				return len(cs) == 1 && cs[0].State == "connected"
			})
			p2.PlayTone(1004, -10)
			r.board.Sleep(300 * time.Millisecond)
			hears(t, "phone 3", p3.Listen(time.Second), 1004, -10)
			if r.portState("2001") != PortIdle {
				t.Errorf("phone 1 not idle after the transfer")
			}
		})
	}
}
