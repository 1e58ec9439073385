package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"tipring/gateway"
	"tipring/mgmt/cdrstore"
)

// Gateway is the read-only view of the running gateway that the API shows.
type Gateway interface {
	Status() gateway.Status
	Ports() []gateway.PortStatus
	Calls() []gateway.CallInfo
	Registrations() []Registration
}

// Registration is the state of one SIP account's registration.
type Registration struct {
	Account    string    `json:"account"`
	AOR        string    `json:"aor"`
	Registered bool      `json:"registered"`
	Expires    time.Time `json:"expires,omitzero"`
	LastError  string    `json:"last_error,omitempty"`
}

// CDRQuerier reads call detail records; *cdrstore.Store implements it.
type CDRQuerier interface {
	Query(cdrstore.Query) ([]gateway.CDR, error)
}

// SimAction is one command to the simulated board: an operation on the
// virtual phone behind an FXS port (Target "phone") or on the virtual
// central-office line behind an FXO port (Target "line").
type SimAction struct {
	Target  string  `json:"target"` // "phone" or "line"
	Port    int     `json:"port"`   // 1-based port number within the target kind
	Op      string  `json:"op"`
	Digits  string  `json:"digits,omitempty"`  // dial, pulse
	Freq    float64 `json:"freq,omitempty"`    // play: Hz
	Level   float64 `json:"level,omitempty"`   // play: dBm0
	Seconds float64 `json:"seconds,omitempty"` // record
	Number  string  `json:"number,omitempty"`  // ring: caller ID number
	Name    string  `json:"name,omitempty"`    // ring: caller ID name
}

// SimResult is what a SimAction produced: Data is shown as JSON; Audio is
// what a record operation heard, 8 kHz mono linear PCM.
type SimResult struct {
	Data  any
	Audio []int16
}

// SimControl drives the simulated board. Do should wrap ErrNotFound,
// ErrInvalid or ErrConflict so the API can answer with a fitting status.
type SimControl interface {
	Snapshot() any
	Do(ctx context.Context, a SimAction) (SimResult, error)
}

// Errors a SimControl wraps to choose the HTTP status of a failed Do.
var (
	ErrNotFound = errors.New("not found")                 // 404: no such port
	ErrInvalid  = errors.New("invalid request")           // 400: the action makes no sense
	ErrConflict = errors.New("not possible in the state") // 409: e.g. dialling on hook
)

// Options configures NewHandler. Gateway should be set; the others may be
// nil, and the routes that need them then answer 404.
type Options struct {
	Gateway Gateway
	CDR     CDRQuerier
	// Sim is nil when the board is not the simulator.
	Sim SimControl
	// ConfigCheck validates a configuration file's contents; it is
	// normally a wrapper of config.Parse.
	ConfigCheck func([]byte) error
	Logger      *slog.Logger
	Version     string
	// Security is the SIP guard; nil makes the /api/v1/security routes
	// answer 404.
	Security Security
}

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

//go:embed web
var webFS embed.FS

type server struct {
	o       Options
	log     *slog.Logger
	mux     *http.ServeMux
	metrics http.Handler
}

// NewHandler returns the HTTP handler serving the REST API under /api/v1/,
// Prometheus metrics at /metrics and the web UI at /.
func NewHandler(o Options) http.Handler {
	s := &server{o: o, log: o.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	reg := prometheus.NewRegistry()
	if o.Security != nil {
		reg.MustRegister(newSecurityCollector(o.Security))
	}
	s.metrics = newMetricsHandler(reg, o.Gateway, o.Version, s.log)

	m := s.mux
	m.HandleFunc("GET /api/v1/status", s.status)
	m.HandleFunc("GET /api/v1/ports", s.ports)
	m.HandleFunc("GET /api/v1/calls", s.calls)
	m.HandleFunc("GET /api/v1/registrations", s.registrations)
	m.HandleFunc("GET /api/v1/groups", s.groups)
	m.HandleFunc("GET /api/v1/servers", s.servers)
	m.HandleFunc("GET /api/v1/cdr", s.cdr)
	m.HandleFunc("POST /api/v1/config/check", s.configCheck)
	m.HandleFunc("POST /api/v1/lines/{name}/learn-tone", s.learnTone)
	m.HandleFunc("GET /api/v1/sim", s.simSnapshot)
	m.HandleFunc("POST /api/v1/sim/{target}/{port}/{op}", s.simDo)
	s.routeSecurity(m)
	m.Handle("GET /metrics", s.metrics)
	m.HandleFunc("GET /{$}", s.static("web/index.html", "text/html; charset=utf-8"))
	m.HandleFunc("GET /app.js", s.static("web/app.js", "text/javascript; charset=utf-8"))
	return s
}

// statusWriter remembers whether and what a handler has answered.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter records the mux's own 404/405/redirect answers so they can
// be turned into JSON errors.
type captureWriter struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) WriteHeader(code int) {
	if c.code == 0 {
		c.code = code
	}
}
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	if c.body.Len() < 4096 {
		c.body.Write(b)
	}
	return len(b), nil
}

func (s *server) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w := &statusWriter{ResponseWriter: rw}
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("api: handler panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if w.code == 0 {
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}
		lvl := slog.LevelDebug
		if w.code >= 500 {
			lvl = slog.LevelWarn
		}
		s.log.Log(r.Context(), lvl, "api: request", "method", r.Method, "path", r.URL.Path, "status", w.code, "elapsed", time.Since(start))
	}()
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		c := &captureWriter{header: http.Header{}}
		h.ServeHTTP(c, r)
		switch c.code {
		case http.StatusNotFound:
			writeError(w, http.StatusNotFound, "no such resource: "+r.URL.Path)
			return
		case http.StatusMethodNotAllowed:
			w.Header().Set("Allow", c.header.Get("Allow"))
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, c.header.Get("Allow")))
			return
		}
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.WriteHeader(c.code)
		io.WriteString(w, c.body.String())
		return
	}
	s.mux.ServeHTTP(w, r)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(map[string]string{"error": "cannot encode the response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func (s *server) gw(w http.ResponseWriter) Gateway {
	if s.o.Gateway == nil {
		writeError(w, http.StatusServiceUnavailable, "the gateway is not running")
	}
	return s.o.Gateway
}

// gwAs returns the Gateway as its optional capability C (GroupLister,
// ServerLister, ToneLearner). Without a Gateway it answers 503 as gw does;
// when the Gateway lacks C, 404 with missing.
func gwAs[C any](s *server, w http.ResponseWriter, missing string) (C, bool) {
	var c C
	g := s.gw(w)
	if g == nil {
		return c, false
	}
	c, ok := g.(C)
	if !ok {
		writeError(w, http.StatusNotFound, missing)
	}
	return c, ok
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	g := s.gw(w)
	if g == nil {
		return
	}
	st := g.Status()
	if st.Version == "" {
		st.Version = s.o.Version
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *server) ports(w http.ResponseWriter, r *http.Request) {
	if g := s.gw(w); g != nil {
		writeJSON(w, http.StatusOK, nonNil(g.Ports()))
	}
}

func (s *server) calls(w http.ResponseWriter, r *http.Request) {
	if g := s.gw(w); g != nil {
		writeJSON(w, http.StatusOK, nonNil(g.Calls()))
	}
}

func (s *server) registrations(w http.ResponseWriter, r *http.Request) {
	if g := s.gw(w); g != nil {
		writeJSON(w, http.StatusOK, nonNil(g.Registrations()))
	}
}

// nonNil makes empty lists encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ParseSince reads the since parameter: an RFC 3339 time, Unix seconds, or
// a duration meaning that long ago ("15m", "24h").
func ParseSince(v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && n < 1<<33 {
		return time.Unix(n, 0), nil
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 && d < 100*365*24*time.Hour {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("since: %q is not an RFC 3339 time, Unix seconds or a duration such as 1h", v)
}

func (s *server) cdr(w http.ResponseWriter, r *http.Request) {
	if s.o.CDR == nil {
		writeError(w, http.StatusNotFound, "no CDR store is configured")
		return
	}
	q := r.URL.Query()
	var cq cdrstore.Query
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: %q is not a number", v))
			return
		}
		if n < 0 || n > cdrstore.MaxLimit {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("limit: %d is not in 0-%d", n, cdrstore.MaxLimit))
			return
		}
		cq.Limit = n
	}
	since, err := ParseSince(q.Get("since"), time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	cq.Since = since
	cq.Number = q.Get("number")
	if len(cq.Number) > 64 {
		writeError(w, http.StatusBadRequest, "number: longer than 64 characters")
		return
	}
	recs, err := s.o.CDR.Query(cq)
	if err != nil {
		s.log.Error("api: cdr query", "err", err)
		writeError(w, http.StatusInternalServerError, "cdr: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, nonNil(recs))
}

// CheckResult is the answer of POST /api/v1/config/check.
type CheckResult struct {
	OK     bool     `json:"ok"`
	Errors []string `json:"errors"`
}

func (s *server) configCheck(w http.ResponseWriter, r *http.Request) {
	if s.o.ConfigCheck == nil {
		writeError(w, http.StatusNotFound, "configuration checking is not available")
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	res := CheckResult{OK: true, Errors: []string{}}
	if err := s.o.ConfigCheck(body); err != nil {
		res.OK = false
		res.Errors = splitErrors(err)
	}
	writeJSON(w, http.StatusOK, res)
}

// splitErrors lists the individual problems of a joined error.
func splitErrors(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			if e != nil {
				out = append(out, splitErrors(e)...)
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return strings.Split(err.Error(), "\n")
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Body == nil {
		return nil, true
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit))
		} else {
			writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		}
		return nil, false
	}
	return b, true
}

// readJSON reads the request body into v, answering the error itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, ok := readBody(w, r)
	if !ok {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, http.StatusBadRequest, "body: "+err.Error())
		return false
	}
	return true
}

func (s *server) static(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := webFS.ReadFile(name)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "missing embedded file "+name)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; media-src 'self' blob:")
		w.Write(b)
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
