package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Handler receives incoming calls.
type Handler interface {
	// OnIncoming is called for every new INVITE matched to an account
	// (a trunk by source address or credentials, with the called number in
	// c.Local().Number; else Request-URI user equal to Account.User, else
	// the To user). It must
	// not block; the handler keeps c and later calls c.Ringing, c.Answer or
	// c.Reject. A call the handler leaves untouched for 32 s (64*T1, the
	// INVITE transaction timeout of RFC 3261 17.1.1.2) is answered with
	// 480 Temporarily Unavailable; one that rings without an answer for
	// 5 minutes likewise. INVITEs matching no account get 404, or with
	// a Config.Guard 480 unless the source is allow-listed.
	OnIncoming(account string, c *Call)
}

// Timers of the call logic.
const (
	noActionTimeout  = 32 * time.Second
	maxRingTime      = 5 * time.Minute
	byeTimeout       = 8 * time.Second
	unregisterTimout = 3 * time.Second
)

// UA is a SIP user agent: listeners, registrations and calls.
type UA struct {
	cfg *config
	h   Handler
	log *slog.Logger

	ua  *sipgo.UserAgent
	srv *sipgo.Server
	cli *sipgo.Client
	tls *tlsState
	// auth challenges INVITEs for trunks with inbound credentials.
	auth *authServer

	ready   chan struct{}
	runOnce sync.Once

	mu        sync.Mutex
	listeners map[string]net.Addr // "UDP"/"TCP"/"TLS" → bound address
	calls     map[string][]*Call  // by Call-ID; two when a call loops back through a proxy (hairpin)
	regs      []*registration
	res       *resolver
	deadHops  deadHops // next hops that failed lately; own lock (nexthop.go)
	mwis      []*mwiSub
	probes    []*prober
	keepers   []*natKeeper
	stopping  bool
	callWG    sync.WaitGroup
	invites   pendingInvites // INVITE transactions being handled, for CANCEL
	late      lateAnswers    // cancelled INVITEs whose 2xx may still come
}

// New validates cfg and prepares a UA; Run starts it.
func New(cfg Config, h Handler) (*UA, error) {
	c, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("sip: new: nil handler")
	}
	log := c.Logger
	tlsSt, err := loadTLS(c.TLS, log)
	if err != nil {
		return nil, err
	}
	if c.hasListener("tls") && tlsSt.server == nil {
		return nil, errors.New("sip: config: a tls listener needs TLS.CertFile and TLS.KeyFile")
	}
	var u *UA // for the transaction layer's callbacks
	sua, err := sipgo.NewUA(
		// Connections sipgo opens itself (to a Contact learnt in a dialog)
		// verify the server against the IP they go to.
		sipgo.WithUserAgenTLSConfig(tlsSt.client),
		sipgo.WithUserAgent(c.UserAgent),
		sipgo.WithUserAgentHostname(c.Host),
		sipgo.WithUserAgentTransactionLayerOptions(
			sipgo_sip.WithTransactionLayerLogger(log),
			sipgo_sip.WithTransactionLayerUnhandledResponseHandler(func(r *sipgo_sip.Response) {
				// Retransmitted final responses after their transaction ended.
				if u.onStrayResponse(r) {
					return
				}
				log.Debug("sip: unmatched response", "status", r.StatusCode, "source", r.Source())
			}),
		),
		sipgo.WithUserAgentTransportLayerOptions(sipgo_sip.WithTransportLayerLogger(log)),
	)
	if err != nil {
		return nil, fmt.Errorf("sip: new: %w", err)
	}
	srv, err := sipgo.NewServer(sua, sipgo.WithServerLogger(log))
	if err != nil {
		return nil, fmt.Errorf("sip: new: %w", err)
	}
	// WithClientNAT puts rport in our Via (RFC 3581 3) so that responses
	// come back to the port we sent from and tell us our public address.
	cli, err := sipgo.NewClient(sua, sipgo.WithClientHostname(c.Host), sipgo.WithClientLogger(log), sipgo.WithClientNAT())
	if err != nil {
		return nil, fmt.Errorf("sip: new: %w", err)
	}
	u = &UA{
		cfg: c, h: h, log: log, tls: tlsSt,
		ua: sua, srv: srv, cli: cli,
		auth:      newAuthServer(c.Host),
		ready:     make(chan struct{}),
		listeners: map[string]net.Addr{},
		calls:     map[string][]*Call{},
	}
	u.res = newResolver(c.DNSServer, c.host.Is6() && !c.host.Is4In6(), func(t string) bool { return c.hasListener(strings.ToLower(t)) })
	for _, a := range c.accounts {
		if a.registrar != nil {
			u.regs = append(u.regs, newRegistration(u, a))
		}
		if a.MWI && (a.registrar != nil || a.proxy != nil) {
			u.mwis = append(u.mwis, newMWISub(u, a))
		}
	}
	if c.Keepalive > 0 {
		u.probes = newProbers(u)
	}
	u.probes = append(u.probes, newAccountProbers(u)...)
	u.keepers = newNATKeepers(u)
	srv.OnInvite(u.trackInvite(u.guarded(u.onInvite)))
	srv.OnAck(u.guarded(u.onAck))
	srv.OnBye(u.guarded(u.onBye))
	srv.OnCancel(u.guarded(u.onCancel))
	srv.OnOptions(u.guarded(u.onOptions))
	srv.OnPrack(u.guarded(u.onPrack))
	srv.OnUpdate(u.guarded(u.onUpdate))
	srv.OnRefer(u.guarded(u.onRefer))
	srv.OnNotify(u.guarded(u.onNotify))
	srv.OnInfo(u.guarded(u.onInfo))
	srv.OnNoRoute(u.guarded(u.onNoRoute))
	return u, nil
}

// Ready is closed once the listeners are bound.
func (u *UA) Ready() <-chan struct{} { return u.ready }

// ListenAddr returns the bound address of the listener for network ("udp",
// "tcp" or "tls"), or nil before Ready or without such a listener.
func (u *UA) ListenAddr(network string) net.Addr {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.listeners[strings.ToUpper(network)]
}

// Run binds the listeners, starts the registrations and serves until ctx is
// done; then it ends the calls, unregisters (Expires: 0) and closes. Run may
// be called once. If a listener cannot be bound Run returns the error and
// Ready is never closed.
func (u *UA) Run(ctx context.Context) error {
	first := false
	u.runOnce.Do(func() { first = true })
	if !first {
		return errors.New("sip: run: already called")
	}
	var closers []func()
	closeAll := func() {
		for _, c := range closers {
			c()
		}
	}
	var serveWG sync.WaitGroup
	for _, l := range u.cfg.listen {
		switch l.network {
		case "udp":
			conn, err := net.ListenPacket("udp", l.addr)
			if err != nil {
				closeAll()
				return fmt.Errorf("sip: listen udp %s: %w", l.addr, err)
			}
			closers = append(closers, func() { _ = conn.Close() })
			u.mu.Lock()
			u.listeners["UDP"] = conn.LocalAddr()
			u.mu.Unlock()
			serveWG.Add(1)
			go func() {
				defer serveWG.Done()
				_ = u.srv.ServeUDP(conn)
			}()
			u.awaitPool("udp", conn.LocalAddr().String())
		case "tcp":
			ln, err := net.Listen("tcp", l.addr)
			if err != nil {
				closeAll()
				return fmt.Errorf("sip: listen tcp %s: %w", l.addr, err)
			}
			closers = append(closers, func() { _ = ln.Close() })
			u.mu.Lock()
			u.listeners["TCP"] = ln.Addr()
			u.mu.Unlock()
			serveWG.Add(1)
			go func() {
				defer serveWG.Done()
				_ = u.srv.ServeTCP(ln)
			}()
		case "tls":
			raw, err := net.Listen("tcp", l.addr)
			if err != nil {
				closeAll()
				return fmt.Errorf("sip: listen tls %s: %w", l.addr, err)
			}
			ln := tls.NewListener(raw, u.tls.server)
			feed := newFeedListener(raw.Addr())
			u.tls.feed = feed
			closers = append(closers, func() { _ = ln.Close(); _ = feed.Close() })
			u.mu.Lock()
			u.listeners["TLS"] = raw.Addr()
			u.mu.Unlock()
			serveWG.Add(2)
			go func() {
				defer serveWG.Done()
				_ = u.srv.ServeTLS(ln)
			}()
			go func() {
				defer serveWG.Done()
				_ = u.srv.ServeTLS(feed)
			}()
		}
	}
	close(u.ready)
	u.log.Info("sip: listening", "listeners", u.listenerList())

	regCtx, regCancel := context.WithCancel(context.Background())
	var regWG sync.WaitGroup
	for _, r := range u.regs {
		regWG.Add(1)
		go func() {
			defer regWG.Done()
			r.run(regCtx)
		}()
	}
	for _, s := range u.mwis {
		regWG.Add(1)
		go func() {
			defer regWG.Done()
			s.run(regCtx)
		}()
	}
	for _, p := range u.probes {
		regWG.Add(1)
		go func() {
			defer regWG.Done()
			p.run(regCtx)
		}()
	}
	for _, k := range u.keepers {
		regWG.Add(1)
		go func() {
			defer regWG.Done()
			k.run(regCtx)
		}()
	}

	<-ctx.Done()
	u.mu.Lock()
	u.stopping = true
	calls := make([]*Call, 0, len(u.calls))
	for _, cs := range u.calls {
		calls = append(calls, cs...)
	}
	u.mu.Unlock()
	for _, c := range calls {
		_ = c.hangup(503, "Service Unavailable")
	}
	waitTimeout(&u.callWG, byeTimeout+time.Second)
	regCancel() // each registration unregisters before returning
	regWG.Wait()

	closeAll()
	err := u.ua.Close()
	serveWG.Wait()
	if err != nil {
		return fmt.Errorf("sip: close: %w", err)
	}
	return nil
}

// awaitPool waits until sipgo's transport has registered a listening
// socket, so that requests sent right after Ready leave from it.
func (u *UA) awaitPool(network, addr string) {
	if !u.awaitConn(context.Background(), network, addr) {
		u.log.Warn("sip: listener not registered with the transport", "network", network, "addr", addr)
	}
}

// hasConn reports whether sipgo's transport layer holds a connection
// (or listening socket) for network and addr.
func (u *UA) hasConn(network, addr string) bool {
	c, err := u.ua.TransportLayer().GetConnection(network, addr)
	if err != nil || c == nil {
		return false
	}
	_, _ = c.TryClose() // GetConnection took a reference
	return true
}

// awaitConn waits, up to a second or until ctx ends, for the transport
// layer to register a socket or connection it was just handed.
func (u *UA) awaitConn(ctx context.Context, network, addr string) bool {
	for i := 0; i < 200; i++ {
		if u.hasConn(network, addr) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	return false
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func (u *UA) listenerList() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []string
	for n, a := range u.listeners {
		out = append(out, strings.ToLower(n)+":"+a.String())
	}
	return out
}

func (u *UA) isStopping() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.stopping
}

// listenPort is the bound port for transport ("UDP"/"TCP"/"TLS"), or 0.
func (u *UA) listenPort(transport string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	if a := u.listeners[transport]; a != nil {
		switch a := a.(type) {
		case *net.UDPAddr:
			return a.Port
		case *net.TCPAddr:
			return a.Port
		}
	}
	return 0
}

// prepare sets what every request we originate needs beyond sipgo's
// defaults: over UDP the request leaves from our listening socket so the
// peer's responses and requests reach it (RFC 3261 18.1.1); User-Agent.
func (u *UA) prepare(req *sipgo_sip.Request, transport string) {
	req.SetTransport(transport)
	if transport == "UDP" {
		u.mu.Lock()
		a, _ := u.listeners["UDP"].(*net.UDPAddr)
		u.mu.Unlock()
		if a != nil {
			req.Laddr = sipgo_sip.Addr{IP: a.IP, Port: a.Port, Hostname: a.IP.String()}
		}
	}
	if req.GetHeader("User-Agent") == nil {
		req.AppendHeader(sipgo_sip.NewHeader("User-Agent", u.cfg.UserAgent))
	}
}

// contactURI is our Contact for user over transport; secure gives a sips
// URI, required when the request's target is one (RFC 3261 8.1.1.8). Over
// TLS to a sip target the URI carries ";transport=tls": deprecated by RFC
// 5630 3.1.3 but what deployed registrars and proxies route on, and the
// only way to say the Contact is reached over TLS without sips semantics.
func (u *UA) contactURI(user, transport string, secure bool) sipgo_sip.ContactHeader {
	c := sipgo_sip.ContactHeader{Address: sipgo_sip.Uri{
		Scheme: "sip", User: user, Host: u.uriHost(), Port: u.listenPort(transport),
	}}
	if secure && transport == "TLS" {
		c.Address.Scheme = "sips"
		return c
	}
	if transport != "UDP" {
		c.Address.UriParams = sipgo_sip.NewParams()
		c.Address.UriParams.Add("transport", strings.ToLower(transport))
	}
	return c
}

// uriHost is the advertised address (Config.PublicHost, else Host) as
// written in a SIP URI (RFC 3261 25.1: IPv6
// references are bracketed).
func (u *UA) uriHost() string { return hostForURI(u.advertised()) }

// aor is the account's address of record.
func (u *UA) aor(a *account) sipgo_sip.Uri {
	domain := a.Domain
	if domain == "" {
		domain = u.uriHost()
	}
	return sipgo_sip.Uri{Scheme: "sip", User: a.User, Host: domain}
}

func (u *UA) account(name string) *account {
	for _, a := range u.cfg.accounts {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// matchAccount finds the user account (not a trunk) an INVITE is for:
// the Request-URI user first, then the To user.
func (u *UA) matchAccount(req *sipgo_sip.Request) *account {
	for _, a := range u.cfg.accounts {
		if !a.Trunk && a.User == req.Recipient.User {
			return a
		}
	}
	if to := req.To(); to != nil {
		for _, a := range u.cfg.accounts {
			if !a.Trunk && a.User == to.Address.User {
				return a
			}
		}
	}
	return nil
}

func (u *UA) addCall(c *Call) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopping {
		return false
	}
	for _, o := range u.calls[c.id] {
		// RFC 3261 8.2.2.2: a second INVITE with the Call-ID and From tag
		// of one we already received is a merged request. Our own
		// outgoing INVITE coming back through a proxy (two of our ports
		// calling each other via a PBX) is a new dialog, not a loop.
		if o == c || (c.incoming && o.incoming && o.remoteTag() == c.remoteTag()) {
			return false
		}
	}
	u.calls[c.id] = append(u.calls[c.id], c)
	u.callWG.Add(1)
	return true
}

func (u *UA) removeCall(c *Call) {
	u.mu.Lock()
	defer u.mu.Unlock()
	cs := u.calls[c.id]
	for i, o := range cs {
		if o == c {
			cs = append(cs[:i:i], cs[i+1:]...)
			if len(cs) == 0 {
				delete(u.calls, c.id)
			} else {
				u.calls[c.id] = cs
			}
			u.callWG.Done()
			return
		}
	}
}

// callsByID returns the calls with Call-ID id (a copy).
func (u *UA) callsByID(id string) []*Call {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*Call(nil), u.calls[id]...)
}

// lookupCall finds the call a request belongs to: by Call-ID, and when a
// hairpinned call put two of our dialogs under one Call-ID, by the tags.
func (u *UA) lookupCall(req *sipgo_sip.Request) *Call {
	id := req.CallID()
	if id == nil {
		return nil
	}
	cs := u.callsByID(id.Value())
	switch len(cs) {
	case 0:
		return nil
	case 1:
		return cs[0]
	}
	var toTag, fromTag string
	if to := req.To(); to != nil {
		toTag, _ = to.Params.Get("tag")
	}
	if from := req.From(); from != nil {
		fromTag, _ = from.Params.Get("tag")
	}
	if toTag != "" {
		for _, c := range cs {
			c.mu.Lock()
			mine := c.localTag == toTag
			c.mu.Unlock()
			if mine {
				return c
			}
		}
	}
	// No To tag (CANCEL, or the ACK of a non-2xx): the incoming call the
	// request's From tag opened.
	for _, c := range cs {
		if c.incoming && c.remoteTag() == fromTag {
			return c
		}
	}
	return nil
}

// respond sends a stateful response, logging failures.
func (u *UA) respond(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction, code int, reason string, hdrs ...sipgo_sip.Header) {
	res := sipgo_sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if res.GetHeader("Server") == nil {
		res.AppendHeader(sipgo_sip.NewHeader("Server", u.cfg.UserAgent))
	}
	if cancelled(tx) {
		u.log.Debug("sip: response to a cancelled INVITE not sent", "code", code)
		return
	}
	if err := tx.Respond(res); err != nil {
		u.log.Warn("sip: respond", "code", code, "method", req.Method.String(), "err", err)
	}
}

func (u *UA) onOptions(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	// RFC 3261 11.2: answer with our capabilities.
	u.respond(req, tx, 200, "OK",
		sipgo_sip.NewHeader("Allow", allowMethods),
		sipgo_sip.NewHeader("Accept", contentTypeSDP),
		sipgo_sip.NewHeader("Supported", supportedTags),
	)
}

func (u *UA) onNoRoute(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	u.respond(req, tx, 405, "Method Not Allowed", sipgo_sip.NewHeader("Allow", allowMethods))
}

func (u *UA) onAck(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	if c := u.lookupCall(req); c != nil {
		c.onAck(req, tx)
	}
}

func (u *UA) onBye(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	c := u.lookupCall(req)
	if c == nil || !c.matchesDialog(req) {
		u.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.onBye(req, tx)
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newCallID(host string) string { return randomToken(12) + "@" + host }

func sessionID() uint64 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

// resolveURI returns the hops to try for a server URI (RFC 3263).
func (u *UA) resolveURI(ctx context.Context, s *sipgo_sip.Uri) ([]hop, error) {
	return u.res.resolve(ctx, s)
}

// registrationOf returns the account's registration, or nil.
func (u *UA) registrationOf(a *account) *registration {
	for _, r := range u.regs {
		if r.acc == a {
			return r
		}
	}
	return nil
}
