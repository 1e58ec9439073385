package sip

import (
	"strings"

	sipgo "github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// wellFormed wraps h with the checks RFC 3261 asks of a UAS before it
// processes any request, whatever its method (RFC 4475 3.1.2 exercises
// them):
//
//   - the CSeq method must be the request's method (8.1.1.5, 8.2): 400;
//   - every option tag in Require must be one we implement (8.2.2.3):
//     420 Bad Extension listing the others in Unsupported. ACK and CANCEL
//     are exempt (a Require there is not for us to judge), and
//     Proxy-Require is for proxies, so a UA ignores it (20.29).
//
// An ACK that fails is dropped: it is never answered.
func (u *UA) wellFormed(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		code, reason, hdrs := requestDefect(req)
		if code == 0 {
			h(req, tx)
			return
		}
		u.log.Debug("sip: malformed request", "method", req.Method.String(), "source", req.Source(), "code", code, "reason", reason)
		if req.Method == sipgo_sip.ACK {
			return
		}
		u.respond(req, tx, code, reason, hdrs...)
	}
}

// requestDefect returns the response a request that breaks one of
// wellFormed's rules gets, or 0.
func requestDefect(req *sipgo_sip.Request) (int, string, []sipgo_sip.Header) {
	if cs := req.CSeq(); cs != nil && !strings.EqualFold(cs.MethodName.String(), req.Method.String()) {
		return 400, "Bad Request - CSeq method does not match", nil
	}
	if req.Method == sipgo_sip.ACK || req.Method == sipgo_sip.CANCEL {
		return 0, "", nil
	}
	if tags := unsupportedRequired(req); len(tags) > 0 {
		return 420, "Bad Extension", []sipgo_sip.Header{sipgo_sip.NewHeader("Unsupported", strings.Join(tags, ", "))}
	}
	return 0, "", nil
}
