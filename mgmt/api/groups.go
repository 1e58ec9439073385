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
	if gl, ok := gwAs[GroupLister](s, w, "this gateway has no hunt groups view"); ok {
		writeJSON(w, http.StatusOK, nonNil(gl.Groups()))
	}
}
