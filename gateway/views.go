package gateway

import "tipring/sip"

// Servers returns the reachability of every registrar, proxy and trunk
// the SIP side probes with OPTIONS (sip.UA.Servers); nil without SIP.
func (g *Gateway) Servers() []sip.ServerStatus {
	if g.ua == nil {
		return nil
	}
	return g.ua.Servers()
}
