package sip

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM of cert
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	ca := &testCA{cert: cert, key: key, file: filepath.Join(t.TempDir(), name+"-ca.pem")}
	writePEM(t, ca.file, "CERTIFICATE", der)
	return ca
}

// issue makes a leaf certificate for 127.0.0.1 (IP SAN) usable as server
// and client; it returns the certificate and key file names.
func (ca *testCA) issue(t *testing.T, cn string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{cn},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, cn+".pem"), filepath.Join(dir, cn+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	return certFile, keyFile
}

func writePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// tlsRegistrar is the digest registrar of register_test.go behind a TLS
// listener that requires a client certificate from ca, recording the
// subjects of the certificates presented and the REGISTERs' Via transport.
type tlsRegistrar struct {
	*registrar
	mu         sync.Mutex
	clientCNs  []string
	vias       []string
	handshakes int
}

func newTLSRegistrar(t *testing.T, ca *testCA) *tlsRegistrar {
	t.Helper()
	r := &tlsRegistrar{registrar: newRegistrar(t, "tls", 3600)}
	certFile, keyFile := ca.issue(t, "registrar.test")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	conf := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.handshakes++
			if len(cs.PeerCertificates) > 0 {
				r.clientCNs = append(r.clientCNs, cs.PeerCertificates[0].Subject.CommonName)
			}
			return nil
		},
	}
	r.srv.OnRegister(func(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
		if v := req.Via(); v != nil {
			r.mu.Lock()
			r.vias = append(r.vias, v.Transport)
			r.mu.Unlock()
		}
		r.onRegister(req, tx)
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.port = ln.Addr().(*net.TCPAddr).Port
	go func() { _ = r.srv.ServeTLS(ln) }()
	t.Cleanup(func() { _ = ln.Close() })
	return r
}

func (r *tlsRegistrar) snapshot() (cns, vias []string, handshakes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.clientCNs...), append([]string(nil), r.vias...), r.handshakes
}

func tlsAccountConfig(ca *testCA, certFile, keyFile, registrar string) Config {
	return Config{
		Listen: []string{"tls:127.0.0.1:0"},
		TLS:    &TLSConfig{CertFile: certFile, KeyFile: keyFile, CAFile: ca.file},
		Accounts: []Account{{
			Name: "fxs1", User: "2001", Password: "secret", Registrar: registrar, Expires: time.Hour,
		}},
	}
}

// TestRFC5630RegisterTLS registers with digest authentication over TLS to
// a sips: registrar that requires a client certificate: the registrar's
// certificate is verified for 127.0.0.1 against our CA, ours is presented,
// the Via says TLS and the Contact is a sips URI on our TLS listener
// (RFC 3261 8.1.1.8, RFC 5630 3.1.3).
func TestRFC5630RegisterTLS(t *testing.T) {
	ca := newTestCA(t, "lab")
	r := newTLSRegistrar(t, ca)
	cert, key := ca.issue(t, "gateway.test")
	u, _ := startUA(t, tlsAccountConfig(ca, cert, key, "sips:"+r.addr), newRecorder(nil))
	rec := r.nextAuthed(t)
	st := waitRegistered(t, u, true)
	if st.LastCode != 200 || !strings.HasPrefix(st.Addr, "tls:") {
		t.Errorf("status %+v", st)
	}
	port := u.ListenAddr("tls").(*net.TCPAddr).Port
	if want := fmt.Sprintf("sips:2001@127.0.0.1:%d", port); rec.contact != want {
		t.Errorf("contact %q, want %q", rec.contact, want)
	}
	cns, vias, _ := r.snapshot()
	if len(cns) == 0 || cns[0] != "gateway.test" {
		t.Errorf("client certificates presented: %q", cns)
	}
	for _, v := range vias {
		if v != "TLS" {
			t.Errorf("Via transport %q, want TLS", v)
		}
	}
	if len(vias) < 2 {
		t.Errorf("REGISTERs seen %d, want challenge and answer", len(vias))
	}
}

// TestRegisterTransportTLSParam uses the deprecated sip:...;transport=tls
// form: TLS again, and the Contact keeps ;transport=tls.
func TestRegisterTransportTLSParam(t *testing.T) {
	ca := newTestCA(t, "lab")
	r := newTLSRegistrar(t, ca)
	cert, key := ca.issue(t, "gateway.test")
	u, _ := startUA(t, tlsAccountConfig(ca, cert, key, "sip:"+r.addr+";transport=tls"), newRecorder(nil))
	rec := r.nextAuthed(t)
	waitRegistered(t, u, true)
	port := u.ListenAddr("tls").(*net.TCPAddr).Port
	if want := fmt.Sprintf("sip:2001@127.0.0.1:%d;transport=tls", port); rec.contact != want {
		t.Errorf("contact %q, want %q", rec.contact, want)
	}
}

// TestTLSHandshakeRefused: when the TLS handshake with the registrar
// fails, no REGISTER is ever sent and the registration reports the error:
//   - wrong CA: the registrar's certificate does not chain to our CA (RFC
//     3261 26.3.1: the server must be authenticated), a certificate error;
//   - client rejected: our certificate chains to a CA the registrar, which
//     requires one, does not trust.
func TestTLSHandshakeRefused(t *testing.T) {
	for _, tc := range []struct {
		name      string
		trustCA   bool   // we trust the registrar's CA
		wantError string // in LastError
	}{
		{"wrong CA", false, "certificate"},
		{"client rejected", true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ca := newTestCA(t, "lab")
			other := newTestCA(t, "other")
			r := newTLSRegistrar(t, ca)
			cert, key := other.issue(t, "gateway.test")
			trust := other
			if tc.trustCA {
				trust = ca
			}
			u, _ := startUA(t, tlsAccountConfig(trust, cert, key, "sips:"+r.addr), newRecorder(nil))
			st := waitRegError(t, u)
			if st.Registered || !strings.Contains(st.LastError, tc.wantError) {
				t.Errorf("status %+v, want an error containing %q", st, tc.wantError)
			}
			if _, vias, hs := r.snapshot(); len(vias) != 0 || hs != 0 {
				t.Errorf("registrar got %d REGISTERs and %d completed handshakes", len(vias), hs)
			}
		})
	}
}

func waitRegError(t *testing.T, u *UA) RegStatus {
	t.Helper()
	return poll(t, "a registration error", func() RegStatus { return u.Registrations()[0] },
		func(st RegStatus) bool { return st.LastError != "" })
}

// TestTLSCallBothWays: two UAs with TLS listeners that require client
// certificates call each other with sips URIs; each call is answered,
// audio is measured both ways and the BYE crosses back over TLS.
func TestTLSCallBothWays(t *testing.T) {
	ca := newTestCA(t, "lab")
	mk := func(cn, name, user string) (*UA, *recorder) {
		cert, key := ca.issue(t, cn)
		rec := newRecorder(func(c *Call) { _ = c.Answer() })
		u, _ := startUA(t, Config{
			Listen:   []string{"tls:127.0.0.1:0"},
			TLS:      &TLSConfig{CertFile: cert, KeyFile: key, CAFile: ca.file, VerifyClient: true, MinVersion: "1.3"},
			Accounts: []Account{{Name: name, User: user}},
		}, rec)
		return u, rec
	}
	a, recA := mk("a.test", "fxs1", "2001")
	b, recB := mk("b.test", "fxs2", "3001")
	call := func(from *UA, fromAcc string, to *UA, toRec *recorder, user string) {
		t.Helper()
		target := fmt.Sprintf("sips:%s@%s", user, to.ListenAddr("tls"))
		c, err := from.Dial(context.Background(), fromAcc, target)
		if err != nil {
			t.Fatal(err)
		}
		in := recv(t, toRec.calls, "incoming call")
		waitEvent(t, c, EventAnswered)
		waitEvent(t, in, EventAnswered)
		if tr := in.transport(); tr != "TLS" {
			t.Errorf("incoming call over %s", tr)
		}
		talkThenCalleeHangsUp(t, c, in)
	}
	call(a, "fxs1", b, recB, "3001")
	call(b, "fxs2", a, recA, "2001")
}

func TestTLSConfigValidation(t *testing.T) {
	ca := newTestCA(t, "lab")
	cert, key := ca.issue(t, "gateway.test")
	h := newRecorder(nil)
	tlsL := []string{"tls:127.0.0.1:0"}
	for name, cfg := range map[string]Config{
		"tls listener without certificate": {Listen: tlsL},
		"certificate without key":          {Listen: tlsL, TLS: &TLSConfig{CertFile: cert}},
		"key is not a key":                 {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: cert}},
		"missing CA file":                  {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key, CAFile: "/nonexistent/ca.pem"}},
		"CA file without certificates":     {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key, CAFile: key}},
		"verify client without CA":         {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key, VerifyClient: true}},
		"TLS 1.1":                          {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key, MinVersion: "1.1"}},
		"sips registrar without tls":       {Listen: []string{"udp:127.0.0.1:0"}, Accounts: []Account{{Name: "a", User: "1", Registrar: "sips:127.0.0.1"}}},
		"sips over udp":                    {Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key}, Accounts: []Account{{Name: "a", User: "1", Registrar: "sips:127.0.0.1;transport=udp"}}},
		"two tls listeners":                {Listen: []string{"tls:127.0.0.1:0", "tls:127.0.0.1:0"}, TLS: &TLSConfig{CertFile: cert, KeyFile: key}},
	} {
		if _, err := New(cfg, h); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New(Config{Listen: tlsL, TLS: &TLSConfig{CertFile: cert, KeyFile: key, CAFile: ca.file, VerifyClient: true, MinVersion: "1.3"},
		Accounts: []Account{{Name: "a", User: "1", Registrar: "sips:registrar.test"}}}, h); err != nil {
		t.Errorf("valid TLS config: %v", err)
	}
}

func TestURITransport(t *testing.T) {
	for in, want := range map[string]string{
		"sip:a@h":                "UDP",
		"sip:a@h;transport=tcp":  "TCP",
		"sip:a@h;transport=tls":  "TLS",
		"sip:a@h;transport=TLS":  "TLS",
		"sips:a@h":               "TLS",
		"sips:a@h;transport=tcp": "TLS",
		"sips:a@h;transport=udp": "UDP",
	} {
		var u sipgo_sip.Uri
		if err := sipgo_sip.ParseUri(in, &u); err != nil {
			t.Fatal(err)
		}
		if got := uriTransport(&u); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}

// TestRFC3263TLSDefaults: a sips URI with an IP and no port goes to 5061
// over TLS; the SRV name for TLS is _sips._tcp.
func TestRFC3263TLSDefaults(t *testing.T) {
	var u sipgo_sip.Uri
	if err := sipgo_sip.ParseUri("sips:127.0.0.1", &u); err != nil {
		t.Fatal(err)
	}
	hops, err := (&resolver{}).resolve(context.Background(), &u)
	if err != nil || len(hops) != 1 || hops[0] != (hop{Transport: "TLS", Addr: "127.0.0.1:5061"}) {
		t.Errorf("hops %v err %v", hops, err)
	}
	if p := srvPrefix("TLS"); p != "_sips._tcp." {
		t.Errorf("SRV prefix %q", p)
	}
}
