// Package hal is the hardware contract between the telephony layer and a
// telephony card: a Board has Spans, a Span has Channels, and an open Channel
// carries 8 kHz linear audio in fixed-size frames plus signalling (hook
// state, ringing, polarity, flash, alarms).
//
// The model follows the Linux DAHDI driver, which the real backend
// (hal/dahdi) drives: a channel read blocks until the card has a block of
// samples (DAHDI_SET_BLOCKSIZE), signalling arrives as events
// (DAHDI_GETEVENT) and is sent with hook commands (DAHDI_HOOK: ONHOOK,
// OFFHOOK, FLASH, RING, RINGOFF, WINK). The card's frame clock is the only
// audio clock in the system: every channel loop is paced by ReadFrame.
//
// Optional capabilities are small interfaces found by type assertion:
// RingCadencer, PolarityReverser, VMWIIndicator, Gainer, EchoCanceller
// (hardware echo cancellers) and HDLC (D-channels). Backends report raw hook
// transitions where the hardware does; hook flash and rotary digit
// classification then happen in the telephony layer with configurable
// windows. Backends whose driver classifies them itself report EventFlash and
// EventPulseDigit.
//
// Errors are wrapped in *ChannelError naming span, channel and operation, and
// match the sentinel errors (ErrClosed, ErrBusy, ...) with errors.Is.
//
// Every backend must pass the conformance suite in hal/haltest.
//
// Concurrency: a Channel belongs to one goroutine (its channel loop); Close
// may be called from any goroutine and unblocks a pending ReadFrame.
package hal
