package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ErrNoCommonCodec means an offer or answer has no usable audio codec; a UAS
// answers such an INVITE with 488 Not Acceptable Here (RFC 3261 21.4.26).
var ErrNoCommonCodec = errors.New("sdp: no common audio codec")

// ErrNoAudio means the description has no active audio stream.
var ErrNoAudio = errors.New("sdp: no audio stream")

// TelephoneEvent is the encoding name of RFC 4733 named events.
const TelephoneEvent = "telephone-event"

// Format is one RTP payload format of a media section: its payload type and
// what a=rtpmap (or the static table of RFC 3551 6) maps it to.
type Format struct {
	PT       uint8
	Name     string // encoding name as written, e.g. "PCMU", "telephone-event"
	Rate     int    // clock rate, Hz
	Channels int    // 0 when not given (means 1)
	Fmtp     string // the a=fmtp value for this PT, if any
}

// Is reports whether f is the named encoding at the given clock rate.
func (f Format) Is(name string, rate int) bool {
	return strings.EqualFold(f.Name, name) && f.Rate == rate && f.Channels <= 1
}

// static holds the RFC 3551 table 4 audio payload types a peer may use
// without an a=rtpmap line.
var static = map[uint8]Format{
	0:  {PT: 0, Name: "PCMU", Rate: 8000},
	3:  {PT: 3, Name: "GSM", Rate: 8000},
	4:  {PT: 4, Name: "G723", Rate: 8000},
	8:  {PT: 8, Name: "PCMA", Rate: 8000},
	9:  {PT: 9, Name: "G722", Rate: 8000},
	18: {PT: 18, Name: "G729", Rate: 8000},
}

// RTPFormats resolves the m= line's payload types in their listed order.
// Dynamic types without an a=rtpmap line and non-numeric formats are skipped.
func (m *Media) RTPFormats() []Format {
	out := make([]Format, 0, len(m.Formats))
	for _, f := range m.Formats {
		n, err := strconv.ParseUint(f, 10, 8)
		if err != nil || n > 127 {
			continue
		}
		pt := uint8(n)
		fm, ok := m.rtpmap(pt)
		if !ok {
			fm, ok = static[pt]
		}
		if !ok {
			continue
		}
		fm.Fmtp = m.fmtp(pt)
		out = append(out, fm)
	}
	return out
}

func (m *Media) rtpmap(pt uint8) (Format, bool) {
	prefix := strconv.Itoa(int(pt))
	for _, a := range m.Attributes {
		if !strings.EqualFold(a.Key, "rtpmap") {
			continue
		}
		p, enc, ok := strings.Cut(a.Value, " ")
		if !ok || p != prefix {
			continue
		}
		parts := strings.Split(strings.TrimSpace(enc), "/")
		if len(parts) < 2 || parts[0] == "" {
			return Format{}, false
		}
		rate, err := strconv.Atoi(parts[1])
		if err != nil || rate <= 0 {
			return Format{}, false
		}
		f := Format{PT: pt, Name: parts[0], Rate: rate}
		if len(parts) > 2 {
			ch, err := strconv.Atoi(parts[2])
			if err != nil || ch < 1 {
				return Format{}, false
			}
			f.Channels = ch
		}
		return f, true
	}
	return Format{}, false
}

func (m *Media) fmtp(pt uint8) string {
	prefix := strconv.Itoa(int(pt))
	for _, a := range m.Attributes {
		if !strings.EqualFold(a.Key, "fmtp") {
			continue
		}
		if p, v, ok := strings.Cut(a.Value, " "); ok && p == prefix {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// Direction is the media direction attribute (RFC 4566 6, RFC 3264 5.1).
type Direction string

// Directions.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

// Reverse is the direction an answerer uses for an offered one (RFC 3264 6.1).
func (d Direction) Reverse() Direction {
	switch d {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	}
	return d
}

// Direction returns m's direction: its own attribute, else the session's,
// else sendrecv.
func (s *Session) Direction(m *Media) Direction {
	for _, list := range [][]Attribute{m.Attributes, s.Attributes} {
		for _, a := range list {
			switch d := Direction(strings.ToLower(a.Key)); d {
			case SendRecv, SendOnly, RecvOnly, Inactive:
				return d
			}
		}
	}
	return SendRecv
}

// Audio describes one audio stream, ours or the peer's.
type Audio struct {
	Addr      netip.Addr // connection address
	Port      int        // RTP port; 0 = stream rejected
	RTCPPort  int        // RTCP port (RFC 3605 a=rtcp, else Port+1)
	Codecs    []Format   // voice formats in preference order
	DTMF      Format     // telephone-event format; valid when HasDTMF
	HasDTMF   bool
	Ptime     time.Duration // packetisation time; 0 = not stated
	Direction Direction
	// Proto is the m= line transport protocol: ProtoAVP ("" means it) or
	// ProtoSAVP (RFC 3711 §12).
	Proto string
	// Crypto holds the values of the section's a=crypto attributes (RFC
	// 4568 §9.1) in order, without the "crypto:" prefix.
	Crypto []string
}

// The audio transport protocols accepted (RFC 3551, RFC 3711 §12).
const (
	ProtoAVP  = "RTP/AVP"
	ProtoSAVP = "RTP/SAVP"
)

func isRTPProto(p string) bool {
	return strings.EqualFold(p, ProtoAVP) || strings.EqualFold(p, ProtoSAVP)
}

// Offer builds an offer (RFC 3264 5) for a single audio stream. Every codec
// gets an a=rtpmap line even where RFC 3551 makes it optional, because some
// peers do not know the static table.
func Offer(origin Origin, a Audio) *Session {
	s := newSession(origin, a.Addr)
	s.Media = []Media{audioMedia(a)}
	return s
}

func newSession(origin Origin, addr netip.Addr) *Session {
	at := "IP4"
	if addr.Is6() && !addr.Is4In6() {
		at = "IP6"
	}
	origin.NetType, origin.AddrType = "IN", at
	if origin.Address == "" {
		origin.Address = addr.Unmap().String()
	}
	return &Session{
		Origin: origin,
		Name:   "-",
		Conn:   &Connection{NetType: "IN", AddrType: at, Address: addr.Unmap().String()},
		Timing: "0 0",
	}
}

func audioMedia(a Audio) Media {
	proto := a.Proto
	if proto == "" {
		proto = ProtoAVP
	}
	m := Media{Type: "audio", Port: a.Port, Proto: proto}
	formats := append([]Format(nil), a.Codecs...)
	if a.HasDTMF {
		formats = append(formats, a.DTMF)
	}
	for _, f := range formats {
		m.Formats = append(m.Formats, strconv.Itoa(int(f.PT)))
	}
	for _, f := range formats {
		enc := fmt.Sprintf("%d %s/%d", f.PT, f.Name, f.Rate)
		if f.Channels > 1 {
			enc += "/" + strconv.Itoa(f.Channels)
		}
		m.Attributes = append(m.Attributes, Attribute{Key: "rtpmap", Value: enc})
		if f.Fmtp != "" {
			m.Attributes = append(m.Attributes, Attribute{Key: "fmtp", Value: fmt.Sprintf("%d %s", f.PT, f.Fmtp)})
		}
	}
	if a.Ptime > 0 {
		m.Attributes = append(m.Attributes, Attribute{Key: "ptime", Value: strconv.Itoa(int(a.Ptime / time.Millisecond))})
	}
	for _, c := range a.Crypto {
		m.Attributes = append(m.Attributes, Attribute{Key: "crypto", Value: c})
	}
	dir := a.Direction
	if dir == "" {
		dir = SendRecv
	}
	m.Attributes = append(m.Attributes, Attribute{Key: string(dir)})
	return m
}

// remoteAudio reads the peer's view of audio section m.
func (s *Session) remoteAudio(m *Media) (Audio, error) {
	c := m.Conn
	if c == nil {
		c = s.Conn
	}
	if c == nil {
		return Audio{}, fmt.Errorf("%w: no c= line for audio", ErrMalformed)
	}
	addr, err := netip.ParseAddr(c.Address)
	if err != nil {
		return Audio{}, fmt.Errorf("%w: connection address %q is not an IP address", ErrMalformed, c.Address)
	}
	a := Audio{Addr: addr, Port: m.Port, Direction: s.Direction(m), Proto: m.Proto}
	for _, at := range m.Attributes {
		if strings.EqualFold(at.Key, "crypto") {
			a.Crypto = append(a.Crypto, at.Value)
		}
	}
	a.RTCPPort = m.Port + 1
	if v, ok := m.Attr("rtcp"); ok {
		f := strings.Fields(v)
		if len(f) > 0 {
			if p, err := strconv.Atoi(f[0]); err == nil && p > 0 && p < 65536 {
				a.RTCPPort = p
			}
		}
	}
	if v, ok := m.Attr("ptime"); ok {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 1 && ms <= 1000 {
			a.Ptime = time.Duration(ms * float64(time.Millisecond))
		}
	}
	for _, f := range m.RTPFormats() {
		if f.Is(TelephoneEvent, 8000) {
			if !a.HasDTMF {
				a.DTMF, a.HasDTMF = f, true
			}
			continue
		}
		a.Codecs = append(a.Codecs, f)
	}
	return a, nil
}

// Selection is the outcome of an offer/answer exchange for the audio stream.
type Selection struct {
	Codec  Format // the one voice codec both sides use
	Remote Audio  // the peer's address, ports, ptime, direction, DTMF format, protocol and keys
	// Index is the position of the audio section in the session's Media.
	Index int
}

// Answer builds the answer to offer (RFC 3264 6). It takes the first audio
// section with a non-zero port that has a codec from supported (encoding
// names at 8000 Hz), choosing the first such codec in the offerer's order
// (RFC 3264 6.1 lets the answerer pick; following the offerer's preference is
// the usual courtesy). The answer lists that one codec plus telephone-event
// with the offered payload type when the offer has it. Every other m= line is
// answered with port 0 (rejected), since the answer must have as many m=
// lines as the offer (RFC 3264 6).
func Answer(offer *Session, origin Origin, local Audio, supported []string) (*Session, Selection, error) {
	chosen := -1
	var sel Selection
	for i := range offer.Media {
		m := &offer.Media[i]
		if !strings.EqualFold(m.Type, "audio") || m.Port == 0 || !isRTPProto(m.Proto) {
			continue
		}
		ra, err := offer.remoteAudio(m)
		if err != nil {
			return nil, Selection{}, err
		}
		codec, ok := pick(ra.Codecs, supported)
		if !ok {
			continue
		}
		chosen, sel = i, Selection{Codec: codec, Remote: ra, Index: i}
		break
	}
	if chosen < 0 {
		for i := range offer.Media {
			if strings.EqualFold(offer.Media[i].Type, "audio") && offer.Media[i].Port != 0 {
				return nil, Selection{}, ErrNoCommonCodec
			}
		}
		return nil, Selection{}, ErrNoAudio
	}
	ans := newSession(origin, local.Addr)
	for i := range offer.Media {
		om := &offer.Media[i]
		if i != chosen {
			ans.Media = append(ans.Media, Media{Type: om.Type, Port: 0, Proto: om.Proto, Formats: append([]string(nil), om.Formats...)})
			continue
		}
		a := local
		a.Proto = om.Proto // RFC 3264 §6: the answer keeps the offer's protocol
		a.Codecs = []Format{sel.Codec}
		a.HasDTMF = sel.Remote.HasDTMF
		if a.HasDTMF {
			a.DTMF = sel.Remote.DTMF
			if a.DTMF.Fmtp == "" {
				a.DTMF.Fmtp = "0-16"
			}
		}
		a.Direction = sel.Remote.Direction.Reverse()
		ans.Media = append(ans.Media, audioMedia(a))
	}
	return ans, sel, nil
}

func pick(offered []Format, supported []string) (Format, bool) {
	for _, f := range offered {
		for _, name := range supported {
			if f.Is(name, 8000) {
				return f, true
			}
		}
	}
	return Format{}, false
}

// ReadAnswer checks an answer to an offer of ours (RFC 3264 5, 6): it takes
// the first audio section with a non-zero port and the first of its voice
// formats that we offered (matched by payload type and encoding name).
func ReadAnswer(answer *Session, offered Audio) (Selection, error) {
	rejected := false
	for i := range answer.Media {
		m := &answer.Media[i]
		if !strings.EqualFold(m.Type, "audio") {
			continue
		}
		if m.Port == 0 {
			rejected = true
			continue
		}
		ra, err := answer.remoteAudio(m)
		if err != nil {
			return Selection{}, err
		}
		for _, f := range ra.Codecs {
			for _, o := range offered.Codecs {
				if f.Is(o.Name, o.Rate) {
					return Selection{Codec: f, Remote: ra, Index: i}, nil
				}
			}
		}
		return Selection{}, ErrNoCommonCodec
	}
	if rejected {
		return Selection{}, ErrNoCommonCodec
	}
	return Selection{}, ErrNoAudio
}
