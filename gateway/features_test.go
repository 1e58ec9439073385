package gateway

import (
	"slices"
	"testing"
	"time"

	"tipring/hal/sim"
)

// TestCallForwarding: *72 with a number forwards phone 2's calls to phone 3
// (confirmation tone), *73 cancels; forwarding on busy and on no answer
// come from the configuration; the forwarded call rings the target.
func TestCallForwarding(t *testing.T) {
	t.Run("unconditional", func(t *testing.T) {
		r := newRig(t, "us", sim.Config{}, Config{})
		p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
		r.featureCode(t, p2, "2002", "*722003")
		p1.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p1.Dial("2002")
		r.waitFor(t, "phone 3 rings", 5*time.Second, p3.Ringing)
		if p2.Rings() != 0 {
			t.Errorf("forwarding phone rang %d times", p2.Rings())
		}
		p3.OffHook()
		r.waitFor(t, "connected", 2*time.Second, func() bool { return r.portState("2001") == PortConnected })
		p1.OnHook()
		p3.OnHook()
		r.board.Sleep(time.Second)
		r.featureCode(t, p2, "2002", "*73")
		p1.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p1.Dial("2002")
		r.waitFor(t, "phone 2 rings again", 5*time.Second, p2.Ringing)
	})
	t.Run("busy", func(t *testing.T) {
		r := newRig(t, "de", sim.Config{}, Config{Ports: []PortConfig{
			{Span: 1, Chan: 1, Extension: "2001"}, {Span: 1, Chan: 2, Extension: "2002", ForwardBusy: "2003"},
			{Span: 1, Chan: 3, Extension: "2003"},
		}})
		p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
		p2.OffHook()
		p1.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p1.Dial("2002")
		r.waitFor(t, "phone 3 rings", 5*time.Second, p3.Ringing)
	})
	t.Run("noanswer", func(t *testing.T) {
		r := newRig(t, "uk", sim.Config{}, Config{Ports: []PortConfig{
			{Span: 1, Chan: 1, Extension: "2001"},
			{Span: 1, Chan: 2, Extension: "2002", ForwardNoAnswer: "2003", ForwardNoAnswerDelay: 4 * time.Second},
			{Span: 1, Chan: 3, Extension: "2003"},
		}})
		p1, p2, p3 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3)
		p1.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p1.Dial("2002")
		r.waitFor(t, "phone 2 rings", 5*time.Second, p2.Ringing)
		start := r.board.Now()
		r.waitFor(t, "phone 3 rings", 8*time.Second, p3.Ringing)
		if d := r.board.Now() - start; d < 3*time.Second {
			t.Errorf("forwarded after %v, want the 4 s delay", d)
		}
		if p2.Ringing() {
			t.Error("phone 2 still rings after forwarding")
		}
		p3.OffHook()
		r.waitFor(t, "connected", 2*time.Second, func() bool { return r.portState("2001") == PortConnected })
	})
}

// TestDoNotDisturb: *78 makes phone 2 busy to callers, *79 ends it.
func TestDoNotDisturb(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{})
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	r.featureCode(t, p2, "2002", "*78")
	r.callBusy(t, 1, "2002")
	if p2.Rings() != 0 {
		t.Error("phone rang under do not disturb")
	}
	r.board.Sleep(time.Second)
	r.featureCode(t, p2, "2002", "*79")
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p1.Dial("2002")
	r.waitFor(t, "phone 2 rings", 5*time.Second, p2.Ringing)
}

// TestHotlineAndWarmline: a hotline port rings its target as soon as it is
// off hook; a warmline port gives dial tone and dials after the delay.
func TestHotlineAndWarmline(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{Ports: []PortConfig{
		{Span: 1, Chan: 1, Extension: "2001", Hotline: "2003"},
		{Span: 1, Chan: 2, Extension: "2002", Hotline: "2004", WarmlineDelay: 3 * time.Second},
		{Span: 1, Chan: 3, Extension: "2003"}, {Span: 1, Chan: 4, Extension: "2004"},
	}})
	p1, p2, p3, p4 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3), r.phone(t, 4)
	p1.OffHook()
	r.waitFor(t, "hotline rings 2003", 3*time.Second, p3.Ringing)
	p2.OffHook()
	r.board.Sleep(time.Second)
	if r.portState("2002") != PortDialling || p4.Ringing() {
		t.Fatalf("warmline dialled before its delay (state %q)", r.portState("2002"))
	}
	r.waitFor(t, "warmline rings 2004", 5*time.Second, p4.Ringing)
	// Dialling within the delay calls the number dialled instead.
	p4.OffHook()
	p4.OnHook()
}

// TestPolarityReversal: a port with reversal on answer reverses when its
// call is answered, and with reversal on far-end hang-up flips back when
// the far end clears; idle restores normal polarity.
func TestPolarityReversal(t *testing.T) {
	r := newRig(t, "us", sim.Config{}, Config{Ports: []PortConfig{
		{Span: 1, Chan: 1, Extension: "2001", ReverseOnAnswer: true, ReverseOnFarHangup: true},
		{Span: 1, Chan: 2, Extension: "2002"},
	}})
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p1.Dial("2002")
	r.waitFor(t, "phone 2 rings", 5*time.Second, p2.Ringing)
	if p1.Reversed() {
		t.Fatal("reversed before answer")
	}
	p2.OffHook()
	r.waitFor(t, "reversal on answer", 2*time.Second, p1.Reversed)
	p2.OnHook()
	r.waitFor(t, "reversal on far-end hang-up", 3*time.Second, func() bool { return !p1.Reversed() })
	if r.portState("2001") != PortTone {
		t.Errorf("caller state %q, want tone", r.portState("2001"))
	}
}

// TestPulseDialingVariants: Swedish (n+1 pulses) and New Zealand (10-n
// pulses) rotary dials reach extension 2002.
func TestPulseDialingVariants(t *testing.T) {
	for _, tc := range []struct{ variant, pulses string }{
		{"normal", "2002"}, {"sweden", "3113"}, {"newzealand", "8008"},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			r := newRig(t, "us", sim.Config{}, Config{PulseDialing: tc.variant})
			p1, p2 := r.phone(t, 1), r.phone(t, 2)
			p1.OffHook()
			r.board.Sleep(500 * time.Millisecond)
			if err := p1.DialPulse(tc.pulses); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "phone 2 rings", 10*time.Second, p2.Ringing)
		})
	}
}

// TestPortGains: port 2 receives 6 dB less and sends 3 dB more; the
// levels measured at the phones show it.
func TestPortGains(t *testing.T) {
	r := newRig(t, "us", sim.Config{NoEcho: true}, Config{Ports: []PortConfig{
		{Span: 1, Chan: 1, Extension: "2001"},
		{Span: 1, Chan: 2, Extension: "2002", RxGainDB: -6, TxGainDB: 3},
	}})
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	connect(t, r, p1, p2, "2001", "2002")
	p1.PlayTone(1004, -10)
	r.board.Sleep(300 * time.Millisecond)
	hears(t, "phone 2", p2.Listen(time.Second), 1004, -7)
	p1.StopPlay()
	p2.PlayTone(1004, -10)
	r.board.Sleep(300 * time.Millisecond)
	hears(t, "phone 1", p1.Listen(time.Second), 1004, -16)
}

// TestDistinctiveCadence maps Alert-Info values to Bellcore cadences.
func TestDistinctiveCadence(t *testing.T) {
	for in, want := range map[string][]time.Duration{
		"<http://127.0.0.1/Bellcore-dr2>":      msCadence(800, 400, 800, 4000),
		"<urn:alert:tone:x>;info=Bellcore-dr3": msCadence(400, 200, 400, 200, 800, 4000),
		"<sip:x>;info=alert-internal":          msCadence(800, 400, 800, 4000),
		"<http://x/unknown>":                   nil,
	} {
		if got := DistinctiveCadence(in); !slices.Equal(got, want) {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}

// featureCode dials a feature code on phone p (extension ext), waits for the
// confirmation tone and hangs up.
func (r *rig) featureCode(t *testing.T, p *sim.Phone, ext, code string) {
	t.Helper()
	p.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p.Dial(code)
	r.waitFor(t, "confirmation", 8*time.Second, func() bool { return r.portState(ext) == PortTone })
	p.OnHook()
}
