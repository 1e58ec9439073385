package fxs

import "time"

// Timing of caller ID around ringing (EN 300 659-1, GR-30-CORE clause 3,
// NTT number display interface).
const (
	// cidAfterRing: data starts this long after the first ring ends
	// (GR-30: at least 500 ms; EN 300 659-1: at least 500 ms).
	cidAfterRing = 600 * time.Millisecond
	// cidLRToAlert: line reversal to DT-AS or data (at least 100 ms).
	cidLRToAlert = 150 * time.Millisecond
	// cidDTAS is the DT-AS length (EN 300 659-1: 100 ± 10 ms) and
	// cidDTASGap the silence after it before the data (45-500 ms).
	cidDTAS    = 100 * time.Millisecond
	cidDTASGap = 100 * time.Millisecond
	// cidRPAS is the ring pulse alerting signal (200-300 ms) and
	// cidRPASGap the pause before the data (500-2000 ms).
	cidRPAS    = 250 * time.Millisecond
	cidRPASGap = 650 * time.Millisecond
	// cidToRing: end of data to the first ring (at least 200 ms).
	cidToRing = 400 * time.Millisecond
	// nttCARTimeout: how long the CAR runs waiting for the primary
	// response; nttToData: off hook to the start of the data.
	nttCARTimeout = 6 * time.Second
	nttToData     = 300 * time.Millisecond
	// minCIDGap is the shortest silent interval of a cadence that takes
	// caller ID after the first ring.
	minCIDGap = 1500 * time.Millisecond
)

// nttCAR is the NTT call incoming signal cadence (0.5 s on, 0.5 s off).
var nttCAR = []time.Duration{500 * time.Millisecond, 500 * time.Millisecond}

type alertPhase uint8

const (
	alertIdle       alertPhase = iota
	alertRinging               // ringing; data (if any) due at deadline
	alertLR                    // polarity reversed, waiting to send
	alertRPAS                  // ring pulse alerting signal burst
	alertRPASGap               // after the RP-AS, before the data
	alertSending               // prior-to-ring data being sent
	alertPause                 // data sent, pause before ringing
	alertCAR                   // NTT: CAR until the primary response
	alertNTTWait               // NTT: set off hook, before the data
	alertNTTSending            // NTT: data going to the off-hook set
	alertNTTOnHook             // NTT: data sent, waiting for on hook
)

// alertOut are the line operations a ringer step asks for, in this order:
// polarity, ring cadence, ring off/on, alert tone, data.
type alertOut struct {
	reverse, normal bool // set polarity reversed / normal
	car             bool // use the NTT CAR cadence for the next ring
	ring, ringOff   bool
	dtas            bool // queue the DT-AS and the gap after it
	data            bool // queue the caller-ID data
}

// ringer sequences ringing with caller ID. It is a pure value owned by the
// channel loop: every method takes the time and returns the operations to
// carry out, so it is table-tested without a line.
type ringer struct {
	phase    alertPhase
	deadline time.Duration
	method   CIDAlerting
	data     bool // caller-ID data still to send
	reversed bool
}

// firstGap returns where, from the start of ringing, the first silent
// interval of at least minCIDGap begins, or ok=false.
func firstGap(cadence []time.Duration) (time.Duration, bool) {
	var at time.Duration
	for i, d := range cadence {
		if i%2 == 1 && d >= minCIDGap {
			return at, true
		}
		at += d
	}
	return 0, false
}

// start begins ringing for an offered call; withData says caller-ID data is
// queued for method m, cadence is the ring cadence in use.
func (r *ringer) start(now time.Duration, m CIDAlerting, withData bool, cadence []time.Duration) alertOut {
	*r = ringer{method: m, data: withData}
	var o alertOut
	if !withData {
		m = 0
	}
	switch m {
	case CIDAfterFirstRing:
		r.phase = alertRinging
		o.ring = true
		if gap, ok := firstGap(cadence); ok {
			r.deadline = now + gap + cidAfterRing
		} else {
			r.data = false
		}
	case CIDDTAS, CIDPriorToRing:
		r.phase = alertSending
		o.dtas = m == CIDDTAS
		o.data = true
		r.data = false
	case CIDLineReversalDTAS, CIDLineReversal:
		r.phase = alertLR
		r.deadline = now + cidLRToAlert
		r.reversed = true
		o.reverse = true
	case CIDRPAS:
		r.phase = alertRPAS
		r.deadline = now + cidRPAS
		o.ring = true
	case CIDNTT:
		r.phase = alertCAR
		r.deadline = now + nttCARTimeout
		o.car = true
		o.ring = true
	default:
		r.phase = alertRinging
		r.data = false
		o.ring = true
	}
	return o
}

// ringNow ends a prior-to-ring sequence: normal polarity and ringing.
func (r *ringer) ringNow() alertOut {
	o := alertOut{ring: true, normal: r.reversed}
	r.reversed = false
	r.phase = alertRinging
	r.data = false
	return o
}

// tick advances time; sending says the caller-ID sender is still busy.
func (r *ringer) tick(now time.Duration, sending bool) alertOut {
	var o alertOut
	due := now >= r.deadline
	switch r.phase {
	case alertRinging:
		if r.data && due {
			r.data = false
			o.data = true
		}
	case alertLR:
		if due {
			r.phase = alertSending
			o.dtas = r.method == CIDLineReversalDTAS
			o.data = true
			r.data = false
		}
	case alertRPAS:
		if due {
			r.phase = alertRPASGap
			r.deadline = now + cidRPASGap
			o.ringOff = true
		}
	case alertRPASGap:
		if due {
			r.phase = alertSending
			o.data = true
			r.data = false
		}
	case alertSending:
		if !sending {
			r.phase = alertPause
			r.deadline = now + cidToRing
		}
	case alertPause:
		if due {
			o = r.ringNow()
		}
	case alertCAR:
		if due {
			// No primary response: ring without caller ID.
			o.ringOff = true
			o2 := r.ringNow()
			o.ring = o2.ring
		}
	case alertNTTWait:
		if due {
			r.phase = alertNTTSending
			o.data = true
			r.data = false
		}
	case alertNTTSending:
		if !sending {
			r.phase = alertNTTOnHook
		}
	}
	return o
}

// hook feeds the set's classified hook state while the ringer owns the
// line (see owns); it returns the operations to carry out.
func (r *ringer) hook(now time.Duration, off bool) alertOut {
	var o alertOut
	switch {
	case r.phase == alertCAR && off:
		o.ringOff = true
		r.phase = alertNTTWait
		r.deadline = now + nttToData
	case (r.phase == alertNTTOnHook || r.phase == alertNTTSending || r.phase == alertNTTWait) && !off:
		r.phase = alertPause
		r.deadline = now + cidToRing
	}
	return o
}

// owns reports whether hook changes now belong to the caller-ID handshake
// (NTT primary response) rather than answering the call.
func (r *ringer) owns() bool {
	switch r.phase {
	case alertNTTWait, alertNTTSending, alertNTTOnHook:
		return true
	case alertCAR:
		return true
	}
	return false
}

// stop ends ringing (answer, cancel): ringing off and polarity restored.
func (r *ringer) stop() alertOut {
	o := alertOut{ringOff: r.phase != alertIdle, normal: r.reversed}
	*r = ringer{}
	return o
}
