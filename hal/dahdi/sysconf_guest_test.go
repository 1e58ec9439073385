//go:build linux

package dahdi

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPlanRecreatesGuestConfig: the configuration Plan derives from a scan
// of the guest is the one scripts/dahdi-vm/guest-init.sh applied, line for
// line, and dahdi_cfg applies it again to the same result.
func TestPlanRecreatesGuestConfig(t *testing.T) {
	guestBoard(t).Close()
	before, err := Scan("")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Plan(before, PlanOptions{Zone: "us", EchoCanceller: "mg2"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []struct {
		name  string
		write func(*os.File) error
	}{
		{"dynamic.conf", func(w *os.File) error { return c.WriteDynamic(w) }},
		{"system.conf", func(w *os.File) error { return c.WriteSystem(w) }},
	} {
		w, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.write(w); err != nil {
			t.Fatal(err)
		}
		w.Close()
		got, _ := os.ReadFile(filepath.Join(dir, f.name))
		want, err := os.ReadFile(filepath.Join("/etc/dahdi", f.name))
		if err != nil {
			t.Fatal(err)
		}
		if settings(string(got)) != settings(string(want)) {
			t.Errorf("%s from the scan:\n%s\nguest's:\n%s", f.name, got, want)
		}
	}
	out, err := exec.Command("dahdi_cfg", "-c", filepath.Join(dir, "system.conf")).CombinedOutput()
	if err != nil {
		t.Fatalf("dahdi_cfg: %v\n%s", err, out)
	}
	after, err := Scan("")
	if err != nil {
		t.Fatal(err)
	}
	for i := range before.Spans {
		for j := range before.Spans[i].Channels {
			before.Spans[i].Channels[j].OffHook = false
			after.Spans[i].Channels[j].OffHook = false
		}
	}
	if !reflect.DeepEqual(before.Spans, after.Spans) {
		t.Errorf("spans after dahdi_cfg:\n%+v\nbefore:\n%+v", after.Spans, before.Spans)
	}
}
