package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// TLSConfig configures the TLS transport (RFC 3261 26.2, RFC 5630).
type TLSConfig struct {
	// CertFile and KeyFile hold our certificate chain and private key
	// (PEM), presented by the TLS listener and, when a server asks, as our
	// client certificate. Required for a "tls:" listener. A certificate
	// used both ways needs the serverAuth and clientAuth extended key
	// usages (or none).
	CertFile, KeyFile string
	// CAFile holds the CA certificates (PEM) that peers' certificates must
	// chain to; empty means the system roots.
	CAFile string
	// VerifyClient makes the listener require a client certificate that
	// chains to CAFile (which must then be set).
	VerifyClient bool
	// InsecureSkipVerify accepts any server certificate. For lab use only;
	// the UA logs a warning when it is set.
	InsecureSkipVerify bool
	// MinVersion is the lowest TLS version accepted: "1.2" (default) or
	// "1.3".
	MinVersion string
}

// tlsState is the loaded form of TLSConfig.
type tlsState struct {
	server *tls.Config // for the listener; nil without a certificate
	client *tls.Config // for connections we open; ServerName set per dial

	// feed hands connections we dialled to sipgo's TLS transport, which
	// then reads them and keeps them in its pool (see ensureTLS).
	feed *feedListener

	mu      sync.Mutex
	dialing map[string]*dialResult // by ip:port, while a dial is in flight
}

type dialResult struct {
	done chan struct{}
	err  error
}

// loadTLS reads and checks the certificates of c; nil c gives a client-only
// configuration verifying against the system roots.
func loadTLS(c *TLSConfig, log *slog.Logger) (*tlsState, error) {
	if c == nil {
		c = &TLSConfig{}
	}
	minVer := uint16(tls.VersionTLS12)
	switch c.MinVersion {
	case "", "1.2":
	case "1.3":
		minVer = tls.VersionTLS13
	default:
		return nil, fmt.Errorf("sip: config: tls: min version %q: want 1.2 or 1.3", c.MinVersion)
	}
	st := &tlsState{dialing: map[string]*dialResult{}}
	var roots *x509.CertPool
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sip: config: tls: ca: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("sip: config: tls: ca %s: no PEM certificate found", c.CAFile)
		}
	}
	var certs []tls.Certificate
	switch {
	case c.CertFile != "" && c.KeyFile != "":
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("sip: config: tls: certificate %s, key %s: %w", c.CertFile, c.KeyFile, err)
		}
		if cert.Leaf != nil && time.Now().After(cert.Leaf.NotAfter) {
			return nil, fmt.Errorf("sip: config: tls: certificate %s expired on %s", c.CertFile, cert.Leaf.NotAfter.UTC().Format(time.DateOnly))
		}
		certs = []tls.Certificate{cert}
	case c.CertFile != "" || c.KeyFile != "":
		return nil, errors.New("sip: config: tls: certificate and key must be given together")
	}
	if c.VerifyClient && roots == nil {
		return nil, errors.New("sip: config: tls: verify client needs a CA file")
	}
	if c.InsecureSkipVerify {
		log.Warn("sip: TLS server certificates are NOT verified (insecure_skip_verify); lab use only")
	}
	st.client = &tls.Config{
		MinVersion:         minVer,
		RootCAs:            roots,
		Certificates:       certs,
		InsecureSkipVerify: c.InsecureSkipVerify, //nolint:gosec // explicit lab setting, logged above
	}
	if len(certs) > 0 {
		st.server = &tls.Config{MinVersion: minVer, Certificates: certs}
		if c.VerifyClient {
			st.server.ClientAuth = tls.RequireAndVerifyClientCert
			st.server.ClientCAs = roots
		}
	}
	return st, nil
}

// uriServerName is the name a server's certificate must carry: the host of
// the URI we were asked to reach (RFC 5922 4, RFC 3261 26.2.2), without
// IPv6 brackets.
func uriServerName(u *sipgo_sip.Uri) string { return strings.Trim(u.Host, "[]") }

// ensureTLS makes sure sipgo's TLS pool holds a connection to addr (ip:port)
// whose server certificate was verified for serverName. sipgo would dial
// on its own with the IP as server name, losing the name of the URI once
// we have resolved it (RFC 3263), so we dial and verify here and hand the
// connection over; sipgo finds it by address and reuses it (RFC 3261
// 18.1.1). A failed handshake is returned, so a bad certificate surfaces as
// the request's error.
func (u *UA) ensureTLS(ctx context.Context, addr, serverName string) error {
	st := u.tls
	if st == nil || st.feed == nil {
		return errors.New("no TLS listener")
	}
	if u.hasConn("tls", addr) {
		return nil
	}
	st.mu.Lock()
	if d := st.dialing[addr]; d != nil {
		st.mu.Unlock()
		select {
		case <-d.done:
			return d.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	d := &dialResult{done: make(chan struct{})}
	st.dialing[addr] = d
	st.mu.Unlock()

	d.err = u.dialTLS(ctx, addr, serverName)
	st.mu.Lock()
	delete(st.dialing, addr)
	st.mu.Unlock()
	close(d.done)
	return d.err
}

// secureNextHop resolves next (the Route or Request-URI) unless dest is
// already known, points req at its first hop and makes sure a verified
// TLS connection to it exists.
func (u *UA) secureNextHop(ctx context.Context, req *sipgo_sip.Request, next *sipgo_sip.Uri, dest string) error {
	if dest == "" {
		hops, err := u.resolveURI(ctx, next)
		if err != nil {
			return err
		}
		if len(hops) == 0 {
			return fmt.Errorf("resolve %s: no address", next.Host)
		}
		dest = hops[0].Addr
		req.SetDestination(dest)
	}
	tctx, cancel := context.WithTimeout(ctx, u.cfg.hopTimeout)
	defer cancel()
	return u.ensureTLS(tctx, dest, uriServerName(next))
}

func (u *UA) dialTLS(ctx context.Context, addr, serverName string) error {
	cfg := u.tls.client.Clone()
	cfg.ServerName = serverName
	var dl net.Dialer
	raw, err := dl.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("tls %s: %w", addr, err)
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return fmt.Errorf("tls %s (%s): %w", addr, serverName, err)
	}
	if err := u.tls.feed.give(ctx, conn); err != nil {
		_ = conn.Close()
		return fmt.Errorf("tls %s: %w", addr, err)
	}
	// The transport registers the connection in its pool right after
	// accepting it.
	if u.awaitConn(ctx, "tls", addr) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("tls %s: connection not taken up by the transport", addr)
}

// feedListener is a net.Listener whose Accept returns connections we
// dialled ourselves, so that sipgo's TLS transport serves them like
// accepted ones.
type feedListener struct {
	addr   net.Addr
	ch     chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newFeedListener(addr net.Addr) *feedListener {
	return &feedListener{addr: addr, ch: make(chan net.Conn), closed: make(chan struct{})}
}

func (f *feedListener) give(ctx context.Context, c net.Conn) error {
	select {
	case f.ch <- c:
		return nil
	case <-f.closed:
		return net.ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *feedListener) Accept() (net.Conn, error) {
	select {
	case c := <-f.ch:
		return c, nil
	case <-f.closed:
		return nil, net.ErrClosed
	}
}

func (f *feedListener) Close() error {
	f.once.Do(func() { close(f.closed) })
	return nil
}

func (f *feedListener) Addr() net.Addr { return f.addr }
