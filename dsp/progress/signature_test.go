package progress

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"tipring/dsp/tone"
)

func TestSignatureText(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Millisecond)
		}
		return out
	}
	for _, c := range []struct {
		in, out string
		want    Signature
	}{
		{"busy 480 Hz 300/200 ms", "", Signature{Signal: tone.Busy, Freqs: []float64{480}, Cadence: ms(300, 200), Levels: []float64{0, 0}}},
		{"Busy 480Hz 300/200ms", "busy 480 Hz 300/200 ms", Signature{Signal: tone.Busy, Freqs: []float64{480}, Cadence: ms(300, 200), Levels: []float64{0, 0}}},
		{"reorder  350+440 hz 250/250 MS", "congestion 350+440 Hz 250/250 ms", Signature{Signal: tone.Congestion, Freqs: []float64{350, 440}, Cadence: ms(250, 250), Levels: []float64{0, 0}}},
		{"congestion 412.5 Hz 200/200/200/600 ms 0/-10 dB", "", Signature{Signal: tone.Congestion, Freqs: []float64{412.5}, Cadence: ms(200, 200, 200, 600), Levels: []float64{0, 0, -10, 0}}},
		{"busy 425 Hz 500/500 ms 0 dB", "busy 425 Hz 500/500 ms", Signature{Signal: tone.Busy, Freqs: []float64{425}, Cadence: ms(500, 500), Levels: []float64{0, 0}}},
	} {
		s, err := ParseSignature(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(s, c.want) {
			t.Errorf("%q: %+v, want %+v", c.in, s, c.want)
		}
		out := c.out
		if out == "" {
			out = c.in
		}
		if got := s.String(); got != out {
			t.Errorf("%q prints as %q, want %q", c.in, got, out)
		}
	}
}

// TestSignatureLearnRoundTrip: what Learn finds prints in the text form
// and reads back to a signature the detector takes.
func TestSignatureLearnRoundTrip(t *testing.T) {
	pbx := tone.Tone{Loop: []tone.Segment{
		{Components: []tone.Component{{Freq: 480, LevelDBm0: -15}}, Dur: 300 * time.Millisecond},
		{Dur: 200 * time.Millisecond},
	}}
	sig, err := Learn(render(pbx, 300*time.Millisecond, 5*time.Second), tone.Busy)
	if err != nil {
		t.Fatal(err)
	}
	text := sig.String()
	if !strings.HasPrefix(text, "busy 48") || !strings.HasSuffix(text, " ms") {
		t.Fatalf("learnt %q", text)
	}
	back, err := ParseSignature(text)
	if err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	if back.String() != text {
		t.Errorf("%q reads back as %q", text, back.String())
	}
	z, _ := tone.LookupZone("us")
	d, _ := NewDetector(z, Config{})
	if err := d.AddSignature(back); err != nil {
		t.Fatal(err)
	}
	res := classify(d, render(pbx, 0, 3*time.Second))
	if len(res) != 1 || res[0].Kind != Learned || res[0].Signal != tone.Busy {
		t.Fatalf("parsed signature %q: %v", text, res)
	}
}

func TestSignatureSyntaxErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"busy",
		"ringback 480 Hz 300/200 ms",
		"busy 480 300/200 ms",
		"busy 480 Hz 300/200",
		"busy 480 ms 300/200 Hz",
		"busy 100 Hz 300/200 ms",
		"busy 4000 Hz 300/200 ms",
		"busy 480+485 Hz 300/200 ms",
		"busy 400+500+600+700 Hz 300/200 ms",
		"busy 480 Hz 300 ms",
		"busy 480 Hz 300/200/100 ms",
		"busy 480 Hz 10/200 ms",
		"busy 480 Hz 300/20000 ms",
		"busy 480 Hz 300/x ms",
		"busy 480 Hz 300/-200 ms",
		"busy NaN Hz 300/200 ms",
		"busy 480 Hz 300/200 ms 0/-3 dB",
		"busy 480 Hz 300/200 ms -99 dB",
		"busy 480 Hz 300/200 ms 0 dB extra",
		"busy 480 Hz 1/2/3/4/5/6/7/8/9/10 ms",
	} {
		_, err := ParseSignature(in)
		if err == nil {
			t.Errorf("%q: no error", in)
			continue
		}
		if !errors.Is(err, ErrSignatureSyntax) || !strings.Contains(err.Error(), "progress: tone signature") {
			t.Errorf("%q: error %v does not say where it comes from", in, err)
		}
	}
}

func FuzzParseSignature(f *testing.F) {
	for _, s := range []string{"busy 480 Hz 300/200 ms", "congestion 350+440Hz 250/250ms",
		"busy 425 Hz 200/200/200/600 ms 0/-10 dB", "reorder 1e3 Hz 1e2/1e2 ms"} {
		f.Add(s)
	}
	z, _ := tone.LookupZone("de")
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSignature(in)
		if err != nil {
			return
		}
		// What parses prints in the canonical form and reads back the
		// same.
		text := s.String()
		back, err := ParseSignature(text)
		if err != nil {
			t.Fatalf("%q prints as %q, which does not parse: %v", in, text, err)
		}
		if back.String() != text {
			t.Fatalf("%q: %q reads back as %q", in, text, back.String())
		}
		d, err := NewDetector(z, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.AddSignature(s); err != nil {
			t.Fatalf("%q parses but the detector refuses it: %v", in, err)
		}
	})
}
