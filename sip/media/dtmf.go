package media

import (
	"encoding/binary"
	"time"
)

// DTMFEvent is a telephone-event received from the remote (RFC 4733).
// Each event is reported twice: once when it starts (End false) and once
// when it ends (End true, Duration the final duration).
type DTMFEvent struct {
	Digit    byte // '0'-'9', '*', '#', 'A'-'D', or '!' for flash
	End      bool
	Duration time.Duration
}

const (
	eventFlash     = 16 // RFC 4733 §3.2 Table 1: flash
	eventVolume    = 10 // -10 dBm0, RFC 4733 §2.3.4
	eventMaxDur    = 0xffff
	eventEndRepeat = 3    // RFC 4733 §2.5.1.4: the final packet is sent three times
	eventIdleEnd   = 3200 // 400 ms without packets ends a received event whose end was lost
	dtmfQueueLen   = 32
)

// eventCode maps a digit to its RFC 4733 §3.2 event code.
func eventCode(digit byte) (uint8, bool) {
	switch {
	case digit >= '0' && digit <= '9':
		return digit - '0', true
	case digit == '*':
		return 10, true
	case digit == '#':
		return 11, true
	case digit >= 'A' && digit <= 'D':
		return digit - 'A' + 12, true
	case digit >= 'a' && digit <= 'd':
		return digit - 'a' + 12, true
	case digit == '!':
		return eventFlash, true
	}
	return 0, false
}

// eventDigit is the inverse of eventCode.
func eventDigit(code uint8) byte {
	switch {
	case code <= 9:
		return '0' + code
	case code == 10:
		return '*'
	case code == 11:
		return '#'
	case code <= 15:
		return 'A' + code - 12
	}
	return '!'
}

// dtmfReq is a queued event to send; samples 0 means until EndDTMF.
type dtmfReq struct {
	code    uint8
	samples uint32
}

// dtmfSender is the RFC 4733 §2.5.1 sender state, owned by txState.
type dtmfSender struct {
	q    [dtmfQueueLen]dtmfReq
	head int
	n    int

	active  bool
	first   bool
	code    uint8
	startTS uint32
	dur     uint32
	limit   uint32
	endReq  bool
	ending  bool
	endSent int

	sent uint64
}

// BeginDTMF starts sending a telephone-event for digit (0-9 * # A-D, or
// '!' for flash). It begins at the next packet boundary; the first packet
// carries the marker bit and the duration then grows every packet time
// under one timestamp (RFC 4733 §2.5.1.2-3). Events queue behind one in
// progress. Without a negotiated telephone-event payload type it does
// nothing.
func (s *Session) BeginDTMF(digit byte) {
	s.queueDTMF(digit, 0)
}

// EndDTMF ends the event started by BeginDTMF: the next packet carries the
// E bit and is sent three times (RFC 4733 §2.5.1.4).
func (s *Session) EndDTMF() {
	s.txMu.Lock()
	defer s.txMu.Unlock()
	d := &s.tx.dtmf
	if d.active && !d.ending && d.limit == 0 {
		d.endReq = true
		return
	}
	for i := d.n - 1; i >= 0; i-- {
		r := &d.q[(d.head+i)%dtmfQueueLen]
		if r.samples == 0 {
			r.samples = 1 // end with the first packet
			return
		}
	}
}

// SendDTMF sends digit as a telephone-event lasting d of Push-clocked
// time, rounded up to whole packet times. Events longer than 8.19 s (the
// 16-bit duration field) end at that length.
func (s *Session) SendDTMF(digit byte, d time.Duration) {
	n := uint32(min(max(d/sampleTime, 1), eventMaxDur))
	s.queueDTMF(digit, n)
}

func (s *Session) queueDTMF(digit byte, samples uint32) {
	code, ok := eventCode(digit)
	if !ok {
		s.log.Warn("media: dtmf: invalid digit", "digit", string(rune(digit)))
		return
	}
	s.txMu.Lock()
	defer s.txMu.Unlock()
	d := &s.tx.dtmf
	if s.tx.dtmfPT == 0 && s.tx.started {
		s.log.Debug("media: dtmf: no telephone-event negotiated", "digit", string(rune(digit)))
		return
	}
	if d.n == dtmfQueueLen {
		s.log.Warn("media: dtmf: queue full", "digit", string(rune(digit)))
		return
	}
	d.q[(d.head+d.n)%dtmfQueueLen] = dtmfReq{code: code, samples: samples}
	d.n++
}

// sendEventLocked sends the telephone-event packet due for the period just
// completed, if an event is in progress or queued, and reports whether it
// did (audio is then suppressed for that period).
func (s *Session) sendEventLocked() bool {
	t := &s.tx
	d := &t.dtmf
	if t.dtmfPT == 0 {
		d.active = false
		d.n = 0
		return false
	}
	if !d.active {
		if d.n == 0 {
			return false
		}
		r := d.q[d.head]
		d.head = (d.head + 1) % dtmfQueueLen
		d.n--
		*d = dtmfSender{q: d.q, head: d.head, n: d.n, sent: d.sent + 1,
			active: true, first: true, code: r.code, startTS: t.ts, limit: r.samples}
	}
	if !d.ending {
		d.dur = min(d.dur+uint32(t.ptime), eventMaxDur)
		if (d.limit > 0 && d.dur >= d.limit) || d.endReq || d.dur == eventMaxDur {
			d.ending = true
		}
	}
	p := t.pkt[rtpHeaderLen : rtpHeaderLen+4]
	p[0] = d.code
	p[1] = eventVolume
	if d.ending {
		p[1] |= 0x80
	}
	binary.BigEndian.PutUint16(p[2:], uint16(d.dur))
	s.sendRTPLocked(t.dtmfPT, d.first, d.startTS, 4)
	d.first = false
	if d.ending {
		d.endSent++
		if d.endSent >= eventEndRepeat {
			d.active = false
			t.marker = true // audio resumes after a gap: a new talkspurt
		}
	}
	return true
}

// dtmfReceiver turns RFC 4733 packets into one start and one end per
// event, identified by the event's RTP timestamp (§2.5.2).
type dtmfReceiver struct {
	active   bool
	ts       uint32
	code     uint8
	dur      uint16
	idle     int
	haveLast bool
	lastTS   uint32 // newest event timestamp seen

	events   eventRing
	received uint64
}

func (d *dtmfReceiver) reset() {
	d.active = false
	d.haveLast = false
	d.idle = 0
}

// handle processes one telephone-event payload (at least 4 bytes). Only
// the first event of the payload is used: redundant older events
// (RFC 4733 §2.5.1.5) would only repeat what was already reported.
func (d *dtmfReceiver) handle(ts uint32, payload []byte) {
	code := payload[0]
	end := payload[1]&0x80 != 0
	dur := binary.BigEndian.Uint16(payload[2:4])
	if code > eventFlash {
		return
	}
	if d.active && ts == d.ts {
		d.idle = 0
		d.dur = max(d.dur, dur)
		if end {
			d.finish()
		}
		return
	}
	if d.haveLast && int32(ts-d.lastTS) <= 0 {
		// A retransmitted end, or a straggler of an event already over.
		return
	}
	if d.active {
		d.finish() // its end packets were all lost
	}
	d.active = true
	d.ts = ts
	d.code = code
	d.dur = dur
	d.idle = 0
	d.haveLast = true
	d.lastTS = ts
	d.received++
	d.events.push(DTMFEvent{Digit: eventDigit(code), Duration: time.Duration(dur) * sampleTime})
	if end {
		d.finish()
	}
}

func (d *dtmfReceiver) finish() {
	d.active = false
	d.events.push(DTMFEvent{Digit: eventDigit(d.code), End: true, Duration: time.Duration(d.dur) * sampleTime})
}

// tick advances the receiver's idea of time by n played samples and ends
// an event that has gone silent.
func (d *dtmfReceiver) tick(n int) {
	if !d.active {
		return
	}
	d.idle += n
	if d.idle > eventIdleEnd {
		d.finish()
	}
}

// eventRing is a fixed queue of received events; when full, new events
// are dropped rather than older ones so that starts and ends stay paired.
type eventRing struct {
	buf  [dtmfQueueLen]DTMFEvent
	head int
	n    int
}

func (r *eventRing) push(ev DTMFEvent) {
	if r.n == len(r.buf) {
		return
	}
	r.buf[(r.head+r.n)%len(r.buf)] = ev
	r.n++
}

func (r *eventRing) pop() (DTMFEvent, bool) {
	if r.n == 0 {
		return DTMFEvent{}, false
	}
	ev := r.buf[r.head]
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return ev, true
}

// PollDTMF returns the next received telephone-event report, if any.
// Retransmissions are folded: each event yields exactly one start and one
// end report.
func (s *Session) PollDTMF() (ev DTMFEvent, ok bool) {
	s.rxMu.Lock()
	defer s.rxMu.Unlock()
	return s.rx.dtmf.events.pop()
}
