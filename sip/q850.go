package sip

import (
	"strconv"
	"strings"
)

// Q.850 cause values used by name.
const (
	CauseUnallocatedNumber  = 1
	CauseNormalClearing     = 16
	CauseUserBusy           = 17
	CauseNoUserResponding   = 18
	CauseNoAnswer           = 19
	CauseCallRejected       = 21
	CauseNumberChanged      = 22
	CauseDestOutOfOrder     = 27
	CauseInvalidNumber      = 28
	CauseNormalUnspecified  = 31
	CauseNoCircuit          = 34
	CauseNetworkOutOfOrder  = 38
	CauseTemporaryFailure   = 41
	CauseCongestion         = 42
	CauseRecoveryOnTimer    = 102
	CauseInterworking       = 127
	CauseBearerNotAvailable = 58
)

// causeToStatus is RFC 3398 7.2.4.1 (ISUP cause → SIP response).
var causeToStatus = map[int]int{
	1: 404, 2: 404, 3: 404,
	17: 486, 18: 408, 19: 480, 20: 480, 21: 403, 22: 410, 23: 410,
	26: 404, 27: 502, 28: 484, 29: 510, 31: 480,
	34: 503, 38: 503, 41: 503, 42: 503, 47: 503,
	55: 403, 57: 403, 58: 503,
	65: 488, 70: 488, 79: 501,
	87: 403, 88: 503,
	102: 504, 111: 500, 127: 500,
}

// statusToCause is RFC 3398 8.2.6.1 (SIP response → ISUP cause).
var statusToCause = map[int]int{
	400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21,
	408: 102, 410: 22, 413: 127, 414: 127, 415: 79, 416: 127, 420: 127,
	421: 127, 423: 127, 480: 18, 481: 41, 482: 25, 483: 25, 484: 28,
	485: 1, 486: 17, 500: 41, 501: 79, 502: 38, 503: 41, 504: 102,
	505: 127, 513: 127, 600: 17, 603: 21, 604: 1,
}

var causeText = map[int]string{
	1: "Unallocated number", 2: "No route to network", 3: "No route to destination",
	16: "Normal call clearing", 17: "User busy", 18: "No user responding",
	19: "No answer from user", 20: "Subscriber absent", 21: "Call rejected",
	22: "Number changed", 23: "Redirection to new destination", 25: "Exchange routing error",
	26: "Non-selected user clearing", 27: "Destination out of order",
	28: "Invalid number format", 29: "Facility rejected", 31: "Normal, unspecified",
	34: "No circuit/channel available", 38: "Network out of order", 41: "Temporary failure",
	42: "Switching equipment congestion", 47: "Resource unavailable, unspecified",
	55: "Incoming calls barred within CUG", 57: "Bearer capability not authorized",
	58: "Bearer capability not presently available", 63: "Service or option not available, unspecified",
	65: "Bearer capability not implemented", 70: "Only restricted digital information bearer capability is available",
	79: "Service or option not implemented, unspecified", 87: "User not member of CUG",
	88: "Incompatible destination", 102: "Recovery on timer expiry", 111: "Protocol error, unspecified",
	127: "Interworking, unspecified",
}

// StatusForCause maps a Q.850 cause to the SIP final response a gateway
// sends for it (RFC 3398 7.2.4.1). Causes the table does not list take the
// value for their class (Q.850 2.2.5: normal event → 480, resource
// unavailable and service not available → 503, not implemented → 501,
// invalid message, protocol error and interworking → 500). Cause 16
// (normal clearing) is not a rejection and gives 0: end the call with BYE
// or CANCEL instead.
func StatusForCause(cause int) int {
	if cause == CauseNormalClearing {
		return 0
	}
	if s, ok := causeToStatus[cause]; ok {
		return s
	}
	switch {
	case cause < 32:
		return 480
	case cause < 64:
		return 503
	case cause < 80:
		return 501
	}
	return 500
}

// CauseForStatus maps a SIP final response to the Q.850 cause a gateway
// signals to the PSTN for it (RFC 3398 8.2.6.1). 487 (a cancelled INVITE)
// gives normal clearing; responses the table leaves to the Warning header
// (488, 606) give 65 bearer capability not implemented, the cause RFC 3398
// maps to 488 the other way; other unlisted responses give 127
// interworking, unspecified. A 2xx gives normal clearing.
func CauseForStatus(code int) int {
	if c, ok := statusToCause[code]; ok {
		return c
	}
	switch {
	case code >= 200 && code < 300, code == 487:
		return CauseNormalClearing
	case code == 488 || code == 606:
		return 65
	}
	return CauseInterworking
}

// CauseText is the Q.850 name of a cause, "" when unknown.
func CauseText(cause int) string { return causeText[cause] }

// ReasonQ850 formats a Reason header value carrying a Q.850 cause
// (RFC 3326 2, RFC 6432 3), e.g. `Q.850;cause=17;text="User busy"`.
func ReasonQ850(cause int) string {
	v := "Q.850;cause=" + strconv.Itoa(cause)
	if t := CauseText(cause); t != "" {
		v += `;text="` + t + `"`
	}
	return v
}

// ParseReasonQ850 returns the Q.850 cause in a Reason header value, which
// may list several protocols ("SIP;cause=480, Q.850;cause=19"). ok is
// false when there is no valid Q.850 entry (cause 0-127).
func ParseReasonQ850(v string) (cause int, ok bool) {
	for _, item := range splitHeaderList(v) {
		params := strings.Split(item, ";")
		if !strings.EqualFold(strings.TrimSpace(params[0]), "Q.850") {
			continue
		}
		for _, p := range params[1:] {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if !strings.EqualFold(strings.TrimSpace(k), "cause") {
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 0 || n > 127 {
				return 0, false
			}
			return n, true
		}
	}
	return 0, false
}
