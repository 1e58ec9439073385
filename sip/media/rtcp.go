package media

import (
	"errors"
	"math/rand/v2"
	"net"
	"time"

	"github.com/pion/rtcp"
)

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP era 0) to
// 1970-01-01 (RFC 5905 §6).
const ntpEpochOffset = 2208988800

// ntpTime converts t to a 64-bit NTP timestamp (RFC 3550 §4).
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// ntpMiddle is the middle 32 bits of t's NTP timestamp, the unit of the
// LSR and DLSR fields (1/65536 s).
func ntpMiddle(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }

// rtcpLoop sends a compound report every interval, randomised to
// [0.5, 1.5] times the nominal interval and starting after half of it
// (RFC 3550 §6.2, §6.3.1; with two participants and the 5 s minimum the
// bandwidth-based interval never applies, so timer reconsideration is not
// implemented).
func (s *Session) rtcpLoop() {
	defer s.wg.Done()
	base := s.rtcpInterval
	t := time.NewTimer(randomInterval(base) / 2)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.sendRTCP(false)
			t.Reset(randomInterval(base))
		}
	}
}

func randomInterval(base time.Duration) time.Duration {
	return base/2 + rand.N(base)
}

// sendRTCP sends one compound packet (RFC 3550 §6.1): an SR if we sent
// RTP since the last report, else an RR, with a report block for the
// remote source once one is known; then SDES CNAME; then BYE if bye.
func (s *Session) sendRTCP(bye bool) {
	now := s.now()
	s.txMu.Lock()
	t := &s.tx
	if !t.started {
		s.txMu.Unlock()
		return
	}
	dst := t.remoteRTCP
	if l := s.latched.Load(); l != nil {
		dst = l.rtcp
	}
	sender := t.sentSince
	t.sentSince = false
	packets, octets := t.packets, t.octets
	rtpTime := t.ts + uint32(t.accN)
	if !t.wall.IsZero() {
		rtpTime = t.wallTS + uint32(now.Sub(t.wall)/sampleTime)
	}
	s.txMu.Unlock()

	var reports []rtcp.ReceptionReport
	s.rxMu.Lock()
	r := &s.rx
	if r.haveSrc {
		fraction, cum, ext, jit := r.src.report()
		rr := rtcp.ReceptionReport{
			SSRC:               r.src.ssrc,
			FractionLost:       fraction,
			TotalLost:          cum,
			LastSequenceNumber: ext,
			Jitter:             jit,
		}
		if r.lsr != 0 && r.lsrSSRC == r.src.ssrc {
			rr.LastSenderReport = r.lsr
			rr.Delay = uint32(now.Sub(r.lsrAt) * 65536 / time.Second)
		}
		reports = append(reports, rr)
	}
	r.rtcpSent++
	s.rxMu.Unlock()

	var pkts []rtcp.Packet
	if sender {
		pkts = append(pkts, &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     ntpTime(now),
			RTPTime:     rtpTime,
			PacketCount: uint32(packets),
			OctetCount:  uint32(octets),
			Reports:     reports,
		})
	} else {
		pkts = append(pkts, &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: reports})
	}
	pkts = append(pkts, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: s.ssrc,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: s.cname}},
	}}})
	if bye {
		pkts = append(pkts, &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		s.log.Warn("media: rtcp marshal", "err", err)
		return
	}
	s.txMu.Lock()
	if s.tx.srtp != nil {
		b, err = s.tx.srtp.protectRTCP(b)
	}
	s.txMu.Unlock()
	if err != nil {
		s.log.Warn("media: srtcp protect", "err", err)
		return
	}
	if _, err := s.rtcpConn.WriteToUDPAddrPort(b, dst); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Debug("media: rtcp send", "err", err)
	}
}

// readRTCP is the RTCP receiver goroutine.
func (s *Session) readRTCP() {
	defer s.wg.Done()
	buf := make([]byte, readBufferSize)
	for {
		n, _, err := s.rtcpConn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("media: rtcp read", "err", err)
			continue
		}
		s.handleRTCP(buf[:n], s.now())
	}
}

// handleRTCP processes one received compound RTCP packet.
func (s *Session) handleRTCP(b []byte, now time.Time) {
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	if r := s.rx.srtp; r != nil {
		var err error
		if b, err = r.ctx.DecryptRTCP(r.buf[:], b, nil); err != nil {
			s.srtpFailedLocked("srtcp", err, now)
			return
		}
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.malformedLocked("rtcp", now)
		return
	}
	s.rx.rtcpReceived++
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.rx.lsr = uint32(p.NTPTime >> 16)
			s.rx.lsrSSRC = p.SSRC
			s.rx.lsrAt = now
			s.reportBlocksLocked(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.reportBlocksLocked(p.Reports, now)
		case *rtcp.Goodbye:
			s.log.Debug("media: rtcp bye", "sources", p.Sources, "reason", p.Reason)
		}
	}
}

// reportBlocksLocked takes the remote's view of our stream from the
// report blocks about us, and the round trip from LSR and DLSR
// (RFC 3550 §6.4.1: RTT = A - LSR - DLSR).
func (s *Session) reportBlocksLocked(reports []rtcp.ReceptionReport, now time.Time) {
	r := &s.rx
	for _, rr := range reports {
		if rr.SSRC != s.ssrc {
			continue
		}
		r.remFraction = rr.FractionLost
		lost := int64(rr.TotalLost & 0xffffff)
		if lost&0x800000 != 0 {
			lost -= 1 << 24
		}
		r.remLost = lost
		r.remJitter = rr.Jitter
		if rr.LastSenderReport != 0 {
			rtt := ntpMiddle(now) - rr.LastSenderReport - rr.Delay
			if int32(rtt) < 0 {
				rtt = 0 // clock granularity on a fast path
			}
			r.rtt = time.Duration(rtt) * time.Second / 65536
			r.rttValid = true
		}
	}
}
