// Package cid encodes, sends, receives and decodes caller-ID and
// message-waiting messages on analogue lines, for the schemes in use around
// the world:
//
//   - Bellcore (Telcordia GR-30-CORE): Bell 202 FSK (package fsk). SDMF
//     messages (type 0x04: MMDDHHMM date and time, then the number or 'O'
//     unavailable / 'P' private; type 0x06: message waiting, 0x42 x 3 on,
//     0x6F x 3 off) and MDMF messages (type 0x80 with parameters 0x01 date
//     and time, 0x02 number, 0x03 dialled number, 0x04 reason for absence
//     of the number, 0x07 name, 0x08 reason for absence of the name; type
//     0x82 with the visual indicator 0x0B, 0xFF on, 0x00 off).
//   - ETSI EN 300 659-1/-3: V.23 FSK; call set-up (0x80: date and time,
//     call type 0x11, calling line identity, called line identity, reasons
//     for absence, calling party name) and message waiting indicator (0x82:
//     visual indicator 0x0B, number of messages 0x13) messages. Advice of
//     charge (0x86) and SMS (0x89) messages are received and checked but
//     their content is not decoded.
//   - BT SIN 227: the ETSI message format over V.23, preceded on hook by
//     the idle state tone alert (2130 + 2750 Hz, 88-110 ms), at least 45 ms
//     of silence, 96-315 bits of channel seizure and 55-90 mark bits.
//   - NTT number display (J-CLIP): V.23 FSK, 7-bit characters with even
//     parity, framed DLE SOH header DLE STX ... DLE ETX, CRC-16 (see
//     ntt.go for the layout; DLE doubling inside the text is our reading of
//     the transparency rule and is applied symmetrically).
//   - CLIP over DTMF (EN 300 659-1 Annex B and national variants):
//     A<number>C, B00C (unavailable), B10C (private); the decoder also takes
//     D<number>C, A<number>D<diverting>B<code>C, D1#/D2#/D3# and <number>#.
//
// All FSK messages but NTT's end with a checksum, the two's complement of
// the modulo-256 sum of every other octet (GR-30-CORE clause 5.3, EN 300
// 659-3 clause 5.4); NTT frames end with a CRC-16.
//
// # Codec
//
// Append (AppendGR30, AppendETSI, AppendNTT, AppendDTMF) encodes a Message
// into the octets sent on the line. Check verifies a received message
// (checksum, CRC, parity, parameter structure) without allocating; Decode
// checks and decodes. Decoders never panic on any input (fuzz tests for
// every decoder, at octet and at audio level).
//
// # Sender
//
// A Sender queues what a line carries: for FSK schemes the channel seizure
// and mark signal of the scheme (300 + 180 bits for GR-30-CORE clause 3.2 and
// EN 300 659-1; none + 80 bits off hook for caller ID on call waiting), the
// message as asynchronous characters and 10 trailing mark bits; for BT on
// hook the tone alert and the silence after it first; for DTMF the digits
// (60 ms on, 60 ms off). SendAlert queues the 2130 + 2750 Hz alerting
// signal (the CAS of SR-3004 for caller ID on call waiting, or EN 300
// 659-1's DT-AS, which the FXS port chooses to send), SendSilence a pause.
// Ringing, line reversals and the timing against them are the port's job.
//
// # Receiver
//
// A Receiver runs the scheme's demodulator (package fsk, with its carrier
// detect) or DTMF detector (package dtmf) and assembles messages: it hunts
// for an octet that starts a message of the scheme (a known message type,
// or DLE SOH for NTT, or a DTMF start code), collects the length the
// message announces (NTT: up to DLE ETX and the CRC), then checks it.
// Every message is reported as a Result with its raw octets and an error:
// nil only when the checks passed; ErrTruncated when the carrier drops (or
// DTMF digits stop for a second) before the end. Damaged messages are never
// delivered as good.
//
// # Caller ID on call waiting
//
// CASDetector detects the 2130 + 2750 Hz alerting signal by Goertzel
// analysis of 8 ms blocks (both tones above the minimum level, within 6 dB
// of each other, 70 % of the block energy) and duration (40-130 ms); it is
// what a set (or our FXO port) uses. ACKDetector detects the set's DTMF
// acknowledgement 'A' or 'D' that the FXS port waits for before sending the
// FSK message.
//
// # Concurrency
//
// Senders, Receivers and detectors belong to one goroutine. Fill and
// Process do not allocate; Send, SendRaw and the codec functions do.
package cid
