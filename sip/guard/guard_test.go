package guard

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock for simulated time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func mustNew(t testing.TB, cfg Config) *Guard {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

var (
	phone    = netip.MustParseAddr("127.0.0.10")
	attacker = netip.MustParseAddr("127.0.0.66")
	gateway  = netip.MustParseAddr("127.0.1.5")
)

func ap(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, 5060) }

func admitted(g *Guard, a netip.Addr) bool { return g.Admit(ap(a), "REGISTER", 500, 10).Admit }

func TestBlockAfterFailureLimit(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 5, FailureWindow: time.Minute, BlockFor: 10 * time.Minute, Now: clk.Now})
	for i := range 4 {
		g.Failure(attacker, AuthFailed)
		clk.Advance(time.Second)
		if !admitted(g, attacker) {
			t.Fatalf("blocked after %d failures, limit is 5", i+1)
		}
	}
	if n := len(g.Blocked()); n != 0 {
		t.Fatalf("Blocked() lists %d entries after 4 failures", n)
	}
	g.Failure(attacker, UnknownUser)
	d := g.Admit(ap(attacker), "REGISTER", 500, 10)
	if d.Admit || !d.Silent || d.Reason != ReasonBlocked {
		t.Fatalf("after 5 failures: %+v, want silent drop", d)
	}
	bl := g.Blocked()
	if len(bl) != 1 || bl[0].Addr != attacker || bl[0].Failures != 5 || bl[0].Offences != 1 || bl[0].Manual {
		t.Fatalf("Blocked() = %+v", bl)
	}
	if want := clk.Now().Add(10 * time.Minute); !bl[0].Until.Equal(want) {
		t.Fatalf("until %v, want %v", bl[0].Until, want)
	}
	if !admitted(g, phone) {
		t.Fatal("another source is affected by the block")
	}
	clk.Advance(10*time.Minute - time.Nanosecond)
	if admitted(g, attacker) {
		t.Fatal("released before BlockFor elapsed")
	}
	clk.Advance(time.Nanosecond)
	if !admitted(g, attacker) {
		t.Fatal("still blocked after BlockFor")
	}
	if st := g.Stats(); st.Blocks != 1 || st.Dropped[ReasonBlocked] != 2 || st.Failures != 5 {
		t.Fatalf("stats %+v", st)
	}
}

func TestFailureWindowSlides(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 5, FailureWindow: time.Minute, Now: clk.Now})
	// Failures at 0, 10, 20, 30 s; at 60 s the first has left the window.
	for range 4 {
		g.Failure(attacker, AuthFailed)
		clk.Advance(10 * time.Second)
	}
	clk.Advance(20 * time.Second) // t = 60 s
	g.Failure(attacker, AuthFailed)
	if !admitted(g, attacker) {
		t.Fatal("blocked although only 4 failures are within the last minute")
	}
	clk.Advance(5 * time.Second) // t = 65 s: 10, 20, 30, 60, 65
	g.Failure(attacker, AuthFailed)
	if admitted(g, attacker) {
		t.Fatal("not blocked with 5 failures within one minute")
	}
}

func TestSuccessResetsFailures(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 3, Now: clk.Now})
	g.Failure(phone, AuthFailed)
	g.Failure(phone, AuthFailed)
	g.Success(phone)
	g.Failure(phone, AuthFailed)
	g.Failure(phone, AuthFailed)
	if !admitted(g, phone) {
		t.Fatal("blocked although a success came between the failures")
	}
	g.Failure(phone, AuthFailed)
	if admitted(g, phone) {
		t.Fatal("not blocked after 3 failures since the last success")
	}
}

func TestAllowListedGatewayNeverBlocked(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{
		FailureLimit: 3,
		Allow:        []netip.Prefix{netip.MustParsePrefix("127.0.1.0/24")},
		Rates:        map[string]Rate{ClassRegister: {PerSecond: 1, Burst: 1}},
		Now:          clk.Now,
	})
	// One FXS gateway registering 24 accounts, one of them with a wrong
	// password, refreshing all of them at once, for an hour.
	for range 60 {
		for acct := range 24 {
			if !admitted(g, gateway) {
				t.Fatalf("allow-listed gateway refused (account %d)", acct)
			}
			if acct == 7 {
				g.Authenticate(gateway, true, true, false)
			} else {
				g.Authenticate(gateway, true, true, true)
			}
		}
		for range 3 {
			admitted(g, attacker)
			g.Authenticate(attacker, true, false, false)
		}
		clk.Advance(time.Minute)
	}
	if !admitted(g, gateway) {
		t.Fatal("allow-listed gateway refused")
	}
	bl := g.Blocked()
	if len(bl) != 1 || bl[0].Addr != attacker {
		t.Fatalf("Blocked() = %+v, want only the attacker", bl)
	}
	if st := g.Stats(); st.Exempt != 60 {
		t.Fatalf("exempt failures %d, want 60", st.Exempt)
	}
	// Manual blocks do not override the allow list either.
	g.Block(gateway, time.Hour, "test")
	if !admitted(g, gateway) {
		t.Fatal("manual block overrode the allow list")
	}
	// Removing it from the allow list makes the block bite.
	g.SetAllowList(nil)
	if admitted(g, gateway) {
		t.Fatal("block ignored after the allow list was cleared")
	}
}

func TestDenyList(t *testing.T) {
	g := mustNew(t, Config{
		Deny:  []netip.Prefix{netip.MustParsePrefix("127.0.0.64/27"), netip.MustParsePrefix("::1/128")},
		Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	for _, src := range []string{"127.0.0.66:5060", "[::ffff:127.0.0.70]:5060", "[::1]:5060"} {
		d := g.Admit(netip.MustParseAddrPort(src), "INVITE", 100, 5)
		if d.Admit || !d.Silent || d.Code != 0 || d.Reason != ReasonDenied {
			t.Errorf("%s: %+v, want silent drop", src, d)
		}
	}
	if !admitted(g, phone) {
		t.Error("address outside the deny list refused")
	}
	if got := g.DenyList(); len(got) != 2 || got[0] != netip.MustParsePrefix("127.0.0.64/27") {
		t.Errorf("DenyList() = %v", got)
	}
	g.SetDenyList([]netip.Prefix{netip.MustParsePrefix("127.0.0.66/24"), netip.MustParsePrefix("::ffff:127.0.0.1/120")})
	got := g.DenyList()
	want := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/24")}
	if len(got) != 1 || got[0] != want[0] {
		t.Errorf("normalised deny list %v, want %v", got, want)
	}
	if st := g.Stats(); st.Dropped[ReasonDenied] != 3 || st.Admitted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnblockThroughAPI(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 3, Now: clk.Now})
	for range 3 {
		g.Failure(attacker, AuthFailed)
	}
	if admitted(g, attacker) {
		t.Fatal("not blocked")
	}
	if !g.Unblock(attacker) {
		t.Fatal("Unblock reported no block")
	}
	if !admitted(g, attacker) || len(g.Blocked()) != 0 {
		t.Fatal("still blocked after Unblock")
	}
	if g.Unblock(attacker) {
		t.Fatal("second Unblock reported a block")
	}
	// Failures start from zero and escalation is forgotten.
	g.Failure(attacker, AuthFailed)
	g.Failure(attacker, AuthFailed)
	if !admitted(g, attacker) {
		t.Fatal("failures from before Unblock still counted")
	}
	g.Failure(attacker, AuthFailed)
	if bl := g.Blocked(); len(bl) != 1 || bl[0].Offences != 1 || !bl[0].Until.Equal(clk.Now().Add(DefaultBlockFor)) {
		t.Fatalf("Blocked() = %+v, want a first offence", bl)
	}
	clk.Advance(time.Second)
	g.Block(phone, 0, "")
	bl := g.Blocked()
	if len(bl) != 2 || bl[1].Addr != phone || !bl[1].Manual || bl[1].Reason == "" {
		t.Fatalf("manual block: %+v", bl)
	}
}

func TestBlockedReply403(t *testing.T) {
	g := mustNew(t, Config{BlockedReply: 403})
	g.Block(attacker, time.Hour, "operator")
	if d := g.Admit(ap(attacker), "INVITE", 100, 5); d.Admit || d.Silent || d.Code != 403 {
		t.Fatalf("INVITE from blocked source: %+v, want 403", d)
	}
	if d := g.Admit(ap(attacker), "ACK", 100, 5); d.Admit || !d.Silent {
		t.Fatalf("ACK from blocked source: %+v, want silent drop", d)
	}
}

func TestBlockEscalation(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 2, BlockFor: time.Minute, MaxBlockFor: 10 * time.Minute,
		ForgetAfter: time.Hour, Now: clk.Now})
	offend := func() time.Duration {
		g.Failure(attacker, AuthFailed)
		g.Failure(attacker, AuthFailed)
		bl := g.Blocked()
		if len(bl) != 1 {
			t.Fatalf("Blocked() = %+v", bl)
		}
		d := bl[0].Until.Sub(clk.Now())
		clk.Advance(d)
		return d
	}
	for i, want := range []time.Duration{1, 2, 4, 8, 10, 10} {
		if got := offend(); got != want*time.Minute {
			t.Fatalf("offence %d blocked for %v, want %v", i+1, got, want*time.Minute)
		}
	}
	clk.Advance(time.Hour + time.Second)
	if got := offend(); got != time.Minute {
		t.Fatalf("after ForgetAfter blocked for %v, want the first-offence minute", got)
	}
}

func TestRateLimitPerMethod(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{Now: clk.Now, Rates: map[string]Rate{
		"INVITE":   {PerSecond: 1, Burst: 2},
		"register": {PerSecond: 0.5, Burst: 1},
		"OPTIONS":  {PerSecond: 0.1, Burst: 3},
	}})
	send := func(m string) Decision { return g.Admit(ap(attacker), m, 400, 8) }
	for i := range 2 {
		if d := send("INVITE"); !d.Admit {
			t.Fatalf("INVITE %d within burst refused: %+v", i, d)
		}
	}
	d := send("INVITE")
	if d.Admit || d.Silent || d.Code != 503 || d.RetryAfter != 1 {
		t.Fatalf("INVITE beyond burst: %+v, want 503 Retry-After 1", d)
	}
	if d := send("REGISTER"); !d.Admit {
		t.Fatalf("REGISTER limited by the INVITE bucket: %+v", d)
	}
	if d := send("REGISTER"); d.Code != 503 || d.RetryAfter != 2 {
		t.Fatalf("second REGISTER: %+v, want 503 Retry-After 2", d)
	}
	for range 3 {
		if d := send("OPTIONS"); !d.Admit {
			t.Fatalf("OPTIONS within burst refused: %+v", d)
		}
	}
	if d := send("OPTIONS"); d.Code != 503 || d.RetryAfter != 10 {
		t.Fatalf("OPTIONS beyond burst: %+v, want 503 Retry-After 10", d)
	}
	// No limit configured for other methods, and other sources have their
	// own buckets.
	for range 100 {
		if d := send("BYE"); !d.Admit {
			t.Fatalf("BYE limited without a configured rate: %+v", d)
		}
	}
	if d := g.Admit(ap(phone), "INVITE", 400, 8); !d.Admit {
		t.Fatalf("INVITE from another source refused: %+v", d)
	}
	if st := g.Stats(); st.Dropped[ReasonRateLimited] != 3 {
		t.Fatalf("rate-limited count %d, want 3", st.Dropped[ReasonRateLimited])
	}
	if bl := g.Blocked(); len(bl) != 0 {
		t.Fatalf("rate limiting blocked a source: %+v", bl)
	}
}

func TestTokenRefill(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{Now: clk.Now, Rates: map[string]Rate{"INVITE": {PerSecond: 0.2, Burst: 2}}})
	send := func() Decision { return g.Admit(ap(attacker), "INVITE", 400, 8) }
	send()
	send()
	if d := send(); d.Code != 503 || d.RetryAfter != 5 {
		t.Fatalf("empty bucket: %+v, want Retry-After 5", d)
	}
	clk.Advance(4900 * time.Millisecond)
	if d := send(); d.Code != 503 || d.RetryAfter != 1 {
		t.Fatalf("0.1 s before the next token: %+v, want Retry-After 1", d)
	}
	clk.Advance(100 * time.Millisecond)
	if d := send(); !d.Admit {
		t.Fatalf("token due at 5 s not granted: %+v", d)
	}
	if d := send(); d.Code != 503 || d.RetryAfter != 5 {
		t.Fatalf("after using the refilled token: %+v", d)
	}
	// A long quiet spell refills up to the burst, not beyond.
	clk.Advance(time.Hour)
	for i := range 2 {
		if d := send(); !d.Admit {
			t.Fatalf("request %d after an hour refused: %+v", i, d)
		}
	}
	if d := send(); d.Admit {
		t.Fatal("bucket filled beyond its burst")
	}
}

func TestMessageBounds(t *testing.T) {
	g := mustNew(t, Config{FailureLimit: 3, MaxMessageSize: 4096, MaxHeaders: 40,
		Allow: []netip.Prefix{netip.PrefixFrom(gateway, 32)}})
	if d := g.Admit(ap(attacker), "INVITE", 4097, 10); d.Admit || d.Code != 513 {
		t.Fatalf("oversized: %+v, want 513", d)
	}
	if d := g.Admit(ap(attacker), "INVITE", 4096, 41); d.Admit || d.Code != 400 {
		t.Fatalf("too many headers: %+v, want 400", d)
	}
	if d := g.Admit(ap(attacker), "ACK", 5000, 10); d.Admit || !d.Silent {
		t.Fatalf("oversized ACK: %+v, want silent drop", d)
	}
	// Oversized messages are malformed failures: the source is now blocked.
	if bl := g.Blocked(); len(bl) != 1 || bl[0].Addr != attacker {
		t.Fatalf("Blocked() = %+v", bl)
	}
	if d := g.Admit(ap(attacker), "INVITE", 4096, 40); d.Admit {
		t.Fatalf("source not blocked after 2 oversized messages: %+v", d)
	}
	// Bounds apply to allow-listed sources too, without blocking them.
	for range 5 {
		if d := g.Admit(ap(gateway), "INVITE", 70000, 10); d.Code != 513 {
			t.Fatalf("allow-listed oversized: %+v", d)
		}
	}
	if !admitted(g, gateway) {
		t.Fatal("allow-listed source blocked by oversized messages")
	}
	st := g.Stats()
	if st.Dropped[ReasonTooLarge] != 7 || st.Dropped[ReasonTooManyHeaders] != 1 {
		t.Fatalf("stats %+v", st)
	}
	unlimited := mustNew(t, Config{MaxMessageSize: -1, MaxHeaders: -1})
	if d := unlimited.Admit(ap(attacker), "INVITE", 1<<30, 1<<20); !d.Admit {
		t.Fatalf("disabled bounds still apply: %+v", d)
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{FailureLimit: -1},
		{FailureLimit: maxFailureLimit + 1},
		{BlockFor: -time.Second},
		{BlockedReply: 404},
		{Rates: map[string]Rate{"BYE": {PerSecond: 1}}},
		{Rates: map[string]Rate{"INVITE": {PerSecond: 0}}},
		{Rates: map[string]Rate{"INVITE": {PerSecond: 1, Burst: -1}}},
		{MaxTracked: -5},
	}
	for _, c := range bad {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

// TestMemoryBoundUnderSpoofedFlood sends a million requests and failures
// from random addresses, a quarter of them failing often enough to be
// blocked: the tables stay at their caps, the heap does not grow with the
// number of sources, and an operator block imposed before the flood
// survives it.
func TestMemoryBoundUnderSpoofedFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	clk := newClock()
	const maxTracked, maxBlocked = 4096, 512
	g := mustNew(t, Config{FailureLimit: 2, MaxTracked: maxTracked, MaxBlocked: maxBlocked,
		Rates: DefaultRates(), BlockFor: time.Hour, Now: clk.Now})
	g.Block(attacker, 2*time.Hour, "operator")

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 1_000_000 {
		var src netip.Addr
		if i%2 == 0 {
			src = netip.AddrFrom4([4]byte{127, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32())})
		} else {
			var b [16]byte
			b[0] = 0xfd
			for j := 1; j < 16; j++ {
				b[j] = byte(rng.Uint32())
			}
			src = netip.AddrFrom16(b)
		}
		g.Admit(netip.AddrPortFrom(src, 5060), "INVITE", 300, 8)
		g.Failure(src, UnknownPeer)
		if i%4 == 0 {
			g.Failure(src, UnknownPeer) // second failure: blocked
		}
		if i%1000 == 0 {
			clk.Advance(time.Millisecond)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)

	st := g.Stats()
	if st.Tracked > maxTracked || st.BlockedNow > maxBlocked || len(g.Blocked()) > maxBlocked {
		t.Fatalf("tables grew past their caps: %+v", st)
	}
	if st.Blocks < 250_000 || st.Evictions == 0 {
		t.Fatalf("flood did not exercise blocking and eviction: %+v", st)
	}
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("heap growth %d bytes for %d tracked, %d blocked", growth, st.Tracked, st.BlockedNow)
	// A table entry per source would take hundreds of megabytes.
	if growth > 16<<20 {
		t.Fatalf("heap grew by %d bytes", growth)
	}
	if admitted(g, attacker) {
		t.Fatal("the flood pushed the operator block out of memory")
	}
}

// TestFloodKeepsBlocks checks that requests and isolated failures from many
// new addresses evict only rate and failure state, never a block.
func TestFloodKeepsBlocks(t *testing.T) {
	g := mustNew(t, Config{FailureLimit: 2, MaxTracked: 128, MaxBlocked: 16, Rates: DefaultRates()})
	g.Failure(attacker, AuthFailed)
	g.Failure(attacker, AuthFailed)
	for i := range 100_000 {
		src := netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)})
		g.Admit(netip.AddrPortFrom(src, 5060), "REGISTER", 300, 8)
		g.Failure(src, UnknownUser)
	}
	if admitted(g, attacker) {
		t.Fatal("block evicted by a flood of single failures")
	}
	if st := g.Stats(); st.Tracked != 128 || st.Evictions == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestConcurrentUse(t *testing.T) {
	clk := newClock()
	g := mustNew(t, Config{FailureLimit: 3, MaxTracked: 64, MaxBlocked: 16, Rates: DefaultRates(), Now: clk.Now})
	const workers, iters = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range iters {
				src := netip.AddrFrom4([4]byte{127, 0, byte(w), byte(i % 200)})
				g.Admit(netip.AddrPortFrom(src, 5060), []string{"INVITE", "REGISTER", "OPTIONS", "BYE"}[i%4], 500, 10)
				switch i % 7 {
				case 0:
					g.Failure(src, AuthFailed)
				case 1:
					g.Success(src)
				case 2:
					g.Authenticate(src, true, i%3 == 0, false)
				case 3:
					clk.Advance(time.Millisecond)
				}
				if i%97 == 0 {
					for _, e := range g.Blocked() {
						g.Unblock(e.Addr)
					}
					g.Block(src, time.Second, "x")
					g.SetAllowList([]netip.Prefix{netip.PrefixFrom(src, 32)})
					g.SetDenyList(g.AllowList()[:0])
					_ = g.Stats()
				}
			}
		}()
	}
	wg.Wait()
	st := g.Stats()
	var total uint64 = st.Admitted
	for _, n := range st.Dropped {
		total += n
	}
	if total != workers*iters {
		t.Fatalf("admitted+dropped = %d, want %d", total, workers*iters)
	}
	if st.Tracked > 64 || len(g.Blocked()) > 16 {
		t.Fatalf("caps exceeded: %+v", st)
	}
}

func BenchmarkAdmit(b *testing.B) {
	for _, bc := range []struct {
		name    string
		cfg     Config
		sources int
	}{
		{"NoRates", Config{}, 1},
		{"AllowListed", Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Rates: DefaultRates()}, 1},
		{"RateOneSource", Config{Rates: map[string]Rate{"INVITE": {PerSecond: 1e12, Burst: 1}}}, 1},
		{"RateManySources", Config{Rates: DefaultRates(), MaxTracked: 1 << 16}, 1 << 12},
		{"EvictingFlood", Config{Rates: DefaultRates(), MaxTracked: 1 << 10}, 1 << 16},
	} {
		b.Run(bc.name, func(b *testing.B) {
			g := mustNew(b, bc.cfg)
			srcs := make([]netip.AddrPort, bc.sources)
			for i := range srcs {
				srcs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, byte(i >> 16), byte(i >> 8), byte(i)}), 5060)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				g.Admit(srcs[i%len(srcs)], "INVITE", 800, 12)
				i++
			}
		})
	}
}

func BenchmarkAdmitParallel(b *testing.B) {
	g := mustNew(b, Config{Rates: DefaultRates()})
	b.ReportAllocs()
	var n sync.Mutex
	next := 0
	b.RunParallel(func(pb *testing.PB) {
		n.Lock()
		next++
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(next)}), 5060)
		n.Unlock()
		for pb.Next() {
			g.Admit(src, "OPTIONS", 400, 8)
		}
	})
}

func ExampleGuard_Admit() {
	g, _ := New(Config{Rates: map[string]Rate{"OPTIONS": {PerSecond: 1, Burst: 1}}})
	src := netip.MustParseAddrPort("127.0.0.1:5060")
	for range 2 {
		d := g.Admit(src, "OPTIONS", 350, 9)
		fmt.Println(d.Admit, d.Code, d.RetryAfter)
	}
	// Output:
	// true 0 0
	// false 503 1
}

func TestParsePrefixesAndMappedSources(t *testing.T) {
	got, err := ParsePrefixes([]string{"127.0.0.5", " 127.0.1.0/24", "::1", "::ffff:127.0.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.5/32", "127.0.1.0/24", "::1/128", "127.0.0.9/32"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ParsePrefixes = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "127.0.0.300", "127.0.0.0/33", "host.example"} {
		if _, err := ParsePrefixes([]string{bad}); err == nil {
			t.Errorf("ParsePrefixes(%q) accepted", bad)
		}
	}
	// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; lists and
	// blocks must treat both forms as one address.
	g := mustNew(t, Config{FailureLimit: 2, Allow: got})
	mapped := netip.MustParseAddrPort("[::ffff:127.0.1.5]:5060")
	g.Failure(mapped.Addr(), AuthFailed)
	g.Failure(mapped.Addr(), AuthFailed)
	if d := g.Admit(mapped, "INVITE", 100, 5); !d.Admit {
		t.Fatalf("mapped allow-listed source refused: %+v", d)
	}
	g.Failure(netip.MustParseAddr("::ffff:127.0.0.66"), AuthFailed)
	g.Failure(attacker, AuthFailed)
	if admitted(g, attacker) || g.Admit(netip.MustParseAddrPort("[::ffff:127.0.0.66]:5060"), "INVITE", 100, 5).Admit {
		t.Fatal("mapped and plain forms counted as different sources")
	}
}

func TestZonedSourceMatchesDenyList(t *testing.T) {
	g := mustNew(t, Config{Deny: []netip.Prefix{netip.MustParsePrefix("fe80::/10")}})
	if d := g.Admit(netip.MustParseAddrPort("[fe80::1%lo]:5060"), "INVITE", 100, 5); d.Admit {
		t.Fatal("zoned link-local source slipped past the deny list")
	}
}
