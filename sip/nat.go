package sip

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// defaultKeepalivePeriod is Account.KeepalivePeriod's default: short
// enough for the UDP bindings of common NATs (often 30-60 s).
const defaultKeepalivePeriod = 30 * time.Second

// parseNAT validates Config.PublicHost.
func (c *config) parseNAT() error {
	if c.PublicHost == "" {
		return nil
	}
	ip, err := netip.ParseAddr(c.PublicHost)
	if err != nil || ip.IsUnspecified() {
		return fmt.Errorf("sip: config: public host %q must be an IP address", c.PublicHost)
	}
	c.public = ip
	c.PublicHost = ip.String()
	return nil
}

// parseNAT validates the account's keepalive settings.
func (a *account) parseNAT() error {
	a.Keepalive = strings.ToLower(strings.TrimSpace(a.Keepalive))
	switch a.Keepalive {
	case "", "crlf", "options":
	default:
		return fmt.Errorf("sip: config: account %s: keepalive %q: want \"\", \"crlf\" or \"options\"", a.Name, a.Keepalive)
	}
	if a.KeepalivePeriod < 0 {
		return fmt.Errorf("sip: config: account %s: negative keepalive period", a.Name)
	}
	if a.KeepalivePeriod == 0 {
		a.KeepalivePeriod = defaultKeepalivePeriod
	}
	if a.Keepalive == "crlf" && a.Registrar == "" {
		return fmt.Errorf("sip: config: account %s: crlf keepalive needs a registrar (it runs on the registration's flow)", a.Name)
	}
	return nil
}

// advertised is the address we put in Contact and SDP: Config.PublicHost,
// else Config.Host.
func (u *UA) advertised() netip.Addr {
	if u.cfg.public.IsValid() {
		return u.cfg.public
	}
	return u.cfg.host
}

// learnedAddr is the public address the account's registrar saw our UDP
// requests come from (RFC 3581 received/rport), when it differs from what
// we advertise; invalid otherwise.
func (u *UA) learnedAddr(a *account) netip.AddrPort {
	if r := u.registrationOf(a); r != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.public
	}
	return netip.AddrPort{}
}

// accountContact is our Contact for account a: contactURI, with the
// address learnt from the registrar over UDP when we are behind NAT.
func (u *UA) accountContact(a *account, transport string, secure bool) sipgo_sip.ContactHeader {
	c := u.contactURI(a.User, transport, secure)
	if transport != "UDP" {
		return c
	}
	if l := u.learnedAddr(a); l.IsValid() {
		c.Address.Host = hostForURI(l.Addr())
		c.Address.Port = int(l.Port())
	}
	return c
}

func hostForURI(ip netip.Addr) string {
	if ip.Is6() && !ip.Is4In6() {
		return "[" + ip.String() + "]"
	}
	return ip.Unmap().String()
}

// mediaAddr is the address our SDP offers and answers carry for account a.
func (u *UA) mediaAddr(a *account) netip.Addr {
	if a != nil {
		if l := u.learnedAddr(a); l.IsValid() {
			return l.Addr()
		}
	}
	return u.advertised()
}

// symmetricRTP reports whether calls of account a use symmetric RTP
// (RFC 4961): configured, or we are behind NAT ourselves.
func (u *UA) symmetricRTP(a *account) bool {
	if a == nil {
		return false
	}
	return a.SymmetricRTP || u.cfg.public.IsValid() || u.learnedAddr(a).IsValid()
}

// learnPublic reads the received and rport parameters the registrar put in
// our Via (RFC 3581 4) and records them as RegStatus.PublicAddr. Over UDP,
// without Config.PublicHost, an address that differs from the Contact we
// registered means we are behind NAT: the address becomes the account's
// Contact (and SDP address) and learnPublic returns true so the binding is
// renewed with it at once, the old Contact removed in the same REGISTER.
func (r *registration) learnPublic(res *sipgo_sip.Response, transport string, sent *sipgo_sip.ContactHeader) bool {
	via := res.Via()
	if via == nil {
		return false
	}
	recv, hasRecv := via.Params.Get("received")
	rport, hasRport := via.Params.Get("rport")
	if !hasRecv && (!hasRport || rport == "") {
		return false
	}
	host := via.Host
	if hasRecv && recv != "" {
		host = recv
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		r.ua.log.Warn("sip: registrar's Via received is not an IP", "account", r.acc.Name, "received", truncate(host))
		return false
	}
	port := via.Port
	if n, err := strconv.Atoi(rport); err == nil && n > 0 && n < 65536 {
		port = n
	}
	if port <= 0 || port > 65535 {
		return false
	}
	addr := netip.AddrPortFrom(ip.Unmap(), uint16(port))
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status.PublicAddr != addr.String() {
		r.ua.log.Info("sip: registrar sees us at", "account", r.acc.Name, "addr", addr.String())
	}
	r.status.PublicAddr = addr.String()
	if transport != "UDP" || r.ua.cfg.public.IsValid() {
		return false
	}
	sentIP, err := netip.ParseAddr(strings.Trim(sent.Address.Host, "[]"))
	if err == nil && netip.AddrPortFrom(sentIP.Unmap(), uint16(sent.Address.Port)) == addr {
		return false
	}
	r.ua.log.Info("sip: behind NAT, registering the public address", "account", r.acc.Name, "contact", sent.Address.String(), "public", addr.String())
	stale := *sent.Clone()
	r.stale = &stale
	r.public = addr
	return true
}

// takeStale returns the Contact to remove in the next REGISTER (after
// the public address changed), once.
func (r *registration) takeStale() *sipgo_sip.ContactHeader {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stale
	r.stale = nil
	return s
}

// natKeeper sends RFC 5626 4.4.1 keepalives on an account's registration
// flow: CRLF over UDP, the CRLFCRLF ping over TCP and TLS.
type natKeeper struct {
	ua  *UA
	reg *registration
}

func newNATKeepers(u *UA) []*natKeeper {
	var out []*natKeeper
	for _, a := range u.cfg.accounts {
		if a.Keepalive != "crlf" {
			continue
		}
		if r := u.registrationOf(a); r != nil {
			out = append(out, &natKeeper{ua: u, reg: r})
		}
	}
	return out
}

func (k *natKeeper) run(ctx context.Context) {
	t := time.NewTicker(k.reg.acc.KeepalivePeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := k.ping(); err != nil {
			k.ua.log.Debug("sip: keepalive", "account", k.reg.acc.Name, "err", err)
		}
	}
}

func (k *natKeeper) ping() error {
	h, ok := k.reg.current()
	if !ok {
		return nil
	}
	tl := k.ua.ua.TransportLayer()
	switch h.Transport {
	case "UDP":
		local := k.ua.ListenAddr("udp")
		if local == nil {
			return fmt.Errorf("no udp listener")
		}
		conn, err := tl.GetConnection("udp", local.String())
		if err != nil {
			return err
		}
		defer conn.TryClose() // GetConnection took a reference
		w, ok := conn.(interface {
			WriteTo([]byte, net.Addr) (int, error)
		})
		if !ok {
			return fmt.Errorf("udp connection %T cannot write datagrams", conn)
		}
		dst, err := net.ResolveUDPAddr("udp", h.Addr)
		if err != nil {
			return err
		}
		_, err = w.WriteTo([]byte("\r\n"), dst)
		return err
	case "TCP", "TLS":
		conn, err := tl.GetConnection(strings.ToLower(h.Transport), h.Addr)
		if err != nil {
			return err
		}
		defer conn.TryClose() // GetConnection took a reference
		w, ok := conn.(io.Writer)
		if !ok {
			return fmt.Errorf("%s connection %T cannot write", h.Transport, conn)
		}
		_, err = w.Write([]byte("\r\n\r\n"))
		return err
	}
	return nil
}

// newAccountProbers are the OPTIONS keepalives of accounts with
// Keepalive "options", at their own period.
func newAccountProbers(u *UA) []*prober {
	var out []*prober
	for _, a := range u.cfg.accounts {
		if a.Keepalive != "options" {
			continue
		}
		for _, s := range []*sipgo_sip.Uri{a.registrar, a.proxy} {
			if s == nil || (s == a.proxy && a.proxyIsRegistrar) {
				continue
			}
			r := *s.Clone()
			r.User = ""
			out = append(out, &prober{ua: u, uri: &r, every: a.KeepalivePeriod, status: ServerStatus{URI: r.String(), Accounts: []string{a.Name}}})
		}
	}
	return out
}
