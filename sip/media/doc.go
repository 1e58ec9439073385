// Package media is the media leg of a SIP call: G.711 audio over RTP with
// RTCP reports and RFC 4733 telephone-events, between a TDM channel and
// the network.
//
// # Standards
//
//   - RTP and RTCP, RFC 3550: fixed header (§5.1), random SSRC, initial
//     sequence number and timestamp (§5.1, §8); sequence tracking, loss and
//     wraparound (Appendix A.1, A.3); interarrival jitter (§6.4.1, A.8);
//     SR/RR with one report block, SDES CNAME, BYE on Close (§6.4, §6.5,
//     §6.6); report interval randomised to 0.5–1.5 × 5 s (§6.2, §6.3.1,
//     without timer reconsideration, which only matters for large groups);
//     RTCP on RTP port + 1 (§11).
//   - RTP/AVP, RFC 3551: PCMU (payload type 0) and PCMA (8), 8 kHz, one
//     byte per sample (§4.5.14); the marker bit on the first packet of a
//     talkspurt (§4.1).
//   - Telephone-events, RFC 4733: events 0–15 (DTMF 0-9 * # A-D) and 16
//     (flash, reported as '!') (§3.2); sender per §2.5.1 (marker on the
//     first packet, one timestamp per event, duration growing every packet,
//     three end packets); receiver per §2.5.2 (events identified by
//     timestamp, retransmissions folded into one start and one end).
//   - Symmetric RTP, RFC 4961, as an option (Params.Symmetric): the first
//     valid packet latches the destination to its source; another source
//     takes over only after RelatchPackets (5) consecutive valid packets.
//   - SRTP and SRTCP, RFC 3711, with pion/srtp, when Params.SRTP is set:
//     suites AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 of
//     RFC 4568 §6.2 (AES-CM encryption §4.1.1, HMAC-SHA1 authentication
//     §4.2.1 with an 80- or 32-bit tag on SRTP and 80 bits on SRTCP,
//     key derivation §4.3 with a key derivation rate of 0), replay
//     protection with a 128-packet window on both (§3.3.2), no MKI. Keys
//     come from SDP security descriptions (package sdes).
//
// # How it works
//
// The TDM channel is the only audio clock. Push collects frames of any
// length until a packet time (default 20 ms) is full, encodes and sends
// it; the RTP timestamp advances by the samples pushed, not by a timer.
// The marker bit is set on the first packet, after a telephone-event
// (audio was suppressed) and after Start changed codec or destination.
//
// The receiver goroutine validates each datagram (version, header
// lengths, padding, payload type, payload size; failures are counted in
// Stats.Malformed), checks the source, runs the A.1 sequence check with a
// 64-packet duplicate window, and decodes audio straight into the jitter
// buffer at its timestamp. Both PCMU and PCMA are decoded whatever codec
// was negotiated for sending. A different SSRC replaces the current one
// at once after Start moved the remote address, otherwise only after three
// consecutive packets (a stray packet is discarded, a real change of
// source is followed and the buffer restarts).
//
// The jitter buffer is a 2 s ring of samples indexed by RTP timestamp.
// Playout starts a target delay (40 ms at first) behind the first packet
// and then advances exactly by the samples pulled. The target follows the
// jitter estimate (packet time + 4 × jitter, in 10 ms steps, 40–200 ms);
// it grows immediately when a packet comes late, stalling playout for the
// difference, and shrinks by 10 ms per second without late packets. The
// surplus is removed when the buffer runs dry (the next packet re-anchors
// playout, which costs nothing in silence) or, in a stream that never
// pauses, by skipping one frame when the buffer stayed more than a frame
// above target for a whole second; this also absorbs a sender clock that
// runs fast, while a slow one is absorbed by the re-anchoring. Missing
// samples are concealed by repeating the previous frame, then halving it
// every frame, then silence after five frames. While the remote sends
// telephone-events instead of audio the gap plays as silence and is not
// counted as concealment (the channel regenerates the tone from PollDTMF).
//
// Push sends with a plain UDP write; should the socket's send buffer ever
// be full the write waits for it, which on a LAN or loopback at 50 packets
// a second does not happen in practice.
//
// RTT is computed from report blocks about our SSRC as A − LSR − DLSR.
//
// With SRTP, Push encrypts and authenticates each packet into a buffer
// held by the session (no allocation), and the receiver checks the
// replay list, then the tag, then decrypts into another before the
// checks above; a packet that fails is dropped and counted in
// Stats.SRTPAuthFailures or Stats.SRTPReplayed (a replay is refused
// before the session's own duplicate check sees it). RTCP compound
// packets go out as SRTCP with the E flag and index (§3.4) and come in
// the same way. Sending and receiving use two contexts, one per key:
// our key protects what we send, the peer's checks what we receive. A
// Start with other keys or another suite replaces both contexts; with
// the same keys it keeps them, rollover counters and replay lists
// included, as a re-INVITE that repeats its keys requires (RFC 4568
// §7.1.4).
//
// # Concurrency
//
// Push, Pull, PollDTMF and the DTMF calls belong to the channel loop and
// never block beyond a short mutex hold (no I/O waits other than one
// non-blocking-in-practice UDP send in Push) and do not allocate. Start,
// Stats and Close may be called from any goroutine. A Session runs three
// goroutines: RTP receive, RTCP receive (both from Listen) and the RTCP
// reporter (from the first Start); Close stops all three and waits for
// them. Receive state is guarded by one mutex and send state by another;
// the receive path never takes the send mutex: a symmetric-RTP address it
// learns is swapped in with an atomic pointer that the senders load
// (Destination reports it).
package media
