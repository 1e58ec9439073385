package sip

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
	"github.com/miekg/dns"
)

// hop is one resolved next hop for a SIP URI: transport and address.
type hop struct {
	Transport string // "UDP", "TCP" or "TLS"
	Addr      string // ip:port
}

func (h hop) String() string { return strings.ToLower(h.Transport) + ":" + h.Addr }

// resolver locates SIP servers (RFC 3263 4): NAPTR, then SRV (RFC 2782
// priorities and weights), then A/AAAA, querying one DNS server.
type resolver struct {
	server string // DNS server ip:port
	want6  bool   // query AAAA as well as A
	client *dns.Client
	has    func(transport string) bool // we have a listener for it
}

const dnsTimeout = 2 * time.Second

func newResolver(server string, want6 bool, has func(string) bool) *resolver {
	return &resolver{server: server, want6: want6, has: has, client: &dns.Client{Net: "udp", Timeout: dnsTimeout}}
}

// systemDNS is the first nameserver of /etc/resolv.conf.
func systemDNS() string {
	cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil || len(cc.Servers) == 0 {
		return ""
	}
	return net.JoinHostPort(cc.Servers[0], cc.Port)
}

var errNoRecords = errors.New("no DNS records")

// resolve returns the hops for u in the order to try them. A numeric host
// needs no DNS; a name with a port or transport skips the steps those fix
// (RFC 3263 4.1, 4.2).
func (r *resolver) resolve(ctx context.Context, u *sipgo_sip.Uri) ([]hop, error) {
	if h, ok := literalHop(u); ok {
		return []hop{h}, nil
	}
	host := strings.Trim(u.Host, "[]")
	tp, explicit := "", false
	if t, ok := u.UriParams.Get("transport"); (ok && t != "") || u.IsEncrypted() {
		tp, explicit = uriTransport(u), true
	}
	defPort := defaultPort(tp)
	if r == nil || r.server == "" {
		return nil, fmt.Errorf("resolve %s: no DNS server", host)
	}
	if u.Port != 0 {
		return r.addrHops(ctx, host, u.Port, orDefault(tp, "UDP"))
	}
	type srvName struct{ name, transport string }
	var names []srvName
	if explicit {
		names = append(names, srvName{srvPrefix(tp) + host, tp})
	} else {
		naptrs, err := r.naptr(ctx, host)
		if err != nil {
			return nil, err
		}
		for _, n := range naptrs {
			names = append(names, srvName{n.Replacement, n.transport})
		}
		if len(names) == 0 {
			// RFC 3263 4.1: without NAPTR, SRV for each transport we support.
			for _, t := range []string{"UDP", "TCP", "TLS"} {
				if r.has(t) {
					names = append(names, srvName{srvPrefix(t) + host, t})
				}
			}
		}
	}
	var out []hop
	for _, n := range names {
		srvs, err := r.srv(ctx, n.name)
		if err != nil {
			return nil, err
		}
		for _, s := range srvs {
			hs, err := r.addrHops(ctx, strings.TrimSuffix(s.Target, "."), int(s.Port), n.transport)
			if err != nil && !errors.Is(err, errNoRecords) {
				return nil, err
			}
			out = append(out, hs...)
		}
	}
	if len(out) == 0 {
		// No usable SRV: the host's own addresses on the default port
		// (RFC 3263 4.2).
		return r.addrHops(ctx, host, defPort, orDefault(tp, "UDP"))
	}
	return out, nil
}

// literalHop is the hop of a URI whose host is an IP address: no DNS.
func literalHop(u *sipgo_sip.Uri) (hop, bool) {
	ip, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	if err != nil {
		return hop{}, false
	}
	tp := uriTransport(u)
	port := u.Port
	if port == 0 {
		port = defaultPort(tp)
	}
	return hop{Transport: tp, Addr: netip.AddrPortFrom(ip, uint16(port)).String()}, true
}

// defaultPort is the port of a URI without one (RFC 3261 19.1.2).
func defaultPort(transport string) int {
	if transport == "TLS" {
		return 5061
	}
	return 5060
}

// srvPrefix is the SRV service and protocol labels for a transport (RFC
// 3263 4.1): TLS is "_sips._tcp".
func srvPrefix(transport string) string {
	if transport == "TLS" {
		return "_sips._tcp."
	}
	return "_sip._" + strings.ToLower(transport) + "."
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (r *resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = true
	in, _, err := r.client.ExchangeContext(ctx, m, r.server)
	if err != nil {
		return nil, fmt.Errorf("dns %s %s: %w", dns.TypeToString[qtype], name, err)
	}
	switch in.Rcode {
	case dns.RcodeSuccess, dns.RcodeNameError:
	default:
		return nil, fmt.Errorf("dns %s %s: %s", dns.TypeToString[qtype], name, dns.RcodeToString[in.Rcode])
	}
	return in.Answer, nil
}

type naptr struct {
	*dns.NAPTR
	transport string
}

// naptr returns the usable NAPTR records of domain in order (RFC 3263
// 4.1): SIP+D2U, SIP+D2T and SIPS+D2T services with the "s" flag, for transports we
// have listeners for, by order then preference.
func (r *resolver) naptr(ctx context.Context, domain string) ([]naptr, error) {
	rrs, err := r.query(ctx, domain, dns.TypeNAPTR)
	if err != nil {
		return nil, err
	}
	var out []naptr
	for _, rr := range rrs {
		n, ok := rr.(*dns.NAPTR)
		if !ok || !strings.EqualFold(n.Flags, "s") {
			continue
		}
		var t string
		switch strings.ToUpper(n.Service) {
		case "SIP+D2U":
			t = "UDP"
		case "SIP+D2T":
			t = "TCP"
		case "SIPS+D2T":
			t = "TLS"
		default:
			continue
		}
		if r.has(t) {
			out = append(out, naptr{NAPTR: n, transport: t})
		}
	}
	slices.SortStableFunc(out, func(a, b naptr) int {
		if a.Order != b.Order {
			return int(a.Order) - int(b.Order)
		}
		return int(a.Preference) - int(b.Preference)
	})
	return out, nil
}

// srv returns the SRV records of name ordered per RFC 2782: ascending
// priority, and within one priority a weighted random order.
func (r *resolver) srv(ctx context.Context, name string) ([]*dns.SRV, error) {
	rrs, err := r.query(ctx, name, dns.TypeSRV)
	if err != nil {
		return nil, err
	}
	var recs []*dns.SRV
	for _, rr := range rrs {
		if s, ok := rr.(*dns.SRV); ok && s.Target != "." {
			recs = append(recs, s)
		}
	}
	return orderSRV(recs, rand.IntN), nil
}

// orderSRV sorts by priority and orders each priority's records by the
// weighted selection of RFC 2782: pick with probability proportional to
// weight (zero-weight records first in the list get a small chance),
// remove, repeat. intn is the random source.
func orderSRV(recs []*dns.SRV, intn func(int) int) []*dns.SRV {
	slices.SortStableFunc(recs, func(a, b *dns.SRV) int { return int(a.Priority) - int(b.Priority) })
	out := make([]*dns.SRV, 0, len(recs))
	for i := 0; i < len(recs); {
		j := i
		for j < len(recs) && recs[j].Priority == recs[i].Priority {
			j++
		}
		group := slices.Clone(recs[i:j])
		// Zero weights first, as RFC 2782 asks.
		slices.SortStableFunc(group, func(a, b *dns.SRV) int {
			if (a.Weight == 0) == (b.Weight == 0) {
				return 0
			}
			if a.Weight == 0 {
				return -1
			}
			return 1
		})
		for len(group) > 0 {
			total := 0
			for _, s := range group {
				total += int(s.Weight)
			}
			pick := 0
			if total > 0 {
				n := intn(total + 1)
				sum := 0
				for k, s := range group {
					sum += int(s.Weight)
					if sum >= n {
						pick = k
						break
					}
				}
			}
			out = append(out, group[pick])
			group = slices.Delete(group, pick, pick+1)
		}
		i = j
	}
	return out
}

// addrHops resolves host to addresses (A, and AAAA when we are on IPv6).
func (r *resolver) addrHops(ctx context.Context, host string, port int, transport string) ([]hop, error) {
	types := []uint16{dns.TypeA}
	if r.want6 {
		types = []uint16{dns.TypeAAAA, dns.TypeA}
	}
	var out []hop
	for _, qt := range types {
		rrs, err := r.query(ctx, host, qt)
		if err != nil {
			return nil, err
		}
		for _, rr := range rrs {
			var ip net.IP
			switch a := rr.(type) {
			case *dns.A:
				ip = a.A
			case *dns.AAAA:
				ip = a.AAAA
			default:
				continue
			}
			out = append(out, hop{Transport: transport, Addr: net.JoinHostPort(ip.String(), strconv.Itoa(port))})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("resolve %s: %w", host, errNoRecords)
	}
	return out, nil
}
