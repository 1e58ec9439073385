package fxs

import (
	"fmt"
	"time"

	"tipring/dsp/cid"
	"tipring/dsp/tone"
	"tipring/hal"
)

// MessageWaiting is a mailbox state for the phone on a port (from SIP MWI,
// RFC 3842).
type MessageWaiting struct {
	// Waiting says messages wait: the lamp is lit and the phone hears
	// stutter dial tone when it goes off hook.
	Waiting bool
	// Count is the number of new messages (0 = not known); EN 300 659-3
	// carries it (parameter 0x13), GR-30-CORE does not.
	Count int
	// Time is stamped into ETSI messages (zero: not sent).
	Time time.Time
}

// mwiHoldoff is how long a line must have been idle and on hook before a
// message-waiting message is sent (so that it never collides with the end
// of a call), and how long a send that was cut short waits before the
// next try.
const mwiHoldoff = time.Second

// EncodeMWI encodes mw for cfg's scheme as an on-hook visual message
// waiting message: GR-30-CORE MDMF 0x82 (visual indicator 0x0B) for
// Bellcore, or SDMF 0x06 when the port sends SDMF; EN 300 659-3 message
// waiting indicator 0x82 (date and time, visual indicator, number of
// messages) for ETSI and BT. Schemes without FSK messages (DTMF, NTT)
// return nil: the lamp and stutter dial tone still tell the user.
func EncodeMWI(cfg CallerIDConfig, mw MessageWaiting) ([]byte, error) {
	m := cid.Message{VMWI: &mw.Waiting}
	switch cfg.Scheme {
	case cid.Bellcore:
		if cfg.SDMF {
			m.Type = cid.TypeSDMFMWI
		}
	case cid.ETSI, cid.BT:
		m.Time = mw.Time
		if mw.Waiting {
			m.MessageCount = min(max(mw.Count, 0), 255)
		}
	default:
		return nil, nil
	}
	raw, err := cid.Append(nil, cfg.Scheme, &m)
	if err != nil {
		return nil, fmt.Errorf("fxs: message waiting: %w", err)
	}
	return raw, nil
}

// mwiAlert is how the set is alerted before an on-hook message-waiting
// message (EN 300 659-1 clause 6.2, data not associated with ringing;
// GR-30-CORE clause 3 on-hook transmission; SIN 227).
type mwiAlert uint8

const (
	mwiPlain  mwiAlert = iota // the FSK seizure and mark signal alone (GR-30)
	mwiLRDTAS                 // line reversal, DT-AS, data (ETSI)
	mwiDTAS                   // DT-AS, data (ETSI without reversal)
	mwiRPAS                   // ring pulse alerting signal, data (ETSI)
	mwiLR                     // line reversal, data (BT: the sender adds its tone alert)
)

// mwiAlerting picks the alert for cfg's scheme and caller-ID alerting.
func mwiAlerting(cfg CallerIDConfig) mwiAlert {
	switch cfg.Scheme {
	case cid.BT:
		return mwiLR
	case cid.ETSI:
		switch cfg.Alerting {
		case CIDRPAS:
			return mwiRPAS
		case CIDDTAS:
			return mwiDTAS
		}
		return mwiLRDTAS
	}
	return mwiPlain
}

type mwiPhase uint8

const (
	mwIdle    mwiPhase = iota
	mwLR               // polarity reversed, waiting to send
	mwRPAS             // ring pulse burst
	mwRPASGap          // after the ring pulse, before the data
	mwSending          // alert tone and data going out
	mwDone             // data sent; polarity restored after a pause
)

// mwiCmd is a message-waiting state prepared for the loop.
type mwiCmd struct {
	waiting bool
	raw     []byte // the on-hook message (nil: none for this scheme)
}

// SetMessageWaiting sets the mailbox state of the port: the lamp (on
// channels with hal.VMWIIndicator), stutter dial tone while messages wait,
// and an on-hook visual message waiting message in the port's caller-ID
// scheme, sent as soon as the line is idle and on hook (without ringing).
// It encodes the message in the calling goroutine.
func (p *Port) SetMessageWaiting(mw MessageWaiting) {
	c := &mwiCmd{waiting: mw.Waiting}
	if p.cfg.CallerID.Enabled() {
		raw, err := EncodeMWI(p.cfg.CallerID, mw)
		if err != nil {
			p.log.Warn("message waiting message not sent", "err", err)
		}
		c.raw = raw
	}
	p.send(command{kind: cmdMWI, mwi: c})
}

// MessageWaiting reports the port's mailbox state as last applied.
func (p *Port) MessageWaiting() bool { return p.mwi.Load() }

// takeMWI applies a message-waiting command in the loop.
func (p *Port) takeMWI(lp *loop, c *mwiCmd) {
	lp.mwiOn = c.waiting
	p.mwi.Store(c.waiting)
	if vi, ok := p.ch.(hal.VMWIIndicator); ok {
		if err := vi.SetVMWI(c.waiting); err != nil {
			p.log.Warn("vmwi lamp", "err", err)
		}
	}
	p.abortMWI(lp)
	lp.mwiRaw = c.raw
	if lp.mwiAt < lp.now {
		lp.mwiAt = lp.now
	}
}

// abortMWI stops an on-hook message in progress (the phone went off hook,
// a call rings, a newer state came); the pending message is sent later.
func (p *Port) abortMWI(lp *loop) {
	if lp.mw == mwIdle {
		return
	}
	if lp.mw == mwRPAS {
		if err := p.ch.Hook(hal.HookRingOff); err != nil {
			p.log.Warn("ring off", "err", err)
		}
	}
	if lp.mw != mwDone && lp.cidTx != nil {
		lp.cidTx.Reset()
	}
	if lp.mwiRev {
		p.alert(lp, alertOut{normal: true})
		lp.mwiRev = false
	}
	lp.mw = mwIdle
	lp.mwiAt = lp.now + mwiHoldoff
}

// stepMWI sequences the on-hook message-waiting message: it waits for an
// idle, on-hook line, alerts the set as the scheme wants, sends the data
// and restores the line.
func (p *Port) stepMWI(lp *loop) {
	idle := lp.line.State == Idle && !lp.hook.OffHook() && lp.ring.phase == alertIdle && lp.cw == cwIdle
	if lp.mw != mwIdle && !idle {
		p.abortMWI(lp)
		return
	}
	switch lp.mw {
	case mwIdle:
		if lp.mwiRaw == nil || !idle || lp.cidTx == nil || lp.cidTx.Busy() || lp.now < lp.mwiAt {
			return
		}
		switch mwiAlerting(p.cfg.CallerID) {
		case mwiLRDTAS, mwiLR:
			lp.mwiRev = true
			p.alert(lp, alertOut{reverse: true})
			lp.mw = mwLR
			lp.mwiAt = lp.now + cidLRToAlert
		case mwiRPAS:
			p.setCadence(lp, p.ringCadence(lp))
			if err := p.ch.Hook(hal.HookRing); err != nil {
				p.log.Warn("ring pulse", "err", err)
			}
			lp.mw = mwRPAS
			lp.mwiAt = lp.now + cidRPAS
		case mwiDTAS:
			lp.cidTx.SendAlert(cidDTAS)
			lp.cidTx.SendSilence(cidDTASGap)
			p.sendMWI(lp)
		default:
			p.sendMWI(lp)
		}
	case mwLR:
		if lp.now >= lp.mwiAt {
			if mwiAlerting(p.cfg.CallerID) == mwiLRDTAS {
				lp.cidTx.SendAlert(cidDTAS)
				lp.cidTx.SendSilence(cidDTASGap)
			}
			p.sendMWI(lp)
		}
	case mwRPAS:
		if lp.now >= lp.mwiAt {
			if err := p.ch.Hook(hal.HookRingOff); err != nil {
				p.log.Warn("ring off", "err", err)
			}
			lp.mw = mwRPASGap
			lp.mwiAt = lp.now + cidRPASGap
		}
	case mwRPASGap:
		if lp.now >= lp.mwiAt {
			p.sendMWI(lp)
		}
	case mwSending:
		if !lp.cidTx.Busy() {
			lp.mw = mwDone
			lp.mwiAt = lp.now + cidToRing
			lp.mwiRaw = nil
		}
	case mwDone:
		if lp.now >= lp.mwiAt {
			if lp.mwiRev {
				p.alert(lp, alertOut{normal: true})
				lp.mwiRev = false
			}
			lp.mw = mwIdle
		}
	}
}

func (p *Port) sendMWI(lp *loop) {
	if err := lp.cidTx.SendRaw(lp.mwiRaw); err != nil {
		p.log.Warn("message waiting", "err", err)
		lp.mwiRaw = nil
		lp.mw = mwDone
		lp.mwiAt = lp.now
		return
	}
	lp.mw = mwSending
}

// dialTone is the tone a line entering DialTone plays: stutter dial tone
// while messages wait (when the zone has one).
func (p *Port) dialTone(lp *loop, s tone.Signal) tone.Signal {
	if s == tone.Dial && lp.mwiOn && lp.line.State == DialTone && !lp.line.Held {
		if _, ok := p.zone.Tones[tone.Stutter]; ok {
			return tone.Stutter
		}
	}
	return s
}
