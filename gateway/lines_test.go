package gateway

import (
	"context"
	"testing"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/measure"
	"tipring/hal/sim"
	"tipring/sip"
	"tipring/sip/siptest"
)

// twoLines is the default board's two FXO ports (channels 5 and 6 of the
// analog span) as the hunt group "pstn".
func twoLines(mut func(l []LineConfig)) []LineConfig {
	l := []LineConfig{
		{Span: 1, Chan: 5, Name: "pstn1", Group: "pstn", Destination: "2001"},
		{Span: 1, Chan: 6, Name: "pstn2", Group: "pstn", Destination: "2001"},
	}
	if mut != nil {
		mut(l)
	}
	return l
}

// lineSim is the board of the line tests: without hybrid echo, because a
// pure test tone looped through the line's hybrid and then the phone's makes
// the two echo cancellers in tandem mute one 200 ms stretch of the phone's
// tone (an effect of dsp/echo's NLP, not of the bridging measured here).
var lineSim = sim.Config{NoEcho: true}

func (r *rig) line(t *testing.T, n int) *sim.Line {
	t.Helper()
	l, err := r.board.Line(n)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (r *rig) lineStatus(name string) PortStatus {
	for _, p := range r.gw.Ports() {
		if p.Name == name {
			return p
		}
	}
	return PortStatus{}
}

// dtmfSamples renders digits as DTMF audio (80 ms tone, 80 ms pause, the
// zone's default levels) for a simulated party to play.
func dtmfSamples(digits string) []int16 {
	g := dtmf.NewGenerator(dtmf.GenConfig{})
	if err := g.Queue(digits); err != nil {
		panic(err)
	}
	var out []int16
	frame := make([]int16, 160)
	for g.Busy() {
		clear(frame)
		g.Fill(frame)
		out = append(out, frame...)
	}
	return append(out, make([]int16, 1600)...)
}

// TestFXSCallOutOnPSTNLine: a phone dials 9 + a number; the route to the
// line group seizes a line, the office collects the stripped number, audio
// passes both ways at the sent level, and when the far party hangs up
// (loop-current drop) the phone hears the far end leave and the CDR names
// the line.
func TestFXSCallOutOnPSTNLine(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{
		Lines:  twoLines(nil),
		Routes: []Route{{Pattern: "9x.T", Group: "pstn", Strip: 1}},
	})
	p1, l1, l2 := r.phone(t, 1), r.line(t, 1), r.line(t, 2)
	if st := r.lineStatus("pstn1"); st.Kind != "FXO" || st.State != PortIdle {
		t.Fatalf("line view %+v, want an idle FXO port", st)
	}

	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p1.Dial("95551234"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the office collects the number", 15*time.Second, func() bool { return l1.Digits() == "5551234" })
	if l2.Seized() {
		t.Error("the second line was seized too")
	}
	r.waitFor(t, "the far end answers", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })
	if st := r.lineStatus("pstn1"); st.State != PortConnected || !st.OffHook || st.CallID == "" {
		t.Errorf("line view %+v, want connected off hook in a call", st)
	}
	if calls := r.gw.Calls(); len(calls) != 1 || calls[0].Direction != "outbound" || len(calls[0].Legs) != 2 || calls[0].Legs[1] != "pstn1" {
		t.Errorf("call table %+v", calls)
	}

	r.exchangeTones(t, checkTone, l1, "far party", p1, "phone")

	l1.Hangup()
	r.waitFor(t, "the phone hears the far end leave", 3*time.Second, func() bool { return r.portState("2001") == PortTone })
	if l := measure.ToneLevelDBm0(p1.Listen(2*time.Second), 480); l < -40 {
		t.Errorf("no far-end hang-up tone at the phone (480 Hz at %.1f dBm0)", l)
	}
	r.waitFor(t, "line released", 3*time.Second, func() bool { return !l1.Seized() })
	p1.OnHook()
	r.waitFor(t, "phone idle", 3*time.Second, func() bool { return r.portState("2001") == PortIdle })
	recs := r.cdr.all()
	if len(recs) != 1 {
		t.Fatalf("%d CDRs, want 1: %+v", len(recs), recs)
	}
	c := recs[0]
	if c.Disposition != "ANSWERED" || c.Direction != "outbound" || c.From != "2001" || c.To != "5551234" ||
		c.SrcLeg != "FXS/1/1" || c.DstLeg != "pstn1" || c.Cause != "callee" {
		t.Errorf("CDR %+v", c)
	}
}

// TestFXSCallerHangsUpReleasesLine: the phone leaving a line call puts the
// line back on hook.
func TestFXSCallerHangsUpReleasesLine(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{
		DigitMap: "[2-8]xxx|9xxxx",
		Lines:    twoLines(nil),
		Routes:   []Route{{Pattern: "9xxxx", Group: "pstn", Strip: 1}},
	})
	p1, l1 := r.phone(t, 1), r.line(t, 1)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p1.Dial("91234")
	r.waitFor(t, "digits", 10*time.Second, func() bool { return l1.Digits() == "1234" })
	l1.Answer()
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })
	p1.OnHook()
	r.waitFor(t, "line released", 3*time.Second, func() bool { return !l1.Seized() })
	recs := r.cdr.all()
	if len(recs) != 1 || recs[0].Cause != "caller" || recs[0].Disposition != "ANSWERED" {
		t.Fatalf("CDRs %+v", recs)
	}
}

// huntCall has phone n dial 9xxxx and returns the line (1 or 2) the
// office saw the digits on; with hold the call stays up.
func huntCall(t *testing.T, r *rig, n int, number string, hold bool) int {
	t.Helper()
	p := r.phone(t, n)
	l1, l2 := r.line(t, 1), r.line(t, 2)
	p.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p.Dial("9" + number); err != nil {
		t.Fatal(err)
	}
	got := 0
	r.waitFor(t, "a line collects "+number, 10*time.Second, func() bool {
		switch {
		case l1.Seized() && l1.Digits() == number:
			got = 1
		case l2.Seized() && l2.Digits() == number:
			got = 2
		}
		return got != 0
	})
	if !hold {
		p.OnHook()
		r.waitFor(t, "line free again", 5*time.Second, func() bool {
			for _, name := range []string{"pstn1", "pstn2"} {
				if st := r.lineStatus(name); st.State != PortIdle || st.CallID != "" {
					return false
				}
			}
			return true
		})
		// The guard time after a release (1 s) keeps a line out of hunts.
		r.board.Sleep(1500 * time.Millisecond)
	}
	return got
}

func TestLineHunting(t *testing.T) {
	rig := func(t *testing.T, hunt string, mut func([]LineConfig)) *rig {
		return newRig(t, "us", lineSim, Config{
			DigitMap: "[2-8]xxx|9xxxx",
			Lines:    twoLines(mut),
			Routes:   []Route{{Pattern: "9xxxx", Group: "pstn", Strip: 1, Hunt: hunt}},
		})
	}
	t.Run("linear busy line skipped", func(t *testing.T) {
		r := rig(t, HuntLinear, nil)
		if got := huntCall(t, r, 1, "1111", true); got != 1 {
			t.Errorf("first call on line %d, want 1", got)
		}
		if got := huntCall(t, r, 2, "2222", true); got != 2 {
			t.Errorf("second call on line %d, want 2 (line 1 is busy)", got)
		}
		// Both lines busy: the third caller gets reorder.
		p3 := r.phone(t, 3)
		p3.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p3.Dial("93333")
		r.waitFor(t, "reorder", 3*time.Second, func() bool { return r.portState("2003") == PortTone })
	})
	t.Run("linear order numbers", func(t *testing.T) {
		r := rig(t, "", func(l []LineConfig) { l[0].Order, l[1].Order = 2, 1 })
		for i := range 2 {
			if got := huntCall(t, r, 1, "1234", false); got != 2 {
				t.Errorf("call %d on line %d, want 2 (order 1)", i, got)
			}
		}
	})
	t.Run("linear equal order longest idle", func(t *testing.T) {
		r := rig(t, HuntLinear, nil)
		want := []int{1, 2, 1}
		for i, w := range want {
			if got := huntCall(t, r, 1, "1234", false); got != w {
				t.Errorf("call %d on line %d, want %d", i, got, w)
			}
		}
	})
	t.Run("round robin", func(t *testing.T) {
		// Line 2 first in order numbers, which round robin ignores.
		r := rig(t, HuntRoundRobin, func(l []LineConfig) { l[1].Order = -1 })
		want := []int{1, 2, 1, 2}
		for i, w := range want {
			if got := huntCall(t, r, 1, "1234", false); got != w {
				t.Errorf("call %d on line %d, want %d", i, got, w)
			}
		}
	})
	t.Run("least recently used", func(t *testing.T) {
		r := rig(t, HuntLRU, nil)
		want := []int{1, 2, 1}
		for i, w := range want {
			if got := huntCall(t, r, 1, "1234", false); got != w {
				t.Errorf("call %d on line %d, want %d", i, got, w)
			}
		}
	})
}

// TestPSTNCallFixedToExtension: a call ringing a line with a fixed
// destination rings the extension's phone; answering it answers the line,
// audio passes both ways, and the phone hanging up releases the line.
func TestPSTNCallFixedToExtension(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{Lines: twoLines(nil)})
	p1, l1 := r.phone(t, 1), r.line(t, 1)
	if err := l1.Ring("5551234", "Alice"); err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "the phone rings", 15*time.Second, p1.Ringing)
	if st := r.lineStatus("pstn1"); st.State != PortRinging || st.CallID == "" {
		t.Errorf("line view %+v, want ringing in a call", st)
	}
	p1.OffHook()
	r.waitFor(t, "the line is answered", 3*time.Second, l1.Answered)
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2001") == PortConnected })

	r.exchangeTones(t, checkTone, l1, "caller", p1, "phone")

	p1.OnHook()
	r.waitFor(t, "line released", 3*time.Second, func() bool { return !l1.Seized() })
	r.waitFor(t, "line idle", 3*time.Second, func() bool { return r.lineStatus("pstn1").State == PortIdle })
	recs := r.cdr.all()
	if len(recs) != 1 {
		t.Fatalf("%d CDRs: %+v", len(recs), recs)
	}
	if c := recs[0]; c.Disposition != "ANSWERED" || c.Direction != "inbound" || c.SrcLeg != "pstn1" ||
		c.DstLeg != "FXS/1/1" || c.To != "2001" || c.Cause != "callee" {
		t.Errorf("CDR %+v", c)
	}
}

// TestPSTNCallerGivesUp: ringing that stops before the phone answers stops
// the phone ringing and leaves a CANCELLED record.
func TestPSTNCallerGivesUp(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{Lines: twoLines(nil)})
	p1, l1 := r.phone(t, 1), r.line(t, 1)
	l1.Ring("5551234", "")
	r.waitFor(t, "the phone rings", 15*time.Second, p1.Ringing)
	l1.StopRing()
	r.waitFor(t, "the phone stops ringing", 15*time.Second, func() bool { return !p1.Ringing() && r.portState("2001") == PortIdle })
	recs := r.cdr.all()
	if len(recs) != 1 || recs[0].Disposition != "CANCELLED" {
		t.Fatalf("CDRs %+v, want one CANCELLED", recs)
	}
}

// TestPSTNTwoStageDialling: a line in two-stage mode answers, plays dial
// tone, collects the caller's DTMF with the digit map and rings the
// extension dialled; the caller hears ringback meanwhile, then talks to the
// phone, and the caller hanging up clears the phone's call.
func TestPSTNTwoStageDialling(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{
		Lines: twoLines(func(l []LineConfig) { l[0].Inbound = InboundTwoStage; l[0].Destination = "" }),
	})
	p2, l1 := r.phone(t, 2), r.line(t, 1)
	l1.Ring("5551234", "")
	r.waitFor(t, "the line answers", 15*time.Second, l1.Answered)
	r.board.Sleep(200 * time.Millisecond)
	dt := l1.Listen(500 * time.Millisecond)
	if a, b := measure.ToneLevelDBm0(dt, 350), measure.ToneLevelDBm0(dt, 440); a < -20 || b < -20 {
		t.Errorf("caller hears no dial tone (350 Hz %.1f, 440 Hz %.1f dBm0)", a, b)
	}
	l1.PlaySamples(dtmfSamples("2002"), false)
	r.waitFor(t, "phone 2 rings", 5*time.Second, p2.Ringing)
	rb := l1.Listen(2 * time.Second)
	if l := measure.ToneLevelDBm0(rb, 440); l < -30 {
		t.Errorf("caller hears no ringback (440 Hz at %.1f dBm0)", l)
	}
	p2.OffHook()
	r.waitFor(t, "connected", 3*time.Second, func() bool { return r.portState("2002") == PortConnected })
	r.exchangeTones(t, checkTone, l1, "caller", p2, "phone")

	l1.Hangup()
	r.waitFor(t, "the phone hears the caller leave", 3*time.Second, func() bool { return r.portState("2002") == PortTone })
	p2.OnHook()
	recs := r.cdr.all()
	if len(recs) != 1 {
		t.Fatalf("%d CDRs: %+v", len(recs), recs)
	}
	if c := recs[0]; c.Disposition != "ANSWERED" || c.To != "2002" || c.SrcLeg != "pstn1" || c.DstLeg != "FXS/1/2" || c.Cause != "caller" {
		t.Errorf("CDR %+v", c)
	}
}

// TestSIPCallOutOnPSTNLine: an INVITE for a line account seizes a free
// line, which dials the called user; the SIP caller is answered when the
// line is, audio passes both ways through RTP, and the far party hanging
// up sends BYE.
func TestSIPCallOutOnPSTNLine(t *testing.T) {
	cdr := &memCDR{}
	// The sip UA matches an INVITE to an account by the Request-URI (or To)
	// user, and the line dials the called user: here the account's.
	b, gw, ua := startSIPGateway(t, lineSim, Options{CDR: cdr, Config: Config{
		Zone:  "us",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}},
		Lines: twoLines(func(l []LineConfig) { l[0].Account, l[1].Account = "trunk", "trunk" }),
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 34000, RTPPortMax: 34999,
		Accounts: []sip.Account{{Name: "trunk", User: "5551234", Domain: "127.0.0.1"}},
	})

	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 35000, RTPPortMax: 35999,
		Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	l1, _ := b.Line(1)
	c, err := peer.Dial(context.Background(), "peer", "sip:5551234@"+ua.ListenAddr("udp").String())
	if err != nil {
		t.Fatal(err)
	}
	waitReal(t, "the office collects the number", 10*time.Second, func() bool { return l1.Digits() == "5551234" })
	waitEvent(t, c, sip.EventAnswered)
	waitReal(t, "far end connected", 5*time.Second, func() bool { return l1.State() == sim.LineConnected })
	pa := siptest.NewPump(c.Media())
	defer pa.Close()
	pa.Play(1004, -10)
	time.Sleep(400 * time.Millisecond)
	checkTone(t, "SIP peer → far party", l1.Listen(time.Second), 1004, -10)
	pa.Play(0, 0)
	l1.PlayTone(1004, -16)
	time.Sleep(400 * time.Millisecond)
	checkTone(t, "far party → SIP peer", pa.Listen(time.Second), 1004, -16)
	l1.StopPlay()

	l1.Hangup()
	waitEvent(t, c, sip.EventEnded)
	waitReal(t, "line released", 5*time.Second, func() bool { return !l1.Seized() && len(gw.Calls()) == 0 })
	recs := cdr.all()
	if len(recs) != 1 {
		t.Fatalf("%d CDRs: %+v", len(recs), recs)
	}
	if r := recs[0]; r.Disposition != "ANSWERED" || r.From != "9000" || r.To != "5551234" || r.DstLeg != "pstn1" || r.Cause != "callee" {
		t.Errorf("CDR %+v", r)
	}
}
