package media

import (
	"strings"

	"tipring/dsp/g711"
)

// Codec is an audio payload format the media leg can send and receive.
type Codec struct {
	Name string   // SDP encoding name (RFC 3551 §6), e.g. "PCMU"
	PT   uint8    // static RTP payload type (RFC 3551 Table 4)
	Law  g711.Law // companding law used on the wire
}

// PCMU is G.711 µ-law, static payload type 0 (RFC 3551 §4.5.14).
var PCMU = Codec{Name: "PCMU", PT: 0, Law: g711.Ulaw}

// PCMA is G.711 A-law, static payload type 8 (RFC 3551 §4.5.14).
var PCMA = Codec{Name: "PCMA", PT: 8, Law: g711.Alaw}

// ClockRate is the RTP clock rate of every codec here and of RFC 4733
// telephone-event when used alongside them, in Hz.
const ClockRate = 8000

// CodecByName returns the codec with the given SDP encoding name
// (case-insensitive, as RFC 4566 §6 rtpmap names are).
func CodecByName(name string) (Codec, bool) {
	switch {
	case strings.EqualFold(name, PCMU.Name):
		return PCMU, true
	case strings.EqualFold(name, PCMA.Name):
		return PCMA, true
	}
	return Codec{}, false
}

// codecByPT maps a static payload type to its codec.
func codecByPT(pt uint8) (Codec, bool) {
	switch pt {
	case PCMU.PT:
		return PCMU, true
	case PCMA.PT:
		return PCMA, true
	}
	return Codec{}, false
}
