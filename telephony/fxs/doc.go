// Package fxs implements the FXS line: the analog loop that feeds a
// telephone, as a line card or ATA runs it.
//
// The line state machine (Machine.Step) is pure: Step(line, event, now)
// returns the new line and the actions to carry out, with time injected, so
// it is table-tested in simulated time. States follow the call flow of
// Telcordia GR-506 / ITU-T Q.35 call progress: Idle → DialTone (dial tone,
// first-digit timer) → Collecting (digit map with long and short
// inter-digit timers) → Routing → Alerting (ringback tone or early media) →
// Connected → on-hook; incoming Ringing (the zone's ring cadence) → answer →
// Connected; a call the far end clears plays busy tone, then after the
// off-hook warning timer the receiver off-hook tone (howler), then silence
// (lockout) until the phone is hung up.
//
// Hook classifies raw hook-switch transitions into off-hook, on-hook (a break
// longer than the flash window), hook flash (default 100–800 ms) and rotary
// digits (breaks shorter than a flash, counted until a make longer than the
// inter-digit gap).
//
// Port is the channel loop: one goroutine owns the hal.Channel, reads a frame,
// drains signalling events and gateway commands, runs the DTMF detector,
// steps the machine, plays tones (dsp/tone) and exchanges audio with the
// attached AudioLeg. Nothing in the frame loop allocates or takes a lock; the
// gateway talks to the port through a command queue and receives Notes.
package fxs
