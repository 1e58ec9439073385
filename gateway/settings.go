package gateway

import "fmt"

// PortSettings are the settings a subscriber changes from the phone with
// star codes: do not disturb (*78 on, *79 off) and call forwarding
// (*72/*73 always, *90/*91 busy, *92/*93 no answer). The gateway hands
// them to a SettingsStore on every change, so they survive a restart.
type PortSettings struct {
	DND             bool   `json:"dnd"`
	ForwardAlways   string `json:"forward_always,omitempty"`
	ForwardBusy     string `json:"forward_busy,omitempty"`
	ForwardNoAnswer string `json:"forward_no_answer,omitempty"`
}

// SettingsStore keeps PortSettings by port name ("FXS/1/1"). Settings
// stored for a port override that port's configuration (PortConfig.DND
// and the Forward* fields) at start: the subscriber's last word wins
// until the store forgets the port. SavePortSettings is called on the
// gateway's goroutine and should return within milliseconds.
type SettingsStore interface {
	LoadPortSettings() (map[string]PortSettings, error)
	SavePortSettings(port string, s PortSettings) error
}

// settings returns port p's current subscriber settings.
func (p *port) settings() PortSettings {
	return PortSettings{DND: p.dnd, ForwardAlways: p.fwdAlways, ForwardBusy: p.fwdBusy, ForwardNoAnswer: p.fwdNoAnswer}
}

// loadSettings applies the stored subscriber settings to the ports.
func (g *Gateway) loadSettings() error {
	if g.settings == nil {
		return nil
	}
	stored, err := g.settings.LoadPortSettings()
	if err != nil {
		return fmt.Errorf("gateway: port settings: %w", err)
	}
	for _, p := range g.ports {
		if s, ok := stored[p.name()]; ok {
			p.dnd, p.fwdAlways, p.fwdBusy, p.fwdNoAnswer = s.DND, s.ForwardAlways, s.ForwardBusy, s.ForwardNoAnswer
			g.log.Info("port settings restored", "port", p.name(), "dnd", s.DND,
				"forward_always", s.ForwardAlways, "forward_busy", s.ForwardBusy, "forward_no_answer", s.ForwardNoAnswer)
		}
	}
	return nil
}

// saveSettings stores port p's settings after a star code changed them. A
// failing store is logged: the change still holds until the next restart.
func (g *Gateway) saveSettings(p *port) {
	if g.settings == nil {
		return
	}
	if err := g.settings.SavePortSettings(p.name(), p.settings()); err != nil {
		g.log.Error("port settings not saved", "port", p.name(), "err", err)
	}
}

// PortSettings returns the subscriber settings of every FXS port, by port
// name.
func (g *Gateway) PortSettings() map[string]PortSettings {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make(map[string]PortSettings, len(g.ports))
	for _, p := range g.ports {
		out[p.name()] = p.settings()
	}
	return out
}
