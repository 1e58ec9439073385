package api

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tipring/sip/guard"
)

// Security is the SIP guard as the API edits it; *guard.Guard implements it.
type Security interface {
	Blocked() []guard.Entry
	Block(addr netip.Addr, d time.Duration, reason string)
	Unblock(addr netip.Addr) bool
	AllowList() []netip.Prefix
	DenyList() []netip.Prefix
	SetAllowList([]netip.Prefix)
	SetDenyList([]netip.Prefix)
	Stats() guard.Stats
}

// SecuritySources is implemented by a Security that knows which list
// entries come from the configuration file (the others were set through
// the API); the list routes then say so for each entry.
type SecuritySources interface {
	ConfigAllowList() []netip.Prefix
	ConfigDenyList() []netip.Prefix
}

// SecurityPersister is implemented by a Security that saves the API's
// edits; SaveErr reports whether the last one was saved. A route whose edit
// took effect but was not saved answers 500 saying so.
type SecurityPersister interface {
	SaveErr() error
}

// Sources of a list entry in PrefixList.Entries.
const (
	SourceConfig = "config"
	SourceAPI    = "api"
)

// maxBlockSeconds bounds a manual block (one year).
const maxBlockSeconds = 365 * 24 * 3600

// BlockRequest is the body of POST /api/v1/security/blocked. Seconds 0
// means the configured block_for.
type BlockRequest struct {
	Addr    string  `json:"addr"`
	Seconds float64 `json:"seconds"`
	Reason  string  `json:"reason"`
}

// PrefixList is the body of the allow and deny list routes: prefixes
// ("192.0.2.0/24") or single addresses ("::1").
type PrefixList struct {
	Prefixes []string `json:"prefixes"`
	// Entries repeats Prefixes in answers with where each came from, when
	// the Security implements SecuritySources; ignored in requests.
	Entries []PrefixEntry `json:"entries,omitempty"`
}

// PrefixEntry is one list entry and its source: SourceConfig (only the
// configuration file removes it) or SourceAPI.
type PrefixEntry struct {
	Prefix string `json:"prefix"`
	Source string `json:"source"`
}

func (s *server) routeSecurity(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/security/blocked", s.secBlocked)
	m.HandleFunc("POST /api/v1/security/blocked", s.secBlock)
	m.HandleFunc("DELETE /api/v1/security/blocked/{addr}", s.secUnblock)
	m.HandleFunc("GET /api/v1/security/allow", s.secList(Security.AllowList, SecuritySources.ConfigAllowList))
	m.HandleFunc("PUT /api/v1/security/allow", s.secSetList(Security.SetAllowList, Security.AllowList, SecuritySources.ConfigAllowList))
	m.HandleFunc("GET /api/v1/security/deny", s.secList(Security.DenyList, SecuritySources.ConfigDenyList))
	m.HandleFunc("PUT /api/v1/security/deny", s.secSetList(Security.SetDenyList, Security.DenyList, SecuritySources.ConfigDenyList))
	m.HandleFunc("GET /api/v1/security/stats", s.secStats)
}

func (s *server) sec(w http.ResponseWriter) Security {
	if s.o.Security == nil {
		writeError(w, http.StatusNotFound, "SIP security is not configured")
	}
	return s.o.Security
}

func (s *server) secBlocked(w http.ResponseWriter, r *http.Request) {
	if g := s.sec(w); g != nil {
		writeJSON(w, http.StatusOK, g.Blocked())
	}
}

func (s *server) secBlock(w http.ResponseWriter, r *http.Request) {
	g := s.sec(w)
	if g == nil {
		return
	}
	var req BlockRequest
	if !readJSON(w, r, &req) {
		return
	}
	addr, err := netip.ParseAddr(req.Addr)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("addr %q is not an IP address", req.Addr))
		return
	}
	if !finite(req.Seconds) || req.Seconds < 0 || req.Seconds > maxBlockSeconds {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("seconds must be between 0 and %d", maxBlockSeconds))
		return
	}
	if len(req.Reason) > 200 {
		writeError(w, http.StatusBadRequest, "reason longer than 200 bytes")
		return
	}
	g.Block(addr, time.Duration(req.Seconds*float64(time.Second)), req.Reason)
	s.log.Info("api: source blocked", "addr", addr.String(), "seconds", req.Seconds, "reason", req.Reason)
	if !s.secSaved(w, g) {
		return
	}
	writeJSON(w, http.StatusOK, g.Blocked())
}

func (s *server) secUnblock(w http.ResponseWriter, r *http.Request) {
	g := s.sec(w)
	if g == nil {
		return
	}
	addr, err := netip.ParseAddr(r.PathValue("addr"))
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("%q is not an IP address", r.PathValue("addr")))
		return
	}
	if !g.Unblock(addr) {
		writeError(w, http.StatusNotFound, addr.String()+" is not blocked")
		return
	}
	s.log.Info("api: source unblocked", "addr", addr.String())
	if !s.secSaved(w, g) {
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// prefixList is the answer for the list get returns from g, with sources
// when g implements SecuritySources.
func prefixList(g Security, get func(Security) []netip.Prefix, cfg func(SecuritySources) []netip.Prefix) PrefixList {
	l := get(g)
	out := PrefixList{Prefixes: make([]string, len(l))}
	for i, p := range l {
		out.Prefixes[i] = p.String()
	}
	src, ok := g.(SecuritySources)
	if !ok {
		return out
	}
	fromCfg := cfg(src)
	out.Entries = make([]PrefixEntry, len(l))
	for i, p := range l {
		out.Entries[i] = PrefixEntry{Prefix: p.String(), Source: SourceAPI}
		if slices.Contains(fromCfg, p) {
			out.Entries[i].Source = SourceConfig
		}
	}
	return out
}

func (s *server) secList(get func(Security) []netip.Prefix, cfg func(SecuritySources) []netip.Prefix) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g := s.sec(w); g != nil {
			writeJSON(w, http.StatusOK, prefixList(g, get, cfg))
		}
	}
}

func (s *server) secSetList(set func(Security, []netip.Prefix), get func(Security) []netip.Prefix, cfg func(SecuritySources) []netip.Prefix) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g := s.sec(w)
		if g == nil {
			return
		}
		var req PrefixList
		if !readJSON(w, r, &req) {
			return
		}
		l, err := guard.ParsePrefixes(req.Prefixes)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		set(g, l)
		if !s.secSaved(w, g) {
			return
		}
		writeJSON(w, http.StatusOK, prefixList(g, get, cfg))
	}
}

// secSaved answers 500 when g persists its edits and the last one was not
// saved.
func (s *server) secSaved(w http.ResponseWriter, g Security) bool {
	p, ok := g.(SecurityPersister)
	if !ok {
		return true
	}
	if err := p.SaveErr(); err != nil {
		s.log.Error("api: security edit in force but not saved", "err", err)
		writeError(w, http.StatusInternalServerError, "in force but not saved, lost on restart: "+err.Error())
		return false
	}
	return true
}

func (s *server) secStats(w http.ResponseWriter, r *http.Request) {
	if g := s.sec(w); g != nil {
		writeJSON(w, http.StatusOK, g.Stats())
	}
}

// securityCollector exports the guard's counters at scrape time.
type securityCollector struct {
	g                Security
	blocked, dropped *prometheus.Desc
}

func newSecurityCollector(g Security) *securityCollector {
	return &securityCollector{
		g:       g,
		blocked: prometheus.NewDesc("tipring_sip_blocked_sources", "SIP sources blocked now.", nil, nil),
		dropped: prometheus.NewDesc("tipring_sip_dropped_total", "SIP requests refused or dropped by the guard, by reason.", []string{"reason"}, nil),
	}
}

func (c *securityCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.blocked
	ch <- c.dropped
}

func (c *securityCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.g.Stats()
	ch <- prometheus.MustNewConstMetric(c.blocked, prometheus.GaugeValue, float64(st.BlockedNow))
	for r, n := range st.Dropped {
		ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(n), r)
	}
}
