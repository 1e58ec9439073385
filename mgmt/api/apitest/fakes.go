// Package apitest provides in-memory fakes of the interfaces mgmt/api
// consumes, for tests of the API, the CLI and the web UI.
//
// Every fake is safe for concurrent use.
package apitest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"tipring/gateway"
	"tipring/mgmt/api"
	"tipring/mgmt/cdrstore"
)

// Gateway is a fake api.Gateway returning the values it holds.
type Gateway struct {
	mu      sync.Mutex
	st      gateway.Status
	ports   []gateway.PortStatus
	calls   []gateway.CallInfo
	regs    []api.Registration
	groups  []gateway.GroupStatus // Groups (api.GroupLister)
	servers []api.Server          // Servers (api.ServerLister)
	// LearnTone (api.ToneLearner, learn.go).
	learnReqs []LearnCall
	learnRes  *gateway.LearnedTone
	learnErr  error
}

// Started is the start time of NewGateway's fake.
var Started = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// NewGateway returns a gateway with four FXS ports (one off hook and in a
// call), two FXO ports, one active call and one registered account.
func NewGateway() *Gateway {
	g := &Gateway{
		st: gateway.Status{Board: "sim", Zone: "us", Started: Started, ActiveCalls: 1, TotalCalls: 42, Ports: 6},
	}
	for i := 1; i <= 4; i++ {
		p := gateway.PortStatus{Name: fmt.Sprintf("FXS/1/%d", i), Span: 1, Chan: i, Kind: "fxs",
			Extension: fmt.Sprintf("200%d", i), State: gateway.PortIdle, LineState: "onhook"}
		if i == 1 {
			p.Account, p.Registered = "fxs1", true
			p.State, p.LineState, p.OffHook, p.CallID = gateway.PortConnected, "connected", true, "call-1"
		}
		g.ports = append(g.ports, p)
	}
	for i := 5; i <= 6; i++ {
		g.ports = append(g.ports, gateway.PortStatus{Name: fmt.Sprintf("FXO/1/%d", i), Span: 1, Chan: i, Kind: "fxo",
			State: gateway.PortIdle, LineState: "idle"})
	}
	g.calls = []gateway.CallInfo{{ID: "call-1", From: "2001", To: "5551234", Direction: "outbound", State: "connected",
		Legs: []string{"FXS/1/1", "sip:5551234@127.0.0.1"}, Start: Started.Add(time.Minute), Answer: Started.Add(time.Minute + 3*time.Second), Codec: "PCMU"}}
	g.groups = []gateway.GroupStatus{{Name: "sales", Strategy: gateway.HuntRoundRobin, Members: []gateway.MemberStatus{
		{Port: "2001", Channel: "FXS/1/1", Kind: "FXS", State: gateway.PortConnected, Calls: 3, LastUse: Started.Add(time.Minute)},
		{Port: "2002", Channel: "FXS/1/2", Kind: "FXS", Free: true, State: gateway.PortIdle, Calls: 2},
	}}}
	g.regs = []api.Registration{
		{Account: "fxs1", AOR: "sip:2001@127.0.0.1", Registered: true, Expires: Started.Add(time.Hour)},
		{Account: "trunk", AOR: "sip:100@127.0.0.1", LastError: "403 Forbidden"},
	}
	return g
}

func (g *Gateway) Status() gateway.Status {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.st
}

func (g *Gateway) Ports() []gateway.PortStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gateway.PortStatus(nil), g.ports...)
}

func (g *Gateway) Calls() []gateway.CallInfo {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gateway.CallInfo(nil), g.calls...)
}

func (g *Gateway) Registrations() []api.Registration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]api.Registration(nil), g.regs...)
}

func (g *Gateway) Groups() []gateway.GroupStatus {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gateway.GroupStatus(nil), g.groups...)
}

func (g *Gateway) Servers() []api.Server {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]api.Server(nil), g.servers...)
}

// SetServers replaces the SIP servers view.
func (g *Gateway) SetServers(s []api.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.servers = append([]api.Server(nil), s...)
}

// SetGroups replaces the hunt groups view.
func (g *Gateway) SetGroups(gs []gateway.GroupStatus) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.groups = gs
}

// Set replaces the views; a nil slice empties that view.
func (g *Gateway) Set(st gateway.Status, ports []gateway.PortStatus, calls []gateway.CallInfo, regs []api.Registration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.st, g.ports, g.calls, g.regs = st, ports, calls, regs
}

// CDRs is a fake api.CDRQuerier over a slice, filtering like cdrstore.
type CDRs struct {
	mu      sync.Mutex
	Records []gateway.CDR // oldest first
	Err     error
	Last    cdrstore.Query
}

// NewCDRs returns n answered calls from 2001 to 5551234, a minute apart.
func NewCDRs(n int) *CDRs {
	c := &CDRs{}
	for i := range n {
		st := Started.Add(time.Duration(i) * time.Minute)
		c.Records = append(c.Records, gateway.CDR{CallID: fmt.Sprintf("cdr-%d", i), Direction: "outbound",
			From: "2001", To: "5551234", SrcLeg: "FXS/1/1", DstLeg: "sip:5551234@127.0.0.1",
			Start: st, Answer: st.Add(2 * time.Second), End: st.Add(32 * time.Second), Duration: 30,
			Disposition: "ANSWERED", Cause: "caller", Codec: "PCMU"})
	}
	return c
}

func (c *CDRs) Query(q cdrstore.Query) ([]gateway.CDR, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Last = q
	if c.Err != nil {
		return nil, c.Err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = cdrstore.DefaultLimit
	}
	var out []gateway.CDR
	for i := len(c.Records) - 1; i >= 0 && len(out) < limit; i-- {
		r := c.Records[i]
		if !q.Since.IsZero() && r.Start.Before(q.Since) {
			continue
		}
		if q.Number != "" && r.From != q.Number && r.To != q.Number {
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

// LastQuery returns the most recent query.
func (c *CDRs) LastQuery() cdrstore.Query {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Last
}

// Sim is a fake api.SimControl. It records every action; record operations
// return a 1 kHz sine at about -10 dBm0 of the requested length. Ports
// above Ports answer api.ErrNotFound; "dial" on a phone that is on hook
// answers api.ErrConflict.
type Sim struct {
	mu      sync.Mutex
	Ports   int
	offHook map[int]bool
	actions []api.SimAction
}

// NewSim returns a fake with four ports of each kind.
func NewSim() *Sim { return &Sim{Ports: 4, offHook: map[int]bool{}} }

func (s *Sim) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	phones := []map[string]any{}
	for i := 1; i <= s.Ports; i++ {
		phones = append(phones, map[string]any{"port": i, "off_hook": s.offHook[i]})
	}
	return map[string]any{"phones": phones, "actions": len(s.actions)}
}

func (s *Sim) Do(ctx context.Context, a api.SimAction) (api.SimResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.actions = append(s.actions, a)
	if a.Port > s.Ports {
		return api.SimResult{}, fmt.Errorf("%s %d: %w", a.Target, a.Port, api.ErrNotFound)
	}
	if a.Target == "phone" {
		switch a.Op {
		case "offhook":
			s.offHook[a.Port] = true
		case "onhook":
			s.offHook[a.Port] = false
		case "dial", "pulse":
			if !s.offHook[a.Port] {
				return api.SimResult{}, fmt.Errorf("phone %d is on hook: %w", a.Port, api.ErrConflict)
			}
		}
	}
	if a.Op == "record" {
		n := int(a.Seconds * 8000)
		audio := make([]int16, n)
		amp := 0.316 * 32767 * 0.98 // about -10 dBm0 relative to a +3.14 dBm0 full-scale sine
		for i := range audio {
			audio[i] = int16(amp * math.Sin(2*math.Pi*1000*float64(i)/8000))
		}
		return api.SimResult{Data: map[string]any{"seconds": a.Seconds, "peak_hz": 1000}, Audio: audio}, nil
	}
	return api.SimResult{Data: map[string]any{"op": a.Op, "port": a.Port}}, nil
}

// Actions returns the actions received so far.
func (s *Sim) Actions() []api.SimAction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]api.SimAction(nil), s.actions...)
}
