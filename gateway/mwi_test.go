package gateway

import (
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// toneEdges counts the on/off changes of freq in x, judged on blocks of n
// samples (on: above -35 dBm0).
func toneEdges(x []int16, freq float64, n int) (edges, onBlocks int) {
	prev := false
	for i := 0; i+n <= len(x); i += n {
		on := measure.ToneLevelDBm0(x[i:i+n], freq) > -35
		if on {
			onBlocks++
		}
		if i > 0 && on != prev {
			edges++
		}
		prev = on
	}
	return edges, onBlocks
}

// TestVMWIOnHookAndStutterDialTone: a message-waiting indication for a
// port's SIP account (the gateway's sip.MWIHandler) lights the phone's
// lamp, sends the on-hook visual message waiting message in the port's
// caller-ID scheme without ringing (GR-30-CORE MDMF 0x82 plainly on hook
// in us; EN 300 659-3 MWI 0x82 with the message count after a line
// reversal and DT-AS in de; SIN 227 after a line reversal in uk; after
// a ring pulse alerting signal in fr), and gives stutter dial tone off
// hook; clearing it sends the "off" message and normal dial tone returns.
func TestVMWIOnHookAndStutterDialTone(t *testing.T) {
	when := time.Date(2025, time.June, 2, 9, 41, 0, 0, time.Local)
	cases := []struct {
		zone     string
		s        cid.Scheme
		reversal bool
		rpas     bool
		count    bool    // the message carries the count and time
		dialHz   float64 // a dial tone frequency
	}{
		{zone: "us", s: cid.Bellcore, dialHz: 350},
		{zone: "de", s: cid.ETSI, reversal: true, count: true, dialHz: 425},
		{zone: "uk", s: cid.BT, reversal: true, count: true, dialHz: 350},
		{zone: "fr", s: cid.ETSI, rpas: true, count: true, dialHz: 440},
	}
	for _, tc := range cases {
		t.Run(tc.zone, func(t *testing.T) {
			r := newRigAt(t, tc.zone, sim.Config{NoEcho: true}, Config{Ports: []PortConfig{
				{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"},
				{Span: 1, Chan: 2, Extension: "2002"},
			}}, func() time.Time { return when })
			ph := r.phone(t, 1)
			r.board.Sleep(200 * time.Millisecond)
			var plain []int16
			{
				ph.OffHook()
				plain = ph.Listen(1500 * time.Millisecond)
				ph.OnHook()
				r.board.Sleep(1500 * time.Millisecond)
			}

			for _, on := range []bool{true, false} {
				r.gw.OnMWI("fxs1", on, 2, 1)
				tr := watchCallerID(t, r, ph, tc.s, 5*time.Second, false)
				if len(tr.msgs) != 1 || len(tr.errs) != 0 {
					t.Fatalf("waiting=%v: decoded %d messages (errors %v), want 1", on, len(tr.msgs), tr.errs)
				}
				m := tr.msgs[0]
				if m.VMWI == nil || *m.VMWI != on || m.Type != cid.TypeMDMFMWI {
					t.Errorf("waiting=%v: message type %#x VMWI %v", on, m.Type, m.VMWI)
				}
				if tc.count && on && (m.MessageCount != 2 || m.Time.Month() != when.Month() || m.Time.Day() != when.Day() || m.Time.Hour() != when.Hour() || m.Time.Minute() != when.Minute()) {
					t.Errorf("message count %d time %v, want 2 and %v", m.MessageCount, m.Time, when)
				}
				rings := ph.Rings()
				switch {
				case tc.rpas && on && tr.firstRing == 0:
					t.Errorf("no ring pulse alerting signal before the message")
				case tc.rpas && on:
					rt := ph.RingTimes()
					if d := rt[len(rt)-1][1] - rt[len(rt)-1][0]; d < 200*time.Millisecond || d > 300*time.Millisecond {
						t.Errorf("ring pulse %v, want 200-300 ms", d)
					}
				case !tc.rpas && rings != 0:
					t.Errorf("the phone rang %d times for a message-waiting message", rings)
				}
				if tc.reversal && (tr.reversedAt == 0 || tr.reversedAt > tr.at[0]) {
					t.Errorf("line not reversed before the data (reversed at %v, data end %v)", tr.reversedAt, tr.at[0])
				}
				if !tc.reversal && tr.reversedAt != 0 {
					t.Errorf("line reversed at %v", tr.reversedAt)
				}
				if ph.Reversed() {
					t.Errorf("polarity not restored after the message")
				}
				if ph.VMWI() != on {
					t.Errorf("lamp %v, want %v", ph.VMWI(), on)
				}

				ph.OffHook()
				x := ph.Listen(1500 * time.Millisecond)
				ph.OnHook()
				r.board.Sleep(1500 * time.Millisecond)
				if lvl := measure.ToneLevelDBm0(x, tc.dialHz); lvl < -30 {
					t.Errorf("waiting=%v: no %v Hz dial tone off hook (%.1f dBm0)", on, tc.dialHz, lvl)
				}
				checkStutter(t, tc.zone, plain, x, on)
			}
		})
	}
}

// checkStutter asserts that got is the zone's stutter dial tone (stutter
// set) or its plain dial tone, compared with plain, a recording of the
// plain dial tone.
func checkStutter(t *testing.T, zone string, plain, got []int16, stutter bool) {
	t.Helper()
	switch zone {
	case "us", "fr":
		// Six 100 ms bursts, then steady (the tables of dsp/tone).
		hz := 350.0
		if zone == "fr" {
			hz = 440
		}
		pe, _ := toneEdges(plain, hz, 80)
		ge, _ := toneEdges(got, hz, 80)
		if pe > 1 {
			t.Errorf("plain dial tone has %d on/off changes", pe)
		}
		if stutter && (ge < 10 || ge > 13) {
			t.Errorf("stutter dial tone has %d on/off changes in 1.5 s, want 11 or 12", ge)
		}
		if !stutter && ge > 1 {
			t.Errorf("dial tone has %d on/off changes, want steady", ge)
		}
	case "de":
		// 425 + 400 Hz against 425 Hz.
		if l := measure.ToneLevelDBm0(plain, 400); l > -40 {
			t.Errorf("plain dial tone has 400 Hz at %.1f dBm0", l)
		}
		l := measure.ToneLevelDBm0(got, 400)
		if stutter && l < -30 {
			t.Errorf("stutter dial tone lacks 400 Hz (%.1f dBm0)", l)
		}
		if !stutter && l > -40 {
			t.Errorf("dial tone has 400 Hz at %.1f dBm0", l)
		}
	case "uk":
		// 350 + 440 Hz alternating with 440 Hz every 750 ms (100 ms blocks
		// tell 350 from 440 Hz).
		_, pOn := toneEdges(plain, 350, 800)
		ge, gOn := toneEdges(got, 350, 800)
		if stutter && (ge < 1 || gOn > pOn*3/4) {
			t.Errorf("stutter dial tone: %d changes of 350 Hz, on in %d of %d blocks", ge, gOn, pOn)
		}
		if !stutter && gOn < pOn*9/10 {
			t.Errorf("dial tone: 350 Hz on in %d of %d blocks", gOn, pOn)
		}
	}
}
