package gateway

import (
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"tipring/hal/sim"
)

// memSettings is a SettingsStore in memory.
type memSettings struct {
	mu    sync.Mutex
	m     map[string]PortSettings
	saves int
	fail  error
}

func (s *memSettings) LoadPortSettings() (map[string]PortSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	return maps.Clone(s.m), nil
}

func (s *memSettings) SavePortSettings(port string, ps PortSettings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]PortSettings{}
	}
	s.m[port] = ps
	s.saves++
	return nil
}

// TestStarCodeSettingsSurviveRestart: forwarding set with *72 on phone 2
// and do not disturb set with *78 on phone 4 are handed to the settings
// store; a gateway started afresh on the same store forwards phone 2's
// calls to phone 3 and answers calls to phone 4 busy, although its
// configuration says neither. *73 and *79 are stored too.
func TestStarCodeSettingsSurviveRestart(t *testing.T) {
	store := &memSettings{}
	withStore := func(o *Options) { o.Settings = store }
	r := newRigAt(t, "us", sim.Config{}, Config{}, nil, withStore)
	r.featureCode(t, r.phone(t, 2), "2002", "*722003")
	r.featureCode(t, r.phone(t, 4), "2004", "*78")
	want := map[string]PortSettings{"FXS/1/2": {ForwardAlways: "2003"}, "FXS/1/4": {DND: true}}
	if got, _ := store.LoadPortSettings(); !maps.Equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	if got := r.gw.PortSettings(); got["FXS/1/2"] != want["FXS/1/2"] || got["FXS/1/4"] != want["FXS/1/4"] {
		t.Errorf("PortSettings() = %v", got)
	}

	r2 := newRigAt(t, "us", sim.Config{}, Config{}, nil, withStore)
	p1, p2, p3, p4 := r2.phone(t, 1), r2.phone(t, 2), r2.phone(t, 3), r2.phone(t, 4)
	p1.OffHook()
	r2.board.Sleep(300 * time.Millisecond)
	p1.Dial("2002")
	r2.waitFor(t, "phone 3 rings for 2002", 5*time.Second, p3.Ringing)
	if p2.Rings() != 0 {
		t.Errorf("forwarding phone rang %d times after the restart", p2.Rings())
	}
	p1.OnHook()
	r2.board.Sleep(time.Second)
	r2.callBusy(t, 1, "2004")
	if p4.Rings() != 0 {
		t.Errorf("phone 4 rang under stored do not disturb")
	}
	r2.board.Sleep(time.Second)
	r2.featureCode(t, p2, "2002", "*73")
	r2.featureCode(t, p4, "2004", "*79")
	if got, _ := store.LoadPortSettings(); got["FXS/1/2"] != (PortSettings{}) || got["FXS/1/4"] != (PortSettings{}) {
		t.Errorf("after *73 and *79 stored %v", got)
	}
}

// TestBrokenSettingsStore: a store that cannot be read stops the gateway
// from starting with a clear error rather than silently losing settings.
func TestBrokenSettingsStore(t *testing.T) {
	b, err := sim.New(sim.Config{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fail := errors.New("disk on fire")
	_, err = New(Options{Board: b, Config: Config{Zone: "us", Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}}},
		Settings: &memSettings{fail: fail}})
	if !errors.Is(err, fail) || err.Error() != "gateway: port settings: disk on fire" {
		t.Fatalf("New with a broken store: %v", err)
	}
}
