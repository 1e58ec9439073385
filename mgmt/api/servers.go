package api

import (
	"net/http"
	"time"
)

// Server is the reachability of one SIP registrar, proxy or trunk peer, as
// the gateway's OPTIONS keepalive (RFC 3261 11) sees it.
type Server struct {
	URI       string    `json:"uri"`
	Accounts  []string  `json:"accounts"`
	Up        bool      `json:"up"`
	Since     time.Time `json:"since,omitzero"`
	LastCode  int       `json:"last_code,omitempty"`
	LastError string    `json:"last_error,omitempty"`
}

// ServerLister is the optional capability of a Gateway to show its SIP
// servers; GET /api/v1/servers answers 404 when the Gateway lacks it.
type ServerLister interface {
	Servers() []Server
}

func (s *server) servers(w http.ResponseWriter, r *http.Request) {
	if sl, ok := gwAs[ServerLister](s, w, "this gateway has no SIP servers view"); ok {
		writeJSON(w, http.StatusOK, nonNil(sl.Servers()))
	}
}
