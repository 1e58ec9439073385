// Package vad detects voice activity in 8 kHz telephone audio, models the
// background noise between talk spurts, and carries that model in RFC 3389
// comfort-noise payloads (SID frames) and back into comfort noise.
//
// # Voice activity detector
//
// Audio is analysed in 10 ms frames. Per frame the detector computes the
// autocorrelation (lags 0 to the model order, across frame boundaries),
// the energy and the normalised autocorrelation at lags 1-4 as a coarse
// spectral shape. A background model - the mean autocorrelation of frames
// judged to be background, the spread of their energies (dB) and the
// typical distance of their shape from the mean shape - is learnt from the
// first 200 ms and then from frames within 1.5 dB + 1.5 sigma of the noise
// floor while no voice is active. A frame is speech when its energy is
// more than max(ThresholdDB, 2 dB + 4 sigma) above the floor, or more than
// 3 dB + 2 sigma above it with a spectral shape unlike the background's.
// The thresholds therefore widen by themselves for coloured noise, whose
// 10 ms energies fluctuate more than white noise's.
//
// The floor follows a quieter background within a few frames; a louder
// background is recognised when "speech" has kept a steady energy (smoothed
// variance below max(8, 2 + 1.5 sigma^2) dB^2, where speech swings by 10 dB
// from syllable to syllable) for 1.5 s. Voice stays active for Hangover
// (200 ms) after the last speech frame; a single loud frame only holds it
// for 20 ms.
//
// # RFC 3389 comfort noise
//
// SID is the CN payload of RFC 3389 clause 3: a noise level byte (clause
// 3.1, the magnitude of the level in dBov, 0 to 127, top bit unused; 0 dBov
// is the µ-law full-scale square wave, +6.18 dBm0) followed by any number
// of reflection coefficients (clause 3.2), each quantised to
// round(128 k) + 127 and decoded as (byte - 127) / 128. Analyze and
// Detector.SID estimate the parameters by Levinson-Durbin recursion on the
// autocorrelation (with a -40 dB noise floor for conditioning). The sign
// convention of the coefficients is documented on SID.
//
// Generator synthesises comfort noise from a SID: uniform white noise
// through the all-pole lattice filter of the reflection coefficients,
// scaled by the square root of the filter's prediction error power
// (product of 1 - k^2) so that the output has the SID's level. A received
// coefficient of ±1 is limited to ±0.995 so the filter stays stable.
//
// # Concurrency
//
// A Detector or Generator belongs to one goroutine. Process, Fill, SID,
// MarshalTo and Unmarshal do not allocate.
package vad
