package sip

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Content types of DTMF carried in INFO requests (RFC 6086 with the
// de-facto application/dtmf-relay body of Cisco and most PBXs).
const (
	contentTypeDTMFRelay = "application/dtmf-relay"
	contentTypeDTMF      = "application/dtmf"
	infoQueueLen         = 32
)

var errBadHeaderValue = errors.New("sip: header value contains a line break")

// InfoDTMF is a digit received in an INFO request.
type InfoDTMF struct {
	Digit    byte          // 0-9 * # A-D, or '!' for flash (event 16)
	Duration time.Duration // as the sender stated it; 0 if not given
}

// infoQueue holds received INFO digits; guarded by Call.mu.
type infoQueue struct {
	buf []InfoDTMF
}

// PollInfoDTMF returns the next digit received by INFO, if any. Digits
// sent as RFC 4733 telephone-events arrive through Media().PollDTMF.
func (c *Call) PollInfoDTMF() (InfoDTMF, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dtmfInfo.buf) == 0 {
		return InfoDTMF{}, false
	}
	d := c.dtmfInfo.buf[0]
	c.dtmfInfo.buf = c.dtmfInfo.buf[1:]
	return d, true
}

// SendInfoDTMF sends digit in an INFO request with an
// application/dtmf-relay body ("Signal=5", "Duration=160" in ms), for peers
// that take DTMF that way instead of RFC 4733. It returns when the INFO is
// answered.
func (c *Call) SendInfoDTMF(digit byte, d time.Duration) error {
	sig, ok := infoSignal(digit)
	if !ok {
		return fmt.Errorf("sip: INFO %s: invalid digit %q", c.id, digit)
	}
	c.mu.Lock()
	answered := c.state == stateAnswered
	c.mu.Unlock()
	if !answered {
		return errNotAnswered
	}
	body := fmt.Appendf(nil, "Signal=%s\r\nDuration=%d\r\n", sig, d.Milliseconds())
	req := c.newInDialog(sipgo_sip.INFO, body, contentTypeDTMFRelay)
	ctx, cancel := context.WithTimeout(context.Background(), 64*sipgo_sip.T1)
	defer cancel()
	res, err := c.doInDialog(ctx, req)
	if err != nil {
		return err
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sip: INFO %s: %d %s", c.id, res.StatusCode, res.Reason)
	}
	return nil
}

func infoSignal(d byte) (string, bool) {
	switch {
	case d >= '0' && d <= '9', d == '*', d == '#':
		return string(d), true
	case d >= 'A' && d <= 'D':
		return string(d), true
	case d >= 'a' && d <= 'd':
		return string(d - 'a' + 'A'), true
	case d == '!':
		return "16", true
	}
	return "", false
}

// parseSignal reads a Signal value: a digit character, or an event
// number 0-16 as some senders write it (10 = *, 11 = #, 12-15 = A-D, 16 =
// flash; RFC 4733 3.2).
func parseSignal(s string) (byte, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 1 {
		d := s[0]
		switch {
		case d >= '0' && d <= '9', d == '*', d == '#', d >= 'A' && d <= 'D':
			return d, true
		case d >= 'a' && d <= 'd':
			return d - 'a' + 'A', true
		case d == '!':
			return '!', true
		}
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 10 || n > 16 {
		return 0, false
	}
	return "*#ABCD!"[n-10], true
}

// parseDTMFRelay reads an application/dtmf-relay body.
func parseDTMFRelay(b []byte) (InfoDTMF, bool) {
	var d InfoDTMF
	ok := false
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(strings.TrimSpace(line), "=")
		if !found {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "signal":
			d.Digit, ok = parseSignal(v)
		case "duration":
			if ms, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && ms > 0 && ms < 60000 {
				d.Duration = time.Duration(ms) * time.Millisecond
			}
		}
	}
	return d, ok
}

func (u *UA) onInfo(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.inDialogCall(req, tx)
	if c == nil {
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct, _, _ = strings.Cut(strings.ToLower(h.Value()), ";")
		ct = strings.TrimSpace(ct)
	}
	var d InfoDTMF
	var ok bool
	switch ct {
	case contentTypeDTMFRelay:
		d, ok = parseDTMFRelay(req.Body())
	case contentTypeDTMF:
		d.Digit, ok = parseSignal(string(req.Body()))
	case "":
		// An empty INFO is a keepalive probe (RFC 6086 4.2.2).
		u.respond(req, tx, 200, "OK")
		return
	default:
		u.respond(req, tx, 415, "Unsupported Media Type", sipgo_sip.NewHeader("Accept", contentTypeDTMFRelay+", "+contentTypeDTMF))
		return
	}
	if !ok {
		u.respond(req, tx, 400, "Bad Request - DTMF body")
		return
	}
	c.mu.Lock()
	if len(c.dtmfInfo.buf) < infoQueueLen {
		c.dtmfInfo.buf = append(c.dtmfInfo.buf, d)
	}
	c.mu.Unlock()
	u.respond(req, tx, 200, "OK")
}
