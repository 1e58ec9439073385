package gateway

import (
	"time"
)

// Config is everything the gateway needs to run, already validated. The YAML
// file schema lives in mgmt/config, which produces a Config.
type Config struct {
	// Zone is the tone zone: "us", "uk", "de", "cn", ...
	Zone string
	// DigitMap is the dial plan for FXS ports in ATA syntax, e.g.
	// "[2-4]xxx|*xx|0T|[5-9]xxxxxx". Empty means a default.
	DigitMap string
	// InterDigit is the long inter-digit timer (T): how long to wait for the
	// next digit when the map wants more. ShortInterDigit (S) applies when a
	// map entry is already complete but a longer one could still match.
	InterDigit      time.Duration
	ShortInterDigit time.Duration
	// FirstDigit is how long dial tone plays before the line gives up
	// (then congestion/howler).
	FirstDigit time.Duration
	// OffHookWarning is how long a phone may stay off hook after the call
	// ended (or without dialling) before the howler plays.
	OffHookWarning time.Duration
	// NoAnswer is how long an incoming call rings an FXS port before it is
	// given up (the caller receives 480).
	NoAnswer time.Duration
	// EchoTail is the line echo canceller's tail on every analog port
	// (16–128 ms; 0 = 64 ms). EchoOff disables the canceller.
	EchoTail time.Duration
	EchoOff  bool
	// CallerID is the caller-ID scheme of every FXS port unless the port
	// sets its own: a name from fxs.CallerIDNames ("bellcore", "bt",
	// "etsi-fsk-rpas", "etsi-dtmf", "ntt", "off", ...); "" = the zone's
	// default (table in telephony/fxs/doc.go).
	CallerID string
	// NoCallWaiting disables call waiting and the flash services (hold,
	// three-way, transfer) on every port; a hook flash is then only passed
	// on.
	NoCallWaiting bool
	// FlashMin and FlashMax bound a hook flash (0 = 100 ms and 800 ms).
	FlashMin, FlashMax time.Duration
	// PulseDialing is the rotary dial numbering: "normal" (n pulses = n,
	// 10 = 0), "sweden" (n+1 pulses = n), "newzealand" (10-n pulses = n);
	// "" = normal.
	PulseDialing string
	// Ports maps each FXS port to its extension and SIP account.
	Ports []PortConfig
	// Lines are the FXO ports (PSTN lines) the gateway runs; none when
	// empty.
	Lines []LineConfig
	// Routes decide where dialled numbers go. Local extensions (Ports) are
	// matched first; then Routes in order (see routing.go).
	Routes []Route
	// Groups are hunt groups of FXS ports and PSTN lines; routes and line
	// destinations name them. A line's LineConfig.Group makes it a member
	// of the group of that name (declared here or implicit, linear).
	Groups []GroupConfig
	// TimeZone is the IANA zone Route.Time is read in ("" = the system's
	// local time).
	TimeZone string
	// DiversionFormat is how a call a phone forwards to a SIP destination
	// tells the next hop who forwarded it and why: "diversion" (RFC 5806
	// Diversion header; "" is the same), "history-info" (RFC 7044
	// History-Info) or "both".
	DiversionFormat string
}

// PortConfig configures one FXS port.
type PortConfig struct {
	Span      int    // span number (1 for the analog span)
	Chan      int    // channel within the span
	Extension string // local extension number, e.g. "2001"
	// Account is the SIP account name bound to this port ("" = none). Incoming
	// SIP calls to this account ring the port; outgoing calls from the port use it.
	Account string
	// CallerName is shown to the far end (From display name) and in the
	// caller ID of local calls.
	CallerName string
	// CallerID overrides Config.CallerID for this port.
	CallerID string
	// NoCallWaiting disables call waiting on this port.
	NoCallWaiting bool
	// Hotline is dialled as soon as the phone goes off hook, or (warmline)
	// after WarmlineDelay without a digit.
	Hotline       string
	WarmlineDelay time.Duration
	// DND starts the port in do-not-disturb (incoming calls get busy);
	// *78 turns it on and *79 off from the phone. What the phone set
	// (DND and forwarding) is kept in Options.Settings and wins over
	// these fields at the next start.
	DND bool
	// ReverseOnAnswer reverses the line polarity when a call the phone
	// placed is answered; ReverseOnFarHangup flips it when the far end
	// clears.
	ReverseOnAnswer, ReverseOnFarHangup bool
	// RxGainDB and TxGainDB adjust the level from and to the phone (dB).
	RxGainDB, TxGainDB float64
	// ForwardAlways, ForwardBusy and ForwardNoAnswer forward incoming calls
	// (a number dialled as from this port); the phone sets them with *72,
	// *90 and *92 followed by the number and clears them with *73, *91 and
	// *93. ForwardNoAnswerDelay is the ringing time before forwarding on
	// no answer (0 = 20 s).
	ForwardAlways, ForwardBusy, ForwardNoAnswer string
	ForwardNoAnswerDelay                        time.Duration
}

// LineConfig configures one FXO port: a PSTN line.
type LineConfig struct {
	Span int // span number (1 for the analog span)
	Chan int // channel within the span
	// Name identifies the line in routes, status views and CDRs ("" = the
	// channel's name, e.g. "FXO/1/5").
	Name string
	// Group is the hunt group the line belongs to ("" = none); routes
	// name groups. Order ranks the line in a linear hunt (lowest first;
	// lines with equal order are taken longest idle first).
	Group string
	Order int
	// Account ties the line to a SIP account: an incoming SIP call for
	// the account seizes a free line of those with this account and
	// dials the called number; a fixed inbound destination that is a SIP
	// URI is called through it.
	Account string
	// Inbound is what an incoming PSTN call does: "fixed" (default: ring
	// Destination, a local extension, a number routed like a dialled one
	// or a sip: URI called through Account), "twostage" (answer, play dial
	// tone, collect digits with DigitMap and route them like a number
	// dialled on an FXS port) or "none" (let it ring).
	Inbound     string
	Destination string
	// DigitMap is the two-stage dialling map ("" = Config.DigitMap).
	DigitMap string
	// RingsBeforeAnswer is the ring count at which an incoming call is
	// taken (0 = 2, so that Bellcore caller ID between the first and
	// second ring is known).
	RingsBeforeAnswer int
	// DialMode sends numbers as "dtmf" (default) or "pulse".
	DialMode string
	// CallerID lists the caller-ID schemes listened for on hook
	// ("bellcore", "etsi", "bt", "ntt", "dtmf"; nil = the zone's; "off"
	// alone = none).
	CallerID []string
	// AnswerPolarity takes an outgoing call as answered when the line
	// reverses; AnswerDelay assumes the answer this long after dialling
	// (with AnswerPolarity: when no reversal came by then).
	AnswerPolarity bool
	AnswerDelay    time.Duration
	// RequireDialTone fails a call when no dial tone comes within
	// DialToneWait (0 = 3 s) instead of dialling blind.
	RequireDialTone bool
	DialToneWait    time.Duration
	// Disconnect supervision: loop-current drop (qualified by CPCQualify,
	// 0 = 250 ms), polarity reversal and busy/congestion tone are on
	// unless turned off; SilenceTimeout (0 = off) clears a call that has
	// been silent that long.
	NoCPC, NoPolarityDisconnect, NoToneDisconnect bool
	CPCQualify                                    time.Duration
	SilenceTimeout                                time.Duration
	// DisconnectTones are tones of the line's exchange or PBX that no zone
	// table has, which clear a call like the zone's busy and congestion
	// tones (unless NoToneDisconnect), in the text form of
	// dsp/progress signatures: "busy 480 Hz 300/200 ms" (what LearnTone
	// answers).
	DisconnectTones []string
}

// Hunt strategies of a route to lines.
const (
	// HuntLinear takes the first free line in LineConfig.Order; among
	// equal orders the one idle longest.
	HuntLinear = "linear"
	// HuntRoundRobin takes the free line after the one the route used
	// last, in configuration order.
	HuntRoundRobin = "roundrobin"
	// HuntLRU takes the free line idle longest.
	HuntLRU = "lru"
)

// Route is one entry of the routing table: calls whose source, called
// number, calling number and time match go to a SIP destination through an
// account, out on a PSTN line (Lines), to a hunt group (Group) or to a
// local port (Port), with both numbers rewritten on the way.
type Route struct {
	// Pattern matches the called number: digit map syntax (complete on
	// timeout, so T and S marks work as in the dial plan) or "re:" and a
	// Go regular expression (unanchored: write ^ and $).
	Pattern string
	// Source limits the route to calls from one origin: "" or "any" (every
	// port and line; SIP calls only match routes that name their account),
	// a port's extension or channel name, a group name (calls from its
	// members), a SIP account name (calls coming in on it) or a line name.
	Source string
	// Calling matches the calling number like Pattern ("" = any).
	Calling string
	// Time lists when the route applies (TimeSpec syntax, e.g.
	// "mon-fri 08:00-18:00"); any one matching is enough; nil = always.
	Time []string
	// Port sends the call to a local FXS port (extension or channel name).
	Port string
	// Replace rewrites the called number after Strip and Prefix;
	// CallingStrip, CallingPrefix and CallingReplace rewrite the calling
	// number the same way.
	Replace        Replace
	CallingStrip   int
	CallingPrefix  string
	CallingReplace Replace
	// Account to place the call through (its registrar/proxy and credentials).
	Account string
	// Target is a SIP URI template; "{n}" is replaced by the dialled number.
	// Empty means sip:{n}@<account domain>.
	Target string
	// Strip removes leading digits; Prefix is added afterwards.
	Strip  int
	Prefix string
	// Lines sends the call out on one of the named PSTN lines, Group to a
	// member of the hunt group (FXS ports ring, lines dial out), hunted
	// with Hunt (HuntLinear, HuntRoundRobin, HuntLRU; "" = the group's
	// strategy, linear for Lines).
	Lines []string
	Group string
	Hunt  string
}

// Replace is a regular-expression rewrite of a number: every match of
// Match (Go RE2 syntax) is replaced by Replace, with $1 and ${name}
// expanded. The zero value changes nothing.
type Replace struct {
	Match   string
	Replace string
}

// GroupConfig is a hunt group: calls to it ring (FXS) or seize (FXO) one
// free member chosen by Strategy.
type GroupConfig struct {
	Name string
	// Strategy is HuntLinear (lowest Order first, equal orders longest
	// idle first), HuntRoundRobin (the free member after the one used
	// last, in list order) or HuntLRU (the member this group used least
	// recently); "" = linear.
	Strategy string
	Members  []GroupMember
}

// GroupMember is one member of a group. A port or line may be a member of
// several groups.
type GroupMember struct {
	// Port names the member: an FXS port's extension or channel name
	// ("FXS/1/2"), or a line's name.
	Port  string
	Order int
}

// PortState is what a port is doing now, for status views.
type PortState string

const (
	PortIdle      PortState = "idle"
	PortDialling  PortState = "dialling"
	PortRinging   PortState = "ringing" // our phone is ringing (incoming)
	PortCalling   PortState = "calling" // outgoing call waiting for answer
	PortConnected PortState = "connected"
	PortTone      PortState = "tone" // busy/congestion/howler
	PortDown      PortState = "down"
)

// PortStatus is the read-only view of one port.
type PortStatus struct {
	Name       string    `json:"name"`
	Span       int       `json:"span"`
	Chan       int       `json:"chan"`
	Kind       string    `json:"kind"`
	Extension  string    `json:"extension,omitempty"`
	Account    string    `json:"account,omitempty"`
	State      PortState `json:"state"`
	LineState  string    `json:"line_state"` // the state machine's own state name
	OffHook    bool      `json:"off_hook"`
	Registered bool      `json:"registered"`
	CallID     string    `json:"call_id,omitempty"`
}

// CallInfo is the read-only view of one call in the call table.
type CallInfo struct {
	ID        string    `json:"id"`
	From      string    `json:"from"`      // calling number
	To        string    `json:"to"`        // called number
	Direction string    `json:"direction"` // "local", "outbound" (to SIP), "inbound" (from SIP)
	State     string    `json:"state"`
	Legs      []string  `json:"legs"` // e.g. "FXS/1/1", "sip:2001@127.0.0.1"
	Start     time.Time `json:"start"`
	Answer    time.Time `json:"answer,omitzero"`
	Codec     string    `json:"codec,omitempty"`
}

// CDR is one call detail record, written when a call ends.
type CDR struct {
	CallID      string    `json:"call_id"`
	Direction   string    `json:"direction"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	SrcLeg      string    `json:"src_leg"`
	DstLeg      string    `json:"dst_leg"`
	Start       time.Time `json:"start"`
	Answer      time.Time `json:"answer,omitzero"`
	End         time.Time `json:"end"`
	Duration    float64   `json:"duration_s"`  // billable: answer → end, seconds
	Disposition string    `json:"disposition"` // ANSWERED, NO ANSWER, BUSY, FAILED, CANCELLED
	Cause       string    `json:"cause"`       // who/what ended it: "caller", "callee", "sip 486", ...
	Codec       string    `json:"codec,omitempty"`
}

// CDRSink stores CDRs. WriteCDR is called from the gateway's event goroutine
// and must not block for long.
type CDRSink interface {
	WriteCDR(CDR) error
}

// Status is the overall read-only view.
type Status struct {
	Version     string    `json:"version"`
	Board       string    `json:"board"`
	Zone        string    `json:"zone"`
	Started     time.Time `json:"started"`
	ActiveCalls int       `json:"active_calls"`
	TotalCalls  uint64    `json:"total_calls"`
	Ports       int       `json:"ports"`
}
