package guard

import (
	"net/netip"
	"testing"
)

// TestChallengeNoUserEnumeration checks the rule: an unknown user and a wrong
// password get the identical answer, a missing Authorization a challenge
// without a failure, and only valid credentials of a known user pass.
func TestChallengeNoUserEnumeration(t *testing.T) {
	for _, tc := range []struct {
		present, known, valid bool
		admit, failure        bool
		kind                  FailureKind
	}{
		{false, false, false, false, false, 0},
		{false, true, false, false, false, 0},
		{true, false, false, false, true, UnknownUser},
		{true, false, true, false, true, UnknownUser}, // decoy matched
		{true, true, false, false, true, AuthFailed},
		{true, true, true, true, false, 0},
	} {
		v := Challenge(tc.present, tc.known, tc.valid)
		if v.Admit != tc.admit || v.Failure != tc.failure || (tc.failure && v.Kind != tc.kind) {
			t.Errorf("Challenge(%v, %v, %v) = %+v", tc.present, tc.known, tc.valid, v)
		}
		if !v.Admit && (v.Code != 401 || v.Reason != "Unauthorized" || v.Silent) {
			t.Errorf("Challenge(%v, %v, %v) answers %d %s", tc.present, tc.known, tc.valid, v.Code, v.Reason)
		}
	}
	if Challenge(true, false, false).Decision != Challenge(true, true, false).Decision {
		t.Error("unknown user and wrong password are told apart")
	}
}

func TestAuthenticateBlocksGuessing(t *testing.T) {
	g := mustNew(t, Config{FailureLimit: 3})
	src := netip.MustParseAddr("127.0.0.9")
	for range 10 {
		if d := g.Authenticate(src, false, false, false); d.Code != 401 {
			t.Fatalf("no credentials: %+v", d)
		}
	}
	if !admitted(g, src) {
		t.Fatal("requests without credentials counted as failures")
	}
	g.Authenticate(src, true, true, false)
	g.Authenticate(src, true, false, false)
	g.Authenticate(src, true, false, false)
	if admitted(g, src) {
		t.Fatal("not blocked after three bad credentials")
	}
}

func TestDecoy(t *testing.T) {
	g1, g2 := mustNew(t, Config{}), mustNew(t, Config{})
	a := g1.Decoy("tipring", "alice")
	if a != g1.Decoy("tipring", "alice") {
		t.Fatal("decoy not stable")
	}
	if a == g1.Decoy("tipring", "bob") || a == g1.Decoy("tipringx", "alice") || a == g2.Decoy("tipring", "alice") {
		t.Fatal("decoy does not depend on realm, user and key")
	}
	if len(a) != 32 {
		t.Fatalf("decoy %q", a)
	}
}
