// Package sdes negotiates SRTP keys in SDP: SDP security descriptions
// for media streams, RFC 4568.
//
// # Standards
//
//   - The a=crypto attribute, RFC 4568 §9.1 grammar: tag (1*9DIGIT),
//     crypto-suite, key-params ("inline:" key-salt ["|" lifetime]
//     ["|" MKI ":" length], several separated by ';'), session-params
//     (§4, §6.1, §6.3). Parse and Crypto.String are exact inverses on
//     what Parse accepts; a lifetime that is a power of two is written
//     "2^n". Only the inline key method exists (§6.1); other methods
//     fail to parse.
//   - Suites AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32
//     (§6.2.1, §6.2.2): 30 octets of master key and salt, base64 (RFC
//     4648 §4). Other suites parse but are never chosen.
//   - Key generation from crypto/rand, a new key per offer and per
//     answer, never shared between directions (§10.1, RFC 3711 §9.2).
//   - Offer/answer (§5, §7.1): the offer lists one line per suite in
//     order of preference with tags 1 and 2; the answerer takes the first
//     acceptable line in the offer's order and answers it with the same
//     tag and suite and a key of its own; the offerer checks that the
//     answer picked one of its tags with the same suite. An acceptable
//     line has one key, no MKI (package media sends none), and no session
//     parameter other than WSH and KDR=0 (§6.3: a line whose parameters
//     are not all supported is not used).
//
// # Policy
//
// Policy says how a trunk or account uses SRTP:
//
//	policy     offer m=    a=crypto  answer to RTP/SAVP  answer to RTP/AVP
//	off        RTP/AVP     none      488                 plain, keys ignored
//	optional   RTP/AVP     yes       SRTP or 488         SRTP if offered and usable, else plain
//	mandatory  RTP/SAVP    yes       SRTP or 488         SRTP if offered and usable, else 488
//
// Optional is "best-effort SRTP": an RTP/AVP offer carrying keys, which
// peers that do SDES answer with a key (and then both ends encrypt) and
// others ignore. Under mandatory an answer without an acceptable key
// fails Offer.Complete and the call must be ended. The answer's m=
// protocol is always the offer's (RFC 3264 §6).
//
// # Use in the user agent
//
// Offering (INVITE, re-INVITE):
//
//	off, err := sdes.NewOffer(policy)
//	// audio m= line: Proto = off.Proto; one a=crypto per off.Attributes()
//	//   (sdp.Attribute{Key: sdes.Attribute, Value: v})
//	// ... when the answer arrives, with am its audio m= line:
//	cfg, err := off.Complete(am.Proto, cryptoValues(am)) // errors.Is(err, sdes.ErrNotAcceptable): end the call
//	sess.Start(media.Params{..., SRTP: cfg})             // cfg nil: plain RTP
//
// Answering:
//
//	ans, err := sdes.NewAnswer(policy, om.Proto, cryptoValues(om))
//	// errors.Is(err, sdes.ErrNotAcceptable): 488 Not Acceptable Here
//	// answer m= line: Proto = ans.Proto; a=crypto per ans.Attributes()
//	sess.Start(media.Params{..., SRTP: ans.SRTP})
//
// cryptoValues collects the values of a media section's "crypto"
// attributes in order. The SDP package's audio selection must accept
// RTP/SAVP as well as RTP/AVP for this to work.
//
// # Concurrency
//
// Functions are safe to call from any goroutine; an Offer is used by the
// one goroutine that handles its dialog.
package sdes
