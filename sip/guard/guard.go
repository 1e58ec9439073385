package guard

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultFailureLimit   = 5
	DefaultFailureWindow  = time.Minute
	DefaultBlockFor       = 10 * time.Minute
	DefaultMaxBlockFor    = 24 * time.Hour
	DefaultForgetAfter    = 24 * time.Hour
	DefaultMaxTracked     = 16384
	DefaultMaxBlocked     = 4096
	DefaultMaxMessageSize = 65535
	DefaultMaxHeaders     = 256
)

// maxFailureLimit bounds the per-source failure ring so that memory per
// tracked source stays small whatever the configuration says.
const maxFailureLimit = 1000

// Method classes used as keys of Config.Rates.
const (
	ClassInvite   = "INVITE"
	ClassRegister = "REGISTER"
	ClassOptions  = "OPTIONS"
	ClassOther    = "other"
)

const numClasses = 4

func classOf(method string) int {
	switch method {
	case "INVITE":
		return 0
	case "REGISTER":
		return 1
	case "OPTIONS":
		return 2
	}
	return 3
}

func classIndex(key string) (int, bool) {
	switch {
	case strings.EqualFold(key, ClassInvite):
		return 0, true
	case strings.EqualFold(key, ClassRegister):
		return 1, true
	case strings.EqualFold(key, ClassOptions):
		return 2, true
	case strings.EqualFold(key, ClassOther):
		return 3, true
	}
	return 0, false
}

// Rate is a token bucket: PerSecond tokens are added each second up to Burst;
// each request takes one.
type Rate struct {
	PerSecond float64
	// Burst is the bucket size; zero means max(1, ceil(PerSecond)).
	Burst int
}

// DefaultRates returns per-source limits suited to a gateway facing the
// internet: a phone or PBX stays far below them, a scanner does not.
func DefaultRates() map[string]Rate {
	return map[string]Rate{
		ClassInvite:   {PerSecond: 5, Burst: 20},
		ClassRegister: {PerSecond: 2, Burst: 20},
		ClassOptions:  {PerSecond: 2, Burst: 10},
		ClassOther:    {PerSecond: 50, Burst: 200},
	}
}

// Config configures a Guard. Zero fields take the Default* values; a negative
// MaxMessageSize or MaxHeaders disables that check.
type Config struct {
	// FailureLimit failures within FailureWindow block a source for BlockFor.
	FailureLimit  int
	FailureWindow time.Duration
	BlockFor      time.Duration
	// MaxBlockFor caps the escalation: each repeat offence doubles the block.
	MaxBlockFor time.Duration
	// ForgetAfter is how long after a block ends its offence still counts
	// towards escalation.
	ForgetAfter time.Duration
	// BlockedReply is the status sent to a blocked source: 0 drops silently
	// (the default; a scanner learns nothing), 403 answers Forbidden.
	BlockedReply int

	Allow, Deny []netip.Prefix
	// Rates holds per-source limits keyed by ClassInvite, ClassRegister,
	// ClassOptions and ClassOther (case-insensitive). A missing key means no
	// limit for that class.
	Rates map[string]Rate

	MaxMessageSize int
	MaxHeaders     int

	// MaxTracked caps the table of sources with rate or failure state;
	// MaxBlocked caps the table of blocked sources (and their offence memory).
	MaxTracked int
	MaxBlocked int

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Decision is what Admit and Challenge tell the request handler to do.
type Decision struct {
	// Admit is true when the request may be processed.
	Admit bool
	// Code is the SIP status to answer with when Admit is false and Silent is
	// false.
	Code int
	// Reason is the reason phrase for Code, or the drop reason when Silent.
	Reason string
	// Silent means: send nothing at all.
	Silent bool
	// RetryAfter, in seconds, goes into a Retry-After header (RFC 3261
	// §20.33) when non-zero.
	RetryAfter int
}

// FailureKind says why a request from a source counts against it.
type FailureKind int

// Failure kinds.
const (
	AuthFailed  FailureKind = iota // digest credentials did not verify
	UnknownUser                    // credentials for a user we do not have
	UnknownPeer                    // request from an address that is no trunk and carries no credentials we accept
	Malformed                      // unparsable or over-limit message
)

func (k FailureKind) String() string {
	switch k {
	case AuthFailed:
		return "auth-failed"
	case UnknownUser:
		return "unknown-user"
	case UnknownPeer:
		return "unknown-peer"
	case Malformed:
		return "malformed"
	}
	return fmt.Sprintf("failure-%d", int(k))
}

// Drop and reply reasons, also the keys of Stats.Dropped.
const (
	ReasonDenied         = "denied"
	ReasonBlocked        = "blocked"
	ReasonRateLimited    = "rate-limited"
	ReasonTooLarge       = "too-large"
	ReasonTooManyHeaders = "too-many-headers"
)

var reasons = [...]string{ReasonDenied, ReasonBlocked, ReasonRateLimited, ReasonTooLarge, ReasonTooManyHeaders}

const (
	dropDenied = iota
	dropBlocked
	dropRate
	dropSize
	dropHeaders
)

type bucketCfg struct {
	on    bool
	rate  float64 // tokens per nanosecond
	burst float64
}

// Guard decides which requests a SIP user agent processes. It is safe for
// concurrent use.
type Guard struct {
	failLimit   int
	failWindow  int64
	blockFor    int64
	maxBlockFor int64
	forgetAfter int64
	blockedCode int
	maxSize     int
	maxHeaders  int
	rates       [numClasses]bucketCfg
	anyRate     bool
	now         func() time.Time
	epoch       time.Time
	decoyKey    [32]byte

	allow atomic.Pointer[[]netip.Prefix]
	deny  atomic.Pointer[[]netip.Prefix]

	mu      sync.Mutex
	sources table
	blocked penalties

	admitted  atomic.Uint64
	dropped   [len(reasons)]atomic.Uint64
	failures  atomic.Uint64
	exempt    atomic.Uint64
	blocks    atomic.Uint64
	evictions atomic.Uint64
}

// New returns a Guard for cfg.
func New(cfg Config) (*Guard, error) {
	g := &Guard{now: cfg.Now, decoyKey: newDecoyKey()}
	if g.now == nil {
		g.now = time.Now
	}
	g.epoch = g.now()
	def := func(v, d time.Duration) int64 {
		if v == 0 {
			v = d
		}
		return int64(v)
	}
	g.failLimit = cfg.FailureLimit
	if g.failLimit == 0 {
		g.failLimit = DefaultFailureLimit
	}
	if g.failLimit < 0 || g.failLimit > maxFailureLimit {
		return nil, fmt.Errorf("sip/guard: failure limit %d out of range 1..%d", cfg.FailureLimit, maxFailureLimit)
	}
	g.failWindow = def(cfg.FailureWindow, DefaultFailureWindow)
	g.blockFor = def(cfg.BlockFor, DefaultBlockFor)
	g.maxBlockFor = def(cfg.MaxBlockFor, DefaultMaxBlockFor)
	g.forgetAfter = def(cfg.ForgetAfter, DefaultForgetAfter)
	if g.failWindow < 0 || g.blockFor < 0 || g.maxBlockFor < 0 || g.forgetAfter < 0 {
		return nil, errors.New("sip/guard: negative duration in config")
	}
	if g.maxBlockFor < g.blockFor {
		g.maxBlockFor = g.blockFor
	}
	switch cfg.BlockedReply {
	case 0, 403:
		g.blockedCode = cfg.BlockedReply
	default:
		return nil, fmt.Errorf("sip/guard: blocked reply %d: want 0 (drop) or 403", cfg.BlockedReply)
	}
	g.maxSize = limit(cfg.MaxMessageSize, DefaultMaxMessageSize)
	g.maxHeaders = limit(cfg.MaxHeaders, DefaultMaxHeaders)
	for k, r := range cfg.Rates {
		i, ok := classIndex(k)
		if !ok {
			return nil, fmt.Errorf("sip/guard: rate for %q: want INVITE, REGISTER, OPTIONS or other", k)
		}
		if r.PerSecond <= 0 || math.IsInf(r.PerSecond, 0) || math.IsNaN(r.PerSecond) || r.Burst < 0 {
			return nil, fmt.Errorf("sip/guard: rate for %s: %v/s burst %d invalid", k, r.PerSecond, r.Burst)
		}
		burst := float64(r.Burst)
		if burst == 0 {
			burst = math.Max(1, math.Ceil(r.PerSecond))
		}
		g.rates[i] = bucketCfg{on: true, rate: r.PerSecond / 1e9, burst: burst}
		g.anyRate = true
	}
	maxTracked := cfg.MaxTracked
	if maxTracked == 0 {
		maxTracked = DefaultMaxTracked
	}
	maxBlocked := cfg.MaxBlocked
	if maxBlocked == 0 {
		maxBlocked = DefaultMaxBlocked
	}
	if maxTracked < 0 || maxBlocked < 0 {
		return nil, errors.New("sip/guard: negative table size")
	}
	g.sources.init(maxTracked)
	g.blocked.init(maxBlocked)
	g.SetAllowList(cfg.Allow)
	g.SetDenyList(cfg.Deny)
	return g, nil
}

func limit(v, d int) int {
	switch {
	case v == 0:
		return d
	case v < 0:
		return math.MaxInt
	}
	return v
}

// clock returns the time since the guard's epoch. time.Time.Sub uses the
// monotonic reading, so a wall-clock step (NTP setting the clock of an
// appliance without RTC after boot) neither lifts nor prolongs blocks.
func (g *Guard) clock() int64 { return int64(g.now().Sub(g.epoch)) }

func (g *Guard) wall(t int64) time.Time { return g.epoch.Add(time.Duration(t)) }

// Admit decides, before any parsing beyond the start line, whether a request
// of method with size bytes and headers header fields from src is processed.
// Checks in order: deny list (silent drop), allow list (admitted, exempt from
// blocking and rate limits, still bound by size limits), blocked source (drop
// or BlockedReply), size (513) and header count (400), which also count as a
// Malformed failure, then the per-source, per-method token bucket (503 with
// Retry-After). A request that cannot be answered (ACK) is always dropped
// silently.
func (g *Guard) Admit(src netip.AddrPort, method string, size, headers int) Decision {
	addr := norm(src.Addr())
	if match(g.deny.Load(), addr) {
		return g.drop(dropDenied, Decision{Silent: true, Reason: ReasonDenied})
	}
	allowed := match(g.allow.Load(), addr)
	d := Decision{Admit: true}
	switch {
	case size > g.maxSize:
		d = Decision{Code: 513, Reason: "Message Too Large"}
	case headers > g.maxHeaders:
		d = Decision{Code: 400, Reason: "Too Many Headers"}
	}
	if allowed {
		if !d.Admit {
			return g.drop(sizeDrop(d.Code), noReplyToAck(method, d))
		}
		g.admitted.Add(1)
		return d
	}

	now := g.clock()
	g.mu.Lock()
	if p := g.blocked.get(addr); p != nil && p.until > now {
		g.mu.Unlock()
		if g.blockedCode == 403 {
			return g.drop(dropBlocked, noReplyToAck(method, Decision{Code: 403, Reason: "Forbidden"}))
		}
		return g.drop(dropBlocked, Decision{Silent: true, Reason: ReasonBlocked})
	}
	if !d.Admit {
		g.failLocked(addr, Malformed, now)
		g.mu.Unlock()
		return g.drop(sizeDrop(d.Code), noReplyToAck(method, d))
	}
	c := classOf(method)
	rc := g.rates[c]
	if !rc.on {
		g.mu.Unlock()
		g.admitted.Add(1)
		return d
	}
	s := g.source(addr, now)
	b := &s.buckets[c]
	b.refill(rc, now)
	if b.tokens >= 1 {
		b.tokens--
		g.mu.Unlock()
		g.admitted.Add(1)
		return d
	}
	wait := math.Ceil((1 - b.tokens) / rc.rate) // nanoseconds
	g.mu.Unlock()
	secs := int(math.Ceil(wait / 1e9))
	return g.drop(dropRate, noReplyToAck(method, Decision{Code: 503, Reason: "Service Unavailable", RetryAfter: max(secs, 1)}))
}

func sizeDrop(code int) int {
	if code == 513 {
		return dropSize
	}
	return dropHeaders
}

// noReplyToAck turns a reply into a silent drop for ACK, which has no
// response (RFC 3261 §17.1.1.3).
func noReplyToAck(method string, d Decision) Decision {
	if method == "ACK" {
		return Decision{Silent: true, Reason: d.Reason}
	}
	return d
}

func (g *Guard) drop(reason int, d Decision) Decision {
	g.dropped[reason].Add(1)
	return d
}

// norm maps the IPv4-mapped IPv6 form a dual-stack socket reports to plain
// IPv4 and drops any IPv6 zone, which netip.Prefix.Contains would otherwise
// refuse to match (letting fe80::1%eth0 slip past a deny list).
func norm(a netip.Addr) netip.Addr { return a.Unmap().WithZone("") }

func match(list *[]netip.Prefix, a netip.Addr) bool {
	if list == nil {
		return false
	}
	for _, p := range *list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Failure records a failed request from src: N of them within the failure
// window block src. Allow-listed sources are never blocked.
func (g *Guard) Failure(src netip.Addr, kind FailureKind) {
	src = norm(src)
	if match(g.allow.Load(), src) {
		g.exempt.Add(1)
		return
	}
	now := g.clock()
	g.mu.Lock()
	g.failLocked(src, kind, now)
	g.mu.Unlock()
}

func (g *Guard) failLocked(src netip.Addr, kind FailureKind, now int64) {
	g.failures.Add(1)
	if p := g.blocked.get(src); p != nil && p.until > now {
		return
	}
	s := g.source(src, now)
	if s.fails == nil {
		s.fails = make([]int64, g.failLimit)
	}
	n := s.record(now, g.failWindow)
	if n < g.failLimit {
		return
	}
	s.clearFailures()
	reason := fmt.Sprintf("%d failures within %v, last %v", n, time.Duration(g.failWindow), kind)
	g.blockLocked(src, 0, reason, n, false, now)
}

// blockLocked blocks src; d == 0 means the escalating automatic duration.
func (g *Guard) blockLocked(src netip.Addr, d int64, reason string, failures int, manual bool, now int64) {
	p := g.blocked.get(src)
	offences := 1
	if p != nil && now-p.until <= g.forgetAfter {
		offences = p.offences + 1
	}
	if d == 0 {
		d = g.blockFor
		for i := 1; i < offences && d < g.maxBlockFor; i++ {
			d *= 2
		}
		d = min(d, g.maxBlockFor)
	}
	if p == nil {
		var evicted bool
		p, evicted = g.blocked.add(src, manual, now+d, now)
		if evicted {
			g.evictions.Add(1)
		}
	} else {
		g.blocked.set(p, manual, now+d)
	}
	p.offences = offences
	p.reason = reason
	p.failures = failures
	g.blocks.Add(1)
}

// Success records a request from src that authenticated: its failure count
// starts again from zero. Offences already punished still escalate.
func (g *Guard) Success(src netip.Addr) {
	src = norm(src)
	g.mu.Lock()
	if s := g.sources.get(src); s != nil {
		s.clearFailures()
	}
	g.mu.Unlock()
}

// source returns the tracked state of a, creating it (and evicting the least
// recently used entry when the table is full).
func (g *Guard) source(a netip.Addr, now int64) *source {
	s, evicted := g.sources.touch(a)
	if s.fresh {
		s.fresh = false
		for i := range s.buckets {
			s.buckets[i] = bucket{tokens: g.rates[i].burst, last: now}
		}
	}
	if evicted {
		g.evictions.Add(1)
	}
	return s
}

// Entry describes a blocked source.
type Entry struct {
	Addr     netip.Addr `json:"addr"`
	Until    time.Time  `json:"until"`
	Reason   string     `json:"reason"`
	Failures int        `json:"failures"`
	Offences int        `json:"offences"`
	Manual   bool       `json:"manual"`
}

// Blocked lists the sources blocked now, soonest release first.
func (g *Guard) Blocked() []Entry {
	now := g.clock()
	g.mu.Lock()
	out := []Entry{}
	g.blocked.each(func(p *penalty) {
		if p.until > now {
			out = append(out, Entry{Addr: p.addr, Until: g.wall(p.until), Reason: p.reason,
				Failures: p.failures, Offences: p.offences, Manual: p.manual})
		}
	})
	g.mu.Unlock()
	slices.SortFunc(out, func(a, b Entry) int {
		if c := a.Until.Compare(b.Until); c != 0 {
			return c
		}
		return a.Addr.Compare(b.Addr)
	})
	return out
}

// Unblock lifts a block on addr and forgets its failures and offences. It
// reports whether addr was blocked.
func (g *Guard) Unblock(addr netip.Addr) bool {
	addr = norm(addr)
	now := g.clock()
	g.mu.Lock()
	defer g.mu.Unlock()
	if s := g.sources.get(addr); s != nil {
		s.clearFailures()
	}
	p := g.blocked.get(addr)
	if p == nil {
		return false
	}
	was := p.until > now
	g.blocked.remove(p)
	return was
}

// Block blocks addr for d (BlockFor when d <= 0). An allow-listed address is
// still admitted while it stays on the allow list.
func (g *Guard) Block(addr netip.Addr, d time.Duration, reason string) {
	addr = norm(addr)
	if d <= 0 {
		d = time.Duration(g.blockFor)
	}
	if reason == "" {
		reason = "blocked by operator"
	}
	now := g.clock()
	g.mu.Lock()
	g.blockLocked(addr, int64(d), reason, 0, true, now)
	g.mu.Unlock()
}

// AllowList returns a copy of the allow list.
func (g *Guard) AllowList() []netip.Prefix { return slices.Clone(*g.allow.Load()) }

// DenyList returns a copy of the deny list.
func (g *Guard) DenyList() []netip.Prefix { return slices.Clone(*g.deny.Load()) }

// SetAllowList replaces the allow list. Prefixes are masked and IPv4-mapped
// IPv6 prefixes unmapped, so 192.0.2.7/24 means 192.0.2.0/24.
func (g *Guard) SetAllowList(l []netip.Prefix) { g.allow.Store(normalise(l)) }

// SetDenyList replaces the deny list.
func (g *Guard) SetDenyList(l []netip.Prefix) { g.deny.Store(normalise(l)) }

func normalise(l []netip.Prefix) *[]netip.Prefix {
	out := make([]netip.Prefix, 0, len(l))
	for _, p := range l {
		if !p.IsValid() {
			continue
		}
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return &out
}

// Stats are the guard's counters since New.
type Stats struct {
	Admitted uint64            `json:"admitted"`
	Dropped  map[string]uint64 `json:"dropped"`
	// Failures counts recorded failures; Exempt those from allow-listed
	// sources, which never block.
	Failures uint64 `json:"failures"`
	Exempt   uint64 `json:"exempt"`
	// Blocks counts blocks imposed (automatic and manual).
	Blocks uint64 `json:"blocks"`
	// Evictions counts entries dropped from the full tables.
	Evictions  uint64 `json:"evictions"`
	Tracked    int    `json:"tracked"`
	BlockedNow int    `json:"blocked_now"`
}

// Stats returns a snapshot of the counters.
func (g *Guard) Stats() Stats {
	st := Stats{
		Admitted:  g.admitted.Load(),
		Dropped:   make(map[string]uint64, len(reasons)),
		Failures:  g.failures.Load(),
		Exempt:    g.exempt.Load(),
		Blocks:    g.blocks.Load(),
		Evictions: g.evictions.Load(),
	}
	for i, r := range reasons {
		st.Dropped[r] = g.dropped[i].Load()
	}
	now := g.clock()
	g.mu.Lock()
	st.Tracked = g.sources.len()
	g.blocked.each(func(p *penalty) {
		if p.until > now {
			st.BlockedNow++
		}
	})
	g.mu.Unlock()
	return st
}

// ParsePrefixes parses allow or deny list entries as written in the
// configuration or sent to the API: a prefix ("127.0.0.0/8") or a single
// address ("::1"), which stands for itself alone.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("sip/guard: %w", err)
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("sip/guard: %w", err)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
