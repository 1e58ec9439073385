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

// TestTalkOffCorpusLearnt runs the talk-off corpus through detectors with
// learnt PBX tones in no table (a single 480 Hz at 300/200 ms, beside us
// ringback 440+480 Hz; a 400+450 Hz pair at 400/350/225/525 ms): none may
// be reported.
func TestTalkOffCorpusLearnt(t *testing.T) {
	if testing.Short() {
		t.Skip("talk-off corpus skipped in -short mode")
	}
	clips, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ zone, sig string }{
		{"us", "busy 480 Hz 300/200 ms"},
		{"uk", "congestion 400+450 Hz 400/350/225/525 ms"},
	} {
		z, _ := tone.LookupZone(c.zone)
		d, _ := NewDetector(z, Config{})
		s, err := ParseSignature(c.sig)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.AddSignature(s); err != nil {
			t.Fatal(err)
		}
		for _, clip := range clips {
			d.Reset()
			for _, r := range classify(d, clip.Samples) {
				if r.Kind == Learned {
					t.Errorf("%s with %q, %s %q: %v", c.zone, c.sig, clip.Kind, clip.Name, r)
				}
			}
		}
	}
}
