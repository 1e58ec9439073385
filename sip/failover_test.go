package sip

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
	"github.com/miekg/dns"
)

// dnsServer is an authoritative-only DNS server on loopback serving a
// fixed set of records, counting the questions it gets.
type dnsServer struct {
	addr string
	mu   sync.Mutex
	rrs  map[string][]dns.RR // "name TYPE" → answers
	asks map[string]int
}

func newDNSServer(t *testing.T, records ...string) *dnsServer {
	t.Helper()
	d := &dnsServer{rrs: map[string][]dns.RR{}, asks: map[string]int{}}
	for _, r := range records {
		rr, err := dns.NewRR(r)
		if err != nil {
			t.Fatalf("record %q: %v", r, err)
		}
		k := strings.ToLower(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype]
		d.rrs[k] = append(d.rrs[k], rr)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.addr = pc.LocalAddr().String()
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		m.Authoritative = true
		if len(q.Question) == 1 {
			k := strings.ToLower(q.Question[0].Name) + " " + dns.TypeToString[q.Question[0].Qtype]
			d.mu.Lock()
			d.asks[k]++
			m.Answer = append(m.Answer, d.rrs[k]...)
			d.mu.Unlock()
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return d
}

func (d *dnsServer) asked(k string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.asks[k]
}

func waitAddr(t *testing.T, u *UA, want string) RegStatus {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st := u.Registrations()[0]
		if st.Registered && st.Addr == want {
			return st
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("registration never on %s: %+v", want, u.Registrations()[0])
	return RegStatus{}
}

// TestRFC3263NaptrSrvFailover: a registrar given by name is found through
// NAPTR (SIP+D2U) → SRV → A; the priority-10 record is used first. When
// that server stops answering, the registration moves to the priority-20
// record within one REGISTER timeout, and calls follow it; when it answers
// again the registration fails back and the backup binding is removed.
func TestRFC3263NaptrSrvFailover(t *testing.T) {
	invites := make(chan *sipgo_sip.Request, 4)
	primary := newRegistrar(t, "udp", 2)
	backup := newRegistrar(t, "udp", 2, func(r *registrar) {
		r.srv.OnInvite(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
			invites <- req
			_ = tx.Respond(sipgo_sip.NewResponseFromRequest(req, 486, "Busy Here", nil))
		})
	})
	d := newDNSServer(t,
		`pbx.test. 60 IN NAPTR 10 10 "s" "SIP+D2U" "" _sip._udp.pbx.test.`,
		`pbx.test. 60 IN NAPTR 20 10 "s" "SIP+D2T" "" _sip._tcp.pbx.test.`,
		fmt.Sprintf(`_sip._udp.pbx.test. 60 IN SRV 10 10 %d a.pbx.test.`, primary.port),
		fmt.Sprintf(`_sip._udp.pbx.test. 60 IN SRV 20 10 %d b.pbx.test.`, backup.port),
		`a.pbx.test. 60 IN A 127.0.0.1`,
		`b.pbx.test. 60 IN A 127.0.0.1`,
	)
	cfg := Config{
		Listen:    []string{"udp:127.0.0.1:0"},
		Accounts:  []Account{{Name: "fxs1", User: "2001", Password: "secret", Registrar: "sip:pbx.test", Expires: time.Hour}},
		DNSServer: d.addr, Failback: time.Second, hopTimeout: time.Second,
	}
	u, _ := startUA(t, cfg, newRecorder(nil))
	first := waitAddr(t, u, fmt.Sprintf("udp:127.0.0.1:%d", primary.port))
	if first.Server != "sip:pbx.test" {
		t.Errorf("server %q", first.Server)
	}
	if d.asked("pbx.test. NAPTR") == 0 || d.asked("_sip._udp.pbx.test. SRV") == 0 || d.asked("a.pbx.test. A") == 0 {
		t.Errorf("resolution skipped a step: %v", d.asks)
	}
	if d.asked("_sip._tcp.pbx.test. SRV") != 0 {
		t.Error("followed a NAPTR for TCP without a TCP listener")
	}

	primary.silent.Store(true)
	waitAddr(t, u, fmt.Sprintf("udp:127.0.0.1:%d", backup.port))
	c, err := u.Dial(context.Background(), "fxs1", "5551234")
	if err != nil {
		t.Fatal(err)
	}
	inv := recv(t, invites, "INVITE at the backup")
	if inv.Recipient.User != "5551234" {
		t.Errorf("INVITE for %s", inv.Recipient.String())
	}
	if ev := waitEvent(t, c, EventFailed); ev.Code != 486 {
		t.Errorf("call %+v", ev)
	}

	primary.silent.Store(false)
	waitAddr(t, u, fmt.Sprintf("udp:127.0.0.1:%d", primary.port))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case rec := <-backup.seen:
			if rec.authed && rec.expires == 0 {
				return // the backup binding was removed
			}
			continue
		case <-deadline:
			t.Fatal("no unregister at the backup after fail-back")
		}
	}
}

// TestRFC3261BackupRegistrar: with the primary registrar dead, the
// account registers with its backup after one REGISTER timeout, and
// returns to the primary once it answers.
func TestRFC3261BackupRegistrar(t *testing.T) {
	primary := newRegistrar(t, "udp", 2)
	backup := newRegistrar(t, "udp", 2)
	primary.silent.Store(true)
	cfg := Config{
		Listen: []string{"udp:127.0.0.1:0"},
		Accounts: []Account{{Name: "fxs1", User: "2001", Password: "secret", Expires: time.Hour,
			Registrar: "sip:" + primary.addr, Backup: []string{"sip:" + backup.addr}}},
		Failback: time.Second, hopTimeout: time.Second,
	}
	u, _ := startUA(t, cfg, newRecorder(nil))
	st := waitAddr(t, u, "udp:"+backup.addr)
	if st.Server != "sip:"+backup.addr {
		t.Errorf("server %q", st.Server)
	}
	primary.silent.Store(false)
	waitAddr(t, u, "udp:"+primary.addr)
}

// TestRFC2782SRVOrder: records come out by ascending priority; within a
// priority the first pick follows the weights.
func TestRFC2782SRVOrder(t *testing.T) {
	mk := func(prio, weight uint16, target string) *dns.SRV {
		return &dns.SRV{Priority: prio, Weight: weight, Target: target}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	firsts := map[string]int{}
	const n = 20000
	for range n {
		recs := []*dns.SRV{mk(20, 1, "z."), mk(10, 60, "a."), mk(10, 30, "b."), mk(10, 10, "c."), mk(5, 0, "p.")}
		out := orderSRV(recs, rng.IntN)
		if out[0].Target != "p." || out[4].Target != "z." {
			t.Fatalf("priority order broken: %v", out)
		}
		firsts[out[1].Target]++
	}
	for target, w := range map[string]float64{"a.": 0.6, "b.": 0.3, "c.": 0.1} {
		if got := float64(firsts[target]) / n; math.Abs(got-w) > 0.02 {
			t.Errorf("%s first %.3f of the time, weight share %.2f", target, got, w)
		}
	}
}
