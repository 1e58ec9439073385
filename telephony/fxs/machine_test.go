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

func TestHotlineAndWarmline(t *testing.T) {
	m := testMachine()
	m.Hotline = "2002"
	run(t, m, []step{
		{0, ev(EvOffHook), Routing, []string{"dial(2002)"}},
	})
	m.HotlineDelay = sec(3)
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{sec(3) - ms(20), ev(EvTick), DialTone, nil},
		{sec(3), ev(EvTick), Routing, []string{"toneoff", "dial(2002)"}},
	})
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{sec(1), digit('2'), Collecting, []string{"toneoff"}},
	})
}

func TestPolarityOnAnswerAndFarHangup(t *testing.T) {
	m := testMachine()
	m.Polarity = Polarity{OnAnswer: true, OnFarHangup: true}
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('*'), Collecting, []string{"toneoff"}},
		{ms(200), digit('6'), Collecting, nil},
		{ms(300), digit('9'), Routing, []string{"dial(*69)"}},
		{sec(2), ev(EvAnswered), Connected, []string{"toneoff", "audio", "reverse"}},
		{sec(9), ev(EvFarHangup), Tone, []string{"audiooff", "normal", "tone(busy)"}},
		{sec(10), ev(EvOnHook), Idle, []string{"toneoff"}},
	})
	m.Polarity = Polarity{OnAnswer: true}
	run(t, m, []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('0'), Collecting, []string{"toneoff"}},
		{ms(100) + m.Timers.InterDigit, ev(EvTick), Routing, []string{"dial(0)"}},
		{sec(6), ev(EvAnswered), Connected, []string{"toneoff", "audio", "reverse"}},
		{sec(9), ev(EvOnHook), Idle, []string{"normal", "audiooff", "hangup"}},
	})
}

// connected returns a machine with call waiting and a line in a call.
func connected(t *testing.T) (*Machine, []step) {
	m := testMachine()
	m.CallWaiting = true
	return m, []step{
		{0, ev(EvRing), Ringing, []string{"ring"}},
		{sec(1), ev(EvOffHook), Connected, []string{"ringoff", "answer", "audio"}},
	}
}

func TestCallWaitingSwap(t *testing.T) {
	m, s := connected(t)
	run(t, m, append(s,
		step{sec(5), ev(EvRing), Connected, []string{"callwaiting"}},
		step{sec(6), ev(EvRing), Connected, []string{"rejectbusy"}},
		step{sec(7), ev(EvFlash), Connected, []string{"callwaitingoff", "answerwaiting"}},
		step{sec(8), ev(EvFlash), Connected, []string{"swap"}},
		step{sec(9), ev(EvHeldGone), Connected, nil},
		step{sec(10), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
	))
	// The waiting caller gives up.
	run(t, m, append(s,
		step{sec(5), ev(EvRing), Connected, []string{"callwaiting"}},
		step{sec(6), ev(EvCancelRing), Connected, []string{"callwaitingoff"}},
		step{sec(7), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
	))
}

func TestFlashHoldConsultConference(t *testing.T) {
	m, s := connected(t)
	run(t, m, append(s,
		step{sec(2), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
		step{sec(3), digit('2'), Collecting, []string{"toneoff"}},
		step{sec(3) + ms(200), digit('0'), Collecting, nil},
		step{sec(3) + ms(400), digit('0'), Collecting, nil},
		step{sec(3) + ms(600), digit('3'), Routing, []string{"dial(2003)"}},
		step{sec(4), ev(EvRingback), Alerting, []string{"tone(ringback)"}},
		step{sec(6), ev(EvAnswered), Connected, []string{"toneoff", "audio"}},
		step{sec(8), ev(EvFlash), Connected, []string{"conference"}},
		step{sec(9), ev(EvFlash), Connected, []string{"conferenceend"}},
	))
	// Flash during recall dial tone resumes; so does the recall timer.
	run(t, m, append(s,
		step{sec(2), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
		step{sec(3), ev(EvFlash), Connected, []string{"toneoff", "resume", "audio"}},
		step{sec(4), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
		step{sec(4) + m.Timers.FirstDigit, ev(EvTick), Connected, []string{"toneoff", "resume", "audio"}},
	))
	// The consultation is busy: a flash takes the held call back.
	run(t, m, append(s,
		step{sec(2), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
		step{sec(3), digit('0'), Collecting, []string{"toneoff"}},
		step{sec(3) + m.Timers.InterDigit, ev(EvTick), Routing, []string{"dial(0)"}},
		step{sec(8), ev(EvBusy), Tone, []string{"audiooff", "tone(busy)"}},
		step{sec(9), ev(EvFlash), Connected, []string{"toneoff", "resume", "audio"}},
	))
	// The active party leaves while one is held: recall dial tone.
	run(t, m, append(s,
		step{sec(2), ev(EvFlash), Recall, []string{"audiooff", "hold", "tone(dialrecall)"}},
		step{sec(3), digit('0'), Collecting, []string{"toneoff"}},
		step{sec(3) + m.Timers.InterDigit, ev(EvTick), Routing, []string{"dial(0)"}},
		step{sec(8), ev(EvAnswered), Connected, []string{"toneoff", "audio"}},
		step{sec(9), ev(EvFarHangup), Recall, []string{"audiooff", "tone(dialrecall)"}},
		step{sec(10), ev(EvHeldGone), DialTone, []string{"tone(dial)"}},
	))
}

func TestFeatureConfirmation(t *testing.T) {
	run(t, testMachine(), []step{
		{0, ev(EvOffHook), DialTone, []string{"tone(dial)"}},
		{ms(100), digit('*'), Collecting, []string{"toneoff"}},
		{ms(200), digit('7'), Collecting, nil},
		{ms(300), digit('8'), Routing, []string{"dial(*78)"}},
		{ms(400), ev(EvConfirm), Tone, []string{"tone(dialrecall)"}},
	})
}

func TestPulseVariants(t *testing.T) {
	for _, tc := range []struct {
		f      func(int) (byte, bool)
		pulses int
		want   byte
	}{
		{standardPulses, 10, '0'}, {standardPulses, 1, '1'},
		{PulseSweden, 1, '0'}, {PulseSweden, 10, '9'}, {PulseSweden, 3, '2'},
		{PulseNewZealand, 10, '0'}, {PulseNewZealand, 1, '9'}, {PulseNewZealand, 8, '2'},
	} {
		if d, ok := tc.f(tc.pulses); !ok || d != tc.want {
			t.Errorf("%d pulses: %q, want %q", tc.pulses, d, tc.want)
		}
	}
}

func TestRingerSequences(t *testing.T) {
	us := []time.Duration{2 * time.Second, 4 * time.Second}
	var r ringer
	if o := r.start(0, CIDAfterFirstRing, true, us); !o.ring || o.data {
		t.Fatalf("after first ring: start %+v", o)
	}
	if o := r.tick(2600*time.Millisecond-time.Millisecond, false); o.data {
		t.Fatal("data before 600 ms after the first ring")
	}
	if o := r.tick(2600*time.Millisecond, false); !o.data {
		t.Fatal("no data 600 ms after the first ring")
	}
	// Line reversal + DT-AS: reverse, alert and data, pause, normal + ring.
	r = ringer{}
	if o := r.start(0, CIDLineReversalDTAS, true, us); !o.reverse || o.ring {
		t.Fatalf("lr-dtas start %+v", o)
	}
	if o := r.tick(cidLRToAlert, false); !o.dtas || !o.data {
		t.Fatalf("lr-dtas alert %+v", o)
	}
	r.tick(cidLRToAlert+time.Second, false) // data sent
	if o := r.tick(cidLRToAlert+time.Second+cidToRing, false); !o.ring || !o.normal {
		t.Fatalf("lr-dtas ring %+v", o)
	}
	// NTT: CAR until off hook, data, on hook, ring.
	r = ringer{}
	if o := r.start(0, CIDNTT, true, us); !o.car || !o.ring || !r.owns() {
		t.Fatalf("ntt start %+v", o)
	}
	if o := r.hook(time.Second, true); !o.ringOff {
		t.Fatalf("ntt primary response %+v", o)
	}
	if o := r.tick(time.Second+nttToData, false); !o.data {
		t.Fatalf("ntt data %+v", o)
	}
	r.tick(2*time.Second, false)
	r.hook(3*time.Second, false)
	if o := r.tick(3*time.Second+cidToRing, false); !o.ring || r.owns() {
		t.Fatalf("ntt ring %+v", o)
	}
	// No primary response: ring without caller ID.
	r = ringer{}
	r.start(0, CIDNTT, true, us)
	if o := r.tick(nttCARTimeout, false); !o.ring || !o.ringOff {
		t.Fatalf("ntt timeout %+v", o)
	}
}

func FuzzCallerIDMessage(f *testing.F) {
	f.Add("+49 (30) 1234", "Müller, Hans-Jürgen the Third", byte(0))
	f.Add("", "", byte('P'))
	f.Fuzz(func(t *testing.T, number, name string, absence byte) {
		if absence != 'P' && absence != 'O' {
			absence = 0
		}
		for _, n := range CallerIDNames() {
			cfg, _ := ParseCallerID(n)
			if !cfg.Enabled() {
				continue
			}
			if _, err := EncodeCallerID(cfg, CallerID{Number: number, Name: name, NumberAbsence: absence, NameAbsence: absence}); err != nil {
				t.Errorf("%s: %q %q: %v", n, number, name, err)
			}
		}
	})
}
