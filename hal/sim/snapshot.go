package sim

import "time"

// Snapshot is the state of the board's virtual equipment at one instant,
// shaped for JSON (the management API and the CLI show it).
type Snapshot struct {
	Now     time.Duration     `json:"now_ns"`
	FrameMs int               `json:"frame_ms"`
	Fast    bool              `json:"fast"`
	Zone    string            `json:"zone"`
	Law     string            `json:"law"`
	Phones  []PhoneSnapshot   `json:"phones"`
	Lines   []LineSnapshot    `json:"lines"`
	E1      []NetworkSnapshot `json:"e1"`
}

// PhoneSnapshot is the state of one virtual phone.
type PhoneSnapshot struct {
	Port     int    `json:"port"`
	Channel  string `json:"channel"`
	Open     bool   `json:"open"`      // the FXS channel is open
	OffHook  bool   `json:"off_hook"`  // hook switch
	Ringing  bool   `json:"ringing"`   // the port is being rung (cadence running)
	RingerOn bool   `json:"ringer_on"` // the ringer sounds now
	Rings    int    `json:"rings"`     // ring bursts so far
	Playing  bool   `json:"playing"`   // microphone source active
	Dialling bool   `json:"dialling"`  // keypad or rotary dial busy
	Dialled  string `json:"dialled"`   // every digit dialled so far
	Reversed bool   `json:"reversed"`  // battery polarity
	VMWI     bool   `json:"vmwi"`      // message-waiting lamp
}

// LineSnapshot is the state of one virtual office line.
type LineSnapshot struct {
	Port         int    `json:"port"`
	Channel      string `json:"channel"`
	Open         bool   `json:"open"`
	State        string `json:"state"`
	Seized       bool   `json:"seized"`
	Answered     bool   `json:"answered"`
	Ringing      bool   `json:"ringing"` // ringing voltage on now
	Rings        int    `json:"rings"`
	Digits       string `json:"digits"` // collected by the office
	CallerNumber string `json:"caller_number,omitempty"`
	CallerName   string `json:"caller_name,omitempty"`
	Playing      bool   `json:"playing"` // far-end party source active
	Reversed     bool   `json:"reversed"`
}

// NetworkSnapshot is the state of one E1 span's network side.
type NetworkSnapshot struct {
	Span         int    `json:"span"`
	Alarms       string `json:"alarms"`
	OpenChannels int    `json:"open_channels"`
	HDLCPending  int    `json:"hdlc_pending"` // frames from our D-channel not yet taken
}

// Snapshot returns the current state of all phones, lines and E1 spans.
func (b *Board) Snapshot() Snapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := Snapshot{
		Now:     b.nowLocked(),
		FrameMs: b.cfg.FrameMs,
		Fast:    b.cfg.Fast,
		Zone:    b.zone.Name,
		Law:     b.cfg.Law,
		Phones:  make([]PhoneSnapshot, 0, len(b.phones)),
		Lines:   make([]LineSnapshot, 0, len(b.lines)),
		E1:      make([]NetworkSnapshot, 0, len(b.nets)),
	}
	for _, p := range b.phones {
		s.Phones = append(s.Phones, PhoneSnapshot{
			Port:     p.port,
			Channel:  p.ep.info.Name,
			Open:     p.ep.h != nil,
			OffHook:  p.offHook,
			Ringing:  p.ringing,
			RingerOn: p.ringerOn,
			Rings:    p.rings,
			Playing:  p.mic.active(),
			Dialling: p.keypad.Busy() || len(p.steps) > 0,
			Dialled:  string(p.digitsSent),
			Reversed: p.reversed,
			VMWI:     p.vmwi,
		})
	}
	for _, l := range b.lines {
		s.Lines = append(s.Lines, LineSnapshot{
			Port:         l.port,
			Channel:      l.ep.info.Name,
			Open:         l.ep.h != nil,
			State:        l.state.String(),
			Seized:       l.loopLocked(),
			Answered:     l.answered,
			Ringing:      l.ringOn,
			Rings:        l.rings,
			Digits:       string(l.digits),
			CallerNumber: l.callerNumber,
			CallerName:   l.callerName,
			Playing:      l.party.play.active(),
			Reversed:     l.reversed,
		})
	}
	for _, n := range b.nets {
		ns := NetworkSnapshot{Span: n.Span(), Alarms: n.alarms.String(), HDLCPending: len(n.dch.fromUs)}
		for _, ep := range n.span.eps {
			if ep.h != nil {
				ns.OpenChannels++
			}
		}
		s.E1 = append(s.E1, ns)
	}
	return s
}
