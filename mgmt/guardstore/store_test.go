package guardstore

import (
	"bytes"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"tipring/sip/guard"
)

func prefixes(t *testing.T, s ...string) []netip.Prefix {
	t.Helper()
	l, err := guard.ParsePrefixes(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// configGuard is a guard as the daemon builds it from a configuration with
// allow list 10.0.0.0/8 and deny list 192.0.2.66.
func configGuard(t *testing.T) *guard.Guard {
	t.Helper()
	g, err := guard.New(guard.Config{BlockFor: time.Minute,
		Allow: prefixes(t, "10.0.0.0/8"), Deny: prefixes(t, "192.0.2.66")})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func open(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(path, configGuard(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func strs(l []netip.Prefix) []string {
	out := make([]string, len(l))
	for i, p := range l {
		out[i] = p.String()
	}
	return out
}

// TestEditsSurviveReopen: list edits and a manual block made through the
// store are in force after the store is opened again on a fresh guard built
// from the same configuration; configuration entries stay even when an edit
// omits them, and are told apart from the API's.
func TestEditsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := open(t, path)
	s.SetAllowList(prefixes(t, "127.0.0.0/8", "::1", "10.0.0.0/8"))
	s.SetDenyList(prefixes(t, "198.51.100.7/24")) // omits the configuration's 192.0.2.66
	s.Block(netip.MustParseAddr("203.0.113.9"), 10*time.Minute, "svcrack")
	if err := s.SaveErr(); err != nil {
		t.Fatal(err)
	}
	want := func(s *Store) {
		t.Helper()
		if got := strs(s.AllowList()); !slices.Equal(got, []string{"10.0.0.0/8", "127.0.0.0/8", "::1/128"}) {
			t.Errorf("allow list %v", got)
		}
		if got := strs(s.DenyList()); !slices.Equal(got, []string{"192.0.2.66/32", "198.51.100.0/24"}) {
			t.Errorf("deny list %v", got)
		}
		if got := strs(s.ConfigAllowList()); !slices.Equal(got, []string{"10.0.0.0/8"}) {
			t.Errorf("config allow list %v", got)
		}
		if got := strs(s.ConfigDenyList()); !slices.Equal(got, []string{"192.0.2.66/32"}) {
			t.Errorf("config deny list %v", got)
		}
		b := s.Blocked()
		if len(b) != 1 || b[0].Addr.String() != "203.0.113.9" || b[0].Reason != "svcrack" || !b[0].Manual ||
			time.Until(b[0].Until) < 9*time.Minute || time.Until(b[0].Until) > 10*time.Minute {
			t.Errorf("blocked %+v", b)
		}
	}
	want(s)
	s2 := open(t, path)
	want(s2)
	// The guard itself enforces the restored lists.
	if d := s2.Guard().Admit(netip.MustParseAddrPort("198.51.100.20:5060"), "INVITE", 100, 5); d.Admit {
		t.Error("restored deny entry not enforced")
	}
	if !s2.Unblock(netip.MustParseAddr("203.0.113.9")) {
		t.Fatal("unblock")
	}
	s2.SetAllowList(nil)
	if got := strs(open(t, path).AllowList()); !slices.Equal(got, []string{"10.0.0.0/8"}) {
		t.Errorf("allow list after clearing the API's entries: %v", got)
	}
	if b := open(t, path).Blocked(); len(b) != 0 {
		t.Errorf("unblocked source blocked again after reopen: %+v", b)
	}
}

// TestUnblockUnknown: unblocking a source that is not blocked reports so
// and writes nothing.
func TestUnblockUnknown(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	if open(t, path).Unblock(netip.MustParseAddr("203.0.113.9")) {
		t.Error("Unblock of a source not blocked reported true")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("store written for a no-op: %v", err)
	}
}

// TestExpiredBlockNotRestored: a stored block whose time has passed is
// dropped at start.
func TestExpiredBlockNotRestored(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	data := `{"version":1,"allow":[],"deny":[],"blocks":[{"addr":"203.0.113.9","until":"2001-01-01T00:00:00Z","reason":"old"}]}`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if b := open(t, path).Blocked(); len(b) != 0 {
		t.Errorf("expired block restored: %+v", b)
	}
}

// TestCorruptStore: a damaged file gives an error naming the file and the
// fault, is moved aside for the operator, and the store carries on with the
// configuration's lists and saves the next edit to a fresh file.
func TestCorruptStore(t *testing.T) {
	for name, data := range map[string]string{
		"truncated":   `{"version":1,"allow":["127.0.0.0/8"`,
		"bad prefix":  `{"version":1,"allow":["127.0.0.300/8"]}`,
		"bad block":   `{"version":1,"blocks":[{"addr":"x"}]}`,
		"new version": `{"version":7}`,
		"binary":      "\x00\x01\x02",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, configGuard(t), nil)
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "guardstore") {
				t.Fatalf("Open: %v, want an error naming %s", err, path)
			}
			if s == nil {
				t.Fatal("no store with the configuration's lists")
			}
			if got := strs(s.AllowList()); !slices.Equal(got, []string{"10.0.0.0/8"}) {
				t.Errorf("allow list %v, want the configuration's", got)
			}
			if kept, err := os.ReadFile(path + ".corrupt"); err != nil || string(kept) != data {
				t.Errorf("damaged file not kept aside: %q, %v", kept, err)
			}
			s.SetAllowList(prefixes(t, "127.0.0.1"))
			if got := strs(open(t, path).AllowList()); !slices.Equal(got, []string{"10.0.0.0/8", "127.0.0.1/32"}) {
				t.Errorf("after a fresh save: %v", got)
			}
		})
	}
}

// TestSaveFailureReported: an edit that cannot be saved stays in force, is
// logged and reported by SaveErr.
func TestSaveFailureReported(t *testing.T) {
	var logs bytes.Buffer
	path := filepath.Join(t.TempDir(), "missing-dir", FileName)
	s, err := Open(path, configGuard(t), slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.SetDenyList(prefixes(t, "198.51.100.7"))
	if s.SaveErr() == nil {
		t.Fatal("SaveErr nil after a failed save")
	}
	if !strings.Contains(logs.String(), "save failed") {
		t.Errorf("no log: %s", logs.String())
	}
	if got := strs(s.DenyList()); !slices.Equal(got, []string{"192.0.2.66/32", "198.51.100.7/32"}) {
		t.Errorf("deny list %v", got)
	}
}

// FuzzParse: any file content parses or gives an error, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"version":1,"allow":["127.0.0.0/8"],"deny":["::1"],"blocks":[{"addr":"192.0.2.1","until":"2030-01-01T00:00:00Z","reason":"x"}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := parse(data)
		if err == nil && l == nil {
			t.Fatal("nil result without error")
		}
	})
}
