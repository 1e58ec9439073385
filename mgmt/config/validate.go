package config

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"tipring/dsp/progress"
	"tipring/gateway"
	"tipring/sip/guard"
	"tipring/telephony/fxs"
)

// MaxDisconnectTones bounds lines[].disconnect_tones: every tone is one
// more pattern the line's detector tries on every frame of a call.
const MaxDisconnectTones = 8

// Backends lists the board backends the daemon knows.
var Backends = []string{"sim", "dahdi"}

// Zones lists the tone zones (call-progress tones and ring cadences).
var Zones = []string{"us", "uk", "de", "fr", "cn", "jp", "au", "it", "nl", "br", "in", "ru"}

// Codecs lists the audio codecs the media engine offers.
var Codecs = []string{"PCMU", "PCMA"}

// PulseDialings lists the rotary dial numberings of fxs.pulse_dialing.
var PulseDialings = []string{"normal", "sweden", "newzealand"}

// InboundModes lists the lines[].inbound modes.
var InboundModes = []string{gateway.InboundFixed, gateway.InboundTwoStage, gateway.InboundNone}

// DialModes lists the lines[].dial_mode values.
var DialModes = []string{"dtmf", "pulse"}

// Hunts lists the routes[].hunt strategies.
var Hunts = []string{gateway.HuntLinear, gateway.HuntRoundRobin, gateway.HuntLRU}

// Listen is one parsed sip.listen entry.
type Listen struct {
	Transport string // "udp", "tcp" or "tls"
	Host      string
	Port      int
}

// Addr returns host:port.
func (l Listen) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// ParseListen parses "udp:127.0.0.1:5060", "tcp:[::1]:5060",
// "tls:127.0.0.1:5061" or "udp:localhost:5060".
func ParseListen(s string) (Listen, error) {
	tr, hp, ok := strings.Cut(s, ":")
	if !ok || (tr != "udp" && tr != "tcp" && tr != "tls") {
		return Listen{}, fmt.Errorf("%q is not TRANSPORT:HOST:PORT with transport udp, tcp or tls", s)
	}
	host, port, err := net.SplitHostPort(hp)
	if err != nil || host == "" {
		return Listen{}, fmt.Errorf("%q is not TRANSPORT:HOST:PORT (host and port missing or malformed)", s)
	}
	if !validHost(host) {
		return Listen{}, fmt.Errorf("%q: %q is not an IP address or host name", s, host)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return Listen{}, fmt.Errorf("%q: port %q is not in 1-65535", s, port)
	}
	return Listen{Transport: tr, Host: host, Port: p}, nil
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// parseRange parses "LOW-HIGH" with 1 <= LOW < HIGH <= 65535.
func parseRange(s string) (lo, hi int, err error) {
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo >= hi {
		return 0, 0, fmt.Errorf("%q is not a range LOW-HIGH", s)
	}
	return lo, hi, nil
}

// CheckDigitMap checks the syntax of an ATA-style digit map: alternatives
// separated by '|', each a sequence of digits 0-9 * #, 'x' (any digit),
// '[...]' sets with ranges such as [2-8], '.' (repeat the previous element
// zero or more times) and the timer marks 'T' (long inter-digit timeout)
// and 'S' (short inter-digit timeout).
func CheckDigitMap(m string) error {
	if m == "" {
		return fmt.Errorf("empty digit map")
	}
	if len(m) > 4096 {
		return fmt.Errorf("digit map longer than 4096 characters")
	}
	for i, alt := range strings.Split(m, "|") {
		if alt == "" {
			return fmt.Errorf("alternative %d is empty (stray '|')", i+1)
		}
		if err := checkAlternative(alt); err != nil {
			return fmt.Errorf("alternative %d %q: %w", i+1, alt, err)
		}
	}
	return nil
}

func checkAlternative(alt string) error {
	prevRepeatable := false
	elements := 0
	for i := 0; i < len(alt); i++ {
		c := alt[i]
		switch {
		case isDialChar(c) || c == 'x' || c == 'X':
			prevRepeatable = true
			elements++
		case c == '[':
			end := strings.IndexByte(alt[i+1:], ']')
			if end < 0 {
				return fmt.Errorf("'[' at %d is not closed", i+1)
			}
			if err := checkSet(alt[i+1 : i+1+end]); err != nil {
				return err
			}
			i += end + 1
			prevRepeatable = true
			elements++
		case c == ']':
			return fmt.Errorf("']' at %d without '['", i+1)
		case c == '.':
			if !prevRepeatable {
				return fmt.Errorf("'.' at %d does not follow a digit, x or [set]", i+1)
			}
			prevRepeatable = false
		case c == 'T' || c == 'S':
			prevRepeatable = false
		case c == '-':
			return fmt.Errorf("'-' at %d outside a [set]", i+1)
		default:
			return fmt.Errorf("character %q at %d is not allowed (use 0-9 * # x . T S [ ] - |)", rune(c), i+1)
		}
	}
	if elements == 0 {
		return fmt.Errorf("no digits to match")
	}
	return nil
}

func checkSet(set string) error {
	if set == "" {
		return fmt.Errorf("empty [] set")
	}
	for j := 0; j < len(set); j++ {
		c := set[j]
		switch {
		case c == '[':
			return fmt.Errorf("nested '[' in a set")
		case isDialChar(c):
			if j+2 < len(set) && set[j+1] == '-' {
				hi := set[j+2]
				if c < '0' || c > '9' || hi < '0' || hi > '9' || hi < c {
					return fmt.Errorf("range %c-%c is not an ascending range of digits", c, hi)
				}
				j += 2
			}
		case c == '-':
			return fmt.Errorf("'-' in [%s] does not join two digits", set)
		default:
			return fmt.Errorf("character %q is not allowed in a [set]", rune(c))
		}
	}
	return nil
}

func isDialChar(c byte) bool { return c >= '0' && c <= '9' || c == '*' || c == '#' }

func isDialString(s string, extra string) bool {
	for i := 0; i < len(s); i++ {
		if !isDialChar(s[i]) && !strings.ContainsRune(extra, rune(s[i])) {
			return false
		}
	}
	return true
}

func isSIPURI(s string) bool {
	rest, ok := strings.CutPrefix(s, "sip:")
	if !ok {
		rest, ok = strings.CutPrefix(s, "sips:")
	}
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' {
			return false
		}
	}
	return true
}

func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// checkName checks the name of element i (at p, e.g. "accounts[2]") of a
// list of kind's: present, a name, and not the name of an earlier element.
// seen maps the names checked so far to their indexes; name is added.
func checkName(p, kind, name string, i int, seen map[string]int, bad func(field, format string, args ...any)) {
	switch {
	case name == "":
		bad(p+".name", "missing: every %s needs a name", kind)
	case !validName(name):
		bad(p+".name", "%q is not a name (letters, digits, _ - . up to 64)", name)
	default:
		if j, dup := seen[name]; dup {
			bad(p+".name", "%q is already the name of %ss[%d]", name, kind, j)
		} else {
			seen[name] = i
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// validate runs the semantic checks; every message points at the value's
// line when the file wrote it.
func (f *File) validate(errs *ErrorList) {
	bad := func(field, format string, args ...any) {
		p := f.posOf(field)
		errs.add(&FieldError{File: f.Name, Line: p.line, Column: p.col, Field: field, Msg: fmt.Sprintf(format, args...)})
	}

	if !contains(Backends, f.Board.Backend) {
		bad("board.backend", "%q is not a known backend (%s)", f.Board.Backend, strings.Join(Backends, ", "))
	}
	s := f.Board.Sim
	for _, c := range []struct {
		field string
		v     int
	}{{"board.sim.fxs", s.FXS}, {"board.sim.fxo", s.FXO}, {"board.sim.e1_spans", s.E1Spans}} {
		if c.v < 0 || c.v > 256 {
			bad(c.field, "%d is not in 0-256", c.v)
		}
	}
	if s.FrameMS != 10 && s.FrameMS != 20 && s.FrameMS != 30 {
		bad("board.sim.frame_ms", "%d is not 10, 20 or 30", s.FrameMS)
	}
	if s.EchoLossDB < 0 || s.EchoLossDB > 120 {
		bad("board.sim.echo_loss_db", "%g is not in 0-120 dB", s.EchoLossDB)
	}
	if s.EchoDelayMS < 0 || s.EchoDelayMS > 128 {
		bad("board.sim.echo_delay_ms", "%d is not in 0-128 ms", s.EchoDelayMS)
	}
	if f.Board.Backend == "dahdi" && f.Board.Dahdi.DevDir == "" {
		bad("board.dahdi.dev_dir", "must name the DAHDI device directory")
	}

	if !contains(Zones, f.Zone) {
		bad("zone", "%q is not a known tone zone (%s)", f.Zone, strings.Join(Zones, " "))
	}

	if f.HTTP.Listen != "" {
		if host, port, err := net.SplitHostPort(f.HTTP.Listen); err != nil || (host != "" && !validHost(host)) {
			bad("http.listen", "%q is not HOST:PORT", f.HTTP.Listen)
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			bad("http.listen", "%q: port %q is not in 0-65535", f.HTTP.Listen, port)
		}
	}

	f.validateSIP(bad)
	f.validateSecurity(bad)

	accounts := map[string]int{}
	for i, a := range f.Accounts {
		p := fmt.Sprintf("accounts[%d]", i)
		checkName(p, "account", a.Name, i, accounts, bad)
		if a.SRTP != "" && !contains(SRTPPolicies, a.SRTP) {
			bad(p+".srtp", "%q is not an SRTP policy (%s)", a.SRTP, strings.Join(SRTPPolicies, ", "))
		}
		if a.User == "" && !a.Trunk {
			bad(p+".user", "missing: the SIP user part (e.g. \"2001\")")
		} else if strings.ContainsAny(a.User, " \t@:<>\"") {
			bad(p+".user", "%q may not contain spaces, '@', ':', '<', '>' or quotes", a.User)
		}
		if a.Registrar != "" && !isSIPURI(a.Registrar) {
			bad(p+".registrar", "%q is not a sip: or sips: URI", a.Registrar)
		}
		if a.Proxy != "" && !isSIPURI(a.Proxy) {
			bad(p+".proxy", "%q is not a sip: or sips: URI", a.Proxy)
		}
		if strings.ContainsAny(a.Domain, " \t@<>\"") {
			bad(p+".domain", "%q is not a domain", a.Domain)
		}
		if a.Expires < 60 {
			bad(p+".expires", "%d is less than 60 seconds", a.Expires)
		}
		for j, b := range a.Backup {
			if !isSIPURI(b) {
				bad(fmt.Sprintf("%s.backup[%d]", p, j), "%q is not a sip: or sips: URI", b)
			}
		}
		if len(a.Backup) > 0 && a.Registrar == "" {
			bad(p+".backup", "backup registrars need a registrar")
		}
		if a.MaxRedirects < -1 || a.MaxRedirects > 20 {
			bad(p+".max_redirects", "%d is not -1 (none), 0 (default 5) or up to 20", a.MaxRedirects)
		}
		if !contains(KeepaliveModes, a.Keepalive) {
			bad(p+".keepalive", "%q is not a keepalive mode (crlf, options or empty)", a.Keepalive)
		}
		if a.KeepalivePeriod < 0 || (a.KeepalivePeriod > 0 && a.KeepalivePeriod < time.Second) {
			bad(p+".keepalive_period", "%v: want 1s or more (0 = 30s)", a.KeepalivePeriod)
		}
		f.validateTrunk(p, &a, bad)
	}
	refAccount := func(field, name string) {
		if name == "" {
			return
		}
		if _, ok := accounts[name]; !ok {
			bad(field, "account %q is not defined under accounts", name)
		}
	}

	d := f.Dialplan
	if err := CheckDigitMap(d.DigitMap); err != nil {
		bad("dialplan.digit_map", "%v", err)
	}
	for _, t := range []struct {
		field string
		v     time.Duration
	}{
		{"dialplan.inter_digit", d.InterDigit},
		{"dialplan.short_inter_digit", d.ShortInterDigit},
		{"dialplan.first_digit", d.FirstDigit},
		{"dialplan.off_hook_warning", d.OffHookWarning},
		{"dialplan.no_answer", d.NoAnswer},
	} {
		if t.v <= 0 {
			bad(t.field, "%v is not a positive duration", t.v)
		}
	}

	exts := map[string]int{}
	chans := map[[2]int]int{}
	for i, pt := range f.Ports {
		p := fmt.Sprintf("ports[%d]", i)
		if pt.Span < 1 {
			bad(p+".span", "%d is less than 1", pt.Span)
		}
		if pt.Chan < 1 {
			bad(p+".chan", "%d is less than 1", pt.Chan)
		}
		if pt.Span >= 1 && pt.Chan >= 1 {
			k := [2]int{pt.Span, pt.Chan}
			if j, dup := chans[k]; dup {
				bad(p+".chan", "span %d channel %d is already ports[%d]", pt.Span, pt.Chan, j)
			} else {
				chans[k] = i
			}
		}
		switch {
		case pt.Extension == "":
			bad(p+".extension", "missing: every port needs an extension number")
		case !isDialString(pt.Extension, ""):
			bad(p+".extension", "%q is not a number (digits, * and #)", pt.Extension)
		default:
			if j, dup := exts[pt.Extension]; dup {
				bad(p+".extension", "%q is already the extension of ports[%d]", pt.Extension, j)
			} else {
				exts[pt.Extension] = i
			}
		}
		refAccount(p+".account", pt.Account)
		f.validatePort(p, pt, bad)
	}

	f.validateFXS(bad)
	lines, groups := f.validateLines(chans, refAccount, bad)

	f.validateRouting(exts, accounts, lines, groups, refAccount, bad)
}

func (f *File) validateSIP(bad func(field, format string, args ...any)) {
	s := &f.SIP
	if len(s.Listen) == 0 {
		bad("sip.listen", "needs at least one TRANSPORT:HOST:PORT entry")
	}
	seen := map[string]bool{}
	for i, l := range s.Listen {
		p := fmt.Sprintf("sip.listen[%d]", i)
		la, err := ParseListen(l)
		if err != nil {
			bad(p, "%v", err)
			continue
		}
		if la.Transport == "tls" && (s.TLS.Cert == "" || s.TLS.Key == "") {
			bad(p, "%q: a tls listener needs sip.tls.cert and sip.tls.key", l)
		}
		if k := la.Transport + ":" + la.Addr(); seen[k] {
			bad(p, "%q is listed twice", l)
		} else {
			seen[k] = true
		}
	}
	f.validateTLS(bad)
	if s.Host != "" && !validHost(s.Host) {
		bad("sip.host", "%q is not an IP address or host name", s.Host)
	}
	if s.PublicHost != "" {
		if ip, err := netip.ParseAddr(s.PublicHost); err != nil || ip.IsUnspecified() {
			bad("sip.public_host", "%q is not an IP address", s.PublicHost)
		}
	}
	if s.Keepalive < 0 || (s.Keepalive > 0 && s.Keepalive < time.Second) {
		bad("sip.keepalive", "%v: want 1s or more (0 = off)", s.Keepalive)
	}
	if _, err := gateway.ParseDiversionFormat(s.DiversionFormat); err != nil {
		bad("sip.diversion_format", "%q is not diversion, history-info or both", s.DiversionFormat)
	}
	if s.DNSServer != "" {
		if _, err := netip.ParseAddrPort(s.DNSServer); err != nil {
			bad("sip.dns_server", "%q is not ip:port", s.DNSServer)
		}
	}
	lo, hi, err := parseRange(s.RTPPorts)
	if err != nil {
		bad("sip.rtp_ports", "%v", err)
	} else {
		s.RTPPortMin, s.RTPPortMax = lo, hi
	}
	if len(s.Codecs) == 0 {
		bad("sip.codecs", "needs at least one codec (%s)", strings.Join(Codecs, ", "))
	}
	dupCodec := map[string]bool{}
	for i, c := range s.Codecs {
		p := fmt.Sprintf("sip.codecs[%d]", i)
		if !contains(Codecs, c) {
			bad(p, "%q is not a supported codec (%s)", c, strings.Join(Codecs, ", "))
		} else if dupCodec[c] {
			bad(p, "%q is listed twice", c)
		}
		dupCodec[c] = true
	}
	if s.DTMFPT < 96 || s.DTMFPT > 127 {
		bad("sip.dtmf_pt", "%d is not a dynamic payload type (96-127)", s.DTMFPT)
	}
	if strings.ContainsAny(s.UserAgent, "\r\n") {
		bad("sip.user_agent", "may not contain line breaks")
	}
}

// posOf returns where field was written, or for a missing field where the
// nearest enclosing value was written ("accounts[0]" for accounts[0].user).
func (f *File) posOf(field string) position {
	for field != "" {
		if p, ok := f.pos[field]; ok {
			return p
		}
		i := strings.LastIndexAny(field, ".[")
		if i < 0 {
			break
		}
		field = field[:i]
	}
	return position{}
}

// validateTLS checks sip.tls; the files themselves are read, and their
// contents checked, when the SIP user agent starts.
func (f *File) validateTLS(bad func(field, format string, args ...any)) {
	t := &f.SIP.TLS
	if (t.Cert == "") != (t.Key == "") {
		if t.Cert == "" {
			bad("sip.tls.cert", "missing: sip.tls.key is set, the certificate must be too")
		} else {
			bad("sip.tls.key", "missing: sip.tls.cert is set, its private key must be too")
		}
	}
	if t.VerifyClient && t.CA == "" {
		bad("sip.tls.verify_client", "needs sip.tls.ca, the CAs client certificates must chain to")
	}
	if t.MinVersion != "" && !contains(TLSMinVersions, t.MinVersion) {
		bad("sip.tls.min_version", "%q is not a TLS version (%s)", t.MinVersion, strings.Join(TLSMinVersions, ", "))
	}
	for _, fp := range []struct{ field, path string }{{"sip.tls.cert", t.Cert}, {"sip.tls.key", t.Key}, {"sip.tls.ca", t.CA}} {
		if strings.ContainsAny(fp.path, "\x00\n") {
			bad(fp.field, "%q is not a file name", fp.path)
		}
	}
}

// validateFXS checks the settings shared by the FXS ports and the echo
// canceller.
func (f *File) validateFXS(bad func(field, format string, args ...any)) {
	x := f.FXS
	if x.CallerID != "" && !contains(fxs.CallerIDNames(), x.CallerID) {
		bad("fxs.caller_id", "%q is not a caller-ID scheme (%s)", x.CallerID, strings.Join(fxs.CallerIDNames(), ", "))
	}
	if x.FlashMin < 20*time.Millisecond || x.FlashMin > 2*time.Second {
		bad("fxs.flash_min", "%v is not in 20ms-2s", x.FlashMin)
	}
	if x.FlashMax < 20*time.Millisecond || x.FlashMax > 2*time.Second {
		bad("fxs.flash_max", "%v is not in 20ms-2s", x.FlashMax)
	} else if x.FlashMax <= x.FlashMin {
		bad("fxs.flash_max", "%v is not longer than flash_min %v", x.FlashMax, x.FlashMin)
	}
	if x.PulseDialing != "" && !contains(PulseDialings, x.PulseDialing) {
		bad("fxs.pulse_dialing", "%q is not a pulse dialling (%s)", x.PulseDialing, strings.Join(PulseDialings, ", "))
	}
	if t := f.Echo.Tail; t != 0 && (t < 16*time.Millisecond || t > 128*time.Millisecond) {
		bad("echo.tail", "%v is not in 16ms-128ms", t)
	}
}

// validatePort checks the telephony settings of one FXS port.
func (f *File) validatePort(p string, pt Port, bad func(field, format string, args ...any)) {
	if pt.CallerID != "" && !contains(fxs.CallerIDNames(), pt.CallerID) {
		bad(p+".caller_id", "%q is not a caller-ID scheme (%s)", pt.CallerID, strings.Join(fxs.CallerIDNames(), ", "))
	}
	for _, n := range []struct{ field, v string }{
		{".hotline", pt.Hotline}, {".forward_always", pt.ForwardAlways},
		{".forward_busy", pt.ForwardBusy}, {".forward_no_answer", pt.ForwardNoAnswer},
	} {
		if !isDialString(n.v, "") {
			bad(p+n.field, "%q is not a number (digits, * and #)", n.v)
		}
	}
	if pt.WarmlineDelay < 0 || pt.WarmlineDelay > time.Minute {
		bad(p+".warmline_delay", "%v is not in 0-1m", pt.WarmlineDelay)
	}
	if pt.WarmlineDelay > 0 && pt.Hotline == "" {
		bad(p+".warmline_delay", "set without a hotline number")
	}
	if pt.ForwardNoAnswerDelay < 0 || pt.ForwardNoAnswerDelay > 5*time.Minute {
		bad(p+".forward_no_answer_delay", "%v is not in 0-5m", pt.ForwardNoAnswerDelay)
	}
	for _, g := range []struct {
		field string
		v     float64
	}{{".rx_gain_db", pt.RxGainDB}, {".tx_gain_db", pt.TxGainDB}} {
		if g.v < -24 || g.v > 12 {
			bad(p+g.field, "%g is not in -24..12 dB", g.v)
		}
	}
}

// validateLines checks the FXO lines; chans holds the FXS ports' channels.
// It returns the line names and groups defined, for the routes.
func (f *File) validateLines(chans map[[2]int]int, refAccount func(field, name string), bad func(field, format string, args ...any)) (names, groups map[string]bool) {
	names, groups = map[string]bool{}, map[string]bool{}
	lineChans := map[[2]int]int{}
	for i, l := range f.Lines {
		p := fmt.Sprintf("lines[%d]", i)
		if l.Span < 1 {
			bad(p+".span", "%d is less than 1", l.Span)
		}
		if l.Chan < 1 {
			bad(p+".chan", "%d is less than 1", l.Chan)
		}
		if l.Span >= 1 && l.Chan >= 1 {
			k := [2]int{l.Span, l.Chan}
			if j, dup := chans[k]; dup {
				bad(p+".chan", "span %d channel %d is already ports[%d]", l.Span, l.Chan, j)
			} else if j, dup := lineChans[k]; dup {
				bad(p+".chan", "span %d channel %d is already lines[%d]", l.Span, l.Chan, j)
			} else {
				lineChans[k] = i
			}
		}
		if l.Name != "" {
			switch {
			case !validName(l.Name):
				bad(p+".name", "%q is not a name (letters, digits, _ - . up to 64)", l.Name)
			case names[l.Name]:
				bad(p+".name", "%q names another line too", l.Name)
			default:
				names[l.Name] = true
			}
		}
		if l.Group != "" {
			if validName(l.Group) {
				groups[l.Group] = true
			} else {
				bad(p+".group", "%q is not a name (letters, digits, _ - . up to 64)", l.Group)
			}
		}
		refAccount(p+".account", l.Account)
		if !contains(InboundModes, l.Inbound) {
			bad(p+".inbound", "%q is not an inbound mode (%s)", l.Inbound, strings.Join(InboundModes, ", "))
		}
		switch {
		case l.Destination == "" && l.Inbound == gateway.InboundFixed:
			bad(p+".destination", "missing: a fixed inbound line needs a destination (extension, number or sip: URI)")
		case l.Destination == "":
		case strings.HasPrefix(l.Destination, "sip:") || strings.HasPrefix(l.Destination, "sips:"):
			if !isSIPURI(l.Destination) {
				bad(p+".destination", "%q is not a sip: or sips: URI", l.Destination)
			} else if l.Account == "" {
				bad(p+".account", "missing: a SIP destination is called through the line's account")
			}
		case validName(l.Destination) && f.hasGroup(l.Destination):
		case !isDialString(l.Destination, "+"):
			bad(p+".destination", "%q is not an extension, a number, a group or a sip: URI", l.Destination)
		}
		if l.DigitMap != "" {
			if err := CheckDigitMap(l.DigitMap); err != nil {
				bad(p+".digit_map", "%v", err)
			}
		}
		if l.RingsBeforeAnswer < 1 || l.RingsBeforeAnswer > 20 {
			bad(p+".rings_before_answer", "%d is not in 1-20", l.RingsBeforeAnswer)
		}
		if !contains(DialModes, l.DialMode) {
			bad(p+".dial_mode", "%q is not a dial mode (%s)", l.DialMode, strings.Join(DialModes, ", "))
		}
		for j, c := range l.CallerID {
			if !contains(gateway.LineCallerIDNames(), c) {
				bad(fmt.Sprintf("%s.caller_id[%d]", p, j), "%q is not a caller-ID scheme (%s)", c, strings.Join(gateway.LineCallerIDNames(), ", "))
			}
		}
		for _, t := range []struct {
			field string
			v     time.Duration
		}{{".answer_delay", l.AnswerDelay}, {".dial_tone_wait", l.DialToneWait}, {".silence_timeout", l.SilenceTimeout}} {
			if t.v < 0 || t.v > time.Hour {
				bad(p+t.field, "%v is not in 0-1h", t.v)
			}
		}
		if q := l.CPCQualify; q != 0 && (q < 100*time.Millisecond || q > 800*time.Millisecond) {
			bad(p+".cpc_qualify", "%v is not in 100ms-800ms", q)
		}
		if len(l.DisconnectTones) > MaxDisconnectTones {
			bad(p+".disconnect_tones", "%d tones, at most %d", len(l.DisconnectTones), MaxDisconnectTones)
		}
		for j, text := range l.DisconnectTones {
			if _, err := progress.ParseSignature(text); err != nil {
				bad(fmt.Sprintf("%s.disconnect_tones[%d]", p, j), "%s", strings.TrimPrefix(err.Error(), "progress: "))
			}
		}
	}
	return names, groups
}

// KeepaliveModes are the values of accounts[].keepalive.
var KeepaliveModes = []string{"", "crlf", "options"}

// SRTPPolicies are the values of accounts[].srtp.
var SRTPPolicies = []string{"off", "optional", "mandatory"}

func (f *File) validateSecurity(bad func(field, format string, args ...any)) {
	s := &f.Security
	if s.FailureLimit < 0 || s.FailureLimit > 10000 {
		bad("security.failure_limit", "%d is outside 0-10000 (0 = default)", s.FailureLimit)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"security.failure_window", s.FailureWindow}, {"security.block_for", s.BlockFor}, {"security.max_block_for", s.MaxBlockFor}} {
		if d.v < 0 || d.v > 366*24*time.Hour {
			bad(d.field, "%v is outside 0-8784h (0 = default)", d.v)
		}
	}
	if s.MaxBlockFor > 0 && s.BlockFor > s.MaxBlockFor {
		bad("security.max_block_for", "%v is shorter than block_for %v", s.MaxBlockFor, s.BlockFor)
	}
	for _, l := range []struct {
		field string
		v     []string
	}{{"security.allow", s.Allow}, {"security.deny", s.Deny}} {
		for i, e := range l.v {
			if _, err := guard.ParsePrefixes([]string{e}); err != nil {
				bad(fmt.Sprintf("%s[%d]", l.field, i), "%q is not an address or CIDR prefix", e)
			}
		}
	}
	for _, r := range []struct {
		field string
		v     Rate
	}{{"security.rates.invite", s.Rates.Invite}, {"security.rates.register", s.Rates.Register}, {"security.rates.options", s.Rates.Options}, {"security.rates.other", s.Rates.Other}} {
		if r.v.PerSecond < 0 || r.v.PerSecond > 100000 || math.IsNaN(r.v.PerSecond) {
			bad(r.field+".per_second", "%v is outside 0-100000", r.v.PerSecond)
		}
		if r.v.Burst < 0 || r.v.Burst > 100000 {
			bad(r.field+".burst", "%d is outside 0-100000", r.v.Burst)
		}
		if r.v.Burst > 0 && r.v.PerSecond == 0 {
			bad(r.field+".per_second", "missing: a burst needs a rate")
		}
	}
	if s.MaxMessageSize != 0 && (s.MaxMessageSize < 1024 || s.MaxMessageSize > 65535) {
		bad("security.max_message_size", "%d is outside 1024-65535 bytes", s.MaxMessageSize)
	}
	if s.MaxHeaders != 0 && (s.MaxHeaders < 16 || s.MaxHeaders > 1000) {
		bad("security.max_headers", "%d is outside 16-1000", s.MaxHeaders)
	}
	if s.BlockedReply != "" && s.BlockedReply != "drop" && s.BlockedReply != "403" {
		bad("security.blocked_reply", "%q is neither drop nor 403", s.BlockedReply)
	}
}

// Values of the accounts' trunk settings.
var (
	DTMFModes     = []string{"", "rfc4733", "info", "inband"}
	NumberFormats = []string{"", "e164", "national"}
	Identities    = []string{"", "pai", "rpid"}
)

// validateTrunk checks the trunk settings of account a at path p.
func (f *File) validateTrunk(p string, a *Account, bad func(field, format string, args ...any)) {
	if !a.Trunk && (len(a.Peers) > 0 || a.InboundUser != "" || a.InboundPassword != "") {
		bad(p+".trunk", "peers and inbound credentials need trunk: true")
	}
	for i, peer := range a.Peers {
		if _, err := netip.ParsePrefix(peer); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(strings.Trim(peer, "[]")); err != nil {
			bad(fmt.Sprintf("%s.peers[%d]", p, i), "%q is not an IP address or CIDR prefix", peer)
		}
	}
	if (a.InboundUser == "") != (a.InboundPassword == "") {
		bad(p+".inbound_user", "inbound_user and inbound_password go together")
	}
	for i, c := range a.Codecs {
		if !contains(f.SIP.Codecs, c) {
			bad(fmt.Sprintf("%s.codecs[%d]", p, i), "%q is not one of sip.codecs (%s)", c, strings.Join(f.SIP.Codecs, ", "))
		}
	}
	if !contains(DTMFModes, a.DTMF) {
		bad(p+".dtmf", "%q is not a DTMF mode (rfc4733, info, inband)", a.DTMF)
	}
	if !contains(NumberFormats, a.NumberFormat) {
		bad(p+".number_format", "%q is not a number format (e164, national or empty)", a.NumberFormat)
	} else if a.NumberFormat != "" && a.CountryCode == "" {
		bad(p+".country_code", "number_format %s needs the country code (e.g. \"49\")", a.NumberFormat)
	}
	for _, x := range []struct{ field, v string }{
		{".country_code", a.CountryCode}, {".national_prefix", a.NationalPrefix}, {".international_prefix", a.InternationalPrefix},
	} {
		if strings.Trim(x.v, "0123456789") != "" || len(x.v) > 4 {
			bad(p+x.field, "%q is not up to 4 digits", x.v)
		}
	}
	if !contains(Identities, a.Identity) {
		bad(p+".identity", "%q is not an identity header (pai, rpid or empty)", a.Identity)
	}
	if strings.ContainsAny(a.URIParams, " \t<>\"@") {
		bad(p+".uri_params", "%q is not a list of URI parameters (e.g. user=phone)", a.URIParams)
	}
}
