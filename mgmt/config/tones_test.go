package config

import (
	"errors"
	"strings"
	"testing"
)

// TestDisconnectTones: lines[].disconnect_tones takes tones in the text
// form learning answers; a malformed one is an error naming the line of
// the file, the field with its index and what is wrong.
func TestDisconnectTones(t *testing.T) {
	const head = "lines:\n  - span: 1\n    chan: 5\n    group: pstn\n    destination: \"2001\"\n"
	f, err := Parse([]byte(head+"    disconnect_tones:\n      - busy 480 Hz 300/200 ms\n      - \"congestion 425Hz 200/200/200/600ms 0/-10dB\"\n"), "tipring.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Gateway().Lines[0].DisconnectTones; len(got) != 2 || got[1] != "congestion 425Hz 200/200/200/600ms 0/-10dB" {
		t.Errorf("tones %q", got)
	}
	for _, c := range []struct {
		tones string
		line  int
		field string
		msg   string
	}{
		{"\n      - busy 480 Hz", 7, "lines[0].disconnect_tones[0]", "3 words"},
		{"\n      - busy 480 Hz 300/200 ms\n      - ringback 480 Hz 300/200 ms", 8, "lines[0].disconnect_tones[1]", `signal "ringback" is not busy or congestion`},
		{" [\"busy 48 Hz 300/200 ms\"]", 6, "lines[0].disconnect_tones[0]", "frequency \"48\" is not a number of 150-3400"},
		{" [\"busy 480 Hz 300/200/100 ms\"]", 6, "lines[0].disconnect_tones[0]", "3 cadence steps"},
		{" [\"busy 480 Hz 5/200 ms\"]", 6, "lines[0].disconnect_tones[0]", "cadence step \"5\""},
		{" [\"busy 480 ms 300/200 Hz\"]", 6, "lines[0].disconnect_tones[0]", "units must be Hz, ms and dB"},
		{" [\"busy 480 Hz 300/200 ms 0/0 dB\"]", 6, "lines[0].disconnect_tones[0]", "2 levels for 1 on-steps"},
		{" [a, b, c, d, e, f, g, h, i]", 6, "lines[0].disconnect_tones", "9 tones, at most 8"},
		{" busy 480 Hz 300/200 ms", 6, "lines[0].disconnect_tones", "expected a list"},
	} {
		_, err := Parse([]byte(head+"    disconnect_tones:"+c.tones+"\n"), "tipring.yaml")
		var el *ErrorList
		if !errors.As(err, &el) {
			t.Errorf("%q: error %v", c.tones, err)
			continue
		}
		found := false
		for _, fe := range el.Errors {
			if fe.Field == c.field && strings.Contains(fe.Msg, c.msg) {
				found = true
				if fe.Line != c.line {
					t.Errorf("%q: line %d, want %d (%v)", c.tones, fe.Line, c.line, fe)
				}
			}
		}
		if !found {
			t.Errorf("%q: no error on %s containing %q in:\n%v", c.tones, c.field, c.msg, err)
		}
	}
}
