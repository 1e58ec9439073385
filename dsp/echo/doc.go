// Package echo is a line (hybrid) echo canceller after ITU-T G.168 for
// 8 kHz telephone channels, with tails of 16 to 128 ms.
//
// # Signal path
//
// Rin is the far-end signal sent toward the 2-wire line, Sin what returns
// from it (near-end speech plus the hybrid's echo of Rin), Sout the
// cancelled signal (G.168 clause 3 terminology). Process takes Rin and Sin
// and writes Sout; Sout lags Sin by Latency (one 8 ms block), the cost of
// block-wise adaptation.
//
//   - High-pass (Config.HighPass): a 100 Hz Butterworth section removes
//     DC and hum from Sin. The same filter runs on the reference, so the
//     echo path the canceller models is unchanged.
//   - Adaptive filter: a partitioned-block frequency-domain NLMS filter
//     (multidelay filter) with 64-sample blocks, 128-point real FFTs and
//     overlap-save; the tail is covered by ceil(tail/8 ms) partitions. The
//     step is normalised per frequency bin by the reference power over the
//     whole tail, regularised by an absolute floor and by 1 % of the mean
//     bin power (narrow-band signals, G.168 test 6, leave most bins empty)
//     and reduced from 0.5 to 0.125 as the filter nears the G.711
//     quantisation floor. The partitions are re-constrained to linear
//     convolution in turn, one per block.
//   - Two-path double-talk protection: the background filter adapts, the
//     foreground filter produces Sout and receives the background
//     coefficients only when they are significantly better (a test on the
//     error energies against the energy of the difference of the two echo
//     estimates); a much worse background filter is reset from the
//     foreground. The Geigel detector (Sin peak above half the largest Rin
//     peak over the tail, i.e. ERL >= 6 dB assumed) stops adaptation; a
//     residual well above the expected residual echo makes the exchange
//     stricter (6 dB better on three blocks in a row), because a background
//     filter adapting on voiced near-end speech partly predicts it.
//   - NLP (Config.NLP, clause 3.8): while the far end talks and no near-end
//     speech is detected, Sout is replaced by comfort noise whose level and
//     spectral tilt (order-2 LPC) follow the background measured while the
//     far end is silent (G.168 test 9). Engaging is immediate, release fades
//     over one block. The background estimate is bounded by the smoothed
//     Sin power and by -30 dBm0, and each block's comfort noise by that
//     block's Sin power, so Sout never exceeds Sin: a steady tone heard
//     while the far end is silent (an exchange's dial tone) cannot come
//     back as comfort noise, nor mask near-end speech. Near-end speech is
//     a residual at least 9 dB above the residual echo expected from the
//     loudest Rin over the tail and the measured combined loss, and within
//     12 dB of Sin; before convergence, Sin 3 dB above the loudest Rin
//     block. Independently of the filter, Sin 9 dB above the echo that the
//     smallest measured ERL (if 12 dB or more) allows, with the Geigel test
//     firing, is near-end speech: it carries double talk through echo path
//     changes that move the pure delay within the tail (a transmit queue
//     that grows or shrinks by whole frames), which leave the ERL as it
//     was, and stops the expected residual from creeping up meanwhile.
//   - Tone disabler (Config.ToneDisable, G.165 clause 4, G.164 clause 5,
//     G.168 clause 6.4.1): 2100 Hz on Rin or Sin whose phase reverses
//     twice 450 ± 25 ms apart bypasses the canceller (Sout = Sin, no
//     adaptation); plain 2100 Hz does not. The bypass holds while either
//     direction carries more than -36 dBm0 and ends after 250 ms below.
//
// # Speed
//
// Per 8 ms block the filter does six 128-point real FFTs (reference in,
// background and foreground echo estimates out, error in, and one
// partition's constraint out and in), two complex multiply-accumulates
// over the tail and one gradient update. A real FFT is a 64-point complex
// FFT on the even/odd sample pairs plus a split step; the complex FFT is
// an 8×8 "four-step" decomposition (column DFTs, twiddles, transpose,
// column DFTs) that works on whole rows of eight, needs no bit-reversal
// and maps directly onto vector registers. The far-end spectra of the
// last tail are kept in a ring (one forward FFT per block), and their
// power sums are updated incrementally.
//
// The hot loops (FFT passes, split steps, multiply-accumulate, gradient
// update, power spectrum, step normalisation, error energies, tone
// correlation, rounding to 16 bits) have assembly kernels for amd64 (AVX2
// and FMA3, chosen at run time with golang.org/x/sys/cpu) and arm64
// (NEON), beside portable Go versions used on other architectures, on
// processors without AVX2, and with the purego build tag. The FFT buffers
// are 32-byte aligned. TestVectorKernelsMatchGo runs both versions on the
// same random data; they agree to rounding (fused multiply-adds and
// summation order differ), within 2e-6 of the largest output, and
// exactly for the rounding to 16 bits.
//
// # Conformance
//
// The tests are named after the G.168 clause 7 tests they implement, with
// echo paths synthesised after the Annex D models (D.2 to D.9: dispersion
// 4 to 16 ms, ERL 6, 10 and 15 dB, pure delay up to the tail), G.711
// µ-law on Rin and Sin and a composite source signal of voiced, unvoiced
// and silent segments: steady-state ERLE >= 30 dB with the NLP off
// (test 1), combined loss >= 20 dB within 1 s (test 2B), residual <= -65
// dBm0 with the NLP on from 1 s to 10 s and after a path change (test
// 2A), no divergence in double talk at 0 and -15 dB (tests 3A/3B), no
// leak over 120 s (test 4), no divergence on tones and DTMF (test 6),
// comfort noise within ±3 dB (test 9) and the tone disabler. Beyond the
// clause 7 tests: a pure delay that jumps by 1 to 3 frames of 20 ms at
// random times under a steady far-end tone (20 dB ERL) never makes Sout
// louder than Sin over 100 ms (clause 7.3 asks echo path changes not to
// destabilise the canceller) and the near-end tone passes within ±1 dB
// (TestEchoPathJumps); a dial tone on Sin before the far end talks never
// returns as comfort noise above Sin (TestComfortNoiseBoundedBySin).
//
// # Concurrency
//
// A Canceller belongs to one goroutine (the channel's frame loop); its
// methods must not be called concurrently. Process does not allocate;
// New allocates the filter state (about 40 KB for a 128 ms tail).
package echo
