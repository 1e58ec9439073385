// Package anchors measures tipring's signal processing against spandsp,
// the reference open implementation, on the same workloads in the same
// run, and prints channels per core for both and their ratio:
//
//	make bench-anchors
//
// which runs `go test -tags anchors -run TestAnchors ./bench/anchors`.
// The comparison needs cgo and Debian's libspandsp-dev; it is built only
// with the anchors tag, so spandsp is never a dependency of tipring
// itself, and without the tag this package is empty.
//
// Workloads, each in 20 ms frames of 160 samples, one channel's state
// carried from frame to frame:
//
//   - DTMF digits: the 16 digits at -10 dBm0 per tone, 50 ms on and 50 ms
//     off, in line noise at -50 dBm0 (dtmf.Detector, dtmf_rx);
//   - DTMF noise: white noise at -20 dBm0, which passes every early exit
//     (dtmf.Detector, dtmf_rx);
//   - G.711 µ-law and A-law: encode and decode of a 1004 Hz tone at
//     -10 dBm0 (g711, g711_encode/g711_decode);
//   - Bell 202 caller ID: a GR-30 MDMF message at -14 dBm0 with its
//     channel seizure and mark signal (cid.Receiver, adsi_rx with
//     ADSI_STANDARD_CLASS, which runs spandsp's FSK receiver);
//   - 32 ms echo canceller: far-end speech-like noise through a 6 ms echo
//     path at 10 dB ERL, NLP, high-pass and tone disabler on
//     (echo.Canceller, echo_can_update with a 256-tap filter and
//     adaptation, NLP, CNG and both high-pass filters).
//
// Each workload is also decoded by both sides once to check that they
// agree on what the signal holds (digits, messages), so that the ratio
// compares working receivers.
//
// # Concurrency
//
// Nothing here is for concurrent use; it is a benchmark harness.
package anchors
