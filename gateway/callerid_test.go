package gateway

import (
	"testing"
	"time"

	"tipring/dsp/cid"
	"tipring/hal/sim"
)

// cidTrace is what a simulated phone saw while a call was offered: the
// caller-ID messages its display decoded (with the board time each ended),
// and the line's polarity and ringer over time.
type cidTrace struct {
	msgs       []cid.Message
	at         []time.Duration
	errs       []error
	reversedAt time.Duration // first time the line was seen reversed (0: never)
	firstRing  time.Duration
	secondRing time.Duration
}

// decodeCallerID runs a receiver of scheme s over x and returns the
// messages with the sample index at which each ended.
func decodeCallerID(t *testing.T, s cid.Scheme, x []int16) (msgs []cid.Message, ends []int, errs []error) {
	t.Helper()
	rx, err := cid.NewReceiver(cid.ReceiverConfig{Scheme: s})
	if err != nil {
		t.Fatal(err)
	}
	const n = 160
	for i := 0; i+n <= len(x); i += n {
		for _, res := range rx.Process(x[i : i+n]) {
			m, err := res.Message()
			if err != nil {
				errs = append(errs, err)
				continue
			}
			msgs = append(msgs, m)
			ends = append(ends, i+n)
		}
	}
	return msgs, ends, errs
}

// watchCallerID follows phone ph for d of board time, sampling its ringer
// and polarity every frame, answers the NTT CAR signal when nttHandshake is
// set (off hook on the CAR, on hook 2 s later), then decodes scheme s from
// the earpiece recording of the whole time. (The recording is taken in one
// piece: the board clock runs on between two calls of the test.)
func watchCallerID(t *testing.T, r *rig, ph *sim.Phone, s cid.Scheme, d time.Duration, nttHandshake bool) cidTrace {
	t.Helper()
	var tr cidTrace
	wasRinging := false
	var carAt time.Duration
	start := r.board.Now()
	for r.board.Now()-start < d {
		now := r.board.Now()
		if ph.Reversed() && tr.reversedAt == 0 {
			tr.reversedAt = now
		}
		ringing := ph.Ringing()
		if ringing && !wasRinging {
			switch {
			case nttHandshake && carAt == 0:
				carAt = now
				ph.OffHook()
				ringing = false
			case tr.firstRing == 0:
				tr.firstRing = now
			case tr.secondRing == 0:
				tr.secondRing = now
			}
		}
		if carAt != 0 && now-carAt >= 2*time.Second && ph.IsOffHook() && tr.firstRing == 0 {
			ph.OnHook()
		}
		wasRinging = ringing
		r.board.Sleep(20 * time.Millisecond)
	}
	end := r.board.Now()
	x := ph.Heard(end - start)
	msgs, ends, errs := decodeCallerID(t, s, x)
	tr.msgs, tr.errs = msgs, errs
	for _, e := range ends {
		tr.at = append(tr.at, end-time.Duration(len(x)-e)*time.Second/8000)
	}
	return tr
}

// TestCallerIDSchemesOnLocalCalls: phone 1 ("Alice", 2001) calls phone 2;
// phone 2's display decodes the caller ID the port sent, for the zone's
// default scheme and for every alerting method, with number, name and
// the call's date and time intact and the timing against ringing right:
// GR-30-CORE / EN 300 659-1 data after the first ring ends before the
// second, prior-to-ring data (DT-AS, line reversal, RP-AS, BT SIN 227,
// DTMF) ends before the first ring, NTT data is sent after the set answers
// the CAR.
func TestCallerIDSchemesOnLocalCalls(t *testing.T) {
	when := time.Date(2025, time.March, 7, 14, 35, 10, 0, time.Local)
	cases := []struct {
		zone, scheme string
		s            cid.Scheme
		prior        bool // data before the first ring
		reversal     bool // line reversed before the data
		name, time   bool // name and time carried
		ntt          bool
		rpas         bool // a ring pulse alerting signal first
	}{
		{zone: "us", s: cid.Bellcore, name: true, time: true},
		{zone: "us", scheme: "bellcore-sdmf", s: cid.Bellcore, time: true},
		{zone: "uk", s: cid.BT, prior: true, reversal: true, name: true, time: true},
		{zone: "de", s: cid.ETSI, name: true, time: true},
		{zone: "fr", s: cid.ETSI, rpas: true, name: true, time: true},
		{zone: "cn", s: cid.Bellcore, name: true, time: true},
		{zone: "cn", scheme: "etsi-dtmf", s: cid.DTMF, prior: true},
		{zone: "de", scheme: "etsi-fsk-dtas", s: cid.ETSI, prior: true, name: true, time: true},
		{zone: "de", scheme: "etsi-fsk-lr", s: cid.ETSI, prior: true, reversal: true, name: true, time: true},
		{zone: "nl", scheme: "etsi-dtmf-lr", s: cid.DTMF, prior: true, reversal: true},
		{zone: "jp", s: cid.NTT, ntt: true},
		// The remaining zones' defaults (table in telephony/fxs/doc.go).
		{zone: "it", s: cid.ETSI, prior: true, reversal: true, name: true, time: true},
		{zone: "nl", s: cid.DTMF, prior: true, reversal: true},
		{zone: "au", s: cid.ETSI, prior: true, reversal: true, name: true, time: true},
		{zone: "br", s: cid.DTMF, prior: true},
		{zone: "in", s: cid.DTMF, prior: true},
		{zone: "ru", s: cid.ETSI, name: true, time: true},
	}
	for _, tc := range cases {
		name := tc.zone + "/" + tc.scheme
		if tc.scheme == "" {
			name += "default"
		}
		t.Run(name, func(t *testing.T) {
			r := newRigAt(t, tc.zone, sim.Config{}, Config{CallerID: tc.scheme, Ports: []PortConfig{
				{Span: 1, Chan: 1, Extension: "2001", CallerName: "Alice"},
				{Span: 1, Chan: 2, Extension: "2002"},
			}}, func() time.Time { return when })
			p1, p2 := r.phone(t, 1), r.phone(t, 2)
			p1.OffHook()
			r.board.Sleep(300 * time.Millisecond)
			if err := p1.Dial("2002"); err != nil {
				t.Fatal(err)
			}
			tr := watchCallerID(t, r, p2, tc.s, 14*time.Second, tc.ntt)
			if len(tr.errs) > 0 {
				t.Errorf("damaged messages: %v", tr.errs)
			}
			if len(tr.msgs) != 1 {
				t.Fatalf("%d caller-ID messages decoded, want 1 (rings at %v, %v)", len(tr.msgs), tr.firstRing, tr.secondRing)
			}
			m := tr.msgs[0]
			if m.Number != "2001" {
				t.Errorf("number %q, want 2001", m.Number)
			}
			if tc.name && m.Name != "Alice" {
				t.Errorf("name %q, want Alice", m.Name)
			}
			if tc.time {
				if m.Time.Month() != when.Month() || m.Time.Day() != when.Day() || m.Time.Hour() != when.Hour() || m.Time.Minute() != when.Minute() {
					t.Errorf("date/time %v, want %v", m.Time, when)
				}
			}
			if tr.firstRing == 0 {
				t.Fatal("the phone never rang")
			}
			switch {
			case tc.rpas:
				rt := p2.RingTimes()
				if len(rt) < 2 {
					t.Fatalf("ring bursts %v", rt)
				}
				if d := rt[0][1] - rt[0][0]; d < 200*time.Millisecond || d > 300*time.Millisecond {
					t.Errorf("RP-AS lasts %v, want 200-300 ms", d)
				}
				if tr.at[0] <= rt[0][1] || tr.at[0] >= rt[1][0] {
					t.Errorf("message ended at %v, not between the RP-AS %v and the first ring %v", tr.at[0], rt[0], rt[1])
				}
			case tc.prior || tc.ntt:
				if tr.at[0] >= tr.firstRing {
					t.Errorf("message ended at %v, after the first ring at %v", tr.at[0], tr.firstRing)
				}
			default:
				if tr.at[0] <= tr.firstRing || (tr.secondRing != 0 && tr.at[0] >= tr.secondRing) {
					t.Errorf("message ended at %v, not between the rings at %v and %v", tr.at[0], tr.firstRing, tr.secondRing)
				}
			}
			if tc.reversal && (tr.reversedAt == 0 || tr.reversedAt > tr.at[0]) {
				t.Errorf("line reversed at %v, want before the data at %v", tr.reversedAt, tr.at[0])
			}
			if !tc.reversal && tr.reversedAt != 0 {
				t.Errorf("line reversed at %v without a reversal method", tr.reversedAt)
			}
			if p2.Reversed() {
				t.Error("polarity not restored while ringing")
			}
			// The call still works: answer and talk.
			p2.OffHook()
			r.waitFor(t, "connected", 2*time.Second, func() bool { return r.portState("2002") == PortConnected })
		})
	}
}
