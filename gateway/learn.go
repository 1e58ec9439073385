package gateway

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"tipring/dsp/measure"
	"tipring/dsp/progress"
	"tipring/dsp/tone"
	"tipring/hal"
	"tipring/telephony/fxo"
)

// Errors of LearnTone; the API chooses its answer by them.
var (
	// ErrLearnRequest: the request makes no sense (number, seconds,
	// signal).
	ErrLearnRequest = errors.New("bad tone-learning request")
	// ErrUnknownLine: no line has that name.
	ErrUnknownLine = errors.New("no such line")
	// ErrLineBusy: the line is in a call, ringing, in its guard time,
	// handed to the lifeline telephone or learning already.
	ErrLineBusy = errors.New("line not idle")
	// ErrNoDialTone: the line gave no dial tone (or the call could not be
	// placed for another reason the error names).
	ErrNoDialTone = errors.New("no dial tone")
	// ErrLineFailed: the call to the number failed on the line.
	ErrLineFailed = errors.New("line call failed")
	// ErrNoPeriodicTone: nothing periodic was heard in the recording.
	ErrNoPeriodicTone = errors.New("no periodic tone heard")
)

// LearnRequest asks LearnTone to learn a line's disconnect tone.
type LearnRequest struct {
	// Number is dialled on the line: one that gives the exchange's busy
	// (or congestion) tone, e.g. the line's own number.
	Number string `json:"number"`
	// Seconds of the line's audio recorded after dialling (0 = 8;
	// 2-60). The exchange may take some seconds to give the tone; the
	// recording must hold at least two full cycles of it.
	Seconds float64 `json:"seconds,omitempty"`
	// Signal is what the tone means: "busy" (default) or "congestion".
	Signal string `json:"signal,omitempty"`
}

// Learning limits.
const (
	LearnDefaultSeconds = 8
	LearnMinSeconds     = 2
	LearnMaxSeconds     = 60
)

// LearnedTone is what LearnTone heard.
type LearnedTone struct {
	Line   string `json:"line"`
	Number string `json:"number"`
	// Signature is the tone in the syntax of lines[].disconnect_tones,
	// ready to paste into the configuration.
	Signature string    `json:"signature"`
	Signal    string    `json:"signal"`
	Freqs     []float64 `json:"freqs_hz"`
	// Cadence is one cycle: on, off, on, off, ... in milliseconds.
	Cadence []int64 `json:"cadence_ms"`
	// Levels are the on-steps' levels relative to the loudest, dB.
	Levels []float64 `json:"levels_db"`
	// LevelDBm0 is the received level of the tone's bursts.
	LevelDBm0 float64 `json:"level_dbm0"`
	// ZoneTone names the zone's tone the line's built-in detector took
	// the recording for ("busy", "congestion"), if any: such a tone is
	// recognised already and need not be configured.
	ZoneTone string `json:"zone_tone,omitempty"`
	// Seconds of audio analysed.
	Seconds float64 `json:"seconds"`
}

// lineProgress is a line's disconnect-tone detector: the zone's tones and
// the line's configured ones (fxo.NewProgress), with a switch that mutes it
// while the line learns a tone, so that a tone it knows already does not
// end the recording.
type lineProgress struct {
	d     fxo.ProgressDetector
	muted atomic.Bool
}

func (p *lineProgress) Process(frame []int16) (tone.Signal, bool) {
	sig, ok := p.d.Process(frame)
	if p.muted.Load() {
		return sig, false
	}
	return sig, ok
}

func (p *lineProgress) Reset() { p.d.Reset() }

// newLineProgress parses a line's disconnect_tones and makes its detector.
func newLineProgress(zone *tone.Zone, tones []string) (*lineProgress, error) {
	var sigs []progress.Signature
	for i, text := range tones {
		s, err := progress.ParseSignature(text)
		if err != nil {
			return nil, fmt.Errorf("disconnect tone %d: %w", i+1, err)
		}
		sigs = append(sigs, s)
	}
	d, err := fxo.NewProgress(zone, sigs)
	if err != nil {
		return nil, err
	}
	return &lineProgress{d: d}, nil
}

// learning is a tone-learning call in progress on a line.
type learning struct {
	notes chan fxo.Note
	rec   *recorder
}

// recorder is the audio leg of a learning call: it keeps what the line
// receives, sends silence, and says when it has enough. Push runs on the
// line's channel loop and does not allocate.
type recorder struct {
	mu   sync.Mutex
	buf  []int16
	n    int
	full chan struct{}
}

func newRecorder(samples int) *recorder {
	return &recorder{buf: make([]int16, samples), full: make(chan struct{})}
}

func (r *recorder) Push(frame []int16) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == len(r.buf) {
		return
	}
	r.n += copy(r.buf[r.n:], frame)
	if r.n == len(r.buf) {
		close(r.full)
	}
}

func (r *recorder) Pull(frame []int16) { clear(frame) }

// audio returns what was recorded so far.
func (r *recorder) audio() []int16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf[:r.n:r.n]
}

// learnNote hands a note of a learning line to the waiting LearnTone
// (gateway goroutine).
func (g *Gateway) learnNote(ln *line, n fxo.Note) {
	select {
	case ln.learn.notes <- n:
	default:
		g.log.Warn("tone learning: note dropped", "line", ln.name, "note", n.Kind)
	}
}

// LearnTone learns the disconnect tone of a line's exchange or PBX, as an
// installer does for a PBX whose tones are in no zone table: it seizes the
// idle line, waits for dial tone, dials req.Number (one that gives the busy
// tone), records the line for req.Seconds, releases the line and measures
// the recording with dsp/progress.Learn. The answer's Signature goes into
// the line's disconnect_tones. The line takes no calls meanwhile and is
// back in service after its guard time. Errors wrap ErrLearnRequest,
// ErrUnknownLine, ErrLineBusy, ErrNoDialTone, ErrLineFailed or
// ErrNoPeriodicTone; ctx ends the call early. Safe for concurrent use.
func (g *Gateway) LearnTone(ctx context.Context, name string, req LearnRequest) (LearnedTone, error) {
	where := "gateway: learn tone on line " + name
	bad := func(format string, args ...any) (LearnedTone, error) {
		return LearnedTone{}, fmt.Errorf("%s: %s: %w", where, fmt.Sprintf(format, args...), ErrLearnRequest)
	}
	if !dialable(req.Number) {
		return bad("number %q is not 1-64 digits, * or #", req.Number)
	}
	if req.Seconds == 0 {
		req.Seconds = LearnDefaultSeconds
	}
	if !(req.Seconds >= LearnMinSeconds && req.Seconds <= LearnMaxSeconds) {
		return bad("seconds %v is not in %d-%d", req.Seconds, LearnMinSeconds, LearnMaxSeconds)
	}
	if req.Signal == "" {
		req.Signal = "busy"
	}
	sig, err := progress.ParseSignatureSignal(req.Signal)
	if err != nil {
		return bad("%v", err)
	}

	sess := &learning{notes: make(chan fxo.Note, 32), rec: newRecorder(int(req.Seconds * hal.SampleRate))}
	var ln *line
	start := make(chan error, 1)
	g.post(func() {
		ln = g.byLine[name]
		switch {
		case ln == nil:
			start <- ErrUnknownLine
		case !ln.free():
			why := ln.p.State().String()
			switch {
			case ln.learn != nil:
				why = "learning a tone"
			case ln.p.Lifeline():
				why = "lifeline"
			case ln.call != nil:
				why = "in call " + ln.call.id
			}
			start <- fmt.Errorf("%w: %s", ErrLineBusy, why)
		default:
			ln.learn = sess
			ln.lastUse = time.Now()
			ln.prog.muted.Store(true)
			ln.p.Attach(sess.rec)
			ln.p.DialNeedTone(req.Number, ln.method)
			g.log.Info("tone learning", "line", ln.name, "number", req.Number, "seconds", req.Seconds)
			start <- nil
		}
	})
	select {
	case err := <-start:
		if err != nil {
			return LearnedTone{}, fmt.Errorf("%s: %w", where, err)
		}
	case <-ctx.Done():
		// The work item may still run: undo it if it did.
		g.post(func() { g.endLearning(ln, sess) })
		return LearnedTone{}, fmt.Errorf("%s: %w", where, ctx.Err())
	}
	defer g.post(func() { g.endLearning(ln, sess) })

wait:
	for {
		select {
		case <-sess.rec.full:
			break wait
		case n := <-sess.notes:
			switch n.Kind {
			case fxo.NoteFailed:
				if n.Reason == fxo.ReasonNoDialTone {
					return LearnedTone{}, fmt.Errorf("%s: the line gave no dial tone within its dial-tone wait: %w", where, ErrNoDialTone)
				}
				return LearnedTone{}, fmt.Errorf("%s: %v: %w", where, n.Reason, ErrLineFailed)
			case fxo.NoteDisconnected:
				// The exchange cleared the line (loop current, polarity,
				// silence): learn from what was heard.
				g.log.Info("tone learning: line cleared early", "line", name, "how", n.Reason)
				break wait
			}
		case <-ctx.Done():
			return LearnedTone{}, fmt.Errorf("%s: %w", where, ctx.Err())
		}
	}
	x := sess.rec.audio()
	return learnFrom(x, sig, name, req.Number, ln.zone)
}

// endLearning frees a line after learning (gateway goroutine).
func (g *Gateway) endLearning(ln *line, sess *learning) {
	if ln == nil || ln.learn != sess {
		return
	}
	ln.learn = nil
	ln.lastUse = time.Now()
	ln.p.Release()
	ln.prog.muted.Store(false)
}

// learnFrom measures a recording of a line's tone.
func learnFrom(x []int16, sig tone.Signal, name, number string, zone *tone.Zone) (LearnedTone, error) {
	where := "gateway: learn tone on line " + name
	secs := float64(len(x)) / hal.SampleRate
	s, err := progress.Learn(x, sig)
	if err != nil {
		if errors.Is(err, progress.ErrNotPeriodic) {
			return LearnedTone{}, fmt.Errorf("%s: %.1f s recorded at %.1f dBm0: no tone that repeats its cadence twice (dial a number that gives busy tone, or record longer): %w",
				where, secs, measure.LevelDBm0(x), ErrNoPeriodicTone)
		}
		return LearnedTone{}, fmt.Errorf("%s: %w", where, err)
	}
	// Read back the text form, so that what is shown is what the
	// configuration will hold, and check the detector takes it.
	text := s.String()
	s, err = progress.ParseSignature(text)
	if err == nil {
		_, err = fxo.NewProgress(zone, []progress.Signature{s})
	}
	if err != nil {
		return LearnedTone{}, fmt.Errorf("%s: learnt %q, which cannot be used: %v: %w", where, text, err, ErrNoPeriodicTone)
	}
	out := LearnedTone{
		Line: name, Number: number, Signature: text, Signal: s.Signal.String(),
		Freqs: s.Freqs, Levels: []float64{}, LevelDBm0: burstLevel(x), Seconds: math.Round(secs*100) / 100,
	}
	for i, d := range s.Cadence {
		out.Cadence = append(out.Cadence, d.Milliseconds())
		if i%2 == 0 {
			out.Levels = append(out.Levels, s.Levels[i])
		}
	}
	zp := fxo.NewZoneProgress(zone)
	for i := 0; i+160 <= len(x); i += 160 {
		if t, ok := zp.Process(x[i : i+160]); ok {
			out.ZoneTone = t.String()
			break
		}
	}
	return out, nil
}

// burstLevel is the mean level of the 10 ms blocks of x within 3 dB of the
// loudest ones: the level of a cadenced tone's bursts.
func burstLevel(x []int16) float64 {
	var lv []float64
	for i := 0; i+80 <= len(x); i += 80 {
		lv = append(lv, measure.LevelDBm0(x[i:i+80]))
	}
	if len(lv) == 0 {
		return math.Inf(-1)
	}
	sort.Float64s(lv)
	top := lv[len(lv)-1-len(lv)/50] // ignore the loudest 2 % (clicks)
	var sum float64
	n := 0
	for _, v := range lv {
		if v >= top-3 && v <= top+3 {
			sum += v
			n++
		}
	}
	return math.Round(sum/float64(n)*10) / 10
}
