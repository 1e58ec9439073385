package corpus

import (
	"math"
	"slices"
	"testing"
	"time"

	"tipring/dsp/g711"
)

// TestCorpusSize: more than an hour in total, speech and music both
// present, at telephone levels.
func TestCorpusSize(t *testing.T) {
	clips, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var speech, music []Clip
	for _, c := range clips {
		if c.Kind == Music {
			music = append(music, c)
		} else {
			speech = append(speech, c)
		}
		if l := level(c.Samples); l < -40 || l > -8 {
			t.Errorf("%s: level %.1f dBm0", c.Name, l)
		}
	}
	t.Logf("%d clips: speech %v, music %v", len(clips), Duration(speech), Duration(music))
	if d := Duration(clips); d < time.Hour {
		t.Errorf("corpus lasts %v, want at least 1 h", d)
	}
	if Duration(speech) < 45*time.Minute || Duration(music) < 20*time.Minute {
		t.Errorf("speech %v, music %v", Duration(speech), Duration(music))
	}
}

func level(x []int16) float64 {
	var p float64
	for _, v := range x {
		p += float64(v) * float64(v)
	}
	return 10 * math.Log10(p/float64(len(x))/(16077.8*16077.8))
}

// TestUlawDecode checks the private decoder against dsp/g711.
func TestUlawDecode(t *testing.T) {
	for c := range 256 {
		if got, want := ulawDecode(byte(c)), g711.DecodeUlaw(byte(c)); got != want {
			t.Errorf("ulawDecode(%#x) = %d, want %d", c, got, want)
		}
	}
}

// TestMusicDeterministic: the synthetic music is the same on every load,
// so talk-off counts are reproducible.
func TestMusicDeterministic(t *testing.T) {
	a, b := music(), music()
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Samples, b[i].Samples) {
			t.Fatalf("piece %d differs between renderings", i)
		}
	}
}
