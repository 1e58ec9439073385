package sip

import (
	"context"
	"slices"
	"sync"
	"time"

	sipgo_sip "github.com/emiago/sipgo/sip"
)

// ServerStatus is the reachability of one registrar or proxy, probed with
// OPTIONS (RFC 3261 11) every Config.Keepalive.
type ServerStatus struct {
	URI       string
	Accounts  []string  // the accounts (and trunks) that use the server
	Up        bool      // the latest probe got a response (any status: the server is alive)
	Since     time.Time // when Up last changed; zero before the first probe
	LastCode  int       // status of the latest response, 0 after a timeout
	LastError string
}

// Servers returns the state of every probed server, in account order.
func (u *UA) Servers() []ServerStatus {
	out := make([]ServerStatus, 0, len(u.probes))
	for _, p := range u.probes {
		p.mu.Lock()
		st := p.status
		st.Accounts = slices.Clone(st.Accounts)
		out = append(out, st)
		p.mu.Unlock()
	}
	return out
}

type prober struct {
	ua    *UA
	uri   *sipgo_sip.Uri
	every time.Duration // probe period; 0 = Config.Keepalive

	mu     sync.Mutex
	status ServerStatus
}

// newProbers lists the distinct registrars and proxies of the accounts.
func newProbers(u *UA) []*prober {
	var out []*prober
	seen := map[string]*prober{}
	for _, a := range u.cfg.accounts {
		for _, s := range []*sipgo_sip.Uri{a.registrar, a.proxy} {
			if s == nil {
				continue
			}
			r := *s.Clone()
			r.User = ""
			k := r.String()
			if p := seen[k]; p != nil {
				if !slices.Contains(p.status.Accounts, a.Name) {
					p.status.Accounts = append(p.status.Accounts, a.Name)
				}
				continue
			}
			p := &prober{ua: u, uri: &r, status: ServerStatus{URI: k, Accounts: []string{a.Name}}}
			seen[k] = p
			out = append(out, p)
		}
	}
	return out
}

func (p *prober) run(ctx context.Context) {
	iv := p.ua.cfg.Keepalive
	if p.every > 0 {
		iv = p.every
	}
	for {
		p.probe(ctx, min(iv, regTimeout))
		t := time.NewTimer(iv)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (p *prober) probe(ctx context.Context, timeout time.Duration) {
	u := p.ua
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	transport := uriTransport(p.uri)
	req := sipgo_sip.NewRequest(sipgo_sip.OPTIONS, *p.uri.Clone())
	from := &sipgo_sip.FromHeader{Address: sipgo_sip.Uri{Scheme: "sip", User: "keepalive", Host: u.uriHost()}, Params: sipgo_sip.NewParams()}
	from.Params.Add("tag", randomToken(8))
	req.AppendHeader(from)
	req.AppendHeader(&sipgo_sip.ToHeader{Address: *p.uri.Clone()})
	req.AppendHeader(sipgo_sip.NewHeader("Accept", contentTypeSDP))
	u.prepare(req, transport)
	res, err := u.cli.Do(ctx, req)
	if err != nil && parent.Err() != nil {
		return // shutting down, not a verdict on the server
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	up := err == nil
	if up {
		p.status.LastCode, p.status.LastError = res.StatusCode, ""
	} else {
		p.status.LastCode, p.status.LastError = 0, err.Error()
	}
	if up != p.status.Up || p.status.Since.IsZero() {
		p.status.Up, p.status.Since = up, time.Now()
		u.log.Info("sip: server state", "server", p.status.URI, "up", up)
	}
}
