package fax

import (
	"testing"

	"tipring/dsp/internal/corpus"
)

// TestT30TalkOffCorpus runs the talk-off corpus (over an hour of speech in
// many languages and voices, and synthetic music) through the detector:
// no tone may be reported.
func TestT30TalkOffCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("talk-off corpus skipped in -short mode")
	}
	clips, err := corpus.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := NewDetector(Config{})
	for _, c := range clips {
		d.Reset()
		for _, ev := range detectWith(d, c.Samples) {
			t.Errorf("%s %q: %+v", c.Kind, c.Name, ev)
		}
	}
	t.Logf("%v of speech and music", corpus.Duration(clips))
}

func detectWith(d *Detector, x []int16) []Event {
	var evs []Event
	for i := 0; i < len(x); i += 160 {
		if ev, ok := d.Process(x[i:min(i+160, len(x))]); ok {
			evs = append(evs, ev)
		}
	}
	return evs
}
