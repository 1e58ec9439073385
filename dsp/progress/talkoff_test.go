package progress

import (
	"testing"

	"tipring/dsp/internal/corpus"
	"tipring/dsp/tone"
)

// TestTalkOffCorpusNeverBusy runs the talk-off corpus (over an hour of
// speech and music) through the detector of every zone: none may report
// busy or congestion.
func TestTalkOffCorpusNeverBusy(t *testing.T) {
	if testing.Short() {
		t.Skip("talk-off corpus skipped in -short mode")
	}
	clips, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, zn := range tone.Zones() {
		z, _ := tone.LookupZone(zn)
		d, _ := NewDetector(z, Config{})
		for _, c := range clips {
			d.Reset()
			for _, r := range classify(d, c.Samples) {
				if r.Kind == Zone && (r.Signal == tone.Busy || r.Signal == tone.Congestion) {
					t.Errorf("zone %s, %s %q: %v", zn, c.Kind, c.Name, r)
				}
			}
		}
	}
}
