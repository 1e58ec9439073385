package progress

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"tipring/dsp/tone"
)

// Limits of a signature's text form (and of what Learn can produce).
const (
	MinSignatureFreq  = 150.0  // Hz
	MaxSignatureFreq  = 3400.0 // Hz
	MaxSignatureComp  = 3      // frequencies
	MinSignatureStep  = minRunMS * time.Millisecond
	MaxSignatureStep  = 10 * time.Second
	MaxSignatureSteps = 8 // cadence steps in a cycle
	maxSignatureRelDB = 40.0
)

// String is the signature's text form, which ParseSignature reads back:
//
//	SIGNAL FREQ[+FREQ...] Hz ON/OFF[/ON/OFF...] ms [LEVEL/LEVEL... dB]
//
// for example "busy 480 Hz 300/200 ms" or "congestion 425 Hz
// 200/200/200/600 ms 0/-10 dB". Frequencies are printed to 0.1 Hz,
// durations to the millisecond and the on-steps' relative levels to the
// dB, left out when they all round to 0.
func (s Signature) String() string {
	var b strings.Builder
	b.WriteString(s.Signal.String())
	b.WriteByte(' ')
	for i, f := range s.Freqs {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64))
	}
	b.WriteString(" Hz ")
	for i, d := range s.Cadence {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(strconv.FormatInt(d.Round(time.Millisecond).Milliseconds(), 10))
	}
	b.WriteString(" ms")
	var lv []string
	flat := true
	for i := 0; i < len(s.Cadence); i += 2 {
		l := 0.0
		if i < len(s.Levels) {
			l = math.Round(s.Levels[i])
		}
		if l == 0 {
			l = 0 // no "-0"
		}
		flat = flat && l == 0
		lv = append(lv, strconv.FormatFloat(l, 'f', -1, 64))
	}
	if !flat {
		b.WriteByte(' ')
		b.WriteString(strings.Join(lv, "/"))
		b.WriteString(" dB")
	}
	return b.String()
}

// signatureSignals are the signals a signature may be given as: the tones
// that mean the far end has gone.
var signatureSignals = map[string]tone.Signal{
	"busy": tone.Busy, "congestion": tone.Congestion, "reorder": tone.Congestion,
}

// ParseSignatureSignal reads the meaning of a signature: "busy" or
// "congestion" ("reorder" is congestion).
func ParseSignatureSignal(s string) (tone.Signal, error) {
	sig, ok := signatureSignals[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		return 0, fmt.Errorf("signal %q is not busy or congestion", s)
	}
	return sig, nil
}

// ErrSignatureSyntax is wrapped by every error of ParseSignature.
var ErrSignatureSyntax = errors.New("want SIGNAL FREQ[+FREQ] Hz ON/OFF[/ON/OFF] ms [LEVEL/... dB], e.g. \"busy 480 Hz 300/200 ms\"")

// ParseSignature reads a signature's text form (see Signature.String).
// Units may be attached to the numbers ("480Hz", "300/200ms"); case does not
// matter. It checks what AddSignature and the detector can use: one to
// three frequencies of 150-3400 Hz, an even number (2-8) of cadence steps
// of 40 ms-10 s, on first, and one level per on-step.
func ParseSignature(text string) (Signature, error) {
	fail := func(format string, args ...any) (Signature, error) {
		return Signature{}, fmt.Errorf("progress: tone signature %q: %s: %w", text, fmt.Sprintf(format, args...), ErrSignatureSyntax)
	}
	var tok []string
	for _, f := range strings.Fields(strings.ToLower(text)) {
		split := false
		for _, unit := range []string{"hz", "ms", "db"} {
			if len(f) > len(unit) && strings.HasSuffix(f, unit) {
				tok = append(tok, f[:len(f)-len(unit)], unit)
				split = true
				break
			}
		}
		if !split {
			tok = append(tok, f)
		}
	}
	if len(tok) != 5 && len(tok) != 7 {
		return fail("%d words", len(tok))
	}
	var s Signature
	var err error
	if s.Signal, err = ParseSignatureSignal(tok[0]); err != nil {
		return fail("%v", err)
	}
	if tok[2] != "hz" || tok[4] != "ms" || len(tok) == 7 && tok[6] != "db" {
		return fail("units must be Hz, ms and dB, in that order")
	}
	fs := strings.Split(tok[1], "+")
	if len(fs) > MaxSignatureComp {
		return fail("%d frequencies, at most %d", len(fs), MaxSignatureComp)
	}
	for _, v := range fs {
		f, err := strconv.ParseFloat(v, 64)
		f = math.Round(f*10) / 10
		if err != nil || !(f >= MinSignatureFreq && f <= MaxSignatureFreq) {
			return fail("frequency %q is not a number of %g-%g", v, MinSignatureFreq, MaxSignatureFreq)
		}
		for _, g := range s.Freqs {
			if math.Abs(f-g) < 10 {
				return fail("frequencies %g and %g are closer than 10 Hz", g, f)
			}
		}
		s.Freqs = append(s.Freqs, f)
	}
	steps := strings.Split(tok[3], "/")
	if len(steps) < 2 || len(steps) > MaxSignatureSteps || len(steps)%2 != 0 {
		return fail("%d cadence steps: want on/off pairs, 2 to %d steps", len(steps), MaxSignatureSteps)
	}
	for _, v := range steps {
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil || !(ms >= 0 && ms <= float64(MaxSignatureStep.Milliseconds())) {
			ms = -1
		}
		d := time.Duration(math.Round(ms)) * time.Millisecond
		if d < MinSignatureStep || d > MaxSignatureStep {
			return fail("cadence step %q is not a number of milliseconds, %d-%d", v, MinSignatureStep.Milliseconds(), MaxSignatureStep.Milliseconds())
		}
		s.Cadence = append(s.Cadence, d)
	}
	s.Levels = make([]float64, len(s.Cadence))
	if len(tok) == 7 {
		lv := strings.Split(tok[5], "/")
		if len(lv) != len(steps)/2 {
			return fail("%d levels for %d on-steps", len(lv), len(steps)/2)
		}
		for i, v := range lv {
			l, err := strconv.ParseFloat(v, 64)
			if l = math.Round(l); l == 0 {
				l = 0 // no -0
			}
			if err != nil || !(math.Abs(l) <= maxSignatureRelDB) {
				return fail("level %q is not a number of dB within ±%g", v, maxSignatureRelDB)
			}
			s.Levels[2*i] = l
		}
	}
	return s, nil
}
