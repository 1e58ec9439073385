package api_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"tipring/dsp/tone"
	"tipring/gateway"
	"tipring/hal/sim"
	"tipring/mgmt/api"
)

// TestLearnTone: the learn-tone route passes the request to the gateway
// and answers its signature, and chooses the status by the error.
func TestLearnTone(t *testing.T) {
	e := newEnv(t, false)
	resp, b := e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", `{"number":"5551234","seconds":8,"signal":"busy"}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	got := decode[gateway.LearnedTone](t, b)
	if got.Signature != "busy 480 Hz 300/200 ms" || got.Line != "FXO/1/5" || got.Number != "5551234" ||
		len(got.Freqs) != 1 || len(got.Cadence) != 2 || got.Cadence[0] != 300 {
		t.Errorf("answer %+v", got)
	}
	if reqs := e.gw.LearnRequests(); len(reqs) != 1 || reqs[0].Line != "FXO/1/5" ||
		reqs[0].Request != (gateway.LearnRequest{Number: "5551234", Seconds: 8, Signal: "busy"}) {
		t.Errorf("requests %+v", reqs)
	}

	resp, b = e.do(t, "POST", "/api/v1/lines/pstn9/learn-tone", `{"number":"1"}`)
	wantError(t, resp, b, http.StatusNotFound, "no such line")
	resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", `{"number":""}`)
	wantError(t, resp, b, http.StatusBadRequest, "bad tone-learning request")
	resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", `{"number":"1","seconds":500}`)
	wantError(t, resp, b, http.StatusBadRequest, "bad tone-learning request")
	resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", `{"number":`)
	wantError(t, resp, b, http.StatusBadRequest, "body:")
	resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F5/learn-tone", "")
	wantError(t, resp, b, http.StatusBadRequest, "body:")
	resp, b = e.do(t, "GET", "/api/v1/lines/FXO%2F1%2F5/learn-tone", "")
	wantError(t, resp, b, http.StatusMethodNotAllowed, "POST")

	for _, c := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("the line gave no dial tone: %w", gateway.ErrNoDialTone), http.StatusBadGateway},
		{fmt.Errorf("busy: %w", gateway.ErrLineFailed), http.StatusBadGateway},
		{fmt.Errorf("8.0 s recorded: %w", gateway.ErrNoPeriodicTone), http.StatusUnprocessableEntity},
		{context.DeadlineExceeded, http.StatusGatewayTimeout},
		{errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		e.gw.SetLearn(nil, c.err)
		resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F6/learn-tone", `{"number":"1"}`)
		wantError(t, resp, b, c.code, c.err.Error())
	}
	e.gw.SetLearn(nil, nil)

	// A line in a call.
	ports := e.gw.Ports()
	ports[5].State = gateway.PortConnected
	e.gw.Set(e.gw.Status(), ports, e.gw.Calls(), e.gw.Registrations())
	resp, b = e.do(t, "POST", "/api/v1/lines/FXO%2F1%2F6/learn-tone", `{"number":"1"}`)
	wantError(t, resp, b, http.StatusConflict, "line not idle")
}

// simView is the running gateway as the API sees it.
type simView struct{ *gateway.Gateway }

func (v simView) Registrations() []api.Registration { return nil }

// TestLearnToneOnSimulatedLine learns, through the API, the busy tone of a
// PBX in no zone table (480 Hz, 300 ms on, 200 ms off) from the simulated
// office of line pstn1, which gives it for the busy number 5551234.
func TestLearnToneOnSimulatedLine(t *testing.T) {
	b, err := sim.New(sim.Config{Fast: true, Zone: "de", NoEcho: true})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Options{Board: b, Config: gateway.Config{Zone: "de",
		Lines: []gateway.LineConfig{{Span: 1, Chan: 5, Name: "pstn1", Inbound: gateway.InboundNone}}}})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		gw.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		b.Close()
		<-done
	})
	<-gw.Ready()
	b.SetSettle(gw.Settled)
	l, err := b.Line(1)
	if err != nil {
		t.Fatal(err)
	}
	l.SetTone(tone.Busy, &tone.Tone{Loop: []tone.Segment{
		{Components: []tone.Component{{Freq: 480, LevelDBm0: -16}}, Dur: 300 * time.Millisecond},
		{Dur: 200 * time.Millisecond},
	}})
	l.SetBusyNumbers("5551234")

	srv := httptest.NewServer(api.NewHandler(api.Options{Gateway: simView{gw}}))
	defer srv.Close()
	e := &env{srv: srv}
	resp, body := e.do(t, "POST", "/api/v1/lines/pstn1/learn-tone", `{"number":"5551234","seconds":8}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	got := decode[gateway.LearnedTone](t, body)
	t.Logf("%s", body)
	if len(got.Freqs) != 1 || math.Abs(got.Freqs[0]-480) > 3 ||
		len(got.Cadence) != 2 || math.Abs(float64(got.Cadence[0]-300)) > 20 || math.Abs(float64(got.Cadence[1]-200)) > 20 {
		t.Errorf("learnt %+v, want 480 Hz 300/200 ms", got)
	}
	resp, body = e.do(t, "POST", "/api/v1/lines/pstn2/learn-tone", `{"number":"5551234"}`)
	wantError(t, resp, body, http.StatusNotFound, "no such line")
}
