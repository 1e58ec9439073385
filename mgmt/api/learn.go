package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"tipring/gateway"
)

// ToneLearner is the optional capability of a Gateway to learn a line's
// disconnect tone (gateway.Gateway.LearnTone); POST
// /api/v1/lines/{name}/learn-tone answers 404 when the Gateway lacks it.
type ToneLearner interface {
	LearnTone(ctx context.Context, line string, req gateway.LearnRequest) (gateway.LearnedTone, error)
}

// learnSlack is how much longer than the recording a learning request may
// take: seizing, dial tone, dialling, the exchange's delay before its tone.
const learnSlack = 90 * time.Second

func (s *server) learnTone(w http.ResponseWriter, r *http.Request) {
	tl, ok := gwAs[ToneLearner](s, w, "this gateway cannot learn tones")
	if !ok {
		return
	}
	var req gateway.LearnRequest
	if !readJSON(w, r, &req) {
		return
	}
	secs := req.Seconds
	if secs <= 0 || secs > gateway.LearnMaxSeconds {
		secs = gateway.LearnMaxSeconds
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(secs*float64(time.Second))+learnSlack)
	defer cancel()
	res, err := tl.LearnTone(ctx, r.PathValue("name"), req)
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, gateway.ErrLearnRequest):
			code = http.StatusBadRequest
		case errors.Is(err, gateway.ErrUnknownLine):
			code = http.StatusNotFound
		case errors.Is(err, gateway.ErrLineBusy):
			code = http.StatusConflict
		case errors.Is(err, gateway.ErrNoDialTone), errors.Is(err, gateway.ErrLineFailed):
			code = http.StatusBadGateway
		case errors.Is(err, gateway.ErrNoPeriodicTone):
			code = http.StatusUnprocessableEntity
		case errors.Is(err, context.DeadlineExceeded):
			code = http.StatusGatewayTimeout
		}
		if code >= 500 && code != http.StatusBadGateway {
			s.log.Warn("api: learn tone", "line", r.PathValue("name"), "err", err)
		}
		writeError(w, code, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, res)
}
