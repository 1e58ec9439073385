package api

import (
	"fmt"
	"net/http"
	"net/netip"
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
}

func (s *server) routeSecurity(m *http.ServeMux) {
	m.HandleFunc("GET /api/v1/security/blocked", s.secBlocked)
	m.HandleFunc("POST /api/v1/security/blocked", s.secBlock)
	m.HandleFunc("DELETE /api/v1/security/blocked/{addr}", s.secUnblock)
	m.HandleFunc("GET /api/v1/security/allow", s.secList(Security.AllowList))
	m.HandleFunc("PUT /api/v1/security/allow", s.secSetList(Security.SetAllowList, Security.AllowList))
	m.HandleFunc("GET /api/v1/security/deny", s.secList(Security.DenyList))
	m.HandleFunc("PUT /api/v1/security/deny", s.secSetList(Security.SetDenyList, Security.DenyList))
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
	w.WriteHeader(http.StatusNoContent)
}

func prefixStrings(l []netip.Prefix) PrefixList {
	out := PrefixList{Prefixes: make([]string, len(l))}
	for i, p := range l {
		out.Prefixes[i] = p.String()
	}
	return out
}

func (s *server) secList(get func(Security) []netip.Prefix) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g := s.sec(w); g != nil {
			writeJSON(w, http.StatusOK, prefixStrings(get(g)))
		}
	}
}

func (s *server) secSetList(set func(Security, []netip.Prefix), get func(Security) []netip.Prefix) http.HandlerFunc {
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
		writeJSON(w, http.StatusOK, prefixStrings(get(g)))
	}
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
