package media

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

const (
	rtpHeaderLen    = 12
	maxPtime        = 480  // samples: 60 ms
	minPtime        = 80   // samples: 10 ms
	readBufferSize  = 4096 // largest datagram accepted
	defaultPtime    = 20 * time.Millisecond
	defaultRTCP     = 5 * time.Second // RFC 3550 §6.2 minimum interval
	malformedLogGap = 10 * time.Second
)

// Params describes the negotiated media of a call.
type Params struct {
	Codec      Codec         // codec to send; received PCMU and PCMA are both decoded
	DTMFPT     uint8         // telephone-event payload type, 0 = none
	Ptime      time.Duration // packet time, default 20 ms; 10 to 60 ms
	RemoteRTP  *net.UDPAddr  // where to send RTP
	RemoteRTCP *net.UDPAddr  // where to send RTCP, default RemoteRTP port+1

	// Symmetric enables symmetric RTP (RFC 4961): the source address of
	// the first valid RTP packet (accepted payload type and SSRC, SRTP
	// authenticated when SRTP is on) becomes the RTP destination, and its
	// port+1 the RTCP destination, if it differs from RemoteRTP. Once
	// latched, another source takes over only after RelatchPackets
	// consecutive valid packets from it, so one stray or spoofed packet
	// cannot steal the stream. A Start that moves RemoteRTP forgets the
	// latched address. Use it towards peers behind NAT that advertise an
	// address they cannot receive on.
	Symmetric bool

	// Mute sends no RTP: Push still advances the RTP clock, so the stream
	// continues seamlessly when a later Start clears it. It is how a held
	// stream (SDP recvonly or inactive, RFC 3264 5.1) stays silent.
	Mute bool

	// SRTP, when set, protects RTP and RTCP with SRTP and SRTCP
	// (RFC 3711) under the SDES-negotiated keys (RFC 4568); unprotected
	// or unauthentic packets are then dropped. Nil sends and accepts
	// plain RTP/AVP. A later Start with other keys rekeys both directions.
	SRTP *SRTPConfig
}

// Stats is a snapshot of a Session's counters. Counts are since Listen.
type Stats struct {
	LocalSSRC  uint32
	RemoteSSRC uint32 // zero until a packet has been accepted

	PacketsSent     uint64 // RTP packets, audio and telephone-event
	OctetsSent      uint64 // RTP payload octets (RFC 3550 §6.4.1 sender's octet count)
	PacketsReceived uint64 // accepted RTP packets, duplicates excluded
	OctetsReceived  uint64 // their payload octets

	PacketsLost int64   // expected minus received, RFC 3550 §6.4.1 / A.3
	JitterMs    float64 // interarrival jitter, RFC 3550 §6.4.1 / A.8

	Duplicates  uint64 // packets whose sequence number was already received
	Late        uint64 // audio packets that arrived after their playout time
	Discarded   uint64 // well-formed packets not used: unknown payload type, foreign SSRC, before Start, too old
	Malformed   uint64 // RTP and RTCP datagrams that failed to parse
	Concealed   uint64 // frames Pull had to conceal (in part or whole)
	Dropped     uint64 // frames skipped to bring buffer depth down to target
	Resyncs     uint64 // times the jitter buffer restarted on a timeline jump
	SSRCChanges uint64 // remote SSRC switches accepted

	BufferTargetMs float64 // jitter buffer target depth
	BufferDepthMs  float64 // depth measured at the latest Pull

	RTT      time.Duration // round trip from RTCP LSR/DLSR, RFC 3550 §6.4.1
	RTTValid bool

	RemoteFractionLost float64 // fraction of our packets the remote reports lost, 0..1
	RemotePacketsLost  int64   // remote's cumulative count of our lost packets
	RemoteJitterMs     float64 // jitter the remote measures on our stream

	DTMFSent     uint64 // telephone-events sent
	DTMFReceived uint64 // telephone-events started by the remote
	RTCPSent     uint64
	RTCPReceived uint64

	SRTP             bool   // the latest Start turned SRTP on
	SRTPAuthFailures uint64 // SRTP and SRTCP packets dropped: authentication tag wrong (RFC 3711 §3.4)
	SRTPReplayed     uint64 // SRTP and SRTCP packets dropped: index already seen (RFC 3711 §3.3.2)
}

// Session is the media leg of one call: one RTP and one RTCP socket.
//
// Push and Pull are called by the channel loop once per TDM frame and
// never block beyond a short mutex hold; the RTP and RTCP receivers and
// the RTCP reporter run in goroutines started by Listen and Start.
type Session struct {
	log      *slog.Logger
	rtpConn  *net.UDPConn
	rtcpConn *net.UDPConn
	local    *net.UDPAddr
	ssrc     uint32
	cname    string
	epoch    time.Time

	// rtcpInterval is the RTCP report interval before randomisation.
	rtcpInterval time.Duration
	now          func() time.Time

	txMu sync.Mutex
	tx   txState

	rxMu sync.Mutex
	rx   rxState

	// Symmetric RTP (RFC 4961): the latched destination, read by the
	// senders without a lock and swapped by the receiver; nil = send to
	// the negotiated address. Whether to latch, and the candidate, are
	// receive state (rxState.symmetric, latchCand).
	latched atomic.Pointer[latch]

	startOnce sync.Once
	closeOnce sync.Once
	closeErr  error
	done      chan struct{}
	wg        sync.WaitGroup
}

// txState is everything Push and the DTMF sender own.
type txState struct {
	started    bool
	closed     bool
	mute       bool
	codec      Codec
	dtmfPT     uint8
	ptime      int // samples per packet
	remote     netip.AddrPort
	remoteRTCP netip.AddrPort
	seq        uint16
	ts         uint32 // timestamp of the packet being accumulated
	marker     bool   // next audio packet starts a talkspurt
	acc        [maxPtime]int16
	accN       int
	pkt        [rtpHeaderLen + maxPtime]byte
	hdr        rtp.Header
	srtp       *srtpTx // nil: plain RTP

	dtmf dtmfSender

	packets, octets uint64
	sentSince       bool      // any RTP sent since the last RTCP report
	wallTS          uint32    // timestamp of the latest packet boundary ...
	wall            time.Time // ... and when it was reached, for SR
	sendErrs        uint64
	lastErrLog      time.Time
}

// rxState is everything the receive path, Pull and the RTCP reporter share.
type rxState struct {
	started bool
	dtmfPT  uint8
	pkt     rtp.Packet
	srtp    *srtpRx // nil: plain RTP

	srtpAuthFails uint64
	srtpReplayed  uint64

	src       sourceState
	jb        jitterBuffer
	dtmf      dtmfReceiver
	haveSrc   bool
	locked    bool // the current SSRC may only be replaced after probation
	candSSRC  uint32
	candCount int

	symmetric  bool           // Params.Symmetric: latch onto the source
	latchCand  netip.AddrPort // symmetric RTP: a new source on probation
	latchCount int            // its consecutive valid packets

	packets, octets uint64
	duplicates      uint64
	discarded       uint64
	malformed       uint64
	ssrcChanges     uint64
	lastMalLog      time.Time

	// Reception of the remote's RTCP.
	lsr          uint32    // middle 32 bits of the NTP time of the last SR received
	lsrSSRC      uint32    // who sent it
	lsrAt        time.Time // when it arrived
	rtt          time.Duration
	rttValid     bool
	remFraction  uint8
	remLost      int64
	remJitter    uint32
	rtcpReceived uint64
	rtcpSent     uint64
}

// Listen binds an RTP socket on an even port in [portMin, portMax] of ip
// and the RTCP socket on the port above it (RFC 3550 §11). With portMin
// and portMax both zero the kernel picks the ports. The receivers start at
// once but drop everything until Start.
func Listen(ip string, portMin, portMax int, log *slog.Logger) (*Session, error) {
	return listen(ip, portMin, portMax, log, options{})
}

// options are knobs for tests: a shorter RTCP interval, and a clock that
// stamps packet arrivals so jitter can be measured in simulated time.
type options struct {
	rtcpInterval time.Duration
	clock        func() time.Time
}

func listen(ip string, portMin, portMax int, log *slog.Logger, o options) (*Session, error) {
	if o.rtcpInterval <= 0 {
		o.rtcpInterval = defaultRTCP
	}
	if o.clock == nil {
		o.clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("media: listen %q: %w", ip, err)
	}
	rtpConn, rtcpConn, err := bindPair(addr, portMin, portMax)
	if err != nil {
		return nil, fmt.Errorf("media: listen %s ports %d-%d: %w", ip, portMin, portMax, err)
	}
	s := &Session{
		log:          log,
		rtpConn:      rtpConn,
		rtcpConn:     rtcpConn,
		local:        rtpConn.LocalAddr().(*net.UDPAddr),
		ssrc:         rand.Uint32(),
		cname:        fmt.Sprintf("%016x@tipring", rand.Uint64()),
		epoch:        o.clock(),
		rtcpInterval: o.rtcpInterval,
		now:          o.clock,
		done:         make(chan struct{}),
	}
	s.log = log.With("rtp", s.local.String())
	s.tx.seq = uint16(rand.Uint32())
	s.tx.ts = rand.Uint32()
	s.tx.ptime = int(defaultPtime / sampleTime)
	s.tx.marker = true
	s.rx.jb.init()
	s.wg.Add(2)
	go s.readRTP()
	go s.readRTCP()
	return s, nil
}

// sampleTime is the duration of one 8 kHz sample.
const sampleTime = time.Second / ClockRate

func bindPair(addr netip.Addr, portMin, portMax int) (*net.UDPConn, *net.UDPConn, error) {
	try := func(port int) (*net.UDPConn, *net.UDPConn, error) {
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port))))
		if err != nil {
			return nil, nil, err
		}
		port = a.LocalAddr().(*net.UDPAddr).Port
		if port%2 != 0 || port >= 65535 {
			a.Close()
			return nil, nil, errors.New("odd port")
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, uint16(port+1))))
		if err != nil {
			a.Close()
			return nil, nil, err
		}
		return a, b, nil
	}
	if portMin == 0 && portMax == 0 {
		var err error
		for range 64 {
			var a, b *net.UDPConn
			if a, b, err = try(0); err == nil {
				return a, b, nil
			}
		}
		return nil, nil, err
	}
	if portMin < 1 || portMax > 65535 || portMin > portMax {
		return nil, nil, errors.New("invalid port range")
	}
	first := (portMin + 1) &^ 1
	if first+1 > portMax {
		return nil, nil, errors.New("no even port with a free odd neighbour in range")
	}
	n := (portMax-first-1)/2 + 1 // even ports p with p+1 <= portMax
	off := rand.IntN(n)
	var err error
	for i := range n {
		p := first + 2*((off+i)%n)
		var a, b *net.UDPConn
		if a, b, err = try(p); err == nil {
			return a, b, nil
		}
	}
	return nil, nil, fmt.Errorf("all %d port pairs busy: %w", n, err)
}

// LocalAddr returns the local RTP address, for the SDP offer or answer.
func (s *Session) LocalAddr() *net.UDPAddr { return s.local }

// Start begins sending and receiving with the given parameters. It may be
// called again to change the remote address, codec, ptime or
// telephone-event payload type (re-INVITE, early media becoming the
// answer); the RTP stream (SSRC, sequence, timestamp) continues.
func (s *Session) Start(p Params) error {
	if p.RemoteRTP == nil {
		return errors.New("media: start: no remote RTP address")
	}
	if _, ok := codecByPT(p.Codec.PT); !ok || p.Codec.Law != mustCodec(p.Codec.PT).Law {
		return fmt.Errorf("media: start: unsupported codec %q payload type %d", p.Codec.Name, p.Codec.PT)
	}
	if p.DTMFPT != 0 && (p.DTMFPT < 96 || p.DTMFPT > 127) {
		return fmt.Errorf("media: start: telephone-event payload type %d is not dynamic (96-127)", p.DTMFPT)
	}
	if p.Ptime == 0 {
		p.Ptime = defaultPtime
	}
	ptime := int(p.Ptime / sampleTime)
	if p.Ptime%sampleTime != 0 || ptime < minPtime || ptime > maxPtime {
		return fmt.Errorf("media: start: ptime %v outside 10-60 ms", p.Ptime)
	}
	remote := udpAddrPort(p.RemoteRTP)
	if !remote.IsValid() || remote.Port() == 0 {
		return fmt.Errorf("media: start: invalid remote RTP address %v", p.RemoteRTP)
	}
	remoteRTCP := netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
	if p.RemoteRTCP != nil {
		remoteRTCP = udpAddrPort(p.RemoteRTCP)
	}
	tx, rx, err := newSRTP(p.SRTP)
	if err != nil {
		return fmt.Errorf("media: start: %w", err)
	}

	s.txMu.Lock()
	if s.tx.closed {
		s.txMu.Unlock()
		return errors.New("media: start: session closed")
	}
	moved := s.tx.remote != remote
	if s.tx.codec != p.Codec || moved || !s.tx.started || s.tx.mute != p.Mute {
		s.tx.marker = true
	}
	if s.tx.ptime != ptime {
		// A partial packet at the old ptime is dropped; its samples still
		// count on the timestamp so the RTP clock stays the TDM clock.
		s.tx.ts += uint32(s.tx.accN)
		s.tx.accN = 0
		s.tx.ptime = ptime
	}
	s.tx.codec = p.Codec
	s.tx.mute = p.Mute
	s.tx.dtmfPT = p.DTMFPT
	s.tx.remote = remote
	s.tx.remoteRTCP = remoteRTCP
	s.tx.started = true
	if !s.tx.srtp.config().equal(p.SRTP) {
		// Same keys (a re-INVITE that kept them) keep the context with
		// its rollover counter; new keys start afresh.
		s.tx.srtp = tx
	}
	s.txMu.Unlock()
	if moved || !p.Symmetric {
		s.latched.Store(nil)
	}

	s.rxMu.Lock()
	s.rx.started = true
	s.rx.symmetric = p.Symmetric
	s.rx.dtmfPT = p.DTMFPT
	if !s.rx.srtp.config().equal(p.SRTP) {
		s.rx.srtp = rx
	}
	if moved {
		// A new peer (early media from one, the answer from another) may
		// take over the stream without probation.
		s.rx.locked = false
		s.rx.latchCand, s.rx.latchCount = netip.AddrPort{}, 0
	}
	s.rxMu.Unlock()

	s.log.Debug("media start", "remote", remote.String(), "codec", p.Codec.Name, "ptime", p.Ptime, "dtmf_pt", p.DTMFPT, "srtp", p.SRTP != nil)
	s.startOnce.Do(func() {
		s.wg.Add(1)
		go s.rtcpLoop()
	})
	return nil
}

func mustCodec(pt uint8) Codec {
	c, _ := codecByPT(pt)
	return c
}

func udpAddrPort(a *net.UDPAddr) netip.AddrPort {
	ap := a.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Push takes one TDM frame for the network. Samples are gathered to the
// packet time, encoded and sent as one RTP packet; the RTP timestamp
// advances by every sample pushed, so the TDM clock is the RTP clock.
// While a telephone-event is being sent, audio packets are suppressed.
func (s *Session) Push(frame []int16) {
	s.txMu.Lock()
	defer s.txMu.Unlock()
	t := &s.tx
	if !t.started || t.closed || t.mute {
		t.ts += uint32(len(frame))
		return
	}
	for len(frame) > 0 {
		k := copy(t.acc[t.accN:t.ptime], frame)
		t.accN += k
		frame = frame[k:]
		if t.accN == t.ptime {
			s.packetDueLocked()
			t.accN = 0
		}
	}
}

// packetDueLocked sends whatever is due for the period [ts, ts+ptime)
// just completed and advances the timestamp.
func (s *Session) packetDueLocked() {
	t := &s.tx
	if !s.sendEventLocked() {
		payload := t.pkt[rtpHeaderLen : rtpHeaderLen+t.ptime]
		t.codec.Law.Encode(payload, t.acc[:t.ptime])
		s.sendRTPLocked(t.codec.PT, t.marker, t.ts, t.ptime)
		t.marker = false
	}
	t.ts += uint32(t.ptime)
	t.wallTS = t.ts
	t.wall = s.now()
}

// sendRTPLocked writes the header in front of the payload already in
// t.pkt and sends the packet.
func (s *Session) sendRTPLocked(pt uint8, marker bool, ts uint32, payloadLen int) {
	t := &s.tx
	t.hdr = rtp.Header{
		Version:        2,
		Marker:         marker,
		PayloadType:    pt,
		SequenceNumber: t.seq,
		Timestamp:      ts,
		SSRC:           s.ssrc,
	}
	if _, err := t.hdr.MarshalTo(t.pkt[:rtpHeaderLen]); err != nil {
		return
	}
	t.seq++
	n := rtpHeaderLen + payloadLen
	out := t.pkt[:n]
	if t.srtp != nil {
		var err error
		if out, err = t.srtp.protect(out); err != nil {
			t.sendErrs++
			if now := time.Now(); now.Sub(t.lastErrLog) > malformedLogGap {
				t.lastErrLog = now
				s.log.Warn("media: srtp protect", "err", err, "errors", t.sendErrs)
			}
			return
		}
	}
	dst := t.remote
	if l := s.latched.Load(); l != nil {
		dst = l.rtp
	}
	if _, err := s.rtpConn.WriteToUDPAddrPort(out, dst); err != nil {
		t.sendErrs++
		if now := time.Now(); now.Sub(t.lastErrLog) > malformedLogGap {
			t.lastErrLog = now
			s.log.Warn("media: rtp send", "err", err, "errors", t.sendErrs)
		}
	}
	t.packets++
	t.octets += uint64(payloadLen)
	t.sentSince = true
}

// Pull fills frame with network audio for the TDM side: jitter-buffer
// playout, concealment where packets are missing, silence before the
// first packet.
func (s *Session) Pull(frame []int16) { s.PullLost(frame) }

// PullLost is Pull that also reports whether audio of the frame was lost
// in the network (missing when its playout time came, while the stream was
// flowing and no RFC 4733 event replaced it). A lost frame holds the jitter
// buffer's simple concealment (the previous frame repeated, fading); a
// caller with a better concealer (G.711 Appendix I) substitutes its own.
func (s *Session) PullLost(frame []int16) (lost bool) {
	s.rxMu.Lock()
	lost = s.rx.jb.get(frame)
	s.rx.dtmf.tick(len(frame))
	s.rxMu.Unlock()
	return lost
}

// Stats returns a snapshot of the session's counters.
func (s *Session) Stats() Stats {
	var st Stats
	st.LocalSSRC = s.ssrc
	s.txMu.Lock()
	st.PacketsSent = s.tx.packets
	st.OctetsSent = s.tx.octets
	st.DTMFSent = s.tx.dtmf.sent
	s.txMu.Unlock()

	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	r := &s.rx
	if r.haveSrc {
		st.RemoteSSRC = r.src.ssrc
		st.PacketsLost = r.src.lost()
		st.JitterMs = r.src.jitter / ClockRate * 1000
	}
	st.PacketsReceived = r.packets
	st.OctetsReceived = r.octets
	st.Duplicates = r.duplicates
	st.Late = r.jb.late
	st.Discarded = r.discarded
	st.Malformed = r.malformed
	st.Concealed = r.jb.concealed
	st.Dropped = r.jb.dropped
	st.Resyncs = r.jb.resyncs
	st.SSRCChanges = r.ssrcChanges
	st.BufferTargetMs = float64(r.jb.target) / ClockRate * 1000
	st.BufferDepthMs = float64(max(r.jb.depth, 0)) / ClockRate * 1000
	st.RTT = r.rtt
	st.RTTValid = r.rttValid
	st.RemoteFractionLost = float64(r.remFraction) / 256
	st.RemotePacketsLost = r.remLost
	st.RemoteJitterMs = float64(r.remJitter) / ClockRate * 1000
	st.DTMFReceived = r.dtmf.received
	st.RTCPSent = r.rtcpSent
	st.RTCPReceived = r.rtcpReceived
	st.SRTP = r.srtp != nil
	st.SRTPAuthFailures = r.srtpAuthFails
	st.SRTPReplayed = r.srtpReplayed
	return st
}

// Close sends an RTCP BYE (RFC 3550 §6.6) if the session was started,
// stops the goroutines and releases the sockets.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.txMu.Lock()
		started := s.tx.started
		s.tx.closed = true
		s.txMu.Unlock()
		if started {
			s.sendRTCP(true)
		}
		close(s.done)
		err1 := s.rtpConn.Close()
		err2 := s.rtcpConn.Close()
		s.wg.Wait()
		if err := errors.Join(err1, err2); err != nil {
			s.closeErr = fmt.Errorf("media: close %s: %w", s.local, err)
		}
	})
	return s.closeErr
}

func (s *Session) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// readRTP is the RTP receiver goroutine.
func (s *Session) readRTP() {
	defer s.wg.Done()
	buf := make([]byte, readBufferSize)
	for {
		n, from, err := s.rtpConn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Debug("media: rtp read", "err", err)
			continue
		}
		s.handleRTP(buf[:n], from, s.now())
	}
}

// handleRTP processes one received RTP datagram. It never panics on
// arbitrary input (FuzzHandleRTP).
func (s *Session) handleRTP(b []byte, from netip.AddrPort, now time.Time) {
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	r := &s.rx
	p := &r.pkt
	if len(b) < rtpHeaderLen || b[0]>>6 != 2 {
		s.malformedLocked("rtp header", now)
		return
	}
	if r.srtp != nil {
		var err error
		if b, err = r.srtp.ctx.DecryptRTP(r.srtp.buf[:], b, &r.srtp.hdr); err != nil {
			s.srtpFailedLocked("srtp", err, now)
			return
		}
	}
	if err := p.Unmarshal(b); err != nil {
		s.malformedLocked("rtp packet", now)
		return
	}
	if !r.started {
		r.discarded++
		return
	}
	h := &p.Header
	isEvent := r.dtmfPT != 0 && h.PayloadType == r.dtmfPT
	codec, isAudio := codecByPT(h.PayloadType)
	switch {
	case isEvent:
		if len(p.Payload) < 4 {
			s.malformedLocked("telephone-event payload", now)
			return
		}
	case isAudio:
		if len(p.Payload) == 0 {
			s.malformedLocked("empty audio payload", now)
			return
		}
	default:
		// Comfort noise (RFC 3389) and anything not negotiated.
		r.discarded++
		return
	}

	if !s.acceptSSRCLocked(h) {
		r.discarded++
		return
	}
	switch r.src.update(h.SequenceNumber) {
	case seqDuplicate:
		r.duplicates++
		return
	case seqBad:
		r.discarded++
		return
	case seqRestart:
		s.log.Info("media: remote sequence restarted", "ssrc", h.SSRC, "seq", h.SequenceNumber)
		r.jb.reset()
		r.dtmf.reset()
	}
	r.packets++
	r.octets += uint64(len(p.Payload))

	if r.symmetric {
		s.learnRemote(from)
	}
	if isEvent {
		r.dtmf.handle(h.Timestamp, p.Payload)
		r.jb.mute()
		return
	}
	arrival := uint32(now.Sub(s.epoch) / sampleTime)
	r.src.updateJitter(arrival, h.Timestamp)
	r.jb.put(h.Timestamp, p.Payload, codec.Law)
	r.jb.setDesired(int32(len(p.Payload)) + int32(4*r.src.jitter))
}

// acceptSSRCLocked decides whether a packet's SSRC is the source being
// played. The first SSRC seen is adopted. A different one replaces it at
// once if the remote address just changed (Start), otherwise only after
// three consecutive packets from it, so a stray packet cannot disturb the
// call but a real change of source (a media server taking over) is
// followed within 60 ms.
func (s *Session) acceptSSRCLocked(h *rtp.Header) bool {
	r := &s.rx
	if r.haveSrc && h.SSRC == r.src.ssrc {
		r.candCount = 0
		return true
	}
	if r.haveSrc && r.locked {
		if h.SSRC == r.candSSRC {
			r.candCount++
		} else {
			r.candSSRC = h.SSRC
			r.candCount = 1
		}
		if r.candCount < 3 {
			return false
		}
	}
	if r.haveSrc {
		r.ssrcChanges++
		s.log.Info("media: remote ssrc changed", "old", r.src.ssrc, "new", h.SSRC)
	}
	r.haveSrc = true
	r.locked = true
	r.candCount = 0
	r.src.init(h.SSRC, h.SequenceNumber)
	r.jb.reset()
	r.dtmf.reset()
	return true
}

// RelatchPackets is how many consecutive valid RTP packets a new source
// address must send before symmetric RTP moves the stream to it (100 ms at
// 20 ms packets); the first source after Start is latched at once.
const RelatchPackets = 5

// latch is a symmetric-RTP destination.
type latch struct{ rtp, rtcp netip.AddrPort }

// learnRemote implements symmetric RTP (RFC 4961): from is the source of
// a packet that passed every check. Called with rxMu held; the destination
// is swapped atomically, so the senders never wait for the receiver.
func (s *Session) learnRemote(from netip.AddrPort) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	r := &s.rx
	cur := s.latched.Load()
	if cur != nil && cur.rtp == from {
		r.latchCount = 0
		return
	}
	if cur != nil {
		if from != r.latchCand {
			r.latchCand, r.latchCount = from, 0
		}
		r.latchCount++
		if r.latchCount < RelatchPackets {
			return
		}
	}
	r.latchCand, r.latchCount = netip.AddrPort{}, 0
	old := "negotiated"
	if cur != nil {
		old = cur.rtp.String()
	}
	s.latched.Store(&latch{rtp: from, rtcp: netip.AddrPortFrom(from.Addr(), from.Port()+1)})
	s.log.Info("media: symmetric rtp: sending to source address", "old", old, "new", from.String())
}

// Destination returns where RTP is being sent: the symmetric-RTP latched
// source when there is one, else the negotiated address.
func (s *Session) Destination() netip.AddrPort {
	if l := s.latched.Load(); l != nil {
		return l.rtp
	}
	s.txMu.Lock()
	defer s.txMu.Unlock()
	return s.tx.remote
}

func (s *Session) malformedLocked(what string, now time.Time) {
	s.rx.malformed++
	if now.Sub(s.rx.lastMalLog) > malformedLogGap {
		s.rx.lastMalLog = now
		s.log.Warn("media: malformed packet", "what", what, "total", s.rx.malformed)
	}
}
