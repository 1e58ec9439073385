package guard

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
)

// Verdict is the answer to a request that needs digest authentication.
type Verdict struct {
	Decision
	// Failure says the request counts against its source, as Kind.
	Failure bool
	Kind    FailureKind
}

// Challenge decides the answer to a request that needs digest
// authentication (RFC 3261 §22.1, §22.4), given whether it carried
// credentials, whether the user they name exists, and whether they verified.
//
// The rule against user enumeration: whatever is wrong, the answer is the
// same 401 Unauthorized with a fresh challenge for the same realm, so an
// unknown user and a wrong password look alike. A request without
// credentials is challenged too but is no failure, since every client
// starts that way. Valid credentials for an unknown user (a decoy match,
// see Decoy) are rejected like any other.
//
// Equal answers are not enough: the answer must also take the same time.
// The handler therefore computes and compares the digest for every request
// with credentials, using Decoy(realm, user) as the password when the user
// is unknown, compares with crypto/subtle.ConstantTimeCompare, and only
// then calls Challenge.
func Challenge(present, userKnown, valid bool) Verdict {
	switch {
	case present && userKnown && valid:
		return Verdict{Decision: Decision{Admit: true}}
	case !present:
		return Verdict{Decision: unauthorized}
	case !userKnown:
		return Verdict{Decision: unauthorized, Failure: true, Kind: UnknownUser}
	}
	return Verdict{Decision: unauthorized, Failure: true, Kind: AuthFailed}
}

var unauthorized = Decision{Code: 401, Reason: "Unauthorized"}

// Authenticate is Challenge plus bookkeeping: a failure is recorded against
// src, a success resets its failure count.
func (g *Guard) Authenticate(src netip.Addr, present, userKnown, valid bool) Decision {
	v := Challenge(present, userKnown, valid)
	switch {
	case v.Failure:
		g.Failure(src, v.Kind)
	case v.Admit:
		g.Success(src)
	}
	return v.Decision
}

// Decoy returns a stand-in password for a user that does not exist, so the
// digest for an unknown user is computed exactly as for a known one. It is
// a keyed hash with a key drawn when the guard is made: stable for a user
// while the process runs, unguessable from outside.
func (g *Guard) Decoy(realm, user string) string {
	m := hmac.New(sha256.New, g.decoyKey[:])
	m.Write([]byte(realm))
	m.Write([]byte{0})
	m.Write([]byte(user))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func newDecoyKey() (k [32]byte) {
	_, _ = rand.Read(k[:]) // crypto/rand.Read never fails (Go 1.24+)
	return k
}
