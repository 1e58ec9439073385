package sdes

import (
	"errors"
	"fmt"
	"strings"

	"tipring/sip/media"
)

// Policy is how a trunk or account uses SRTP.
type Policy int

const (
	// Off offers RTP/AVP without keys and answers without them; an
	// RTP/SAVP offer is rejected.
	Off Policy = iota
	// Optional offers RTP/AVP with a=crypto lines ("best-effort SRTP",
	// which most PBXs accept: those that understand the keys answer with
	// one, the others ignore them) and uses SRTP whenever the peer agrees.
	Optional
	// Mandatory offers RTP/SAVP with a=crypto and rejects an answer or
	// an offer without an acceptable key.
	Mandatory
)

// The transport protocols of the m= line (RFC 3551, RFC 3711 §12).
const (
	ProtoAVP  = "RTP/AVP"
	ProtoSAVP = "RTP/SAVP"
)

// Attribute is the SDP attribute name the values here belong to.
const Attribute = "crypto"

// ErrNotAcceptable means the peer's description cannot be used under the
// policy: answer the offer with 488 Not Acceptable Here, or end the call
// whose answer it was (RFC 4568 §7.1.3, §7.1.4).
var ErrNotAcceptable = errors.New("sdes: no acceptable SRTP crypto")

var policyNames = [...]string{Off: "off", Optional: "optional", Mandatory: "mandatory"}

func (p Policy) String() string {
	if p >= 0 && int(p) < len(policyNames) {
		return policyNames[p]
	}
	return fmt.Sprintf("Policy(%d)", int(p))
}

// ParsePolicy parses "off", "optional" or "mandatory" (case-insensitive;
// "" is off).
func ParsePolicy(s string) (Policy, error) {
	if s == "" {
		return Off, nil
	}
	for i, n := range policyNames {
		if strings.EqualFold(s, n) {
			return Policy(i), nil
		}
	}
	return Off, fmt.Errorf("sdes: unknown SRTP policy %q (want off, optional or mandatory)", s)
}

// Proto is the m= line protocol an offer under p carries.
func (p Policy) Proto() string {
	if p == Mandatory {
		return ProtoSAVP
	}
	return ProtoAVP
}

// offeredSuites are offered in this order of preference, tags 1 and 2.
var offeredSuites = []media.SRTPSuite{media.AES_CM_128_HMAC_SHA1_80, media.AES_CM_128_HMAC_SHA1_32}

// Offer is our side of an offer: what to put into the audio m= line, and
// the keys to remember until the answer arrives.
type Offer struct {
	Policy Policy
	Proto  string   // for the m= line
	Crypto []Crypto // our lines, with freshly generated keys; none when Off
}

// NewOffer builds an offer under p: for Optional and Mandatory one
// a=crypto line per suite with a new random key each (RFC 4568 §7.1.1).
// Build a new offer, with new keys, for every offer sent, re-INVITEs
// included (§7.1.4 lets a re-offer keep keys; new ones are simpler and
// never wrong).
func NewOffer(p Policy) (*Offer, error) {
	o := &Offer{Policy: p, Proto: p.Proto()}
	if p == Off {
		return o, nil
	}
	for i, s := range offeredSuites {
		k, err := GenerateKey(s)
		if err != nil {
			return nil, err
		}
		o.Crypto = append(o.Crypto, Crypto{Tag: i + 1, Suite: s, Keys: []KeyParam{{Key: k}}})
	}
	return o, nil
}

// Attributes are the a=crypto values (without "crypto:") of the offer,
// in order of preference.
func (o *Offer) Attributes() []string { return values(o.Crypto) }

func values(cs []Crypto) []string {
	v := make([]string, len(cs))
	for i, c := range cs {
		v[i] = c.String()
	}
	return v
}

// Complete checks the answer to o, given its audio m= line protocol and
// a=crypto values, and returns the SRTP configuration for media.Params
// (nil: plain RTP). The answer must pick one of our tags with the same
// suite (RFC 4568 §7.1.3, §7.1.4); under Mandatory an answer without
// SRTP is ErrNotAcceptable. Under Optional a peer that ignored our keys
// (no a=crypto in the answer) gets plain RTP.
func (o *Offer) Complete(proto string, answer []string) (*media.SRTPConfig, error) {
	if o.Policy == Off {
		return nil, nil
	}
	if len(answer) == 0 {
		if o.Policy == Mandatory || strings.EqualFold(proto, ProtoSAVP) {
			return nil, fmt.Errorf("%w: answer %s without a=crypto", ErrNotAcceptable, proto)
		}
		return nil, nil
	}
	if o.Policy == Mandatory && !strings.EqualFold(proto, ProtoSAVP) {
		return nil, fmt.Errorf("%w: answer protocol %s to an %s offer", ErrNotAcceptable, proto, ProtoSAVP)
	}
	if len(answer) != 1 {
		return nil, fmt.Errorf("%w: answer has %d a=crypto lines, want one", ErrNotAcceptable, len(answer))
	}
	a, err := Parse(answer[0])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotAcceptable, err)
	}
	for _, c := range o.Crypto {
		if c.Tag != a.Tag {
			continue
		}
		if c.Suite != a.Suite || !a.Acceptable() {
			return nil, fmt.Errorf("%w: answer tag %d %s does not match the offer's %s", ErrNotAcceptable, a.Tag, a.Suite, c.Suite)
		}
		return &media.SRTPConfig{Suite: c.Suite, LocalKey: c.Keys[0].Key, RemoteKey: a.Keys[0].Key}, nil
	}
	return nil, fmt.Errorf("%w: answer tag %d was not offered", ErrNotAcceptable, a.Tag)
}

// Answer is our side of an answer to a peer's offer.
type Answer struct {
	Proto  string            // for the answer's m= line: always the offer's (RFC 3264 §6)
	Crypto *Crypto           // our a=crypto line, nil for none
	SRTP   *media.SRTPConfig // for media.Params; nil: plain RTP
}

// Attributes are the a=crypto values (without "crypto:") of the answer:
// none or one.
func (a *Answer) Attributes() []string {
	if a.Crypto == nil {
		return nil
	}
	return []string{a.Crypto.String()}
}

// NewAnswer answers an offer's audio m= line, given its protocol and
// a=crypto values, under p. It takes the first acceptable line in the
// offer's order (the offerer's preference, RFC 4568 §7.1.1) and answers
// it with the same tag and suite and a new key of ours (§7.1.2).
//
//   - RTP/SAVP: needs an acceptable line; under Off it is refused.
//   - RTP/AVP with a=crypto: SRTP under Optional and Mandatory when a
//     line is acceptable; else plain RTP, except under Mandatory.
//   - RTP/AVP alone: plain RTP, except under Mandatory.
//
// Lines that fail to parse are skipped like unacceptable ones. Refusals
// are ErrNotAcceptable.
func NewAnswer(p Policy, proto string, offer []string) (*Answer, error) {
	savp := strings.EqualFold(proto, ProtoSAVP)
	if !savp && !strings.EqualFold(proto, ProtoAVP) {
		return nil, fmt.Errorf("%w: protocol %q", ErrNotAcceptable, proto)
	}
	ans := &Answer{Proto: proto}
	if p == Off {
		if savp {
			return nil, fmt.Errorf("%w: %s offered, SRTP is off", ErrNotAcceptable, proto)
		}
		return ans, nil
	}
	for _, v := range offer {
		c, err := Parse(v)
		if err != nil || !c.Acceptable() {
			continue
		}
		k, err := GenerateKey(c.Suite)
		if err != nil {
			return nil, err
		}
		mine := Crypto{Tag: c.Tag, Suite: c.Suite, Keys: []KeyParam{{Key: k}}}
		ans.Crypto = &mine
		ans.SRTP = &media.SRTPConfig{Suite: c.Suite, LocalKey: k, RemoteKey: c.Keys[0].Key}
		return ans, nil
	}
	if savp || p == Mandatory {
		return nil, fmt.Errorf("%w: %d a=crypto lines offered with %s, none usable", ErrNotAcceptable, len(offer), proto)
	}
	return ans, nil
}
