package sip

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	sipgo "github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// cancelMatchWait is how long a CANCEL that matched no INVITE transaction
// waits for its INVITE before it is answered 481. sipgo hands every
// received message to a goroutine of its own, so a CANCEL sent right
// behind its INVITE can be matched before the INVITE's server transaction
// exists; a quarter second is far more than that takes and well inside
// the UAC's first CANCEL retransmission (Timer E = T1, RFC 3261 17.1.2.2).
const cancelMatchWait = 250 * time.Millisecond

// pendingInvites holds the INVITE server transactions whose handler is
// running, by cancelKey, for CANCELs the transaction layer could not match.
// The zero value is ready to use.
type pendingInvites struct {
	mu      sync.Mutex
	txs     map[string]sipgo_sip.ServerTransaction
	changed chan struct{} // closed and replaced whenever one is added
}

// cancelKey is what a CANCEL shares with the INVITE it cancels (RFC 3261
// 9.1): the top Via (branch and sent-by, 17.2.3), Call-ID, From tag and
// CSeq number.
func cancelKey(req *sipgo_sip.Request) (string, bool) {
	via, cseq, callID, from := req.Via(), req.CSeq(), req.CallID(), req.From()
	if via == nil || cseq == nil || callID == nil || from == nil {
		return "", false
	}
	branch, _ := via.Params.Get("branch")
	tag, _ := from.Params.Get("tag")
	return strings.Join([]string{branch, via.Host, strconv.Itoa(via.Port), callID.Value(), tag, strconv.FormatUint(uint64(cseq.SeqNo), 10)}, "\x00"), true
}

// add records the INVITE's transaction until the returned func is called.
func (p *pendingInvites) add(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) func() {
	key, ok := cancelKey(req)
	if !ok {
		return func() {}
	}
	p.mu.Lock()
	if p.txs == nil {
		p.txs = map[string]sipgo_sip.ServerTransaction{}
	}
	p.txs[key] = tx
	if p.changed != nil {
		close(p.changed)
		p.changed = nil
	}
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		if p.txs[key] == tx {
			delete(p.txs, key)
		}
		p.mu.Unlock()
	}
}

// await returns the pending INVITE transaction the CANCEL req cancels,
// waiting up to d for it to appear, or nil.
func (p *pendingInvites) await(req *sipgo_sip.Request, d time.Duration) sipgo_sip.ServerTransaction {
	key, ok := cancelKey(req)
	if !ok {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		p.mu.Lock()
		tx := p.txs[key]
		if p.changed == nil {
			p.changed = make(chan struct{})
		}
		changed := p.changed
		p.mu.Unlock()
		if tx != nil {
			return tx
		}
		select {
		case <-changed:
		case <-timer.C:
			return nil
		}
	}
}

// trackInvite wraps the INVITE handler so that CANCELs can find the
// transaction while the handler runs.
//
// It also repairs what a provisional response racing the CANCEL leaves:
// sipgo keeps the last response passed to the transaction even when its
// Completed state ignores it, so a 100 or 180 given just after the CANCEL's
// 487 replaces the 487. Timer G and INVITE retransmissions would then
// repeat the 1xx, and once the handler returns sipgo takes the transaction
// for unfinished and destroys it at once instead of keeping it for the ACK
// (RFC 3261 17.2.1): the ACK and a retransmitted CANCEL (then 481) match
// nothing, and a retransmitted INVITE would start a new call. Passing the
// 487 again restores it.
func (u *UA) trackInvite(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		defer u.invites.add(req, tx)()
		h(req, tx)
		if cancelled(tx) {
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 487, "Request Terminated", nil))
		}
	}
}

// cancelReceiver is the part of sipgo's *ServerTx that takes a CANCEL.
type cancelReceiver interface {
	Receive(req *sipgo_sip.Request) error
}

// onCancel answers a CANCEL the transaction layer found no INVITE for.
// When its INVITE turns up after all (it arrived first but its goroutine
// was overtaken) the CANCEL gets 200 and the INVITE is cancelled as the
// transaction layer would have done it: 487 and the dialog ended (RFC 3261
// 9.2). Otherwise it matches nothing: 481.
func (u *UA) onCancel(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	if inv, ok := u.invites.await(req, cancelMatchWait).(cancelReceiver); ok {
		u.respond(req, tx, 200, "OK")
		if err := inv.Receive(req); err != nil {
			u.log.Warn("sip: CANCEL", "err", err)
		}
		return
	}
	u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

// cancelled reports whether tx is an INVITE transaction a CANCEL has
// ended: its 487 is sent, and any response passed to it later would
// replace the 487 that Timer G and INVITE retransmissions repeat in the
// Completed state (sipgo keeps the last response given, RFC 3261 17.2.1).
func cancelled(tx sipgo_sip.ServerTransaction) bool {
	return errors.Is(tx.Err(), sipgo_sip.ErrTransactionCanceled)
}
