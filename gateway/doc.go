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
// SIP message waiting (OnMWI, sip.MWIHandler) reaches the port bound to
// the account (lamp, on-hook VMWI message, stutter dial tone). Transfer
// by hang-up (flash, dial, hang up) works for every pair of parties a
// phone can hold and consult. Two SIP parties are handed to each other
// with REFER (sipapi.go transferSIP): Replaces for an attended transfer, a
// plain REFER after cancelling a ringing consultation call; the port is
// freed at once and the calls end with the far ends' BYE. Any other pair
// (phone, SIP call, PSTN line; xfer.go) the gateway joins itself: the
// held party's SIP media or line is attached to the other phone's channel
// loop, or a SIP call's media to the line's loop (lineLeg). A consultation
// target still ringing (blind transfer) is joined when it answers, the
// held party hearing ringback meanwhile (a phone or line from a tone leg,
// a SIP party from a wall-clocked player); an answered target or a line
// (whose own progress tones the held party then hears) is joined at once.
// Two lines are not joined. The old calls end with cause "transferred"
// and the joined call gets a record of its own with direction "transfer".
// A flash from a SIP party (RFC 4733 event 16 or INFO) bridged to a PSTN
// line flashes the line (lineLeg in bridge.go).
//
// Forwarding (forward.go): a call a port forwards (always, busy, no
// answer) to a number that is not an extension is routed as if dialled on
// that port. An incoming SIP call forwarded to a SIP destination is
// redirected (302 with the route's target as Contact and a Diversion
// header naming the port, RFC 5806; a bare-number target becomes a tel:
// URI); forwarded to a phone or a PSTN line it stays with us and the
// caller gets 181 with Diversion and Call-Info purpose=forwarding naming
// who forwarded and to whom. Reasons are unconditional, user-busy and
// no-answer. A phone's or PSTN line's call forwarded to SIP carries the
// diversions (ours in front of those an incoming SIP call arrived with;
// the same port again counts up) as Config.DiversionFormat says: a
// Diversion header, History-Info (RFC 7044) or both. Incoming diversions
// are logged (the CDR has no field for them).
//
// Routing table (routing.go): a number dialled on an FXS port that is not
// a local extension, a number a PSTN line routes, and an incoming SIP call
// on an account that some route names as its Source are matched against
// Config.Routes in order, first match wins: Source (any; a port by
// extension or channel name; a group, matching calls from its members; a
// SIP account; a line), the called number (digit map complete on timeout,
// so the dial plan's T and S marks behave as before, or "re:" and a Go
// regexp), the calling number, and Time windows (TimeSpec: days and
// hh:mm-hh:mm, crossing midnight) read in Config.TimeZone from the
// injected clock Options.Now (tzdata is embedded). The route rewrites the
// called and calling numbers (strip, prefix, then a regexp replace with $1)
// and sends the call to a SIP destination (the rewritten calling number
// becomes the From user), a local port, a hunt group or PSTN lines. An
// inbound SIP call is routed by its called user (Request-URI, else To); a
// route from SIP to SIP is refused with 403, as there is no SIP-to-SIP
// media bridge. A SIP call no route matches rings the account's port or
// goes out on its lines as before.
//
// Hunt groups (groups.go): Config.Groups of FXS ports and lines, plus the
// implicit groups LineConfig.Group makes. A call to a group rings the free
// phone or seizes the free line the strategy picks: linear (lowest order,
// equal orders the member idle longest: a port's last state change, a
// line's last seizure or release), round robin (the free member after the
// one the group used last) or least recently used (by this group). A member
// is free when on hook with no call, held or waiting call and not in DND;
// none free is busy. Each group keeps its own hunt state, so a port in two
// groups is hunted by each independently; Groups is the read-only view.
//
// PSTN lines (lines.go): the FXO ports of Config.Lines run telephony/fxo
// channel loops beside the FXS ports. A route with Lines or Group sends a
// number out on a line: a hunt picks a free one (the group's strategy or
// the route's Hunt), the line dials the stripped and prefixed number (DTMF
// or pulse) and is cross-connected to the calling phone; the line's
// disconnect supervision (loop-current drop, polarity, busy/reorder tone,
// silence) gives the phone far-end hang-up. An INVITE for a line's SIP
// account seizes a line and dials the called user. Incoming PSTN calls are
// taken after RingsBeforeAnswer rings: fixed (PLAR to an extension, with
// the line's caller ID offered to the phone, or to a sip: URI or routed
// number through the line's account) or two-stage (answer, dial tone,
// digits collected with a digit map, routed like a number dialled on a
// phone, ringback while the destination rings).
//
// Disconnect tones of an unknown PBX (learn.go): a line's DisconnectTones
// (dsp/progress signature text, "busy 480 Hz 300/200 ms") join the zone's
// busy and congestion tones in its detector (fxo.NewProgress). LearnTone
// is the installer's way to get one: it marks the idle line as learning (no
// hunt takes it), seizes it, waits for dial tone (failing without it),
// dials a number that is busy, records the line's audio through a recording
// leg with the line's own tone detection muted, releases the line and
// measures the recording with progress.Learn, answering the signature in
// that text form. It runs in the caller's goroutine; the line's notes go
// to it through a channel while it learns.
//
// Concurrency: the call table changes only on the gateway goroutine (Run),
// which is fed by a queue from the port loops and SIP call watchers; the
// read-only views (Status, Ports, Calls) take a read lock. Channel loops never
// block on the gateway: their audio goes through the legs attached to them.
package gateway
