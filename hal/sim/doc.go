// Package sim is a software telephony card: a hal.Board whose channels are
// wired to virtual equipment that tests and demos control. It is the board
// every test above the HAL and the demo daemon run on, so it behaves like
// a card, not like a stub: audio passes through the G.711 law, frames are
// paced by a clock, the hybrid reflects echo, phones ring with a cadence
// and dial with real DTMF audio or loop pulses, and the central office
// detects the digits our FXO port sends with a real DTMF receiver and by
// timing its loop breaks, and sends caller ID on hook as offices do.
//
// # Layout
//
// Span 1 is analog: FXS ports are channels 1..FXS (each with a Phone),
// FXO ports channels FXS+1..FXS+FXO (each with a Line: the central office
// and the far-end party behind it). E1 spans follow (2, 3, ...): timeslots
// 1-15 and 17-31 are bearer channels, each with a far-end Party on the
// Network side; timeslot 16 is the D-channel, whose HDLC frames go to and
// come from queues the Network exposes (ITU-T G.704 clause 5 puts the
// signalling channel in timeslot 16 of the 2048 kbit/s frame).
//
// # Clock and frames
//
// One goroutine produces a frame on every channel per tick. Board time
// (Now) is the number of ticks times the frame length (10, 20 or 30 ms).
// In each tick, for each channel, in this order:
//
//  1. timed signalling advances (ring cadence, pulse dialling, flashes,
//     office timers), evaluated at the start of the frame;
//  2. the frame the channel wrote (or silence) is encoded and decoded with
//     the board's law (G.711 clauses 2 and 3) and given to the line side:
//     the phone's earpiece, the office's DTMF receiver, the far-end party;
//  3. the line side produces the frame the channel will read: microphone,
//     keypad DTMF, office tones or far-end audio, plus the hybrid echo of
//     what the channel wrote (EchoDelay later, EchoLossDB weaker, only
//     while the loop is closed), encoded and decoded with the law.
//
// A channel's reader therefore sees its own writes echoed one frame plus
// EchoDelay later. WriteFrame never blocks: written frames wait in a short
// queue (8 frames, the oldest dropped on overflow), and a tick without a
// written frame sends silence. ReadFrame blocks until a frame is available;
// up to 32 frames are buffered for a reader that falls behind, from its
// first ReadFrame after Open on. PollEvent hands out an event only once the
// reader has read the frame of the tick in which it happened, so a reader
// that falls behind still times events correctly by counting frames.
//
// Realtime mode paces ticks by the wall clock, scheduled from the start
// time so that jitter never accumulates into drift; a clock that falls
// behind produces the missing frames one at a time (readers run between
// them) and gives up on more than a second. Fast mode runs on simulated
// time: the next tick happens as soon as every reading channel has either
// asked for the next frame or read its frame and written its reply, and
// something wants time to pass (a blocked reader, or a Sleep, Listen,
// DialWait or ReceiveHDLC). With nobody waiting the clock stands still, and
// a caller blocked on board time continues at exactly the board time it
// waited for, so fast runs are deterministic. A reader that does not come
// back within 200 ms of wall time is left out of the barrier until it
// reads again, so a stuck reader cannot stop the board.
//
// # Signalling
//
// FXS channels: Hook(HookRing) rings the phone with the channel's cadence
// (the zone's by default; hal.RingCadencer changes it), with EventRingerOn
// and EventRingerOff at burst edges. A phone going off hook while ringing
// trips the ring: ringing stops and only EventOffHook is reported, as
// DAHDI reports ring trip. Hook(HookRingOff) and Hook(HookOnHook) stop
// ringing (a burst in progress reports EventRingerOff). Hook switch changes,
// rotary pulses and flashes arrive as raw EventOnHook/EventOffHook: the
// telephony layer classifies them. Opening an FXS channel while the phone
// is off hook reports EventOffHook. FXS channels also implement
// hal.PolarityReverser, hal.VMWIIndicator and hal.Gainer.
//
// FXO channels: the office rings the line with the zone's cadence
// (EventRingBegin, EventRingEnd), or sends one burst of a chosen length
// (Line.RingBurst). Hook(HookOffHook) answers a ringing line (the far-end
// party is connected at once) or seizes an idle one: dial tone until the
// first digit, digits collected by a DTMF receiver on what the channel
// writes and by a loop-disconnect receiver on its hook (breaks of
// PulseBreakMin-PulseBreakMax are pulses, a make of PulseDigitGap ends a
// digit, ten pulses are 0; a longer break is a flash and is ignored, a
// break of ReleaseBreak releases the line), and the far-end party
// connected DigitTimeout (3 s) after the last digit. Hook(HookOnHook)
// releases at once in every other state. When the far end hangs up the
// office drops loop current (EventOnHook, the kewlstart disconnect) and
// plays busy tone (Line.HangupWith: congestion, howler or silence) until
// the channel releases the line with Hook(HookOnHook) or Close; with
// LineOptions.CPCOpen loop current comes back after the open interval
// (EventOffHook) and the tone starts then. Line.DropLoopCurrent makes a
// loop-current glitch of a chosen length. With LineOptions.AnswerReversal
// the office reverses the line when the far end answers a call the channel
// placed and restores it at release. Hook(HookFlash) opens the loop for
// FlashTime and reports EventHookComplete. FXO channels implement
// hal.Gainer.
//
// A line can stand for an exchange or PBX whose tones are in no zone
// table: Line.SetTone gives it its own tone for a signal (its busy tone
// after the far end hangs up, its dial tone), and Line.SetBusyNumbers makes
// numbers busy: dialling one gets busy tone DigitTimeout after the last
// digit, with loop current kept, instead of the far-end party.
//
// # Caller ID
//
// The office sends caller ID itself (Line.RingWith, or LineOptions for
// Ring) as on-hook data transmission: the channel receives it through the
// board's law while its loop is open, as a card delivers it. The
// sequences, timed in board time (constants CIDReversalGap, DTASDuration,
// DTASGap, RPASBurst, RPASGap, CIDAfterRing, CIDRingGap):
//
//   - Bellcore (Telcordia GR-30-CORE clause 3.2): Bell 202 FSK MDMF
//     CIDAfterRing after the end of the first ring (the last burst before
//     the cadence's first pause of a second or more).
//   - ETSI EN 300 659-1, data before ringing: line reversal, DT-AS (2130 +
//     2750 Hz) and V.23 FSK, then normal polarity and ringing; or a
//     ring-pulse alert (RP-AS, a short burst) and the FSK; or data after
//     the first ring like Bellcore. The message is EN 300 659-3 call
//     set-up.
//   - DTMF CLIP (EN 300 659-1 Annex B style): line reversal, A<number>C
//     (B00C / B10C when absent), then ringing.
//   - BT SIN 227: line reversal, idle state tone alert, V.23 FSK, then
//     ringing.
//   - NTT J-CLIP: line reversal, V.23 FSK with the NTT framing, then ringing.
//     The CAR signal and the terminal's primary response (a loop closure)
//     that precede the data on NTT lines are left out: the office sends
//     the data as it would to a terminal that answered the CAR at once, so
//     a port that keeps its caller-ID receiver running on hook sees the
//     same message at about the same point before ringing.
//
// The message carries the number (or the reason for its absence), the name
// and the date and time given to RingWith. Answering, StopRing or Hangup
// before the data has gone stops it (and restores the polarity).
//
// Hook commands that make no sense for a channel's kind fail with
// hal.ErrNotSupported; bearer and D-channels take none. D-channels carry
// HDLC frames (hal.HDLC) and no audio.
//
// # Concurrency
//
// One mutex guards the whole board; the clock goroutine holds it while it
// produces a tick, which does not allocate. Channels follow the hal.Channel
// contract (one owner goroutine; Close from anywhere). The control surface
// (Phone, Line, Party, Network, Snapshot) is safe for concurrent use;
// control actions take effect at the current board time and their results
// show from the next tick. Board.Close stops the clock, closes every
// channel and wakes every blocked call; no goroutine outlives it.
package sim
