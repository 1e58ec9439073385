// Package guard protects the SIP user agent of the gateway from the
// internet: it drops denied and blocked sources, rate-limits requests per
// source and method, bounds message size and header count, blocks sources
// after repeated failures, answers authentication so that users cannot be
// enumerated, and sanitises caller identity from the PSTN before it reaches
// a SIP header.
//
// # How it works
//
// A request handler calls Admit with the source address, the method and the
// size and header count of the message before doing anything else, and
// obeys the Decision: process it, answer with Code (and Retry-After), or
// send nothing. The checks, in order:
//
//   - Deny list: silent drop. The deny list wins over the allow list.
//   - Allow list: admitted without further checks except the size bounds.
//     Allow-listed addresses are never blocked and never rate-limited: one
//     FXS gateway or PBX registers many accounts from one address, and one
//     misconfigured account must not lock out the others.
//   - Blocked source: silent drop by default (a scanner learns nothing, and a
//     spoofed UDP source gets no reflected traffic), or 403 if configured.
//   - Size: more than MaxMessageSize bytes is 513 Message Too Large
//     (RFC 3261 §21.5.14); more than MaxHeaders header fields is 400. Both
//     count as a Malformed failure.
//   - Rate: a token bucket per source and method class (INVITE, REGISTER,
//     OPTIONS, everything else); an empty bucket is 503 Service Unavailable
//     with Retry-After set to the whole seconds until the next token
//     (RFC 3261 §21.5.4, §20.33).
//
// ACK never gets a response (RFC 3261 §17.1.1.3), so any refusal of an ACK
// is silent.
//
// After processing, the handler reports failures with Failure (bad
// credentials, unknown user, request from an address that is no known peer,
// malformed message) and successes with Success. FailureLimit failures
// within a sliding FailureWindow block the source for BlockFor; each repeat
// offence within ForgetAfter of the previous block doubles the duration, up
// to MaxBlockFor. A success resets the failure count but not the offences.
//
// No user enumeration: Challenge (or Guard.Authenticate) gives the same
// 401 with the same realm for an unknown user and a wrong password, and
// Decoy lets the handler spend the same work on both (see Challenge).
//
// Caller ID: SanitizeDisplayName yields the content of an RFC 3261 §25.1
// quoted-string; SanitizeNumber and SanitizeUser yield a dial string and a
// SIP URI user part.
//
// # Memory
//
// Per-source state lives in a table of at most MaxTracked entries with
// least-recently-used eviction; blocks live in a separate table of at most
// MaxBlocked entries, so a flood from random (spoofed) addresses evicts only
// rate and failure state, never a block. When the block table is full the
// block that ends first is dropped. Allow and deny lists are immutable
// slices swapped atomically.
//
// # Time
//
// Time comes from Config.Now and is measured as a difference from the time
// the Guard was made, which uses Go's monotonic clock reading: a wall-clock
// step (NTP setting the clock of a box without RTC after boot) neither lifts
// nor prolongs blocks.
//
// # Concurrency
//
// A Guard is safe for concurrent use by any number of goroutines. Admit for
// denied and allow-listed sources takes no lock; everything else holds one
// mutex for a short, allocation-free critical section.
package guard
