package gateway

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tipring/hal/sim"
	"tipring/sip"
)

// groupRig is the four-port board with a dial plan for the group and route
// numbers of these tests (6xx, 7xx).
func groupRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	cfg.DigitMap = "[2-5]xxx|[67]xx|*xx"
	return newRig(t, "us", sim.Config{NoEcho: true}, cfg)
}

// ringingPhone returns which phone (1-4) rings, 0 for none.
func (r *rig) ringingPhone(t *testing.T) int {
	t.Helper()
	for n := 1; n <= 4; n++ {
		if r.phone(t, n).Ringing() {
			return n
		}
	}
	return 0
}

// callFrom has phone caller dial number and returns the phone that rings;
// it then hangs up and waits until every port is idle again, unless hold
// (the caller stays in the call, the callee keeps ringing).
func (r *rig) callFrom(t *testing.T, caller int, number string, hold bool) int {
	t.Helper()
	p := r.phone(t, caller)
	p.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p.Dial(number); err != nil {
		t.Fatal(err)
	}
	got := 0
	r.waitFor(t, "a phone rings for "+number, 10*time.Second, func() bool { got = r.ringingPhone(t); return got != 0 })
	if !hold {
		r.hangupAll(t, caller)
	}
	return got
}

// hangupAll puts phone n on hook and waits until no port is in a call.
func (r *rig) hangupAll(t *testing.T, n int) {
	t.Helper()
	r.phone(t, n).OnHook()
	r.waitFor(t, "all ports idle", 10*time.Second, func() bool {
		for _, ps := range r.gw.Ports() {
			if ps.State != PortIdle || ps.CallID != "" {
				return false
			}
		}
		return r.ringingPhone(t) == 0
	})
	r.board.Sleep(200 * time.Millisecond)
}

// callBusy has phone caller dial number and expects busy tone.
func (r *rig) callBusy(t *testing.T, caller int, number string) {
	t.Helper()
	p := r.phone(t, caller)
	p.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	if err := p.Dial(number); err != nil {
		t.Fatal(err)
	}
	ext := fmt.Sprintf("200%d", caller)
	r.waitFor(t, "busy tone at "+ext, 10*time.Second, func() bool { return r.portState(ext) == PortTone })
	if n := r.ringingPhone(t); n != 0 {
		t.Errorf("phone %d rings for %s, want none (busy)", n, number)
	}
	p.OnHook()
	r.waitFor(t, ext+" idle", 5*time.Second, func() bool { return r.portState(ext) == PortIdle })
}

func members(ports ...string) []GroupMember {
	m := make([]GroupMember, len(ports))
	for i, p := range ports {
		m[i] = GroupMember{Port: p}
	}
	return m
}

func TestGroupHunting(t *testing.T) {
	t.Run("linear", func(t *testing.T) {
		r := groupRig(t, Config{
			Groups: []GroupConfig{{Name: "sales", Strategy: HuntLinear, Members: []GroupMember{
				{Port: "2001", Order: 2}, {Port: "FXS/1/2", Order: 1}, {Port: "2003", Order: 1},
			}}},
			Routes: []Route{{Pattern: "600", Group: "sales"}},
		})
		// Equal order 1: 2002 and 2003 alternate, longest idle first.
		for i, want := range []int{2, 3, 2} {
			if got := r.callFrom(t, 4, "600", false); got != want {
				t.Errorf("call %d rang phone %d, want %d", i+1, got, want)
			}
		}
		// Busy members are skipped: the order-2 member is next.
		r.phone(t, 2).OffHook()
		r.phone(t, 3).OffHook()
		r.board.Sleep(300 * time.Millisecond)
		if got := r.callFrom(t, 4, "600", true); got != 1 {
			t.Errorf("with 2002 and 2003 off hook phone %d rang, want 1", got)
		}
		// Every member busy: the next caller gets busy.
		r.phone(t, 4).OnHook()
		r.waitFor(t, "phone 1 stops ringing", 5*time.Second, func() bool { return r.ringingPhone(t) == 0 })
		r.phone(t, 1).OffHook()
		r.board.Sleep(300 * time.Millisecond)
		r.callBusy(t, 4, "600")
	})
	t.Run("round robin", func(t *testing.T) {
		r := groupRig(t, Config{
			Groups: []GroupConfig{{Name: "sales", Strategy: HuntRoundRobin, Members: []GroupMember{
				{Port: "2001", Order: 3}, {Port: "2002", Order: 2}, {Port: "2003", Order: 1},
			}}},
			Routes: []Route{{Pattern: "600", Group: "sales"}},
		})
		for i, want := range []int{1, 2, 3, 1} {
			if got := r.callFrom(t, 4, "600", false); got != want {
				t.Errorf("call %d rang phone %d, want %d", i+1, got, want)
			}
		}
		// 2002 in do-not-disturb (*78) is skipped.
		p2 := r.phone(t, 2)
		p2.OffHook()
		r.board.Sleep(300 * time.Millisecond)
		p2.Dial("*78")
		r.board.Sleep(2 * time.Second)
		p2.OnHook()
		r.waitFor(t, "2002 idle", 5*time.Second, func() bool { return r.portState("2002") == PortIdle })
		r.board.Sleep(300 * time.Millisecond)
		if got := r.callFrom(t, 4, "600", false); got != 3 {
			t.Errorf("with 2002 in DND phone %d rang, want 3", got)
		}
	})
	t.Run("least recently used, port in two groups", func(t *testing.T) {
		r := groupRig(t, Config{
			Groups: []GroupConfig{
				{Name: "sales", Strategy: HuntLRU, Members: members("2001", "2002")},
				{Name: "support", Strategy: HuntLRU, Members: members("2002", "2003")},
			},
			Routes: []Route{{Pattern: "600", Group: "sales"}, {Pattern: "601", Group: "support"}},
		})
		steps := []struct {
			number string
			want   int
		}{
			{"600", 1}, // sales: neither used yet, list order
			{"601", 2}, // support: neither used yet
			{"600", 2}, // sales has not used 2002 (support's use does not count)
			{"601", 3}, // support used 2002 last
			{"600", 1}, // sales used 2001 least recently
		}
		for i, s := range steps {
			if got := r.callFrom(t, 4, s.number, false); got != s.want {
				t.Errorf("step %d (%s) rang phone %d, want %d", i+1, s.number, got, s.want)
			}
		}
		gs := r.gw.Groups()
		if len(gs) != 2 || gs[0].Name != "sales" || len(gs[0].Members) != 2 || gs[0].Members[0].Calls != 2 ||
			gs[0].Members[1].Calls != 1 || gs[0].Strategy != HuntLRU || gs[0].Members[1].Channel != "FXS/1/2" {
			t.Errorf("group view %+v", gs)
		}
	})
}

func TestRouteBySourceAndCalling(t *testing.T) {
	r := groupRig(t, Config{
		Groups: []GroupConfig{{Name: "lobby", Members: members("2003")}},
		Routes: []Route{
			{Source: "2001", Pattern: "700", Port: "2003"},
			{Source: "FXS/1/2", Pattern: "700", Port: "2004"},
			{Source: "lobby", Pattern: "700", Port: "2001"},
			{Pattern: "710", Calling: "re:^200[12]$", Port: "2004"},
			{Pattern: "710", Port: "2002"},
		},
	})
	for _, c := range []struct {
		caller int
		number string
		want   int
	}{
		{1, "700", 3}, // by extension
		{2, "700", 4}, // by channel name
		{3, "700", 1}, // by group
		{1, "710", 4}, // by calling number
		{3, "710", 2}, // calling number not matched: next route
	} {
		if got := r.callFrom(t, c.caller, c.number, false); got != c.want {
			t.Errorf("phone %d dialling %s rang phone %d, want %d", c.caller, c.number, got, c.want)
		}
	}
	// Phone 4 matches no source of 700: no route.
	p4 := r.phone(t, 4)
	p4.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p4.Dial("700")
	r.waitFor(t, "reorder", 5*time.Second, func() bool { return r.portState("2004") == PortTone })
	if recs := r.cdr.all(); recs[len(recs)-1].Cause != "no route" {
		t.Errorf("last CDR %+v, want no route", recs[len(recs)-1])
	}
}

// clock is a settable wall clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func TestRouteByTime(t *testing.T) {
	clk := &clock{}
	r := newRigAt(t, "us", sim.Config{NoEcho: true}, Config{
		DigitMap: "[2-5]xxx|[67]xx",
		TimeZone: "Europe/Berlin",
		Routes: []Route{
			{Pattern: "700", Time: []string{"mon-fri 08:00-18:00"}, Port: "2002"},
			{Pattern: "700", Time: []string{"sat 22:00-06:00", "sun 12:00-13:00"}, Port: "2003"},
			{Pattern: "700", Port: "2004"},
		},
	}, clk.now)
	for _, c := range []struct {
		utc  string // the clock in UTC; Berlin is UTC+1 in January
		want int
	}{
		{"2025-01-08T07:30:00Z", 2}, // Wed 08:30 in Berlin (07:30 would be outside in UTC)
		{"2025-01-08T16:59:00Z", 2}, // Wed 17:59
		{"2025-01-08T17:00:00Z", 4}, // Wed 18:00: the range has ended
		{"2025-01-11T21:30:00Z", 3}, // Sat 22:30
		{"2025-01-12T04:59:00Z", 3}, // Sun 05:59: Saturday's range crosses midnight
		{"2025-01-12T05:00:00Z", 4}, // Sun 06:00
		{"2025-01-12T11:15:00Z", 3}, // Sun 12:15: the second window
		{"2025-01-12T22:30:00Z", 4}, // Sun 23:30: Saturday-only night range
	} {
		ts, _ := time.Parse(time.RFC3339, c.utc)
		clk.set(ts)
		if got := r.callFrom(t, 1, "700", false); got != c.want {
			t.Errorf("at %s phone %d rang, want %d", c.utc, got, c.want)
		}
	}
}

// TestRouteRewriteToSIP: a route rewrites the dialled number (strip,
// regexp) and the calling number (regexp with $1); the SIP peer sees both
// in the Request-URI and the From user.
func TestRouteRewriteToSIP(t *testing.T) {
	got := make(chan sip.Party, 4)
	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 36000, RTPPortMax: 36499,
		// The UA takes only calls for its account's user: the rewritten
		// called number.
		Accounts: []sip.Account{{Name: "peer", User: "03012345", Domain: "127.0.0.1"}},
	}, recordCalls{got})
	b, _, _ := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
		Zone: "us", DigitMap: "9x.T",
		Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1"}},
		Routes: []Route{{
			Pattern: "re:^90049", Strip: 1,
			Target:         "sip:{n}@" + peer.ListenAddr("udp").String(),
			Replace:        Replace{Match: "^0049(30)", Replace: "0$1"},
			CallingReplace: Replace{Match: `^2(\d+)$`, Replace: "+49301${1}"},
		}},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 36500, RTPPortMax: 36999,
		Accounts: []sip.Account{{Name: "fxs1", User: "2001", Domain: "127.0.0.1"}},
	})
	phone, _ := b.Phone(1)
	phone.OffHook()
	time.Sleep(300 * time.Millisecond)
	phone.Dial("900493012345")
	select {
	case p := <-got:
		if p.Number != "+49301001" {
			t.Errorf("peer sees caller %q, want +49301001", p.Number)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the peer got no call for 03012345")
	}
	phone.OnHook()
}

// recordCalls is a peer that reports the caller of each incoming call
// and declines it.
type recordCalls struct{ got chan<- sip.Party }

func (h recordCalls) OnIncoming(_ string, c *sip.Call) {
	h.got <- c.Remote()
	c.Reject(486, "Busy Here")
}

// TestInboundSIPRoutedToGroup: calls on a SIP account with no port of its
// own are routed by the called number to a group of phones, round robin;
// a second account's calls reach one port; a route from SIP to SIP is
// refused with 403.
func TestInboundSIPRoutedToGroup(t *testing.T) {
	b, _, ua := startSIPGateway(t, sim.Config{NoEcho: true}, Options{Config: Config{
		Zone: "us",
		Ports: []PortConfig{
			{Span: 1, Chan: 1, Extension: "2001"}, {Span: 1, Chan: 2, Extension: "2002"},
			{Span: 1, Chan: 3, Extension: "2003"}, {Span: 1, Chan: 4, Extension: "2004"},
		},
		Groups: []GroupConfig{{Name: "sales", Strategy: HuntRoundRobin, Members: members("2001", "2002", "2003")}},
		Routes: []Route{
			{Source: "office", Pattern: "5000", Group: "sales"},
			{Source: "office2", Pattern: "re:^50", Port: "2004"},
			{Source: "tandem", Pattern: "re:.", Target: "sip:{n}@127.0.0.1:9"},
		},
	}}, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 37000, RTPPortMax: 37499,
		Accounts: []sip.Account{{Name: "office", User: "5000", Domain: "127.0.0.1"}, {Name: "office2", User: "5001", Domain: "127.0.0.1"},
			{Name: "tandem", User: "5002", Domain: "127.0.0.1"}},
	})
	peer := startUA(t, sip.Config{
		Listen:     []string{"udp:127.0.0.1:0"},
		RTPPortMin: 37500, RTPPortMax: 37999,
		Accounts: []sip.Account{{Name: "peer", User: "9000", Domain: "127.0.0.1"}},
	}, noCalls{})
	ringing := func() int {
		for n := 1; n <= 4; n++ {
			if p, _ := b.Phone(n); p.Ringing() {
				return n
			}
		}
		return 0
	}
	addr := ua.ListenAddr("udp").String()
	// call has the peer call number and returns the call, ringing, and
	// the phone that rings.
	call := func(number string) (*sip.Call, int) {
		t.Helper()
		c, err := peer.Dial(context.Background(), "peer", "sip:"+number+"@"+addr)
		if err != nil {
			t.Fatal(err)
		}
		waitEvent(t, c, sip.EventRinging)
		got := 0
		waitReal(t, "a phone rings", 5*time.Second, func() bool { got = ringing(); return got != 0 })
		return c, got
	}
	for i, want := range []int{1, 2, 3, 1} {
		c, got := call("5000")
		if got != want {
			t.Errorf("call %d rang phone %d, want %d", i+1, got, want)
		}
		c.Hangup()
		waitReal(t, "phones quiet", 10*time.Second, func() bool { return ringing() == 0 })
	}
	c, got := call("5001")
	if got != 4 {
		t.Errorf("call on office2 rang phone %d, want 4", got)
	}
	c.Hangup()
	// SIP to SIP is refused: there is no bridge between two SIP calls.
	c, err := peer.Dial(context.Background(), "peer", "sip:5002@"+addr)
	if err != nil {
		t.Fatal(err)
	}
	if ev := waitEvent(t, c, sip.EventFailed); ev.Code != 403 {
		t.Errorf("SIP to SIP answered %d, want 403", ev.Code)
	}
}

// TestPSTNCallsRoutedByLine: a line's fixed destination may name a group,
// and routes tell the lines apart by source.
func TestPSTNCallsRoutedByLine(t *testing.T) {
	r := newRig(t, "us", lineSim, Config{
		Lines:  twoLines(func(l []LineConfig) { l[0].Destination, l[1].Destination = "700", "sales" }),
		Groups: []GroupConfig{{Name: "sales", Strategy: HuntRoundRobin, Members: members("2003", "2004")}},
		Routes: []Route{
			{Source: "pstn1", Pattern: "700", Port: "FXS/1/2", CallingPrefix: "0"},
			{Pattern: "700", Port: "2001"},
		},
	})
	for i, c := range []struct {
		line, want int
	}{{1, 2}, {2, 3}, {2, 4}} {
		l := r.line(t, c.line)
		if err := l.Ring("5551234", ""); err != nil {
			t.Fatal(err)
		}
		got := 0
		r.waitFor(t, "a phone rings", 15*time.Second, func() bool { got = r.ringingPhone(t); return got != 0 })
		if got != c.want {
			t.Errorf("call %d on line %d rang phone %d, want %d", i+1, c.line, got, c.want)
		}
		l.StopRing()
		r.waitFor(t, "quiet", 15*time.Second, func() bool { return r.ringingPhone(t) == 0 && len(r.gw.Calls()) == 0 })
		r.board.Sleep(time.Second)
	}
	// The calling prefix applies when caller ID came before routing; an
	// unknown caller stays unknown.
	if recs := r.cdr.all(); len(recs) != 3 || (recs[0].From != "" && recs[0].From != "05551234") ||
		recs[0].DstLeg != "FXS/1/2" || recs[2].SrcLeg != "pstn2" {
		t.Errorf("CDRs %+v", recs)
	}
}

// TestForwardToGroupHuntsOnce: a phone that forwards always to a
// round-robin group hands each call to the next member once — the forward
// checks that a member is free without taking a turn, the routed call
// takes it — so three calls ring 2002, 2003, 2002 and the group counts
// two calls for 2002 and one for 2003.
func TestForwardToGroupHuntsOnce(t *testing.T) {
	r := groupRig(t, Config{
		Ports: []PortConfig{
			{Span: 1, Chan: 1, Extension: "2001", ForwardAlways: "600"},
			{Span: 1, Chan: 2, Extension: "2002"},
			{Span: 1, Chan: 3, Extension: "2003"},
			{Span: 1, Chan: 4, Extension: "2004"},
		},
		Groups: []GroupConfig{{Name: "sales", Strategy: HuntRoundRobin, Members: members("2002", "2003")}},
		Routes: []Route{{Pattern: "600", Group: "sales"}},
	})
	for i, want := range []int{2, 3, 2} {
		if got := r.callFrom(t, 4, "2001", false); got != want {
			t.Errorf("call %d rang phone %d, want %d", i+1, got, want)
		}
	}
	if m := r.gw.Groups()[0].Members; m[0].Calls != 2 || m[1].Calls != 1 {
		t.Errorf("group counts %d and %d calls, want 2 and 1", m[0].Calls, m[1].Calls)
	}
}
