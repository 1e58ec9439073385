package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"tipring/mgmt/api"
	"tipring/sip/guard"
)

func newSecEnv(t *testing.T) (*env, *guard.Guard) {
	t.Helper()
	g, err := guard.New(guard.Config{BlockFor: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{}
	e.srv = httptest.NewServer(api.NewHandler(api.Options{Security: g}))
	t.Cleanup(e.srv.Close)
	return e, g
}

func TestSecurityBlockUnblock(t *testing.T) {
	e, g := newSecEnv(t)
	resp, b := e.do(t, "POST", "/api/v1/security/blocked", `{"addr":"127.0.0.9","seconds":600,"reason":"svcrack"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("block: %d %s", resp.StatusCode, b)
	}
	if l := g.Blocked(); len(l) != 1 || l[0].Addr.String() != "127.0.0.9" || l[0].Reason != "svcrack" || !l[0].Manual {
		t.Fatalf("guard blocked %+v", l)
	}
	_, b = e.do(t, "GET", "/api/v1/security/blocked", "")
	list := decode[[]guard.Entry](t, b)
	if len(list) != 1 || list[0].Addr.String() != "127.0.0.9" || time.Until(list[0].Until) < 9*time.Minute {
		t.Fatalf("GET blocked %s", b)
	}
	st := decode[guard.Stats](t, mustGet(t, e, "/api/v1/security/stats"))
	if st.BlockedNow != 1 || st.Blocks != 1 {
		t.Errorf("stats %+v", st)
	}
	if resp, b := e.do(t, "DELETE", "/api/v1/security/blocked/127.0.0.9", ""); resp.StatusCode != 204 {
		t.Fatalf("unblock: %d %s", resp.StatusCode, b)
	}
	if len(g.Blocked()) != 0 {
		t.Error("still blocked")
	}
	if resp, b := e.do(t, "DELETE", "/api/v1/security/blocked/127.0.0.9", ""); resp.StatusCode != 404 || !strings.Contains(string(b), `"error"`) {
		t.Errorf("second unblock: %d %s", resp.StatusCode, b)
	}
	for _, body := range []string{`{"addr":"nope"}`, `{"addr":"127.0.0.1","seconds":-1}`, `{`, `{"addr":"127.0.0.1","seconds":1e12}`} {
		if resp, b := e.do(t, "POST", "/api/v1/security/blocked", body); resp.StatusCode != 400 || !strings.Contains(string(b), `"error"`) {
			t.Errorf("POST %s: %d %s", body, resp.StatusCode, b)
		}
	}
	if resp, _ := e.do(t, "DELETE", "/api/v1/security/blocked/not-an-ip", ""); resp.StatusCode != 400 {
		t.Errorf("DELETE bad addr: %d", resp.StatusCode)
	}
}

func mustGet(t *testing.T, e *env, path string) []byte {
	t.Helper()
	resp, b := e.do(t, "GET", path, "")
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

func TestSecurityAllowDenyLists(t *testing.T) {
	e, g := newSecEnv(t)
	for _, kind := range []string{"allow", "deny"} {
		path := "/api/v1/security/" + kind
		resp, b := e.do(t, "PUT", path, `{"prefixes":["127.0.0.7/8","::1"]}`)
		if resp.StatusCode != 200 {
			t.Fatalf("PUT %s: %d %s", kind, resp.StatusCode, b)
		}
		got := decode[api.PrefixList](t, mustGet(t, e, path))
		if strings.Join(got.Prefixes, ",") != "127.0.0.0/8,::1/128" {
			t.Errorf("%s list %v", kind, got.Prefixes)
		}
		if resp, b := e.do(t, "PUT", path, `{"prefixes":["10.0.0.300"]}`); resp.StatusCode != 400 || !strings.Contains(string(b), `"error"`) {
			t.Errorf("PUT bad %s: %d %s", kind, resp.StatusCode, b)
		}
	}
	if len(g.AllowList()) != 2 || len(g.DenyList()) != 2 {
		t.Errorf("guard lists %v %v", g.AllowList(), g.DenyList())
	}
}

func TestSecurityMetricsAndAbsence(t *testing.T) {
	e, g := newSecEnv(t)
	g.Block(mustAddr("127.0.0.5"), time.Minute, "")
	b := mustGet(t, e, "/metrics")
	for _, want := range []string{"tipring_sip_blocked_sources 1", `tipring_sip_dropped_total{reason="blocked"} 0`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	plain := newEnv(t, false)
	if resp, b := plain.do(t, "GET", "/api/v1/security/blocked", ""); resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), `"error"`) {
		t.Errorf("without guard: %d %s", resp.StatusCode, b)
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
