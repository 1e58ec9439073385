package config

import (
	"errors"
	"testing"
)

func TestSecuritySectionErrorsNameLineAndField(t *testing.T) {
	src := "security:\n  failure_limit: -1\n  allow: [\"10.0.0.0/8\", \"nope\"]\n  blocked_reply: maybe\n  rates:\n    invite: {per_second: -2, burst: 3}\naccounts:\n  - name: a\n    user: \"2001\"\n    srtp: always\n"
	_, err := Parse([]byte(src), "t.yaml")
	var el *ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("err %v", err)
	}
	want := map[string]int{
		"security.failure_limit": 2, "security.allow[1]": 3, "security.blocked_reply": 4,
		"security.rates.invite.per_second": 6, "accounts[0].srtp": 10,
	}
	for _, e := range el.Errors {
		if l, ok := want[e.Field]; ok {
			if e.Line != l {
				t.Errorf("%s at line %d, want %d", e.Field, e.Line, l)
			}
			delete(want, e.Field)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing errors for %v in %v", want, err)
	}
}
