package gateway

import (
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// ringbackHeard reports whether x (6 s or more: the us cadence is 2 s on,
// 4 s off) carries the us ringback tone (440 + 480 Hz).
func ringbackHeard(x []int16) bool {
	// The windowed measure wants a steady tone: look at 500 ms pieces.
	for len(x) >= 4000 {
		if measure.ToneLevelDBm0(x[:4000], 440) > -25 && measure.ToneLevelDBm0(x[:4000], 480) > -25 {
			return true
		}
		x = x[4000:]
	}
	return false
}

// transferRecords checks the call records of a transfer: the held and the
// consultation call end "transferred", the joined call is a "transfer"
// record that was answered.
func transferRecords(t *testing.T, recs []CDR) {
	t.Helper()
	transferred, joined := 0, 0
	for _, r := range recs {
		if r.Cause == "transferred" {
			transferred++
		}
		if r.Direction == "transfer" {
			joined++
			if r.Disposition != "ANSWERED" {
				t.Errorf("transfer record %+v, want ANSWERED", r)
			}
		}
	}
	if transferred != 2 || joined != 1 {
		t.Errorf("records %+v: want 2 ended \"transferred\" and 1 \"transfer\"", recs)
	}
}

// TestTransferPSTNCallerToPhone: a PSTN call rings phone 1 (fixed
// destination 2001) and is answered; phone 1 flashes, dials phone 2 and
// hangs up, blind while phone 2 rings (the line's caller hears ringback
// until phone 2 answers) or attended. The line and phone 2 then hear each
// other's tones at the sent level; hanging up either end releases the line
// and frees the phone.
func TestTransferPSTNCallerToPhone(t *testing.T) {
	for _, attended := range []bool{false, true} {
		t.Run(map[bool]string{false: "blind", true: "attended"}[attended], func(t *testing.T) {
			r := newRig(t, "us", lineSim, Config{Lines: twoLines(nil)})
			p1, p2, l1 := r.phone(t, 1), r.phone(t, 2), r.line(t, 1)
			if err := l1.Ring("5551234", "Alice"); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "phone 1 rings", 15*time.Second, p1.Ringing)
			p1.OffHook()
			r.waitFor(t, "line answered", 3*time.Second, l1.Answered)
			r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })

			r.transferFrom1(t, p2, "2002", attended)
			if !attended {
				if !ringbackHeard(l1.Listen(6 * time.Second)) {
					t.Error("the PSTN caller hears no ringback while phone 2 rings")
				}
				if st := r.portState("2002"); st != PortRinging {
					t.Fatalf("phone 2 %s, want still ringing", st)
				}
				p2.OffHook()
			}
			r.waitFor(t, "line and phone 2 connected", 3*time.Second, func() bool {
				cs := r.gw.Calls()
				return len(cs) == 1 && cs[0].State == "connected" && cs[0].Direction == "transfer"
			})
			r.exchangeTones(t, hears, l1, "the PSTN caller", p2, "phone 2")

			if attended {
				l1.Hangup()
				r.waitFor(t, "phone 2 hears the far end leave", 3*time.Second, func() bool { return r.portState("2002") == PortTone })
				p2.OnHook()
			} else {
				p2.OnHook()
			}
			r.waitFor(t, "all clear", 5*time.Second, func() bool {
				return !l1.Seized() && len(r.gw.Calls()) == 0 && r.portState("2002") == PortIdle && r.lineStatus("pstn1").CallID == ""
			})
			transferRecords(t, r.cdr.all())
		})
	}
}

// TestTransferPhoneToPSTNLine: phone 1 talks to phone 2, flashes, dials a
// number routed out on a PSTN line and hangs up, before the far end
// answers (blind) or after (attended): phone 2 is put through to the line
// at once and hears it; tones pass both ways; either end hanging up clears
// the call and releases the line.
func TestTransferPhoneToPSTNLine(t *testing.T) {
	for _, attended := range []bool{false, true} {
		t.Run(map[bool]string{false: "blind", true: "attended"}[attended], func(t *testing.T) {
			r := newRig(t, "us", lineSim, Config{
				Lines:  twoLines(nil),
				Routes: []Route{{Pattern: "9x.T", Group: "pstn", Strip: 1}},
			})
			p1, p2, l1 := r.phone(t, 1), r.phone(t, 2), r.line(t, 1)
			connect(t, r, p1, p2, "2001", "2002")
			p1.Flash(300 * time.Millisecond)
			r.board.Sleep(1200 * time.Millisecond)
			p1.Dial("95551234")
			r.waitFor(t, "the office collects the number", 15*time.Second, func() bool { return l1.Digits() == "5551234" })
			if attended {
				r.waitFor(t, "the far end answers", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
			}
			p1.OnHook()
			r.waitFor(t, "phone 1 idle", 3*time.Second, func() bool { return r.portState("2001") == PortIdle })
			r.waitFor(t, "the far end answers", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
			r.waitFor(t, "phone 2 on the line", 3*time.Second, func() bool {
				cs := r.gw.Calls()
				return len(cs) == 1 && cs[0].Direction == "transfer" && r.lineStatus("pstn1").CallID == cs[0].ID
			})
			r.exchangeTones(t, hears, l1, "the far party", p2, "phone 2")

			if attended {
				p2.OnHook()
			} else {
				l1.Hangup()
				r.waitFor(t, "phone 2 hears the far end leave", 3*time.Second, func() bool { return r.portState("2002") == PortTone })
				p2.OnHook()
			}
			r.waitFor(t, "all clear", 5*time.Second, func() bool {
				return !l1.Seized() && len(r.gw.Calls()) == 0 && r.portState("2002") == PortIdle
			})
			transferRecords(t, r.cdr.all())
		})
	}
}
