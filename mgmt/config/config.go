package config

import (
	"cmp"
	_ "embed"
	"fmt"
	"os"
	"slices"
	"time"

	"tipring/gateway"
	"tipring/sip"
)

// File is the whole configuration file. Field names follow the YAML keys;
// doc.go and example.yaml describe every one of them.
type File struct {
	Board    Board     `yaml:"board"`
	Zone     string    `yaml:"zone"`
	DataDir  string    `yaml:"data_dir"`
	HTTP     HTTP      `yaml:"http"`
	SIP      SIP       `yaml:"sip"`
	Security Security  `yaml:"security"`
	Accounts []Account `yaml:"accounts"`
	Dialplan Dialplan  `yaml:"dialplan"`
	FXS      FXS       `yaml:"fxs"`
	Echo     Echo      `yaml:"echo"`
	Ports    []Port    `yaml:"ports"`
	Lines    []Line    `yaml:"lines"`
	Routes   []Route   `yaml:"routes"`
	Groups   []Group   `yaml:"groups"`
	TimeZone string    `yaml:"time_zone"`

	// Name is the file name used in error messages ("tipring.yaml").
	Name string `yaml:"-"`
	// pos maps a field path ("sip.listen[1]") to where its value was written.
	pos map[string]position
}

// Board selects and configures the telephony hardware backend.
type Board struct {
	Backend string `yaml:"backend"` // "sim" or "dahdi"
	Sim     Sim    `yaml:"sim"`
	Dahdi   Dahdi  `yaml:"dahdi"`
}

// Sim configures the simulated board (hal/sim).
type Sim struct {
	FXS         int     `yaml:"fxs"`           // analog phone ports
	FXO         int     `yaml:"fxo"`           // analog line ports to the simulated CO
	E1Spans     int     `yaml:"e1_spans"`      // E1 spans with a simulated ISDN network side
	FrameMS     int     `yaml:"frame_ms"`      // audio frame length: 10, 20 or 30 ms
	EchoLossDB  float64 `yaml:"echo_loss_db"`  // hybrid echo return loss of the simulated lines
	EchoDelayMS int     `yaml:"echo_delay_ms"` // echo path delay
	Fast        bool    `yaml:"fast"`          // run the board clock faster than real time
}

// Dahdi configures the DAHDI backend.
type Dahdi struct {
	DevDir string `yaml:"dev_dir"`
}

// HTTP configures the web UI, REST API and /metrics listener.
type HTTP struct {
	Listen string `yaml:"listen"` // host:port
}

// SIP configures the SIP user agent shared by every account.
type SIP struct {
	// Listen holds "transport:host:port" entries, transport udp, tcp or
	// tls (tls needs tls.cert and tls.key).
	Listen []string `yaml:"listen"`
	// Host is the address advertised in Contact and SDP; empty means the
	// first listen address (see AdvertisedHost).
	Host      string `yaml:"host"`
	UserAgent string `yaml:"user_agent"`
	// RTPPorts is the range as written ("10000-10999"); RTPPortMin and
	// RTPPortMax are its parsed bounds, inclusive.
	RTPPorts   string   `yaml:"rtp_ports"`
	RTPPortMin int      `yaml:"-"`
	RTPPortMax int      `yaml:"-"`
	Codecs     []string `yaml:"codecs"`  // in order of preference: PCMU, PCMA
	DTMFPT     int      `yaml:"dtmf_pt"` // RFC 4733 telephone-event payload type
	TLS        SIPTLS   `yaml:"tls"`
	// PublicHost is the public IP advertised in Contact and SDP when the
	// box sits behind NAT ("" = learn it from received/rport).
	PublicHost string `yaml:"public_host"`
	// Keepalive is the period of OPTIONS pings to every registrar, proxy
	// and trunk, which track whether each is up (0 = off).
	Keepalive time.Duration `yaml:"keepalive"`
	// DNSServer is the "ip:port" resolver for NAPTR/SRV/A lookups ("" =
	// /etc/resolv.conf).
	DNSServer string `yaml:"dns_server"`
	// DiversionFormat is how a call the gateway forwards to SIP says who
	// diverted it: diversion (RFC 5806, default), history-info (RFC 7044)
	// or both.
	DiversionFormat string `yaml:"diversion_format"`
}

// SIPTLS configures the SIP TLS transport (sips: URIs, tls: listeners).
type SIPTLS struct {
	Cert         string `yaml:"cert"`          // PEM certificate chain, ours as server and client
	Key          string `yaml:"key"`           // PEM private key of cert
	CA           string `yaml:"ca"`            // PEM CAs peers must chain to; "" = system roots
	VerifyClient bool   `yaml:"verify_client"` // require client certificates on tls listeners
	MinVersion   string `yaml:"min_version"`   // "1.2" (default) or "1.3"
}

// TLSMinVersions are the values of sip.tls.min_version.
var TLSMinVersions = []string{"1.2", "1.3"}

// Account is a SIP account; ports and routes refer to it by Name.
type Account struct {
	Name        string `yaml:"name"`
	User        string `yaml:"user"`
	AuthUser    string `yaml:"auth_user"` // "" = User
	Password    string `yaml:"password"`
	Domain      string `yaml:"domain"` // "" = the registrar's host
	DisplayName string `yaml:"display_name"`
	Registrar   string `yaml:"registrar"` // sip: or sips: URI; "" = do not register
	Proxy       string `yaml:"proxy"`     // outbound proxy URI; "" = none
	Expires     int    `yaml:"expires"`   // requested registration lifetime, seconds
	SRTP        string `yaml:"srtp"`      // off (default), optional, mandatory

	Backup          []string      `yaml:"backup"`           // further registrars, tried in order; fail-back to registrar
	MWI             bool          `yaml:"mwi"`              // subscribe to message-summary (RFC 3842)
	Trusted         bool          `yaml:"trusted"`          // next hop in our RFC 3325 trust domain: send P-Asserted-Identity
	MaxRedirects    int           `yaml:"max_redirects"`    // 3xx followed per call; 0 = 5, -1 = none
	SymmetricRTP    bool          `yaml:"symmetric_rtp"`    // send RTP where the peer's RTP comes from (RFC 4961)
	Keepalive       string        `yaml:"keepalive"`        // NAT keepalive to the registrar: "", crlf, options
	KeepalivePeriod time.Duration `yaml:"keepalive_period"` // 0 = 30s

	// Trunk settings (see doc.go, "Trunks"); codecs and dtmf apply to
	// every account.
	Trunk               bool     `yaml:"trunk"`                // takes calls for any number, matched by peers/inbound credentials
	Peers               []string `yaml:"peers"`                // addresses or CIDRs whose INVITEs are this trunk's
	InboundUser         string   `yaml:"inbound_user"`         // digest credentials callers must present
	InboundPassword     string   `yaml:"inbound_password"`     //
	Codecs              []string `yaml:"codecs"`               // codec preference, a subset of sip.codecs; [] = sip.codecs
	DTMF                string   `yaml:"dtmf"`                 // rfc4733 (default), info, inband
	URIParams           string   `yaml:"uri_params"`           // extra Request-URI parameters, e.g. user=phone
	NumberFormat        string   `yaml:"number_format"`        // "" as dialled, e164, national
	CountryCode         string   `yaml:"country_code"`         // e.g. "49"
	NationalPrefix      string   `yaml:"national_prefix"`      // e.g. "0" ("1" in NANP)
	InternationalPrefix string   `yaml:"international_prefix"` // e.g. "00" ("011" in NANP)
	Identity            string   `yaml:"identity"`             // caller identity header: "", pai, rpid
}

// Security configures the SIP guard (package sip/guard). Zero values take
// the guard's defaults.
type Security struct {
	// Off runs the SIP side without a guard (a closed, trusted network).
	Off            bool          `yaml:"off"`
	FailureLimit   int           `yaml:"failure_limit"`  // failures within failure_window that block
	FailureWindow  time.Duration `yaml:"failure_window"` // sliding window of failures
	BlockFor       time.Duration `yaml:"block_for"`      // first block; doubled per repeat offence
	MaxBlockFor    time.Duration `yaml:"max_block_for"`  // cap of the doubling
	Allow          []string      `yaml:"allow"`          // CIDRs or addresses never blocked nor rate-limited
	Deny           []string      `yaml:"deny"`           // CIDRs or addresses always dropped
	Rates          SecurityRates `yaml:"rates"`
	MaxMessageSize int           `yaml:"max_message_size"` // bytes; larger is 513
	MaxHeaders     int           `yaml:"max_headers"`      // header fields; more is 400
	BlockedReply   string        `yaml:"blocked_reply"`    // drop (default) or 403
}

// SecurityRates are the per-source token buckets by method class; a class
// left out keeps the guard's default.
type SecurityRates struct {
	Invite   Rate `yaml:"invite"`
	Register Rate `yaml:"register"`
	Options  Rate `yaml:"options"`
	Other    Rate `yaml:"other"`
}

// Rate is one token bucket: per_second requests on average, burst at once.
type Rate struct {
	PerSecond float64 `yaml:"per_second"`
	Burst     int     `yaml:"burst"`
}

// Dialplan holds the FXS digit collection settings.
type Dialplan struct {
	DigitMap        string        `yaml:"digit_map"`
	InterDigit      time.Duration `yaml:"inter_digit"`
	ShortInterDigit time.Duration `yaml:"short_inter_digit"`
	FirstDigit      time.Duration `yaml:"first_digit"`
	OffHookWarning  time.Duration `yaml:"off_hook_warning"`
	NoAnswer        time.Duration `yaml:"no_answer"`
}

// FXS holds the settings shared by every FXS port.
type FXS struct {
	CallerID      string        `yaml:"caller_id"`       // scheme; "" = the zone's
	NoCallWaiting bool          `yaml:"no_call_waiting"` // no call waiting nor flash services
	FlashMin      time.Duration `yaml:"flash_min"`       // shortest hook flash
	FlashMax      time.Duration `yaml:"flash_max"`       // longest hook flash
	PulseDialing  string        `yaml:"pulse_dialing"`   // normal, sweden, newzealand
}

// Echo configures the line echo canceller of every analog port.
type Echo struct {
	Tail time.Duration `yaml:"tail"` // 16ms-128ms
	Off  bool          `yaml:"off"`
}

// Port binds an FXS channel to an extension and an account.
type Port struct {
	Span                 int           `yaml:"span"`
	Chan                 int           `yaml:"chan"`
	Extension            string        `yaml:"extension"`
	Account              string        `yaml:"account"`
	CallerName           string        `yaml:"caller_name"`
	CallerID             string        `yaml:"caller_id"`
	NoCallWaiting        bool          `yaml:"no_call_waiting"`
	Hotline              string        `yaml:"hotline"`
	WarmlineDelay        time.Duration `yaml:"warmline_delay"`
	DND                  bool          `yaml:"dnd"`
	ReverseOnAnswer      bool          `yaml:"reverse_on_answer"`
	ReverseOnFarHangup   bool          `yaml:"reverse_on_far_hangup"`
	RxGainDB             float64       `yaml:"rx_gain_db"`
	TxGainDB             float64       `yaml:"tx_gain_db"`
	ForwardAlways        string        `yaml:"forward_always"`
	ForwardBusy          string        `yaml:"forward_busy"`
	ForwardNoAnswer      string        `yaml:"forward_no_answer"`
	ForwardNoAnswerDelay time.Duration `yaml:"forward_no_answer_delay"`
}

// Line configures an FXO channel: a PSTN line.
type Line struct {
	Span               int           `yaml:"span"`
	Chan               int           `yaml:"chan"`
	Name               string        `yaml:"name"`
	Group              string        `yaml:"group"`
	Order              int           `yaml:"order"`
	Account            string        `yaml:"account"`
	Inbound            string        `yaml:"inbound"`
	Destination        string        `yaml:"destination"`
	DigitMap           string        `yaml:"digit_map"`
	RingsBeforeAnswer  int           `yaml:"rings_before_answer"`
	DialMode           string        `yaml:"dial_mode"`
	CallerID           []string      `yaml:"caller_id"`
	AnswerPolarity     bool          `yaml:"answer_polarity"`
	AnswerDelay        time.Duration `yaml:"answer_delay"`
	RequireDialTone    bool          `yaml:"require_dial_tone"`
	DialToneWait       time.Duration `yaml:"dial_tone_wait"`
	DisconnectCPC      bool          `yaml:"disconnect_cpc"`
	DisconnectPolarity bool          `yaml:"disconnect_polarity"`
	DisconnectTone     bool          `yaml:"disconnect_tone"`
	CPCQualify         time.Duration `yaml:"cpc_qualify"`
	SilenceTimeout     time.Duration `yaml:"silence_timeout"`
	DisconnectTones    []string      `yaml:"disconnect_tones"`
}

// setDefaults gives a new lines element its defaults: fixed inbound mode,
// two rings, DTMF dialling, every disconnect supervision on.
func (l *Line) setDefaults() {
	l.Inbound = "fixed"
	l.RingsBeforeAnswer = 2
	l.DialMode = "dtmf"
	l.DisconnectCPC, l.DisconnectPolarity, l.DisconnectTone = true, true, true
}

// Route is one entry of the routing table (routing.go): calls matching
// Source, Called (or the older key Pattern), Calling and Time go through an
// account, out on PSTN lines, to a group or to a port.
type Route struct {
	Pattern        string   `yaml:"pattern"`
	Called         string   `yaml:"called"`
	Source         string   `yaml:"source"`
	Calling        string   `yaml:"calling"`
	Time           []string `yaml:"time"`
	Account        string   `yaml:"account"`
	Target         string   `yaml:"target"`
	Port           string   `yaml:"port"`
	Strip          int      `yaml:"strip"`
	Prefix         string   `yaml:"prefix"`
	Replace        Rewrite  `yaml:"replace"`
	CallingStrip   int      `yaml:"calling_strip"`
	CallingPrefix  string   `yaml:"calling_prefix"`
	CallingReplace Rewrite  `yaml:"calling_replace"`
	Lines          []string `yaml:"lines"`
	Group          string   `yaml:"group"`
	Hunt           string   `yaml:"hunt"`
}

// Rewrite is a regular-expression number rewrite: matches of Match (Go
// RE2 syntax) are replaced by Replace, with $1 and ${name} expanded.
type Rewrite struct {
	Match   string `yaml:"match"`
	Replace string `yaml:"replace"`
}

// Group is a hunt group of FXS ports and PSTN lines.
type Group struct {
	Name     string        `yaml:"name"`
	Strategy string        `yaml:"strategy"` // linear, roundrobin, lru
	Members  []GroupMember `yaml:"members"`
}

// setDefaults gives a new groups element the linear strategy.
func (g *Group) setDefaults() { g.Strategy = gateway.HuntLinear }

// GroupMember is one port or line of a group.
type GroupMember struct {
	Port  string `yaml:"port"`  // extension, channel name (FXS/1/2) or line name
	Order int    `yaml:"order"` // linear rank, lowest first
}

// setDefaults gives a new accounts element its defaults before its fields
// are read, so an explicit "expires: 0" is still caught by validation.
func (a *Account) setDefaults() { a.Expires = 3600 }

//go:embed default.yaml
var defaultYAML []byte

//go:embed example.yaml
var exampleYAML []byte

// DefaultYAML returns the embedded default configuration as YAML.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// ExampleYAML returns the commented example configuration that documents
// every field.
func ExampleYAML() []byte { return append([]byte(nil), exampleYAML...) }

// maxFileSize bounds what Load reads; a configuration file is a few KiB.
const maxFileSize = 4 << 20

// Default returns the embedded default configuration: the simulated board
// with 4 FXS, 2 FXO and 1 E1 span, SIP on udp and tcp 127.0.0.1:5060, HTTP
// on 127.0.0.1:8080, zone us, ports 1-4 as extensions 2001-2004 without SIP
// accounts.
func Default() *File {
	f, err := parseOnto(&File{}, defaultYAML, "default.yaml")
	if err != nil {
		// The embedded file is tested; failing here is a build defect.
		panic("config: embedded default.yaml: " + err.Error())
	}
	f.Name = ""
	return f
}

// Load reads and validates the configuration file at path. Settings the file
// does not mention keep their Default values; a list that the file gives
// (accounts, ports, routes, listen, codecs) replaces the default list.
func Load(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("config: %s: file too large (%d bytes)", path, st.Size())
	}
	data := make([]byte, st.Size())
	if _, err := fh.ReadAt(data, 0); err != nil && st.Size() > 0 {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	return Parse(data, path)
}

// Parse decodes and validates a configuration from data; name is used in
// error messages. On failure the error is an *ErrorList holding every
// problem found, each with its line and field.
func Parse(data []byte, name string) (*File, error) {
	if len(data) > maxFileSize {
		return nil, &ErrorList{Errors: []*FieldError{{File: name, Msg: "file too large"}}}
	}
	return parseOnto(Default(), data, name)
}

func parseOnto(base *File, data []byte, name string) (*File, error) {
	base.Name = name
	base.pos = map[string]position{}
	var errs ErrorList
	// Semantic checks run even after type errors, so one pass reports
	// everything; a value that failed to decode keeps its default and so
	// adds no second message. A syntax error leaves nothing to check.
	if decodeYAML(data, base, &errs) {
		base.validate(&errs)
	}
	if len(errs.Errors) > 0 {
		errs.sort()
		return nil, &errs
	}
	return base, nil
}

// AdvertisedHost is the address put into Contact and SDP: Host if set,
// otherwise the host of the first listen entry.
func (s SIP) AdvertisedHost() string {
	if s.Host != "" {
		return s.Host
	}
	for _, l := range s.Listen {
		if la, err := ParseListen(l); err == nil {
			return la.Host
		}
	}
	return "127.0.0.1"
}

// Gateway returns the part of the configuration the gateway core needs.
func (f *File) Gateway() gateway.Config {
	c := gateway.Config{
		Zone:            f.Zone,
		DigitMap:        f.Dialplan.DigitMap,
		InterDigit:      f.Dialplan.InterDigit,
		ShortInterDigit: f.Dialplan.ShortInterDigit,
		FirstDigit:      f.Dialplan.FirstDigit,
		OffHookWarning:  f.Dialplan.OffHookWarning,
		NoAnswer:        f.Dialplan.NoAnswer,
		CallerID:        f.FXS.CallerID,
		NoCallWaiting:   f.FXS.NoCallWaiting,
		FlashMin:        f.FXS.FlashMin,
		FlashMax:        f.FXS.FlashMax,
		PulseDialing:    f.FXS.PulseDialing,
		EchoTail:        f.Echo.Tail,
		DiversionFormat: f.SIP.DiversionFormat,
		EchoOff:         f.Echo.Off,
	}
	for _, p := range f.Ports {
		c.Ports = append(c.Ports, gateway.PortConfig{
			Span: p.Span, Chan: p.Chan, Extension: p.Extension,
			Account: p.Account, CallerName: p.CallerName,
			CallerID: p.CallerID, NoCallWaiting: p.NoCallWaiting,
			Hotline: p.Hotline, WarmlineDelay: p.WarmlineDelay, DND: p.DND,
			ReverseOnAnswer: p.ReverseOnAnswer, ReverseOnFarHangup: p.ReverseOnFarHangup,
			RxGainDB: p.RxGainDB, TxGainDB: p.TxGainDB,
			ForwardAlways: p.ForwardAlways, ForwardBusy: p.ForwardBusy,
			ForwardNoAnswer: p.ForwardNoAnswer, ForwardNoAnswerDelay: p.ForwardNoAnswerDelay,
		})
	}
	for _, l := range f.Lines {
		c.Lines = append(c.Lines, gateway.LineConfig{
			Span: l.Span, Chan: l.Chan, Name: l.Name, Group: l.Group, Order: l.Order,
			Account: l.Account, Inbound: l.Inbound, Destination: l.Destination,
			DigitMap: l.DigitMap, RingsBeforeAnswer: l.RingsBeforeAnswer, DialMode: l.DialMode,
			CallerID:       slices.Clone(l.CallerID),
			AnswerPolarity: l.AnswerPolarity, AnswerDelay: l.AnswerDelay,
			RequireDialTone: l.RequireDialTone, DialToneWait: l.DialToneWait,
			NoCPC: !l.DisconnectCPC, NoPolarityDisconnect: !l.DisconnectPolarity, NoToneDisconnect: !l.DisconnectTone,
			CPCQualify: l.CPCQualify, SilenceTimeout: l.SilenceTimeout,
			DisconnectTones: slices.Clone(l.DisconnectTones),
		})
	}
	for _, r := range f.Routes {
		c.Routes = append(c.Routes, gateway.Route{
			Pattern: cmp.Or(r.Called, r.Pattern), Account: r.Account, Target: r.Target,
			Source: r.Source, Calling: r.Calling, Time: slices.Clone(r.Time), Port: r.Port,
			Strip: r.Strip, Prefix: r.Prefix, Replace: gateway.Replace(r.Replace),
			CallingStrip: r.CallingStrip, CallingPrefix: r.CallingPrefix,
			CallingReplace: gateway.Replace(r.CallingReplace),
			Lines:          slices.Clone(r.Lines), Group: r.Group, Hunt: r.Hunt,
		})
	}
	for _, g := range f.Groups {
		gc := gateway.GroupConfig{Name: g.Name, Strategy: g.Strategy}
		for _, m := range g.Members {
			gc.Members = append(gc.Members, gateway.GroupMember(m))
		}
		c.Groups = append(c.Groups, gc)
	}
	c.TimeZone = f.TimeZone
	return c
}

// SIPConfig returns the SIP user agent's configuration: the sip section and
// every account. The caller adds what a file does not hold (Logger, Guard).
func (f *File) SIPConfig() sip.Config {
	s := &f.SIP
	c := sip.Config{
		Listen:     slices.Clone(s.Listen),
		Host:       s.Host,
		UserAgent:  s.UserAgent,
		RTPPortMin: s.RTPPortMin,
		RTPPortMax: s.RTPPortMax,
		Codecs:     slices.Clone(s.Codecs),
		DTMFPT:     uint8(s.DTMFPT),
		PublicHost: s.PublicHost,
		Keepalive:  s.Keepalive,
		DNSServer:  s.DNSServer,
	}
	if t := s.TLS; t != (SIPTLS{}) {
		c.TLS = &sip.TLSConfig{
			CertFile: t.Cert, KeyFile: t.Key, CAFile: t.CA,
			VerifyClient: t.VerifyClient, MinVersion: t.MinVersion,
		}
	}
	for _, a := range f.Accounts {
		c.Accounts = append(c.Accounts, a.SIP())
	}
	return c
}

// SIP returns the account as the SIP user agent takes it.
func (a *Account) SIP() sip.Account {
	return sip.Account{
		Name: a.Name, User: a.User, Domain: a.Domain, AuthUser: a.AuthUser,
		Password: a.Password, DisplayName: a.DisplayName,
		Registrar: a.Registrar, Proxy: a.Proxy,
		Expires: time.Duration(a.Expires) * time.Second,
		SRTP:    a.SRTP,
		Backup:  slices.Clone(a.Backup), MWI: a.MWI, Trusted: a.Trusted,
		MaxRedirects: a.MaxRedirects, SymmetricRTP: a.SymmetricRTP,
		Keepalive: a.Keepalive, KeepalivePeriod: a.KeepalivePeriod,
		Trunk: a.Trunk, Peers: slices.Clone(a.Peers),
		InboundUser: a.InboundUser, InboundPassword: a.InboundPassword,
		Codecs: slices.Clone(a.Codecs), DTMF: a.DTMF, URIParams: a.URIParams,
		NumberFormat: a.NumberFormat, CountryCode: a.CountryCode,
		NationalPrefix: a.NationalPrefix, InternationalPrefix: a.InternationalPrefix,
		Identity: a.Identity,
	}
}

// Account returns the account called name, or nil.
func (f *File) Account(name string) *Account {
	for i := range f.Accounts {
		if f.Accounts[i].Name == name {
			return &f.Accounts[i]
		}
	}
	return nil
}
