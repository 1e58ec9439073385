package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strings"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"

	"tipring/sip/guard"
)

// nonceTTL is how long a nonce of ours is good for; a request with an
// older one that otherwise verifies is challenged again with stale=true
// (RFC 2617 3.2.1) and does not count as a failure.
const nonceTTL = 5 * time.Minute

// authServer challenges and verifies digest credentials on requests we
// receive (RFC 3261 22.4 with RFC 2617 qop=auth, RFC 8760 SHA-256). Its
// nonces carry their creation time and an HMAC under a key drawn at
// start, so they need no table: any nonce that verifies is ours, and its
// age is in it.
type authServer struct {
	realm string
	key   [32]byte
	ttl   time.Duration
	now   func() time.Time
}

func newAuthServer(realm string) *authServer {
	a := &authServer{realm: realm, ttl: nonceTTL, now: time.Now}
	_, _ = rand.Read(a.key[:])
	return a
}

// nonce is hex(8-byte Unix nanoseconds | 8 random bytes | 16-byte HMAC).
func (a *authServer) nonce() string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[:8], uint64(a.now().UnixNano()))
	_, _ = rand.Read(b[8:16])
	copy(b[16:], a.mac(b[:16]))
	return hex.EncodeToString(b[:])
}

func (a *authServer) mac(b []byte) []byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write(b)
	return m.Sum(nil)[:16]
}

// checkNonce reports whether n is a nonce of ours and whether it is fresh.
func (a *authServer) checkNonce(n string) (ours, fresh bool) {
	b, err := hex.DecodeString(n)
	if err != nil || len(b) != 32 || !hmac.Equal(b[16:], a.mac(b[:16])) {
		return false, false
	}
	age := a.now().Sub(time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))))
	return true, age >= -time.Second && age <= a.ttl
}

// challenge is a 401's WWW-Authenticate headers: MD5 and SHA-256 (RFC
// 8760 2.4), both with qop="auth". MD5 comes first: the installed base of
// carrier equipment, and most tools, answer only the topmost challenge and
// know only MD5; a client that prefers SHA-256 finds it in the second.
func (a *authServer) challenge(stale bool) []sipgo_sip.Header {
	n := a.nonce()
	var out []sipgo_sip.Header
	for _, alg := range []string{"MD5", "SHA-256"} {
		v := `Digest realm="` + a.realm + `", nonce="` + n + `", algorithm=` + alg + `, qop="auth"`
		if stale {
			v += ", stale=true"
		}
		out = append(out, sipgo_sip.NewHeader("WWW-Authenticate", v))
	}
	return out
}

// digestCreds are the fields of an Authorization header we use.
type digestCreds struct {
	username, realm, nonce, uri, response, algorithm, qop, nc, cnonce string
}

// parseDigestCreds reads `Digest username="...", ...` (RFC 2617 3.2.2);
// ok is false when it is no Digest credentials or lacks a field.
func parseDigestCreds(v string) (c digestCreds, ok bool) {
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "digest ") {
		return c, false
	}
	v = v[7:]
	for len(v) > 0 {
		v = strings.TrimLeft(v, " \t,")
		k, rest, found := strings.Cut(v, "=")
		if !found {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		var val string
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return c, false
			}
			val, v = rest[1:1+end], rest[2+end:]
		} else {
			val, v, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		switch k {
		case "username":
			c.username = val
		case "realm":
			c.realm = val
		case "nonce":
			c.nonce = val
		case "uri":
			c.uri = val
		case "response":
			c.response = strings.ToLower(val)
		case "algorithm":
			c.algorithm = val
		case "qop":
			c.qop = val
		case "nc":
			c.nc = val
		case "cnonce":
			c.cnonce = val
		}
	}
	return c, c.username != "" && c.nonce != "" && c.uri != "" && c.response != ""
}

// verify computes the response for password and compares it in constant
// time. It does the same work whether or not password is the right one.
func (a *authServer) verify(method string, c digestCreds, password string) bool {
	var h func() hash.Hash
	switch strings.ToUpper(c.algorithm) {
	case "", "MD5":
		h = md5.New
	case "SHA-256":
		h = sha256.New
	default:
		return false
	}
	hx := func(parts ...string) string {
		w := h()
		w.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(w.Sum(nil))
	}
	ha1 := hx(c.username, a.realm, password)
	ha2 := hx(method, c.uri)
	var want string
	switch c.qop {
	case "auth":
		want = hx(ha1, c.nonce, c.nc, c.cnonce, "auth", ha2)
	case "":
		want = hx(ha1, c.nonce, ha2)
	default:
		return false
	}
	ok := subtle.ConstantTimeCompare([]byte(want), []byte(c.response)) == 1
	return ok && c.realm == a.realm
}

// decoy is the stand-in password for a user we do not have, so that the
// digest is computed as for a known one (no timing difference).
func (a *authServer) decoy(user string) string {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte("decoy\x00"))
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// authenticateInvite checks an INVITE's credentials against the inbound
// credentials of the trunks in cands. It returns the trunk they verify
// for; otherwise it has answered 401 with a fresh challenge, the same
// whether the user is unknown or the password wrong, and counted the
// failure against the source (guard.Challenge).
func (u *UA) authenticateInvite(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction, cands []*account) *account {
	var creds digestCreds
	present, parsed := false, false
	if h := req.GetHeader("Authorization"); h != nil {
		present = true
		creds, parsed = parseDigestCreds(h.Value())
	}
	var match *account
	for _, t := range cands {
		if subtle.ConstantTimeCompare([]byte(t.InboundUser), []byte(creds.username)) == 1 && match == nil {
			match = t
		}
	}
	password := u.auth.decoy(creds.username)
	if match != nil {
		password = match.InboundPassword
	}
	valid := parsed && u.auth.verify(req.Method.String(), creds, password)
	ours, fresh := u.auth.checkNonce(creds.nonce)
	if valid && match != nil && ours && !fresh {
		// RFC 2617 3.2.1: right credentials, old nonce.
		u.respond(req, tx, 401, "Unauthorized", u.auth.challenge(true)...)
		return nil
	}
	valid = valid && ours
	v := guard.Challenge(present, match != nil, valid)
	if src, ok := sourceOf(req); ok && u.cfg.Guard != nil {
		switch {
		case v.Failure:
			u.cfg.Guard.Failure(src.Addr(), v.Kind)
		case v.Admit:
			u.cfg.Guard.Success(src.Addr())
		}
	}
	if v.Admit {
		return match
	}
	if v.Failure {
		u.log.Info("sip: INVITE failed authentication", "source", req.Source(), "kind", v.Kind.String())
	}
	u.respond(req, tx, v.Code, v.Reason, u.auth.challenge(false)...)
	return nil
}
