package sip

import (
	"strings"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Identity is the calling party as the analog side should present it.
type Identity struct {
	Number string // the asserted number (tel: or sip: user part), else From's
	Name   string // display name
	// Private is set when the caller asked for privacy (Privacy: id, user
	// or header, RFC 3323 4.2 / RFC 3325 7; Remote-Party-ID privacy=full,
	// name or uri; or an anonymous From, RFC 3261 8.1.1.3). Number and
	// Name are still filled in when known (a trusted network may assert
	// them, RFC 3325); the line side must present the call as private.
	Private bool
}

// Identity returns the caller's identity of an incoming call, from
// P-Asserted-Identity (RFC 3325 9.1), else Remote-Party-ID, else From.
func (c *Call) Identity() Identity { return c.identity }

// AlertInfo returns the Alert-Info header of an incoming INVITE (RFC 3261
// 20.4), which selects a distinctive ring, e.g.
// "<http://x/bellcore-dr2>" or "<urn:alert:service:call-waiting>"; "" if
// none.
func (c *Call) AlertInfo() string { return c.alertInfo }

// Diversion returns the Diversion headers of an incoming INVITE (RFC 5806),
// the redirecting party, joined by ", "; "" if none.
func (c *Call) Diversion() string {
	if !c.incoming {
		return ""
	}
	var out []string
	for _, h := range c.dss.InviteRequest.GetHeaders("Diversion") {
		out = append(out, h.Value())
	}
	return strings.Join(out, ", ")
}

// Forwarded sends 181 Call Is Being Forwarded on an incoming call (RFC 3261
// 21.1.3) with, when diversion is not empty, a Diversion header (RFC 5806)
// naming the forwarding party, e.g. `<sip:2001@gw>;reason=unconditional`,
// and a Call-Info header with purpose=forwarding naming that party (us
// when diversion is empty); ForwardedTo also names the new target.
func (c *Call) Forwarded(diversion string) error {
	if !c.incoming {
		return errNotIncoming
	}
	var hdrs []sipgo_sip.Header
	if diversion = strings.TrimSpace(diversion); diversion != "" {
		if strings.ContainsAny(diversion, "\r\n") {
			return errBadHeaderValue
		}
		hdrs = append(hdrs, sipgo_sip.NewHeader("Diversion", diversion))
	}
	hdrs = append(hdrs, c.forwardedCallInfo(diversion))
	return c.sendProvisional(181, "Call Is Being Forwarded", nil, hdrs...)
}

// nameAddr splits a name-addr or addr-spec header value (RFC 3261 25.1)
// into display name, URI and the header parameters after it.
func nameAddr(v string) (name, uri, params string) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		name = strings.TrimSpace(v[:i])
		rest := v[i+1:]
		j := strings.IndexByte(rest, '>')
		if j < 0 {
			return unquote(name), rest, ""
		}
		return unquote(name), rest[:j], rest[j+1:]
	}
	uri, params, _ = strings.Cut(v, ";")
	return "", uri, params
}

func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = strings.ReplaceAll(s[1:len(s)-1], `\"`, `"`)
	}
	return s
}

// uriNumber is the number in a tel: URI or the user part of a sip: URI.
func uriNumber(uri string) string {
	uri = strings.TrimSpace(uri)
	lower := strings.ToLower(uri)
	switch {
	case strings.HasPrefix(lower, "tel:"):
		n, _, _ := strings.Cut(uri[4:], ";")
		return n
	case strings.HasPrefix(lower, "sip:"), strings.HasPrefix(lower, "sips:"):
		_, rest, _ := strings.Cut(uri, ":")
		user, _, ok := strings.Cut(rest, "@")
		if !ok {
			return ""
		}
		user, _, _ = strings.Cut(user, ";") // user parameters (user=phone is a URI param)
		return user
	}
	return ""
}

// identityOf reads the caller's identity from an INVITE; asserted
// identities (P-Asserted-Identity, Remote-Party-ID) are believed only from
// a trusted source, privacy requests from any.
func identityOf(req *sipgo_sip.Request, trusted bool) Identity {
	var id Identity
	if f := req.From(); f != nil {
		id.Number, id.Name = f.Address.User, f.DisplayName
		if strings.EqualFold(f.Address.User, "anonymous") || strings.EqualFold(f.DisplayName, "anonymous") {
			id.Private = true
			id.Number, id.Name = "", ""
		}
	}
	found := false
	for _, name := range []string{"P-Asserted-Identity", "Remote-Party-ID"} {
		for _, h := range req.GetHeaders(name) {
			for _, v := range splitHeaderList(h.Value()) {
				dn, uri, params := nameAddr(v)
				n := uriNumber(uri)
				if n == "" {
					continue
				}
				switch {
				case !trusted: // only a privacy request counts
				case !found:
					id.Number, id.Name, found = n, dn, true
				case id.Name == "":
					id.Name = dn
				}
				if name == "Remote-Party-ID" {
					for _, p := range strings.Split(params, ";") {
						k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
						if strings.EqualFold(k, "privacy") {
							switch strings.ToLower(unquote(val)) {
							case "full", "name", "uri":
								id.Private = true
							}
						}
					}
				}
			}
		}
		if found {
			break
		}
	}
	for _, h := range req.GetHeaders("Privacy") {
		for _, t := range strings.FieldsFunc(h.Value(), func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
			switch strings.ToLower(t) {
			case "id", "user", "header":
				id.Private = true
			}
		}
	}
	return id
}

// splitHeaderList splits a comma-separated header value, keeping commas
// inside quotes and angle brackets.
func splitHeaderList(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch ch := v[i]; {
		case ch == '"' && (i == 0 || v[i-1] != '\\'):
			quoted = !quoted
		case quoted:
		case ch == '<':
			depth++
		case ch == '>':
			depth--
		case ch == ',' && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		out = append(out, s)
	}
	return out
}
