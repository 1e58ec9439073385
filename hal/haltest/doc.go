// Package haltest is the conformance suite that every hal backend must pass,
// in the manner of testing/slogtest: a backend's own test builds a Harness
// (the board, plus a way to drive the far side of its channels) and calls Run.
//
// # What it checks
//
//   - Enumeration: spans numbered 1..n in order, channel Info consistent
//     between SpanInfo and the opened Channel, names present, kinds valid.
//   - Open and Close: exclusive open (a second Open fails with hal.ErrBusy),
//     reopen after Close, hal.ErrNoChannel for numbers that do not exist,
//     hal.ErrClosed for every operation after Close, hal.ErrFrameSize for a
//     buffer of the wrong length. Every error must be a *hal.ChannelError that
//     names the span and channel. D-channels carry no audio: ReadFrame on
//     one fails with hal.ErrNotSupported.
//   - Pacing: N reads take at least N-MaxBuffered frame durations of board
//     time (the hardware clock is the only audio clock), and board time never
//     goes backwards.
//   - Audio both ways: a 1004 Hz test tone at -10 dBm0 (the ITU-T O.6 / G.712
//     clause 5 test frequency, offset from 1 kHz so that it does not alias on
//     the 8 kHz sampling grid) written to the channel arrives at the far end,
//     and one sent by the far end arrives through ReadFrame, each within
//     ±0.5 dB and ±2 Hz after the companding law's round trip (G.712 clause 16
//     allows ±0.3 dB for the whole A/D-D/A chain at 1020 Hz; the extra 0.2 dB
//     leaves room for the law's quantisation and a backend's gain pads).
//   - Signalling: FXS off-hook/on-hook events in order, ringing with ringer
//     events, ring trip on off-hook, ring stop; FXO ring detection
//     (EventRingBegin/EventRingEnd), answer, and loss of loop current
//     (EventOnHook); hook commands that make no sense for a kind fail with
//     hal.ErrNotSupported.
//   - Close makes a blocked ReadFrame (and ReadHDLC) return hal.ErrClosed.
//   - Optional capabilities, found by type assertion: hal.RingCadencer (the
//     cadence is applied, measured in frames), hal.Gainer (gains change the
//     measured level), hal.PolarityReverser and hal.VMWIIndicator accept
//     commands, hal.HDLC carries frames both ways on D-channels.
//
// Time is measured in frames read (or, when Harness.Now is set, in board
// time), never by the wall clock, so the suite runs unchanged against a
// simulated board in fast mode. The only wall-clock values are deadlock
// guards of several seconds around goroutines that must return.
//
// # Concurrency
//
// Run and its subtests run sequentially; each subtest opens the channels it
// needs and closes them when it ends. The suite calls ReadFrame on a channel
// from one goroutine at a time, as the hal.Channel contract requires.
package haltest
