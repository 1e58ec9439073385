// Package archtest keeps the import rules of ARCHITECTURE.md true: it lists
// every package's dependencies with `go list -deps` and fails on an import
// the design forbids.
package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Deps       []string
	Imports    []string
	Standard   bool
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json", "tipring/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.ImportPath, "tipring/") || p.ImportPath == "tipring" {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) < 10 {
		t.Fatalf("only %d tipring packages listed", len(pkgs))
	}
	return pkgs
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// rule says which packages a group may depend on (transitively). A
// dependency is allowed when it is in the standard library or matches one of
// allowed (a prefix of import paths).
type rule struct {
	group   string
	allowed []string
	denied  []string // checked even when a broader allowed entry would match
}

var rules = []rule{
	// dsp may use golang.org/x/sys/cpu, and only it, to pick SIMD kernels.
	{group: "tipring/dsp", allowed: []string{"tipring/dsp", "golang.org/x/sys/cpu"}},
	{group: "tipring/hal", allowed: []string{"tipring/hal", "tipring/dsp", "golang.org/x/sys"}},
	{group: "tipring/telephony", allowed: []string{"tipring/hal", "tipring/dsp", "tipring/telephony", "golang.org/x/sys/cpu"}},
	{group: "tipring/sip", allowed: []string{"tipring/sip", "tipring/dsp/g711", "github.com/emiago/sipgo", "github.com/pion/",
		"github.com/google/uuid", "github.com/icholy/digest", "github.com/gobwas/", "golang.org/x/", "github.com/miekg/dns"},
		denied: []string{"tipring/telephony", "tipring/gateway", "tipring/hal"}},
	{group: "tipring/mgmt", allowed: []string{"tipring/mgmt", "tipring/gateway", "tipring/hal", "tipring/dsp", "tipring/sip", "tipring/telephony",
		"go.yaml.in/", "modernc.org/", "github.com/", "golang.org/x/", "google.golang.org/protobuf", "go.yaml.in"}},
}

func allowed(dep string, r rule) bool {
	for _, d := range r.denied {
		if under(dep, d) || strings.HasPrefix(dep, d) {
			return false
		}
	}
	for _, a := range r.allowed {
		if under(dep, a) || (strings.HasSuffix(a, "/") && strings.HasPrefix(dep, a)) {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	std := map[string]bool{}
	out, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range strings.Fields(string(out)) {
		std[p] = true
	}
	checked := 0
	for _, p := range pkgs {
		for _, r := range rules {
			if !under(p.ImportPath, r.group) {
				continue
			}
			// hal/dahdi and hal/sim are backends; the contract itself and
			// the conformance suite stay on the standard library.
			if p.ImportPath == "tipring/hal" || under(p.ImportPath, "tipring/hal/haltest") {
				for _, d := range p.Deps {
					if !std[d] && !strings.HasPrefix(d, "vendor/") && !under(d, "tipring/hal") {
						t.Errorf("%s imports %s: the hardware contract uses only the standard library", p.ImportPath, d)
					}
				}
			}
			checked++
			for _, d := range p.Deps {
				if std[d] || strings.HasPrefix(d, "vendor/") || strings.HasPrefix(d, "internal/") {
					continue
				}
				// sip/siptest is test instrumentation: its media pump
				// synthesises and measures tones with dsp/measure.
				if under(p.ImportPath, "tipring/sip/siptest") && d == "tipring/dsp/measure" {
					continue
				}
				if !allowed(d, r) {
					t.Errorf("%s depends on %s: not allowed for %s (ARCHITECTURE.md)", p.ImportPath, d, r.group)
				}
			}
		}
		// Nothing but the composition root and the daemon may import gateway
		// internals or cmd.
		for _, d := range p.Imports {
			if under(d, "tipring/cmd") {
				t.Errorf("%s imports %s: nothing imports a command", p.ImportPath, d)
			}
		}
	}
	if checked < 8 {
		t.Fatalf("rules matched only %d packages", checked)
	}
}

// TestDSPIsPure checks the dsp rule strictly: the standard library only, and
// no packages that bring goroutines, clocks or logging into signal code.
func TestDSPIsPure(t *testing.T) {
	// time is allowed: configuration structs carry durations.
	forbidden := []string{"log", "log/slog", "net", "net/http", "os", "sync"}
	for _, p := range listPackages(t) {
		// dsp/internal holds test material (the talk-off corpus loader), not
		// signal processing.
		if !under(p.ImportPath, "tipring/dsp") || under(p.ImportPath, "tipring/dsp/internal") {
			continue
		}
		for _, imp := range p.Imports {
			for _, f := range forbidden {
				if imp == f {
					t.Errorf("%s imports %s: dsp code must not log, do I/O or synchronise", p.ImportPath, imp)
				}
			}
		}
	}
}
