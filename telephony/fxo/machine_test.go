package fxo

import (
	"slices"
	"testing"
	"time"

	"tipring/dsp/tone"
	"tipring/telephony/digitmap"
)

func testMachine(mod func(*Machine)) *Machine {
	m := &Machine{Timers: DefaultTimers, Supervision: DefaultSupervision, RingsBeforeAnswer: 2,
		Map: digitmap.MustParse("[2-4]xxx|0T")}
	if mod != nil {
		mod(m)
	}
	return m
}

type step struct {
	at   time.Duration
	ev   Event
	want State
	acts []string
}

func run(t *testing.T, m *Machine, l Line, steps []step) Line {
	t.Helper()
	for i, s := range steps {
		var acts []Action
		l, acts = m.Step(l, s.ev, s.at)
		var got []string
		for _, a := range acts {
			got = append(got, a.String())
		}
		if l.State != s.want || !slices.Equal(got, s.acts) {
			t.Fatalf("step %d (%v at %v): state %v actions %q, want %v %q", i, s.ev.Kind, s.at, l.State, got, s.want, s.acts)
		}
	}
	return l
}

func ev(k EventKind) Event    { return Event{Kind: k} }
func ms(n int) time.Duration  { return time.Duration(n) * time.Millisecond }
func sec(n int) time.Duration { return time.Duration(n) * time.Second }
func tick() Event             { return ev(EvTick) }

func TestIncomingRingsCallerIDAnswer(t *testing.T) {
	m := testMachine(nil)
	run(t, m, Line{}, []step{
		{sec(1), ev(EvRingBegin), Ringing, nil},
		{sec(1) + ms(300), tick(), Ringing, nil},
		{sec(1) + ms(320), tick(), Ringing, nil}, // ring 1 counted
		{sec(3), ev(EvRingEnd), Ringing, nil},
		{sec(4), Event{Kind: EvCallerID, Number: "5551234", Name: "A B"}, Ringing, nil},
		{sec(7), ev(EvRingBegin), Ringing, nil},
		{sec(7) + ms(320), tick(), Ringing, []string{"incoming(5551234,A B)"}},
		{sec(8), ev(EvAnswer), Connected, []string{"seize", "audio"}},
		{sec(20), ev(EvRelease), Guard, []string{"toneoff", "audiooff", "release"}},
		{sec(20) + DefaultTimers.Guard, tick(), Idle, nil},
	})
}

func TestDoubleRingCountsOnce(t *testing.T) {
	m := testMachine(func(m *Machine) { m.RingsBeforeAnswer = 2 })
	run(t, m, Line{}, []step{
		{0, ev(EvRingBegin), Ringing, nil},
		{ms(400), tick(), Ringing, nil},
		{ms(400), ev(EvRingEnd), Ringing, nil},
		{ms(600), ev(EvRingBegin), Ringing, nil},
		{ms(1000), tick(), Ringing, nil}, // second half of the double ring
		{ms(1000), ev(EvRingEnd), Ringing, nil},
		{ms(3000), ev(EvRingBegin), Ringing, nil},
		{ms(3340), tick(), Ringing, []string{"incoming(,)"}},
	})
}

func TestCallerGoneAndShortBurst(t *testing.T) {
	m := testMachine(func(m *Machine) { m.RingsBeforeAnswer = 1 })
	l := run(t, m, Line{}, []step{
		{0, ev(EvRingBegin), Ringing, nil},
		{ms(200), ev(EvRingEnd), Ringing, nil}, // too short to count
		{ms(200) + DefaultTimers.RingTimeout, tick(), Idle, nil},
	})
	run(t, m, l, []step{
		{sec(30), ev(EvRingBegin), Ringing, nil},
		{sec(30) + ms(340), tick(), Ringing, []string{"incoming(,)"}},
		{sec(32), ev(EvRingEnd), Ringing, nil},
		{sec(32) + DefaultTimers.RingTimeout, tick(), Idle, []string{"ringstopped(caller-gone)"}},
	})
}

func TestCallerIDBeforeRingAges(t *testing.T) {
	m := testMachine(func(m *Machine) { m.RingsBeforeAnswer = 1 })
	l := run(t, m, Line{}, []step{
		{sec(1), Event{Kind: EvPolarity, Reversed: true}, Idle, nil},
		{sec(2), Event{Kind: EvCallerID, Number: "0301234567"}, Idle, nil},
		{sec(3), ev(EvRingBegin), Ringing, nil},
		{sec(3) + ms(320), tick(), Ringing, []string{"incoming(0301234567,)"}},
	})
	// A caller ID that came long before the ring belongs to no call.
	l = Line{Reversed: l.Reversed}
	run(t, m, l, []step{
		{sec(100), Event{Kind: EvCallerID, Number: "999"}, Idle, nil},
		{sec(100) + DefaultTimers.CallerIDMaxAge + ms(20), ev(EvRingBegin), Ringing, nil},
		{sec(111), tick(), Ringing, []string{"incoming(,)"}},
	})
}

func TestOutgoingDialToneDTMFPolarityAnswer(t *testing.T) {
	m := testMachine(func(m *Machine) { m.Supervision.AnswerPolarity = true })
	run(t, m, Line{}, []step{
		{0, Event{Kind: EvDial, Number: "5551234"}, Seized, []string{"seize"}},
		{ms(400), ev(EvDialTone), Dialling, []string{"senddigits(5551234)"}},
		{ms(1600), ev(EvDialDone), Proceeding, []string{"audio", "proceeding"}},
		{sec(30), tick(), Proceeding, nil}, // no assumed answer
		{sec(31), Event{Kind: EvPolarity, Reversed: true}, Connected, []string{"answered(polarity)"}},
		{sec(60), Event{Kind: EvPolarity, Reversed: false}, Guard, []string{"disconnected(polarity)", "toneoff", "audiooff", "release"}},
	})
}

func TestOutgoingBlindPulseAssumedAnswer(t *testing.T) {
	m := testMachine(func(m *Machine) { m.Timers.AnswerDelay = sec(5) })
	run(t, m, Line{}, []step{
		{0, Event{Kind: EvDial, Number: "305", Pulse: true}, Seized, []string{"seize"}},
		{DefaultTimers.DialToneWait - ms(20), tick(), Seized, nil},
		{DefaultTimers.DialToneWait, tick(), Dialling, []string{"senddigits(pulse:305)"}},
		{sec(4), ev(EvLoopLost), Dialling, nil}, // our own break
		{sec(4) + sec(1), tick(), Dialling, nil},
		{sec(6), ev(EvDialDone), Proceeding, []string{"audio", "proceeding"}},
		{sec(11) - ms(20), tick(), Proceeding, nil},
		{sec(11), tick(), Connected, []string{"answered(timeout)"}},
	})
}

func TestOutgoingFailures(t *testing.T) {
	m := testMachine(func(m *Machine) { m.Supervision.RequireDialTone = true })
	run(t, m, Line{}, []step{
		{0, Event{Kind: EvDial, Number: "12#", Pulse: true}, Idle, []string{"failed(bad-number)"}},
		{0, Event{Kind: EvDial, Number: "x1"}, Idle, []string{"failed(bad-number)"}},
		{0, Event{Kind: EvDial, Number: ""}, Idle, []string{"failed(bad-number)"}},
		{ms(20), Event{Kind: EvDial, Number: "12#"}, Seized, []string{"seize"}},
		{ms(40), Event{Kind: EvDial, Number: "1"}, Seized, []string{"failed(busy)"}},
		{ms(20) + DefaultTimers.DialToneWait, tick(), Guard, []string{"failed(no-dial-tone)", "toneoff", "audiooff", "release"}},
		{ms(40) + DefaultTimers.DialToneWait, Event{Kind: EvDial, Number: "1"}, Guard, []string{"failed(busy)"}},
	})
}

func TestDisconnectSupervision(t *testing.T) {
	connected := func(m *Machine) Line {
		l, _ := m.Step(Line{}, Event{Kind: EvDial, Number: "1"}, 0)
		l, _ = m.Step(l, ev(EvDialTone), ms(300))
		l, _ = m.Step(l, ev(EvDialDone), ms(500))
		if l.State != Connected {
			t.Fatalf("setup: state %v", l.State)
		}
		return l
	}
	rel := []string{"toneoff", "audiooff", "release"}
	with := func(r string) []string { return append([]string{"disconnected(" + r + ")"}, rel...) }
	t.Run("cpc", func(t *testing.T) {
		m := testMachine(nil)
		run(t, m, connected(m), []step{
			{sec(10), ev(EvLoopLost), Connected, nil},
			{sec(10) + DefaultTimers.CPCQualify - ms(20), tick(), Connected, nil},
			{sec(10) + DefaultTimers.CPCQualify, tick(), Guard, with("cpc")},
		})
	})
	t.Run("cpc-glitch", func(t *testing.T) {
		m := testMachine(nil)
		run(t, m, connected(m), []step{
			{sec(10), ev(EvLoopLost), Connected, nil},
			{sec(10) + ms(60), ev(EvLoopRestored), Connected, nil},
			{sec(12), tick(), Connected, nil},
		})
	})
	t.Run("cpc-off", func(t *testing.T) {
		m := testMachine(func(m *Machine) { m.Supervision.CPC = false })
		run(t, m, connected(m), []step{
			{sec(10), ev(EvLoopLost), Connected, nil},
			{sec(12), tick(), Connected, nil},
		})
	})
	t.Run("cpc-during-flash", func(t *testing.T) {
		m := testMachine(nil)
		run(t, m, connected(m), []step{
			{sec(10), ev(EvFlash), Connected, []string{"flash"}},
			{sec(10) + ms(20), ev(EvLoopLost), Connected, nil},
			{sec(10) + ms(800), tick(), Connected, nil},
			{sec(10) + ms(800), ev(EvFlashDone), Connected, nil},
			{sec(12), ev(EvLoopLost), Connected, nil},
			{sec(12) + DefaultTimers.CPCQualify, tick(), Guard, with("cpc")},
		})
	})
	t.Run("busy-tone", func(t *testing.T) {
		m := testMachine(nil)
		run(t, m, connected(m), []step{
			{sec(10), Event{Kind: EvProgressTone, Tone: tone.Busy}, Guard, with("busy-tone")},
		})
	})
	t.Run("congestion-while-proceeding", func(t *testing.T) {
		m := testMachine(func(m *Machine) { m.Supervision.AnswerPolarity = true })
		l, _ := m.Step(Line{}, Event{Kind: EvDial, Number: "1"}, 0)
		l, _ = m.Step(l, ev(EvDialTone), ms(300))
		l, _ = m.Step(l, ev(EvDialDone), ms(500))
		run(t, m, l, []step{
			{sec(3), Event{Kind: EvProgressTone, Tone: tone.Congestion}, Guard, with("congestion-tone")},
		})
	})
	t.Run("tone-off", func(t *testing.T) {
		m := testMachine(func(m *Machine) { m.Supervision.Tone = false })
		run(t, m, connected(m), []step{
			{sec(10), Event{Kind: EvProgressTone, Tone: tone.Busy}, Connected, nil},
		})
	})
	t.Run("silence", func(t *testing.T) {
		m := testMachine(func(m *Machine) { m.Timers.SilenceTimeout = sec(30) })
		run(t, m, connected(m), []step{
			{sec(20), ev(EvActivity), Connected, nil},
			{sec(50) - ms(20), tick(), Connected, nil},
			{sec(50), tick(), Guard, with("silence")},
		})
	})
	t.Run("polarity-after-incoming-answer", func(t *testing.T) {
		m := testMachine(nil)
		l, _ := m.Step(Line{}, ev(EvRingBegin), 0)
		run(t, m, l, []step{
			{sec(1), ev(EvAnswer), Connected, []string{"seize", "audio"}},
			{sec(1) + ms(200), Event{Kind: EvPolarity, Reversed: true}, Connected, nil}, // answer reversal
			{sec(1) + ms(200), Event{Kind: EvPolarity, Reversed: true}, Connected, nil}, // no change
			{sec(40), Event{Kind: EvPolarity, Reversed: false}, Guard, with("polarity")},
		})
	})
	t.Run("lifeline", func(t *testing.T) {
		m := testMachine(nil)
		run(t, m, connected(m), []step{
			{sec(10), Event{Kind: EvLifeline, On: true}, Lifeline, with("lifeline")},
			{sec(11), ev(EvRingBegin), Lifeline, nil},
			{sec(12), Event{Kind: EvDial, Number: "1"}, Lifeline, []string{"failed(busy)"}},
			{sec(13), Event{Kind: EvLifeline, On: false}, Idle, nil},
		})
	})
}

func TestTwoStageCollect(t *testing.T) {
	m := testMachine(func(m *Machine) { m.RingsBeforeAnswer = 1 })
	answered := func() Line {
		l, _ := m.Step(Line{}, ev(EvRingBegin), 0)
		l, _ = m.Step(l, ev(EvAnswer), sec(1))
		return l
	}
	run(t, m, answered(), []step{
		{sec(2), Event{Kind: EvCollect, PlayTone: true, Tone: tone.Dial}, Collecting, []string{"audiooff", "tone(dial)"}},
		{sec(3), Event{Kind: EvDigit, Digit: '2'}, Collecting, []string{"toneoff"}},
		{sec(3) + ms(200), Event{Kind: EvDigit, Digit: '0'}, Collecting, nil},
		{sec(3) + ms(400), Event{Kind: EvDigit, Digit: '0'}, Collecting, nil},
		{sec(3) + ms(600), Event{Kind: EvDigit, Digit: '1'}, Connected, []string{"digits(2001)", "audio"}},
	})
	run(t, m, answered(), []step{
		{sec(2), Event{Kind: EvCollect}, Collecting, []string{"audiooff"}},
		{sec(3), Event{Kind: EvDigit, Digit: '0'}, Collecting, []string{"toneoff"}},
		{sec(3) + DefaultTimers.InterDigit, tick(), Connected, []string{"digits(0)", "audio"}},
	})
	run(t, m, answered(), []step{
		{sec(2), Event{Kind: EvCollect, PlayTone: true}, Collecting, []string{"audiooff", "tone(dial)"}},
		{sec(2) + DefaultTimers.FirstDigit, tick(), Connected, []string{"toneoff", "digits(,timeout)", "audio"}},
	})
	run(t, m, answered(), []step{
		{sec(2), Event{Kind: EvCollect}, Collecting, []string{"audiooff"}},
		{sec(3), Event{Kind: EvDigit, Digit: '9'}, Connected, []string{"toneoff", "digits(9,no-match)", "audio"}},
	})
}

func TestStateNames(t *testing.T) {
	for s := Idle; s <= Lifeline; s++ {
		if s.String() == "" || s.String()[0] == 'S' {
			t.Errorf("state %d has no name", s)
		}
	}
	for k := EvTick; k <= EvLifeline; k++ {
		if k.String()[0] == 'E' {
			t.Errorf("event %d has no name", k)
		}
	}
	for k := ActSeize; k <= ActRingStopped; k++ {
		if k.String()[0] == 'A' {
			t.Errorf("action %d has no name", k)
		}
	}
	for r := ReasonNone + 1; r <= ReasonTimeout; r++ {
		if r.String()[0] == 'R' {
			t.Errorf("reason %d has no name", r)
		}
	}
}

// TestDialNeedsDialTone: a dial that asks for dial tone fails without it
// on a line that otherwise dials blind; one that does not ask dials blind.
func TestDialNeedsDialTone(t *testing.T) {
	m := testMachine(nil)
	run(t, m, Line{}, []step{
		{0, Event{Kind: EvDial, Number: "12", NeedDialTone: true}, Seized, []string{"seize"}},
		{DefaultTimers.DialToneWait, tick(), Guard, []string{"failed(no-dial-tone)", "toneoff", "audiooff", "release"}},
	})
	run(t, m, Line{}, []step{
		{0, Event{Kind: EvDial, Number: "12"}, Seized, []string{"seize"}},
		{DefaultTimers.DialToneWait, tick(), Dialling, []string{"senddigits(12)"}},
	})
}
