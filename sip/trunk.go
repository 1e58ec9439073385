package sip

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
)

// DTMF sending modes (Account.DTMF).
const (
	DTMFRFC4733 = "rfc4733" // telephone-event packets (RFC 4733)
	DTMFInfo    = "info"    // INFO requests, application/dtmf-relay
	DTMFInband  = "inband"  // tones in the audio
)

// Number formats (Account.NumberFormat).
const (
	FormatAsDialled = ""
	FormatE164      = "e164"
	FormatNational  = "national"
)

// Identity header modes (Account.Identity).
const (
	IdentityNone = ""
	IdentityPAI  = "pai"
	IdentityRPID = "rpid"
)

// uriParam is one extra Request-URI parameter.
type uriParam struct{ k, v string }

// parseTrunk validates the trunk and per-account call fields.
func (a *account) parseTrunk() error {
	if !a.Trunk && (len(a.Peers) > 0 || a.InboundUser != "" || a.InboundPassword != "") {
		return errors.New("peers and inbound credentials are for trunks (set Trunk)")
	}
	if (a.InboundUser == "") != (a.InboundPassword == "") {
		return errors.New("inbound user and password go together")
	}
	if strings.ContainsAny(a.InboundUser, "\"\\\r\n") {
		return errors.New("inbound user must not contain quotes, backslashes or line breaks")
	}
	for _, p := range a.Peers {
		pfx, err := parsePeer(p)
		if err != nil {
			return err
		}
		a.peers = append(a.peers, pfx)
	}
	switch m := strings.ToLower(a.DTMF); m {
	case "", DTMFRFC4733:
		a.dtmf = DTMFRFC4733
	case DTMFInfo, DTMFInband:
		a.dtmf = m
	default:
		return fmt.Errorf("DTMF mode %q: want rfc4733, info or inband", a.DTMF)
	}
	var err error
	if a.uriParams, err = parseURIParams(a.URIParams); err != nil {
		return err
	}
	if a.plan, err = newNumberPlan(a.NumberFormat, a.CountryCode, a.NationalPrefix, a.InternationalPrefix); err != nil {
		return err
	}
	switch m := strings.ToLower(a.Identity); m {
	case IdentityNone:
		if a.Trusted {
			a.identity = IdentityPAI
		}
	case IdentityPAI, IdentityRPID:
		a.identity = m
	default:
		return fmt.Errorf("identity %q: want pai, rpid or empty", a.Identity)
	}
	return nil
}

// parsePeer reads an address ("192.0.2.1", "[::1]", "::1") or a CIDR
// prefix ("203.0.113.0/24").
func parsePeer(s string) (netip.Prefix, error) {
	t := strings.TrimSpace(s)
	if strings.Contains(t, "/") {
		p, err := netip.ParsePrefix(strings.Trim(t, "[]"))
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("peer %q: %w", s, err)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	t = strings.TrimSuffix(strings.TrimPrefix(t, "["), "]")
	ip, err := netip.ParseAddr(t)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("peer %q: want an IP address or CIDR prefix", s)
	}
	ip = ip.Unmap().WithZone("")
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}

// hasPeer reports whether src is one of the trunk's peers.
func (a *account) hasPeer(src netip.Addr) bool {
	src = src.Unmap().WithZone("")
	for _, p := range a.peers {
		if p.Contains(src) {
			return true
		}
	}
	return false
}

// accountCodecs checks an account's codec list against the UA's.
func accountCodecs(name string, want []string, ua []media.Codec) ([]media.Codec, error) {
	if len(want) == 0 {
		return ua, nil
	}
	var out []media.Codec
	for _, n := range want {
		i := slices.IndexFunc(ua, func(c media.Codec) bool { return strings.EqualFold(c.Name, n) })
		if i < 0 {
			return nil, fmt.Errorf("sip: config: account %s: codec %q is not one of the UA's codecs", name, n)
		}
		if !slices.ContainsFunc(out, func(c media.Codec) bool { return c.Name == ua[i].Name }) {
			out = append(out, ua[i])
		}
	}
	return out, nil
}

func (a *account) codecNames() []string {
	out := make([]string, 0, len(a.codecs))
	for _, c := range a.codecs {
		out = append(out, c.Name)
	}
	return out
}

// uriParams that change routing are ours to set, not the trunk's.
var reservedURIParams = []string{"transport", "maddr", "lr", "ttl", "method"}

// parseURIParams reads "user=phone;npdi" (a leading ';' is allowed):
// RFC 3261 25.1 uri-parameters of paramchar.
func parseURIParams(s string) ([]uriParam, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), ";")
	if s == "" {
		return nil, nil
	}
	var out []uriParam
	for _, p := range strings.Split(s, ";") {
		k, v, hasV := strings.Cut(p, "=")
		if k == "" || !isParamChars(k) || (hasV && (v == "" || !isParamChars(v))) {
			return nil, fmt.Errorf("URI parameters %q: %q is not name[=value] of URI characters", s, p)
		}
		if slices.Contains(reservedURIParams, strings.ToLower(k)) {
			return nil, fmt.Errorf("URI parameters %q: %s is set by the proxy URI, not here", s, k)
		}
		out = append(out, uriParam{k, v})
	}
	return out, nil
}

// isParamChars: RFC 3261 25.1 paramchar = param-unreserved / unreserved /
// escaped ("%" HEX HEX).
func isParamChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("[]/:&+$-_.!~*'()", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// addURIParams appends the account's extra parameters to u.
func (a *account) addURIParams(u *sipgo_sip.Uri) {
	if len(a.uriParams) == 0 {
		return
	}
	if u.UriParams == nil {
		u.UriParams = sipgo_sip.NewParams()
	}
	for _, p := range a.uriParams {
		if !u.UriParams.Has(p.k) {
			u.UriParams.Add(p.k, p.v)
		}
	}
}

// numberPlan turns numbers between the forms a trunk wants and the form a
// local user dials: E.164 with "+", national with the trunk prefix, or
// international with the international prefix (ITU-T E.164, E.123).
type numberPlan struct {
	format    string // FormatAsDialled, FormatE164 or FormatNational
	cc        string // country code
	national  string // national (trunk) prefix
	intl      string // international prefix
	hasPrefix bool   // any of cc, national, intl set
}

func newNumberPlan(format, cc, national, intl string) (numberPlan, error) {
	p := numberPlan{format: strings.ToLower(format), cc: cc, national: national, intl: intl}
	switch p.format {
	case FormatAsDialled, FormatE164, FormatNational:
	default:
		return p, fmt.Errorf("number format %q: want e164, national or empty", format)
	}
	if cc != "" && (!allDigits(cc) || len(cc) > 3 || cc[0] == '0') {
		return p, fmt.Errorf("country code %q: want 1-3 digits, not starting with 0", cc)
	}
	if p.format != FormatAsDialled && cc == "" {
		return p, fmt.Errorf("number format %s needs a country code", p.format)
	}
	for _, f := range []struct{ what, v string }{{"national prefix", national}, {"international prefix", intl}} {
		if f.v != "" && (!allDigits(f.v) || len(f.v) > 4) {
			return p, fmt.Errorf("%s %q: want 1-4 digits", f.what, f.v)
		}
	}
	if intl != "" && national != "" && strings.HasPrefix(national, intl) {
		return p, fmt.Errorf("international prefix %q must not begin the national prefix %q", intl, national)
	}
	p.hasPrefix = cc != "" || national != "" || intl != ""
	return p, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// phoneDigits reads a telephone number: an optional leading "+" and digits
// with RFC 3966 visual separators ("-", ".", "(", ")") and spaces, which
// are dropped. ok is false for anything else (names, "*31#", "anonymous").
func phoneDigits(n string) (digits string, plus, ok bool) {
	s := strings.TrimSpace(n)
	if strings.HasPrefix(s, "+") {
		plus, s = true, s[1:]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == '-', c == '.', c == '(', c == ')', c == ' ':
		default:
			return "", false, false
		}
	}
	if b.Len() == 0 {
		return "", false, false
	}
	return b.String(), plus, true
}

// international returns the number's digits including the country code
// when its form tells them ("+", the international prefix, or the national
// prefix before a national number), else "".
func (p numberPlan) international(digits string, plus bool) string {
	switch {
	case plus:
		return digits
	case p.intl != "" && len(digits) > len(p.intl) && strings.HasPrefix(digits, p.intl):
		return digits[len(p.intl):]
	case p.cc != "" && p.national != "" && len(digits) > len(p.national) && strings.HasPrefix(digits, p.national):
		return p.cc + digits[len(p.national):]
	}
	return ""
}

// outbound formats a called or calling number we send (Account.NumberFormat).
// Numbers whose form tells no country (subscriber and short numbers, and
// anything that is not a telephone number) go as dialled.
func (p numberPlan) outbound(n string) string {
	if p.format == FormatAsDialled {
		return n
	}
	d, plus, ok := phoneDigits(n)
	if !ok {
		return n
	}
	full := p.international(d, plus)
	switch {
	case full == "":
		if plus {
			return "+" + d
		}
		return d
	case p.format == FormatE164:
		return "+" + full
	}
	return p.localForm(full)
}

// localForm writes a full international number as a local user dials it:
// our own country with the national prefix, others with the international
// prefix (or "+" when that is not configured).
func (p numberPlan) localForm(full string) string {
	if p.cc != "" && len(full) > len(p.cc) && strings.HasPrefix(full, p.cc) {
		return p.national + full[len(p.cc):]
	}
	if p.intl != "" {
		return p.intl + full
	}
	return "+" + full
}

// inbound turns a number received on a trunk (called or calling) into the
// form a local user dials: "+<our CC>..." becomes NationalPrefix+rest,
// other "+" numbers InternationalPrefix+digits. Without CountryCode and
// InternationalPrefix, and for numbers without "+", only the visual
// separators go; what is no telephone number is left alone.
func (p numberPlan) inbound(n string) string {
	d, plus, ok := phoneDigits(n)
	if !ok {
		return n
	}
	if !plus {
		return d
	}
	if !p.hasPrefix {
		return "+" + d
	}
	return p.localForm(d)
}

// inviteRoute is whom a new INVITE is for, before authentication.
type inviteRoute struct {
	acc  *account   // the account; nil when credentials decide or nobody
	peer bool       // matched by source address: identity headers trusted
	auth []*account // trunks whose inbound credentials the INVITE must carry
	// early: authenticate before the checks of the offer. Not from a peer,
	// with trunks taking credentials from anywhere, an INVITE for a number
	// no user account has, or one without an SDP offer whatever its number,
	// is challenged first, so that offerless scans (svwar) get 401 for
	// every number and password guessing (svcrack) is counted.
	early bool
}

// routeInvite matches an INVITE: a source among a trunk's Peers gives that
// trunk (for any number); else a user account by Request-URI or To user;
// else, when trunks with inbound credentials but no Peers exist, the
// credentials decide among them.
func (u *UA) routeInvite(req *sipgo_sip.Request) inviteRoute {
	if src, ok := sourceOf(req); ok {
		for _, a := range u.cfg.accounts {
			if a.Trunk && a.hasPeer(src.Addr()) {
				r := inviteRoute{acc: a, peer: true}
				if a.InboundUser != "" {
					r.auth = []*account{a}
				}
				return r
			}
		}
	}
	var creds []*account
	for _, a := range u.cfg.accounts {
		if a.Trunk && len(a.peers) == 0 && a.InboundUser != "" {
			creds = append(creds, a)
		}
	}
	if a := u.matchAccount(req); a != nil {
		r := inviteRoute{acc: a}
		if len(creds) > 0 && !hasSDPBody(req) {
			r.auth, r.early = creds, true
		}
		return r
	}
	return inviteRoute{auth: creds, early: len(creds) > 0}
}

func hasSDPBody(req *sipgo_sip.Request) bool {
	ct := req.ContentType()
	return len(req.Body()) > 0 && ct != nil && isSDP(ct.Value())
}

// trunkNumbers sets the numbers of an incoming trunk call: the called
// number is the Request-URI user, and both it and the caller's number are
// put into the form a local user dials (numberPlan.inbound).
func trunkNumbers(c *Call, req *sipgo_sip.Request) {
	p := c.acc.plan
	called, _, _ := strings.Cut(req.Recipient.User, ";") // telephone-subscriber parameters
	c.local.Number = p.inbound(called)
	if c.remote.Number != "" {
		c.remote.Number = p.inbound(c.remote.Number)
	}
	if c.identity.Number != "" {
		c.identity.Number = p.inbound(c.identity.Number)
	}
}
