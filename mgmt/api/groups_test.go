package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"tipring/gateway"
	"tipring/mgmt/api"
	"tipring/mgmt/api/apitest"
)

func TestGroups(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "GET", "/api/v1/groups", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	gs := decode[[]gateway.GroupStatus](t, b)
	if len(gs) != 1 || gs[0].Name != "sales" || gs[0].Strategy != "roundrobin" || len(gs[0].Members) != 2 ||
		gs[0].Members[0].Calls != 3 || !gs[0].Members[0].LastUse.Equal(apitest.Started.Add(60e9)) || !gs[0].Members[1].Free {
		t.Errorf("groups %+v", gs)
	}
	if !strings.Contains(string(b), `"last_use":"2026-01-02T03:05:05Z"`) || strings.Count(string(b), "last_use") != 1 {
		t.Errorf("last_use shown only when set: %s", b)
	}
	e.gw.SetGroups(nil)
	if _, b := e.do(t, "GET", "/api/v1/groups", ""); strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("no groups = %q, want []", b)
	}
	if resp, _ := e.do(t, "POST", "/api/v1/groups", ""); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST answered %d, want 405", resp.StatusCode)
	}
}

// viewOnly is a Gateway with none of the optional capabilities.
type viewOnly struct{ api.Gateway }

// TestOptionalCapabilities: a route whose optional capability the Gateway
// lacks answers 404 saying so, and 503 when there is no Gateway at all.
func TestOptionalCapabilities(t *testing.T) {
	routes := []struct{ method, path, missing string }{
		{"GET", "/api/v1/groups", "no hunt groups view"},
		{"GET", "/api/v1/servers", "no SIP servers view"},
		{"POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", "cannot learn tones"},
	}
	for _, c := range []struct {
		name string
		o    api.Options
	}{
		{"without the capability", api.Options{Gateway: viewOnly{apitest.NewGateway()}}},
		{"without a gateway", api.Options{}},
	} {
		e := &env{srv: httptest.NewServer(api.NewHandler(c.o))}
		for _, r := range routes {
			resp, b := e.do(t, r.method, r.path, "")
			if c.o.Gateway == nil {
				wantError(t, resp, b, http.StatusServiceUnavailable, "not running")
			} else {
				wantError(t, resp, b, http.StatusNotFound, r.missing)
			}
		}
		e.srv.Close()
	}
}
