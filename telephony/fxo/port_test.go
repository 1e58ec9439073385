package fxo

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/dtmf"
	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/hal/sim"
	"tipring/telephony/digitmap"
)

// tap wraps the FXO channel to observe and shape what passes: it logs hook
// commands and the first transmitted and received signal with the port's
// frame clock, and can mute the office's audio (a line that gives no dial
// tone). Caller ID comes from the simulated office itself (on-hook
// transmission through the line's law).
type tap struct {
	hal.Channel
	frame time.Duration

	mu      sync.Mutex
	now     time.Duration // end of the last frame read
	mute    bool
	hooks   []hookAt
	firstRx time.Duration // first frame with signal received after a seize
	firstTx time.Duration // first frame with signal sent after a seize
	seized  time.Duration
}

type hookAt struct {
	op hal.Hook
	at time.Duration
}

func newTap(ch hal.Channel) *tap {
	return &tap{Channel: ch, frame: hal.FrameDuration(ch.FrameSamples())}
}

func (t *tap) ReadFrame(buf []int16) error {
	if err := t.Channel.ReadFrame(buf); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now += t.frame
	if t.mute {
		clear(buf)
	}
	if t.seized != 0 && t.firstRx == 0 && measure.LevelDBm0(buf) > -40 {
		t.firstRx = t.now
	}
	return nil
}

func (t *tap) WriteFrame(buf []int16) error {
	t.mu.Lock()
	if t.seized != 0 && t.firstTx == 0 && measure.LevelDBm0(buf) > -30 {
		t.firstTx = t.now
	}
	t.mu.Unlock()
	return t.Channel.WriteFrame(buf)
}

func (t *tap) Hook(op hal.Hook) error {
	t.mu.Lock()
	t.hooks = append(t.hooks, hookAt{op, t.now})
	if op == hal.HookOffHook && t.seized == 0 {
		t.seized = t.now
	}
	t.mu.Unlock()
	return t.Channel.Hook(op)
}

func (t *tap) Mute(on bool) {
	t.mu.Lock()
	t.mute = on
	t.mu.Unlock()
}

func (t *tap) times() (seized, firstRx, firstTx time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seized, t.firstRx, t.firstTx
}

func (t *tap) hookLog() []hookAt {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]hookAt(nil), t.hooks...)
}

// rig is a simulated board with one FXO port running.
type rig struct {
	t    *testing.T
	b    *sim.Board
	line *sim.Line
	tap  *tap
	port *Port

	// waiting counts test calls blocked on board time. The fast board
	// would otherwise run whenever the port waits for a frame; holding it
	// to the test's sleeps makes the test the only source of time passing
	// (up to the board's 200 ms stall timeout).
	waiting atomic.Int32

	mu    sync.Mutex
	notes []timedNote
}

// sleep lets d of board time pass.
func (r *rig) sleep(d time.Duration) {
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	r.b.Sleep(d)
}

// listen returns what the far party hears during the next d.
func (r *rig) listen(d time.Duration) []int16 {
	r.waiting.Add(1)
	defer r.waiting.Add(-1)
	return r.line.Listen(d)
}

type timedNote struct {
	Note
	at time.Duration // board time
}

func newRig(t *testing.T, zone string, mod func(*Config)) *rig {
	t.Helper()
	b, err := sim.New(sim.Config{Fast: true, FXS: -1, FXO: 1, E1Spans: -1, Zone: zone})
	if err != nil {
		t.Fatal(err)
	}
	line, err := b.Line(1)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := b.Spans()[0].Open(line.Channel().Chan)
	if err != nil {
		t.Fatal(err)
	}
	z, err := tone.LookupZone(zone)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, b: b, line: line, tap: newTap(ch)}
	b.SetSettle(func() bool { return r.waiting.Load() > 0 })
	cfg := Config{Zone: z}
	if mod != nil {
		mod(&cfg)
	}
	r.port, err = NewPort(r.tap, cfg, func(n Note) {
		if n.Kind == NoteState {
			return
		}
		r.mu.Lock()
		r.notes = append(r.notes, timedNote{n, b.Now()})
		r.mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = r.port.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		b.Close()
	})
	<-r.port.Running()
	return r
}

// wait runs the board until a note of kind arrives (true) or d passes.
func (r *rig) wait(kind NoteKind, d time.Duration) (timedNote, bool) {
	end := r.b.Now() + d
	find := func() (timedNote, bool) {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, n := range r.notes {
			if n.Kind == kind && n.at <= end {
				return n, true
			}
		}
		return timedNote{}, false
	}
	for r.b.Now() < end {
		if n, ok := find(); ok {
			return n, true
		}
		r.sleep(20 * time.Millisecond)
	}
	// The board may have run past end while this goroutine waited for the
	// CPU; a note stamped in time still counts.
	return find()
}

func (r *rig) must(kind NoteKind, d time.Duration) timedNote {
	r.t.Helper()
	n, ok := r.wait(kind, d)
	if !ok {
		r.t.Fatalf("no %v note within %v; notes %v", kind, d, r.noteList())
	}
	return n
}

func (r *rig) noteList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, n := range r.notes {
		s = append(s, fmt.Sprintf("%v(%s,%s,%v)@%v", n.Kind, n.Number, n.Name, n.Reason, n.at))
	}
	return s
}

func (r *rig) clearNotes() {
	r.mu.Lock()
	r.notes = nil
	r.mu.Unlock()
}

// sleepUntil runs the board until cond holds or d passes.
func (r *rig) sleepUntil(cond func() bool, d time.Duration) bool {
	end := r.b.Now() + d
	for r.b.Now() < end {
		if cond() {
			return true
		}
		r.sleep(20 * time.Millisecond)
	}
	return cond()
}

// ringCycles counts the office's ring cycles (bursts that start more than a
// second after the previous one ended).
func ringCycles(rt [][2]time.Duration) int {
	n := 0
	for i, r := range rt {
		if i == 0 || r[0]-rt[i-1][1] >= time.Second {
			n++
		}
	}
	return n
}

// TestGR30CallerIDBetweenRings: the office rings with the zone's cadence,
// Bellcore MDMF caller ID arrives between the first and second ring (GR-30-
// CORE clause 3.2), and the port offers the call at the second ring with
// the number and name.
func TestGR30CallerIDBetweenRings(t *testing.T) {
	for _, zone := range []string{"us", "uk", "de"} {
		t.Run(zone, func(t *testing.T) {
			r := newRig(t, zone, func(c *Config) { c.CallerID = []cid.Scheme{cid.Bellcore} })
			// The office sends the MDMF message 500 ms after the first
			// ring cycle.
			if err := r.line.SetOptions(sim.LineOptions{CallerID: cid.Bellcore}); err != nil {
				t.Fatal(err)
			}
			if err := r.line.RingWith(sim.RingOptions{Number: "2125551234", Name: "JOHN DOE",
				Time: time.Date(2024, 3, 7, 9, 41, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
			n := r.must(NoteIncoming, 20*time.Second)
			if n.Number != "2125551234" || n.Name != "JOHN DOE" {
				t.Errorf("incoming %q %q, want 2125551234 JOHN DOE", n.Number, n.Name)
			}
			if c := ringCycles(r.line.RingTimes()); c != 2 {
				t.Errorf("noted after %d ring cycles, want 2", c)
			}
			if st := r.port.Status(); st.State != Ringing || st.Available {
				t.Errorf("status %+v, want ringing and unavailable", st)
			}
		})
	}
}

// TestRingsBeforeAnswer: the note comes at the configured ring count and
// not before, with the zone's cadence.
func TestRingsBeforeAnswer(t *testing.T) {
	for _, tc := range []struct {
		zone  string
		rings int
	}{{"us", 1}, {"uk", 3}, {"de", 4}} {
		t.Run(tc.zone, func(t *testing.T) {
			r := newRig(t, tc.zone, func(c *Config) { c.RingsBeforeAnswer = tc.rings })
			if err := r.line.Ring("", ""); err != nil {
				t.Fatal(err)
			}
			n := r.must(NoteIncoming, 40*time.Second)
			rt := r.line.RingTimes()
			if c := ringCycles(rt); c != tc.rings {
				t.Errorf("noted during ring cycle %d, want %d", c, tc.rings)
			}
			// The note comes RingMinBurst into the ring.
			last := rt[len(rt)-1][0]
			if d := n.at - last; d < DefaultTimers.RingMinBurst || d > DefaultTimers.RingMinBurst+100*time.Millisecond {
				t.Errorf("noted %v into the burst, want %v", d, DefaultTimers.RingMinBurst)
			}
			r.line.StopRing()
			sn := r.must(NoteRingStopped, 10*time.Second)
			if d := sn.at - n.at; d < DefaultTimers.RingTimeout {
				t.Errorf("ring stop noted %v after the note, want >= %v", d, DefaultTimers.RingTimeout)
			}
			if !r.sleepUntil(func() bool { return r.port.State() == Idle }, time.Second) {
				t.Errorf("state %v after ringing stopped", r.port.State())
			}
		})
	}
}

// TestShortRingBurstIgnored: a burst shorter than RingMinBurst (a ring-pulse
// alert, EN 300 659-1 clause 6.1.1) is not a ring.
func TestShortRingBurstIgnored(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { c.RingsBeforeAnswer = 1 })
	if err := r.line.RingBurst(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if n, ok := r.wait(NoteIncoming, 10*time.Second); ok {
		t.Fatalf("a 200 ms burst was taken as a ring: %+v", n)
	}
	if st := r.port.State(); st != Idle {
		t.Errorf("state %v after the burst, want idle", st)
	}
	if rt := r.line.RingTimes(); len(rt) != 1 || rt[0][1]-rt[0][0] != 200*time.Millisecond {
		t.Errorf("office rang %v, want one 200 ms burst", rt)
	}
	// A burst long enough is a ring.
	if err := r.line.RingBurst(500 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	r.must(NoteIncoming, 2*time.Second)
}

// TestEN300659CallerIDBeforeRing: the office sends caller ID on hook
// before the first ring: line reversal, DT-AS and V.23 FSK, or a ring-pulse
// alert and FSK (EN 300 659-1), BT SIN 227 (reversal, idle state tone
// alert, FSK), DTMF CLIP (reversal, A...C) and NTT J-CLIP (reversal, FSK);
// also ETSI FSK after the first ring. The port offers the call with the
// caller's identity.
func TestEN300659CallerIDBeforeRing(t *testing.T) {
	at := time.Date(2024, 3, 7, 9, 41, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, zone string
		ring       sim.RingOptions
		wantNumber string
		wantName   string
	}{
		{"etsi-dtas", "de", sim.RingOptions{Scheme: cid.ETSI, Alert: sim.AlertDTAS, Number: "0301234567", Name: "Erika M", Time: at}, "0301234567", "Erika M"},
		{"etsi-rpas", "de", sim.RingOptions{Scheme: cid.ETSI, Alert: sim.AlertRPAS, Number: "0301234567", Name: "Erika M", Time: at}, "0301234567", "Erika M"},
		{"etsi-after-ring", "it", sim.RingOptions{Scheme: cid.ETSI, Alert: sim.AlertAfterFirstRing, Number: "0612345678", Name: "Mario", Time: at}, "0612345678", "Mario"},
		{"bt", "uk", sim.RingOptions{Scheme: cid.BT, Number: "0301234567", Name: "Erika M", Time: at}, "0301234567", "Erika M"},
		{"dtmf", "nl", sim.RingOptions{Scheme: cid.DTMF, Number: "0301234567"}, "0301234567", ""},
		{"ntt", "jp", sim.RingOptions{Scheme: cid.NTT, Number: "0312345678"}, "0312345678", ""},
		{"etsi-private", "fr", sim.RingOptions{Scheme: cid.ETSI, Alert: sim.AlertDTAS, Absence: cid.Private, Time: at}, "", "Private"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.zone, nil)
			if err := r.line.RingWith(tc.ring); err != nil {
				t.Fatal(err)
			}
			n := r.must(NoteIncoming, 30*time.Second)
			if n.Number != tc.wantNumber || n.Name != tc.wantName {
				t.Errorf("incoming %q %q, want %q %q", n.Number, n.Name, tc.wantNumber, tc.wantName)
			}
		})
	}
}

// TestOutgoingDialToneThenDTMF: the port seizes, waits for the office's
// dial tone, dials DTMF the office collects, and dialling starts only after
// dial tone was heard; without dial tone it dials after DialToneWait.
func TestOutgoingDialToneThenDTMF(t *testing.T) {
	for _, zone := range []string{"us", "de", "uk", "fr", "cn"} {
		t.Run(zone, func(t *testing.T) {
			r := newRig(t, zone, nil)
			r.port.Dial("5551234", DialDTMF)
			r.must(NoteProceeding, 10*time.Second)
			if got := r.line.Digits(); got != "5551234" {
				t.Errorf("office collected %q, want 5551234", got)
			}
			seized, rx, tx := r.tap.times()
			if rx == 0 || tx == 0 {
				t.Fatalf("no dial tone (%v) or no dialling (%v)", rx, tx)
			}
			// Dial tone starts with the seizure; dialling follows 300 ms of
			// it (the first frame of dial tone is the frame ending at rx).
			if d := tx - rx + 20*time.Millisecond; d < dialToneMinMs*time.Millisecond || d > dialToneMinMs*time.Millisecond+100*time.Millisecond {
				t.Errorf("dialling began %v after dial tone, want %v", d, dialToneMinMs*time.Millisecond)
			}
			if tx-seized >= DefaultTimers.DialToneWait {
				t.Errorf("dialled %v after seizing: dial tone not used", tx-seized)
			}
		})
	}
	t.Run("no-dial-tone", func(t *testing.T) {
		r := newRig(t, "us", nil)
		r.tap.Mute(true)
		r.port.Dial("123", DialDTMF)
		r.must(NoteProceeding, 10*time.Second)
		seized, _, tx := r.tap.times()
		if d := tx - seized; d < DefaultTimers.DialToneWait || d > DefaultTimers.DialToneWait+60*time.Millisecond {
			t.Errorf("blind dialling began %v after seizing, want %v", d, DefaultTimers.DialToneWait)
		}
		if got := r.line.Digits(); got != "123" {
			t.Errorf("office collected %q, want 123", got)
		}
	})
	t.Run("require-dial-tone", func(t *testing.T) {
		r := newRig(t, "us", func(c *Config) {
			s := DefaultSupervision
			s.RequireDialTone = true
			c.Supervision = &s
		})
		r.tap.Mute(true)
		r.port.Dial("123", DialDTMF)
		n := r.must(NoteFailed, 10*time.Second)
		if n.Reason != ReasonNoDialTone {
			t.Errorf("failed with %v", n.Reason)
		}
		if r.line.Seized() {
			t.Error("line still seized after the failure")
		}
	})
}

// TestPulseDialling: loop-disconnect digits at 10 pps, 60/40 break/make,
// measured on the hook commands the channel receives.
func TestPulseDialling(t *testing.T) {
	r := newRig(t, "de", nil)
	r.port.Dial("305", DialPulse)
	r.must(NoteProceeding, 20*time.Second)
	log := r.tap.hookLog()
	if len(log) == 0 || log[0].op != hal.HookOffHook {
		t.Fatalf("hook log %v does not start with the seizure", log)
	}
	var digits []int
	var breaks, makes []time.Duration
	count := 0
	for i := 1; i < len(log); i++ {
		h := log[i]
		switch h.op {
		case hal.HookOnHook:
			if i > 1 && log[i-1].op == hal.HookOffHook && i > 2 {
				gap := h.at - log[i-1].at
				if gap > 300*time.Millisecond {
					digits = append(digits, count)
					count = 0
				} else {
					makes = append(makes, gap)
				}
			}
			count++
		case hal.HookOffHook:
			breaks = append(breaks, h.at-log[i-1].at)
		}
	}
	digits = append(digits, count)
	if fmt.Sprint(digits) != "[3 10 5]" {
		t.Errorf("pulse trains %v, want [3 10 5]", digits)
	}
	// The office ends the last digit once the loop has stayed closed for
	// its inter-digit time.
	r.sleep(sim.PulseDigitGap + 20*time.Millisecond)
	if got := r.line.Digits(); got != "305" {
		t.Errorf("office decoded the pulses as %q, want 305", got)
	}
	for _, b := range breaks {
		if b != 60*time.Millisecond {
			t.Errorf("break %v, want 60 ms", b)
		}
	}
	for _, m := range makes {
		if m != 40*time.Millisecond {
			t.Errorf("make %v, want 40 ms", m)
		}
	}
	if !r.line.Seized() {
		t.Error("loop not closed after dialling")
	}
}

// connectOutgoing places a call and has the far end answer; the office
// reverses the line on answer.
func connectOutgoing(t *testing.T, r *rig) {
	t.Helper()
	o := r.line.Options()
	o.AnswerReversal = true
	if err := r.line.SetOptions(o); err != nil {
		t.Fatal(err)
	}
	r.port.Dial("4711", DialDTMF)
	r.must(NoteProceeding, 10*time.Second)
	r.sleep(200 * time.Millisecond)
	at := r.b.Now()
	if err := r.line.Answer(); err != nil {
		t.Fatal(err)
	}
	n := r.must(NoteAnswered, 2*time.Second)
	if n.Reason != ReasonPolarity {
		t.Errorf("answered by %v, want polarity", n.Reason)
	}
	if d := n.at - at; d > 60*time.Millisecond {
		t.Errorf("answer noted %v after the reversal", d)
	}
	if r.port.State() != Connected {
		t.Fatalf("state %v after answer", r.port.State())
	}
}

func polarityAnswer(c *Config) {
	s := DefaultSupervision
	s.AnswerPolarity = true
	c.Supervision = &s
}

// TestAnswerDelayAssumed: without polarity supervision the call counts as
// answered AnswerDelay after dialling.
func TestAnswerDelayAssumed(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { c.Timers.AnswerDelay = 2 * time.Second })
	r.port.Dial("4711", DialDTMF)
	p := r.must(NoteProceeding, 10*time.Second)
	a := r.must(NoteAnswered, 5*time.Second)
	if d := a.at - p.at; d < 2*time.Second || d > 2*time.Second+60*time.Millisecond {
		t.Errorf("assumed answer %v after dialling, want 2s", d)
	}
	if a.Reason != ReasonTimeout {
		t.Errorf("reason %v", a.Reason)
	}
}

// TestDisconnectCPC: the far end hangs up, the office drops loop current,
// and the port clears within the CPC qualification time.
func TestDisconnectCPC(t *testing.T) {
	for _, q := range []time.Duration{100 * time.Millisecond, 250 * time.Millisecond, 800 * time.Millisecond} {
		t.Run(q.String(), func(t *testing.T) {
			r := newRig(t, "us", func(c *Config) { polarityAnswer(c); c.Timers.CPCQualify = q })
			connectOutgoing(t, r)
			at := r.b.Now()
			r.line.Hangup()
			n := r.must(NoteDisconnected, 3*time.Second)
			if n.Reason != ReasonCPC {
				t.Errorf("cleared by %v, want cpc", n.Reason)
			}
			if d := n.at - at; d < q || d > q+60*time.Millisecond {
				t.Errorf("cleared %v after the drop, want %v", d, q)
			}
			if !r.sleepUntil(func() bool { return !r.line.Seized() }, 100*time.Millisecond) {
				t.Error("line still seized")
			}
		})
	}
}

// TestCPCGlitchRestored: loop current that comes back within CPCQualify
// is a glitch and the call survives it; a drop longer than CPCQualify
// clears the call at CPCQualify even though the current returns later.
func TestCPCGlitchRestored(t *testing.T) {
	const q = 250 * time.Millisecond
	r := newRig(t, "us", func(c *Config) { polarityAnswer(c); c.Timers.CPCQualify = q })
	connectOutgoing(t, r)
	for _, d := range []time.Duration{40 * time.Millisecond, 120 * time.Millisecond, q - 40*time.Millisecond} {
		if err := r.line.DropLoopCurrent(d); err != nil {
			t.Fatal(err)
		}
		if n, ok := r.wait(NoteDisconnected, time.Second); ok {
			t.Fatalf("a %v loop-current glitch cleared the call: %+v", d, n)
		}
		if st := r.port.State(); st != Connected || !r.line.Seized() {
			t.Fatalf("after a %v glitch: state %v, seized %v", d, st, r.line.Seized())
		}
	}
	at := r.b.Now()
	if err := r.line.DropLoopCurrent(2 * q); err != nil {
		t.Fatal(err)
	}
	n := r.must(NoteDisconnected, time.Second)
	if n.Reason != ReasonCPC {
		t.Errorf("cleared by %v, want cpc", n.Reason)
	}
	if d := n.at - at; d < q || d > q+60*time.Millisecond {
		t.Errorf("cleared %v after the drop, want %v", d, q)
	}
}

// TestDisconnectCPCOpenInterval: an office whose CPC open interval is
// shorter than CPCQualify restores loop current before the port qualifies
// the drop; the busy tone that follows still clears the call.
func TestDisconnectCPCOpenInterval(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { polarityAnswer(c); c.Timers.CPCQualify = 400 * time.Millisecond })
	connectOutgoing(t, r)
	o := r.line.Options()
	o.CPCOpen = 150 * time.Millisecond
	if err := r.line.SetOptions(o); err != nil {
		t.Fatal(err)
	}
	r.line.Hangup()
	n := r.must(NoteDisconnected, 4*time.Second)
	if n.Reason != ReasonBusyTone {
		t.Errorf("cleared by %v, want busy tone", n.Reason)
	}
	if !r.sleepUntil(func() bool { return !r.line.Seized() }, 100*time.Millisecond) {
		t.Error("line still seized")
	}
}

// TestDisconnectPolarity: the office restores the polarity when the far
// end clears.
func TestDisconnectPolarity(t *testing.T) {
	r := newRig(t, "us", polarityAnswer)
	connectOutgoing(t, r)
	r.sleep(2 * time.Second)
	r.line.SetPolarity(false)
	n := r.must(NoteDisconnected, time.Second)
	if n.Reason != ReasonPolarity {
		t.Errorf("cleared by %v, want polarity", n.Reason)
	}
	if !r.sleepUntil(func() bool { return !r.line.Seized() }, 100*time.Millisecond) {
		t.Error("line still seized")
	}
}

// TestDisconnectBusyTone: with only tone supervision, the far party hangs
// up, the office plays the zone's busy tone, and the port clears within
// 3 s.
func TestDisconnectBusyTone(t *testing.T) {
	for _, zone := range []string{"de", "us", "uk", "fr", "cn"} {
		t.Run(zone, func(t *testing.T) {
			r := newRig(t, zone, func(c *Config) {
				c.Supervision = &Supervision{AnswerPolarity: true, Tone: true}
			})
			connectOutgoing(t, r)
			r.line.PlayTone(1000, -20) // the far party talks first
			r.sleep(2 * time.Second)
			r.line.StopPlay()
			at := r.b.Now()
			r.line.Hangup()
			n := r.must(NoteDisconnected, 3*time.Second)
			if n.Reason != ReasonBusyTone {
				t.Errorf("cleared by %v, want busy tone", n.Reason)
			}
			t.Logf("%s: busy tone recognised in %v", zone, n.at-at)
			if !r.sleepUntil(func() bool { return !r.line.Seized() }, 100*time.Millisecond) {
				t.Error("line still seized")
			}
		})
	}
}

// TestDisconnectSilence: no signal from the line for SilenceTimeout clears
// the call; a talking far end keeps it.
func TestDisconnectSilence(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { polarityAnswer(c); c.Timers.SilenceTimeout = 5 * time.Second })
	connectOutgoing(t, r)
	r.line.PlayTone(800, -25)
	if n, ok := r.wait(NoteDisconnected, 8*time.Second); ok {
		t.Fatalf("cleared during speech: %+v", n)
	}
	r.line.StopPlay()
	at := r.b.Now()
	n := r.must(NoteDisconnected, 8*time.Second)
	if n.Reason != ReasonSilence {
		t.Errorf("cleared by %v, want silence", n.Reason)
	}
	if d := n.at - at; d < 5*time.Second || d > 5*time.Second+100*time.Millisecond {
		t.Errorf("cleared %v after the far end fell silent, want 5s", d)
	}
}

// TestIncomingAnswerTwoStage: the port answers, plays dial tone, the caller
// dials, and the digit map completes the number.
func TestIncomingAnswerTwoStage(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { c.RingsBeforeAnswer = 1 })
	if err := r.line.Ring("", ""); err != nil {
		t.Fatal(err)
	}
	r.must(NoteIncoming, 10*time.Second)
	r.port.Answer()
	r.port.Collect(CollectConfig{Map: digitmap.MustParse("[2-4]xxx"), Tone: tone.Dial, PlayTone: true})
	if !r.sleepUntil(r.line.Answered, time.Second) {
		t.Fatal("office does not see the answer")
	}
	heard := r.listen(500 * time.Millisecond)
	for _, f := range []float64{350, 440} {
		if l := measure.ToneLevelDBm0(heard[len(heard)-1600:], f); l < -16 || l > -10 {
			t.Errorf("caller hears %v Hz at %.1f dBm0, want dial tone at -13", f, l)
		}
	}
	g := dtmf.NewGenerator(dtmf.GenConfig{})
	if err := g.Queue("2001"); err != nil {
		t.Fatal(err)
	}
	var keys []int16
	buf := make([]int16, 160)
	for g.Busy() {
		clear(buf)
		keys = append(keys, buf[:g.Fill(buf)]...)
	}
	r.line.PlaySamples(keys, false)
	n := r.must(NoteDigits, 5*time.Second)
	if n.Number != "2001" || n.Reason != ReasonNone {
		t.Errorf("digits %q (%v), want 2001", n.Number, n.Reason)
	}
	after := r.listen(200 * time.Millisecond)
	if l := measure.LevelDBm0(after); l > -50 {
		t.Errorf("dial tone still at %.1f dBm0 after the first digit", l)
	}
	st := r.port.Status()
	if st.State != Connected || st.Calls != 1 || st.LastUse.IsZero() {
		t.Errorf("status %+v", st)
	}
}

// TestHookFlash: a flash opens the loop for the board's flash time and the
// call survives it.
func TestHookFlash(t *testing.T) {
	r := newRig(t, "us", polarityAnswer)
	connectOutgoing(t, r)
	r.port.Flash()
	if !r.sleepUntil(func() bool { return !r.line.Seized() }, 200*time.Millisecond) {
		t.Fatal("no loop break")
	}
	start := r.b.Now()
	if !r.sleepUntil(r.line.Seized, 2*time.Second) {
		t.Fatal("loop not closed again")
	}
	if d := r.b.Now() - start; d < sim.FlashTime-40*time.Millisecond || d > sim.FlashTime+40*time.Millisecond {
		t.Errorf("flash lasted %v, want %v", d, sim.FlashTime)
	}
	if n, ok := r.wait(NoteDisconnected, 2*time.Second); ok {
		t.Fatalf("flash cleared the call: %+v", n)
	}
	if r.port.State() != Connected {
		t.Errorf("state %v after flash", r.port.State())
	}
}

// TestLifeline: the relay takes the line during a call; the port clears,
// ignores ringing and refuses calls until the relay gives it back.
func TestLifeline(t *testing.T) {
	r := newRig(t, "us", func(c *Config) { polarityAnswer(c); c.RingsBeforeAnswer = 1 })
	connectOutgoing(t, r)
	r.port.SetLifeline(true)
	n := r.must(NoteDisconnected, time.Second)
	if n.Reason != ReasonLifeline {
		t.Errorf("cleared by %v", n.Reason)
	}
	if !r.sleepUntil(func() bool { return !r.line.Seized() }, 100*time.Millisecond) {
		t.Error("line still seized")
	}
	if st := r.port.Status(); !st.Lifeline || st.Available || st.State != Lifeline {
		t.Errorf("status %+v in lifeline", st)
	}
	r.clearNotes()
	r.port.Dial("1", DialDTMF)
	if n := r.must(NoteFailed, time.Second); n.Reason != ReasonBusy {
		t.Errorf("dial in lifeline failed with %v", n.Reason)
	}
	r.line.Hangup()
	r.sleep(time.Second)
	if err := r.line.Ring("", ""); err != nil {
		t.Fatal(err)
	}
	if n, ok := r.wait(NoteIncoming, 8*time.Second); ok {
		t.Fatalf("ringing noted in lifeline: %+v", n)
	}
	r.line.StopRing()
	r.port.SetLifeline(false)
	if !r.sleepUntil(r.port.Available, time.Second) {
		t.Errorf("not available after lifeline: %+v", r.port.Status())
	}
}

// TestHuntingStatus: availability and last use follow the calls.
func TestHuntingStatus(t *testing.T) {
	clock := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	r := newRig(t, "us", func(c *Config) {
		polarityAnswer(c)
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	})
	if st := r.port.Status(); !st.Available || !st.LastUse.IsZero() || st.Calls != 0 {
		t.Fatalf("fresh status %+v", st)
	}
	connectOutgoing(t, r)
	if st := r.port.Status(); st.Available || st.Calls != 1 || !st.LastUse.Equal(clock) || st.Number != "4711" {
		t.Errorf("status in call %+v", st)
	}
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	r.port.Release()
	if !r.sleepUntil(func() bool { return r.port.State() == Guard }, 200*time.Millisecond) {
		t.Fatalf("state %v after release", r.port.State())
	}
	if r.port.Available() {
		t.Error("available during the guard time")
	}
	if !r.sleepUntil(r.port.Available, 2*time.Second) {
		t.Fatal("not available after the guard time")
	}
	if st := r.port.Status(); !st.LastUse.Equal(clock) {
		t.Errorf("last use %v, want %v", st.LastUse, clock)
	}
}

// TestRelayedAudio: during a call the leg hears the far party and the far
// party hears the leg, each at the level sent (through the line echo
// canceller).
func TestRelayedAudio(t *testing.T) {
	r := newRig(t, "us", polarityAnswer)
	leg := &toneLeg{}
	r.port.Attach(leg)
	connectOutgoing(t, r)
	r.line.PlayTone(700, -16)
	r.sleep(time.Second)
	got := leg.received()
	if l := measure.ToneLevelDBm0(got[len(got)-4000:], 700); math.Abs(l+16) > 1.5 {
		t.Errorf("leg hears the far party at %.1f dBm0, want -16", l)
	}
	r.line.StopPlay()
	leg.set(1020, -16)
	heard := r.listen(time.Second)
	if l := measure.ToneLevelDBm0(heard[4000:], 1020); math.Abs(l+16) > 1.5 {
		t.Errorf("far party hears the leg at %.1f dBm0, want -16", l)
	}
}

// toneLeg sends a sine and records what it receives.
type toneLeg struct {
	freq, level float64
	phase       float64
	mu          sync.Mutex
	rx          []int16
}

func (l *toneLeg) set(freq, level float64) {
	l.mu.Lock()
	l.freq, l.level = freq, level
	l.mu.Unlock()
}

func (l *toneLeg) Pull(f []int16) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.freq == 0 {
		clear(f)
		return
	}
	l.phase = measure.Sine(f, l.freq, l.level, l.phase)
}
func (l *toneLeg) Push(f []int16) {
	l.mu.Lock()
	l.rx = append(l.rx, f...)
	l.mu.Unlock()
}
func (l *toneLeg) received() []int16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]int16(nil), l.rx...)
}
