// Package tone generates call-progress tones (dial, busy, ringback,
// congestion, call waiting, recall dial, recording warning, special
// information, stuttered dial and receiver off-hook) from per-country zone
// tables, and carries each zone's ring cadence and DTMF send levels.
//
// # Data
//
// Frequencies and cadences are those of DAHDI's zonedata (dahdi-tools
// zonedata.c) for 12 zones: us uk de fr cn jp au it nl br in ru. The DAHDI
// tone-string semantics are kept: segments marked "!" in DAHDI are played
// once (Tone.First), the rest repeat (Tone.Loop) and a final steady segment
// holds; "F1*F2" is F1 amplitude-modulated by F2 (Component.ModFreq, depth
// AMDepth); "F@" is a component 0.3x in amplitude (about -10.5 dB).
//
// DAHDI has no per-tone level (tonezone.c generates every component at
// -10 dBm0), so levels are chosen per tone:
//
//   - us: the North American precise tone plan, dial tone (and its recall
//     and stutter variants) -13 dBm0 per component, ringback -19, busy and
//     reorder -24;
//   - elsewhere, -12 dBm0 per component for the dial, ringback, busy and
//     congestion tones that ITU-T E.180 (as tabulated in spandsp's
//     global-tones.xml) lists with a level, and for the recall and stutter
//     variants of a listed dial tone (E.180 lists those variants at the dial
//     level); the au congestion low burst is -22 dBm0 as E.180 gives it;
//   - every other tone (call waiting, record, SIT, and the tones E.180 does
//     not list for a country, e.g. ru dial, fr/it/br/in/ru congestion) at
//     DAHDI's -10 dBm0.
//
// The receiver off-hook tone (Howler) is not in zonedata: every zone uses
// the North American ROH tone, 1400+2060+2450+2600 Hz, 100 ms on, 100 ms
// off, at HowlerLevelDBm0 (-3 dBm0 total, -9 dBm0 per component: the
// loudest level whose zero-phase sum stays below 16-bit full scale).
//
// Deliberate deviations from zonedata, each noted in zones.go:
//
//   - jp ringback and call waiting are written "400+15" and "400+16" in
//     zonedata (a sum with an inaudible 15/16 Hz sine). The national tone
//     is 400 Hz modulated by 15-16 Hz (E.180 lists its sidebands, 384+416
//     Hz), so they are generated as 400 Hz AM by 15 and 16 Hz.
//
// The other oddities of the data (ru SIT at 1440 Hz, de/cn steady
// two-frequency stutter, uk alternating stutter, br SIT without gap, au
// recall at 413+428 Hz) are kept as DAHDI has them.
//
// # Generator
//
// Generator renders a Tone at 8 kHz. Each component is a recursive
// quadrature oscillator (a unit phasor rotated once per sample, renormalised
// once per frame), so the tone is phase continuous across frames; a
// component whose frequency carries over from one segment to the next keeps
// its phase, a component that starts after silence starts at zero phase.
// Segment durations are rounded to whole samples once, so cadences are
// exact in samples and do not drift. Output is saturated to 16 bits.
//
// # Concurrency
//
// A Generator belongs to one goroutine. Fill does not allocate. Zones and
// LookupZone are safe for concurrent use; LookupZone returns a fresh Zone
// on every call.
package tone
