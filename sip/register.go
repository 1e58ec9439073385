package sip

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// RegStatus is the state of one account's registration.
type RegStatus struct {
	Account    string
	AOR        string
	Registered bool
	Expires    time.Time // when the current binding lapses; zero if none
	LastError  string
	LastCode   int // last final response code, 0 if none (e.g. timeout)
	// Server is the registrar URI of the current binding (Account.Registrar
	// or one of Account.Backup) and Addr the resolved hop it went to, e.g.
	// "udp:192.0.2.1:5060"; both "" when not registered.
	Server string
	Addr   string
	// PublicAddr is the address the registrar saw our requests come from,
	// "ip:port" from the received and rport parameters of its response's
	// Via (RFC 3581); "" until a response carried them. Over UDP an
	// address other than our Contact's means NAT: we then register (and
	// advertise in calls) this address instead, see Config.PublicHost.
	PublicAddr string
}

// Registration timing.
const (
	regTimeout    = 32 * time.Second // Timer F (64*T1), RFC 3261 17.1.2.2
	retryMin      = 2 * time.Second
	retryMax      = 5 * time.Minute
	refreshMargin = 5 * time.Minute
)

// Registrations returns the state of every account that registers.
func (u *UA) Registrations() []RegStatus {
	out := make([]RegStatus, 0, len(u.regs))
	for _, r := range u.regs {
		out = append(out, r.snapshot())
	}
	return out
}

// registration keeps one account's binding alive (RFC 3261 10.2), on the
// first of its servers that answers.
type registration struct {
	ua      *UA
	acc     *account
	servers []*sipgo_sip.Uri // primary registrar, then the backups
	callID  string           // the same for all REGISTERs of this UA instance (10.2.4)
	cseq    uint32           // guarded by the run goroutine only

	// Guarded by the run goroutine only.
	curServer   int // index in servers of the current binding, -1 if none
	curHop      hop
	curHopIndex int       // index of curHop among its server's DNS hops
	lastPrimary time.Time // when the servers before curServer were last tried

	mu     sync.Mutex
	status RegStatus
	public netip.AddrPort           // learnt public address (nat.go); invalid if none
	stale  *sipgo_sip.ContactHeader // Contact to remove in the next REGISTER
}

func newRegistration(u *UA, a *account) *registration {
	aor := u.aor(a)
	return &registration{
		ua: u, acc: a, servers: a.servers(), curServer: -1,
		callID: newCallID(u.cfg.Host),
		cseq:   uint32(rand.IntN(1 << 15)),
		status: RegStatus{Account: a.Name, AOR: aor.String()},
	}
}

func (r *registration) snapshot() RegStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *registration) set(f func(*RegStatus)) {
	r.mu.Lock()
	f(&r.status)
	r.mu.Unlock()
}

// refreshAfter is when to refresh a binding granted for g: half-way for
// short bindings, 5 minutes before expiry for long ones, less up to 10%
// jitter so that many ports do not refresh in step.
func refreshAfter(g time.Duration) time.Duration {
	d := max(g/2, g-refreshMargin)
	return d - time.Duration(rand.Int64N(int64(d/10)+1))
}

func backoff(failures int) time.Duration {
	d := retryMin << min(failures, 10)
	d = min(d, retryMax)
	// Full jitter on the upper half.
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// keepRenewed renews a lease (a registration binding, a subscription) until
// ctx is done: renew returns the granted lifetime; failures back off
// (backoff), successes refresh at refreshAfter, never sooner than a second,
// and limit, when given, may shorten the wait.
func keepRenewed(ctx context.Context, log *slog.Logger, what string, renew func() (time.Duration, error), limit func(granted, wait time.Duration) time.Duration) {
	failures := 0
	for {
		granted, err := renew()
		var wait time.Duration
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			wait = backoff(failures)
			failures++
			log.Warn("sip: "+what+" failed", "err", err, "retry", wait)
		} else {
			failures = 0
			wait = max(refreshAfter(granted), time.Second)
			if limit != nil {
				wait = limit(granted, wait)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (r *registration) run(ctx context.Context) {
	log := r.ua.log.With("account", r.acc.Name)
	keepRenewed(ctx, log, "register",
		func() (time.Duration, error) { return r.register(ctx, r.acc.Expires) },
		func(granted, wait time.Duration) time.Duration {
			if r.curServer > 0 || r.curHopIndex > 0 {
				// On a backup: come back for the primary soon (fail-back).
				wait = min(wait, r.ua.cfg.Failback)
			}
			log.Debug("sip: registered", "expires", granted, "refresh", wait, "server", r.servers[r.curServer].String(), "addr", r.curHop.String())
			return wait
		})
	if r.snapshot().Registered && r.curServer >= 0 {
		uctx, cancel := context.WithTimeout(context.Background(), unregisterTimout)
		_, code, err := r.do(uctx, 0, r.servers[r.curServer], r.curHop)
		cancel()
		if err != nil {
			log.Warn("sip: unregister failed", "err", err)
		}
		r.set(func(s *RegStatus) {
			s.LastCode = code
			if err == nil {
				s.Registered, s.Expires, s.Server, s.Addr = false, time.Time{}, "", ""
			}
		})
	}
}

// register renews the binding: the servers (and each one's DNS hops, RFC
// 3263) are tried in order until one grants it; on a backup, the current
// hop is tried first except every Config.Failback, when the list is walked
// from the top so that the primary takes over again once it answers. A
// binding left behind on another server is removed.
func (r *registration) register(ctx context.Context, expires time.Duration) (time.Duration, error) {
	type cand struct {
		server int
		idx    int
		h      hop
	}
	var cands []cand
	var lastErr error
	lastCode := 0
	for i, srv := range r.servers {
		hops, err := r.ua.resolveURI(ctx, srv)
		if err != nil {
			lastErr = fmt.Errorf("sip: register %s: %w", r.acc.Name, err)
			continue
		}
		for k, h := range hops {
			cands = append(cands, cand{i, k, h})
		}
	}
	onBackup := r.curServer > 0 || r.curHopIndex > 0
	if onBackup && time.Since(r.lastPrimary) < r.ua.cfg.Failback {
		for i, c := range cands {
			if c.server == r.curServer && c.h == r.curHop {
				cands = append([]cand{c}, append(cands[:i:i], cands[i+1:]...)...)
				break
			}
		}
	} else {
		r.lastPrimary = time.Now()
	}
	for _, c := range cands {
		granted, code, err := r.do(ctx, expires, r.servers[c.server], c.h)
		if err == nil {
			prevServer, prevHop := r.curServer, r.curHop
			r.curServer, r.curHop, r.curHopIndex = c.server, c.h, c.idx
			now := time.Now()
			r.set(func(s *RegStatus) {
				s.LastCode, s.LastError = code, ""
				s.Registered, s.Expires = true, now.Add(granted)
				s.Server, s.Addr = r.servers[c.server].String(), c.h.String()
			})
			if prevServer >= 0 && (prevServer != c.server || prevHop != c.h) {
				r.ua.log.Info("sip: registration moved", "account", r.acc.Name, "from", prevHop.String(), "to", c.h.String())
				uctx, cancel := context.WithTimeout(ctx, unregisterTimout)
				_, _, _ = r.do(uctx, 0, r.servers[prevServer], prevHop)
				cancel()
			}
			return granted, nil
		}
		lastErr, lastCode = err, code
		if ctx.Err() != nil || !failoverCode(code) {
			break
		}
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("sip: register %s: no server", r.acc.Name)
	}
	now := time.Now()
	r.set(func(s *RegStatus) {
		s.LastCode, s.LastError = lastCode, lastErr.Error()
		if !s.Expires.IsZero() && now.After(s.Expires) {
			s.Registered, s.Expires, s.Server, s.Addr = false, time.Time{}, "", ""
		}
	})
	return 0, lastErr
}

// failoverCode reports whether a REGISTER outcome sends us on to the next
// server: no response, 408 or a 5xx (RFC 3263 4.3); a 4xx or 6xx is the
// registrar's verdict and would be repeated elsewhere.
func failoverCode(code int) bool { return code == 0 || code == 408 || (code >= 500 && code < 600) }

// do sends one REGISTER for server to h (with digest authentication when
// challenged) asking for expires; it returns the lifetime granted.
func (r *registration) do(ctx context.Context, expires time.Duration, server *sipgo_sip.Uri, h hop) (time.Duration, int, error) {
	return r.doOnce(ctx, expires, server, h, false)
}

// doOnce is do; relearn says this REGISTER already carries a learnt public
// address, so a further change waits for the next refresh.
func (r *registration) doOnce(ctx context.Context, expires time.Duration, server *sipgo_sip.Uri, h hop, relearn bool) (time.Duration, int, error) {
	u, a := r.ua, r.acc
	ctx, cancel := context.WithTimeout(ctx, u.cfg.hopTimeout)
	defer cancel()

	transport := h.Transport
	recipient := *server.Clone()
	recipient.User = "" // RFC 3261 10.2: no userinfo in a REGISTER Request-URI
	req := sipgo_sip.NewRequest(sipgo_sip.REGISTER, recipient)
	aor := u.aor(a)
	from := &sipgo_sip.FromHeader{DisplayName: a.DisplayName, Address: aor, Params: sipgo_sip.NewParams()}
	from.Params.Add("tag", randomToken(8))
	to := &sipgo_sip.ToHeader{DisplayName: a.DisplayName, Address: aor}
	callID := sipgo_sip.CallIDHeader(r.callID)
	r.cseq++
	cseq := &sipgo_sip.CSeqHeader{SeqNo: r.cseq, MethodName: sipgo_sip.REGISTER}
	contact := u.accountContact(a, transport, server.IsEncrypted())
	secs := uint32(expires / time.Second)
	exp := sipgo_sip.ExpiresHeader(secs)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(cseq)
	req.AppendHeader(&contact)
	if old := r.takeStale(); old != nil && expires > 0 {
		// The Contact we had before learning our public address goes.
		if old.Params == nil {
			old.Params = sipgo_sip.NewParams()
		}
		old.Params.Add("expires", "0")
		req.AppendHeader(old)
	}
	req.AppendHeader(&exp)
	u.prepare(req, transport)
	req.SetDestination(h.Addr)
	if transport == "TLS" {
		if err := u.ensureTLS(ctx, h.Addr, uriServerName(server)); err != nil {
			return 0, 0, fmt.Errorf("sip: register %s via %s: %w", a.Name, h, err)
		}
	}

	res, err := u.cli.Do(ctx, req)
	if err != nil {
		return 0, 0, fmt.Errorf("sip: register %s via %s: %w", a.Name, h, err)
	}
	for tries := 0; tries < 2 && (res.StatusCode == 401 || res.StatusCode == 407); tries++ {
		if a.Password == "" && tries == 0 {
			break
		}
		if tries > 0 && !staleNonce(res) {
			break
		}
		res, err = u.cli.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: a.AuthUser, Password: a.Password})
		r.cseq = req.CSeq().SeqNo
		if err != nil {
			return 0, 0, fmt.Errorf("sip: register %s via %s: %w", a.Name, h, err)
		}
	}
	if res.StatusCode == 423 && expires > 0 {
		// RFC 3261 10.2.8: Interval Too Brief; retry with Min-Expires.
		if h2 := res.GetHeader("Min-Expires"); h2 != nil {
			if n, err := strconv.Atoi(h2.Value()); err == nil && n > 0 && time.Duration(n)*time.Second > expires {
				return r.doOnce(ctx, time.Duration(n)*time.Second, server, h, relearn)
			}
		}
	}
	if !res.IsSuccess() {
		return 0, res.StatusCode, fmt.Errorf("sip: register %s via %s: %d %s", a.Name, h, res.StatusCode, res.Reason)
	}
	if expires == 0 {
		return 0, res.StatusCode, nil
	}
	if r.learnPublic(res, transport, &contact) && !relearn {
		// RFC 3581: behind NAT; register the public address right away.
		return r.doOnce(ctx, expires, server, h, true)
	}
	return grantedExpiry(res, &contact, expires), res.StatusCode, nil
}

// current returns the hop of the account's current binding, if any.
func (r *registration) current() (hop, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.status.Registered || r.status.Addr == "" {
		return hop{}, false
	}
	t, addr, _ := strings.Cut(r.status.Addr, ":")
	return hop{Transport: strings.ToUpper(t), Addr: addr}, true
}

func staleNonce(res *sipgo_sip.Response) bool {
	for _, name := range []string{"WWW-Authenticate", "Proxy-Authenticate"} {
		if h := res.GetHeader(name); h != nil && strings.Contains(strings.ToLower(h.Value()), "stale=true") {
			return true
		}
	}
	return false
}

// grantedExpiry reads the lifetime the registrar granted our binding:
// the expires parameter of our Contact in the 200, else the Expires header,
// else what we asked for (RFC 3261 10.2.4).
func grantedExpiry(res *sipgo_sip.Response, ours *sipgo_sip.ContactHeader, asked time.Duration) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		c, ok := h.(*sipgo_sip.ContactHeader)
		if !ok {
			continue
		}
		if c.Address.User != ours.Address.User || c.Address.Host != ours.Address.Host || c.Address.Port != ours.Address.Port {
			continue
		}
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return time.Duration(n) * time.Second
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(h.Value()); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return asked
}
