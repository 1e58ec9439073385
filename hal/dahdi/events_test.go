package dahdi

import (
	"fmt"
	"testing"
	"time"

	"tipring/hal"
)

func kinds(evs []hal.Event) string {
	var s []hal.EventKind
	for _, e := range evs {
		s = append(s, e.Kind)
	}
	return fmt.Sprint(s)
}

// TestTranslateFXS walks an FXS port through ringing, ring trip, a flash,
// a rotary digit and hang-up, as DAHDI reports them for fxoks signalling.
func TestTranslateFXS(t *testing.T) {
	s := sigState{kind: hal.KindFXS}
	steps := []struct {
		raw  int32 // 0: the ring command
		want []hal.EventKind
		act  driverAction
	}{
		{0, []hal.EventKind{hal.EventRingerOn}, actNone},
		{eventRingerOff, []hal.EventKind{hal.EventRingerOff}, actNone},
		{eventRingerOn, []hal.EventKind{hal.EventRingerOn}, actNone},
		// Ring trip: the burst ends, the phone is off hook, the driver is
		// told to stop the cadence.
		{eventRingOffHook, []hal.EventKind{hal.EventRingerOff, hal.EventOffHook}, actOffHook},
		{eventRingerOn, nil, actNone}, // late cadence event after the trip
		{eventWinkFlash, []hal.EventKind{hal.EventFlash}, actNone},
		{eventPulseDigit | '5', []hal.EventKind{hal.EventPulseDigit}, actNone},
		{eventHookComplete, []hal.EventKind{hal.EventHookComplete}, actNone},
		{eventOnHook, []hal.EventKind{hal.EventOnHook}, actOnHook},
		{eventAlarm, []hal.EventKind{hal.EventAlarm}, actNone},
		{eventNoAlarm, []hal.EventKind{hal.EventNoAlarm}, actNone},
		{eventReadOverrun, nil, actNone},
		{eventDialComplete, nil, actNone},
	}
	for i, st := range steps {
		var evs []hal.Event
		act := actNone
		if st.raw == 0 {
			evs = s.startRing(nil)
		} else {
			evs, act = s.translate(st.raw, nil)
		}
		if kinds(evs) != fmt.Sprint(st.want) || act != st.act {
			t.Errorf("step %d (raw %#x): %s action %d, want %v action %d", i, st.raw, kinds(evs), act, st.want, st.act)
		}
		if st.raw == eventPulseDigit|'5' && evs[0].Digit != '5' {
			t.Errorf("pulse digit %q, want '5'", evs[0].Digit)
		}
	}
	if s.overruns != 1 || s.ignored != 1 {
		t.Errorf("overruns %d ignored %d, want 1 and 1", s.overruns, s.ignored)
	}
	// Ringoff during a burst reports its end; a second one nothing.
	s.startRing(nil)
	if got := kinds(s.stopRing(nil)); got != fmt.Sprint([]hal.EventKind{hal.EventRingerOff}) {
		t.Errorf("ringoff: %s", got)
	}
	if got := s.stopRing(nil); len(got) != 0 {
		t.Errorf("second ringoff: %v", got)
	}
}

// TestTranslateFXO checks that an FXO port ignores DAHDI's own ring events
// (debounced away after every open) and reports polarity and loop current.
func TestTranslateFXO(t *testing.T) {
	s := sigState{kind: hal.KindFXO}
	for _, raw := range []int32{eventRingBegin, eventRingOffHook} {
		if evs, act := s.translate(raw, nil); len(evs) != 0 || act != actNone {
			t.Errorf("raw %d: %v %d", raw, evs, act)
		}
	}
	evs, _ := s.translate(eventPolarity, nil)
	if len(evs) != 1 || evs[0].Kind != hal.EventPolarity || !evs[0].Reversed {
		t.Errorf("first polarity reversal: %v", evs)
	}
	evs, _ = s.translate(eventPolarity, nil)
	if len(evs) != 1 || evs[0].Reversed {
		t.Errorf("second polarity reversal: %v", evs)
	}
	if evs, _ := s.translate(eventOnHook, nil); kinds(evs) != fmt.Sprint([]hal.EventKind{hal.EventOnHook}) {
		t.Errorf("loop current lost: %v", evs)
	}
	if evs, _ := s.translate(eventPulseDigit|'3', nil); len(evs) != 0 {
		t.Errorf("pulse digit on an FXO port: %v", evs)
	}
}

// TestRingState samples a 2 s ring burst every 20 ms and checks that it
// is reported once, the end one ring trailer after the voltage went away.
func TestRingState(t *testing.T) {
	s := sigState{kind: hal.KindFXO}
	t0 := time.Unix(1000, 0)
	var got []hal.Event
	var at []time.Duration
	for ms := 0; ms < 4000; ms += 20 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		ringing := ms >= 500 && ms < 2500
		for _, e := range s.ringState(ringing, now, nil) {
			got = append(got, e)
			at = append(at, now.Sub(t0))
		}
	}
	if kinds(got) != fmt.Sprint([]hal.EventKind{hal.EventRingBegin, hal.EventRingEnd}) {
		t.Fatalf("events %v", got)
	}
	if at[0] != 500*time.Millisecond {
		t.Errorf("ring began at %v", at[0])
	}
	if end := at[1]; end < 2500*time.Millisecond+ringTrailer-20*time.Millisecond || end > 2500*time.Millisecond+ringTrailer+20*time.Millisecond {
		t.Errorf("ring ended at %v, want 2.5 s + %v", end, ringTrailer)
	}
}

func TestAlarmsFromDAHDI(t *testing.T) {
	for _, c := range []struct {
		d uint32
		h hal.Alarm
	}{
		{0, 0}, {alarmRed, hal.AlarmRed}, {alarmYellow | alarmBlue, hal.AlarmYellow | hal.AlarmBlue},
		{alarmRecover | alarmLoopback | alarmNotOpen, hal.AlarmRecover | hal.AlarmLoopback | hal.AlarmNotOpen},
		{1 << 8, 0}, // DAHDI_ALARM_LOS: verbose bits have no hal meaning
	} {
		if got := alarmsFromDAHDI(c.d); got != c.h {
			t.Errorf("%#x -> %v, want %v", c.d, got, c.h)
		}
	}
}

// FuzzTranslate feeds arbitrary driver event values to every channel kind:
// no panic, at most two events per value, and the ringer never on while no
// ring command is in force.
func FuzzTranslate(f *testing.F) {
	for _, v := range []int32{eventRingOffHook, eventRingerOn, eventPulseDigit | '1', -1, 1 << 30} {
		f.Add(v, uint8(1), true)
	}
	f.Fuzz(func(t *testing.T, raw int32, kind uint8, ring bool) {
		s := sigState{kind: hal.ChanKind(kind%4 + 1)}
		if ring {
			s.startRing(nil)
		}
		evs, _ := s.translate(raw, nil)
		if len(evs) > 2 {
			t.Fatalf("%d events for %#x", len(evs), raw)
		}
		if s.ringerOn && !s.ringing {
			t.Fatalf("ringer on without a ring command after %#x", raw)
		}
	})
}
