package media

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTPSuite names an SRTP crypto-suite as SDP security descriptions name
// it (RFC 4568 §6.2).
type SRTPSuite string

// The crypto-suites of RFC 4568 §6.2.1 and §6.2.2: AES in counter mode
// with a 128-bit master key and a 112-bit master salt, HMAC-SHA1
// authentication with an 80-bit or a 32-bit tag on SRTP (SRTCP always
// carries 80 bits, RFC 3711 §5.2).
const (
	AES_CM_128_HMAC_SHA1_80 SRTPSuite = "AES_CM_128_HMAC_SHA1_80"
	AES_CM_128_HMAC_SHA1_32 SRTPSuite = "AES_CM_128_HMAC_SHA1_32"
)

// SRTPKeyLen is the length of the master key and master salt of both
// suites together, in the order the inline key-param carries them
// (RFC 4568 §6.1): 16 octets of key followed by 14 octets of salt.
const SRTPKeyLen = 30

const (
	srtpMasterKeyLen = 16
	// srtpReplayWindow is the replay window in packets. RFC 3711 §3.3.2
	// asks for at least 64; 128 also covers the reordering the jitter
	// buffer tolerates at short packet times.
	srtpReplayWindow = 128
	// srtpMaxTrailer is the most SRTP adds to an RTP packet: the
	// 80-bit tag (no MKI is sent).
	srtpMaxTrailer = 10
)

// SRTPConfig turns on SRTP (RFC 3711) for a Session. The keys come from
// SDP security descriptions (package sdes): LocalKey is the key we
// offered or answered, with which we protect what we send; RemoteKey is
// the peer's, with which we check and decrypt what we receive.
type SRTPConfig struct {
	Suite     SRTPSuite
	LocalKey  []byte // SRTPKeyLen octets: master key || master salt
	RemoteKey []byte // SRTPKeyLen octets: master key || master salt
}

func (c *SRTPConfig) profile() (srtp.ProtectionProfile, error) {
	switch c.Suite {
	case AES_CM_128_HMAC_SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case AES_CM_128_HMAC_SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	}
	return 0, fmt.Errorf("unsupported SRTP suite %q", c.Suite)
}

func (c *SRTPConfig) validate() error {
	if _, err := c.profile(); err != nil {
		return err
	}
	if len(c.LocalKey) != SRTPKeyLen || len(c.RemoteKey) != SRTPKeyLen {
		return fmt.Errorf("SRTP keys must be %d octets (local %d, remote %d)", SRTPKeyLen, len(c.LocalKey), len(c.RemoteKey))
	}
	return nil
}

func (c *SRTPConfig) equal(o *SRTPConfig) bool {
	if c == nil || o == nil {
		return c == o
	}
	return c.Suite == o.Suite && bytes.Equal(c.LocalKey, o.LocalKey) && bytes.Equal(c.RemoteKey, o.RemoteKey)
}

// newSRTPContext makes a one-way context for key: for sending (encrypting
// RTP and RTCP) or for receiving (checking and decrypting them), with
// replay protection on both (RFC 3711 §3.3.2).
func newSRTPContext(suite srtp.ProtectionProfile, key []byte) (*srtp.Context, error) {
	return srtp.CreateContext(key[:srtpMasterKeyLen], key[srtpMasterKeyLen:], suite,
		srtp.SRTPReplayProtection(srtpReplayWindow),
		srtp.SRTCPReplayProtection(srtpReplayWindow))
}

// srtpTx protects what a Session sends; owned by txState.
type srtpTx struct {
	cfg SRTPConfig
	ctx *srtp.Context
	buf [rtpHeaderLen + maxPtime + srtpMaxTrailer]byte
	hdr rtp.Header
}

// srtpRx checks what a Session receives; owned by rxState.
type srtpRx struct {
	cfg SRTPConfig
	ctx *srtp.Context
	buf [readBufferSize]byte
	hdr rtp.Header
}

// errDuplicated is the error pion/srtp wraps a replayed packet's error
// around. The library does not export it, so it is learnt once from the
// library itself: a packet decrypted twice.
var errDuplicated = sync.OnceValue(func() error {
	key := make([]byte, SRTPKeyLen)
	enc, err1 := newSRTPContext(srtp.ProtectionProfileAes128CmHmacSha1_80, key)
	dec, err2 := newSRTPContext(srtp.ProtectionProfileAes128CmHmacSha1_80, key)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	pkt := []byte{0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff}
	p, err := enc.EncryptRTP(nil, pkt, nil)
	if err != nil {
		return err
	}
	if _, err := dec.DecryptRTP(nil, p, nil); err != nil {
		return err
	}
	_, err = dec.DecryptRTP(nil, p, nil)
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
})

// srtpFailure classifies a decryption error: replayed, failed
// authentication, or anything else (too short to carry a tag: malformed).
type srtpFailure int

const (
	srtpMalformed srtpFailure = iota
	srtpAuth
	srtpReplay
)

func classifySRTPError(err error) srtpFailure {
	switch {
	case errors.Is(err, srtp.ErrFailedToVerifyAuthTag):
		return srtpAuth
	case errors.Is(err, errDuplicated()):
		return srtpReplay
	}
	return srtpMalformed
}

// newSRTP builds the sending and receiving halves for cfg; nil for nil.
func newSRTP(cfg *SRTPConfig) (*srtpTx, *srtpRx, error) {
	if cfg == nil {
		return nil, nil, nil
	}
	if err := cfg.validate(); err != nil {
		return nil, nil, err
	}
	prof, _ := cfg.profile()
	own := SRTPConfig{Suite: cfg.Suite, LocalKey: bytes.Clone(cfg.LocalKey), RemoteKey: bytes.Clone(cfg.RemoteKey)}
	txCtx, err := newSRTPContext(prof, own.LocalKey)
	if err != nil {
		return nil, nil, fmt.Errorf("srtp send context: %w", err)
	}
	rxCtx, err := newSRTPContext(prof, own.RemoteKey)
	if err != nil {
		return nil, nil, fmt.Errorf("srtp receive context: %w", err)
	}
	return &srtpTx{cfg: own, ctx: txCtx}, &srtpRx{cfg: own, ctx: rxCtx}, nil
}

func (t *srtpTx) config() *SRTPConfig {
	if t == nil {
		return nil
	}
	return &t.cfg
}

func (r *srtpRx) config() *SRTPConfig {
	if r == nil {
		return nil
	}
	return &r.cfg
}

// protect encrypts and authenticates one RTP packet (RFC 3711 §3.3)
// into the preallocated buffer and returns it.
func (t *srtpTx) protect(pkt []byte) ([]byte, error) {
	return t.ctx.EncryptRTP(t.buf[:], pkt, &t.hdr)
}

// protectRTCP encrypts and authenticates one compound RTCP packet
// (RFC 3711 §3.4). RTCP is sent every few seconds, so it may allocate.
func (t *srtpTx) protectRTCP(pkt []byte) ([]byte, error) {
	return t.ctx.EncryptRTCP(nil, pkt, nil)
}

// srtpFailedLocked counts a packet SRTP or SRTCP rejected.
func (s *Session) srtpFailedLocked(what string, err error, now time.Time) {
	r := &s.rx
	switch classifySRTPError(err) {
	case srtpReplay:
		r.srtpReplayed++
	case srtpAuth:
		r.srtpAuthFails++
		if now.Sub(r.lastMalLog) > malformedLogGap {
			r.lastMalLog = now
			s.log.Warn("media: packet failed authentication", "proto", what, "total", r.srtpAuthFails)
		}
	default:
		s.malformedLocked(what, now)
	}
}
