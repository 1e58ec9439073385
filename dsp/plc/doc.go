// Package plc conceals lost G.711 audio with the packet loss concealment
// algorithm of ITU-T G.711 Appendix I (09/1999), implemented from the
// Recommendation's description.
//
// # How it works
//
// The concealer keeps a history of the last 48.75 ms (390 samples: three
// periods of the longest pitch plus a quarter of one) of the output
// timeline. Good audio is passed through delayed by 3.75 ms (30 samples,
// a quarter of the longest pitch period, Appendix I clause I.2.1): the
// delay is what lets the start of a concealment overlap-add (OLA) into
// audio that has not been played yet, so no click is heard where the
// synthetic signal begins.
//
// On the first lost sample (clause I.2.2):
//
//   - The pitch period is estimated on the history by normalised
//     cross-correlation of the last 20 ms against the same stretch 40 to
//     120 samples (5-15 ms) earlier: a coarse search on a 2:1 decimated
//     signal, refined to one sample around the best coarse lag.
//   - The last quarter pitch period of the history (at most 30 samples,
//     not yet played because of the delay) is overlap-added with the audio
//     one period earlier, so the periodic continuation joins smoothly.
//   - The synthetic signal repeats the last pitch period of the history.
//
// During the loss (clause I.2.3), the repeated buffer grows to two pitch
// periods at 10 ms and three at 20 ms, each change overlap-added over a
// quarter period, which keeps a long loss from buzzing. From the second
// lost 10 ms the signal is attenuated linearly by 20 % per 10 ms (0.25 %
// per sample), so it reaches silence after 60 ms of concealment; after
// that the output is zero.
//
// On the first good audio after a loss (clause I.2.4), the synthetic
// continuation is overlap-added into the new audio over a quarter pitch
// period plus 4 ms for every lost 10 ms after the first, at most 10 ms.
//
// The Appendix counts its timing in 10 ms frames. Good and Fillin accept
// frames of any length (160 samples for 20 ms RTP packets is typical); the
// frame-based timing is kept by counting lost samples, so the result is the
// same as feeding 10 ms frames.
//
// # Numbers
//
// FrameSize 80, HistoryLen 390, Delay 30, PitchMin 40, PitchMax 120, a
// correlation window of 160 samples, OLA growth 32 samples per lost 10 ms,
// attenuation 0.0025 per sample from the 81st lost sample, silence from
// the 481st.
//
// # Concurrency
//
// A Concealer belongs to one goroutine. Good and Fillin do not allocate.
package plc
