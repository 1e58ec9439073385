package sip

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// MWIHandler is implemented by Handlers that want message-waiting
// indications (RFC 3842) for accounts with Account.MWI set.
type MWIHandler interface {
	// OnMWI reports the mailbox state of account from each NOTIFY:
	// whether messages wait and the new/old voice message counts (0 when
	// the server does not say). It must not block.
	OnMWI(account string, waiting bool, newMsgs, oldMsgs int)
}

const (
	mwiExpires          = 3600 * time.Second
	contentTypeMsgSumry = "application/simple-message-summary"
)

// mwiSub is one account's message-summary subscription (RFC 6665 with the
// RFC 3842 event package).
type mwiSub struct {
	ua      *UA
	acc     *account
	callID  string
	fromTag string
	cseq    uint32 // run goroutine only

	mu    sync.Mutex
	toTag string
}

func newMWISub(u *UA, a *account) *mwiSub {
	return &mwiSub{ua: u, acc: a, callID: newCallID(u.cfg.Host), fromTag: randomToken(8), cseq: uint32(rand.IntN(1 << 15))}
}

func (s *mwiSub) run(ctx context.Context) {
	keepRenewed(ctx, s.ua.log.With("account", s.acc.Name), "MWI subscribe",
		func() (time.Duration, error) { return s.subscribe(ctx, mwiExpires) }, nil)
	s.mu.Lock()
	subscribed := s.toTag != ""
	s.mu.Unlock()
	if subscribed {
		uctx, cancel := context.WithTimeout(context.Background(), unregisterTimout)
		_, _ = s.subscribe(uctx, 0)
		cancel()
	}
}

// subscribe sends SUBSCRIBE (a refresh inside the dialog once the first
// one succeeded) and returns the granted duration.
func (s *mwiSub) subscribe(ctx context.Context, expires time.Duration) (time.Duration, error) {
	u, a := s.ua, s.acc
	ctx, cancel := context.WithTimeout(ctx, regTimeout)
	defer cancel()
	server := a.registrar
	if server == nil {
		server = a.proxy
	}
	transport := uriTransport(server)
	ruri := *server.Clone()
	ruri.User = a.User
	req := sipgo_sip.NewRequest(sipgo_sip.SUBSCRIBE, ruri)
	aor := u.aor(a)
	from := &sipgo_sip.FromHeader{DisplayName: a.DisplayName, Address: aor, Params: sipgo_sip.NewParams()}
	from.Params.Add("tag", s.fromTag)
	to := &sipgo_sip.ToHeader{Address: aor, Params: sipgo_sip.NewParams()}
	s.mu.Lock()
	if s.toTag != "" {
		to.Params.Add("tag", s.toTag)
	}
	s.mu.Unlock()
	callID := sipgo_sip.CallIDHeader(s.callID)
	s.cseq++
	contact := u.accountContact(a, transport, false)
	exp := sipgo_sip.ExpiresHeader(uint32(expires / time.Second))
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sipgo_sip.CSeqHeader{SeqNo: s.cseq, MethodName: sipgo_sip.SUBSCRIBE})
	req.AppendHeader(&contact)
	req.AppendHeader(sipgo_sip.NewHeader("Event", "message-summary"))
	req.AppendHeader(sipgo_sip.NewHeader("Accept", contentTypeMsgSumry))
	req.AppendHeader(&exp)
	u.prepare(req, transport)
	res, err := u.cli.Do(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("sip: subscribe %s: %w", a.Name, err)
	}
	if (res.StatusCode == 401 || res.StatusCode == 407) && a.Password != "" {
		res, err = u.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: a.AuthUser, Password: a.Password})
		s.cseq = req.CSeq().SeqNo
		if err != nil {
			return 0, fmt.Errorf("sip: subscribe %s: %w", a.Name, err)
		}
	}
	if res.StatusCode == 481 {
		s.mu.Lock()
		s.toTag = "" // the subscription is gone: start a new one
		s.mu.Unlock()
	}
	if !res.IsSuccess() {
		return 0, fmt.Errorf("sip: subscribe %s: %d %s", a.Name, res.StatusCode, res.Reason)
	}
	if tag, ok := res.To().Params.Get("tag"); ok {
		s.mu.Lock()
		s.toTag = tag
		if expires == 0 {
			s.toTag = ""
		}
		s.mu.Unlock()
	}
	granted := expires
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			granted = time.Duration(n) * time.Second
		}
	}
	return granted, nil
}

// MessageSummary is a parsed application/simple-message-summary body.
type MessageSummary struct {
	Waiting  bool
	New, Old int // voice messages (the Voice-Message line, else the first counted class)
}

// ParseMessageSummary reads an RFC 3842 5.2 body: "Messages-Waiting: yes"
// and message-context-class lines such as "Voice-Message: 2/8 (0/2)".
func ParseMessageSummary(b []byte) (MessageSummary, error) {
	var m MessageSummary
	seenStatus, counted := false, false
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case k == "messages-waiting":
			switch strings.ToLower(v) {
			case "yes":
				m.Waiting = true
			case "no":
			default:
				return m, fmt.Errorf("sip: message summary: Messages-Waiting %q", v)
			}
			seenStatus = true
		case strings.HasSuffix(k, "-message"):
			if counted && k != "voice-message" {
				continue
			}
			counts, _, _ := strings.Cut(v, "(")
			n, o, ok := strings.Cut(strings.TrimSpace(counts), "/")
			nn, err1 := strconv.Atoi(strings.TrimSpace(n))
			oo, err2 := strconv.Atoi(strings.TrimSpace(o))
			if !ok || err1 != nil || err2 != nil || nn < 0 || oo < 0 {
				return m, fmt.Errorf("sip: message summary: counts %q", v)
			}
			m.New, m.Old = nn, oo
			counted = counted || k == "voice-message"
		}
	}
	if !seenStatus {
		return m, fmt.Errorf("sip: message summary: no Messages-Waiting line")
	}
	return m, nil
}

func (u *UA) onMWINotify(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	id := req.CallID()
	var sub *mwiSub
	for _, s := range u.mwis {
		if id != nil && s.callID == id.Value() {
			sub = s
		}
	}
	if sub == nil {
		u.respond(req, tx, 481, "Subscription Does Not Exist")
		return
	}
	if len(req.Body()) == 0 {
		u.respond(req, tx, 200, "OK")
		return
	}
	m, err := ParseMessageSummary(req.Body())
	if err != nil {
		u.respond(req, tx, 400, "Bad Request - message summary")
		return
	}
	u.respond(req, tx, 200, "OK")
	if h, ok := u.h.(MWIHandler); ok {
		h.OnMWI(sub.acc.Name, m.Waiting, m.New, m.Old)
	}
}
