// Package sdp parses and builds Session Description Protocol bodies
// (RFC 4566) and runs the offer/answer model (RFC 3264) for a single audio
// stream, as a telephony gateway needs it.
//
// Parse turns a body into a Session: the v=, o=, s=, c=, t=, m= and a= lines
// are kept (c= at session and media level, a= as ordered key/value pairs);
// i=, u=, e=, p=, b=, r=, z= and k= lines are accepted and dropped. LF line
// ends are accepted as well as CRLF (RFC 4566 5). Sizes are bounded so a
// hostile body cannot cost more than a normal one; errors wrap ErrMalformed.
// Session.Marshal writes the lines in the order RFC 4566 5 prescribes.
//
// Offer/answer:
//   - Offer builds an offer with one m=audio line: the voice codecs in the
//     caller's preference order, telephone-event (RFC 4733 7.1.1) with its
//     fmtp, a=ptime and a direction attribute.
//   - Answer takes the first audio m= line with a non-zero port and a codec
//     in common, chooses the first common codec in the offerer's order, and
//     answers with that codec alone plus telephone-event at the offered
//     payload type. Other m= lines are rejected with port 0, keeping the
//     number and order of m= lines (RFC 3264 6). The answer's direction is
//     the reverse of the offered one (RFC 3264 6.1). Without a common codec
//     it returns ErrNoCommonCodec (the caller's 488).
//   - ReadAnswer checks an answer against what was offered.
//   - Audio m= lines may be RTP/AVP or RTP/SAVP (RFC 3711 §12); the answer
//     keeps the offer's protocol (RFC 3264 6). Audio.Crypto carries the
//     a=crypto values (RFC 4568 §9.1) both ways; choosing and checking keys
//     is package sdes's work, not this one's.
//
// Payload types without a=rtpmap resolve through the static table of
// RFC 3551 6 (table 4). Connection addresses must be IP literals.
//
// Concurrency: a Session is a plain value; it is safe for concurrent reads
// and must not be modified while shared. The functions keep no state.
package sdp
