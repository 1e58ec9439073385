package interop

import (
	"os"
	"strings"
	"testing"

	"tipring/mgmt/config"
)

// TestReadmeConfigExamples keeps the README's PBX and ITSP examples in step
// with the configuration schema: each file under testdata/readme must load
// (config.Load rejects unknown keys and bad values) and appear verbatim in a
// yaml block of the README.
func TestReadmeConfigExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"pbx.yaml", "itsp.yaml", "trunk.yaml"} {
		path := "testdata/readme/" + name
		f, err := config.Load(path)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(readme), "```yaml\n"+string(raw)+"```\n") {
			t.Errorf("README.md does not contain %s verbatim in a ```yaml block", path)
		}
		if len(f.Accounts) == 0 || len(f.Routes) == 0 {
			t.Errorf("%s: loaded without accounts or routes", name)
		}
	}
}
