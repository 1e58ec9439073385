package api_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/mgmt/api"
	"tipring/mgmt/api/apitest"
	"tipring/mgmt/config"
)

type env struct {
	srv *httptest.Server
	gw  *apitest.Gateway
	cdr *apitest.CDRs
	sim *apitest.Sim
}

func configCheck(b []byte) error {
	_, err := config.Parse(b, "tipring.yaml")
	return err
}

func newEnv(t *testing.T, withSim bool) *env {
	t.Helper()
	e := &env{gw: apitest.NewGateway(), cdr: apitest.NewCDRs(30)}
	o := api.Options{Gateway: e.gw, CDR: e.cdr, ConfigCheck: configCheck, Version: "1.2.3-test"}
	if withSim {
		e.sim = apitest.NewSim()
		o.Sim = e.sim
	}
	e.srv = httptest.NewServer(api.NewHandler(o))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *env) do(t *testing.T, method, path, body string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("bad JSON %q: %v", b, err)
	}
	return v
}

// wantError checks a JSON error answer.
func wantError(t *testing.T, resp *http.Response, b []byte, code int, substr string) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("status %d, want %d (%s)", resp.StatusCode, code, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var e struct{ Error string }
	if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
		t.Fatalf("not a JSON error: %q", b)
	}
	if !strings.Contains(e.Error, substr) {
		t.Errorf("error %q does not contain %q", e.Error, substr)
	}
}

func TestStatus(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "GET", "/api/v1/status", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	st := decode[gateway.Status](t, b)
	want := gateway.Status{Version: "1.2.3-test", Board: "sim", Zone: "us", Started: apitest.Started, ActiveCalls: 1, TotalCalls: 42, Ports: 6}
	if st != want {
		t.Errorf("got %+v\nwant %+v", st, want)
	}
}

func TestListRoutes(t *testing.T) {
	e := newEnv(t, false)
	_, b := e.do(t, "GET", "/api/v1/ports", "")
	ports := decode[[]gateway.PortStatus](t, b)
	if len(ports) != 6 || ports[0].Name != "FXS/1/1" || !ports[0].OffHook || ports[0].State != gateway.PortConnected {
		t.Errorf("ports %+v", ports)
	}
	_, b = e.do(t, "GET", "/api/v1/calls", "")
	calls := decode[[]gateway.CallInfo](t, b)
	if len(calls) != 1 || calls[0].ID != "call-1" || len(calls[0].Legs) != 2 {
		t.Errorf("calls %+v", calls)
	}
	_, b = e.do(t, "GET", "/api/v1/registrations", "")
	regs := decode[[]api.Registration](t, b)
	if len(regs) != 2 || !regs[0].Registered || regs[1].LastError != "403 Forbidden" {
		t.Errorf("regs %+v", regs)
	}
	// Empty views are [] not null.
	e.gw.Set(gateway.Status{}, nil, nil, nil)
	for _, p := range []string{"/api/v1/ports", "/api/v1/calls", "/api/v1/registrations"} {
		if _, b := e.do(t, "GET", p, ""); strings.TrimSpace(string(b)) != "[]" {
			t.Errorf("%s empty = %q", p, b)
		}
	}
}

func TestCDR(t *testing.T) {
	e := newEnv(t, false)
	_, b := e.do(t, "GET", "/api/v1/cdr?limit=5&number=2001", "")
	cdrs := decode[[]gateway.CDR](t, b)
	if len(cdrs) != 5 || cdrs[0].CallID != "cdr-29" || cdrs[4].CallID != "cdr-25" {
		t.Errorf("cdr %+v", cdrs)
	}
	if q := e.cdr.LastQuery(); q.Limit != 5 || q.Number != "2001" {
		t.Errorf("query %+v", q)
	}
	since := apitest.Started.Add(28 * time.Minute).Format(time.RFC3339)
	_, b = e.do(t, "GET", "/api/v1/cdr?since="+url.QueryEscape(since), "")
	if cdrs := decode[[]gateway.CDR](t, b); len(cdrs) != 2 {
		t.Errorf("since: %d records", len(cdrs))
	}
	e.do(t, "GET", "/api/v1/cdr?since=1h", "")
	if q := e.cdr.LastQuery(); time.Since(q.Since) < 59*time.Minute || time.Since(q.Since) > 2*time.Hour {
		t.Errorf("since=1h gave %v", q.Since)
	}
	e.do(t, "GET", "/api/v1/cdr?since=1700000000", "")
	if q := e.cdr.LastQuery(); q.Since.Unix() != 1700000000 {
		t.Errorf("since unix gave %v", q.Since)
	}

	for _, c := range []struct{ q, msg string }{
		{"limit=abc", `limit: "abc" is not a number`},
		{"limit=-1", "not in 0-10000"},
		{"limit=10001", "not in 0-10000"},
		{"since=yesterday", "since:"},
		{"number=" + strings.Repeat("1", 65), "number:"},
	} {
		resp, b := e.do(t, "GET", "/api/v1/cdr?"+c.q, "")
		wantError(t, resp, b, 400, c.msg)
	}
	e.cdr.Err = errors.New("disk on fire")
	resp, b := e.do(t, "GET", "/api/v1/cdr", "")
	wantError(t, resp, b, 500, "disk on fire")

	noCDR := httptest.NewServer(api.NewHandler(api.Options{Gateway: e.gw}))
	defer noCDR.Close()
	r, err := http.Get(noCDR.URL + "/api/v1/cdr")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(r.Body)
	r.Body.Close()
	wantError(t, r, b, 404, "no CDR store")
}

func TestConfigCheck(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "POST", "/api/v1/config/check", "zone: uk\n")
	if res := decode[api.CheckResult](t, b); resp.StatusCode != 200 || !res.OK || len(res.Errors) != 0 {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
	_, b = e.do(t, "POST", "/api/v1/config/check", "zone: xx\nsip:\n  rtp_ports: \"10000-9\"\n")
	res := decode[api.CheckResult](t, b)
	want := []string{
		`tipring.yaml:1: zone: "xx" is not a known tone zone (us uk de fr cn jp au it nl br in ru)`,
		`tipring.yaml:3: sip.rtp_ports: "10000-9" is not a range LOW-HIGH`,
	}
	if res.OK || strings.Join(res.Errors, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %+v", res)
	}
	resp, b = e.do(t, "POST", "/api/v1/config/check", strings.Repeat("#", api.MaxBodyBytes+10))
	wantError(t, resp, b, 413, "larger than")
}

func TestNotFoundAndMethod(t *testing.T) {
	e := newEnv(t, true)
	resp, b := e.do(t, "GET", "/api/v1/nothing", "")
	wantError(t, resp, b, 404, "no such resource")
	resp, b = e.do(t, "GET", "/api/v2/status", "")
	wantError(t, resp, b, 404, "no such resource")
	resp, b = e.do(t, "POST", "/api/v1/status", "")
	wantError(t, resp, b, 405, "not allowed")
	if a := resp.Header.Get("Allow"); !strings.Contains(a, "GET") {
		t.Errorf("Allow %q", a)
	}
	resp, b = e.do(t, "GET", "/api/v1/sim/phone/1/offhook", "")
	wantError(t, resp, b, 405, "POST")
	resp, b = e.do(t, "DELETE", "/api/v1/config/check", "")
	wantError(t, resp, b, 405, "not allowed")
}

func TestSimAbsent(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "GET", "/api/v1/sim", "")
	wantError(t, resp, b, 404, "not the simulator")
	resp, b = e.do(t, "POST", "/api/v1/sim/phone/1/offhook", "")
	wantError(t, resp, b, 404, "not the simulator")
}

func TestSimActions(t *testing.T) {
	e := newEnv(t, true)
	resp, b := e.do(t, "POST", "/api/v1/sim/phone/1/offhook", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	res := decode[struct {
		Data    map[string]any
		Samples int
	}](t, b)
	if res.Data["op"] != "offhook" || res.Samples != 0 {
		t.Errorf("%s", b)
	}
	resp, b = e.do(t, "POST", "/api/v1/sim/phone/1/dial", `{"digits":"2002#"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, _ = e.do(t, "POST", "/api/v1/sim/phone/1/dial?digits=*7a", "")
	if resp.StatusCode != 200 {
		t.Errorf("query digits: %d", resp.StatusCode)
	}
	e.do(t, "POST", "/api/v1/sim/line/2/ring", `{"number":"+15551234","name":"Ann O'Neil"}`)
	e.do(t, "POST", "/api/v1/sim/phone/3/play", `{"freq":440}`)
	e.do(t, "POST", "/api/v1/sim/line/1/play", `{"freq":1004,"level":-16}`)
	got := e.sim.Actions()
	want := []api.SimAction{
		{Target: "phone", Port: 1, Op: "offhook"},
		{Target: "phone", Port: 1, Op: "dial", Digits: "2002#"},
		{Target: "phone", Port: 1, Op: "dial", Digits: "*7A"},
		{Target: "line", Port: 2, Op: "ring", Number: "+15551234", Name: "Ann O'Neil"},
		{Target: "phone", Port: 3, Op: "play", Freq: 440, Level: -10},
		{Target: "line", Port: 1, Op: "play", Freq: 1004, Level: -16},
	}
	if len(got) != len(want) {
		t.Fatalf("actions %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("action %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	_, b = e.do(t, "GET", "/api/v1/sim", "")
	snap := decode[map[string]any](t, b)
	if snap["actions"] != float64(6) {
		t.Errorf("snapshot %s", b)
	}
}

func TestSimErrors(t *testing.T) {
	e := newEnv(t, true)
	cases := []struct {
		path, body string
		code       int
		msg        string
	}{
		{"/api/v1/sim/phone/x/offhook", "", 400, `port "x" is not a number`},
		{"/api/v1/sim/phone/0/offhook", "", 400, "is not a number in 1-9999"},
		{"/api/v1/sim/phone/-1/offhook", "", 400, "not a number"},
		{"/api/v1/sim/phone/99999999999999999999/offhook", "", 400, "not a number"},
		{"/api/v1/sim/phone/1/explode", "", 400, `unknown phone operation "explode"`},
		{"/api/v1/sim/line/1/offhook", "", 400, `unknown line operation "offhook"`},
		{"/api/v1/sim/trunk/1/ring", "", 400, `unknown sim target "trunk"`},
		{"/api/v1/sim/phone/1/dial", "", 400, "dial needs digits"},
		{"/api/v1/sim/phone/1/dial", `{"digits":"12x"}`, 400, `'x' cannot be sent`},
		{"/api/v1/sim/phone/1/pulse", `{"digits":"12#"}`, 400, `'#' cannot be sent by pulse`},
		{"/api/v1/sim/phone/1/dial", `{"digits":`, 400, "bad JSON"},
		{"/api/v1/sim/phone/1/dial", `{"digits":"1","colour":"red"}`, 400, "bad JSON"},
		{"/api/v1/sim/phone/1/dial", `{"digits":1}`, 400, "bad JSON"},
		{"/api/v1/sim/phone/1/dial", `{"digits":"1"} {}`, 400, "more than one"},
		{"/api/v1/sim/phone/1/play", `{}`, 400, "needs freq"},
		{"/api/v1/sim/phone/1/play", `{"freq":5000}`, 400, "freq"},
		{"/api/v1/sim/phone/1/play", `{"freq":400,"level":10}`, 400, "level"},
		{"/api/v1/sim/phone/1/play?freq=abc", ``, 400, "freq"},
		{"/api/v1/sim/phone/1/record", `{"seconds":0}`, 400, "seconds"},
		{"/api/v1/sim/phone/1/record", `{"seconds":61}`, 400, "seconds"},
		{"/api/v1/sim/line/1/ring", `{"number":"555-1234"}`, 400, "number"},
		{"/api/v1/sim/line/1/ring", `{"name":"a\u0007b"}`, 400, "name"},
		{"/api/v1/sim/phone/9/offhook", "", 404, "not found"},
		{"/api/v1/sim/phone/2/dial", `{"digits":"1"}`, 409, "on hook"},
	}
	for _, c := range cases {
		resp, b := e.do(t, "POST", c.path, c.body)
		wantError(t, resp, b, c.code, c.msg)
	}
}

func goertzelPower(x []int16, f float64) float64 {
	w := 2 * math.Pi * f / 8000
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - coeff*s1*s2
}

func TestSimRecordWAV(t *testing.T) {
	e := newEnv(t, true)
	for _, how := range [][]string{{"?format=wav"}, {"", "Accept", "audio/wav"}, {"", "Accept", "application/json;q=0.5, audio/x-wav"}} {
		resp, b := e.do(t, "POST", "/api/v1/sim/line/1/record"+how[0], `{"seconds":0.5}`, how[1:]...)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" {
			t.Fatalf("%v: %d %s %q", how, resp.StatusCode, resp.Header.Get("Content-Type"), b[:min(len(b), 100)])
		}
		// The canonical 44-byte header, field by field.
		const n = 4000
		le32 := binary.LittleEndian.Uint32
		le16 := binary.LittleEndian.Uint16
		if len(b) != 44+2*n {
			t.Fatalf("length %d, want %d", len(b), 44+2*n)
		}
		checks := []struct {
			name      string
			got, want uint32
		}{
			{"RIFF size", le32(b[4:]), 36 + 2*n},
			{"fmt size", le32(b[16:]), 16},
			{"format PCM", uint32(le16(b[20:])), 1},
			{"channels", uint32(le16(b[22:])), 1},
			{"rate", le32(b[24:]), 8000},
			{"byte rate", le32(b[28:]), 16000},
			{"block align", uint32(le16(b[32:])), 2},
			{"bits", uint32(le16(b[34:])), 16},
			{"data size", le32(b[40:]), 2 * n},
		}
		if string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " || string(b[36:40]) != "data" {
			t.Errorf("chunk ids %q %q %q %q", b[0:4], b[8:12], b[12:16], b[36:40])
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
			}
		}
		samples, rate, err := api.ReadWAV(b)
		if err != nil || rate != 8000 || len(samples) != n {
			t.Fatalf("ReadWAV: %d samples at %d: %v", len(samples), rate, err)
		}
		// The audio survived the trip: the 1 kHz tone dominates 700 Hz and 1300 Hz.
		p1k, p700, p1300 := goertzelPower(samples, 1000), goertzelPower(samples, 700), goertzelPower(samples, 1300)
		if p1k < 1000*p700 || p1k < 1000*p1300 {
			t.Errorf("1 kHz not dominant: %g vs %g %g", p1k, p700, p1300)
		}
	}
	resp, b := e.do(t, "POST", "/api/v1/sim/phone/1/record", `{"seconds":0.25}`)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if res := decode[struct{ Samples int }](t, b); res.Samples != 2000 {
		t.Errorf("samples %d", res.Samples)
	}
}

func TestWAVRoundTrip(t *testing.T) {
	in := []int16{0, 1, -1, 32767, -32768, 1234}
	var buf bytes.Buffer
	if err := api.WriteWAV(&buf, in); err != nil {
		t.Fatal(err)
	}
	out, rate, err := api.ReadWAV(buf.Bytes())
	if err != nil || rate != 8000 || len(out) != len(in) {
		t.Fatalf("%v %d %v", out, rate, err)
	}
	for i := range in {
		if in[i] != out[i] {
			t.Errorf("sample %d: %d != %d", i, out[i], in[i])
		}
	}
	for _, bad := range [][]byte{nil, []byte("RIFF"), buf.Bytes()[:30], append([]byte("RIFX"), buf.Bytes()[4:]...)} {
		if _, _, err := api.ReadWAV(bad); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "GET", "/metrics", "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	text := string(b)
	for _, series := range []string{
		"tipring_calls_active 1\n",
		"tipring_calls_total 42\n",
		"# TYPE tipring_calls_total counter",
		`tipring_ports{state="idle"} 5` + "\n",
		`tipring_ports{state="connected"} 1` + "\n",
		`tipring_ports{state="ringing"} 0` + "\n",
		`tipring_port_off_hook{port="FXS/1/1"} 1` + "\n",
		`tipring_port_off_hook{port="FXS/1/2"} 0` + "\n",
		`tipring_sip_registered{account="fxs1"} 1` + "\n",
		`tipring_sip_registered{account="trunk"} 0` + "\n",
		`tipring_build_info{version="1.2.3-test"} 1` + "\n",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(text, series) {
			t.Errorf("metrics lack %q", series)
		}
	}
	// Values are read at scrape time.
	e.gw.Set(gateway.Status{ActiveCalls: 0, TotalCalls: 43}, nil, nil, nil)
	_, b = e.do(t, "GET", "/metrics", "")
	if !strings.Contains(string(b), "tipring_calls_total 43\n") || strings.Contains(string(b), "tipring_port_off_hook{") {
		t.Errorf("metrics not refreshed")
	}
}

func TestWebUI(t *testing.T) {
	e := newEnv(t, true)
	resp, b := e.do(t, "GET", "/", "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, s := range []string{"<title>tipring", `src="/app.js"`, `id="simpanel"`, `id="ports"`, `id="cdr"`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("index.html lacks %q", s)
		}
	}
	if strings.Contains(string(b), "http://") || strings.Contains(string(b), "https://") {
		t.Error("index.html refers to external assets")
	}
	resp, b = e.do(t, "GET", "/app.js", "")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, s := range []string{"/api/v1/status", "/api/v1/sim", "REFRESH_MS = 2000", "textContent"} {
		if !strings.Contains(string(b), s) {
			t.Errorf("app.js lacks %q", s)
		}
	}
	if strings.Contains(string(b), "innerHTML") {
		t.Error("app.js uses innerHTML")
	}
	resp, b = e.do(t, "GET", "/index.html", "")
	wantError(t, resp, b, 404, "no such resource")
}

type panicGateway struct{ *apitest.Gateway }

func (*panicGateway) Ports() []gateway.PortStatus { panic("boom") }

func TestPanicIsRecovered(t *testing.T) {
	srv := httptest.NewServer(api.NewHandler(api.Options{Gateway: &panicGateway{apitest.NewGateway()}}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/ports")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, resp, b, 500, "internal error")
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "tipring_build_info") {
		t.Errorf("metrics after collector panic: %d", resp.StatusCode)
	}
}

func TestNoGateway(t *testing.T) {
	srv := httptest.NewServer(api.NewHandler(api.Options{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantError(t, resp, b, 503, "not running")
}

func FuzzHandler(f *testing.F) {
	h := api.NewHandler(api.Options{Gateway: apitest.NewGateway(), CDR: apitest.NewCDRs(5), Sim: apitest.NewSim(), ConfigCheck: configCheck})
	f.Add(uint8(0), "/api/v1/status", "")
	f.Add(uint8(1), "/api/v1/sim/phone/1/dial", `{"digits":"123"}`)
	f.Add(uint8(1), "/api/v1/sim/line/2/record?format=wav", `{"seconds":0.1}`)
	f.Add(uint8(1), "/api/v1/config/check", "zone: us\n")
	f.Add(uint8(0), "/api/v1/cdr?limit=3&since=1h&number=2001", "")
	f.Add(uint8(2), "/api/v1/../../etc/passwd", "x")
	f.Add(uint8(0), "/metrics", "")
	methods := []string{"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}
	f.Fuzz(func(t *testing.T, m uint8, path, body string) {
		u, err := url.ParseRequestURI(path)
		if err != nil {
			return
		}
		req := &http.Request{
			Method: methods[int(m)%len(methods)], URL: u, RequestURI: path, Host: "127.0.0.1",
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{},
			Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q %q: %d %s", req.Method, path, body, w.Code, w.Body.Bytes())
		}
		if w.Code >= 400 && req.Method != "HEAD" {
			var e struct{ Error string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Fatalf("%s %q: %d answer is not a JSON error: %q", req.Method, path, w.Code, w.Body.Bytes())
			}
		}
	})
}

func BenchmarkPortsJSON(b *testing.B) {
	h := api.NewHandler(api.Options{Gateway: apitest.NewGateway()})
	req := httptest.NewRequest("GET", "/api/v1/ports", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkMetricsScrape(b *testing.B) {
	h := api.NewHandler(api.Options{Gateway: apitest.NewGateway()})
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
