package sim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/g711"
	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/hal/sim"
)

// openChan opens a channel of b by span and number.
func openChan(t testing.TB, b *sim.Board, span, ch int) hal.Channel {
	t.Helper()
	c, err := b.Spans()[span-1].Open(ch)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// frameRec is what a frame loop saw in one frame.
type frameRec struct {
	events []hal.Event
}

// loop reads n frames from ch. Before each read it drains events; after
// each read it calls write (if not nil) to fill the frame to send back.
// It returns the received audio and the events polled before each frame.
func loop(t testing.TB, ch hal.Channel, n int, write func(i int, out []int16)) ([]int16, []frameRec) {
	t.Helper()
	fs := ch.FrameSamples()
	buf := make([]int16, fs)
	out := make([]int16, fs)
	rx := make([]int16, 0, n*fs)
	recs := make([]frameRec, n+1)
	for i := 0; i <= n; i++ {
		for {
			ev, ok := ch.PollEvent()
			if !ok {
				break
			}
			recs[i].events = append(recs[i].events, ev)
		}
		if i == n {
			break
		}
		if err := ch.ReadFrame(buf); err != nil {
			t.Fatalf("read frame %d: %v", i, err)
		}
		rx = append(rx, buf...)
		if write != nil {
			clear(out)
			write(i, out)
			if err := ch.WriteFrame(out); err != nil {
				t.Fatalf("write frame %d: %v", i, err)
			}
		}
	}
	return rx, recs
}

func framesIn(b *sim.Board, d time.Duration) int {
	return int(d / hal.FrameDuration(b.FrameSamples()))
}

// timedEvents flattens recs into (frame, event) pairs.
type timedEvent struct {
	frame int
	ev    hal.Event
}

func flatten(recs []frameRec) []timedEvent {
	var out []timedEvent
	for i, r := range recs {
		for _, ev := range r.events {
			out = append(out, timedEvent{i, ev})
		}
	}
	return out
}

// TestQ23KeypadDialling dials every DTMF key on the virtual phone and
// decodes the channel's received audio with a Q.24 receiver.
func TestQ23KeypadDialling(t *testing.T) {
	for _, law := range []string{"ulaw", "alaw"} {
		t.Run(law, func(t *testing.T) {
			b := newBoard(t, sim.Config{Fast: true, Law: law})
			ch := openChan(t, b, 1, 1)
			p, _ := b.Phone(1)
			p.OffHook()
			const keys = "1234567890*#ABCD"
			if err := p.Dial(keys); err != nil {
				t.Fatal(err)
			}
			det := dtmf.NewDetector(dtmf.DetectorConfig{})
			var got []byte
			audio, _ := loop(t, ch, framesIn(b, time.Duration(len(keys))*(sim.DTMFOn+sim.DTMFOff)+time.Second), nil)
			for _, ev := range det.Process(audio) {
				if !ev.End {
					got = append(got, ev.Digit)
				}
			}
			if string(got) != keys {
				t.Errorf("channel decoded %q, phone dialled %q", got, keys)
			}
			if err := p.Dial("X"); err == nil {
				t.Error("Dial accepted an invalid key")
			}
			p.OnHook()
			if err := p.Dial("1"); err == nil {
				t.Error("Dial on hook succeeded")
			}
		})
	}
}

// TestPulseDialTiming checks the raw hook transitions of rotary dialling:
// 10 pps, 60 ms break, 40 ms make, 700 ms between digits.
func TestPulseDialTiming(t *testing.T) {
	for _, ms := range []int{10, 20, 30} {
		t.Run(fmt.Sprintf("%dms", ms), func(t *testing.T) {
			b := newBoard(t, sim.Config{Fast: true, FrameMs: ms})
			ch := openChan(t, b, 1, 2)
			p, _ := b.Phone(2)
			p.OffHook()
			fd := time.Duration(ms) * time.Millisecond
			loop(t, ch, 2, nil)
			if err := p.DialPulse("30"); err != nil {
				t.Fatal(err)
			}
			_, recs := loop(t, ch, framesIn(b, 3*time.Second), nil)
			evs := flatten(recs)
			if len(evs) != 2*13 {
				t.Fatalf("%d hook events, want 26 (3 + 10 pulses): %v", len(evs), evs)
			}
			at := func(i int) time.Duration { return time.Duration(evs[i].frame) * fd }
			within := func(what string, got, want time.Duration) {
				t.Helper()
				if d := got - want; d < -fd || d > fd {
					t.Errorf("%s lasted %v, want %v within one frame", what, got, want)
				}
			}
			for i := 0; i < len(evs); i += 2 {
				if evs[i].ev.Kind != hal.EventOnHook || evs[i+1].ev.Kind != hal.EventOffHook {
					t.Fatalf("events %d,%d: %v %v, want onhook offhook", i, i+1, evs[i].ev, evs[i+1].ev)
				}
				within(fmt.Sprintf("break %d", i/2), at(i+1)-at(i), sim.PulseBreak)
				if i+2 < len(evs) {
					want := sim.PulseMake
					if i/2 == 2 { // between the digits 3 and 0
						want = sim.PulsePause
					}
					within(fmt.Sprintf("make %d", i/2), at(i+2)-at(i+1), want)
				}
			}
			if err := p.DialWait(""); err != nil {
				t.Fatal(err)
			}
			if !p.IsOffHook() {
				t.Error("phone on hook after dialling")
			}
			if err := p.DialPulse("1#"); err == nil {
				t.Error("DialPulse accepted #")
			}
		})
	}
}

// TestRingCadenceZones rings a phone and compares its ring bursts with the
// zone's cadence (DAHDI zonedata): every edge within one frame.
func TestRingCadenceZones(t *testing.T) {
	for _, zoneName := range []string{"us", "uk", "de"} {
		for _, ms := range []int{20, 30} {
			t.Run(fmt.Sprintf("%s/%dms", zoneName, ms), func(t *testing.T) {
				zone, err := tone.LookupZone(zoneName)
				if err != nil {
					t.Fatal(err)
				}
				b := newBoard(t, sim.Config{Fast: true, Zone: zoneName, FrameMs: ms})
				ch := openChan(t, b, 1, 1)
				p, _ := b.Phone(1)
				if err := ch.Hook(hal.HookRing); err != nil {
					t.Fatal(err)
				}
				var period time.Duration
				for _, d := range zone.RingCadence {
					period += d
				}
				_, recs := loop(t, ch, framesIn(b, 2*period+zone.RingCadence[0]/2), nil)
				times := p.RingTimes()
				// Expected bursts: the cadence's "on" parts, repeated.
				var want [][2]time.Duration
				for at := time.Duration(0); len(want) < len(times); {
					for i := 0; i < len(zone.RingCadence); i += 2 {
						want = append(want, [2]time.Duration{at, at + zone.RingCadence[i]})
						at += zone.RingCadence[i] + zone.RingCadence[i+1]
					}
				}
				nOn := len(zone.RingCadence) / 2
				if len(times) != 2*nOn+1 {
					t.Fatalf("%d bursts, want %d: %v", len(times), 2*nOn+1, times)
				}
				fd := time.Duration(ms) * time.Millisecond
				origin := times[0][0]
				for i, bt := range times {
					for j := range 2 {
						if j == 1 && i == len(times)-1 {
							continue // still ringing
						}
						if d := bt[j] - origin - want[i][j]; d < -fd || d > fd {
							t.Errorf("burst %d edge %d at %v, cadence says %v", i, j, bt[j]-origin, want[i][j])
						}
					}
				}
				ons := 0
				for _, e := range flatten(recs) {
					if e.ev.Kind == hal.EventRingerOn {
						ons++
					}
				}
				if ons != len(times) || p.Rings() != len(times) {
					t.Errorf("%d EventRingerOn, %d rings counted, %d bursts", ons, p.Rings(), len(times))
				}
				if !p.Ringing() {
					t.Error("ringer silent in the middle of a burst")
				}
				if err := ch.Hook(hal.HookRingOff); err != nil {
					t.Fatal(err)
				}
				if p.Ringing() {
					t.Error("ringer still sounding after ringoff")
				}
			})
		}
	}
}

// toneLevels returns the zone's components of signal (first segment with
// components) as frequency → level.
func toneLevels(t *testing.T, zone *tone.Zone, sig tone.Signal) map[float64]float64 {
	t.Helper()
	tn := zone.Tones[sig]
	for _, seg := range append(append([]tone.Segment(nil), tn.First...), tn.Loop...) {
		if len(seg.Components) > 0 {
			m := map[float64]float64{}
			for _, c := range seg.Components {
				m[c.Freq] = c.LevelDBm0
			}
			return m
		}
	}
	t.Fatalf("zone %s has no %v tone", zone.Name, sig)
	return nil
}

// officeCall seizes FXO line 1 of a fresh fast board.
func officeCall(t *testing.T, zoneName string) (*sim.Board, hal.Channel, *sim.Line) {
	t.Helper()
	b := newBoard(t, sim.Config{Fast: true, Zone: zoneName})
	ch := openChan(t, b, 1, 5)
	l, _ := b.Line(1)
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	return b, ch, l
}

func TestOfficeDialTone(t *testing.T) {
	for _, zoneName := range []string{"us", "uk", "de"} {
		t.Run(zoneName, func(t *testing.T) {
			zone, _ := tone.LookupZone(zoneName)
			want := toneLevels(t, zone, tone.Dial)
			b, ch, l := officeCall(t, zoneName)
			if l.State() != sim.LineDialTone || !l.Seized() {
				t.Fatalf("line %v (seized %v) after seizure", l.State(), l.Seized())
			}
			rx, _ := loop(t, ch, framesIn(b, time.Second), nil)
			rx = rx[len(rx)/2:]
			for f, lv := range want {
				if got := measure.ToneLevelDBm0(rx, f); math.Abs(got-lv) > 0.5 {
					t.Errorf("dial tone %v Hz at %.2f dBm0, zone says %.2f", f, got, lv)
				}
			}
			if got := measure.ToneLevelDBm0(rx, 1004); got > -50 {
				t.Errorf("1004 Hz at %.1f dBm0 in dial tone", got)
			}
		})
	}
}

// TestOfficeCollectsDigits sends DTMF from the FXO channel (generated with
// the dsp generator, as the telephony layer would) and checks the office's
// receiver, the end of dial tone, completion after DigitTimeout, audio both
// ways, and the far end's hang-up with busy tone.
func TestOfficeCollectsDigits(t *testing.T) {
	b, ch, l := officeCall(t, "us")
	zone, _ := tone.LookupZone("us")
	gen := dtmf.NewGenerator(dtmf.GenConfig{})
	const number = "5551234"
	loop(t, ch, 10, nil) // some dial tone first
	if err := gen.Queue(number); err != nil {
		t.Fatal(err)
	}
	rx, _ := loop(t, ch, framesIn(b, 7*160*time.Millisecond+100*time.Millisecond), func(_ int, out []int16) {
		gen.Fill(out)
	})
	if got := l.Digits(); got != number {
		t.Fatalf("office collected %q, want %q", got, number)
	}
	if l.State() != sim.LineDialling {
		t.Fatalf("line %v while dialling", l.State())
	}
	// After the first digit the dial tone stops (what remains is the
	// hybrid echo of our own DTMF).
	tail := rx[len(rx)/2:]
	if got := measure.ToneLevelDBm0(tail, 350); got > -45 {
		t.Errorf("dial tone still at %.1f dBm0 after the first digit", got)
	}
	loop(t, ch, framesIn(b, sim.DigitTimeout-200*time.Millisecond), nil)
	if l.State() != sim.LineDialling {
		t.Fatalf("line %v before the digit timeout", l.State())
	}
	loop(t, ch, framesIn(b, 400*time.Millisecond), nil)
	if l.State() != sim.LineConnected {
		t.Fatalf("line %v after the digit timeout", l.State())
	}
	// Audio both ways.
	l.PlayTone(1004, -10)
	phase := 0.0
	rx, _ = loop(t, ch, framesIn(b, 500*time.Millisecond), func(_ int, out []int16) {
		phase = measure.Sine(out, 697, -12, phase)
	})
	rx = rx[len(rx)/2:]
	if got := measure.ToneLevelDBm0(rx, 1004); math.Abs(got+10) > 0.5 {
		t.Errorf("far end's 1004 Hz arrives at %.2f dBm0, want -10", got)
	}
	heard := l.Heard(200 * time.Millisecond)
	if got := measure.ToneLevelDBm0(heard, 697); math.Abs(got+12) > 0.5 {
		t.Errorf("far end hears our 697 Hz at %.2f dBm0, want -12", got)
	}
	l.StopPlay()
	// The far end hangs up: loop current drops, busy tone follows.
	l.Hangup()
	rx, recs := loop(t, ch, framesIn(b, 2*time.Second), nil)
	evs := flatten(recs)
	if len(evs) != 1 || evs[0].ev.Kind != hal.EventOnHook || evs[0].frame != 0 {
		t.Fatalf("events after hang-up %v, want one onhook at once", evs)
	}
	if l.State() != sim.LineDisconnected {
		t.Fatalf("line %v after the far end hung up", l.State())
	}
	// us busy: 480+620 Hz, 500 ms on, 500 ms off.
	want := toneLevels(t, zone, tone.Busy)
	on := rx[:4000]
	off := rx[4000:8000]
	for f, lv := range want {
		if got := measure.ToneLevelDBm0(on[400:3600], f); math.Abs(got-lv) > 0.5 {
			t.Errorf("busy tone %v Hz at %.2f dBm0, zone says %.2f", f, got, lv)
		}
		if got := measure.ToneLevelDBm0(off[400:3600], f); got > -50 {
			t.Errorf("busy tone %v Hz at %.2f dBm0 in its pause", f, got)
		}
	}
	if err := ch.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	if l.State() != sim.LineIdle || l.Seized() {
		t.Errorf("line %v after release", l.State())
	}
}

func TestOfficeRingAnswer(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true, Zone: "uk"})
	ch := openChan(t, b, 1, 6)
	l, _ := b.Line(2)
	if err := l.Ring("01632960123", "Alice"); err != nil {
		t.Fatal(err)
	}
	if err := l.Ring("1", "x"); err == nil {
		t.Error("second Ring on a ringing line succeeded")
	}
	_, recs := loop(t, ch, framesIn(b, 3200*time.Millisecond), nil)
	var kinds []hal.EventKind
	for _, e := range flatten(recs) {
		kinds = append(kinds, e.ev.Kind)
	}
	// uk: 400 on, 200 off, 400 on, 2000 off, then the next pair.
	want := []hal.EventKind{hal.EventRingBegin, hal.EventRingEnd, hal.EventRingBegin, hal.EventRingEnd, hal.EventRingBegin}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("ring events %v, want %v", kinds, want)
	}
	if n, name := l.CallerID(); n != "01632960123" || name != "Alice" {
		t.Errorf("caller ID %q %q", n, name)
	}
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	if !l.Answered() || l.State() != sim.LineConnected || l.Ringing() {
		t.Errorf("after answer: answered %v, state %v, ringing %v", l.Answered(), l.State(), l.Ringing())
	}
	_, recs = loop(t, ch, framesIn(b, 4*time.Second), nil)
	if evs := flatten(recs); len(evs) != 0 {
		t.Errorf("events after answer: %v", evs)
	}
	if err := ch.Hook(hal.HookFlash); err != nil {
		t.Fatal(err)
	}
	_, recs = loop(t, ch, framesIn(b, sim.FlashTime+100*time.Millisecond), nil)
	evs := flatten(recs)
	if len(evs) != 1 || evs[0].ev.Kind != hal.EventHookComplete {
		t.Errorf("flash events %v, want hookcomplete", evs)
	} else if got := time.Duration(evs[0].frame) * 20 * time.Millisecond; got < sim.FlashTime || got > sim.FlashTime+40*time.Millisecond {
		// One frame of quantisation, one because events are polled after
		// the frame in which they happened.
		t.Errorf("flash lasted %v, want %v", got, sim.FlashTime)
	}
	if !l.Answered() {
		t.Error("flash dropped the call")
	}
	l.SetPolarity(true)
	if ev, ok := ch.PollEvent(); !ok || ev.Kind != hal.EventPolarity || !ev.Reversed {
		t.Errorf("polarity event %v %v", ev, ok)
	}
}

// TestG168EchoPath measures the hybrid's echo: its level (the echo return
// loss) and its delay, by cross-correlating what the channel wrote with what
// it read. The delay seen by the channel is one frame of buffering plus the
// echo path delay.
func TestG168EchoPath(t *testing.T) {
	cases := []struct {
		ms    int
		loss  float64
		delay time.Duration
		law   string
	}{
		{20, 20, 4 * time.Millisecond, "ulaw"},
		{10, 6, 12 * time.Millisecond, "alaw"},
		{30, 30, 1 * time.Millisecond, "ulaw"},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%ddB/%v/%dms", int(c.loss), c.delay, c.ms), func(t *testing.T) {
			b := newBoard(t, sim.Config{Fast: true, FrameMs: c.ms, EchoLossDB: c.loss, EchoDelay: c.delay, Law: c.law})
			ch := openChan(t, b, 1, 1)
			p, _ := b.Phone(1)
			p.OffHook()
			phase := 0.0
			rx, _ := loop(t, ch, framesIn(b, time.Second), func(_ int, out []int16) {
				phase = measure.Sine(out, 1004, -10, phase)
			})
			erl := -10 - measure.ToneLevelDBm0(rx[len(rx)/2:], 1004)
			if math.Abs(erl-c.loss) > 1 {
				t.Errorf("echo return loss %.2f dB, configured %.0f", erl, c.loss)
			}
			// White noise from an LCG, for a sharp correlation peak.
			seed := uint32(1)
			var tx []int16
			rx, _ = loop(t, ch, framesIn(b, time.Second), func(_ int, out []int16) {
				for i := range out {
					seed = seed*1664525 + 1013904223
					out[i] = int16(seed>>16) / 4
				}
				tx = append(tx, out...)
			})
			n := b.FrameSamples()
			// rx[k] for k >= n holds echo of tx[k-lag].
			best, bestLag := 0.0, -1
			for lag := 0; lag < 3*n; lag++ {
				var s float64
				for k := lag; k < len(rx) && k-lag < len(tx); k++ {
					s += float64(rx[k]) * float64(tx[k-lag])
				}
				if s > best {
					best, bestLag = s, lag
				}
			}
			if want := n + int(c.delay*hal.SampleRate/time.Second); bestLag != want {
				t.Errorf("echo delay %d samples, want %d (one frame + %v)", bestLag, want, c.delay)
			}
			// On hook there is no loop and no echo.
			p.OnHook()
			rx, _ = loop(t, ch, 20, func(_ int, out []int16) {
				phase = measure.Sine(out, 1004, -10, phase)
			})
			// (A-law has no zero code: silence decodes to ±8, -66 dBm0.)
			if got := measure.LevelDBm0(rx[len(rx)/2:]); got > -60 {
				t.Errorf("echo at %.1f dBm0 with the phone on hook", got)
			}
		})
	}
	t.Run("NoEcho", func(t *testing.T) {
		b := newBoard(t, sim.Config{Fast: true, NoEcho: true})
		ch := openChan(t, b, 1, 1)
		p, _ := b.Phone(1)
		p.OffHook()
		phase := 0.0
		rx, _ := loop(t, ch, 50, func(_ int, out []int16) {
			phase = measure.Sine(out, 1004, -10, phase)
		})
		if got := measure.LevelDBm0(rx); got > -80 {
			t.Errorf("echo at %.1f dBm0 with NoEcho", got)
		}
	})
}

// TestListenExact checks that Listen returns exactly d of audio, frame
// aligned and without gaps: the channel writes a different constant in
// every frame, and the capture must show consecutive values.
func TestListenExact(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true, FrameMs: 10})
	ch := openChan(t, b, 1, 3)
	p, _ := b.Phone(3)
	p.OffHook()
	// Constants that survive µ-law exactly: decoded code values.
	codes := make([]int16, 256)
	raw := make([]byte, 256)
	for i := range raw {
		raw[i] = byte(i)
	}
	g711.Ulaw.Decode(codes, raw)
	level := func(k int) int16 { return codes[0x80+(k%96)] } // distinct positive values
	stop := make(chan struct{})
	done := make(chan error, 1)
	running := make(chan struct{})
	go func() {
		defer close(running)
		buf := make([]int16, ch.FrameSamples())
		out := make([]int16, ch.FrameSamples())
		for k := 0; ; k++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if err := ch.ReadFrame(buf); err != nil {
				done <- err
				return
			}
			for i := range out {
				out[i] = level(k)
			}
			if err := ch.WriteFrame(out); err != nil {
				done <- err
				return
			}
			if k == 0 {
				running <- struct{}{}
			}
		}
	}()
	<-running
	index := map[int16]int{}
	for k := range 96 {
		index[level(k)] = k
	}
	n := ch.FrameSamples()
	for _, d := range []time.Duration{time.Millisecond, 137 * time.Millisecond, time.Second} {
		got := p.Listen(d)
		if want := int(d * hal.SampleRate / time.Second); len(got) != want {
			t.Errorf("Listen(%v) returned %d samples, want %d", d, len(got), want)
			continue
		}
		k0, ok := index[got[0]]
		if !ok {
			t.Fatalf("Listen(%v) starts with %d, not a frame value", d, got[0])
		}
		for i, v := range got {
			if want := level(k0 + i/n); v != want {
				t.Fatalf("Listen(%v): sample %d is %d, want %d (frame %d)", d, i, v, want, k0+i/n)
			}
		}
	}
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestHeardHistory checks that the earpiece keeps at least 30 s.
func TestHeardHistory(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true})
	ch := openChan(t, b, 1, 1)
	p, _ := b.Phone(1)
	p.OffHook()
	phase := 0.0
	loop(t, ch, framesIn(b, 31*time.Second), func(i int, out []int16) {
		if i < framesIn(b, time.Second) {
			phase = measure.Sine(out, 1004, -10, phase)
		}
	})
	h := p.Heard(31 * time.Second)
	if len(h) != 31*hal.SampleRate {
		t.Fatalf("Heard(31s) returned %d samples", len(h))
	}
	if got := measure.ToneLevelDBm0(h[800:7200], 1004); math.Abs(got+10) > 0.5 {
		t.Errorf("first second of 31 s of history at %.2f dBm0, want -10", got)
	}
	if got := measure.LevelDBm0(h[10*hal.SampleRate:]); got > -80 {
		t.Errorf("silence in history at %.1f dBm0", got)
	}
}

func TestFlash(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true, FrameMs: 10})
	ch := openChan(t, b, 1, 1)
	p, _ := b.Phone(1)
	if err := p.Flash(time.Second); err == nil {
		t.Error("flash on hook succeeded")
	}
	p.OffHook()
	loop(t, ch, 1, nil)
	if err := p.Flash(300 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	_, recs := loop(t, ch, 50, nil)
	evs := flatten(recs)
	if len(evs) != 2 || evs[0].ev.Kind != hal.EventOnHook || evs[1].ev.Kind != hal.EventOffHook {
		t.Fatalf("flash events %v", evs)
	}
	if d := evs[1].frame - evs[0].frame; d < 29 || d > 31 {
		t.Errorf("flash lasted %d frames of 10 ms, want 30", d)
	}
}

// TestStalledReader checks that a reader that stops reading cannot hold a
// fast board forever.
func TestStalledReader(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true})
	ch := openChan(t, b, 1, 1)
	loop(t, ch, 1, nil) // now a barrier participant, then silent
	p, _ := b.Phone(2)
	start := b.Now()
	if got := p.Listen(500 * time.Millisecond); len(got) != 4000 {
		t.Fatalf("Listen returned %d samples", len(got))
	}
	if el := b.Now() - start; el < 500*time.Millisecond {
		t.Errorf("board time advanced %v", el)
	}
	// The stalled channel still works and gets the newest frames.
	loop(t, ch, 3, nil)
}

func TestCloseUnblocksEverything(t *testing.T) {
	for _, fast := range []bool{true, false} {
		t.Run(fmt.Sprintf("fast=%v", fast), func(t *testing.T) {
			before := runtime.NumGoroutine()
			b, err := sim.New(sim.Config{Fast: fast, FrameMs: 10})
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := b.Spans()[0].Open(1)
			dch, _ := b.Spans()[1].Open(16)
			p, _ := b.Phone(2)
			nw, _ := b.Network(2)
			errs := make(chan error, 5)
			go func() {
				buf := make([]int16, ch.FrameSamples())
				for {
					if err := ch.ReadFrame(buf); err != nil {
						errs <- err
						return
					}
				}
			}()
			go func() {
				_, err := dch.(hal.HDLC).ReadHDLC(make([]byte, 512))
				errs <- err
			}()
			go func() { p.Listen(time.Hour); errs <- nil }()
			go func() { b.Sleep(time.Hour); errs <- nil }()
			go func() { _, err := nw.ReceiveHDLC(time.Hour); errs <- err }()
			b.Sleep(50 * time.Millisecond)
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				select {
				case err := <-errs:
					if errors.Is(err, sim.ErrTimeout) {
						t.Errorf("a blocked call timed out instead of seeing the close: %v", err)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%d of 5 blocked calls returned after Close", i)
				}
			}
			buf := make([]int16, ch.FrameSamples())
			if err := ch.ReadFrame(buf); !errors.Is(err, hal.ErrClosed) {
				t.Errorf("ReadFrame after board close: %v", err)
			}
			if _, err := b.Spans()[0].Open(2); !errors.Is(err, hal.ErrClosed) {
				t.Errorf("Open after board close: %v", err)
			}
			if err := b.Close(); err != nil {
				t.Errorf("second close: %v", err)
			}
			// Every goroutine of the board is gone.
			deadline := time.Now().Add(5 * time.Second)
			for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				buf := make([]byte, 1<<16)
				t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}

func TestReadFrameErrorsAreChannelErrors(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true})
	_, err := b.Spans()[0].Open(99)
	var ce *hal.ChannelError
	if !errors.As(err, &ce) || ce.Span != 1 || ce.Chan != 99 || !errors.Is(err, hal.ErrNoChannel) {
		t.Errorf("open 1/99: %v", err)
	}
	if _, err := b.Phone(5); err == nil {
		t.Error("phone 5 of 4 exists")
	}
	if _, err := b.Line(0); err == nil {
		t.Error("line 0 exists")
	}
	if _, err := b.Network(1); err == nil {
		t.Error("analog span has a network side")
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []sim.Config{
		{FrameMs: 15}, {Law: "g722"}, {Zone: "atlantis"}, {EchoLossDB: -3}, {FXS: -1, FXO: -1, E1Spans: -1},
	} {
		if b, err := sim.New(cfg); err == nil {
			_ = b.Close()
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
	b := newBoard(t, sim.Config{FXS: 2, FXO: -1, E1Spans: 2, Fast: true})
	spans := b.Spans()
	if len(spans) != 3 || len(spans[0].Info().Channels) != 2 || spans[2].Info().Number != 3 {
		t.Fatalf("spans %v", spans)
	}
	b2 := newBoard(t, sim.Config{FXS: -1, FXO: 1, E1Spans: -1, Fast: true})
	if sp := b2.Spans(); len(sp) != 1 || sp[0].Info().Channels[0].Kind != hal.KindFXO {
		t.Fatalf("spans %v", sp[0].Info())
	}
	if _, err := b2.Line(1); err != nil {
		t.Error(err)
	}
}

func TestE1AlarmAndBearer(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true, Law: "alaw"})
	ch := openChan(t, b, 2, 17)
	nw, _ := b.Network(2)
	party, err := nw.Bearer(17)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nw.Bearer(16); err == nil {
		t.Error("timeslot 16 is a bearer")
	}
	party.PlayTone(1004, -10)
	if !party.Playing() {
		t.Error("party not playing")
	}
	rx, _ := loop(t, ch, 25, nil)
	if got := measure.ToneLevelDBm0(rx[1600:], 1004); math.Abs(got+10) > 0.5 {
		t.Errorf("bearer tone at %.2f dBm0", got)
	}
	if got := measure.Frequency(rx[1600:]); math.Abs(got-1004) > 1 {
		t.Errorf("bearer tone at %.2f Hz", got)
	}
	nw.SetAlarm(hal.AlarmRed)
	if ev, ok := ch.PollEvent(); !ok || ev.Kind != hal.EventAlarm || ev.Alarms != hal.AlarmRed {
		t.Errorf("alarm event %v %v", ev, ok)
	}
	if st := b.Spans()[1].Status(); st.Alarms != hal.AlarmRed {
		t.Errorf("span status %+v", st)
	}
	nw.SetAlarm(0)
	if ev, ok := ch.PollEvent(); !ok || ev.Kind != hal.EventNoAlarm {
		t.Errorf("no-alarm event %v %v", ev, ok)
	}
}

func TestSnapshot(t *testing.T) {
	b := newBoard(t, sim.Config{Fast: true})
	openChan(t, b, 1, 2)
	p, _ := b.Phone(2)
	p.OffHook()
	if err := p.Dial("42"); err != nil {
		t.Fatal(err)
	}
	l, _ := b.Line(1)
	if err := l.Ring("123", "Bob"); err != nil {
		t.Fatal(err)
	}
	b.Sleep(100 * time.Millisecond)
	s := b.Snapshot()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back sim.Snapshot
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Phones) != 4 || len(back.Lines) != 2 || len(back.E1) != 1 {
		t.Fatalf("snapshot sizes %d %d %d", len(back.Phones), len(back.Lines), len(back.E1))
	}
	ph := back.Phones[1]
	if !ph.Open || !ph.OffHook || !ph.Dialling || ph.Dialled != "42" || back.Phones[0].Open {
		t.Errorf("phone 2 snapshot %+v", ph)
	}
	ln := back.Lines[0]
	if ln.State != "ringing" || !ln.Ringing || ln.Rings != 1 || ln.CallerNumber != "123" {
		t.Errorf("line 1 snapshot %+v", ln)
	}
	if back.Now != 100*time.Millisecond || back.Zone != "us" || back.Law != "ulaw" {
		t.Errorf("snapshot header %+v", back)
	}
}

// TestFastDeterministic runs the same scenario twice and expects the same
// audio, sample for sample: simulated time does not depend on scheduling.
func TestFastDeterministic(t *testing.T) {
	run := func() []int16 {
		b := newBoard(t, sim.Config{Fast: true})
		ch := openChan(t, b, 1, 1)
		p, _ := b.Phone(1)
		p.OffHook()
		if err := p.Dial("159"); err != nil {
			t.Fatal(err)
		}
		phase := 0.0
		rx, _ := loop(t, ch, 50, func(_ int, out []int16) {
			phase = measure.Sine(out, 1800, -6, phase)
		})
		return append(rx, p.Heard(time.Second)...)
	}
	a, c := run(), run()
	for i := range a {
		if a[i] != c[i] {
			t.Fatalf("runs differ at sample %d: %d vs %d", i, a[i], c[i])
		}
	}
}
