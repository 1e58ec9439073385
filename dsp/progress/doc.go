// Package progress recognises call-progress tones - dial, busy,
// congestion, ringback and special information (SIT) - by frequency and
// cadence, for the tone zones of tipring/dsp/tone (ITU-T E.180 tones as
// DAHDI's zonedata defines them), and can learn a tone that no table has
// (an unknown PBX's busy tone) from a recording. FXO disconnect supervision
// and call-progress detection use it.
//
// # How it works
//
// Every 10 ms the last 32 ms of audio are Hann-windowed and a Goertzel
// term is computed for every frequency the zone's tones use. The tones are
// grouped into classes, one per set of frequencies (an AM tone contributes
// its carrier and both sidebands; sets within 2 % of each other are one
// class). For each class the windowed audio is fitted, by least squares,
// with sines at exactly its frequencies: the window's response between the
// frequencies is known, so components closer than the window resolves (the
// 25 Hz of au 413+438 Hz, the 15 Hz sidebands of jp ringback) are
// separated, and beating does not matter. The power the fit explains,
// as a share of the window's power, scores the class (less 0.05 per extra
// frequency, so a single tone is not taken for a pair that contains it).
// Scores are averaged over three hops.
//
// A hop is quiet when its central 10 ms are below MinLevelDBm0 or 15 dB
// below the tone last heard (so steady line noise between bursts is
// quiet); otherwise it belongs to the best class scoring 50 % or more, or
// to "other" sound. Hops form runs; a label must hold two hops to start a
// run, runs shorter than 50 ms are transitions given to the next run, and
// a run interrupted by such a dip continues. Each tone run measures the
// frequency of its main component from the phase advance of its term
// from hop to hop (leaving out the hops at its edges): the mean must be
// within 2.5 % + 2 Hz of nominal and the spread within 5 Hz, which a
// speech harmonic, gliding with the voice's pitch, fails.
//
// Cadences are matched on completed runs: a cyclic pattern is recognised
// when the last two cycles of runs (on and off steps) match it at some
// rotation, each step within max(50 ms, 15 %) of its duration, with the
// on-steps' levels consistent with the table to within 4 dB (which tells
// au busy from au congestion, whose every other burst is 10 dB lower).
// A SIT is recognised by one pass of its three tones in order; a steady
// tone (dial tone) once it has outlasted every on-step of the same
// frequencies in the zone and SteadyAfter. A tone of a known frequency
// that repeats an on/off cadence in no table is reported as Unknown;
// SilenceAfter of quiet is reported as Silence.
//
// Learn measures a recording of an unknown tone - its cadence from level
// runs and its frequencies from an averaged spectrum - and AddSignature
// makes the detector report it (Kind Learned, with the Signal it was
// learnt as). A Signature has a one-line text form for configuration files,
// which String prints and ParseSignature reads:
//
//	SIGNAL FREQ[+FREQ...] Hz ON/OFF[/ON/OFF...] ms [LEVEL/LEVEL... dB]
//
// e.g. "busy 480 Hz 300/200 ms", "congestion 425 Hz 200/200/200/600 ms
// 0/-10 dB" (SIGNAL busy or congestion; up to three frequencies of
// 150-3400 Hz; two to eight cadence steps of 40 ms-10 s, on first; the
// optional levels are the on-steps' levels relative to the loudest).
//
// # Limits
//
// jp busy and congestion are the same tone in the tables (400 Hz,
// 500/500 ms): both are reported as busy. Tones in the tables that play
// once and are not SITs, and steady tones after a cadence (recall dial),
// are not classified. Ringback is confirmed after two cycles like every
// other cadence: 12 s for the us 2 s/4 s ringback.
//
// # Concurrency
//
// A Detector belongs to one goroutine. Process does not allocate;
// NewDetector, AddSignature and Learn do. ParseSignature and
// Signature.String are pure functions.
package progress
