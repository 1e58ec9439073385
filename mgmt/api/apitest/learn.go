package apitest

import (
	"context"
	"fmt"

	"tipring/gateway"
)

// LearnTone fakes gateway.Gateway.LearnTone on the FXO ports: an unknown
// name wraps gateway.ErrUnknownLine, a port that is not idle
// gateway.ErrLineBusy, a missing number or seconds outside 2-60
// gateway.ErrLearnRequest; otherwise it answers what SetLearn set (by
// default a 480 Hz 300/200 ms busy tone) for the line and number asked.
// Every request is kept (LearnRequests).
func (g *Gateway) LearnTone(ctx context.Context, line string, req gateway.LearnRequest) (gateway.LearnedTone, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.learnReqs = append(g.learnReqs, LearnCall{Line: line, Request: req})
	where := "gateway: learn tone on line " + line
	var port *gateway.PortStatus
	for i := range g.ports {
		if g.ports[i].Name == line && g.ports[i].Kind == "fxo" {
			port = &g.ports[i]
		}
	}
	switch {
	case port == nil:
		return gateway.LearnedTone{}, fmt.Errorf("%s: %w", where, gateway.ErrUnknownLine)
	case req.Number == "" || req.Seconds != 0 && (req.Seconds < gateway.LearnMinSeconds || req.Seconds > gateway.LearnMaxSeconds):
		return gateway.LearnedTone{}, fmt.Errorf("%s: number %q, seconds %v: %w", where, req.Number, req.Seconds, gateway.ErrLearnRequest)
	case port.State != gateway.PortIdle:
		return gateway.LearnedTone{}, fmt.Errorf("%s: %w: %s", where, gateway.ErrLineBusy, port.State)
	case g.learnErr != nil:
		return gateway.LearnedTone{}, fmt.Errorf("%s: %w", where, g.learnErr)
	}
	res := gateway.LearnedTone{Signature: "busy 480 Hz 300/200 ms", Signal: "busy", Freqs: []float64{480},
		Cadence: []int64{300, 200}, Levels: []float64{0}, LevelDBm0: -16, Seconds: 8}
	if g.learnRes != nil {
		res = *g.learnRes
	}
	res.Line, res.Number = line, req.Number
	return res, nil
}

// LearnCall is one LearnTone request.
type LearnCall struct {
	Line    string
	Request gateway.LearnRequest
}

// SetLearn sets what LearnTone answers for a valid request on an idle
// line: res (nil: the default), or err when not nil.
func (g *Gateway) SetLearn(res *gateway.LearnedTone, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.learnRes, g.learnErr = res, err
}

// LearnRequests returns the LearnTone requests received so far.
func (g *Gateway) LearnRequests() []LearnCall {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]LearnCall(nil), g.learnReqs...)
}
