package sip

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	sipgo "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
	"tipring/sip/media"
	"tipring/sip/sdes"
)

// Config configures a UA.
type Config struct {
	// Listen lists the SIP listeners as "transport:ip:port", transport being
	// "udp", "tcp" or "tls", e.g. "udp:127.0.0.1:5060". Port 0 picks a free
	// port. A "tls" listener needs TLS with a certificate.
	Listen []string
	// TLS configures the TLS transport: our certificate, the CAs peers
	// must chain to, client certificates. nil: TLS connections we open
	// verify servers against the system roots and present no certificate.
	TLS *TLSConfig
	// Host is the address advertised in Via, Contact and SDP. Default: the
	// first listener's IP. It must be an IP literal: RTP binds to it.
	Host string
	// PublicHost, when set, is the IP address advertised in Contact and in
	// SDP (c=, o=) instead of Host: the address a static NAT (port
	// forwarding) maps to us. Sockets still bind Host, and Via's sent-by
	// stays Host (RFC 3581 lets the server add received/rport). See nat.go.
	PublicHost string
	// UserAgent is sent in User-Agent and Server headers. Default "tipring".
	UserAgent string
	// RTPPortMin and RTPPortMax bound the RTP ports (even ports, RTCP on
	// the next odd one). Default 16384-32767.
	RTPPortMin, RTPPortMax int
	// Codecs lists the voice codecs in preference order, a subset of
	// "PCMU" and "PCMA". Default both, PCMU first.
	Codecs []string
	// DTMFPT is the telephone-event payload type we offer (RFC 4733 7.1.1),
	// 96-127. Default 101.
	DTMFPT uint8
	// Accounts are the SIP identities; incoming INVITEs are matched to them.
	Accounts []Account
	// Logger receives the UA's logs. Default: discard.
	Logger *slog.Logger

	// SessionExpires is the session interval we ask for in INVITEs and
	// grant to callers (RFC 4028); 0 means 1800 s, negative disables
	// session timers.
	SessionExpires time.Duration
	// MinSE is the shortest session interval we accept (RFC 4028 4);
	// default and minimum 90 s.
	MinSE time.Duration
	// Keepalive is the period of the OPTIONS requests sent to each
	// account's registrar and proxy to track whether it is up
	// (UA.Servers); 0 disables them.
	Keepalive time.Duration

	// DNSServer is the "ip:port" of the DNS server used to locate
	// registrars and proxies given by name (NAPTR, SRV, A/AAAA, RFC 3263).
	// Default: the first nameserver of /etc/resolv.conf.
	DNSServer string
	// Guard, when set, defends the UA: every request passes its Admit
	// first, INVITEs for unknown users count as UnknownPeer failures and
	// are answered without telling them from known ones (see doc.go). The
	// same Guard may be shared with the management API, which edits its
	// lists. nil means no checks (a trusted network).
	Guard *guard.Guard

	// Failback is how often a registration held by a backup server (or a
	// lower-priority DNS record) tries the servers before it again; default
	// 60 s.
	Failback time.Duration

	// minSEFloor lowers RFC 4028's 90 s floor of MinSE, for tests.
	minSEFloor time.Duration
	// hopTimeout bounds one REGISTER to one address, and how long an
	// INVITE waits for any response from one address before trying the
	// next (default Timer F, 64*T1); tests shorten it.
	hopTimeout time.Duration
}

// Account is one SIP identity (address of record) with its credentials.
type Account struct {
	Name        string // key used by the caller, e.g. "fxs1"
	User        string // AOR user part, e.g. "2001"
	Domain      string // AOR domain; default: the registrar's host
	AuthUser    string // digest user name; default User
	Password    string
	DisplayName string
	// Registrar is the registrar's URI, e.g.
	// "sip:127.0.0.1:5070;transport=tcp"; "" means do not register.
	Registrar string
	// Proxy is the outbound proxy for INVITEs; default Registrar.
	Proxy string
	// Expires is the registration lifetime requested; default 3600 s.
	Expires time.Duration
	// Backup lists further registrars, tried in order when the Registrar
	// (and every address its DNS name resolves to) does not answer; the
	// registration returns to the Registrar once it answers again (see
	// Config.Failback). Calls through the registrar follow the binding.
	Backup []string
	// MWI subscribes to the account's message-summary events (RFC 3842)
	// at the registrar (or proxy); the Handler receives them when it
	// implements MWIHandler.
	MWI bool
	// SRTP is the media encryption policy (RFC 4568 SDES, RFC 3711):
	// "off" (default), "optional" or "mandatory"; see package sdes.
	SRTP string
	// Trusted says the next hop is in our RFC 3325 trust domain: calls
	// we place carry P-Asserted-Identity (Identity "pai").
	Trusted bool

	// MaxRedirects bounds the 3xx responses one outgoing call follows
	// (RFC 3261 8.1.3.4): 0 means 5, negative means redirections are not
	// followed and a 3xx fails the call.
	MaxRedirects int
	// SymmetricRTP sends our RTP to where the peer's RTP comes from
	// (RFC 4961) rather than to its SDP address. It is on regardless for
	// an account whose registration found it behind NAT and whenever
	// Config.PublicHost is set.
	SymmetricRTP bool
	// Keepalive keeps the NAT binding towards the registrar open (RFC
	// 5626 4.4.1): "" none, "crlf" (CRLF over UDP, CRLFCRLF ping over TCP
	// and TLS, on the registration's flow) or "options" (OPTIONS to the
	// registrar and proxy, see UA.Servers); every KeepalivePeriod,
	// default 30 s.
	Keepalive       string
	KeepalivePeriod time.Duration

	// Trunk makes the account a SIP trunk: it takes calls for any number,
	// matched by source address (Peers) or credentials (InboundUser), not
	// by the Request-URI user; the called number is the Request-URI user.
	// A trunk without Registrar does not register. See doc.go, "Trunks".
	Trunk bool
	// Peers lists the addresses or CIDR prefixes ("203.0.113.0/24",
	// "127.0.0.2", "[::1]") whose INVITEs belong to this trunk, whatever
	// number they call; their P-Asserted-Identity and Remote-Party-ID are
	// trusted. Trunks only.
	Peers []string
	// InboundUser and InboundPassword, when set, make INVITEs for this
	// trunk (from its Peers, or from anywhere when it has none) answer a
	// digest challenge (RFC 3261 22.4; SHA-256 and MD5, RFC 8760) with
	// these credentials. Trunks only.
	InboundUser, InboundPassword string
	// Codecs is the account's codec preference, a subset of Config.Codecs
	// used in its offers and answers; nil means Config.Codecs.
	Codecs []string
	// DTMF is how Call.BeginDTMF/EndDTMF send digits: "rfc4733" (default,
	// telephone-event packets), "info" (INFO with application/dtmf-relay)
	// or "inband" (tones left in the audio). Every kind is accepted on
	// receive.
	DTMF string
	// URIParams are extra Request-URI (and To) parameters for numbers we
	// dial, e.g. "user=phone"; transport, maddr, lr, ttl and method are
	// not allowed.
	URIParams string
	// NumberFormat is the form of the called and calling numbers we send:
	// "" as dialled, "e164" (+CC...) or "national" (NationalPrefix...,
	// InternationalPrefix... for abroad). Both need CountryCode.
	NumberFormat string
	// CountryCode is our country's calling code, e.g. "49"; with it,
	// NationalPrefix ("0"; "1" for NANP) and InternationalPrefix ("00";
	// "011" for NANP), numbers in "+" form on incoming trunk calls are
	// turned into the form a local user dials.
	CountryCode, NationalPrefix, InternationalPrefix string
	// Identity is the caller identity header on calls we place: ""
	// (none, unless Trusted), "pai" (P-Asserted-Identity, RFC 3325) or
	// "rpid" (Remote-Party-ID, draft-ietf-sip-privacy-04).
	Identity string
}

// Defaults.
const (
	defaultUserAgent  = "tipring"
	defaultRTPMin     = 16384
	defaultRTPMax     = 32767
	defaultDTMFPT     = 101
	defaultExpires    = 3600 * time.Second
	defaultPtime      = 20 * time.Millisecond
	allowMethods      = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, REFER, NOTIFY, INFO"
	contentTypeSDP    = "application/sdp"
	maxDisplayNameLen = 128
)

type listenSpec struct {
	network string // "udp", "tcp" or "tls"
	addr    string // ip:port
}

// account is an Account with its URIs parsed.
type account struct {
	Account
	registrar *sipgo.Uri // nil = no registration
	proxy     *sipgo.Uri // nil = send to the Request-URI
	backups   []*sipgo.Uri
	srtp      sdes.Policy
	// proxyIsRegistrar: no Proxy was configured, INVITEs go where the
	// registration currently is.
	proxyIsRegistrar bool

	peers     []netip.Prefix // trunk: sources whose INVITEs are ours
	codecs    []media.Codec  // offer and answer preference
	uriParams []uriParam     // extra Request-URI and To parameters
	plan      numberPlan     // number formats
	dtmf      string         // DTMF sending mode
	identity  string         // "", "pai" or "rpid"
}

// servers is the registrar followed by the backups.
func (a *account) servers() []*sipgo.Uri {
	if a.registrar == nil {
		return nil
	}
	return append([]*sipgo.Uri{a.registrar}, a.backups...)
}

// uriTransport returns the transport ("UDP", "TCP" or "TLS") for requests
// sent to u: a sips URI means TLS over TCP (RFC 3261 19.1.2, RFC 5630 3.1.3,
// which also keeps the deprecated ";transport=tls" meaning TLS).
func uriTransport(u *sipgo.Uri) string {
	if u == nil {
		return "UDP"
	}
	t, _ := u.UriParams.Get("transport")
	t = strings.ToUpper(t)
	if u.IsEncrypted() && (t == "" || t == "TCP") {
		return "TLS"
	}
	if t == "" {
		return "UDP"
	}
	return t
}

// knownTransport reports whether t is a transport we send requests over.
func knownTransport(t string) bool { return t == "UDP" || t == "TCP" || t == "TLS" }

// config is the validated form of Config.
type config struct {
	Config
	listen   []listenSpec
	host     netip.Addr
	public   netip.Addr // Config.PublicHost, invalid if unset
	codecs   []media.Codec
	accounts []*account
}

func parseConfig(c Config) (*config, error) {
	cfg := &config{Config: c}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	if len(cfg.Listen) == 0 {
		return nil, errors.New("sip: config: no listeners")
	}
	for _, l := range cfg.Listen {
		network, addr, ok := strings.Cut(l, ":")
		network = strings.ToLower(network)
		if !ok || (network != "udp" && network != "tcp" && network != "tls") {
			return nil, fmt.Errorf("sip: config: listen %q: want udp:ip:port, tcp:ip:port or tls:ip:port", l)
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("sip: config: listen %q: %w", l, err)
		}
		ip, err := netip.ParseAddr(host)
		if err != nil {
			return nil, fmt.Errorf("sip: config: listen %q: address must be an IP: %w", l, err)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("sip: config: listen %q: bad port", l)
		}
		for _, o := range cfg.listen {
			if o.network == network {
				return nil, fmt.Errorf("sip: config: listen %q: one listener per transport", l)
			}
		}
		cfg.listen = append(cfg.listen, listenSpec{network: network, addr: addr})
		if !cfg.host.IsValid() {
			cfg.host = ip
		}
	}
	if cfg.Host != "" {
		ip, err := netip.ParseAddr(cfg.Host)
		if err != nil {
			return nil, fmt.Errorf("sip: config: host %q must be an IP address", cfg.Host)
		}
		cfg.host = ip
	}
	if cfg.host.IsUnspecified() {
		return nil, fmt.Errorf("sip: config: host %s is unspecified; set Host to the address peers reach", cfg.host)
	}
	cfg.Host = cfg.host.String()
	if err := cfg.parseNAT(); err != nil {
		return nil, err
	}
	if cfg.RTPPortMin == 0 && cfg.RTPPortMax == 0 {
		cfg.RTPPortMin, cfg.RTPPortMax = defaultRTPMin, defaultRTPMax
	}
	if cfg.RTPPortMin < 1024 || cfg.RTPPortMax > 65535 || cfg.RTPPortMin+1 > cfg.RTPPortMax {
		return nil, fmt.Errorf("sip: config: RTP port range %d-%d", cfg.RTPPortMin, cfg.RTPPortMax)
	}
	if len(cfg.Codecs) == 0 {
		cfg.Codecs = []string{"PCMU", "PCMA"}
	}
	for _, n := range cfg.Codecs {
		cd, ok := media.CodecByName(n)
		if !ok {
			return nil, fmt.Errorf("sip: config: codec %q not supported", n)
		}
		cfg.codecs = append(cfg.codecs, cd)
	}
	if cfg.DTMFPT == 0 {
		cfg.DTMFPT = defaultDTMFPT
	}
	if cfg.DTMFPT < 96 || cfg.DTMFPT > 127 {
		return nil, fmt.Errorf("sip: config: DTMF payload type %d outside 96-127", cfg.DTMFPT)
	}
	floor := minMinSE
	if cfg.minSEFloor > 0 {
		floor = cfg.minSEFloor
	}
	if cfg.MinSE < floor {
		cfg.MinSE = floor
	}
	if cfg.SessionExpires == 0 {
		cfg.SessionExpires = defaultSessionExpires
	}
	if cfg.SessionExpires > 0 && cfg.SessionExpires < cfg.MinSE {
		return nil, fmt.Errorf("sip: config: session expires %v below Min-SE %v", cfg.SessionExpires, cfg.MinSE)
	}
	if cfg.Failback <= 0 {
		cfg.Failback = 60 * time.Second
	}
	if cfg.hopTimeout <= 0 {
		cfg.hopTimeout = regTimeout
	}
	if cfg.DNSServer == "" {
		cfg.DNSServer = systemDNS()
	} else if _, err := netip.ParseAddrPort(cfg.DNSServer); err != nil {
		return nil, fmt.Errorf("sip: config: DNS server %q: want ip:port", cfg.DNSServer)
	}
	if cfg.Keepalive < 0 {
		return nil, fmt.Errorf("sip: config: negative keepalive %v", cfg.Keepalive)
	}
	names := map[string]bool{}
	for _, a := range cfg.Accounts {
		acc, err := parseAccount(a)
		if err != nil {
			return nil, err
		}
		if acc.codecs, err = accountCodecs(acc.Name, acc.Codecs, cfg.codecs); err != nil {
			return nil, err
		}
		if names[acc.Name] {
			return nil, fmt.Errorf("sip: config: account %q defined twice", acc.Name)
		}
		names[acc.Name] = true
		for _, u := range append([]*sipgo.Uri{acc.registrar, acc.proxy}, acc.backups...) {
			if u != nil && !cfg.hasListener(strings.ToLower(uriTransport(u))) {
				return nil, fmt.Errorf("sip: config: account %s: %s needs a %s listener for its Contact", acc.Name, u.String(), uriTransport(u))
			}
		}
		cfg.accounts = append(cfg.accounts, acc)
	}
	return cfg, nil
}

func (c *config) hasListener(network string) bool {
	for _, l := range c.listen {
		if l.network == network {
			return true
		}
	}
	return false
}

func parseAccount(a Account) (*account, error) {
	if a.Name == "" {
		return nil, errors.New("sip: config: account without name")
	}
	if a.User == "" && !a.Trunk {
		return nil, fmt.Errorf("sip: config: account %s: no user", a.Name)
	}
	if len(a.DisplayName) > maxDisplayNameLen || strings.ContainsAny(a.DisplayName, "\"\r\n\\") {
		return nil, fmt.Errorf("sip: config: account %s: display name must not contain quotes, backslashes or line breaks", a.Name)
	}
	acc := &account{Account: a}
	if err := acc.parseTrunk(); err != nil {
		return nil, fmt.Errorf("sip: config: account %s: %w", a.Name, err)
	}
	pol, err := sdes.ParsePolicy(a.SRTP)
	if err != nil {
		return nil, fmt.Errorf("sip: config: account %s: %w", a.Name, err)
	}
	acc.srtp = pol
	parse := func(what, s string) (*sipgo.Uri, error) {
		if s == "" {
			return nil, nil
		}
		if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
			s = "sip:" + s
		}
		var u sipgo.Uri
		if err := sipgo.ParseUri(s, &u); err != nil || u.Host == "" {
			return nil, fmt.Errorf("sip: config: account %s: %s %q is not a SIP URI", a.Name, what, s)
		}
		t := uriTransport(&u)
		if !knownTransport(t) {
			return nil, fmt.Errorf("sip: config: account %s: %s transport %q not supported", a.Name, what, t)
		}
		if u.IsEncrypted() && t != "TLS" {
			return nil, fmt.Errorf("sip: config: account %s: %s %q: a sips URI needs TLS, not %s", a.Name, what, s, t)
		}
		return &u, nil
	}
	if acc.registrar, err = parse("registrar", a.Registrar); err != nil {
		return nil, err
	}
	if acc.proxy, err = parse("proxy", a.Proxy); err != nil {
		return nil, err
	}
	for _, b := range a.Backup {
		u, err := parse("backup registrar", b)
		if err != nil {
			return nil, err
		}
		if u != nil {
			acc.backups = append(acc.backups, u)
		}
	}
	if len(acc.backups) > 0 && acc.registrar == nil {
		return nil, fmt.Errorf("sip: config: account %s: backup registrars without a registrar", a.Name)
	}
	if acc.proxy == nil && acc.registrar != nil {
		acc.proxy = acc.registrar
		acc.proxyIsRegistrar = true
	}
	if acc.Domain == "" {
		switch {
		case acc.registrar != nil:
			acc.Domain = acc.registrar.Host
		case acc.proxy != nil:
			acc.Domain = acc.proxy.Host
		}
	}
	if acc.AuthUser == "" {
		acc.AuthUser = acc.User
	}
	if acc.Expires <= 0 {
		acc.Expires = defaultExpires
	}
	if err := acc.parseNAT(); err != nil {
		return nil, err
	}
	return acc, nil
}
