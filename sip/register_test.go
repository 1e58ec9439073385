package sip

import (
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// registrar is a digest-authenticating registrar built on sipgo.
type registrar struct {
	*peer
	user, pass, realm string
	qop               bool
	proxyAuth         bool        // challenge with 407 instead of 401
	grant             int         // seconds granted at most
	silent            atomic.Bool // drop REGISTERs unanswered, like a dead server

	mu   sync.Mutex
	regs []regRecord
	seen chan regRecord
}

type regRecord struct {
	at      time.Time
	expires int
	contact string
	callID  string
	cseq    uint32
	authed  bool
}

func newRegistrar(t *testing.T, network string, grant int, opts ...func(*registrar)) *registrar {
	r := &registrar{peer: newPeer(t, network), user: "2001", pass: "secret", realm: "tipring.test", grant: grant, seen: make(chan regRecord, 64)}
	for _, o := range opts {
		o(r)
	}
	r.srv.OnRegister(r.onRegister)
	r.serve()
	return r
}

const testNonce = "dcd98b7102dd2f0e8b11d0f600bfb0c093"

func (r *registrar) onRegister(req *sipgo_sip.Request, tx sipgo_sip.ServerTransaction) {
	if r.silent.Load() {
		return
	}
	hdrName, chalName, code, reason := "Authorization", "WWW-Authenticate", 401, "Unauthorized"
	if r.proxyAuth {
		hdrName, chalName, code, reason = "Proxy-Authorization", "Proxy-Authenticate", 407, "Proxy Authentication Required"
	}
	rec := regRecord{at: time.Now(), callID: req.CallID().Value(), cseq: req.CSeq().SeqNo}
	if c := req.Contact(); c != nil {
		rec.contact = c.Address.String()
	}
	rec.expires = -1
	if h := req.GetHeader("Expires"); h != nil {
		rec.expires, _ = strconv.Atoi(h.Value())
	}
	if c := req.Contact(); c != nil {
		if v, ok := c.Params.Get("expires"); ok {
			rec.expires, _ = strconv.Atoi(v)
		}
	}
	cred := req.GetHeader(hdrName)
	if cred == nil || !digestOK("REGISTER", r.user, r.realm, r.pass, testNonce, cred.Value()) {
		chal := `Digest realm="` + r.realm + `", nonce="` + testNonce + `", algorithm=MD5`
		if r.qop {
			chal += `, qop="auth"`
		}
		res := sipgo_sip.NewResponseFromRequest(req, code, reason, nil)
		res.AppendHeader(sipgo_sip.NewHeader(chalName, chal))
		_ = tx.Respond(res)
		r.seen <- rec
		return
	}
	rec.authed = true
	granted := min(rec.expires, r.grant)
	if rec.expires < 0 {
		granted = r.grant
	}
	rec.expires = granted
	r.mu.Lock()
	r.regs = append(r.regs, rec)
	r.mu.Unlock()
	res := sipgo_sip.NewResponseFromRequest(req, 200, "OK", nil)
	if c := req.Contact(); c != nil && granted > 0 {
		cc := c.Clone()
		cc.Params = sipgo_sip.NewParams()
		cc.Params.Add("expires", strconv.Itoa(granted))
		res.AppendHeader(cc)
	}
	_ = tx.Respond(res)
	r.seen <- rec
}

// nextAuthed waits for the next successful REGISTER.
func (r *registrar) nextAuthed(t *testing.T) regRecord {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case rec := <-r.seen:
			if rec.authed {
				return rec
			}
		case <-deadline:
			t.Fatal("no authenticated REGISTER")
		}
	}
}

func regConfig(r *registrar, network string, listen ...string) Config {
	reg := "sip:" + r.addr
	if network == "tcp" {
		reg += ";transport=tcp"
	}
	return Config{
		Listen: listen,
		Accounts: []Account{{
			Name: "fxs1", User: "2001", Password: "secret", DisplayName: "Port One",
			Registrar: reg, Expires: time.Hour,
		}},
	}
}

func waitRegistered(t *testing.T, u *UA, want bool) RegStatus {
	t.Helper()
	return poll(t, "registration state "+strconv.FormatBool(want), func() RegStatus { return u.Registrations()[0] },
		func(st RegStatus) bool { return st.Registered == want })
}

// TestRFC3261RegisterDigestQopUDP registers over UDP against a registrar that
// challenges with 401 and qop=auth (RFC 2617 3.2.2) and checks the binding.
func TestRFC3261RegisterDigestQopUDP(t *testing.T) {
	r := newRegistrar(t, "udp", 3600, func(r *registrar) { r.qop = true })
	u, _ := startUA(t, regConfig(r, "udp", "udp:127.0.0.1:0"), newRecorder(nil))
	rec := r.nextAuthed(t)
	st := waitRegistered(t, u, true)
	if st.LastCode != 200 || st.LastError != "" || st.AOR != "sip:2001@127.0.0.1" {
		t.Errorf("status %+v", st)
	}
	if left := time.Until(st.Expires); left < 3500*time.Second || left > 3600*time.Second {
		t.Errorf("expires in %v, want about 3600 s", left)
	}
	want := ourURI(u, "2001", "udp")
	if rec.contact != want.String() {
		t.Errorf("contact %q, want %q", rec.contact, want.String())
	}
	if rec.expires != 3600 {
		t.Errorf("registered for %d s", rec.expires)
	}
}

// TestRFC3261RegisterRefreshTCP uses TCP, 407 challenges without qop, and a
// registrar that grants only 4 s of the hour asked: the UA must honour the
// grant and refresh each binding before it lapses (RFC 3261 10.2.4), keep
// one Call-ID with increasing CSeq, and remove the binding at shutdown.
func TestRFC3261RegisterRefreshTCP(t *testing.T) {
	r := newRegistrar(t, "tcp", 4, func(r *registrar) { r.proxyAuth = true })
	u, stop := startUA(t, regConfig(r, "tcp", "tcp:127.0.0.1:0"), newRecorder(nil))
	first := r.nextAuthed(t)
	second := r.nextAuthed(t)
	third := r.nextAuthed(t)
	for i, pair := range [][2]regRecord{{first, second}, {second, third}} {
		gap := pair[1].at.Sub(pair[0].at)
		if gap >= 4*time.Second {
			t.Errorf("refresh %d came %v after the previous REGISTER; the 4 s binding had lapsed", i+1, gap)
		}
		if pair[1].callID != pair[0].callID || pair[1].cseq <= pair[0].cseq {
			t.Errorf("refresh %d: Call-ID %s→%s CSeq %d→%d", i+1, pair[0].callID, pair[1].callID, pair[0].cseq, pair[1].cseq)
		}
	}
	st := waitRegistered(t, u, true)
	if left := time.Until(st.Expires); left > 4*time.Second {
		t.Errorf("status expiry %v away, registrar granted 4 s", left)
	}
	if want := ourURI(u, "2001", "tcp"); first.contact != want.String() {
		t.Errorf("contact %q, want %q", first.contact, want.String())
	}
	stop()
	for {
		rec := r.nextAuthed(t)
		if rec.expires == 0 {
			break
		}
	}
	if st := u.Registrations()[0]; st.Registered {
		t.Errorf("still registered after shutdown: %+v", st)
	}
}

// TestRegisterWrongPassword: a rejected digest must surface in RegStatus.
func TestRegisterWrongPassword(t *testing.T) {
	r := newRegistrar(t, "udp", 3600)
	cfg := regConfig(r, "udp", "udp:127.0.0.1:0")
	cfg.Accounts[0].Password = "wrong"
	u, _ := startUA(t, cfg, newRecorder(nil))
	deadline := time.Now().Add(waitLong)
	for time.Now().Before(deadline) {
		st := u.Registrations()[0]
		if st.LastCode != 0 {
			if st.Registered || st.LastCode != 401 || st.LastError == "" {
				t.Fatalf("status %+v, want 401 and an error", st)
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no failure reported: %+v", u.Registrations())
}

func TestRefreshSchedule(t *testing.T) {
	for _, g := range []time.Duration{4 * time.Second, time.Minute, time.Hour} {
		for range 100 {
			d := refreshAfter(g)
			if d <= 0 || d >= g {
				t.Fatalf("refresh after %v for a %v binding", d, g)
			}
			if g == time.Hour && d < 45*time.Minute {
				t.Fatalf("hour binding refreshed after only %v", d)
			}
		}
	}
}

// TestBackoffAndSpread: failed registrations back off exponentially from
// retryMin to retryMax, each wait drawn from the upper half of its step
// (full jitter), and 100 ports granted the same hour-long binding at the
// same moment refresh spread over minutes, not in one burst.
func TestBackoffAndSpread(t *testing.T) {
	for f := range 14 {
		step := min(retryMin<<min(f, 10), retryMax)
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 200 {
			d := backoff(f)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < step/2 || hi > step {
			t.Errorf("failure %d: waits %v..%v, want within %v..%v", f, lo, hi, step/2, step)
		}
		if step > time.Second && hi-lo < step/10 {
			t.Errorf("failure %d: waits %v..%v hardly spread", f, lo, hi)
		}
	}
	if d := backoff(100); d > retryMax {
		t.Errorf("backoff after 100 failures %v, above the cap %v", d, retryMax)
	}
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 100 {
		d := refreshAfter(time.Hour)
		lo, hi = min(lo, d), max(hi, d)
	}
	if hi-lo < 3*time.Minute {
		t.Errorf("100 refreshes of an hour's binding fall within %v (%v..%v): a storm", hi-lo, lo, hi)
	}
}
