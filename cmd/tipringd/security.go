package main

import (
	"fmt"

	"tipring/mgmt/config"
	"tipring/sip/guard"
)

// newGuard builds the SIP guard from the security section; nil when the
// section says off.
func newGuard(s config.Security) (*guard.Guard, error) {
	if s.Off {
		return nil, nil
	}
	allow, err := guard.ParsePrefixes(s.Allow)
	if err != nil {
		return nil, fmt.Errorf("security.allow: %w", err)
	}
	deny, err := guard.ParsePrefixes(s.Deny)
	if err != nil {
		return nil, fmt.Errorf("security.deny: %w", err)
	}
	rates := guard.DefaultRates()
	for class, r := range map[string]config.Rate{
		guard.ClassInvite: s.Rates.Invite, guard.ClassRegister: s.Rates.Register,
		guard.ClassOptions: s.Rates.Options, guard.ClassOther: s.Rates.Other,
	} {
		if r.PerSecond > 0 {
			rates[class] = guard.Rate{PerSecond: r.PerSecond, Burst: r.Burst}
		}
	}
	reply := 0
	if s.BlockedReply == "403" {
		reply = 403
	}
	g, err := guard.New(guard.Config{
		FailureLimit: s.FailureLimit, FailureWindow: s.FailureWindow,
		BlockFor: s.BlockFor, MaxBlockFor: s.MaxBlockFor, BlockedReply: reply,
		Allow: allow, Deny: deny, Rates: rates,
		MaxMessageSize: s.MaxMessageSize, MaxHeaders: s.MaxHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("security: %w", err)
	}
	return g, nil
}
