// Package dtmf detects and generates dual-tone multi-frequency signals
// (ITU-T Q.23) in 8 kHz, 16-bit linear audio.
//
// # Detector
//
// The detector follows the structure of ITU-T Q.24 receivers (acceptance
// of ±1.5 % frequency deviation, rejection of ±3.5 %, minimum level,
// twist, minimum duration, talk-off immunity). Audio is cut into blocks of
// 102 samples (12.75 ms) regardless of the frame size given to Process.
// Per block:
//
//  1. Steadiness: the energies of the two half blocks must agree within
//     1.9 dB, so blocks only partly covered by a tone do not count.
//  2. Goertzel terms (one DFT term each) of the eight Q.23 frequencies are
//     computed over each half block and combined into the full-block term.
//  3. The strongest row and column must exceed the other rows and columns
//     by 6 dB. Their mutual spectral leakage, known exactly for on-nominal
//     tones, is removed by solving a 2x2 linear system, which gives the two
//     tone levels independent of their relative phase.
//  4. Both tones must be above MinLevelDBm0 - 3.5 dB, within the twist
//     limits (widened by 2 dB at this stage), carry half of the block
//     energy, and the column tone's second harmonic must be 10 dB below it.
//
// A digit is declared when two consecutive blocks (more if MinDuration
// needs it) agree and the pair passes the confirmation test: the phase
// advance of each tone from one block to the next, resolved for ambiguity
// by the phase advance between half blocks, gives each tone's frequency
// offset, which must be within ±2.5 % (midway between Q.24's ±1.5 % and
// ±3.5 %). Knowing the offsets, the tone powers are corrected for the
// block's response to an off-nominal tone; then the twist is checked
// exactly (reverse twist MaxTwistDB, normal twist MaxNormalTwistDB), and
// the two tones must carry 88 % of the two blocks' energy. This last test
// separates DTMF (94-100 %) from voiced speech whose harmonics happen to
// fall on a row and a column frequency (below 85 % in our tests).
//
// A digit ends after two consecutive blocks without it; a single missing
// block (a short drop-out) is bridged. Measured performance with the
// defaults: frequency acceptance ends at 2.1-2.6 % deviation; tones of
// 36 ms and longer are always detected, 21 ms and shorter never; per-tone
// levels down to -33 dBm0 are detected with MinLevelDBm0 = -30.
//
// This is a first receiver: it does not yet implement Q.24's
// interdigit-pause and signal-interruption timing tables per
// administration, nor Fillin for lost audio.
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
// A Detector or Generator belongs to one goroutine. Process and Fill do not
// allocate (Process allocates only if a single call completes more events
// than any call before it, which needs a frame of seconds).
package dtmf
