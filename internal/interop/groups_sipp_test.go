package interop

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/sip"
)

// TestSIPpCallsHuntGroup: SIPp, as a carrier's SBC, places four calls in
// turn over the trunk "carrier" (recognised by its address) to the DID
// +49 30 1234550, which the trunk normalises to 0301234550 and a route
// sends by source and called number to the FXS group "sales"; each call rings one phone for a second and is
// cancelled. Which phone rang each time shows the group's strategy, with
// phone 2 off hook (busy) for the first two calls.
func TestSIPpCallsHuntGroup(t *testing.T) {
	scen, err := filepath.Abs("testdata/uac_ring_cancel.xml")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		strategy string
		members  []gateway.GroupMember
		want     []int
	}{
		// Orders 1, 0, 0: 2002 and 2003 before 2001, longest idle first;
		// with 2002 busy 2003 takes both first calls, then 2002 (back on
		// hook before 2003 stopped ringing) has been idle longer.
		{gateway.HuntLinear, []gateway.GroupMember{{Port: "2001", Order: 1}, {Port: "2002"}, {Port: "2003"}}, []int{3, 3, 2, 3}},
		// The member after the one used last; busy 2002 is passed over.
		{gateway.HuntRoundRobin, []gateway.GroupMember{{Port: "2001"}, {Port: "2002"}, {Port: "2003"}}, []int{1, 3, 1, 2}},
		// The member the group used least recently: 2002, never used,
		// once it is free.
		{gateway.HuntLRU, []gateway.GroupMember{{Port: "2001"}, {Port: "2002"}, {Port: "2003"}}, []int{1, 3, 2, 1}},
	}
	for _, c := range cases {
		t.Run(c.strategy, func(t *testing.T) {
			cfg := gateway.Config{
				DigitMap: "2xxx",
				Ports:    fxsPorts("2001", "2002", "2003", "2004"),
				Groups:   []gateway.GroupConfig{{Name: "sales", Strategy: c.strategy, Members: c.members}},
				Routes:   []gateway.Route{{Source: "carrier", Pattern: "re:^0301234550$", Group: "sales"}},
			}
			for i := range cfg.Ports {
				cfg.Ports[i].Account = ""
			}
			r := startRig(t, cfg, rigOptions{
				accounts: []sip.Account{{Name: "carrier", Trunk: true, Peers: []string{"127.0.0.1"}, Domain: "127.0.0.1",
					CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00"}},
				udpOnly: true,
			})
			busy := r.phone(t, 2)
			busy.OffHook()
			time.Sleep(300 * time.Millisecond)

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd, out := sippCmd(t, ctx, "-sf", scen, "-s", "+49301234550", "-p", fmt.Sprint(freePort(t)),
				"-m", fmt.Sprint(len(c.want)), "-l", "1", "-r", "1", "-rp", "3000",
				fmt.Sprintf("127.0.0.1:%d", r.sipPort))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			// Record each phone that starts ringing, in order; phone 2
			// goes back on hook once the second call rang.
			var rang []int
			ringing := 0
			var sippErr error
		watch:
			for {
				select {
				case sippErr = <-done:
					break watch
				case <-time.After(10 * time.Millisecond):
				}
				now := 0
				for n := 1; n <= 4; n++ {
					if r.phone(t, n).Ringing() {
						now = n
					}
				}
				if now != 0 && now != ringing {
					rang = append(rang, now)
					if len(rang) == 2 {
						busy.OnHook()
					}
				}
				ringing = now
			}
			if sippErr != nil {
				t.Fatalf("sipp failed: %v\n%s\n%s", sippErr, out, sippLogs(cmd.Dir))
			}
			if !slices.Equal(rang, c.want) {
				t.Errorf("phones rang in the order %v, want %v", rang, c.want)
			}
			gs := r.gw.Groups()
			if len(gs) != 1 {
				t.Fatalf("groups view %+v", gs)
			}
			var calls uint64
			for _, m := range gs[0].Members {
				calls += m.Calls
			}
			if calls != uint64(len(c.want)) {
				t.Errorf("group view counts %d calls, want %d: %+v", calls, len(c.want), gs[0])
			}
		})
	}
}
