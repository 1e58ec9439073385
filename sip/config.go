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

	"tipring/sip/media"
)

// Config configures a UA.
type Config struct {
	// Listen lists the SIP listeners as "transport:ip:port", transport being
	// "udp" or "tcp", e.g. "udp:127.0.0.1:5060". Port 0 picks a free port.
	Listen []string
	// Host is the address advertised in Via, Contact and SDP. Default: the
	// first listener's IP. It must be an IP literal: RTP binds to it.
	Host string
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
}

// Defaults.
const (
	defaultUserAgent  = "tipring"
	defaultRTPMin     = 16384
	defaultRTPMax     = 32767
	defaultDTMFPT     = 101
	defaultExpires    = 3600 * time.Second
	defaultPtime      = 20 * time.Millisecond
	allowMethods      = "INVITE, ACK, CANCEL, BYE, OPTIONS"
	contentTypeSDP    = "application/sdp"
	maxDisplayNameLen = 128
)

type listenSpec struct {
	network string // "udp" or "tcp"
	addr    string // ip:port
}

// account is an Account with its URIs parsed.
type account struct {
	Account
	registrar *sipgo.Uri // nil = no registration
	proxy     *sipgo.Uri // nil = send to the Request-URI
}

// transport returns the transport ("UDP"/"TCP") for requests sent to u.
func uriTransport(u *sipgo.Uri) string {
	if u != nil {
		if t, ok := u.UriParams.Get("transport"); ok && t != "" {
			return strings.ToUpper(t)
		}
	}
	return "UDP"
}

// config is the validated form of Config.
type config struct {
	Config
	listen   []listenSpec
	host     netip.Addr
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
		if !ok || (network != "udp" && network != "tcp") {
			return nil, fmt.Errorf("sip: config: listen %q: want udp:ip:port or tcp:ip:port", l)
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
	names := map[string]bool{}
	for _, a := range cfg.Accounts {
		acc, err := parseAccount(a)
		if err != nil {
			return nil, err
		}
		if names[acc.Name] {
			return nil, fmt.Errorf("sip: config: account %q defined twice", acc.Name)
		}
		names[acc.Name] = true
		for _, u := range []*sipgo.Uri{acc.registrar, acc.proxy} {
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
	if a.User == "" {
		return nil, fmt.Errorf("sip: config: account %s: no user", a.Name)
	}
	if len(a.DisplayName) > maxDisplayNameLen || strings.ContainsAny(a.DisplayName, "\"\r\n\\") {
		return nil, fmt.Errorf("sip: config: account %s: display name must not contain quotes, backslashes or line breaks", a.Name)
	}
	acc := &account{Account: a}
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
		if t := uriTransport(&u); t != "UDP" && t != "TCP" {
			return nil, fmt.Errorf("sip: config: account %s: %s transport %q not supported", a.Name, what, t)
		}
		return &u, nil
	}
	var err error
	if acc.registrar, err = parse("registrar", a.Registrar); err != nil {
		return nil, err
	}
	if acc.proxy, err = parse("proxy", a.Proxy); err != nil {
		return nil, err
	}
	if acc.proxy == nil && acc.registrar != nil {
		acc.proxy = acc.registrar
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
	return acc, nil
}
