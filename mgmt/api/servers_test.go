package api_test

import (
	"net/http"
	"strings"
	"testing"

	"tipring/mgmt/api"
	"tipring/mgmt/api/apitest"
)

// TestServers: GET /api/v1/servers shows each probed SIP server with the
// accounts that use it and whether it answers (a gateway without the view:
// TestOptionalCapabilities).
func TestServers(t *testing.T) {
	e := newEnv(t, false)
	e.gw.SetServers([]api.Server{
		{URI: "sip:pbx.example.com", Accounts: []string{"fxs1", "fxs2"}, Up: true, Since: apitest.Started, LastCode: 200},
		{URI: "sip:sbc.carrier.example;transport=tcp", Accounts: []string{"carrier"}, LastError: "timeout"},
	})
	resp, b := e.do(t, "GET", "/api/v1/servers", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	got := decode[[]api.Server](t, b)
	if len(got) != 2 || !got[0].Up || got[0].Accounts[1] != "fxs2" || got[1].Up || got[1].LastError != "timeout" {
		t.Errorf("servers %+v", got)
	}
	if strings.Count(string(b), `"since"`) != 1 {
		t.Errorf("since shown only when known: %s", b)
	}
}
