package sim_test

import (
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/hal/sim"
)

// unknownBusy is a PBX busy tone in no zone table: 480 Hz, 300/200 ms.
var unknownBusy = tone.Tone{Loop: []tone.Segment{
	{Components: []tone.Component{{Freq: 480, LevelDBm0: -16}}, Dur: 300 * time.Millisecond},
	{Dur: 200 * time.Millisecond},
}}

// TestLineOwnTones: a line's own busy tone replaces the zone's after the
// far end hangs up and for a busy number dialled (pulses), which the office
// does not connect; SetTone(nil) brings the zone's back.
func TestLineOwnTones(t *testing.T) {
	b, ch, l := lineBoard(t, "de", "alaw", 10)
	l.SetTone(tone.Busy, &unknownBusy)
	connected(t, ch, l)
	l.Hangup()
	r := runChannel(t, b, ch, 2*time.Second, 0)
	if lv := measure.ToneLevelDBm0(r.rx, 480); lv < -25 {
		t.Errorf("own busy tone at %.1f dBm0", lv)
	}
	if lv := measure.ToneLevelDBm0(r.rx, 425); lv > -35 {
		t.Errorf("zone busy tone (425 Hz) at %.1f dBm0 besides the line's own", lv)
	}
	if err := ch.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	runChannel(t, b, ch, 500*time.Millisecond, 0)

	l.SetBusyNumbers("23")
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	runChannel(t, b, ch, 300*time.Millisecond, 0)
	hookScript(t, b, ch, pulseOps("23", 60*time.Millisecond, 40*time.Millisecond, 700*time.Millisecond))
	if l.Digits() != "23" {
		t.Fatalf("office collected %q", l.Digits())
	}
	r = runChannel(t, b, ch, sim.DigitTimeout+2*time.Second, 0)
	if l.State() != sim.LineDisconnected || l.Answered() || !l.LoopCurrent() {
		t.Fatalf("busy number: line %v, answered %v, loop current %v", l.State(), l.Answered(), l.LoopCurrent())
	}
	if r.first(hal.EventOnHook, 0) >= 0 {
		t.Error("loop current dropped for a busy number")
	}
	if lv := measure.ToneLevelDBm0(r.audio(r.start+sim.DigitTimeout+200*time.Millisecond, r.start+sim.DigitTimeout+2*time.Second), 480); lv < -25 {
		t.Errorf("busy number: own busy tone at %.1f dBm0", lv)
	}
	if err := ch.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	runChannel(t, b, ch, 500*time.Millisecond, 0)

	l.SetTone(tone.Busy, nil)
	l.SetBusyNumbers()
	connected(t, ch, l)
	l.Hangup()
	r = runChannel(t, b, ch, 2*time.Second, 0)
	if lv := measure.ToneLevelDBm0(r.rx, 425); lv < -30 {
		t.Errorf("zone busy tone back: 425 Hz at %.1f dBm0", lv)
	}
}
