package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/media"
	"tipring/sip/sdes"
	"tipring/sip/sdp"
)

// Party identifies one end of a call.
type Party struct {
	Number string // URI user part
	Name   string // display name
	URI    string
}

// EventKind says what happened to a call.
type EventKind uint8

// Call events.
const (
	EventTrying   EventKind = iota + 1 // 100 Trying received
	EventRinging                       // 180 (or 183 without SDP) received
	EventProgress                      // 1xx with SDP: early media flows
	EventAnswered                      // 2xx received and ACKed, or our 2xx ACKed
	EventEnded                         // remote BYE, CANCEL, our hangup done, our rejection sent
	EventFailed                        // outgoing: final non-2xx (Code) or no response
)

func (k EventKind) String() string {
	switch k {
	case EventTrying:
		return "trying"
	case EventRinging:
		return "ringing"
	case EventProgress:
		return "progress"
	case EventAnswered:
		return "answered"
	case EventEnded:
		return "ended"
	case EventFailed:
		return "failed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one call event. Code is the SIP status code involved (the final
// response for EventFailed, 487 for a cancelled call, the code we rejected
// with), 0 when none applies.
type Event struct {
	Kind   EventKind
	Code   int
	Reason string
	// Cause is the Q.850 cause of a terminal event: from the Reason header
	// of the final response or BYE when the peer sent one (RFC 3326,
	// RFC 6432), else mapped from Code (RFC 3398 8.2.6.1), normal clearing
	// (16) for an ordinary hang-up. 0 on progress events.
	Cause int
}

// Reasons carried by EventEnded.
const (
	ReasonLocalBye  = "local BYE"
	ReasonRemoteBye = "remote BYE"
	ReasonCancelled = "cancelled"
)

type callState uint8

const (
	stateInit     callState = iota // INVITE sent or received, nothing else yet
	stateEarly                     // provisional response sent or received
	stateFinal                     // incoming: final response decided, not yet sent
	stateAnswered                  // 2xx sent or received
	stateEnded
)

var (
	errCallEnded    = errors.New("sip: call ended")
	errNotIncoming  = errors.New("sip: not an incoming call")
	errAlreadyFinal = errors.New("sip: call already answered or rejected")
)

// finalResponse is an incoming call's decision, carried out by the
// goroutine that owns the INVITE server transaction.
type finalResponse struct {
	code   int // 200 = answer
	reason string
	cause  int                // Q.850 cause for a Reason header, 0 = none
	hdrs   []sipgo_sip.Header // further headers (Redirect's Contact, Diversion)
}

// Call is one SIP call (an INVITE dialog) with its media session.
// Its methods are safe for concurrent use.
type Call struct {
	ua       *UA
	acc      *account
	id       string
	incoming bool
	local    Party
	remote   Party
	log      *slog.Logger
	events   chan Event
	ms       *media.Session // allocated with the call, closed when it ends

	mu        sync.Mutex
	state     callState
	closed    bool // end has run and closed events, whatever state says since
	hangingUp bool
	sent      map[EventKind]bool
	media     *media.Session // set once started
	codec     string
	localTag  string
	sdpVer    uint64
	sdpID     uint64
	lastSDP   []byte // the last description we sent

	// Outgoing.
	dua          *sipgo.DialogUA
	dcs          *sipgo.DialogClientSession
	offer        sdp.Audio
	cancelInvite context.CancelFunc

	// Incoming.
	dss       *sipgo.DialogServerSession
	sel       sdp.Selection
	final     chan finalResponse
	rung      bool
	reAcks    chan uint32 // CSeq of ACKs for re-INVITEs
	answerSDP []byte      // our SDP answer to the INVITE
	rel       relState    // reliable provisional responses we send

	// Outgoing: reliable provisional responses we receive (RFC 3262 4).
	haveRSeq bool
	lastRSeq uint32

	// Both directions.
	reqMu      sync.Mutex     // serialises our in-dialog requests (CSeq order)
	cseq       uint32         // outgoing: CSeq of our latest in-dialog request; guarded by reqMu
	target     *sipgo_sip.Uri // remote target after a target refresh
	localHold  bool           // we put the peer on hold
	remoteHold bool           // the peer's latest offer was sendonly or inactive
	mute       bool           // our media direction excludes sending
	st         sessionTimer
	xfer       transferState
	dtmfInfo   infoQueue
	dtmfTx     infoSender // digits to send by INFO (Account.DTMF "info")
	identity   Identity
	alertInfo  string
	replaces   *Call             // incoming: the call this one replaces (RFC 3891)
	cause      int               // Q.850 cause for the terminal event, when known
	byeCause   int               // Q.850 cause to send in our BYE's Reason header
	srtp       *media.SRTPConfig // negotiated SRTP keys; nil = plain RTP
	srtpOff    *sdes.Offer       // outgoing: the keys of our initial offer
	presented  *DialOptions      // outgoing: the identity DialWith presents
	diverted   []Diversion       // see Diverted
	divParsed  bool              // incoming: diverted read from the INVITE
	redirects  redirectState     // outgoing: 3xx followed (redirect.go)
	hops       hopState          // outgoing: next hop addresses tried (nexthop.go)
}

// ID returns the Call-ID.
func (c *Call) ID() string { return c.id }

// Incoming reports whether the peer called us.
func (c *Call) Incoming() bool { return c.incoming }

// Account returns the account name the call belongs to.
func (c *Call) Account() string { return c.acc.Name }

// Remote returns the other party.
func (c *Call) Remote() Party {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remote
}

// Local returns our party.
func (c *Call) Local() Party { return c.local }

// Events returns the call's events. The channel is buffered and closed
// after EventEnded or EventFailed.
func (c *Call) Events() <-chan Event { return c.events }

// Media returns the RTP session once SDP has been negotiated (early media
// on a 1xx with SDP, or the answer), else nil.
func (c *Call) Media() *media.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media
}

// Codec returns the negotiated voice codec name ("PCMU", "PCMA"), or "".
func (c *Call) Codec() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codec
}

func newCall(u *UA, a *account, id string, incoming bool, ms *media.Session) *Call {
	return &Call{
		ua: u, acc: a, id: id, incoming: incoming, ms: ms,
		log:    u.log.With("call", id, "account", a.Name),
		events: make(chan Event, 8),
		sent:   map[EventKind]bool{},
		sdpID:  sessionID(),
		reAcks: make(chan uint32, 1),
		xfer:   transferState{ended: make(chan struct{})},
	}
}

// emitLocked queues an event; each progress kind is reported once.
func (c *Call) emitLocked(e Event) {
	if c.state == stateEnded || c.closed || c.sent[e.Kind] {
		return
	}
	c.sent[e.Kind] = true
	select {
	case c.events <- e:
	default:
		c.log.Warn("sip: event dropped, reader too slow", "event", e.Kind.String())
	}
	if c.xfer.progress != nil {
		select {
		case c.xfer.progress <- e:
		default:
		}
	}
}

func (c *Call) emit(e Event) {
	c.mu.Lock()
	c.emitLocked(e)
	c.mu.Unlock()
}

// end finishes the call once: last event, channel closed, media closed.
func (c *Call) end(kind EventKind, code int, reason string) {
	c.mu.Lock()
	if c.state == stateEnded || c.closed {
		c.mu.Unlock()
		return
	}
	// At most four progress events precede this one and the buffer holds
	// eight, so the terminal event always fits.
	c.sent[kind] = false
	cause := c.cause
	if cause == 0 {
		cause = CauseForStatus(code)
		if code == 0 {
			cause = CauseNormalClearing
			if kind == EventFailed {
				cause = CauseRecoveryOnTimer // no response at all
			}
		}
	}
	c.emitLocked(Event{Kind: kind, Code: code, Reason: reason, Cause: cause})
	c.state = stateEnded
	c.closed = true
	c.st.stopLocked()
	close(c.events)
	close(c.xfer.ended)
	if c.xfer.progress != nil {
		close(c.xfer.progress)
	}
	c.mu.Unlock()
	_ = c.ms.Close()
	c.ua.removeCall(c)
	c.log.Info("sip: call ended", "event", kind.String(), "code", code, "reason", reason)
}

// Ended reports whether the call is over (its final Event was sent): an
// incoming call cancelled before its handler got to it, for one.
func (c *Call) Ended() bool { return c.ended() }

func (c *Call) ended() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state == stateEnded
}

// startMedia starts RTP towards the negotiated peer; mute keeps our
// sending side silent (the negotiated direction excludes sending).
func (c *Call) startMedia(sel sdp.Selection, mute bool) error {
	c.mu.Lock()
	cfg := c.srtp
	c.mu.Unlock()
	return c.startMediaSRTP(sel, cfg, mute)
}

// startMediaSRTP is startMedia with the SRTP keys (nil: plain RTP) of a
// new offer/answer exchange, which become the call's on success.
func (c *Call) startMediaSRTP(sel sdp.Selection, cfg *media.SRTPConfig, mute bool) error {
	cd, ok := media.CodecByName(strings.ToUpper(sel.Codec.Name))
	if !ok {
		return fmt.Errorf("sip: codec %s not supported", sel.Codec.Name)
	}
	cd.PT = sel.Codec.PT
	p := media.Params{
		Codec:      cd,
		Ptime:      defaultPtime,
		RemoteRTP:  &net.UDPAddr{IP: sel.Remote.Addr.AsSlice(), Port: sel.Remote.Port},
		RemoteRTCP: &net.UDPAddr{IP: sel.Remote.Addr.AsSlice(), Port: sel.Remote.RTCPPort},
		Mute:       mute,
		SRTP:       cfg,
		Symmetric:  c.ua.symmetricRTP(c.acc),
	}
	if pt := sel.Remote.Ptime; pt >= 10*time.Millisecond && pt <= 60*time.Millisecond && pt%(10*time.Millisecond) == 0 {
		p.Ptime = pt
	}
	if sel.Remote.HasDTMF && sel.Remote.DTMF.PT >= 96 && sel.Remote.DTMF.PT <= 127 {
		p.DTMFPT = sel.Remote.DTMF.PT
	}
	if err := c.ms.Start(p); err != nil {
		return err
	}
	c.mu.Lock()
	c.media = c.ms
	c.srtp = cfg
	c.codec = cd.Name
	c.mute = mute
	c.mu.Unlock()
	return nil
}

func (c *Call) origin() sdp.Origin {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sdp.Origin{Username: "-", SessionID: c.sdpID, SessVersion: c.sdpID + c.sdpVer}
}

func (c *Call) localAudio() sdp.Audio {
	return sdp.Audio{
		Addr:      c.ua.mediaAddr(c.acc),
		Port:      c.ms.LocalAddr().Port,
		RTCPPort:  c.ms.LocalAddr().Port + 1,
		Ptime:     defaultPtime,
		Direction: sdp.SendRecv,
	}
}

// Ringing sends 180 Ringing on an incoming call (reliably when the caller
// requires 100rel, RFC 3262).
func (c *Call) Ringing() error {
	if !c.incoming {
		return errNotIncoming
	}
	if err := c.sendProvisional(180, "Ringing", nil); err != nil {
		return err
	}
	c.mu.Lock()
	c.rung = true
	c.mu.Unlock()
	return nil
}

// Answer accepts an incoming call: 200 OK with the SDP answer, retransmitted
// until the ACK arrives (RFC 3261 13.3.1.4). EventAnswered follows the ACK.
// Media() is non-nil when Answer returns nil.
func (c *Call) Answer() error {
	if !c.incoming {
		return errNotIncoming
	}
	if err := c.decide(); err != nil {
		return err
	}
	if err := c.startMedia(c.sel, c.answerMute()); err != nil {
		c.final <- finalResponse{code: 500, reason: "Server Internal Error"}
		return fmt.Errorf("sip: answer %s: %w", c.id, err)
	}
	c.final <- finalResponse{code: 200, reason: "OK"}
	return nil
}

// Reject refuses an incoming call before it is answered, e.g. with
// 486 Busy Here or 480 Temporarily Unavailable. EventEnded follows with code.
func (c *Call) Reject(code int, reason string) error {
	if !c.incoming {
		return errNotIncoming
	}
	if code < 300 || code > 699 {
		return fmt.Errorf("sip: reject %s: code %d is not a final error response", c.id, code)
	}
	if reason == "" {
		reason = defaultReason(code)
	}
	if err := c.decide(); err != nil {
		return err
	}
	c.final <- finalResponse{code: code, reason: reason}
	return nil
}

// decide claims the single final response of an incoming call.
func (c *Call) decide() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.state {
	case stateEnded:
		return errCallEnded
	case stateFinal, stateAnswered:
		return errAlreadyFinal
	}
	c.state = stateFinal
	return nil
}

// Hangup ends the call: BYE once answered; CANCEL while an outgoing call is
// early; 480 Temporarily Unavailable for an unanswered incoming call. It
// returns at once; EventEnded follows when the exchange is done.
func (c *Call) Hangup() error {
	return c.hangup(480, "Temporarily Unavailable")
}

func (c *Call) hangup(code int, reason string) error {
	c.mu.Lock()
	if c.state == stateEnded {
		c.mu.Unlock()
		return errCallEnded
	}
	if c.hangingUp {
		c.mu.Unlock()
		return nil
	}
	c.hangingUp = true
	st := c.state
	if c.incoming && st < stateFinal {
		c.state = stateFinal
		c.mu.Unlock()
		c.final <- finalResponse{code: code, reason: reason}
		return nil
	}
	c.mu.Unlock()
	switch {
	case st == stateAnswered:
		go c.bye()
	case !c.incoming:
		c.cancelInvite() // runOutgoing sends CANCEL and ends the call
	}
	// An incoming call in stateFinal is being answered or rejected; once
	// answered, the answering goroutine sees hangingUp and sends BYE.
	return nil
}

// hangupReason ends an answered call with BYE, reporting reason in
// EventEnded; other calls are hung up as by Hangup.
func (c *Call) hangupReason(reason string) error {
	c.mu.Lock()
	if c.state == stateEnded {
		c.mu.Unlock()
		return errCallEnded
	}
	if c.state != stateAnswered {
		c.mu.Unlock()
		return c.Hangup()
	}
	if c.hangingUp {
		c.mu.Unlock()
		return nil
	}
	c.hangingUp = true
	c.mu.Unlock()
	go c.byeReason(reason)
	return nil
}

func (c *Call) bye() { c.byeReason(ReasonLocalBye) }

func (c *Call) byeReason(reason string) {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	var err error
	if c.incoming {
		bye := sipgo_sip.NewRequest(sipgo_sip.BYE, c.remoteTarget())
		for _, h := range c.reasonHeaders() {
			bye.AppendHeader(h)
		}
		c.ua.prepare(bye, c.transport())
		err = c.dss.WriteBye(ctx, bye)
	} else {
		err = c.byeUAC(ctx)
	}
	if err != nil {
		c.log.Warn("sip: BYE", "err", err)
	}
	c.end(EventEnded, 0, reason)
}

// HangupCause ends the call like Hangup, telling the peer why with a
// Q.850 cause: in the Reason header of the BYE (RFC 3326), or as the status
// RFC 3398 7.2.4.1 maps it to, with the Reason header (RFC 6432), for an
// unanswered incoming call. An unanswered outgoing call is cancelled.
func (c *Call) HangupCause(cause int) error {
	c.mu.Lock()
	c.byeCause = cause
	c.cause = cause
	st := c.state
	c.mu.Unlock()
	if c.incoming && st < stateFinal {
		code := StatusForCause(cause)
		if code == 0 {
			code = 480
		}
		c.mu.Lock()
		if c.hangingUp || c.state >= stateFinal {
			c.mu.Unlock()
			return c.hangup(code, defaultReason(code))
		}
		c.hangingUp = true
		c.state = stateFinal
		c.mu.Unlock()
		c.final <- finalResponse{code: code, reason: defaultReason(code), cause: cause}
		return nil
	}
	return c.hangup(480, "Temporarily Unavailable")
}

// RejectCause refuses an incoming call with the status RFC 3398 7.2.4.1
// maps cause to and a Reason header carrying the cause (RFC 6432), e.g.
// CauseUserBusy gives 486 Busy Here.
func (c *Call) RejectCause(cause int) error {
	code := StatusForCause(cause)
	if code == 0 {
		code = 480
	}
	if !c.incoming {
		return errNotIncoming
	}
	if err := c.decide(); err != nil {
		return err
	}
	c.mu.Lock()
	c.cause = cause
	c.mu.Unlock()
	c.final <- finalResponse{code: code, reason: defaultReason(code), cause: cause}
	return nil
}

func (c *Call) reasonHeaders() []sipgo_sip.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byeCause == 0 {
		return nil
	}
	return []sipgo_sip.Header{sipgo_sip.NewHeader("Reason", ReasonQ850(c.byeCause))}
}

// setCauseFrom records the Q.850 cause of a Reason header in m.
func (c *Call) setCauseFrom(m headers) {
	for _, h := range m.GetHeaders("Reason") {
		if cause, ok := ParseReasonQ850(h.Value()); ok {
			c.mu.Lock()
			c.cause = cause
			c.mu.Unlock()
			return
		}
	}
}

// byeUAC ends an outgoing call's dialog (RFC 3261 15.1.1).
func (c *Call) byeUAC(ctx context.Context) error {
	res, err := c.doInDialog(ctx, c.newInDialog(sipgo_sip.BYE, nil, "", c.reasonHeaders()...))
	if err != nil {
		return err
	}
	if !res.IsSuccess() && res.StatusCode != 481 {
		return fmt.Errorf("sip: BYE %s: %d %s", c.id, res.StatusCode, res.Reason)
	}
	return nil
}

// matchesDialog checks the tags of an in-dialog request against ours.
func (c *Call) matchesDialog(req *sipgo_sip.Request) bool {
	to := req.To()
	if to == nil {
		return false
	}
	tag, _ := to.Params.Get("tag")
	c.mu.Lock()
	defer c.mu.Unlock()
	return tag != "" && tag == c.localTag
}

func (c *Call) onBye(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c.setCauseFrom(req)
	var err error
	if c.incoming {
		err = c.dss.ReadBye(req, tx)
	} else {
		err = c.dcs.ReadBye(req, tx)
	}
	if err != nil {
		c.log.Warn("sip: reading BYE", "err", err)
		c.ua.respond(req, tx, 200, "OK")
	}
	c.end(EventEnded, 0, ReasonRemoteBye)
}

func (c *Call) onAck(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	cseq := req.CSeq()
	if cseq == nil {
		return
	}
	if c.incoming && cseq.SeqNo == c.dss.InviteRequest.CSeq().SeqNo {
		if err := c.dss.ReadAck(req, tx); err != nil {
			c.log.Debug("sip: ACK", "err", err)
		}
		return
	}
	select {
	case c.reAcks <- cseq.SeqNo:
	default:
	}
}

func defaultReason(code int) string {
	switch code {
	case 404:
		return "Not Found"
	case 480:
		return "Temporarily Unavailable"
	case 486:
		return "Busy Here"
	case 487:
		return "Request Terminated"
	case 488:
		return "Not Acceptable Here"
	case 503:
		return "Service Unavailable"
	case 603:
		return "Decline"
	}
	return "Rejected"
}

func partyFrom(name string, u sipgo_sip.Uri) Party {
	return Party{Number: u.User, Name: name, URI: u.String()}
}
