package sip

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
)

// Diversion is one redirection a call went through: who diverted it and
// why. It is read from Diversion (RFC 5806) and History-Info (RFC 7044)
// headers and written into them.
type Diversion struct {
	// Number is the diverting party's number: the user part of its sip:
	// or sips: URI, or the number of a tel: URI.
	Number string
	// Name is the diverting party's display name, "" if none.
	Name string
	// URI is the diverting party's URI. When sending, an empty URI is
	// built from Number as sip:Number@<account domain>.
	URI string
	// Reason is the RFC 5806 diversion reason: "unknown", "user-busy",
	// "no-answer", "unavailable", "unconditional", "time-of-day",
	// "do-not-disturb", "deflection", "follow-me", "out-of-service",
	// "away" or another token. From History-Info it is mapped from the
	// SIP cause (RFC 4458 table 1: 302 unconditional, 486 user-busy, 408
	// no-answer, 480 and 487 deflection, 503 unavailable, 404 unknown).
	Reason string
	// Counter is how many times the call was diverted at this hop (RFC
	// 5806 counter, 1 when absent). History-Info entries count 1 each.
	Counter int
	// Cause is the SIP status that caused the retargeting, from
	// History-Info (the cause URI parameter of RFC 4458, or the Reason
	// header escaped in the entry, RFC 7044 9.4); when sending, 0 is
	// mapped from Reason. Diversion headers carry none: 0.
	Cause int
}

// DiversionFormat selects the headers an outgoing INVITE carries its
// diversions in (DialOptions.DiversionFormat). The zero value sends a
// Diversion header.
type DiversionFormat uint8

// Diversion header formats; they may be combined.
const (
	DiversionHeader   DiversionFormat = 1 << iota // RFC 5806 Diversion
	HistoryInfoHeader                             // RFC 7044 History-Info
)

// maxDiversions bounds what one message may make us keep and send.
const maxDiversions = 16

// causeReasons maps SIP causes to RFC 5806 reasons (RFC 4458 table 1,
// RFC 6044 tables 1 and 2); the first entry of a reason is what we send.
var causeReasons = []struct {
	cause  int
	reason string
}{
	{302, "unconditional"},
	{486, "user-busy"},
	{408, "no-answer"},
	{487, "deflection"},
	{480, "deflection"},
	{503, "unavailable"},
	{404, "unknown"},
}

func reasonForCause(cause int) string {
	for _, cr := range causeReasons {
		if cr.cause == cause {
			return cr.reason
		}
	}
	if cause >= 300 && cause < 400 {
		return "unconditional"
	}
	return "unknown"
}

func causeForReason(reason string) int {
	for _, cr := range causeReasons {
		if strings.EqualFold(cr.reason, reason) {
			return cr.cause
		}
	}
	return 302 // RFC 6044 4.2: other reasons map to 302 as well
}

// Diverted returns the diversions of the call, most recent first. For an
// incoming call they come from the INVITE's Diversion headers (RFC 5806:
// topmost is most recent), else from its History-Info (RFC 7044: each
// entry retargeted with a cause, by its mp parent). For an outgoing call
// they are the ones learnt from 3xx responses we followed. Malformed
// entries are skipped and logged. nil when the call was not diverted.
func (c *Call) Diverted() []Diversion {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.incoming && !c.divParsed && c.dss != nil {
		c.divParsed = true
		c.diverted = divertedOf(c.dss.InviteRequest, c.log.Warn)
	}
	return append([]Diversion(nil), c.diverted...)
}

// divertedOf reads the diversions of a message: Diversion headers if any,
// else History-Info; warn reports malformed entries.
func divertedOf(m headers, warn func(msg string, args ...any)) []Diversion {
	var out []Diversion
	for _, h := range m.GetHeaders("Diversion") {
		ds, bad := parseDiversion(h.Value())
		if bad > 0 {
			warn("sip: malformed Diversion ignored", "value", truncate(h.Value()), "bad", bad)
		}
		out = append(out, ds...)
	}
	if len(out) == 0 {
		var hi []string
		for _, h := range m.GetHeaders("History-Info") {
			hi = append(hi, h.Value())
		}
		if len(hi) > 0 {
			ds, bad := parseHistoryInfo(strings.Join(hi, ","))
			if bad > 0 {
				warn("sip: malformed History-Info entries ignored", "bad", bad)
			}
			out = ds
		}
	}
	if len(out) > maxDiversions {
		out = out[:maxDiversions]
	}
	return out
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// validPartyURI reports whether uri is a sip:, sips: or tel: URI safe to
// keep and to send again in a header.
func validPartyURI(uri string) bool {
	if uri == "" || len(uri) > 512 || strings.ContainsAny(uri, "<>?\"\r\n ,\t\x00") {
		return false
	}
	lower := strings.ToLower(uri)
	switch {
	case strings.HasPrefix(lower, "tel:"):
		return len(uri) > 4
	case strings.HasPrefix(lower, "sip:"), strings.HasPrefix(lower, "sips:"):
		var u sipgo_sip.Uri
		return sipgo_sip.ParseUri(uri, &u) == nil && u.Host != ""
	}
	return false
}

// headerParams splits ";a=b;c" into lower-cased names and unquoted values.
func headerParams(s string) map[string]string {
	out := map[string]string{}
	for _, p := range splitParams(s) {
		k, v, _ := strings.Cut(p, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			continue
		}
		out[k] = unquote(strings.TrimSpace(v))
	}
	return out
}

// splitParams splits on semicolons outside quotes.
func splitParams(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"' && (i == 0 || s[i-1] != '\\'):
			quoted = !quoted
		case ch == ';' && !quoted:
			if p := strings.TrimSpace(s[start:i]); p != "" {
				out = append(out, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(s[start:]); p != "" {
		out = append(out, p)
	}
	return out
}

// parseDiversion parses one Diversion header value (RFC 5806 3: one or
// more comma-separated name-addr with reason, counter and other
// parameters). Entries that are not a name-addr with a sip, sips or tel
// URI are skipped and counted in bad.
func parseDiversion(v string) (out []Diversion, bad int) {
	for _, e := range splitHeaderList(v) {
		if len(out) >= maxDiversions {
			break
		}
		if !strings.Contains(e, "<") {
			bad++ // RFC 5806 requires name-addr
			continue
		}
		name, uri, params := nameAddr(e)
		uri = strings.TrimSpace(uri)
		if !validPartyURI(uri) {
			bad++
			continue
		}
		d := Diversion{Number: uriNumber(uri), Name: cleanName(name), URI: uri, Counter: 1}
		p := headerParams(params)
		d.Reason = sanitizeToken(p["reason"])
		if n, err := strconv.Atoi(p["counter"]); err == nil && n >= 1 && n <= 99 {
			d.Counter = n
		}
		out = append(out, d)
	}
	return out, bad
}

// sanitizeToken keeps s if it is a short RFC 3261 token, else "".
func sanitizeToken(s string) string {
	if len(s) > 64 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte("-.!%*_+`'~", ch) >= 0) {
			return ""
		}
	}
	return s
}

// historyEntry is one hi-entry of History-Info (RFC 7044 9).
type historyEntry struct {
	name   string
	uri    string // hi-targeted-to-uri without its escaped headers
	index  []int  // "1.1.2" → [1 1 2]
	mp, rc string // parent index of a mapped (mp) or changed (rc) target
	cause  int    // RFC 4458 cause URI parameter, 0 if none
	reason int    // cause of the escaped Reason: SIP header, 0 if none
}

// parseHistoryInfo parses History-Info values (RFC 7044 9) and derives
// the diversions, most recent first: every entry whose target changed user
// (mp) or that carries an RFC 4458 cause was diverted by its parent entry
// (mp, else rc, else the entry before it); the cause is the entry's cause
// parameter, else the SIP cause of the Reason escaped in the parent.
// Malformed entries are skipped and counted in bad.
func parseHistoryInfo(v string) (out []Diversion, bad int) {
	var entries []historyEntry
	for _, e := range splitHeaderList(v) {
		if len(entries) >= 4*maxDiversions {
			break
		}
		he, ok := parseHistoryEntry(e)
		if !ok {
			bad++
			continue
		}
		entries = append(entries, he)
	}
	sort.SliceStable(entries, func(i, j int) bool { return lessIndex(entries[i].index, entries[j].index) })
	byIndex := map[string]int{}
	for i, e := range entries {
		byIndex[joinIndex(e.index)] = i
	}
	for i, e := range entries {
		if e.mp == "" && e.cause == 0 {
			continue
		}
		parent := -1
		for _, ref := range []string{e.mp, e.rc} {
			if k, ok := byIndex[ref]; ok && ref != "" && k != i {
				parent = k
				break
			}
		}
		if parent < 0 {
			if i == 0 {
				continue
			}
			parent = i - 1
		}
		p := entries[parent]
		cause := e.cause
		if cause == 0 {
			cause = p.reason
		}
		d := Diversion{Number: uriNumber(p.uri), Name: p.name, URI: p.uri, Counter: 1, Cause: cause}
		d.Reason = reasonForCause(cause)
		out = append(out, d)
	}
	// Chronological order in the header; most recent first for callers.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	if len(out) > maxDiversions {
		out = out[:maxDiversions]
	}
	return out, bad
}

func parseHistoryEntry(e string) (historyEntry, bool) {
	var he historyEntry
	if !strings.Contains(e, "<") {
		return he, false
	}
	name, uri, params := nameAddr(e)
	uri = strings.TrimSpace(uri)
	uri, hdrs, _ := strings.Cut(uri, "?")
	if !validPartyURI(uri) {
		return he, false
	}
	p := headerParams(params)
	idx, ok := parseIndex(p["index"])
	if !ok {
		return he, false // index is mandatory (RFC 7044 9)
	}
	he = historyEntry{name: cleanName(name), uri: stripParam(uri, "cause"), index: idx}
	if m, ok := p["mp"]; ok {
		if _, valid := parseIndex(m); !valid {
			return he, false
		}
		he.mp = m
	}
	if r, ok := p["rc"]; ok {
		if _, valid := parseIndex(r); !valid {
			return he, false
		}
		he.rc = r
	}
	// RFC 4458 3: cause as a parameter of the target URI.
	_, uparams, _ := strings.Cut(uri, ";")
	if n, err := strconv.Atoi(headerParams(uparams)["cause"]); err == nil && n >= 300 && n <= 699 {
		he.cause = n
	}
	// RFC 7044 9.4: the Reason header escaped in the URI.
	for _, kv := range strings.Split(hdrs, "&") {
		k, val, _ := strings.Cut(kv, "=")
		if !strings.EqualFold(k, "Reason") {
			continue
		}
		dec, err := url.PathUnescape(val)
		if err != nil {
			continue
		}
		proto, rest, _ := strings.Cut(dec, ";")
		if !strings.EqualFold(strings.TrimSpace(proto), "SIP") {
			continue
		}
		if n, err := strconv.Atoi(headerParams(rest)["cause"]); err == nil && n >= 300 && n <= 699 {
			he.reason = n
		}
	}
	return he, true
}

func parseIndex(s string) ([]int, bool) {
	if s == "" || len(s) > 64 {
		return nil, false
	}
	var out []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 9999 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func joinIndex(idx []int) string {
	var b strings.Builder
	for i, n := range idx {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

func lessIndex(a, b []int) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// cleanDiversion validates a Diversion given by the caller for sending and
// fills in its URI (sip:Number@domain when empty).
func cleanDiversion(d Diversion, domain string) (Diversion, error) {
	d.Number = guard.SanitizeUser(d.Number)
	d.Name = cleanName(d.Name)
	if d.URI == "" {
		if d.Number == "" {
			return d, fmt.Errorf("diversion without number or URI")
		}
		d.URI = "sip:" + d.Number + "@" + domain
	}
	if !validPartyURI(d.URI) {
		return d, fmt.Errorf("diversion URI %q is not a sip, sips or tel URI", d.URI)
	}
	if d.Number == "" {
		d.Number = uriNumber(d.URI)
	}
	if d.Reason == "" {
		d.Reason = "unknown"
		if d.Cause != 0 {
			d.Reason = reasonForCause(d.Cause)
		}
	}
	if sanitizeToken(d.Reason) == "" {
		return d, fmt.Errorf("diversion reason %q is not a token", d.Reason)
	}
	d.Counter = min(max(d.Counter, 1), 99)
	if d.Cause < 300 || d.Cause > 699 {
		d.Cause = causeForReason(d.Reason)
	}
	return d, nil
}

func quoteName(n string) string {
	if n = guard.SanitizeDisplayName(n); n == "" {
		return ""
	}
	return `"` + n + `" `
}

// cleanName is a display name without control or format characters, as
// plain text (guard.SanitizeDisplayName without its quoting).
func cleanName(n string) string {
	n = guard.SanitizeDisplayName(n)
	return strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(n)
}

// stripParam removes the URI parameter name from uri.
func stripParam(uri, name string) string {
	base, params, ok := strings.Cut(uri, ";")
	if !ok {
		return uri
	}
	var keep []string
	for _, p := range strings.Split(params, ";") {
		k, _, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), name) {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return base
	}
	return base + ";" + strings.Join(keep, ";")
}

// formatDiversion is one Diversion header value (RFC 5806 3) for d,
// which cleanDiversion has checked.
func formatDiversion(d Diversion) string {
	return fmt.Sprintf("%s<%s>;reason=%s;counter=%d", quoteName(d.Name), d.URI, d.Reason, d.Counter)
}

// formatHistoryInfo builds the History-Info entries (RFC 7044) for the
// diversions ds (most recent first, cleaned) ending at target: the first
// diverting party has index 1, each later party and finally the target
// are mapped (mp) from the one before, carry the RFC 4458 cause in their
// URI and the parent carries the Reason escaped in its URI (9.4).
func formatHistoryInfo(ds []Diversion, target string) string {
	var entries []string
	idx := "1"
	parent := ""
	for i := len(ds) - 1; i >= -1; i-- {
		var uri, name string
		cause := 0
		if i >= 0 {
			uri, name = ds[i].URI, ds[i].Name
		} else {
			uri = target
		}
		if i+1 < len(ds) {
			cause = ds[i+1].Cause // the diversion that led here
		}
		if cause != 0 && !strings.HasPrefix(strings.ToLower(uri), "tel:") {
			uri += ";cause=" + strconv.Itoa(cause)
		}
		if i >= 0 {
			uri += "?Reason=SIP%3Bcause%3D" + strconv.Itoa(ds[i].Cause)
		}
		e := fmt.Sprintf("%s<%s>;index=%s", quoteName(name), uri, idx)
		if parent != "" {
			e += ";mp=" + parent
		}
		entries = append(entries, e)
		parent = idx
		idx += ".1"
	}
	return strings.Join(entries, ",")
}

// diversionHeaders are the headers that carry ds (cleaned, most recent
// first) on a request to target in format f.
func diversionHeaders(ds []Diversion, f DiversionFormat, target string) []sipgo_sip.Header {
	if len(ds) == 0 {
		return nil
	}
	if f == 0 {
		f = DiversionHeader
	}
	var hdrs []sipgo_sip.Header
	if f&DiversionHeader != 0 {
		vals := make([]string, len(ds))
		for i, d := range ds {
			vals[i] = formatDiversion(d)
		}
		hdrs = append(hdrs, sipgo_sip.NewHeader("Diversion", strings.Join(vals, ",")))
	}
	if f&HistoryInfoHeader != 0 {
		hdrs = append(hdrs, sipgo_sip.NewHeader("History-Info", formatHistoryInfo(ds, target)))
	}
	return hdrs
}

// dialDiversions checks DialWith's diversions and returns the headers of
// the INVITE to recipient; they are kept for redirected INVITEs.
func (c *Call) dialDiversions(recipient sipgo_sip.Uri) ([]sipgo_sip.Header, error) {
	o := c.presented
	if o == nil || len(o.Diversions) == 0 {
		return nil, nil
	}
	if len(o.Diversions) > maxDiversions {
		return nil, fmt.Errorf("more than %d diversions", maxDiversions)
	}
	if o.DiversionFormat&^(DiversionHeader|HistoryInfoHeader) != 0 {
		return nil, fmt.Errorf("diversion format %d unknown", o.DiversionFormat)
	}
	ds := make([]Diversion, 0, len(o.Diversions))
	for _, d := range o.Diversions {
		cd, err := cleanDiversion(d, c.divDomain())
		if err != nil {
			return nil, err
		}
		ds = append(ds, cd)
	}
	c.redirects.sent = ds
	c.redirects.format = o.DiversionFormat
	target := *recipient.Clone()
	target.Headers = nil
	return diversionHeaders(ds, o.DiversionFormat, target.String()), nil
}

// divDomain is the host of the URIs we build for numbers.
func (c *Call) divDomain() string {
	if c.acc.Domain != "" {
		return c.acc.Domain
	}
	return c.ua.uriHost()
}
