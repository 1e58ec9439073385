package sim_test

import (
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/g711"
	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/hal/sim"
)

// lineBoard is a fast board with one FXO port (channel 1), its channel open.
func lineBoard(t *testing.T, zone, law string, frameMs int) (*sim.Board, hal.Channel, *sim.Line) {
	t.Helper()
	b := newBoard(t, sim.Config{Fast: true, FXS: -1, FXO: 1, E1Spans: -1, Zone: zone, Law: law, FrameMs: frameMs})
	ch := openChan(t, b, 1, 1)
	l, err := b.Line(1)
	if err != nil {
		t.Fatal(err)
	}
	return b, ch, l
}

// timedEv is an event and the board time of the frame it happened in.
type timedEv struct {
	at time.Duration
	ev hal.Event
}

// cidRun is what an FXO channel received during a run: audio, the board
// time of its first sample, events timed in board time, and the caller-ID
// messages a dsp/cid Receiver decoded from the audio with the time of the
// frame that completed them.
type cidRun struct {
	rx     []int16
	start  time.Duration
	frame  time.Duration
	events []timedEv
	msgs   []cid.Message
	msgAt  []time.Duration
	errs   []error
}

// runChannel reads d of frames from ch, polling events after each frame
// (an event is handed out once its frame is read, so it belongs to the
// frame just read) and feeding the audio to a receiver for scheme (if
// not 0).
func runChannel(t *testing.T, b *sim.Board, ch hal.Channel, d time.Duration, scheme cid.Scheme) *cidRun {
	t.Helper()
	var rcv *cid.Receiver
	if scheme != 0 {
		var err error
		if rcv, err = cid.NewReceiver(cid.ReceiverConfig{Scheme: scheme}); err != nil {
			t.Fatal(err)
		}
	}
	r := &cidRun{start: b.Now(), frame: hal.FrameDuration(ch.FrameSamples())}
	buf := make([]int16, ch.FrameSamples())
	for k := range int(d / r.frame) {
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatal(err)
		}
		at := r.start + time.Duration(k)*r.frame
		r.rx = append(r.rx, buf...)
		for {
			ev, ok := ch.PollEvent()
			if !ok {
				break
			}
			r.events = append(r.events, timedEv{at, ev})
		}
		if rcv == nil {
			continue
		}
		for _, res := range rcv.Process(buf) {
			m, err := res.Message()
			if err != nil {
				r.errs = append(r.errs, err)
				continue
			}
			r.msgs = append(r.msgs, m)
			r.msgAt = append(r.msgAt, at+r.frame)
		}
	}
	return r
}

// first returns the time of the first event of kind (with reversed, for
// polarity) at or after from, or -1.
func (r *cidRun) first(kind hal.EventKind, from time.Duration) time.Duration {
	for _, e := range r.events {
		if e.ev.Kind == kind && e.at >= from {
			return e.at
		}
	}
	return -1
}

// signal returns the board times of the first and last 10 ms block above
// -40 dBm0 at or after from (-1, -1 if none).
func (r *cidRun) signal(from time.Duration) (begin, end time.Duration) {
	const blk = 80
	begin, end = -1, -1
	for i := 0; i+blk <= len(r.rx); i += blk {
		at := r.start + hal.FrameDuration(i)
		if at < from || measure.LevelDBm0(r.rx[i:i+blk]) < -40 {
			continue
		}
		if begin < 0 {
			begin = at
		}
		end = at + 10*time.Millisecond
	}
	return begin, end
}

// audio returns the received samples between board times a and z.
func (r *cidRun) audio(a, z time.Duration) []int16 {
	i := max(0, samplesOf(a-r.start))
	j := min(len(r.rx), samplesOf(z-r.start))
	if i >= j {
		return nil
	}
	return r.rx[i:j]
}

func samplesOf(d time.Duration) int { return int(d * hal.SampleRate / time.Second) }

var cidTime = time.Date(2024, 3, 7, 9, 41, 0, 0, time.UTC)

// TestOnHookCallerIDSchemes rings an idle line with caller ID sent by the
// office and decodes it with a dsp/cid Receiver from the FXO channel's
// ReadFrame audio, on hook, checking the alerting sequence and its timing
// in board time: GR-30-CORE clause 3.2 (Bellcore FSK 500 ms after the first
// ring), EN 300 659-1 (line reversal, DT-AS, V.23 FSK, or ring-pulse alert,
// before the first ring; FSK after the first ring; DTMF CLIP), BT SIN 227
// (reversal, idle state tone alert, FSK) and NTT J-CLIP (reversal, FSK).
func TestOnHookCallerIDSchemes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		zone   string
		law    string
		scheme cid.Scheme
		alert  sim.Alert
		number string
		name2  string
	}{
		{"bellcore", "us", "ulaw", cid.Bellcore, sim.AlertDefault, "2125551234", "JOHN DOE"},
		{"bellcore-alaw", "us", "alaw", cid.Bellcore, sim.AlertDefault, "2125551234", "JOHN DOE"},
		{"bellcore-uk-double-ring", "uk", "alaw", cid.Bellcore, sim.AlertDefault, "01632960123", "ALICE"},
		{"etsi-dtas", "de", "alaw", cid.ETSI, sim.AlertDTAS, "0301234567", "Erika M"},
		{"etsi-dtas-ulaw", "de", "ulaw", cid.ETSI, sim.AlertDefault, "0301234567", "Erika M"},
		{"etsi-rpas", "fr", "alaw", cid.ETSI, sim.AlertRPAS, "0145678901", "Jean"},
		{"etsi-after-ring", "it", "alaw", cid.ETSI, sim.AlertAfterFirstRing, "0612345678", "Mario"},
		{"bt", "uk", "alaw", cid.BT, sim.AlertDefault, "01632960123", "ALICE"},
		{"dtmf", "nl", "alaw", cid.DTMF, sim.AlertDefault, "0201234567", ""},
		{"ntt", "jp", "ulaw", cid.NTT, sim.AlertDefault, "0312345678", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, ch, l := lineBoard(t, tc.zone, tc.law, 10)
			zone, _ := tone.LookupZone(tc.zone)
			if err := l.RingWith(sim.RingOptions{Number: tc.number, Name: tc.name2, Time: cidTime, Scheme: tc.scheme, Alert: tc.alert}); err != nil {
				t.Fatal(err)
			}
			r := runChannel(t, b, ch, 12*time.Second, tc.scheme)
			if len(r.errs) > 0 || len(r.msgs) != 1 {
				t.Fatalf("decoded %d messages, errors %v", len(r.msgs), r.errs)
			}
			m := r.msgs[0]
			if m.Number != tc.number || (tc.scheme != cid.DTMF && tc.scheme != cid.NTT && m.Name != tc.name2) {
				t.Errorf("caller ID %q %q, want %q %q", m.Number, m.Name, tc.number, tc.name2)
			}
			if tc.scheme != cid.DTMF && tc.scheme != cid.NTT && (m.Time.Month() != 3 || m.Time.Day() != 7 || m.Time.Hour() != 9 || m.Time.Minute() != 41) {
				t.Errorf("date and time %v", m.Time)
			}
			// Everything on the line passed through the law.
			law := g711.Ulaw
			if tc.law == "alaw" {
				law = g711.Alaw
			}
			enc := make([]byte, len(r.rx))
			dec := make([]int16, len(r.rx))
			law.Encode(enc, r.rx)
			law.Decode(dec, enc)
			if !slices.Equal(dec, r.rx) {
				t.Error("received audio is not G.711 coded")
			}
			ring1 := r.first(hal.EventRingBegin, 0)
			if ring1 < 0 {
				t.Fatal("no ringing")
			}
			alert := tc.alert
			if alert == sim.AlertDefault {
				alert = map[cid.Scheme]sim.Alert{cid.Bellcore: sim.AlertAfterFirstRing, cid.ETSI: sim.AlertDTAS}[tc.scheme]
			}
			switch alert {
			case sim.AlertAfterFirstRing:
				if ring1 != r.start {
					t.Errorf("first ring at %v, want at once (%v)", ring1, r.start)
				}
				// The end of the first ring: before the first long pause.
				var end time.Duration
				for i, d := range zone.RingCadence {
					end += d
					if i%2 == 1 && d >= time.Second {
						end -= d
						break
					}
				}
				ringEnd := r.start + end
				begin, last := r.signal(ringEnd)
				if d := begin - ringEnd; d < sim.CIDAfterRing || d > sim.CIDAfterRing+10*time.Millisecond {
					t.Errorf("data began %v after the first ring, want %v", d, sim.CIDAfterRing)
				}
				ring2 := r.first(hal.EventRingBegin, ringEnd+time.Millisecond)
				if ring2 < 0 || ring2-last < 200*time.Millisecond {
					t.Errorf("data ended at %v, second ring at %v: want 200 ms between", last, ring2)
				}
				if r.first(hal.EventPolarity, 0) >= 0 {
					t.Error("polarity reversed for caller ID after the first ring")
				}
			case sim.AlertRPAS:
				if ring1 != r.start {
					t.Errorf("ring-pulse alert at %v, want at once", ring1)
				}
				end := r.first(hal.EventRingEnd, ring1)
				if d := end - ring1; d != sim.RPASBurst {
					t.Errorf("ring-pulse alert lasted %v, want %v", d, sim.RPASBurst)
				}
				begin, last := r.signal(end)
				if d := begin - end; d < sim.RPASGap || d > sim.RPASGap+10*time.Millisecond {
					t.Errorf("data began %v after the alert, want %v", d, sim.RPASGap)
				}
				ring2 := r.first(hal.EventRingBegin, end)
				if d := ring2 - last; d < 200*time.Millisecond || d > sim.CIDRingGap+20*time.Millisecond {
					t.Errorf("first ring %v after the data, want %v", d, sim.CIDRingGap)
				}
			default: // line reversal first
				rev := r.first(hal.EventPolarity, 0)
				if rev != r.start {
					t.Errorf("line reversal at %v, want at once (%v)", rev, r.start)
				}
				begin, last := r.signal(r.start)
				if d := begin - rev; d < 100*time.Millisecond || d > sim.CIDReversalGap+10*time.Millisecond {
					t.Errorf("signal began %v after the reversal, want %v", d, sim.CIDReversalGap)
				}
				if alert == sim.AlertDTAS || tc.scheme == cid.BT {
					// DT-AS / idle state tone alert: 2130 + 2750 Hz, about
					// 100 ms, then silence before the FSK.
					a := r.audio(begin+10*time.Millisecond, begin+80*time.Millisecond)
					for _, f := range []float64{2130, 2750} {
						if lv := measure.ToneLevelDBm0(a, f); lv < -20 || lv > -12 {
							t.Errorf("alert %v Hz at %.1f dBm0", f, lv)
						}
					}
					if lv := measure.LevelDBm0(r.audio(begin+110*time.Millisecond, begin+150*time.Millisecond)); lv > -50 {
						t.Errorf("no silence after the alert (%.1f dBm0)", lv)
					}
				}
				// (DTMF: the sender's last 60 ms pause counts as data.)
				if ring1-last < 200*time.Millisecond || ring1-last > sim.CIDRingGap+80*time.Millisecond {
					t.Errorf("first ring %v after the data, want %v", ring1-last, sim.CIDRingGap)
				}
				norm := r.first(hal.EventPolarity, rev+time.Millisecond)
				if norm < 0 || norm > ring1 {
					t.Errorf("polarity restored at %v, first ring at %v", norm, ring1)
				}
				if r.msgAt[0] > ring1 {
					t.Errorf("message complete at %v, after the first ring at %v", r.msgAt[0], ring1)
				}
			}
			if l.SendingCallerID() {
				t.Error("still sending caller ID")
			}
		})
	}
}

// TestCallerIDStopsOnAnswer: answering while the data is on its way stops
// it and restores the polarity reversed for it.
func TestCallerIDStopsOnAnswer(t *testing.T) {
	b, ch, l := lineBoard(t, "de", "alaw", 20)
	if err := l.RingWith(sim.RingOptions{Number: "0301234567", Scheme: cid.ETSI}); err != nil {
		t.Fatal(err)
	}
	runChannel(t, b, ch, 400*time.Millisecond, 0)
	if !l.SendingCallerID() || !l.Reversed() {
		t.Fatal("no caller ID in progress")
	}
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	r := runChannel(t, b, ch, time.Second, 0)
	if l.SendingCallerID() || l.Reversed() || !l.Answered() {
		t.Errorf("sending %v, reversed %v, answered %v after answer", l.SendingCallerID(), l.Reversed(), l.Answered())
	}
	if lv := measure.ToneLevelDBm0(r.rx, 1300); lv > -50 {
		t.Errorf("FSK mark at %.1f dBm0 after the answer", lv)
	}
}

// hookScript drives the FXO channel's hook from its frame loop: at frame
// i it sends ops[i] (0: nothing).
func hookScript(t *testing.T, b *sim.Board, ch hal.Channel, ops []hal.Hook) *cidRun {
	t.Helper()
	r := &cidRun{start: b.Now(), frame: hal.FrameDuration(ch.FrameSamples())}
	buf := make([]int16, ch.FrameSamples())
	for k, op := range ops {
		if op != 0 {
			if err := ch.Hook(op); err != nil {
				t.Fatal(err)
			}
		}
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatal(err)
		}
		r.rx = append(r.rx, buf...)
		for {
			ev, ok := ch.PollEvent()
			if !ok {
				break
			}
			r.events = append(r.events, timedEv{r.start + time.Duration(k)*r.frame, ev})
		}
	}
	return r
}

// pulseOps is a hook script for loop-disconnect digits with 10 ms frames.
func pulseOps(digits string, brk, mk, pause time.Duration) []hal.Hook {
	f := func(d time.Duration) int { return int(d / (10 * time.Millisecond)) }
	var ops []hal.Hook
	idle := func(n int) {
		for range n {
			ops = append(ops, 0)
		}
	}
	for _, c := range digits {
		n := int(c - '0')
		if n == 0 {
			n = 10
		}
		for p := range n {
			ops = append(ops, hal.HookOnHook)
			idle(f(brk) - 1)
			ops = append(ops, hal.HookOffHook)
			if p < n-1 {
				idle(f(mk) - 1)
			}
		}
		idle(f(pause) - 1)
	}
	return ops
}

// TestOfficePulseDigits: the office counts loop-disconnect pulses into
// digits (10 pulses are 0) for breaks of 40-80 ms and makes of 20-60 ms at
// about 10 pps, ends a digit at the inter-digit pause, stops dial tone at
// the first pulse, and completes the call DigitTimeout after the last
// digit; a flash-length break adds nothing and a long break releases.
func TestOfficePulseDigits(t *testing.T) {
	for _, tm := range []struct{ brk, mk, pause time.Duration }{
		{60 * time.Millisecond, 40 * time.Millisecond, 700 * time.Millisecond},
		{40 * time.Millisecond, 60 * time.Millisecond, 300 * time.Millisecond},
		{80 * time.Millisecond, 20 * time.Millisecond, 400 * time.Millisecond},
	} {
		t.Run(fmt.Sprintf("%v-%v", tm.brk, tm.mk), func(t *testing.T) {
			b, ch, l := lineBoard(t, "de", "alaw", 10)
			if err := ch.Hook(hal.HookOffHook); err != nil {
				t.Fatal(err)
			}
			r := runChannel(t, b, ch, 500*time.Millisecond, 0)
			if lv := measure.LevelDBm0(r.rx[2000:]); lv < -20 {
				t.Fatalf("no dial tone (%.1f dBm0)", lv)
			}
			r = hookScript(t, b, ch, pulseOps("3059", tm.brk, tm.mk, tm.pause))
			if got := l.Digits(); got != "3059" {
				t.Fatalf("office collected %q, want 3059", got)
			}
			if l.State() != sim.LineDialling || !l.Seized() {
				t.Fatalf("line %v, seized %v after pulse dialling", l.State(), l.Seized())
			}
			if len(r.events) != 0 {
				t.Errorf("events during pulse dialling: %v", r.events)
			}
			if lv := measure.LevelDBm0(r.rx[800:]); lv > -50 {
				t.Errorf("dial tone still at %.1f dBm0 after the first pulse", lv)
			}
			// A flash-length break adds no digit.
			ops := make([]hal.Hook, 80)
			ops[0], ops[40] = hal.HookOnHook, hal.HookOffHook
			hookScript(t, b, ch, ops)
			if got := l.Digits(); got != "3059" || l.State() != sim.LineDialling {
				t.Errorf("after a 400 ms break: %q, %v", got, l.State())
			}
			runChannel(t, b, ch, sim.DigitTimeout, 0)
			if l.State() != sim.LineConnected {
				t.Errorf("line %v after the digit timeout", l.State())
			}
		})
	}
	t.Run("release", func(t *testing.T) {
		b, ch, l := lineBoard(t, "us", "ulaw", 10)
		if err := ch.Hook(hal.HookOffHook); err != nil {
			t.Fatal(err)
		}
		hookScript(t, b, ch, pulseOps("2", 60*time.Millisecond, 40*time.Millisecond, 700*time.Millisecond))
		if err := ch.Hook(hal.HookOnHook); err != nil {
			t.Fatal(err)
		}
		if l.Seized() {
			t.Error("loop closed after the channel opened it")
		}
		runChannel(t, b, ch, sim.ReleaseBreak-20*time.Millisecond, 0)
		if l.State() != sim.LineDialling {
			t.Errorf("line %v before the release time", l.State())
		}
		runChannel(t, b, ch, 40*time.Millisecond, 0)
		if l.State() != sim.LineIdle {
			t.Errorf("line %v after a %v break", l.State(), sim.ReleaseBreak)
		}
		if got := l.Digits(); got != "2" {
			t.Errorf("digits %q", got)
		}
	})
}

// connected seizes the line and has the far end answer.
func connected(t *testing.T, ch hal.Channel, l *sim.Line) {
	t.Helper()
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	if err := l.Answer(); err != nil {
		t.Fatal(err)
	}
}

// TestLoopCurrentDropRestored: DropLoopCurrent interrupts loop current for
// the chosen time (EventOnHook, then EventOffHook) and the call goes on;
// with a CPC open interval the far end's hang-up restores loop current
// after it and only then plays the clearing tone.
func TestLoopCurrentDropRestored(t *testing.T) {
	b, ch, l := lineBoard(t, "us", "ulaw", 10)
	if err := l.DropLoopCurrent(time.Second); err == nil {
		t.Error("loop current dropped on an idle line")
	}
	connected(t, ch, l)
	at := b.Now()
	if err := l.DropLoopCurrent(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if l.LoopCurrent() {
		t.Error("loop current during the drop")
	}
	r := runChannel(t, b, ch, time.Second, 0)
	if len(r.events) != 2 || r.events[0].ev.Kind != hal.EventOnHook || r.events[1].ev.Kind != hal.EventOffHook {
		t.Fatalf("events %v, want onhook then offhook", r.events)
	}
	// The drop happened between frames and counts to the frame before
	// the run; the restore happens at the start of its frame.
	if d := r.events[1].at - at; d != 300*time.Millisecond {
		t.Errorf("loop current back after %v, want 300ms", d)
	}
	if !l.LoopCurrent() || l.State() != sim.LineConnected {
		t.Errorf("after the drop: current %v, line %v", l.LoopCurrent(), l.State())
	}

	if err := l.SetOptions(sim.LineOptions{CPCOpen: 500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	at = b.Now()
	l.Hangup()
	r = runChannel(t, b, ch, 1500*time.Millisecond, 0)
	if len(r.events) != 2 || r.events[0].ev.Kind != hal.EventOnHook || r.events[1].ev.Kind != hal.EventOffHook {
		t.Fatalf("events %v, want onhook then offhook", r.events)
	}
	back := r.events[1].at
	if d := back - at; d != 500*time.Millisecond {
		t.Errorf("loop current back %v after the hang-up, want 500ms", d)
	}
	if lv := measure.LevelDBm0(r.audio(at, back)); lv > -50 {
		t.Errorf("%.1f dBm0 during the CPC open interval", lv)
	}
	if lv := measure.ToneLevelDBm0(r.audio(back, back+400*time.Millisecond), 480); lv < -30 {
		t.Errorf("no busy tone after loop current returned (%.1f dBm0)", lv)
	}
	if l.State() != sim.LineDisconnected {
		t.Errorf("line %v", l.State())
	}
}

// TestHangupTones: after the far end leaves, the office plays the chosen
// tone of the zone, or nothing.
func TestHangupTones(t *testing.T) {
	for _, zoneName := range []string{"us", "de", "uk"} {
		zone, _ := tone.LookupZone(zoneName)
		for _, sig := range []tone.Signal{tone.Busy, tone.Congestion, tone.Howler, sim.Silence} {
			t.Run(fmt.Sprintf("%s/%v", zoneName, sig), func(t *testing.T) {
				b, ch, l := lineBoard(t, zoneName, "alaw", 20)
				connected(t, ch, l)
				l.HangupWith(sig)
				r := runChannel(t, b, ch, 3*time.Second, 0)
				if len(r.events) != 1 || r.events[0].ev.Kind != hal.EventOnHook {
					t.Fatalf("events %v, want onhook", r.events)
				}
				if sig == sim.Silence {
					if lv := measure.LevelDBm0(r.rx); lv > -60 {
						t.Errorf("%.1f dBm0 after a silent hang-up", lv)
					}
					return
				}
				want := toneLevels(t, zone, sig)
				for f, lv := range want {
					// The strongest second of the tone (cadences differ).
					best := math.Inf(-1)
					for i := 0; i+1600 <= len(r.rx); i += 400 {
						best = max(best, measure.ToneLevelDBm0(r.rx[i:i+1600], f))
					}
					if math.Abs(best-lv) > 1 {
						t.Errorf("%v Hz at %.1f dBm0, zone says %.1f", f, best, lv)
					}
				}
			})
		}
	}
}

// TestAnswerReversal: with the option set, the office reverses the line
// when the far end answers (by Answer or after the digit timeout) and
// restores it when the channel releases the line.
func TestAnswerReversal(t *testing.T) {
	for _, byTimeout := range []bool{false, true} {
		t.Run(fmt.Sprint("timeout=", byTimeout), func(t *testing.T) {
			b, ch, l := lineBoard(t, "us", "ulaw", 20)
			if err := l.SetOptions(sim.LineOptions{AnswerReversal: true}); err != nil {
				t.Fatal(err)
			}
			if err := ch.Hook(hal.HookOffHook); err != nil {
				t.Fatal(err)
			}
			at := b.Now()
			if byTimeout {
				hookScript(t, b, ch, []hal.Hook{hal.HookOnHook, 0, 0, hal.HookOffHook})
				at = b.Now() + sim.PulseDigitGap - 20*time.Millisecond + sim.DigitTimeout
			} else if err := l.Answer(); err != nil {
				t.Fatal(err)
			}
			r := runChannel(t, b, ch, sim.DigitTimeout+time.Second, 0)
			if len(r.events) != 1 || r.events[0].ev.Kind != hal.EventPolarity || !r.events[0].ev.Reversed {
				t.Fatalf("events %v, want one reversal", r.events)
			}
			if d := r.events[0].at - at; d < -20*time.Millisecond || d > 20*time.Millisecond {
				t.Errorf("reversal at %v, want %v", r.events[0].at, at)
			}
			if err := ch.Hook(hal.HookOnHook); err != nil {
				t.Fatal(err)
			}
			if ev, ok := ch.PollEvent(); !ok || ev.Kind != hal.EventPolarity || ev.Reversed {
				t.Errorf("after release: %v %v, want normal polarity", ev, ok)
			}
		})
	}
}

// TestRingBurst: one burst of ringing voltage of the chosen length, timed
// in board time.
func TestRingBurst(t *testing.T) {
	for _, d := range []time.Duration{200 * time.Millisecond, 250 * time.Millisecond, 1500 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			b, ch, l := lineBoard(t, "de", "alaw", 10)
			at := b.Now()
			if err := l.RingBurst(d); err != nil {
				t.Fatal(err)
			}
			if err := l.RingBurst(d); err == nil {
				t.Error("second burst accepted during the first")
			}
			r := runChannel(t, b, ch, d+time.Second, 0)
			if len(r.events) != 2 || r.events[0].ev.Kind != hal.EventRingBegin || r.events[1].ev.Kind != hal.EventRingEnd {
				t.Fatalf("events %v", r.events)
			}
			if r.events[0].at != at || r.events[1].at-r.events[0].at != d {
				t.Errorf("burst %v-%v, want %v-%v", r.events[0].at, r.events[1].at, at, at+d)
			}
			if rt := l.RingTimes(); len(rt) != 1 || rt[0][1]-rt[0][0] != d || l.Rings() != 1 {
				t.Errorf("ring times %v", rt)
			}
			if l.State() != sim.LineIdle {
				t.Errorf("line %v after a burst", l.State())
			}
		})
	}
}

// TestCallerIDDeterministic: two fast runs of the same call give the same
// samples.
func TestCallerIDDeterministic(t *testing.T) {
	run := func() []int16 {
		b, ch, l := lineBoard(t, "uk", "alaw", 20)
		if err := l.RingWith(sim.RingOptions{Number: "01632960123", Name: "ALICE", Scheme: cid.BT}); err != nil {
			t.Fatal(err)
		}
		return runChannel(t, b, ch, 2*time.Second, 0).rx
	}
	if a, c := run(), run(); !slices.Equal(a, c) {
		t.Error("two runs differ")
	}
}
