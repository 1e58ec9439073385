// Package gateway is the composition root of the data path: it owns the
// FXS ports (telephony/fxs), the SIP user agent (sip), the call table and
// the CDRs, and bridges calls between them.
//
// Calls come in three directions: local (one FXS port dials another port's
// extension; audio is cross-connected between the two channel loops through
// lock-free frame queues, with no server involved), outbound (a dialled
// number matching a route becomes a SIP INVITE through an account) and
// inbound (a SIP INVITE for a port's account rings the port; 486 when the
// line is busy, 480 when nobody answers).
//
// Concurrency: the call table changes only on the gateway goroutine (Run),
// which is fed by a queue from the port loops and SIP call watchers; the
// read-only views (Status, Ports, Calls) take a read lock. Channel loops never
// block on the gateway: their audio goes through the legs attached to them.
package gateway
