// Package dtmf detects and generates dual-tone multi-frequency signals
// (ITU-T Q.23) in 8 kHz, 16-bit linear audio.
//
// # Detector
//
// The detector is built to the reception requirements of ITU-T Q.24
// (and the matching Bellcore numbers), which the tests check one by one:
//
//   - frequency: tones within ±1.5 % of nominal are accepted; acceptance
//     ends at 2.05-2.10 % (measured for every row and column frequency),
//     so ±3.0 % and beyond — Q.24 asks for rejection from ±3.5 % — are
//     always rejected;
//   - twist: the low-group tone up to LowTwistDB (8 dB) louder than the
//     high-group tone and the high group up to HighTwistDB (4 dB) louder
//     are accepted; the twist is measured to within 1 dB, also off
//     frequency;
//   - dynamic range: -3 to MinLevelDBm0 (-42 dBm0) per tone, 39 dB; tones
//     3 dB and more below the floor are never detected;
//   - timing: 40 ms tones with 40 ms pauses are detected, 20 ms bursts
//     never (MinDuration);
//   - noise: 1000 of 1000 digits in white noise 15 dB below each tone;
//   - talk-off: no false digit in the 75 minutes of speech (17 languages)
//     and music of tipring/dsp/internal/corpus; Q.24 allows none in
//     practice, the target is at most 2 per hour;
//   - decoding after A-law and µ-law coding, and under a zone's dial tone
//     11 dB below the digit.
//
// Audio is cut into blocks of 102 samples (12.75 ms) whatever the frame
// size given to Process. Per block:
//
//  1. Blocks too weak to hold two tones above the floor, or whose halves
//     differ in energy by more than 3 dB, are dropped at once.
//  2. Goertzel recursions of the eight Q.23 frequencies run over each half
//     block (float32, SSE2 on amd64 with a portable fallback; build tag
//     purego forces the fallback) and are combined into the full-block DFT
//     terms.
//  3. The strongest row and column must exceed the other rows and columns
//     by 4 dB. Their mutual spectral leakage, known exactly for nominal
//     tones, is removed by solving a 2x2 linear system, which gives the
//     two tone levels independent of their relative phase.
//  4. Both tones must be above the floor (less 3.5 dB), within the twist
//     limits (widened by 2 dB at this stage), carry half of the block
//     energy, and each be steady: its power in the two half blocks must
//     agree within 1.9 dB (blocks only partly covered by a tone fail
//     this, which rejects bursts shorter than two blocks).
//
// A digit is declared when two consecutive blocks (more if MinDuration
// needs it) agree and the pair passes the confirmation test: the phase
// advance of each tone from one block to the next, resolved for ambiguity
// by the phase advance between half blocks, gives each tone's frequency
// offset, which must be within ±2 %, and the half-block estimates must
// agree with it within 6 Hz (a steady tone; gliding speech harmonics are
// not). Knowing the offsets, the tone powers are corrected for the
// block's response to an off-nominal tone; then the level and twist are
// checked exactly, and the two tones must carry 88 % of the two blocks'
// energy: DTMF carries 94-100 %, voiced speech whose harmonics fall near
// a row and a column much less. Finally the column tone's second harmonic
// must be 10 dB below it.
//
// A digit on needs no confirmation to continue; it ends after two
// consecutive blocks without it (a single missing block is bridged).
// Fillin accounts for lost audio: a digit stays on across up to 60 ms of
// it (what G.711 Appendix I conceals) and must be confirmed afresh after
// any gap.
//
// # Generator
//
// Generator sends queued digits with a fixed on/off cadence (Q.23 levels
// and timing chosen by GenConfig), or one open-ended digit between Start
// and Stop, as needed to relay RFC 4733 events whose end is not yet known.
// Each tone is a recursive quadrature oscillator renormalised once per
// frame, starting at zero phase.
//
// # Concurrency
//
// A Detector or Generator belongs to one goroutine. Process, Fillin and
// Fill do not allocate (Process allocates only if a single call completes
// more events than any call before it, which needs a frame of seconds).
package dtmf
