// Package sip is the gateway's SIP user agent: listeners, registrations,
// calls with their SDP negotiation and RTP sessions.
//
// It is built on github.com/emiago/sipgo for the transport and transaction
// layers (RFC 3261 17, 18) and its dialog sessions (RFC 3261 12-15);
// registration refresh, digest retries, SDP offer/answer (package
// tipring/sip/sdp, RFC 3264) and the call state logic are ours. Media runs
// in tipring/sip/media. Nothing here touches sipgo's package-level timers.
//
// # Listeners and routing
//
// Config.Listen names one UDP and/or one TCP listener. Requests we send over
// UDP leave from the UDP listener's socket (RFC 3261 18.1.1), so responses
// and in-dialog requests come back to it; TCP requests use a connection of
// their own and responses return on it (18.2.2). Via, Contact and SDP
// advertise Config.Host. The transport of a request is the ";transport="
// parameter of its target (or of the outbound proxy); default UDP.
//
// # Registration (RFC 3261 10)
//
// Every account with a Registrar gets one goroutine that sends REGISTER with
// a Call-ID kept for the UA's lifetime and an increasing CSeq (10.2.4),
// answers 401/407 challenges with MD5 digest, with or without qop=auth
// (RFC 2617 3.2.2, via sipgo's digest helper), retries 423 with Min-Expires
// (10.2.8), and reads the lifetime granted from our Contact's expires
// parameter or the Expires header. It refreshes at half the lifetime for
// short bindings, five minutes before expiry for long ones, less up to 10%
// jitter; failures are retried with jittered exponential backoff from 2 s
// to 5 min. At shutdown it removes the binding with Expires: 0. The outcome
// is visible through UA.Registrations.
//
// # Calls
//
// Outgoing (UA.Dial): INVITE with an SDP offer (configured codecs in order,
// telephone-event/8000 with fmtp 0-16, ptime 20, sendrecv); 401/407 are
// answered once with digest credentials on a new CSeq and the same Call-ID;
// 1xx map to EventTrying/EventRinging, a 1xx with SDP starts early media
// (EventProgress); a 2xx is ACKed (13.2.2.4) and gives EventAnswered; a final
// non-2xx gives EventFailed with its code. Hangup sends CANCEL while early
// (9.1: only after a provisional response has arrived, so a call that has
// heard nothing ends when the INVITE times out; a 2xx crossing the CANCEL
// is ACKed and ended with BYE) and BYE once answered.
//
// Incoming: 100 Trying at once; the account is the one whose user equals the
// Request-URI user, else the To user (404 otherwise). The SDP offer must be
// present (offerless INVITEs get 488), parse (400 otherwise) and share a
// codec with us (488 otherwise). The answer carries the first codec of the
// offer we support plus telephone-event at the offered payload type. The
// handler then calls Ringing (180), Answer (2xx retransmitted until ACK,
// 13.3.1.4; without ACK the call is ended with BYE) or Reject. A CANCEL is
// answered by the transaction layer (200, then 487) and ends the call with
// EventEnded code 487. A handler that does nothing for 32 s, or lets a call
// ring for 5 minutes, gets the call answered with 480 for it. BYE from either
// side ends a call (EventEnded). Re-INVITEs with an offer are answered
// keeping the negotiated codec (hold, address change; RFC 3264 8); OPTIONS
// gets 200 with Allow and Accept; other methods get 405.
//
// # Concurrency
//
// UA and Call methods are safe for concurrent use. sipgo runs each
// incoming request in its own goroutine; the goroutine of a new INVITE owns
// that server transaction until the final response is done. Call events are
// delivered on a buffered channel that is never blocked on: each progress
// kind is reported once, and the terminal event (EventEnded or EventFailed)
// is always delivered, after which the channel is closed. Handler.OnIncoming
// must not block. Hangup, Answer and Reject return at once; their outcome
// arrives as events.
package sip
