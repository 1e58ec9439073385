package gateway

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"tipring/dsp/progress"
	"tipring/dsp/tone"
	"tipring/hal/sim"
)

// unknownPBXBusy is a PBX's busy tone in no zone table: 480 Hz, 300 ms on,
// 200 ms off. The tests run in zone de (425 Hz tones), whose detector does
// not take it for its busy or congestion tone.
var unknownPBXBusy = tone.Tone{Loop: []tone.Segment{
	{Components: []tone.Component{{Freq: 480, LevelDBm0: -16}}, Dur: 300 * time.Millisecond},
	{Dur: 200 * time.Millisecond},
}}

// learnRig is zone de with the two PSTN lines (mut adjusts them) and the
// route 9… to line 1; line 1's office plays the unknown PBX busy tone, for
// the busy number 5551234 as well.
func learnRig(t *testing.T, mut func([]LineConfig)) (*rig, *sim.Line) {
	t.Helper()
	r := newRig(t, "de", lineSim, Config{
		Lines:  twoLines(mut),
		Routes: []Route{{Pattern: "9x.T", Lines: []string{"pstn1"}, Strip: 1}},
	})
	l1 := r.line(t, 1)
	l1.SetTone(tone.Busy, &unknownPBXBusy)
	l1.SetBusyNumbers("5551234")
	return r, l1
}

func learnCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// TestLearnToneUnknownPBX: learning on an idle line dials the busy number,
// records the PBX's tone and answers its signature (480 Hz, 300/200 ms) in
// the configuration syntax; the line is back in service afterwards and
// places an ordinary call.
func TestLearnToneUnknownPBX(t *testing.T) {
	r, l1 := learnRig(t, nil)
	got, err := r.gw.LearnTone(learnCtx(t), "pstn1", LearnRequest{Number: "5551234", Seconds: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("learnt %+v", got)
	if l1.Digits() != "5551234" {
		t.Errorf("office collected %q", l1.Digits())
	}
	if len(got.Freqs) != 1 || math.Abs(got.Freqs[0]-480) > 3 {
		t.Errorf("frequencies %v, want 480 Hz", got.Freqs)
	}
	if len(got.Cadence) != 2 || abs64(got.Cadence[0]-300) > 20 || abs64(got.Cadence[1]-200) > 20 {
		t.Errorf("cadence %v ms, want 300/200", got.Cadence)
	}
	if got.Signal != "busy" || got.ZoneTone != "" || got.Line != "pstn1" || got.LevelDBm0 < -20 || got.LevelDBm0 > -12 {
		t.Errorf("answer %+v", got)
	}
	s, err := progress.ParseSignature(got.Signature)
	if err != nil || !strings.HasPrefix(got.Signature, "busy 4") || s.String() != got.Signature {
		t.Errorf("signature %q does not read back: %v", got.Signature, err)
	}

	r.waitFor(t, "the line released", 3*time.Second, func() bool { return !l1.Seized() })
	r.waitAvailable(t, "pstn1")
	if got := huntCall(t, r, 1, "2222", true); got != 1 {
		t.Fatalf("after learning the call went out on line %d", got)
	}
	r.waitFor(t, "the far end answers", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })
}

// waitAvailable waits until the line is back in service: on hook, past
// its guard time.
func (r *rig) waitAvailable(t *testing.T, name string) {
	t.Helper()
	p := r.gw.byLine[name].p
	r.waitFor(t, name+" available", 5*time.Second, p.Available)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestLearnToneErrors: unknown line, line in a call, no dial tone, nothing
// periodic heard, bad request; each leaves the line usable.
func TestLearnToneErrors(t *testing.T) {
	r, l1 := learnRig(t, nil)
	ctx := learnCtx(t)
	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: error %v, want %v", what, err, want)
		}
	}
	_, err := r.gw.LearnTone(ctx, "nosuch", LearnRequest{Number: "1"})
	check("unknown line", err, ErrUnknownLine)
	for _, req := range []LearnRequest{{Number: ""}, {Number: "12a"}, {Number: "1", Seconds: 1}, {Number: "1", Seconds: 61},
		{Number: "1", Signal: "ringback"}} {
		_, err := r.gw.LearnTone(ctx, "pstn1", req)
		check("bad request", err, ErrLearnRequest)
	}

	// Nothing periodic: the number connects to a silent party.
	_, err = r.gw.LearnTone(ctx, "pstn1", LearnRequest{Number: "777", Seconds: 6})
	check("silent party", err, ErrNoPeriodicTone)
	r.waitAvailable(t, "pstn1")

	// No dial tone: the office's dial tone is silence.
	l1.SetTone(tone.Dial, &tone.Tone{Loop: []tone.Segment{{}}})
	_, err = r.gw.LearnTone(ctx, "pstn1", LearnRequest{Number: "5551234"})
	check("no dial tone", err, ErrNoDialTone)
	if l1.Digits() != "" {
		t.Errorf("dialled %q blind", l1.Digits())
	}
	l1.SetTone(tone.Dial, nil)
	r.waitAvailable(t, "pstn1")

	// A line in a call is busy.
	huntCall(t, r, 1, "2222", true)
	r.waitFor(t, "connected", 8*time.Second, func() bool { return r.portState("2001") == PortConnected })
	_, err = r.gw.LearnTone(ctx, "pstn1", LearnRequest{Number: "5551234"})
	check("line in a call", err, ErrLineBusy)
	if r.portState("2001") != PortConnected {
		t.Error("the call was disturbed")
	}
}

// farEndLeavesWithPBXTone sets up a call from phone 1 out on line 1, has
// the far end hang up with only the PBX's unknown busy tone, and returns
// the board time until the phone heard the far end leave (-1: not within
// limit).
func farEndLeavesWithPBXTone(t *testing.T, r *rig, l1 *sim.Line, limit time.Duration) time.Duration {
	t.Helper()
	p1 := r.phone(t, 1)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p1.Dial("92222"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the office collects the number", 15*time.Second, func() bool { return l1.Digits() == "2222" })
	r.waitFor(t, "the far end answers", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })
	r.board.Sleep(time.Second)
	l1.Hangup()
	at := r.board.Now()
	for r.board.Now()-at < limit {
		if r.portState("2001") == PortTone {
			return r.board.Now() - at
		}
		r.board.Sleep(20 * time.Millisecond)
	}
	return -1
}

// TestLearnedToneClearsCall: on a line whose only disconnect signal is
// the PBX's unknown busy tone (loop-current drop and polarity supervision
// off), the configured signature clears the call within 3 s: the phone
// hears the far end leave and the line is released. Without it the call
// is held open: the tone is not silence, so even a 10 s silence timeout
// never fires.
func TestLearnedToneClearsCall(t *testing.T) {
	lines := func(tones []string) func([]LineConfig) {
		return func(l []LineConfig) {
			for i := range l {
				l[i].NoCPC, l[i].NoPolarityDisconnect = true, true
				l[i].SilenceTimeout = 10 * time.Second
				l[i].DisconnectTones = tones
			}
		}
	}
	t.Run("configured", func(t *testing.T) {
		r, l1 := learnRig(t, lines([]string{"congestion 1400 Hz 100/100 ms", "busy 480 Hz 300/200 ms"}))
		d := farEndLeavesWithPBXTone(t, r, l1, 3*time.Second)
		if d < 0 {
			t.Fatal("the call was not cleared within 3 s of the far end leaving")
		}
		t.Logf("cleared %v after the far end left", d)
		r.waitFor(t, "line released", time.Second, func() bool { return !l1.Seized() })
		recs := r.cdr.all()
		if len(recs) != 1 || recs[0].Cause != "callee" || recs[0].DstLeg != "pstn1" {
			t.Errorf("CDRs %+v", recs)
		}
	})
	t.Run("not configured", func(t *testing.T) {
		r, l1 := learnRig(t, lines(nil))
		if d := farEndLeavesWithPBXTone(t, r, l1, 15*time.Second); d >= 0 {
			t.Fatalf("cleared %v after the far end left with no signature configured", d)
		}
		if !l1.Seized() || r.portState("2001") != PortConnected {
			t.Errorf("line seized %v, phone %v: want the call still held", l1.Seized(), r.portState("2001"))
		}
	})
}

// TestDisconnectTonesConfigErrors: a line whose disconnect tone does not
// parse is refused with the line and the tone named.
func TestDisconnectTonesConfigErrors(t *testing.T) {
	b, err := sim.New(sim.Config{Fast: true, Zone: "de"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, err = New(Options{Board: b, Config: Config{Zone: "de", Lines: []LineConfig{
		{Span: 1, Chan: 5, Name: "pstn1", Inbound: InboundNone, DisconnectTones: []string{"busy 480 Hz 300/200 ms", "busy 480 Hz"}},
	}}})
	if err == nil || !strings.Contains(err.Error(), "line 1/5") || !strings.Contains(err.Error(), "disconnect tone 2") {
		t.Fatalf("error %v", err)
	}
}
