package api

import (
	"net/http"

	"tipring/gateway"
)

// GroupLister is the optional capability of a Gateway to show its hunt
// groups; GET /api/v1/groups answers 404 when the Gateway lacks it.
type GroupLister interface {
	Groups() []gateway.GroupStatus
}

func (s *server) groups(w http.ResponseWriter, r *http.Request) {
	g := s.gw(w)
	if g == nil {
		return
	}
	gl, ok := g.(GroupLister)
	if !ok {
		writeError(w, http.StatusNotFound, "this gateway has no hunt groups view")
		return
	}
	writeJSON(w, http.StatusOK, nonNil(gl.Groups()))
}
