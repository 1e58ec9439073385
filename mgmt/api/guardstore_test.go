package api_test

import (
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tipring/mgmt/api"
	"tipring/mgmt/guardstore"
	"tipring/sip/guard"
)

// storeEnv serves the API over a guardstore.Store at path whose guard was
// built with the configuration allow list 10.0.0.0/8.
func storeEnv(t *testing.T, path string) *env {
	t.Helper()
	allow, _ := guard.ParsePrefixes([]string{"10.0.0.0/8"})
	g, err := guard.New(guard.Config{BlockFor: time.Minute, Allow: allow})
	if err != nil {
		t.Fatal(err)
	}
	st, err := guardstore.Open(path, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{}
	e.srv = httptest.NewServer(api.NewHandler(api.Options{Security: st}))
	t.Cleanup(e.srv.Close)
	return e
}

// TestSecurityListSourcesPersist: with a persisting Security the list routes
// say which entries come from the configuration and which from the API; a
// PUT that omits a configuration entry keeps it; the API's entries and
// blocks are there again from a new handler over the same file.
func TestSecurityListSourcesPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), guardstore.FileName)
	e := storeEnv(t, path)
	resp, b := e.do(t, "PUT", "/api/v1/security/allow", `{"prefixes":["127.0.0.0/8"]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT allow: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.do(t, "POST", "/api/v1/security/blocked", `{"addr":"192.0.2.9","seconds":600,"reason":"svcrack"}`); resp.StatusCode != 200 {
		t.Fatalf("block: %d %s", resp.StatusCode, b)
	}
	want := []api.PrefixEntry{{Prefix: "10.0.0.0/8", Source: api.SourceConfig}, {Prefix: "127.0.0.0/8", Source: api.SourceAPI}}
	if got := decode[api.PrefixList](t, b); !slices.Equal(got.Entries, want) || strings.Join(got.Prefixes, ",") != "10.0.0.0/8,127.0.0.0/8" {
		t.Errorf("PUT answer %s", b)
	}
	again := storeEnv(t, path) // as after a restart
	if got := decode[api.PrefixList](t, mustGet(t, again, "/api/v1/security/allow")); !slices.Equal(got.Entries, want) {
		t.Errorf("after reopening: %+v, want %+v", got.Entries, want)
	}
	blocked := decode[[]guard.Entry](t, mustGet(t, again, "/api/v1/security/blocked"))
	if len(blocked) != 1 || blocked[0].Addr.String() != "192.0.2.9" || blocked[0].Reason != "svcrack" {
		t.Errorf("blocks after reopening: %+v", blocked)
	}
	if got := decode[api.PrefixList](t, mustGet(t, again, "/api/v1/security/deny")); len(got.Prefixes) != 0 || len(got.Entries) != 0 {
		t.Errorf("deny list %+v", got)
	}
}

// TestSecurityUnsavedEditIs500: an edit in force that could not be saved is
// answered 500 with an error that says so.
func TestSecurityUnsavedEditIs500(t *testing.T) {
	e := storeEnv(t, filepath.Join(t.TempDir(), "no-such-dir", guardstore.FileName))
	resp, b := e.do(t, "PUT", "/api/v1/security/deny", `{"prefixes":["192.0.2.0/24"]}`)
	if resp.StatusCode != 500 || !strings.Contains(string(b), "not saved") {
		t.Errorf("PUT deny with an unwritable store: %d %s", resp.StatusCode, b)
	}
	if got := decode[api.PrefixList](t, mustGet(t, e, "/api/v1/security/deny")); strings.Join(got.Prefixes, ",") != "192.0.2.0/24" {
		t.Errorf("edit not in force: %v", got.Prefixes)
	}
}
