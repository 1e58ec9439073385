package gateway

import (
	"math"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal/sim"
)

// matrixZones are the zones the analog features are checked in where they
// differ by country.
var matrixZones = []string{"us", "uk", "de", "fr", "cn"}

// firstTone returns the first sounding segment of sig in zone z and the
// on/off durations of one cycle of its loop (empty for a steady tone).
func firstTone(t *testing.T, z *tone.Zone, sig tone.Signal) (tone.Component, []time.Duration) {
	t.Helper()
	tn, ok := z.Tones[sig]
	if !ok {
		t.Fatalf("zone %s has no %v tone", z.Name, sig)
	}
	var comp *tone.Component
	var cadence []time.Duration
	for _, seg := range append(append([]tone.Segment(nil), tn.First...), tn.Loop...) {
		if len(seg.Components) > 0 && comp == nil {
			comp = &seg.Components[0]
		}
	}
	for _, seg := range tn.Loop {
		if seg.Dur > 0 {
			cadence = append(cadence, seg.Dur)
		}
	}
	if comp == nil {
		t.Fatalf("zone %s: %v tone is silent", z.Name, sig)
	}
	return *comp, cadence
}

// runs returns the lengths of the on and off stretches of freq in x,
// judged on 10 ms blocks (on: within 10 dB of level), the first and last
// stretch dropped as cut.
func runs(x []int16, freq, level float64) []time.Duration {
	const n = 80
	var out []time.Duration
	cur, length := false, 0
	for i := 0; i+n <= len(x); i += n {
		on := measure.ToneLevelDBm0(x[i:i+n], freq) > level-10
		if i > 0 && on != cur {
			out = append(out, time.Duration(length)*10*time.Millisecond)
			length = 0
		}
		cur = on
		length++
	}
	if len(out) < 2 {
		return nil
	}
	return out[1:]
}

// peakLevel is the highest level of freq in x over 50 ms blocks: the
// level of a tone while it sounds.
func peakLevel(x []int16, freq float64) float64 {
	const n = 400
	best := math.Inf(-1)
	for i := 0; i+n <= len(x); i += n {
		best = max(best, measure.ToneLevelDBm0(x[i:i+n], freq))
	}
	return best
}

// cadenceMatches says whether got holds a whole cycle of want (on, off,
// ...), each stretch within 15 % or 30 ms.
func cadenceMatches(got, want []time.Duration) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	near := func(a, b time.Duration) bool {
		d := a - b
		if d < 0 {
			d = -d
		}
		return d <= 30*time.Millisecond || float64(d) <= 0.15*float64(b)
	}
	for start := 0; start+len(want) <= len(got); start++ {
		ok := true
		for i, w := range want {
			if !near(got[start+i], w) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// TestZoneTonesAndCadences: in each zone of matrixZones a phone off hook
// hears the zone's dial tone; a local call rings the called phone with
// the zone's ring cadence; a third phone calling the two in conversation
// hears the zone's busy tone with its cadence, unless call waiting is on,
// when the called phone hears the zone's call-waiting tone; and a phone
// left off hook hears the receiver off-hook tone (howler). Frequencies,
// levels and cadences come from the zone tables of dsp/tone (ITU-T E.180
// Suppl. 2 and the national standards they cite) and are measured on the
// simulated phones' earpieces.
func TestZoneTonesAndCadences(t *testing.T) {
	for _, zone := range matrixZones {
		t.Run(zone, func(t *testing.T) {
			z, err := tone.LookupZone(zone)
			if err != nil {
				t.Fatal(err)
			}
			r := newRig(t, zone, sim.Config{NoEcho: true}, Config{
				// The fast board's clock runs on while this goroutine is between
				// two waits (the channel loops want time), so dialling gets a
				// first-digit timer far longer than any such gap.
				OffHookWarning: 3 * time.Second, FirstDigit: time.Minute,
				Ports: []PortConfig{
					{Span: 1, Chan: 1, Extension: "2001"}, {Span: 1, Chan: 2, Extension: "2002"},
					{Span: 1, Chan: 3, Extension: "2003"}, {Span: 1, Chan: 4, Extension: "2004", NoCallWaiting: true},
				},
			})
			p1, p2, p3, p4 := r.phone(t, 1), r.phone(t, 2), r.phone(t, 3), r.phone(t, 4)

			dial, _ := firstTone(t, z, tone.Dial)
			p1.OffHook()
			r.board.Sleep(200 * time.Millisecond)
			if l := measure.ToneLevelDBm0(p1.Listen(time.Second), dial.Freq); math.Abs(l-dial.LevelDBm0) > 2 {
				t.Errorf("dial tone %.0f Hz at %.1f dBm0, want %.1f", dial.Freq, l, dial.LevelDBm0)
			}

			// Ringing: phone 1 calls phone 4 and waits two ring cycles.
			if err := p1.Dial("2004"); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "phone 4 rings", 5*time.Second, p4.Ringing)
			var cycle time.Duration
			for _, d := range z.RingCadence {
				cycle += d
			}
			r.board.Sleep(2*cycle + 500*time.Millisecond)
			var got []time.Duration
			rt := p4.RingTimes()
			for i, b := range rt {
				got = append(got, b[1]-b[0])
				if i+1 < len(rt) {
					got = append(got, rt[i+1][0]-b[1])
				}
			}
			if !cadenceMatches(got, z.RingCadence) {
				t.Errorf("ring cadence %v, want %v", got, z.RingCadence)
			}
			p4.OffHook()
			r.waitFor(t, "1 and 4 connected", 2*time.Second, func() bool { return r.portState("2004") == PortConnected })

			// Busy: phone 3 calls phone 4 (no call waiting there).
			busy, busyCad := firstTone(t, z, tone.Busy)
			p3.OffHook()
			r.board.Sleep(200 * time.Millisecond)
			if err := p3.Dial("2004"); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "busy", 5*time.Second, func() bool { return r.portState("2003") == PortTone })
			x := p3.Listen(3 * time.Second)
			if l := peakLevel(x, busy.Freq); math.Abs(l-busy.LevelDBm0) > 2 {
				t.Errorf("busy tone %.0f Hz at %.1f dBm0, want about %.1f", busy.Freq, l, busy.LevelDBm0)
			}
			if got := runs(x, busy.Freq, busy.LevelDBm0); !cadenceMatches(got, busyCad) {
				t.Errorf("busy cadence %v, want %v", got, busyCad)
			}
			p3.OnHook()
			r.board.Sleep(time.Second)

			// Call waiting: phone 2 talks to phone 3; phone 4's caller,
			// phone 1, hangs up and calls phone 2, which hears the tone.
			p1.OnHook()
			p4.OnHook()
			r.board.Sleep(time.Second)
			connect(t, r, p3, p2, "2003", "2002")
			cw, _ := firstTone(t, z, tone.CallWaiting)
			p1.OffHook()
			r.board.Sleep(200 * time.Millisecond)
			if err := p1.Dial("2002"); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "call waiting", 5*time.Second, func() bool { return r.portState("2001") != PortDialling })
			r.board.Sleep(1500 * time.Millisecond)
			if l := peakLevel(p2.Heard(2500*time.Millisecond), cw.Freq); math.Abs(l-cw.LevelDBm0) > 2 {
				t.Errorf("call-waiting tone %.0f Hz at %.1f dBm0, want about %.1f", cw.Freq, l, cw.LevelDBm0)
			}
			p1.OnHook()
			p2.OnHook()
			p3.OnHook()
			r.board.Sleep(time.Second)

			// Howler: off hook without dialling, past the first-digit and
			// off-hook warning timers.
			howl, _ := firstTone(t, z, tone.Howler)
			p4.OffHook()
			r.board.Sleep(64 * time.Second)
			if l := peakLevel(p4.Listen(time.Second), howl.Freq); l < howl.LevelDBm0-6 {
				t.Errorf("howler %.0f Hz at %.1f dBm0, want about %.1f", howl.Freq, l, howl.LevelDBm0)
			}
			p4.OnHook()
		})
	}
}

// TestPSTNDisconnectByZoneTone: with loop-current and polarity
// supervision off, a PSTN call answered on a phone is cleared by the
// office's busy tone alone in every zone of matrixZones: the line is
// released and the phone hears the far end leave within 3 s of the far
// party hanging up.
func TestPSTNDisconnectByZoneTone(t *testing.T) {
	for _, zone := range matrixZones {
		t.Run(zone, func(t *testing.T) {
			r := newRig(t, zone, lineSim, Config{Lines: twoLines(func(l []LineConfig) {
				l[0].NoCPC, l[0].NoPolarityDisconnect = true, true
			})})
			p1, l1 := r.phone(t, 1), r.line(t, 1)
			if err := l1.Ring("5551234", ""); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "the phone rings", 15*time.Second, p1.Ringing)
			p1.OffHook()
			r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })
			r.board.Sleep(time.Second)
			start := r.board.Now()
			l1.Hangup()
			r.waitFor(t, "line released on the busy tone", 3*time.Second, func() bool { return !l1.Seized() })
			t.Logf("%s: released %v after the far end left", zone, r.board.Now()-start)
			r.waitFor(t, "the phone hears the far end leave", time.Second, func() bool { return r.portState("2001") == PortTone })
		})
	}
}
