package cdrstore

import (
	"maps"
	"path/filepath"
	"testing"

	"tipring/gateway"
)

// TestPortSettingsPersist: settings saved for ports come back after the
// database is closed and opened again; a second save replaces the first.
func TestPortSettingsPersist(t *testing.T) {
	p := filepath.Join(t.TempDir(), "cdr.db")
	s, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.LoadPortSettings(); err != nil || len(got) != 0 {
		t.Fatalf("fresh store: %v %v", got, err)
	}
	want := map[string]gateway.PortSettings{
		"FXS/1/1": {DND: true},
		"FXS/1/2": {ForwardAlways: "2003", ForwardBusy: "sip:vm@pbx", ForwardNoAnswer: "0'; DROP TABLE cdr; --"},
	}
	if err := s.SavePortSettings("FXS/1/1", gateway.PortSettings{ForwardBusy: "9"}); err != nil {
		t.Fatal(err)
	}
	for port, ps := range want {
		if err := s.SavePortSettings(port, ps); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.LoadPortSettings()
	if err != nil || !maps.Equal(got, want) {
		t.Fatalf("after reopen: %v %v, want %v", got, err, want)
	}
}
