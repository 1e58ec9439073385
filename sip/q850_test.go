package sip

import (
	"context"
	"testing"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// TestRFC3398CauseToStatus checks the ISUP cause → SIP response table of
// RFC 3398 7.2.4.1 and the class defaults for unlisted causes.
func TestRFC3398CauseToStatus(t *testing.T) {
	for cause, want := range map[int]int{
		1: 404, 2: 404, 3: 404, 16: 0, 17: 486, 18: 408, 19: 480, 20: 480,
		21: 403, 22: 410, 23: 410, 26: 404, 27: 502, 28: 484, 29: 510, 31: 480,
		34: 503, 38: 503, 41: 503, 42: 503, 47: 503, 55: 403, 57: 403, 58: 503,
		65: 488, 70: 488, 79: 501, 87: 403, 88: 503, 102: 504, 111: 500, 127: 500,
		// Class defaults.
		6: 480, 44: 503, 63: 503, 66: 501, 95: 500, 100: 500,
	} {
		if got := StatusForCause(cause); got != want {
			t.Errorf("cause %d → %d, want %d", cause, got, want)
		}
	}
}

// TestRFC3398StatusToCause checks the SIP response → ISUP cause table of
// RFC 3398 8.2.6.1.
func TestRFC3398StatusToCause(t *testing.T) {
	for code, want := range map[int]int{
		400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21,
		408: 102, 410: 22, 413: 127, 414: 127, 415: 79, 416: 127, 420: 127,
		421: 127, 423: 127, 480: 18, 481: 41, 482: 25, 483: 25, 484: 28,
		485: 1, 486: 17, 500: 41, 501: 79, 502: 38, 503: 41, 504: 102,
		505: 127, 513: 127, 600: 17, 603: 21, 604: 1,
		// Not in the table.
		200: 16, 487: 16, 488: 65, 606: 65, 499: 127, 580: 127,
	} {
		if got := CauseForStatus(code); got != want {
			t.Errorf("status %d → cause %d, want %d", code, got, want)
		}
	}
}

// TestRFC3398RoundTrip: a cause that maps to a status maps back to a
// cause of the same class for the busy and unallocated cases the analog
// side cares about most.
func TestRFC3398RoundTrip(t *testing.T) {
	for _, cause := range []int{CauseUnallocatedNumber, CauseUserBusy, CauseCallRejected, CauseInvalidNumber, CauseRecoveryOnTimer} {
		if back := CauseForStatus(StatusForCause(cause)); back != cause {
			t.Errorf("cause %d → %d → %d", cause, StatusForCause(cause), back)
		}
	}
}

// TestRFC6432ReasonQ850 formats and parses Reason header values.
func TestRFC6432ReasonQ850(t *testing.T) {
	if got := ReasonQ850(17); got != `Q.850;cause=17;text="User busy"` {
		t.Errorf("ReasonQ850(17) = %s", got)
	}
	if got := ReasonQ850(99); got != "Q.850;cause=99" {
		t.Errorf("ReasonQ850(99) = %s", got)
	}
	for v, want := range map[string]int{
		`Q.850;cause=16;text="Terminated"`:            16,
		`SIP;cause=480;text="x, y", Q.850 ; cause=19`: 19,
		`q.850;CAUSE=34`:                              34,
	} {
		if got, ok := ParseReasonQ850(v); !ok || got != want {
			t.Errorf("%q → %d %v, want %d", v, got, ok, want)
		}
	}
	for _, bad := range []string{"", "SIP;cause=200", "Q.850;cause=128", "Q.850;cause=x", "Q.850"} {
		if c, ok := ParseReasonQ850(bad); ok {
			t.Errorf("%q accepted as %d", bad, c)
		}
	}
}

// TestRFC6432ReasonInCalls: a Q.850 cause travels in Reason headers both
// ways: the peer's rejection and BYE set Event.Cause (mapped from the
// status when absent), RejectCause and HangupCause send it.
func TestRFC6432ReasonInCalls(t *testing.T) {
	peer := newUAS(t, "udp", func(u *uas, req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		res := sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil)
		if req.Recipient.User == "withreason" {
			res.AppendHeader(sipgo_sip.NewHeader("Reason", `Q.850;cause=34;text="No circuit"`))
		}
		_ = tx.Respond(res)
	})
	u, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), newRecorder(nil))
	for user, want := range map[string]int{"withreason": 34, "plain": CauseUserBusy} {
		c, err := u.Dial(context.Background(), "fxs1", peer.uri(user))
		if err != nil {
			t.Fatal(err)
		}
		if ev := waitEvent(t, c, EventFailed); ev.Code != 486 || ev.Cause != want {
			t.Errorf("%s: %+v, want cause %d", user, ev, want)
		}
	}

	rec := newRecorder(nil)
	u2, _ := startUA(t, dialConfig("udp:127.0.0.1:0", Account{}), rec)
	a := newUAC(t, "udp")
	var reason string
	a.onResponse = func(r *sipgo_sip.Response) { reason = hdrValue(r, "Reason") }
	done := a.call(context.Background(), ourURI(u2, "2001", "udp"), peerSDP(a.ms.LocalAddr().Port, "0"))
	c := recv(t, rec.calls, "call")
	if err := c.RejectCause(CauseUserBusy); err != nil {
		t.Fatal(err)
	}
	if code := finalCode(t, done); code != 486 || reason != `Q.850;cause=17;text="User busy"` {
		t.Errorf("rejected with %d Reason %q", code, reason)
	}
	if ev := waitEvent(t, c, EventEnded); ev.Cause != CauseUserBusy {
		t.Errorf("ended %+v", ev)
	}

	rec.onCall = func(c *Call) { _ = c.Answer() }
	a2 := newUAC(t, "udp")
	done = a2.call(context.Background(), ourURI(u2, "2001", "udp"), peerSDP(a2.ms.LocalAddr().Port, "0"))
	c = recv(t, rec.calls, "call")
	if code := finalCode(t, done); code != 200 {
		t.Fatalf("final %d", code)
	}
	_ = a2.dcs.Ack(context.Background())
	waitEvent(t, c, EventAnswered)
	if err := c.HangupCause(CauseNormalUnspecified); err != nil {
		t.Fatal(err)
	}
	bye := recv(t, a2.byes, "BYE")
	if got := hdrValue(bye, "Reason"); got != `Q.850;cause=31;text="Normal, unspecified"` {
		t.Errorf("BYE Reason %q", got)
	}
	if ev := waitEvent(t, c, EventEnded); ev.Cause != CauseNormalUnspecified {
		t.Errorf("ended %+v", ev)
	}
}
