// Package measure provides the level and frequency measurements that tests
// and tone detectors apply to 8 kHz, 16-bit linear telephone audio.
//
// # Reference level
//
// Levels are in dBm0 (ITU-T G.100 clause 3.1.1.1: the power at a point of
// zero relative level). The link between dBm0 and 16-bit linear samples is
// the digital milliwatt of ITU-T G.711 (Tables 5 and 6): an eight-code
// sequence that decodes to a 1 kHz sine at 0 dBm0. Decoded as G.191 does
// (package tipring/dsp/g711), the µ-law sequence 0x1E 0x0B 0x0B 0x1E 0x9E
// 0x8B 0x8B 0x9E has an RMS value of 16016.76 and the A-law sequence 0x34
// 0x21 0x21 0x34 0xB4 0xA1 0xA1 0xB4 an RMS value of 16139.17; the two laws
// differ by 0.066 dB because their overload points are +3.17 dBm0 (µ-law,
// 14-bit) and +3.14 dBm0 (A-law, 13-bit). DBm0Ref is the geometric mean of
// the two, 16077.8, so both digital milliwatts read 0.00 ± 0.034 dBm0 and a
// full-scale 16-bit sine (peak 32767) reads +3.17 dBm0.
//
// # Functions
//
//   - LevelDBm0: RMS level of a block.
//   - Goertzel: power of one frequency component by the Goertzel recursion
//     (a single DFT term at an arbitrary frequency), scaled so that a sine of
//     amplitude A at that frequency gives A*A/2, its mean square.
//   - ToneLevelDBm0: the same with a 4-term Blackman-Harris window, so that
//     neighbouring components (for example the two tones of a dual-frequency
//     call-progress tone, or AM sidebands) do not leak into the result.
//   - Frequency: the dominant frequency of a block, from the peak of a
//     Hann-windowed FFT refined by a golden-section search of the windowed
//     DTFT magnitude (better than ±0.1 Hz on a clean tone of 200 ms).
//   - Sine: a sine generator for tests and signal sources.
//
// The sample rate is SampleRate (8000 Hz) throughout.
//
// # Concurrency
//
// All functions are pure and safe for concurrent use. LevelDBm0, Goertzel,
// ToneLevelDBm0 and Sine do not allocate; Frequency allocates its FFT
// buffers and is meant for tests and offline analysis, not per-frame use.
package measure
