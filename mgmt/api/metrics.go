package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"tipring/gateway"
)

// portStates are always exported, at 0 when no port is in them, so that a
// dashboard sees every series from the first scrape.
var portStates = []gateway.PortState{
	gateway.PortIdle, gateway.PortDialling, gateway.PortRinging, gateway.PortCalling,
	gateway.PortConnected, gateway.PortTone, gateway.PortDown,
}

// gatewayCollector reads the gateway's views at scrape time, so metrics are
// never stale and the gateway keeps no metric state of its own.
type gatewayCollector struct {
	gw  Gateway
	log *slog.Logger

	callsActive, callsTotal, ports, offHook, registered, buildInfo *prometheus.Desc
	version                                                        string
}

func newGatewayCollector(gw Gateway, version string, log *slog.Logger) *gatewayCollector {
	return &gatewayCollector{
		gw: gw, log: log, version: version,
		callsActive: prometheus.NewDesc("tipring_calls_active", "Calls in the call table now.", nil, nil),
		callsTotal:  prometheus.NewDesc("tipring_calls_total", "Calls handled since the daemon started.", nil, nil),
		ports:       prometheus.NewDesc("tipring_ports", "FXS/FXO ports by state.", []string{"state"}, nil),
		offHook:     prometheus.NewDesc("tipring_port_off_hook", "1 when the port's line is off hook.", []string{"port"}, nil),
		registered:  prometheus.NewDesc("tipring_sip_registered", "1 when the SIP account is registered.", []string{"account"}, nil),
		buildInfo:   prometheus.NewDesc("tipring_build_info", "Always 1; the version label names the firmware.", []string{"version"}, nil),
	}
}

func (c *gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.callsActive, c.callsTotal, c.ports, c.offHook, c.registered, c.buildInfo} {
		ch <- d
	}
}

func (c *gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	// A panicking view must cost a scrape, not the daemon: the registry
	// runs collectors in their own goroutines.
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("api: metrics collector panic", "panic", fmt.Sprint(p))
		}
	}()
	ch <- prometheus.MustNewConstMetric(c.buildInfo, prometheus.GaugeValue, 1, c.version)
	if c.gw == nil {
		return
	}
	st := c.gw.Status()
	ch <- prometheus.MustNewConstMetric(c.callsActive, prometheus.GaugeValue, float64(st.ActiveCalls))
	ch <- prometheus.MustNewConstMetric(c.callsTotal, prometheus.CounterValue, float64(st.TotalCalls))

	byState := map[gateway.PortState]int{}
	for _, s := range portStates {
		byState[s] = 0
	}
	seen := map[string]bool{}
	for _, p := range c.gw.Ports() {
		byState[p.State]++
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("%d/%d", p.Span, p.Chan)
		}
		if seen[name] {
			continue // a duplicate label set would fail the whole scrape
		}
		seen[name] = true
		ch <- prometheus.MustNewConstMetric(c.offHook, prometheus.GaugeValue, b2f(p.OffHook), name)
	}
	states := make([]gateway.PortState, 0, len(byState))
	for s := range byState {
		states = append(states, s)
	}
	slices.Sort(states)
	for _, s := range states {
		ch <- prometheus.MustNewConstMetric(c.ports, prometheus.GaugeValue, float64(byState[s]), string(s))
	}

	seen = map[string]bool{}
	for _, r := range c.gw.Registrations() {
		if seen[r.Account] {
			continue
		}
		seen[r.Account] = true
		ch <- prometheus.MustNewConstMetric(c.registered, prometheus.GaugeValue, b2f(r.Registered), r.Account)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type promLog struct{ log *slog.Logger }

func (l promLog) Println(v ...any) { l.log.Warn("api: metrics: " + fmt.Sprint(v...)) }

// newMetricsHandler builds a private registry: the gateway collector plus
// the Go runtime and process collectors. Nothing is registered globally, so
// several handlers (tests) can coexist.
func newMetricsHandler(reg *prometheus.Registry, gw Gateway, version string, log *slog.Logger) http.Handler {
	reg.MustRegister(
		newGatewayCollector(gw, version, log),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      promLog{log},
		ErrorHandling: promhttp.ContinueOnError,
		Registry:      reg,
	})
}
