//go:build linux

package dahdie2e

import (
	"context"
	"math"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/dtmf"
	"tipring/dsp/measure"
	"tipring/hal"
	"tipring/sip"
	"tipring/sip/siptest"
)

// The analog features built on hook, ring and polarity signalling, across
// the driver: caller ID and ring cadence, hook flash (call waiting),
// rotary dialling and, on the FXO side, a PSTN line whose central office
// is the test.
const (
	peerName = "Peer Three"
	// lineChan is the daemon's PSTN line: an fxsks channel of span 1
	// (DYN/loc/1:0); the test's central office is the same channel of
	// the linked fxoks span (coSpan).
	lineChan = "8"
	coSpan   = "DYN/loc/1:1"
	// lineUser is the line's SIP account: an INVITE for it goes out on
	// the line, dialling the called user.
	lineUser = "5551234"
)

// rxAnalysis runs receivers on what a phone or central office hears and
// sends caller ID; it belongs to the phone's loop (guarded by phone.mu).
type rxAnalysis struct {
	cidRx   *cid.Receiver
	cids    []cid.Message
	cidAt   []time.Time
	cidErrs []error
	cidTx   *cid.Sender
	det     *dtmf.Detector
	digits  string
	onDigit func() // called (under phone.mu) when a digit starts
}

func (a *rxAnalysis) process(rx []int16) {
	if a.cidRx != nil {
		for _, r := range a.cidRx.Process(rx) {
			m, err := r.Message()
			if err != nil {
				a.cidErrs = append(a.cidErrs, err)
				continue
			}
			a.cids = append(a.cids, m)
			a.cidAt = append(a.cidAt, time.Now())
		}
	}
	if a.det != nil {
		for _, ev := range a.det.Process(rx) {
			if !ev.End {
				a.digits += string(ev.Digit)
				if a.onDigit != nil {
					a.onDigit()
				}
			}
		}
	}
}

// sendCID fills tx with queued caller ID, reporting whether it did.
func (a *rxAnalysis) sendCID(tx []int16) bool {
	if a.cidTx == nil || !a.cidTx.Busy() {
		return false
	}
	k := a.cidTx.Fill(tx)
	clear(tx[k:])
	return true
}

// addSine adds a sine of freq at levelDBm0 to dst, from phase (radians),
// and returns the phase to continue from.
func addSine(dst []int16, freq, levelDBm0, phase float64) float64 {
	amp := 16077.8 * math.Sqrt2 * math.Pow(10, levelDBm0/20) // dBm0 on the 16-bit scale (G.711)
	w := 2 * math.Pi * freq / hal.SampleRate
	for i := range dst {
		v := float64(dst[i]) + amp*math.Sin(phase)
		dst[i] = int16(max(-32768, min(32767, math.Round(v))))
		phase += w
	}
	return math.Mod(phase, 2*math.Pi)
}

func (p *phone) playDual(f1, f2, level float64) {
	p.mu.Lock()
	p.freq, p.freq2, p.level = f1, f2, level
	p.mu.Unlock()
}

// withRx runs f on the phone's receivers under its lock.
func (p *phone) withRx(f func(a *rxAnalysis)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.rx)
}

// timedEvents returns the events of kind seen so far and when.
func (p *phone) timedEvents(kinds ...hal.EventKind) ([]hal.Event, []time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var evs []hal.Event
	var at []time.Time
	for i, ev := range p.events {
		for _, k := range kinds {
			if ev.Kind == k {
				evs = append(evs, ev)
				at = append(at, p.times[i])
			}
		}
	}
	return evs, at
}

func (p *phone) sawEvent(kind hal.EventKind) bool {
	evs, _ := p.timedEvents(kind)
	return len(evs) > 0
}

// peakLevel is the highest level of freq in 100 ms blocks of x.
func peakLevel(x []int16, freq float64) float64 {
	best := math.Inf(-1)
	for i := 0; i+800 <= len(x); i += 400 {
		best = max(best, measure.ToneLevelDBm0(x[i:i+800], freq))
	}
	return best
}

// flash breaks the loop for 500 ms: longer than a rotary pulse (DAHDI
// counts breaks up to 200 ms as pulses), shorter than a hang-up (1.25 s).
func (p *phone) flash(t *testing.T) {
	t.Helper()
	p.hook(t, hal.HookOnHook)
	time.Sleep(500 * time.Millisecond)
	p.hook(t, hal.HookOffHook)
}

// pulseDial dials digits with loop-disconnect pulses: 10 pps, 60 ms break,
// 40 ms make, 700 ms between digits, timed by the test.
func (p *phone) pulseDial(t *testing.T, digits string) {
	t.Helper()
	for i, d := range digits {
		if i > 0 {
			time.Sleep(700 * time.Millisecond)
		}
		n := int(d - '0')
		if n == 0 {
			n = 10
		}
		for range n {
			p.hook(t, hal.HookOnHook)
			time.Sleep(60 * time.Millisecond)
			p.hook(t, hal.HookOffHook)
			time.Sleep(40 * time.Millisecond)
		}
	}
}

func hangupAll(t *testing.T, d *daemon, ph *phone, calls ...*sip.Call) {
	t.Helper()
	for _, c := range calls {
		if c != nil {
			_ = c.Hangup()
		}
	}
	ph.hook(t, hal.HookOnHook)
	waitFor(t, "no calls in the API", 15*time.Second, func() bool { return len(d.calls(t)) == 0 })
}

// TestCallerIDAndRingCadence: a SIP call to extension 2002 rings the
// phone with the us cadence (2 s on, 4 s off; the ring edges measured on
// the fxsks side, less the backend's 100 ms ring trailer) and sends
// Bellcore MDMF caller ID (GR-30-CORE: Bell 202 FSK between the first and
// second ring) that the phone decodes: number, name and the time of day.
func TestCallerIDAndRingCadence(t *testing.T) {
	needGuest(t)
	d := startDaemon(t)
	peer := startPeer(t)
	ph := openPhone(t, 2)
	rx, err := cid.NewReceiver(cid.ReceiverConfig{Scheme: cid.Bellcore})
	if err != nil {
		t.Fatal(err)
	}
	ph.withRx(func(a *rxAnalysis) { a.cidRx = rx })
	time.Sleep(1500 * time.Millisecond) // rxflashtime after an earlier test

	c, err := peer.ua.Dial(context.Background(), "peer", "sip:2002@"+sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c, sip.EventRinging)
	sent := time.Now()
	// Two full cycles and the start of the third: 0-2, 6-8, 12-14 s.
	waitFor(t, "three ring bursts", 20*time.Second, func() bool {
		evs, _ := ph.timedEvents(hal.EventRingBegin)
		return len(evs) >= 3
	})
	ph.hook(t, hal.HookOffHook)
	waitEvent(t, c, sip.EventAnswered)

	evs, at := ph.timedEvents(hal.EventRingBegin, hal.EventRingEnd)
	if len(evs) < 5 || evs[0].Kind != hal.EventRingBegin {
		t.Fatalf("ring events %v", evs)
	}
	const trailer = 100 * time.Millisecond // hal/dahdi's ringTrailer
	for i := 0; i+2 < len(evs) && i < 4; i += 2 {
		if evs[i].Kind != hal.EventRingBegin || evs[i+1].Kind != hal.EventRingEnd || evs[i+2].Kind != hal.EventRingBegin {
			t.Fatalf("ring events out of order: %v", evs)
		}
		on := at[i+1].Sub(at[i]) - trailer
		off := at[i+2].Sub(at[i+1]) + trailer
		t.Logf("ring cycle %d: %v on, %v off", i/2+1, on.Round(time.Millisecond), off.Round(time.Millisecond))
		// ±10 %, the cadence tolerance of GR-506-CORE's ringing.
		if math.Abs(on.Seconds()-2) > 0.2 || math.Abs(off.Seconds()-4) > 0.4 {
			t.Errorf("ring cycle %d: %v on / %v off, want 2 s / 4 s ± 10 %%", i/2+1, on, off)
		}
	}

	var msgs []cid.Message
	var msgAt []time.Time
	var errs []error
	ph.withRx(func(a *rxAnalysis) { msgs, msgAt, errs = a.cids, a.cidAt, a.cidErrs })
	if len(msgs) != 1 || len(errs) != 0 {
		t.Fatalf("phone decoded %d caller ID messages (errors %v), want 1", len(msgs), errs)
	}
	m := msgs[0]
	t.Logf("caller ID %+v, %v after the first ring ended", m, msgAt[0].Sub(at[1]).Round(time.Millisecond))
	if m.Type != cid.TypeMDMF || m.Number != "3000" || m.Name != peerName {
		t.Errorf("caller ID type %#x %q %q, want MDMF 3000 %q", m.Type, m.Number, m.Name, peerName)
	}
	if !msgAt[0].After(at[1]) || !msgAt[0].Before(at[2]) {
		t.Errorf("caller ID at %v, not between the first ring's end %v and the second ring %v", msgAt[0], at[1], at[2])
	}
	now := sent.Local()
	if m.Time.IsZero() || m.Time.Month() != now.Month() || m.Time.Day() != now.Day() ||
		math.Abs(float64(m.Time.Hour()*60+m.Time.Minute()-(now.Hour()*60+now.Minute()))) > 1 {
		t.Errorf("caller ID time %v, want about %v", m.Time, now.Format("01-02 15:04"))
	}
	hangupAll(t, d, ph, c)
}

// TestHookFlashCallWaiting: with the phone in a call, a second SIP call is
// a waiting call: the phone hears the us call-waiting tone (440 Hz). A
// 500 ms break of the loop crosses the span as CAS bits and DAHDI reports
// it as a flash (DAHDI_EVENT_WINKFLASH); the daemon answers the waiting
// call and holds the first: the phone hears the second peer's tone and
// not the first's. A second flash swaps back.
func TestHookFlashCallWaiting(t *testing.T) {
	d, peer, ph := startCall(t, 2)

	c1, err := peer.ua.Dial(context.Background(), "peer", "sip:2002@"+sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	ph.waitEvent(t, hal.EventRingBegin, 10*time.Second)
	ph.hook(t, hal.HookOffHook)
	waitEvent(t, c1, sip.EventAnswered)
	p1 := siptest.NewPump(c1.Media())
	defer p1.Close()
	time.Sleep(time.Second)

	c2, err := peer.ua.Dial(context.Background(), "peer", "sip:2002@"+sipAddr)
	if err != nil {
		t.Fatal(err)
	}
	waitEvent(t, c2, sip.EventRinging)
	x := ph.listen(1500 * time.Millisecond)
	cw := peakLevel(x, 440)
	t.Logf("call-waiting tone: 440 Hz peaks at %.1f dBm0 (100 ms blocks)", cw)
	// The us zone's call-waiting tone: 440 Hz at -10 dBm0 (dsp/tone).
	if math.Abs(cw+10) > 2 {
		t.Errorf("call-waiting tone at %.1f dBm0, want -10 ± 2", cw)
	}

	p1.Play(1400, -10)
	ph.flash(t)
	waitEvent(t, c2, sip.EventAnswered)
	p2 := siptest.NewPump(c2.Media())
	defer p2.Close()
	p2.Play(1004, -10)
	time.Sleep(800 * time.Millisecond)
	x = ph.listen(time.Second)
	l2, l1 := measure.ToneLevelDBm0(x, 1004), measure.ToneLevelDBm0(x, 1400)
	t.Logf("after the flash: second call %.1f dBm0, held call %.1f dBm0", l2, l1)
	if math.Abs(l2+10) > 1.5 || l1 > -40 {
		t.Errorf("after the flash the phone hears the second call at %.1f dBm0 and the held one at %.1f dBm0, want -10 and silence", l2, l1)
	}

	time.Sleep(500 * time.Millisecond)
	ph.flash(t)
	time.Sleep(1200 * time.Millisecond)
	x = ph.listen(time.Second)
	l2, l1 = measure.ToneLevelDBm0(x, 1004), measure.ToneLevelDBm0(x, 1400)
	t.Logf("after the second flash: second call %.1f dBm0, first call %.1f dBm0", l2, l1)
	if math.Abs(l1+10) > 1.5 || l2 > -40 {
		t.Errorf("after the swap the phone hears the first call at %.1f dBm0 and the second at %.1f dBm0, want -10 and silence", l1, l2)
	}
	if t.Failed() {
		t.Logf("daemon log:\n%s", d.logTail())
	}
	hangupAll(t, d, ph, c2, c1)
}

// TestPulseDialledCall: the phone dials 3000 with loop-disconnect pulses;
// DAHDI counts them on the fxoks port and reports each digit
// (DAHDI_EVENT_PULSEDIGIT), and the daemon routes the number to the SIP
// peer.
func TestPulseDialledCall(t *testing.T) {
	d, peer, ph := startCall(t, 2)

	ph.hook(t, hal.HookOffHook)
	time.Sleep(800 * time.Millisecond) // dial tone; past the seize debounce
	ph.pulseDial(t, "3000")
	var in *sip.Call
	select {
	case in = <-peer.calls:
	case <-time.After(15 * time.Second):
		t.Fatalf("no INVITE reached the SIP peer\n%s", d.logTail())
	}
	// The route's account (fxs1, 2001) places the call.
	if in.Local().Number != "3000" {
		t.Errorf("INVITE to %q, want 3000", in.Local().Number)
	}
	if err := in.Answer(); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, in, sip.EventAnswered)
	ph.hook(t, hal.HookOnHook)
	waitEvent(t, in, sip.EventEnded)
	waitFor(t, "no calls in the API", 10*time.Second, func() bool { return len(d.calls(t)) == 0 })
	if got := d.cdr(t); len(got) != 1 || got[0].From != "2002" || got[0].To != "3000" || got[0].Disposition != "ANSWERED" {
		t.Errorf("CDRs %+v, want one ANSWERED call 2002 → 3000", got)
	}
}

// TestPSTNLineAcrossDriver runs a daemon FXO line (fxsks) against the test
// as central office (the linked fxoks channel, rung and fed through
// hal/dahdi).
//
// Incoming: the office rings with the us cadence and sends Bellcore MDMF
// caller ID after the first ring; the daemon qualifies two rings and calls
// the SIP peer presenting the caller ID (From). The office then clears by
// dropping loop current (kewlstart's 500 ms battery drop, which reaches
// the fxsks side as DAHDI_EVENT_ONHOOK), and the peer gets BYE within 3 s.
//
// Outgoing: an INVITE for the line's account seizes the line; the office
// sees it off hook, gives dial tone and decodes the DTMF number.
func TestPSTNLineAcrossDriver(t *testing.T) {
	needGuest(t)
	d := startDaemon(t)
	peer := startPeer(t)
	chanNum := int(lineChan[0] - '0')
	co := openEnd(t, coSpan, chanNum, hal.KindFXS)
	rc, ok := co.ch.(hal.RingCadencer)
	if !ok {
		t.Fatal("the office's channel has no ring cadence")
	}
	if err := rc.SetRingCadence([]time.Duration{2 * time.Second, 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	tx, err := cid.NewSender(cid.SenderConfig{Scheme: cid.Bellcore})
	if err != nil {
		t.Fatal(err)
	}
	co.withRx(func(a *rxAnalysis) { a.cidTx = tx })
	time.Sleep(time.Second)

	t.Run("Incoming", func(t *testing.T) {
		when := time.Date(2024, time.March, 7, 14, 35, 0, 0, time.UTC)
		co.hook(t, hal.HookRing)
		co.waitEvent(t, hal.EventRingerOff, 5*time.Second)
		time.Sleep(500 * time.Millisecond) // GR-30-CORE: data ≥ 500 ms after the ring
		co.withRx(func(a *rxAnalysis) {
			if err := a.cidTx.Send(&cid.Message{Time: when, Number: "5551212", Name: "JOHN DOE"}); err != nil {
				t.Error(err)
			}
		})
		var in *sip.Call
		select {
		case in = <-peer.calls:
		case <-time.After(20 * time.Second):
			t.Fatalf("no INVITE reached the SIP peer\n%s", d.logTail())
		}
		r := in.Remote()
		t.Logf("INVITE from %q <%s> to %q", r.Name, r.Number, in.Local().Number)
		if r.Number != "5551212" || r.Name != "JOHN DOE" || in.Local().Number != "3000" {
			t.Errorf("INVITE from %q %q to %q, want \"JOHN DOE\" 5551212 to 3000", r.Name, r.Number, in.Local().Number)
		}
		if err := in.Answer(); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, in, sip.EventAnswered)
		co.waitEvent(t, hal.EventOffHook, 5*time.Second)
		pa := siptest.NewPump(in.Media())
		defer pa.Close()
		pa.Play(1004, -10)
		time.Sleep(time.Second) // past the line's 600 ms seize debounce, too
		x := co.listen(time.Second)
		t.Logf("SIP peer → office: %.1f dBm0 at 1004 Hz", measure.ToneLevelDBm0(x, 1004))
		pa.Play(0, 0)

		co.hook(t, hal.HookOnHook) // the far party hangs up: loop current drops
		cleared := time.Now()
		waitEvent(t, in, sip.EventEnded)
		took := time.Since(cleared)
		t.Logf("BYE %v after the loop-current drop", took.Round(time.Millisecond))
		if took > 3*time.Second {
			t.Errorf("BYE %v after the loop-current drop, want within 3 s", took)
		}
		co.waitEvent(t, hal.EventOnHook, 5*time.Second)
		waitFor(t, "no calls in the API", 10*time.Second, func() bool { return len(d.calls(t)) == 0 })
	})

	t.Run("Outgoing", func(t *testing.T) {
		time.Sleep(2 * time.Second) // the line's guard time
		co.clearEvents()
		det := dtmf.NewDetector(dtmf.DetectorConfig{})
		co.withRx(func(a *rxAnalysis) {
			a.det, a.digits = det, ""
			a.onDigit = func() { co.freq, co.freq2 = 0, 0 } // dial tone stops at the first digit
		})
		c, err := peer.ua.Dial(context.Background(), "peer", "sip:"+lineUser+"@"+sipAddr)
		if err != nil {
			t.Fatal(err)
		}
		co.waitEvent(t, hal.EventOffHook, 10*time.Second)
		co.playDual(350, 440, -13)
		var digits string
		waitFor(t, "the office collects "+lineUser, 15*time.Second, func() bool {
			co.withRx(func(a *rxAnalysis) { digits = a.digits })
			return digits == lineUser || len(digits) >= len(lineUser)
		})
		if digits != lineUser {
			t.Errorf("office decoded %q, want %s", digits, lineUser)
		}
		waitEvent(t, c, sip.EventAnswered)
		if err := c.Hangup(); err != nil {
			t.Fatal(err)
		}
		co.waitEvent(t, hal.EventOnHook, 5*time.Second)
		waitFor(t, "no calls in the API", 10*time.Second, func() bool { return len(d.calls(t)) == 0 })
		recs := d.cdr(t)
		var found bool
		for _, r := range recs {
			if r.Direction == "inbound" && r.To == lineUser && r.From == "3000" {
				found = true
			}
		}
		if !found {
			t.Errorf("no CDR of the call out on the line: %+v", recs)
		}
	})
	if t.Failed() {
		t.Logf("daemon log:\n%s", d.logTail())
	}
}
