// Package digitmap compiles and matches dial plans written in the digit-map
// syntax of analog telephone adapters and MGCP (RFC 3435 §2.1.5 digit maps, in
// the simplified form ATAs use): "[2-9]xxx|*xx|0T|9x.T".
//
// A Map decides, after each digit, whether the number is complete (dial now),
// ambiguous (complete, but a longer number could match: dial when the short
// inter-digit timer expires), partial (wait for more digits under the long
// timer) or impossible (play reorder). Timers are the caller's: Match is pure.
//
// Concurrency: a compiled Map is immutable and safe for concurrent use.
package digitmap
