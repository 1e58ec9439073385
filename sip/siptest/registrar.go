// Package siptest provides SIP test fixtures for the packages above sip:
// a registrar with digest authentication built on sipgo, listening on
// loopback, and Pump, which clocks a peer's media session in real time.
package siptest

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipgo_sip "github.com/emiago/sipgo/sip"
)

// Registrar is a SIP registrar (RFC 3261 §10) on 127.0.0.1 over UDP that
// challenges every REGISTER with an MD5 digest (RFC 2617, qop=auth) and keeps
// the bindings of the users it knows.
type Registrar struct {
	Addr  string // ip:port
	Port  int
	Realm string

	users map[string]string
	grant int // seconds granted at most

	mu       sync.Mutex
	nonces   map[string]bool
	bindings map[string]string // user → contact URI
	expires  map[string]time.Time
	accepted map[string]int
	rejected int
}

// NewRegistrar starts a registrar for users (name → password) that grants
// at most grant seconds; it stops when the test ends.
func NewRegistrar(t testing.TB, users map[string]string, grant int) *Registrar {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("test-registrar"), sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransactionLayerOptions(sipgo_sip.WithTransactionLayerLogger(log)),
		sipgo.WithUserAgentTransportLayerOptions(sipgo_sip.WithTransportLayerLogger(log)))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Registrar{
		Addr: conn.LocalAddr().String(), Port: conn.LocalAddr().(*net.UDPAddr).Port,
		Realm: "tipring.test", users: users, grant: grant,
		nonces: map[string]bool{}, bindings: map[string]string{},
		expires: map[string]time.Time{}, accepted: map[string]int{},
	}
	srv.OnRegister(r.onRegister)
	go srv.ServeUDP(conn)
	t.Cleanup(func() {
		conn.Close()
		ua.Close()
	})
	return r
}

// URI is the registrar's SIP URI.
func (r *Registrar) URI() string { return "sip:" + r.Addr }

// Contact returns the current binding of user.
func (r *Registrar) Contact(user string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.bindings[user]
	if ok && time.Now().After(r.expires[user]) {
		return "", false
	}
	return c, ok
}

// Accepted is how many authenticated REGISTERs user sent.
func (r *Registrar) Accepted(user string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.accepted[user]
}

// Rejected is how many REGISTERs carried credentials that failed.
func (r *Registrar) Rejected() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rejected
}

func (r *Registrar) onRegister(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	user := req.To().Address.User
	cred := req.GetHeader("Authorization")
	r.mu.Lock()
	defer r.mu.Unlock()
	ok := false
	if cred != nil {
		p := DigestParams(cred.Value())
		pass, known := r.users[p["username"]]
		ok = known && p["username"] == user && r.nonces[p["nonce"]] &&
			DigestOK(req.Method.String(), p["username"], r.Realm, pass, cred.Value())
		if !ok {
			r.rejected++
		}
	}
	if !ok {
		var b [12]byte
		rand.Read(b[:])
		nonce := hex.EncodeToString(b[:])
		r.nonces[nonce] = true
		res := sipgo_sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sipgo_sip.NewHeader("WWW-Authenticate",
			`Digest realm="`+r.Realm+`", nonce="`+nonce+`", algorithm=MD5, qop="auth"`))
		tx.Respond(res)
		return
	}
	expires := r.grant
	if h := req.GetHeader("Expires"); h != nil {
		if v, err := strconv.Atoi(h.Value()); err == nil && v < expires {
			expires = v
		}
	}
	c := req.Contact()
	if c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n < expires {
				expires = n
			}
		}
	}
	res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
	if expires == 0 {
		delete(r.bindings, user)
	} else if c != nil {
		r.bindings[user] = c.Address.String()
		r.expires[user] = time.Now().Add(time.Duration(expires) * time.Second)
		r.accepted[user]++
		bound := c.Clone()
		bound.Params = sipgo_sip.NewParams()
		bound.Params.Add("expires", strconv.Itoa(expires))
		res.AppendHeader(bound)
	}
	res.AppendHeader(sipgo_sip.NewHeader("Expires", strconv.Itoa(expires)))
	tx.Respond(res)
}

// DigestParams splits a Digest challenge or credentials value into fields.
func DigestParams(v string) map[string]string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "digest ") {
		v = v[7:]
	}
	out := map[string]string{}
	for len(v) > 0 {
		v = strings.TrimLeft(v, " ,")
		k, rest, ok := strings.Cut(v, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				break
			}
			val, v = rest[1:1+end], rest[2+end:]
		} else {
			val, v, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		out[k] = val
	}
	return out
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// DigestOK checks MD5 digest credentials (RFC 2617 §3.2.2, qop=auth or none).
func DigestOK(method, user, realm, pass, cred string) bool {
	p := DigestParams(cred)
	if p["username"] != user || p["realm"] != realm {
		return false
	}
	ha1 := md5hex(user + ":" + realm + ":" + pass)
	ha2 := md5hex(method + ":" + p["uri"])
	want := md5hex(ha1 + ":" + p["nonce"] + ":" + ha2)
	if p["qop"] == "auth" {
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	}
	return p["response"] == want
}
