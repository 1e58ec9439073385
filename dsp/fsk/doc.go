// Package fsk modulates and demodulates the 1200 baud binary FSK used for
// caller ID and other on-hook data: Bell 202 (Telcordia GR-30-CORE clause
// 3.1) and the forward channel of ITU-T V.23 (used by ETSI EN 300 659-1
// clause 6.1.1, BT SIN 227 and NTT). Modems are data: a Spec gives the mark
// (binary 1) and space (binary 0) frequencies and the baud rate, and Bell202
// and V23 are the two specs in use.
//
// # Modulator
//
// The caller queues what the standards put on the line: the channel
// seizure (alternating bits, QueueSeizure), the mark signal (QueueMark) and
// asynchronous characters (QueueBytes: a start bit, eight data bits least
// significant first, a stop bit). Fill renders them with one recursive
// quadrature oscillator whose per-sample rotation is switched between the
// mark and space steps at bit boundaries, so the phase is continuous
// (a "continuous-phase FSK" as V.23 and Bell 202 transmitters produce). Bit
// boundaries follow the exact bit clock, rounded to the nearest sample (at
// 1200 baud bits alternate between 7 and 6 samples, 6 2/3 on average).
//
// # Demodulator
//
// For each tone the input is multiplied by a complex local oscillator
// (a Q12 table of one common period of both tones: 40 samples for Bell 202,
// 80 for V.23, shared by all demodulators of a spec) and the products are
// summed over a sliding window of floor(SampleRate/Baud) samples (6 at 1200
// baud: one bit, so a window can lie wholly inside a bit). The bit decision at every sample is which tone has the larger
// correlation energy; it is independent of level and tolerant of twist
// (the window's response to the other tone is 10 dB down for Bell 202,
// 6 dB for V.23). All of this is exact integer arithmetic, so the sliding
// sums never drift. Audio is processed in chunks of up to 256 samples, in
// passes (products, sliding sums and decisions, receiver) that each keep
// their state in registers; the receiver looks at every sample only while
// hunting for a start edge, and at the sample points inside a character.
//
// An asynchronous receiver runs on the decisions: after at least one mark
// decision, a mark-to-space change is a start edge; the start bit is
// sampled where the window first lies wholly inside it (SampleRate/Baud/2
// - 0.5 samples after the edge) and the following bits one bit period
// apart, on a Q16 clock. A start bit that reads mark is a glitch; a stop
// bit that reads space is a framing error (the character is dropped and
// counted). Each character re-synchronises the clock, so a baud error of
// ±1 % (the tolerance of both specifications) shifts the last sample of a
// character by a tenth of a bit only.
//
// # Carrier detect
//
// The input level is the mean square of the signal averaged by a one-pole
// filter with a time constant of 64 samples (8 ms). The carrier turns on
// above DemodConfig.CutoffDBm0 + 2.5 dB and off below CutoffDBm0 - 3 dB: for
// the -30 dBm0 cut-off this is on between -29 and -26 dBm0 and off between
// -35 and -31 dBm0, the hysteresis the caller-ID receivers of EN 300 659-1
// clause 6.1.1 need. Characters are received only while the carrier is on.
// The level counts everything in the band: white noise 20 dB below the
// signal raises it by 0.04 dB.
//
// # Concurrency
//
// A Modulator or Demodulator belongs to one goroutine. Fill and Process do
// not allocate (Process allocates only if one call completes more than 64
// characters, which needs a frame of over half a second; the Queue methods
// grow their buffer beyond 4096 bits only).
package fsk
