// Package g711 implements the ITU-T G.711 (11/1988) pulse code modulation
// companding laws, µ-law and A-law, between 16-bit linear samples and 8-bit
// codes.
//
// # How it works
//
// The conversion follows the reference implementation of ITU-T G.191
// (Software Tool Library, module g711: ulaw_compress, ulaw_expand,
// alaw_compress, alaw_expand) bit for bit:
//
//   - µ-law (G.711 clause 3, Tables 2a/2b) quantises the 14 most significant
//     bits of a 16-bit sample: the input is shifted right by 2, negative
//     values are taken as one's complement, a bias of 33 is added and the
//     segment is the position of the leading one. Codes are transmitted with
//     all bits inverted, so positive zero is 0xFF and negative zero 0x7F.
//   - A-law (G.711 clause 2, Tables 1a/1b) quantises the 13 most significant
//     bits: the input is shifted right by 4, negative values are taken as
//     one's complement, and the even bits of the code are inverted
//     (XOR 0x55), so the codes next to zero are 0xD5 and 0x55.
//
// Decoding returns the decision-interval midpoint of G.711 left-justified in
// 16 bits, as G.191 does: the 14-bit µ-law value shifted left by 2 (range
// ±32124) and the 13-bit A-law value shifted left by 3 (range ±32256).
// Consequently Encode(Decode(c)) == c for every code, except the µ-law
// negative zero 0x7F, which decodes to 0 and re-encodes as 0xFF.
//
// The scalar functions and slice forms are table driven: encoding uses a
// 16384-entry (µ-law) or 4096-entry (A-law) table indexed by the bits that
// survive the G.191 input shift, decoding a 256-entry table. The tables are
// computed once, when the package is initialised, from the G.191 algorithm.
//
// The reference level of the codecs (the digital milliwatt, G.711 Tables
// 5/6) is measured in package tipring/dsp/measure.
//
// # Concurrency
//
// All functions are pure and safe for concurrent use; the tables are read
// only after package initialisation. The slice forms do not allocate.
package g711
