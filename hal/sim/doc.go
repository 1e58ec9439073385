// Package sim is a software telephony card: a hal.Board whose channels are
// wired to virtual equipment that tests and demos control. It is the board
// every test above the HAL and the demo daemon run on, so it behaves like
// a card, not like a stub: audio passes through the G.711 law, frames are
// paced by a clock, the hybrid reflects echo, phones ring with a cadence
// and dial with real DTMF audio or loop pulses, and the central office
// detects the digits our FXO port sends with a real DTMF receiver.
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
// (EventRingBegin, EventRingEnd). Hook(HookOffHook) answers a ringing line
// (the far-end party is connected at once) or seizes an idle one: dial
// tone until the first DTMF digit, digits collected by a DTMF receiver on
// what the channel writes, and the far-end party connected DigitTimeout
// (3 s) after the last digit. When the far end hangs up the office drops
// loop current (EventOnHook, the kewlstart disconnect) and plays busy tone
// until the channel releases the line with Hook(HookOnHook) or Close.
// Hook(HookFlash) opens the loop for FlashTime and reports
// EventHookComplete. FXO channels implement hal.Gainer.
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
