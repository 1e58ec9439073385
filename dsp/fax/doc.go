// Package fax detects and generates the calling and answer tones that a
// gateway must recognise to handle fax and modem calls: the T.30 calling
// tone CNG, the T.30 called-terminal tone CED (which is the V.25 answer
// tone ANS), ANS with phase reversals (/ANS, V.25 clause 3.3) and the V.8
// answer tones ANSam and /ANSam (V.8 clause 7.1).
//
// # Tones (ITU-T T.30 clause 5.3, V.25 clause 3, V.8 clause 7.1)
//
//   - CNG: 1100 ±38 Hz, 0.5 s on, 3 s off.
//   - CED / ANS: 2100 ±15 Hz for 2.6-4 s.
//   - /ANS: ANS whose phase is reversed every 450 ±25 ms.
//   - ANSam: 2100 Hz amplitude-modulated by a 15 ±0.1 Hz sine at 20 ±1 %
//     depth; /ANSam adds the phase reversals of /ANS.
//
// # Detector
//
// The audio is mixed down to baseband at 1100 Hz and at 2100 Hz (complex
// demodulation) and each result is low-pass filtered by three one-pole
// sections of 200 Hz (the image at twice the carrier is more than 60 dB
// down). Every 5 ms block gives, per carrier:
//
//   - the frequency offset, from the mean phase rotation per sample;
//   - the tone's power, corrected for the filter's response at that offset,
//     so the level is exact anywhere within ±80 Hz;
//   - the block's mean phasor and the instant where the demodulated signal
//     passes closest to zero.
//
// A block carries the tone when the tone holds 60 % of the block's power,
// its offset is within the acceptance limit and within 15 Hz of the mean
// of the burst so far (speech harmonics glide; a tone does not). Bursts
// bridge up to three missing blocks. The limits sit midway between the
// accept and reject figures the gateway is specified to: CNG ±63 Hz
// (accept ±46, reject beyond ±80), ANS ±51 Hz (accept ±23, reject beyond
// ±80). The level test applies to the mean power of the whole burst, which
// is exact to a few hundredths of a dB, at -43.5 dBm0: tones at -43 dBm0
// are detected, tones at -44 dBm0 never.
//
// CNG is reported when a burst of 0.4-0.7 s ends, if the tone carried on
// average 80 % of the power and kept its level within 6 dB (a piano note
// on C#6, 1109 Hz, is in CNG's frequency range but decays). An answer tone is
// reported after 0.5 s, as ANSam if the block envelopes over the last
// 200 ms carry a 15 ±2.5 Hz component deeper than 12.5 % (accept above
// 15 %, reject below 10 %), else as ANS; it is reported again as /ANS or
// /ANSam when two phase reversals 420-480 ms apart have been seen (a block
// phasor opposite to the one 10 ms earlier, timed to the sample by the
// zero passage of the demodulated signal). The end of a reported answer
// tone is reported too, so the caller can re-enable what it disabled.
//
// # Generator
//
// Generator renders each tone (CNG with its cadence) with an optional
// frequency offset, reversal interval and modulation, for tests and for
// the gateway's own answering.
//
// # Concurrency
//
// A Detector or Generator belongs to one goroutine; Process and Fill do
// not allocate.
package fax
