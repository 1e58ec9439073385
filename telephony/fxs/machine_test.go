package fxs

import (
	"slices"
	"testing"
	"time"

	"tipring/dsp/tone"
	"tipring/telephony/digitmap"
)

func testMachine() *Machine {
	return &Machine{Map: digitmap.MustParse("[2-8]xxx|9x.T|*xx|0T"), Timers: DefaultTimers}
}

type step struct {
	at   time.Duration
	ev   Event
	want State
	acts []string
}

func run(t *testing.T, m *Machine, steps []step) {
	t.Helper()
	var l Line
	for i, s := range steps {
		var acts []Action
		l, acts = m.Step(l, s.ev, s.at)
		var got []string
		for _, a := range acts {
			got = append(got, a.String())
		}
		if l.State != s.want || !slices.Equal(got, s.acts) {
			t.Fatalf("step %d (%v at %v): state %v actions %v, want %v %v", i, s.ev.Kind, s.at, l.State, got, s.want, s.acts)
		}
	}
}

func ev(k EventKind) Event    { return Event{Kind: k} }
func digit(d byte) Event      { return Event{Kind: EvDigit, Digit: d} }
func ms(n int) time.Duration  { return time.Duration(n) * time.Millisecond }
func sec(n int) time.Duration { return time.Duration(n) * time.Second }

func TestOutgoingCallAnswered(t *testing.T) {
	run(t, testMachine(), []step{
		{ms(0), ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(1000), digit('2'), Collecting, []string{"toneoff"}},
		{ms(1200), digit('0'), Collecting, nil},
		{ms(1400), digit('0'), Collecting, nil},
		{ms(1600), digit('2'), Routing, []string{"dial(2002)"}},
		{ms(1700), ev(EvRingback), Alerting, []string{"tone(ringback)"}},
		{ms(5000), ev(EvAnswered), Connected, []string{"toneoff", "audio"}},
		{ms(9000), ev(EvOnHook), Idle, []string{"audiooff", "hangup"}},
	})
}

func TestFarEndHangupThenHowler(t *testing.T) {
	m := testMachine()
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(500), digit('*'), Collecting, []string{"toneoff"}},
		{ms(600), digit('6'), Collecting, nil},
		{ms(700), digit('9'), Routing, []string{"dial(*69)"}},
		{ms(800), ev(EvAnswered), Connected, []string{"toneoff", "audio"}},
		{sec(10), ev(EvFarHangup), Tone, []string{"audiooff", "tone(busy)"}},
		{sec(10) + m.Timers.OffHookWarning - ms(20), ev(EvTick), Tone, nil},
		{sec(10) + m.Timers.OffHookWarning, ev(EvTick), Howler, []string{"tone(howler)"}},
		{sec(10) + m.Timers.OffHookWarning + m.Timers.Howler, ev(EvTick), Lockout, []string{"toneoff"}},
		{sec(200), ev(EvOnHook), Idle, nil},
	})
}

func TestInterDigitTimeout(t *testing.T) {
	m := testMachine()
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('9'), Collecting, []string{"toneoff"}},
		{ms(200), digit('5'), Collecting, nil},
		{ms(200) + m.Timers.InterDigit - ms(20), ev(EvTick), Collecting, nil},
		{ms(200) + m.Timers.InterDigit, ev(EvTick), Routing, []string{"dial(95)"}},
		{sec(6), ev(EvBusy), Tone, []string{"audiooff", "tone(busy)"}},
		{sec(7), ev(EvOnHook), Idle, []string{"toneoff"}},
	})
	// "2" followed by silence matches nothing at timeout: reorder.
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('2'), Collecting, []string{"toneoff"}},
		{ms(100) + m.Timers.InterDigit, ev(EvTick), Tone, []string{"tone(congestion)"}},
	})
}

func TestFirstDigitTimeoutAndInvalidNumber(t *testing.T) {
	m := testMachine()
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{m.Timers.FirstDigit, ev(EvTick), Tone, []string{"toneoff", "tone(congestion)"}},
	})
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('#'), Tone, []string{"toneoff", "tone(congestion)"}},
	})
}

func TestIncomingCall(t *testing.T) {
	m := testMachine()
	run(t, m, []step{
		{0, ev(EvRing), Ringing, []string{"ring"}},
		{sec(3), ev(EvRing), Ringing, []string{"rejectbusy"}},
		{sec(4), ev(EvOffHook), Connected, []string{"ringoff", "answer", "audio"}},
		{sec(9), ev(EvFarHangup), Tone, []string{"audiooff", "tone(busy)"}},
		{sec(10), ev(EvOnHook), Idle, []string{"toneoff"}},
	})
	run(t, m, []step{
		{0, ev(EvRing), Ringing, []string{"ring"}},
		{sec(2), ev(EvCancelRing), Idle, []string{"ringoff"}},
	})
	run(t, m, []step{
		{0, ev(EvRing), Ringing, []string{"ring"}},
		{m.Timers.NoAnswer, ev(EvTick), Idle, []string{"ringoff", "noanswer"}},
	})
}

func TestAbandonWhileRouting(t *testing.T) {
	run(t, testMachine(), []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('2'), Collecting, []string{"toneoff"}},
		{ms(200), digit('0'), Collecting, nil},
		{ms(300), digit('0'), Collecting, nil},
		{ms(400), digit('3'), Routing, []string{"dial(2003)"}},
		{ms(500), ev(EvEarlyMedia), Alerting, []string{"toneoff", "audio"}},
		{ms(900), ev(EvOnHook), Idle, []string{"toneoff", "audiooff", "hangup"}},
	})
}

func TestBusyOfferWhileOffHook(t *testing.T) {
	run(t, testMachine(), []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), ev(EvRing), DialTone, []string{"rejectbusy"}},
	})
}

func TestHookClassifier(t *testing.T) {
	h := NewHook(DefaultHookConfig)
	var evs []Event
	at := time.Duration(0)
	raw := func(off bool) { evs = h.Raw(off, at, evs) }
	tick := func(until time.Duration) {
		for ; at < until; at += ms(10) {
			evs = h.Tick(at, evs)
		}
	}
	raw(true) // off hook
	tick(ms(500))
	// Flash: 400 ms on hook.
	raw(false)
	tick(ms(900))
	raw(true)
	tick(ms(1500))
	// Rotary "3": three 60 ms breaks with 40 ms makes.
	for i := 0; i < 3; i++ {
		raw(false)
		tick(at + ms(60))
		raw(true)
		tick(at + ms(40))
	}
	tick(at + ms(700))
	// Rotary "0": ten pulses.
	for i := 0; i < 10; i++ {
		raw(false)
		tick(at + ms(60))
		raw(true)
		tick(at + ms(40))
	}
	tick(at + ms(700))
	// Hang up.
	raw(false)
	tick(at + ms(1000))
	var got []string
	for _, e := range evs {
		s := e.Kind.String()
		if e.Kind == EvDigit {
			s += "(" + string(e.Digit) + ")"
		}
		got = append(got, s)
	}
	want := []string{"offhook", "flash", "digit(3)", "digit(0)", "onhook"}
	if !slices.Equal(got, want) {
		t.Fatalf("events %v, want %v", got, want)
	}
}

func TestToneSignalsExistInZones(t *testing.T) {
	for _, z := range []string{"us", "uk", "de", "cn"} {
		zone, err := tone.LookupZone(z)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []tone.Signal{tone.Dial, tone.Busy, tone.Ringback, tone.Congestion, tone.Howler} {
			if _, ok := zone.Tones[s]; !ok {
				t.Errorf("zone %s has no %v tone", z, s)
			}
		}
	}
}
