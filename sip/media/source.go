package media

// RFC 3550 Appendix A.1 limits: a forward jump of up to maxDropout
// sequence numbers is loss, a backward step of up to maxMisorder is
// reordering, anything else is a discontinuity that must be confirmed by
// a second, consecutive packet before the source is restarted.
const (
	seqMod      = 1 << 16
	maxDropout  = 3000
	maxMisorder = 100
)

type seqResult uint8

const (
	seqOK seqResult = iota
	seqDuplicate
	seqBad     // large jump, waiting for confirmation; packet dropped
	seqRestart // large jump confirmed; counters restarted at this packet
)

// sourceState is the per-source reception state of RFC 3550 A.1 (sequence
// numbers, loss), A.8 (interarrival jitter) and A.3 (report blocks).
type sourceState struct {
	ssrc    uint32
	maxSeq  uint16
	cycles  uint32 // sequence wraparounds, shifted by 16
	baseSeq uint32
	badSeq  uint32
	recvd   uint32 // packets received, duplicates excluded
	seen    uint64 // bit i: maxSeq-i was received (duplicate detection)
	fresh   bool   // init ran; the next update is the first packet itself

	expectedPrior uint32
	receivedPrior uint32

	transit     int32
	haveTransit bool
	jitter      float64 // in timestamp units
}

func (s *sourceState) init(ssrc uint32, seq uint16) {
	*s = sourceState{ssrc: ssrc}
	s.restart(seq)
	s.fresh = true
}

func (s *sourceState) restart(seq uint16) {
	s.baseSeq = uint32(seq)
	s.maxSeq = seq
	s.badSeq = seqMod + 1
	s.cycles = 0
	s.recvd = 0
	s.expectedPrior = 0
	s.receivedPrior = 0
	s.seen = 1
	s.haveTransit = false
}

// update registers sequence number seq (RFC 3550 A.1 update_seq, with a
// 64-packet window to recognise duplicates).
func (s *sourceState) update(seq uint16) seqResult {
	if s.fresh {
		s.fresh = false
		s.recvd++
		return seqOK
	}
	udelta := seq - s.maxSeq
	res := seqOK
	switch {
	case udelta == 0:
		return seqDuplicate
	case udelta < maxDropout:
		if seq < s.maxSeq {
			s.cycles += seqMod
		}
		s.maxSeq = seq
		if udelta >= 64 {
			s.seen = 1
		} else {
			s.seen = s.seen<<udelta | 1
		}
	case udelta <= seqMod-maxMisorder:
		if uint32(seq) != s.badSeq {
			s.badSeq = uint32(seq+1) & (seqMod - 1)
			return seqBad
		}
		s.restart(seq)
		res = seqRestart
	default:
		back := s.maxSeq - seq
		if back < 64 {
			if s.seen&(1<<back) != 0 {
				return seqDuplicate
			}
			s.seen |= 1 << back
		}
	}
	s.recvd++
	return res
}

func (s *sourceState) extMax() uint32 { return s.cycles + uint32(s.maxSeq) }

func (s *sourceState) expected() uint32 { return s.extMax() - s.baseSeq + 1 }

// lost is the cumulative number of packets lost (RFC 3550 A.3).
func (s *sourceState) lost() int64 { return int64(s.expected()) - int64(s.recvd) }

// updateJitter runs RFC 3550 A.8 with arrival and ts in timestamp units.
func (s *sourceState) updateJitter(arrival, ts uint32) {
	transit := int32(arrival - ts)
	if s.haveTransit {
		d := float64(transit - s.transit)
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.transit = transit
	s.haveTransit = true
}

// report returns the fields of an RFC 3550 §6.4.1 report block and
// starts a new reporting interval (A.3).
func (s *sourceState) report() (fraction uint8, cumLost uint32, extMax uint32, jitter uint32) {
	expected := s.expected()
	lost := int64(expected) - int64(s.recvd)
	// Cumulative loss is a 24-bit signed field.
	lost = min(max(lost, -0x800000), 0x7fffff)
	cumLost = uint32(lost) & 0xffffff

	expInterval := expected - s.expectedPrior
	s.expectedPrior = expected
	recInterval := s.recvd - s.receivedPrior
	s.receivedPrior = s.recvd
	lostInterval := int64(expInterval) - int64(recInterval)
	if expInterval != 0 && lostInterval > 0 {
		fraction = uint8(min((lostInterval<<8)/int64(expInterval), 255))
	}
	return fraction, cumLost, s.extMax(), uint32(s.jitter)
}
