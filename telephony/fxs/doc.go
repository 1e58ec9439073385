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
// # Flash services (call waiting on)
//
// With Machine.CallWaiting, a call offered to a connected line is a waiting
// call (GR-571 style): call-waiting tone, and caller ID on call waiting.
// A hook flash then
//
//   - answers the waiting call and holds the first (ActAnswerWaiting);
//   - swaps the active and the held call (ActSwap);
//   - with no other call: holds the call and gives recall dial tone (state
//     Recall, ActHold); digits place a consultation call, a flash or the
//     first-digit timer resumes the held call (ActResume);
//   - during a connected consultation: joins all three (ActConference,
//     mixed in the channel loop: each party hears the other two at the
//     level they sent); in a conference: drops the party added last
//     (ActConferenceEnd).
//
// Hanging up with a consultation call in progress transfers the held
// party to it (blind while it rings, attended once answered; the gateway
// does it). Hanging up with a held or waiting call rings the phone again.
// Without call waiting a flash is passed to the gateway (ActFlash).
//
// Hotline (dial Machine.Hotline on off hook) and warmline (after
// HotlineDelay without a digit), and polarity reversal on answer and on
// far-end clearing (Polarity) are part of the machine too.
//
// # Caller ID
//
// The ringer (alert.go) sequences ringing with caller ID for each
// alerting method of EN 300 659-1 and GR-30-CORE, and the NTT handshake;
// dsp/cid's Sender makes the signals (FSK, DTMF, DT-AS, BT tone alert).
// Timings: data 600 ms after the end of the first ring (≥ 500 ms); line
// reversal → 150 ms → DT-AS 100 ms → 100 ms → data; RP-AS 250 ms → 650 ms →
// data; data end → 400 ms → first ring; NTT CAR (0.5 s on / off) until the
// set answers (6 s), data 300 ms after it, ringing 400 ms after it hangs
// up. Caller ID on call waiting (SR-3004, EN 300 659-2): the first burst of
// the zone's call-waiting tone, 50 ms, CAS 80 ms, the set's DTMF A or D
// within 300 ms, 100 ms, then FSK with 80 mark bits; the call's audio is
// muted both ways from the CAS to the end of the message. Names: number
// digits only, names cut to 15 (GR-30) or 50 (ETSI) printable characters;
// no number → absence 'O', privacy → 'P'.
//
// Default caller ID by zone (gateway Config.CallerID / PortConfig.CallerID
// override it with a name from CallerIDNames). Defaults follow common
// practice of the national networks; check the network you connect to.
//
//	zone  scheme          alerting                    ring cadence (ms)      CW tone
//	us    bellcore (MDMF) after first ring            2000/4000              440 Hz
//	uk    bt (SIN 227)    line reversal + tone alert  400/200/400/2000       400 Hz
//	de    etsi-fsk        after first ring            1000/4000              425 Hz
//	fr    etsi-fsk-rpas   ring pulse (RP-AS)          1500/3500              440 Hz
//	cn    bellcore        after first ring            1000/4000              450 Hz
//	jp    ntt (J-CLIP)    CAR handshake               1000/2000              zone
//	it    etsi-fsk-lr     line reversal + DT-AS       1000/4000              zone
//	nl    etsi-dtmf-lr    line reversal, DTMF         1000/4000              zone
//	au    etsi-fsk-lr     line reversal + DT-AS       400/200/400/2000       zone
//	br    etsi-dtmf       DTMF before ringing         1000/4000              zone
//	in    etsi-dtmf       DTMF before ringing         400/200/400/2000       zone
//	ru    etsi-fsk        after first ring            1000/4000              zone
//
// Other names: bellcore-sdmf, etsi-fsk-dtas, etsi-fsk-lr, etsi-dtmf-ring,
// etsi-dtmf-dtas, etsi-dtmf-rpas, off. Caller ID on call waiting is sent
// for the FSK schemes (not DTMF, not NTT). Distinctive ring cadences
// (Bellcore DR1–DR5, from Alert-Info) replace the zone's cadence per call
// (Offer.Cadence).
//
// # Message waiting
//
// SetMessageWaiting (mwi.go) lights the lamp (hal.VMWIIndicator), gives
// the zone's stutter dial tone instead of dial tone while messages wait
// (the loop substitutes the tone; Step stays pure), and sends an on-hook
// visual message waiting message once the line is idle and on hook for a
// second, never with ringing: GR-30-CORE MDMF 0x82 (SDMF 0x06 with
// bellcore-sdmf) as plain on-hook FSK; EN 300 659-3 MWI 0x82 (date and
// time, visual indicator, message count) after a line reversal and DT-AS
// (EN 300 659-1 clause 6.2), or after a DT-AS or an RP-AS when the port's
// caller ID uses those; BT SIN 227 after a line reversal and the tone
// alert. DTMF and NTT ports get the lamp and stutter tone only. Going off
// hook or a ringing call cuts the message short; it is sent again later.
//
// Hook classifies raw hook-switch transitions into off-hook, on-hook (a break
// longer than the flash window), hook flash (default 100–800 ms) and rotary
// digits (breaks shorter than a flash, counted until a make longer than the
// inter-digit gap), numbered by HookConfig.PulseMap: normal (n pulses = n,
// ten = 0), Sweden (PulseSweden: n+1 pulses = n) or New Zealand
// (PulseNewZealand: 10−n pulses = n).
//
// Port is the channel loop: one goroutine owns the hal.Channel, reads a frame,
// drains signalling events and gateway commands, runs the DTMF detector,
// steps the machine and the ringer, plays tones (dsp/tone) and caller ID
// (dsp/cid), applies per-port gains (hal.Gainer, else in the loop), and
// exchanges audio with the attached AudioLeg (or mixes two in a
// conference). Nothing in the frame loop allocates or takes a lock; the
// gateway talks to the port through a command queue (Offer encodes the
// caller ID in the caller's goroutine) and receives Notes.
package fxs
