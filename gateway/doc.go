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
// Telephony services on top (services in gateway.go, SIP capabilities in
// sipapi.go): caller ID for every offered call (the calling port's
// extension and name, or the SIP caller with privacy and anonymity
// mapped to 'P' / 'O'); call waiting, hold, swap, three-way conference
// and transfer by hang-up, chosen by the port's line machine and carried
// out here on the call table; local call forwarding (always, busy, no
// answer; *72/*73, *90/*91, *92/*93) and do-not-disturb (*78/*79);
// distinctive ringing from Alert-Info. SIP-side pieces (privacy,
// P-Asserted-Identity, Alert-Info, 181, re-INVITE hold, REFER) are used
// through small interfaces that sip.Call satisfies as it gains them.
//
// Concurrency: the call table changes only on the gateway goroutine (Run),
// which is fed by a queue from the port loops and SIP call watchers; the
// read-only views (Status, Ports, Calls) take a read lock. Channel loops never
// block on the gateway: their audio goes through the legs attached to them.
package gateway
