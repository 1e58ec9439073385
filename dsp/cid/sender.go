package cid

import (
	"fmt"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/fsk"
)

// SenderConfig configures a Sender. Zero fields take the defaults.
type SenderConfig struct {
	Scheme Scheme
	// LevelDBm0 is the FSK level, or the level of each DTMF tone for the
	// DTMF scheme. Default -14 dBm0.
	LevelDBm0 float64
	// AlertDBm0 is the level of each tone of the 2130 + 2750 Hz alerting
	// signal. Default -16 dBm0.
	AlertDBm0 float64
	// OffHook selects delivery to an off-hook set (caller ID on call
	// waiting, SR-3004 / EN 300 659-2): no channel seizure and 80 mark
	// bits (the CAS and its acknowledgement are sent and awaited by the
	// port, with SendAlert and an ACKDetector).
	OffHook bool
	// Seizure and Mark override the number of channel-seizure and mark
	// bits before a message (negative: none).
	Seizure, Mark int
}

type segKind uint8

const (
	segSilence segKind = iota
	segAlert
	segFSK
	segDTMF
)

type segment struct {
	kind          segKind
	n             int // samples (silence, alert)
	seizure, mark int
	off, end      int    // data in Sender.arena
	digits        string // DTMF digits
}

// Sender turns messages into line audio: the FSK preamble and message
// (with the BT tone alert on hook), or DTMF digits, plus alerting tones
// and silences queued by the port. It is not safe for concurrent use.
type Sender struct {
	cfg     SenderConfig
	mod     *fsk.Modulator
	gen     *dtmf.Generator
	alert   alertGen
	segs    []segment
	cur     int  // index of the segment being played
	started bool // segs[cur] has been started
	remain  int
	arena   []byte
}

// Preamble lengths in bits (seizure, mark) of the on-hook FSK schemes.
//
//   - GR-30-CORE clause 3.2: 300 bits of channel seizure, 180 mark bits.
//   - EN 300 659-1 clause 6.1.2: 300 bits of seizure, 180 ± 25 mark bits.
//   - BT SIN 227: 96-315 bits of seizure, 55-90 mark bits, sent at least
//     45 ms after the 88-110 ms tone alert: 156 and 72 here.
//   - NTT: no seizure; a mark preamble (72 bits here).
//   - Off hook (SR-3004, EN 300 659-2): no seizure, 80 mark bits.
func preamble(s Scheme, offHook bool) (seizure, mark int) {
	switch {
	case offHook:
		return 0, 80
	case s == BT:
		return 156, 72
	case s == NTT:
		return 0, 72
	}
	return 300, 180
}

// BT SIN 227 tone alert and the silence after it.
const (
	btAlert = 100 * time.Millisecond
	btGap   = 60 * time.Millisecond
)

// DTMF digit timing for CLIP over DTMF.
const (
	dtmfOn  = 60 * time.Millisecond
	dtmfOff = 60 * time.Millisecond
)

// trailMark is the number of mark bits after the last character, so that
// its stop bit is well clear of the end of the carrier.
const trailMark = 10

// NewSender returns an idle sender for cfg.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.LevelDBm0 == 0 {
		cfg.LevelDBm0 = -14
	}
	if cfg.AlertDBm0 == 0 {
		cfg.AlertDBm0 = -16
	}
	s := &Sender{cfg: cfg, alert: newAlertGen(cfg.AlertDBm0), segs: make([]segment, 0, 8), arena: make([]byte, 0, 512)}
	var err error
	switch cfg.Scheme {
	case Bellcore:
		s.mod, err = fsk.NewModulator(fsk.Bell202, cfg.LevelDBm0)
	case ETSI, BT, NTT:
		s.mod, err = fsk.NewModulator(fsk.V23, cfg.LevelDBm0)
	case DTMF:
		s.gen = dtmf.NewGenerator(dtmf.GenConfig{LowDBm0: cfg.LevelDBm0, HighDBm0: cfg.LevelDBm0, On: dtmfOn, Off: dtmfOff})
	default:
		return nil, fmt.Errorf("cid: new sender: unknown scheme %v", cfg.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("cid: new sender: %w", err)
	}
	return s, nil
}

// Send encodes m for the sender's scheme and queues it with the scheme's
// preamble (on hook for BT: the tone alert and the silence after it
// first).
func (s *Sender) Send(m *Message) error {
	s.compact()
	raw, err := Append(s.arena[len(s.arena):], s.cfg.Scheme, m)
	if err != nil {
		return fmt.Errorf("cid: send: %w", err)
	}
	return s.SendRaw(raw)
}

// SendRaw queues an already encoded message (as Append produces it, or
// deliberately damaged for testing receivers) with the scheme's preamble.
func (s *Sender) SendRaw(raw []byte) error {
	if s.gen != nil {
		for _, c := range raw {
			if _, _, ok := dtmf.Freqs(c); !ok {
				return fmt.Errorf("cid: send: %q is not a DTMF digit", c)
			}
		}
	}
	s.compact()
	off := len(s.arena)
	s.arena = append(s.arena, raw...)
	if s.cfg.Scheme == BT && !s.cfg.OffHook {
		s.segs = append(s.segs, segment{kind: segAlert, n: samples(btAlert)}, segment{kind: segSilence, n: samples(btGap)})
	}
	seizure, mark := preamble(s.cfg.Scheme, s.cfg.OffHook)
	if s.cfg.Seizure != 0 {
		seizure = max(s.cfg.Seizure, 0)
	}
	if s.cfg.Mark != 0 {
		mark = max(s.cfg.Mark, 0)
	}
	kind := segFSK
	if s.gen != nil {
		kind = segDTMF
	}
	seg := segment{kind: kind, seizure: seizure, mark: mark, off: off, end: len(s.arena)}
	if s.gen != nil {
		seg.digits = string(raw)
	}
	s.segs = append(s.segs, seg)
	return nil
}

// SendAlert queues the 2130 + 2750 Hz alerting signal for d: the CAS before
// caller ID on call waiting (75-85 ms, SR-3004), the DT-AS of EN 300 659-1
// (on hook) and EN 300 659-2 (off hook), or the BT tone alert (88-110 ms).
func (s *Sender) SendAlert(d time.Duration) {
	s.compact()
	s.segs = append(s.segs, segment{kind: segAlert, n: samples(d)})
}

// SendSilence queues d of silence.
func (s *Sender) SendSilence(d time.Duration) {
	s.compact()
	s.segs = append(s.segs, segment{kind: segSilence, n: samples(d)})
}

// compact drops finished segments (and the arena when idle).
func (s *Sender) compact() {
	if s.cur == len(s.segs) {
		s.segs = s.segs[:0]
		s.cur = 0
		s.arena = s.arena[:0]
	}
}

// Busy reports whether anything is queued or playing.
func (s *Sender) Busy() bool { return s.cur < len(s.segs) }

// Reset discards everything queued.
func (s *Sender) Reset() {
	s.segs, s.cur, s.started, s.arena = s.segs[:0], 0, false, s.arena[:0]
	if s.mod != nil {
		s.mod.Reset()
	}
	if s.gen != nil {
		s.gen.Stop()
	}
}

// Fill writes the queued signals into frame, overwriting it, and returns
// the number of samples written: len(frame) while busy, fewer when the last
// signal ends inside the frame (the rest of frame is left untouched), 0 when
// idle.
func (s *Sender) Fill(frame []int16) int {
	n := 0
	for n < len(frame) && s.cur < len(s.segs) {
		seg := &s.segs[s.cur]
		if !s.started {
			s.started = true
			s.remain = seg.n
			data := s.arena[seg.off:seg.end]
			switch seg.kind {
			case segAlert:
				s.alert.reset()
			case segFSK:
				s.mod.QueueSeizure(seg.seizure)
				s.mod.QueueMark(seg.mark)
				s.mod.QueueBytes(data)
				s.mod.QueueMark(trailMark)
			case segDTMF:
				// Validated by SendRaw.
				_ = s.gen.Queue(seg.digits)
			}
		}
		done := false
		switch seg.kind {
		case segSilence, segAlert:
			k := min(s.remain, len(frame)-n)
			if seg.kind == segAlert {
				s.alert.render(frame[n : n+k])
			} else {
				clear(frame[n : n+k])
			}
			n += k
			s.remain -= k
			done = s.remain == 0
		case segFSK:
			n += s.mod.Fill(frame[n:])
			done = !s.mod.Busy()
		case segDTMF:
			n += s.gen.Fill(frame[n:])
			done = !s.gen.Busy()
		}
		if done {
			s.cur++
			s.started = false
		}
	}
	return n
}
