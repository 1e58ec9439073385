package sip

import (
	"context"
	"sync"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// lateAnswerWindow is how long a cancelled outgoing INVITE may still be
// answered: the UAS retransmits its 2xx for 64*T1 (RFC 3261 13.3.1.4).
const lateAnswerWindow = 32 * time.Second

// lateAnswers holds our outgoing calls that ended by CANCEL without a
// final response, by Call-ID and From tag, until lateAnswerWindow passes.
// The zero value is ready to use.
type lateAnswers struct {
	mu    sync.Mutex
	calls map[string]lateAnswer
}

type lateAnswer struct {
	c     *Call
	until time.Time
}

func lateKey(callID, fromTag string) string { return callID + "\x00" + fromTag }

// expect records c, cancelled with no final response seen.
func (l *lateAnswers) expect(c *Call) {
	now := time.Now()
	from := c.dcs.InviteRequest.From()
	if from == nil {
		return
	}
	tag, _ := from.Params.Get("tag")
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string]lateAnswer{}
	}
	for k, a := range l.calls {
		if now.After(a.until) {
			delete(l.calls, k)
		}
	}
	l.calls[lateKey(c.id, tag)] = lateAnswer{c: c, until: now.Add(lateAnswerWindow)}
}

// take returns, once, the cancelled call a 2xx to an INVITE belongs to.
func (l *lateAnswers) take(res *sipgo_sip.Response, now time.Time) *Call {
	cseq, callID, from := res.CSeq(), res.CallID(), res.From()
	if !res.IsSuccess() || cseq == nil || cseq.MethodName != sipgo_sip.INVITE || callID == nil || from == nil {
		return nil
	}
	tag, _ := from.Params.Get("tag")
	key := lateKey(callID.Value(), tag)
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.calls[key]
	if !ok || now.After(a.until) {
		return nil
	}
	delete(l.calls, key)
	return a.c
}

// onStrayResponse handles a response that matched no client transaction.
// A 2xx to an INVITE we cancelled is the UAS's answer crossing our CANCEL
// (the CANCEL got 481, or no final response had come before our INVITE
// transaction was given up): the dialog it establishes is confirmed with
// ACK and ended with BYE (RFC 3261 9.1, 13.2.2.4, 15).
func (u *UA) onStrayResponse(res *sipgo_sip.Response) bool {
	c := u.late.take(res, time.Now())
	if c == nil {
		return false
	}
	c.log.Info("sip: 2xx after our CANCEL, hanging up", "status", res.StatusCode)
	go func() {
		c.dcs.InviteResponse = res
		if err := c.dcs.Ack(context.Background()); err != nil {
			c.log.Warn("sip: ACK of a 2xx after CANCEL", "err", err)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
		defer cancel()
		if err := c.byeUAC(ctx); err != nil {
			c.log.Warn("sip: BYE after CANCEL", "err", err)
		}
	}()
	return true
}
