// Package corpus provides the talk-off corpus: more than an hour of 8 kHz
// speech and music that a signalling-tone detector (DTMF, fax tones, call
// progress) must not mistake for its signal.
//
// The speech was rendered with espeak-ng (mkspeech.go, run with
// `go run mkspeech.go`) in 17 languages — among them tone languages
// (Mandarin, Vietnamese) whose pitch glides are the classic source of
// DTMF talk-off — with 24 voice variants at random pitch and speed, and is
// committed as G.711 µ-law compressed with DEFLATE (data/speech.ulaw.z,
// about 16 minutes in 6 MB). Load adds two resampled copies of it, slowed
// down by 6 % and sped up by 6 % (lower and higher voices, formants and
// speaking rate), and about 24 minutes of synthetic music generated at load
// time from a fixed seed: chords and melodies of harmonic instruments with
// vibrato, bass lines and percussion noise. Everything is deterministic.
//
// ITU-T Q.24 requires talk-off immunity without defining a corpus; the
// Bellcore/Mitel practice is a count of false digits per hour of speech,
// which is what this corpus measures.
//
// # Concurrency
//
// Load may be called from several goroutines; the clips it returns are
// shared and must not be modified.
package corpus
