package sip

import (
	"strconv"
	"strings"

	"github.com/pbx-dev/pbx/core/channel"
)

// causeStatus maps Q.850 causes to the SIP status a hang-up before answer
// responds with (RFC 3398 §8.2.6.1,
// https://www.rfc-editor.org/rfc/rfc3398#section-8.2.6.1). Causes the RFC
// leaves open get what Asterisk sends: 16 (normal clearing, which the RFC
// only expects after answer) is 480, 44 is 503.
var causeStatus = map[channel.Cause]int{
	1:   404, // unallocated number
	2:   404, // no route to network
	3:   404, // no route to destination
	16:  480, // normal clearing (before answer)
	17:  486, // user busy
	18:  408, // no user responding
	19:  480, // no answer from the user
	20:  480, // subscriber absent
	21:  403, // call rejected
	22:  410, // number changed
	23:  410, // redirection to new destination
	26:  404, // non-selected user clearing
	27:  502, // destination out of order
	28:  484, // address incomplete
	29:  501, // facility rejected
	31:  480, // normal unspecified
	34:  503, // no circuit available
	38:  503, // network out of order
	41:  503, // temporary failure
	42:  503, // switching equipment congestion
	44:  503, // requested channel not available
	47:  503, // resource unavailable
	55:  403, // incoming calls barred within CUG
	57:  403, // bearer capability not authorized
	58:  503, // bearer capability not presently available
	65:  488, // bearer capability not implemented
	70:  488, // only restricted digital available
	79:  501, // service or option not implemented
	87:  403, // user not member of CUG
	88:  503, // incompatible destination
	102: 504, // recovery on timer expiry
	111: 500, // protocol error
	127: 500, // interworking
}

// statusCause maps SIP failure statuses to Q.850 causes (RFC 3398
// §7.2.4.1, https://www.rfc-editor.org/rfc/rfc3398#section-7.2.4.1).
// 487 (request terminated) and 488/606 (not acceptable), which the RFC
// leaves to other information, map to 16 and 58 as Asterisk does.
var statusCause = map[int]channel.Cause{
	400: 41,
	401: 21,
	402: 21,
	403: 21,
	404: 1,
	405: 63,
	406: 79,
	407: 21,
	408: 102,
	410: 22,
	413: 127,
	414: 127,
	415: 79,
	416: 127,
	420: 127,
	421: 127,
	423: 127,
	480: 18,
	481: 41,
	482: 25,
	483: 25,
	484: 28,
	485: 1,
	486: 17,
	487: 16,
	488: 58,
	500: 41,
	501: 79,
	502: 38,
	503: 41,
	504: 102,
	505: 127,
	513: 127,
	600: 17,
	603: 21,
	604: 1,
	606: 58,
}

// CauseToStatus returns the SIP status a call hung up with cause before
// answer is rejected with (RFC 3398 §8.2.6.1). Unknown causes give 500.
func CauseToStatus(c channel.Cause) int {
	if s, ok := causeStatus[c]; ok {
		return s
	}
	return 500
}

// StatusToCause returns the Q.850 cause of a SIP final failure status
// (RFC 3398 §7.2.4.1). Statuses the table lacks map by class: 3xx and 4xx
// to 21 (call rejected), 5xx to 41 (temporary failure), 6xx to 21; 2xx and
// below to 16 (normal clearing).
func StatusToCause(status int) channel.Cause {
	if c, ok := statusCause[status]; ok {
		return c
	}
	switch {
	case status < 300:
		return channel.CauseNormalClearing
	case status < 500:
		return channel.CauseCallRejected
	case status < 600:
		return channel.CauseTemporaryFailure
	default:
		return channel.CauseCallRejected
	}
}

// reasonPhrases are the phrases of the statuses the driver sends.
var reasonPhrases = map[int]string{
	100: "Trying",
	180: "Ringing",
	183: "Session Progress",
	200: "OK",
	400: "Bad Request",
	401: "Unauthorized",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	408: "Request Timeout",
	410: "Gone",
	423: "Interval Too Brief",
	480: "Temporarily Unavailable",
	481: "Call/Transaction Does Not Exist",
	482: "Loop Detected",
	484: "Address Incomplete",
	486: "Busy Here",
	487: "Request Terminated",
	488: "Not Acceptable Here",
	491: "Request Pending",
	500: "Server Internal Error",
	501: "Not Implemented",
	502: "Bad Gateway",
	503: "Service Unavailable",
	504: "Server Time-out",
	603: "Decline",
}

// reasonPhrase returns the reason phrase of status.
func reasonPhrase(status int) string {
	if p, ok := reasonPhrases[status]; ok {
		return p
	}
	return "Unknown"
}

// reasonHeader returns the value of a Reason header for cause (RFC 3326):
// `Q.850;cause=16;text="NORMAL_CLEARING"`.
func reasonHeader(c channel.Cause) string {
	return `Q.850;cause=` + strconv.Itoa(int(c)) + `;text="` + c.String() + `"`
}

// parseReason returns the Q.850 cause of a Reason header value, or 0.
func parseReason(v string) channel.Cause {
	for part := range strings.SplitSeq(v, ",") {
		proto, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(proto), "Q.850") {
			continue
		}
		for p := range strings.SplitSeq(params, ";") {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "cause") {
				n, err := strconv.Atoi(strings.TrimSpace(val))
				if err == nil && n > 0 && n <= 127 {
					return channel.Cause(n)
				}
			}
		}
	}
	return 0
}
