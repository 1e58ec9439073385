package gateway

import (
	"fmt"
	"slices"
	"time"

	"tipring/telephony/fxs"
)

// group is a hunt group of FXS ports and PSTN lines. Its hunt state (the
// member used last for round robin, each member's last use for LRU) is its
// own: a port in two groups is hunted independently by each. Changed only
// on the gateway goroutine.
type group struct {
	name     string
	strategy string
	implicit bool // made from LineConfig.Group, not declared in Config.Groups
	members  []*member
	last     int // index of the member chosen last; -1 = none yet
}

// member is one port or line of a group.
type member struct {
	name    string
	order   int
	port    *port // an FXS phone: rung
	line    *line // a PSTN line: seized
	lastUse time.Time
	calls   uint64
}

// GroupStatus is the read-only view of a hunt group.
type GroupStatus struct {
	Name     string         `json:"name"`
	Strategy string         `json:"strategy"`
	Implicit bool           `json:"implicit,omitempty"`
	Members  []MemberStatus `json:"members"`
}

// MemberStatus is the read-only view of one member of a group: its state
// and the group's hunt record of it.
type MemberStatus struct {
	Port    string    `json:"port"`    // as configured
	Channel string    `json:"channel"` // channel or line name
	Kind    string    `json:"kind"`    // FXS or FXO
	Order   int       `json:"order"`
	Free    bool      `json:"free"` // a hunt would take it now
	State   PortState `json:"state"`
	Calls   uint64    `json:"calls"`               // calls this group gave it
	LastUse time.Time `json:"last_use,omitzero"`   // when this group last chose it
	Idle    time.Time `json:"idle_since,omitzero"` // its last state change, for linear ties
}

// buildGroups makes the groups of Config.Groups and the implicit groups of
// the lines' Group keys.
func (g *Gateway) buildGroups() error {
	g.groups = map[string]*group{}
	g.portUse = map[*port]time.Time{}
	for _, gc := range g.cfg.Groups {
		where := fmt.Sprintf("gateway: group %q", gc.Name)
		if gc.Name == "" {
			return fmt.Errorf("gateway: group without a name")
		}
		if _, dup := g.groups[gc.Name]; dup {
			return fmt.Errorf("%s: defined twice", where)
		}
		switch gc.Strategy {
		case "":
			gc.Strategy = HuntLinear
		case HuntLinear, HuntRoundRobin, HuntLRU:
		default:
			return fmt.Errorf("%s: strategy %q (want linear, roundrobin or lru)", where, gc.Strategy)
		}
		grp := &group{name: gc.Name, strategy: gc.Strategy, last: -1}
		for _, mc := range gc.Members {
			m := &member{name: mc.Port, order: mc.Order}
			if m.port = g.portNamed(mc.Port); m.port == nil {
				if m.line = g.lineNamed(mc.Port); m.line == nil {
					return fmt.Errorf("%s: member %q is no port extension, channel or line name", where, mc.Port)
				}
			}
			if slices.ContainsFunc(grp.members, func(o *member) bool { return o.port == m.port && o.line == m.line }) {
				return fmt.Errorf("%s: member %q listed twice", where, mc.Port)
			}
			grp.members = append(grp.members, m)
		}
		g.groups[gc.Name] = grp
	}
	for _, ln := range g.lines {
		if ln.cfg.Group == "" {
			continue
		}
		grp := g.groups[ln.cfg.Group]
		if grp == nil {
			grp = &group{name: ln.cfg.Group, strategy: HuntLinear, implicit: true, last: -1}
			g.groups[grp.name] = grp
		}
		if !slices.ContainsFunc(grp.members, func(o *member) bool { return o.line == ln }) {
			grp.members = append(grp.members, &member{name: ln.name, order: ln.cfg.Order, line: ln})
		}
	}
	return nil
}

// portNamed finds an FXS port by extension or channel name.
func (g *Gateway) portNamed(name string) *port {
	if p, ok := g.byExt[name]; ok {
		return p
	}
	for _, p := range g.ports {
		if p.name() == name {
			return p
		}
	}
	return nil
}

// lineNamed finds a line by its name or channel name.
func (g *Gateway) lineNamed(name string) *line {
	if ln, ok := g.byLine[name]; ok {
		return ln
	}
	for _, ln := range g.lines {
		if ln.ch.Info().Name == name {
			return ln
		}
	}
	return nil
}

// free reports whether a hunt may take m: a line idle and in service, a
// phone on hook with no call, held or waiting call and not in DND.
func (m *member) free() bool {
	if m.line != nil {
		return m.line.free()
	}
	p := m.port
	return p.call == nil && p.held == nil && p.waiting == nil && !p.dnd &&
		p.p.State() == fxs.Idle && !p.p.OffHook()
}

// idleSince is when m was last busy: a line's last seizure or release, a
// port's last state change.
func (g *Gateway) idleSince(m *member) time.Time {
	if m.line != nil {
		return m.line.lastUsed()
	}
	return g.portUse[m.port]
}

// portUsed records that port p changed state (gateway goroutine), for the
// longest-idle order of linear hunts.
func (g *Gateway) portUsed(p *port) {
	if g.portUse != nil {
		g.portUse[p] = time.Now()
	}
}

// huntMember picks a free member of grp by strategy ("" = the group's);
// want filters the members the caller can use (nil = all). It returns nil
// when none is free. The choice is recorded in the group's hunt state.
func (g *Gateway) huntMember(grp *group, strategy string, want func(*member) bool) *member {
	best := g.pickMember(grp, strategy, want)
	if best < 0 {
		return nil
	}
	m := grp.members[best]
	grp.last = best
	m.lastUse = time.Now()
	m.calls++
	return m
}

// pickMember is the index of the member huntMember would choose, -1 if
// none; it records nothing.
func (g *Gateway) pickMember(grp *group, strategy string, want func(*member) bool) int {
	if strategy == "" {
		strategy = grp.strategy
	}
	ok := func(m *member) bool { return (want == nil || want(m)) && m.free() }
	best := -1
	switch strategy {
	case HuntRoundRobin:
		n := len(grp.members)
		for k := 1; k <= n; k++ {
			i := (grp.last + k + n) % n
			if grp.last < 0 {
				i = k - 1
			}
			if ok(grp.members[i]) {
				best = i
				break
			}
		}
	case HuntLRU:
		for i, m := range grp.members {
			if ok(m) && (best < 0 || m.lastUse.Before(grp.members[best].lastUse)) {
				best = i
			}
		}
	default:
		for i, m := range grp.members {
			if !ok(m) {
				continue
			}
			if best < 0 {
				best = i
				continue
			}
			b := grp.members[best]
			if m.order < b.order || m.order == b.order && g.idleSince(m).Before(g.idleSince(b)) {
				best = i
			}
		}
	}
	return best
}

// Groups is the view of the hunt groups, in name order.
func (g *Gateway) Groups() []GroupStatus {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]GroupStatus, 0, len(g.groups))
	for _, grp := range g.groups {
		gs := GroupStatus{Name: grp.name, Strategy: grp.strategy, Implicit: grp.implicit, Members: []MemberStatus{}}
		for _, m := range grp.members {
			ms := MemberStatus{
				Port: m.name, Order: m.order, Free: m.free(), Calls: m.calls,
				LastUse: m.lastUse, Idle: g.idleSince(m),
			}
			if m.line != nil {
				ms.Channel, ms.Kind = m.line.name, "FXO"
				ms.State = linePortState(m.line.p.State())
			} else {
				ms.Channel, ms.Kind = m.port.name(), "FXS"
				ms.State = portState(m.port.p.State())
			}
			gs.Members = append(gs.Members, ms)
		}
		out = append(out, gs)
	}
	slices.SortFunc(out, func(a, b GroupStatus) int {
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return out
}

// groupsOf lists the names of the groups whose members include p or ln.
func (g *Gateway) groupsOf(p *port, ln *line) []string {
	var out []string
	for name, grp := range g.groups {
		for _, m := range grp.members {
			if (p != nil && m.port == p) || (ln != nil && m.line == ln) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}
