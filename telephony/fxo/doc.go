// Package fxo implements the FXO line: our end of an analog loop to a
// central office or PBX, as a PSTN gateway or an FXO card runs it.
//
// # State machine
//
// Machine.Step(line, event, now) is pure: it returns the new Line and the
// actions to carry out, with time injected, so it is table-tested in
// simulated time. States: Idle → Ringing (incoming) → Connected (answered)
// [→ Collecting for two-stage dialling → Connected]; Idle → Seized (loop
// closed, waiting for dial tone) → Dialling → Proceeding (number sent, the
// network's ringback heard) → Connected; any call → Guard (clear-down time)
// → Idle. Lifeline takes the port out of service while the power-fail relay
// hands the line to a telephone.
//
// # Incoming calls
//
// Ringing voltage (hal.EventRingBegin/EventRingEnd) is qualified by
// duration: a burst counts as a ring once it has lasted RingMinBurst (320
// ms, so the ring-pulse alerting signal of ETSI EN 300 659-1 clause 6.1.1,
// 200-300 ms, is not a ring), bursts that begin within RingMerge of the
// previous one are one ring (the double ring of uk/au/in), and RingTimeout
// without ringing means the caller gave up. At RingsBeforeAnswer rings the
// port sends NoteIncoming with the caller ID received so far; a caller ID
// that arrives later comes as NoteCallerID. The gateway decides the inbound
// mode (fixed destination, two-stage dialling, DID) and calls Answer, and
// for two-stage dialling Collect (prompt or dial tone, DTMF collected with
// a telephony/digitmap map and the FXS port's timers).
//
// Caller ID: while the line is on hook and no ringing voltage is on it, the
// port runs a dsp/cid Receiver for each configured scheme (DefaultCallerID
// by zone: Bellcore GR-30-CORE in North America, BT SIN 227 in the uk, NTT
// in jp, ETSI EN 300 659-1/-3 FSK plus DTMF CLIP elsewhere). Running them
// throughout the on-hook state covers every alerting method: data before
// the first ring after a line reversal, DT-AS or ring-pulse alert (EN 300
// 659-1 clauses 6.1.2-6.1.4, SIN 227), and data between the first and
// second ring (GR-30-CORE clause 3.2). A caller ID older than
// CallerIDMaxAge when ringing starts belongs to no call and is dropped.
// Withheld numbers come as an empty number with the name "Private" or
// "Unavailable".
//
// # Outgoing calls
//
// Dial seizes the loop and waits for the zone's dial tone (its frequencies
// holding most of the received power for 300 ms in total, so cadenced dial
// tones count too); without dial tone within DialToneWait it dials blind,
// or fails with Supervision.RequireDialTone (DialNeedTone fails without dial
// tone whatever the supervision says). Digits go out as DTMF
// (dsp/dtmf, the zone's send levels) or as loop-disconnect pulses (10 pps,
// 60/40 break/make, 700 ms between digits; standard, Swedish or New Zealand
// coding). The call is answered when the line reverses (answer supervision
// by polarity) or is assumed answered AnswerDelay after dialling.
//
// A leg that reports FlashDigit ('!': RFC 4733 event 16, SIP INFO
// Signal=16) through DTMFSource makes the port flash the line (Flash)
// instead of playing a tone: hook flash pass-through from SIP.
//
// # Disconnect supervision
//
// A call the far end has left is never held open: the port notes
// NoteDisconnected and releases the line in the same frame. Methods:
//
//   - loop-current drop (hal.EventOnHook on an FXO channel; calling party
//     control, CPC), qualified by CPCQualify (100-800 ms; a backend that
//     reports the current's return with hal.EventOffHook cancels it);
//     ignored during our own flash and pulse breaks;
//   - a polarity reversal during a connected call;
//   - busy or congestion tone of the zone, recognised by frequency and
//     cadence (two full cycles, each burst and pause within 20 % or 60 ms
//     of the zone's table), or by any ProgressDetector supplied in Config:
//     NewProgress adds tones learnt from an unknown PBX (dsp/progress
//     signatures, recognised by a dsp/progress Detector of the whole zone
//     beside the built-in one, so the zone's ringback is not taken for a
//     learnt tone that shares a frequency with it);
//   - no received signal above SilenceLevelDBm0 for SilenceTimeout.
//
// # Port
//
// Port is the channel loop: one goroutine owns the hal.Channel, reads a
// frame, drains signalling events and gateway commands, runs the receive
// DSP (line echo canceller while the loop is held, caller-ID receivers on
// hook, dial tone, DTMF and disconnect-tone detectors off hook), steps the
// machine, dials, plays tones and exchanges audio with the attached
// AudioLeg. Notes go to the gateway through a callback. Status gives hunts
// what they need: availability, lifeline, last use time and call count.
//
// # Concurrency
//
// Run is the only goroutine that touches the channel and the line state.
// Dial, Answer, Release, Flash, Collect, Attach and SetLifeline queue a
// command and may be called from any goroutine; State, Available, Status and
// Lifeline read atomics or a mutex-guarded snapshot. The notify callback is
// called from the loop and must not block. Machine values are immutable
// once built and Step is safe for concurrent use.
package fxo
