package cid

import (
	"fmt"
	"time"

	"tipring/dsp/dtmf"
	"tipring/dsp/fsk"
)

// ReceiverConfig configures a Receiver. Zero fields take the defaults.
type ReceiverConfig struct {
	Scheme Scheme
	// CutoffDBm0 is the FSK carrier-detect cut-off (see
	// fsk.DemodConfig). Default -45 dBm0: messages are received down to
	// -40 dBm0.
	CutoffDBm0 float64
	// DTMFMinLevelDBm0 is the lowest DTMF tone level received (DTMF
	// scheme). Default -36 dBm0.
	DTMFMinLevelDBm0 float64
}

// Result is a message received by a Receiver.
type Result struct {
	Scheme Scheme
	// Raw is the message as received: type to checksum, the NTT frame
	// from DLE SOH to the CRC, or the DTMF digits. It is valid until the
	// next Process.
	Raw []byte
	// Err is nil for a message whose checks passed, else ErrChecksum,
	// ErrCRC, ErrParity, ErrFormat or ErrTruncated (carrier lost, or no
	// DTMF digit for dtmfTimeout, before the end of the message).
	Err error
}

// Message decodes the result; it fails if Err is set.
func (r *Result) Message() (Message, error) {
	if r.Err != nil {
		return Message{}, fmt.Errorf("cid: %v message: %w", r.Scheme, r.Err)
	}
	return Decode(r.Scheme, r.Raw)
}

const (
	maxRaw     = 320 // longest message kept: 255 data octets plus framing
	maxResults = 4
	// dtmfTimeout ends a DTMF message that stops without its terminator.
	dtmfTimeout = time.Second
)

// Assembly states.
const (
	asmHunt    = iota
	asmLength  // Bellcore/ETSI/BT: type received
	asmData    // Bellcore/ETSI/BT: collecting up to need octets
	asmNTTSOH  // NTT: DLE received
	asmNTTText // NTT: in the frame, looking for DLE ETX
	asmNTTCRC  // NTT: collecting the two CRC octets
	asmDigits  // DTMF: collecting digits
)

// Receiver turns line audio into caller-ID messages of one scheme, with
// their checksum, CRC and parity verified. It is not safe for concurrent
// use.
type Receiver struct {
	scheme Scheme
	demod  *fsk.Demodulator
	det    *dtmf.Detector

	state   int
	asm     [maxRaw]byte
	n       int
	need    int  // asmData: total octets
	lastDLE bool // asmNTTText: previous octet was an unpaired DLE
	idle    int  // DTMF: samples since the last digit

	results [maxResults]Result
	raws    [maxResults][maxRaw]byte
	nres    int
}

// NewReceiver returns a receiver for cfg.
func NewReceiver(cfg ReceiverConfig) (*Receiver, error) {
	r := &Receiver{scheme: cfg.Scheme}
	var err error
	switch cfg.Scheme {
	case Bellcore:
		r.demod, err = fsk.NewDemodulator(fsk.Bell202, fsk.DemodConfig{CutoffDBm0: cfg.CutoffDBm0})
	case ETSI, BT, NTT:
		r.demod, err = fsk.NewDemodulator(fsk.V23, fsk.DemodConfig{CutoffDBm0: cfg.CutoffDBm0})
	case DTMF:
		if cfg.DTMFMinLevelDBm0 == 0 {
			cfg.DTMFMinLevelDBm0 = -36
		}
		r.det = dtmf.NewDetector(dtmf.DetectorConfig{MinLevelDBm0: cfg.DTMFMinLevelDBm0})
	default:
		return nil, fmt.Errorf("cid: new receiver: unknown scheme %v", cfg.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("cid: new receiver: %w", err)
	}
	return r, nil
}

// Reset forgets all state.
func (r *Receiver) Reset() {
	if r.demod != nil {
		r.demod.Reset()
	}
	if r.det != nil {
		r.det.Reset()
	}
	r.state, r.n, r.nres, r.idle = asmHunt, 0, 0, 0
}

// Carrier reports whether the FSK carrier is present (always false for
// DTMF).
func (r *Receiver) Carrier() bool { return r.demod != nil && r.demod.Carrier() }

// Process analyses frame and returns the messages completed in it, good or
// failed. The results and their Raw octets are valid until the next call.
func (r *Receiver) Process(frame []int16) []Result {
	r.nres = 0
	if r.det != nil {
		r.processDTMF(frame)
		return r.results[:r.nres]
	}
	data, carrier := r.demod.Process(frame)
	for _, b := range data {
		r.octet(b)
	}
	if !carrier && r.state != asmHunt {
		r.emit(ErrTruncated)
	}
	return r.results[:r.nres]
}

// emit completes the message in r.asm with err (nil: check it).
func (r *Receiver) emit(err error) {
	raw := r.asm[:r.n]
	if err == nil {
		err = Check(r.scheme, raw)
	}
	r.state, r.n = asmHunt, 0
	if r.nres == maxResults {
		return
	}
	i := r.nres
	r.nres++
	k := copy(r.raws[i][:], raw)
	r.results[i] = Result{Scheme: r.scheme, Raw: r.raws[i][:k], Err: err}
}

func (r *Receiver) push(b byte) bool {
	if r.n == maxRaw {
		r.emit(ErrFormat)
		return false
	}
	r.asm[r.n] = b
	r.n++
	return true
}

// octet advances message assembly by one received character.
func (r *Receiver) octet(b byte) {
	switch r.state {
	case asmHunt:
		if r.scheme == NTT {
			if b&0x7F == dle {
				r.n = 0
				r.push(b)
				r.state = asmNTTSOH
			}
			return
		}
		if knownType(r.scheme, b) {
			r.n = 0
			r.push(b)
			r.state = asmLength
		}
	case asmLength:
		r.push(b)
		r.need = int(b) + 3
		r.state = asmData
	case asmData:
		r.push(b)
		if r.n == r.need {
			r.emit(nil)
		}
	case asmNTTSOH:
		switch b & 0x7F {
		case soh:
			r.push(b)
			r.state, r.lastDLE = asmNTTText, false
		case dle:
			r.n = 0
			r.push(b)
		default:
			r.state, r.n = asmHunt, 0
		}
	case asmNTTText:
		if !r.push(b) {
			return
		}
		c := b & 0x7F
		switch {
		case r.lastDLE:
			r.lastDLE = false
			if c == etx {
				r.state, r.need = asmNTTCRC, r.n+2
			}
		case c == dle:
			r.lastDLE = true
		}
	case asmNTTCRC:
		r.push(b)
		if r.n == r.need {
			r.emit(nil)
		}
	}
}

func (r *Receiver) processDTMF(frame []int16) {
	for _, e := range r.det.Process(frame) {
		if e.End {
			continue
		}
		r.idle = 0
		c := e.Digit
		if r.state == asmHunt {
			if c == 'A' || c == 'B' || c == 'D' || isDigit(c) {
				r.state, r.n = asmDigits, 0
				r.push(c)
			}
			continue
		}
		if !r.push(c) {
			continue
		}
		if c == 'C' || c == '#' {
			r.emit(nil)
		}
	}
	if r.state == asmDigits {
		r.idle += len(frame)
		if r.idle > samples(dtmfTimeout) {
			r.emit(ErrTruncated)
		}
	}
}
