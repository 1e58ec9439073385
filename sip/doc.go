// Package sip is the gateway's SIP user agent: listeners, registrations,
// calls with their SDP negotiation and RTP sessions.
//
// It is built on github.com/emiago/sipgo for the transport and transaction
// layers (RFC 3261 17, 18) and its dialog sessions (RFC 3261 12-15);
// registration refresh, digest retries, SDP offer/answer (package
// tipring/sip/sdp, RFC 3264) and the call state logic are ours. Media runs
// in tipring/sip/media. Nothing here touches sipgo's package-level timers.
//
// # Listeners and routing
//
// Config.Listen names at most one UDP, one TCP and one TLS listener. Requests we send over
// UDP leave from the UDP listener's socket (RFC 3261 18.1.1), so responses
// and in-dialog requests come back to it; TCP requests use a connection of
// their own and responses return on it (18.2.2). Via, Contact and SDP
// advertise Config.Host (Contact and SDP: Config.PublicHost when set, see
// NAT below). The transport of a request is the ";transport="
// parameter of its target (or of the outbound proxy); default UDP.
//
// # TLS (RFC 3261 26.2, RFC 5630)
//
// A "tls:" listener serves TLS 1.2 or 1.3 (Config.TLS.MinVersion) with
// Config.TLS's certificate and, with VerifyClient, requires a client
// certificate chaining to CAFile. A registrar, proxy or dial target that is
// a sips URI, or carries ";transport=tls", is reached over TLS: Via
// SIP/2.0/TLS, port 5061 by default, SRV "_sips._tcp" and NAPTR SIPS+D2T
// for names (RFC 3263 4.1). Our Contact is a sips URI when the target is one
// (RFC 3261 8.1.1.8), else a sip URI with ";transport=tls" (deprecated by
// RFC 5630 3.1.3, but what registrars route on). The connection is opened
// by the UA itself, not by sipgo, so that the server's certificate is
// verified (against CAFile, else the system roots) for the host of the URI
// we were given even after DNS has turned it into an address (RFC 5922
// 7.2); our certificate is presented when the server asks. The verified
// connection is handed to sipgo's transport, which reuses it for every
// request to that address; a failed handshake is the REGISTER's or Dial's
// error and nothing is sent. Connections sipgo opens on its own (to a
// Contact learnt in a dialog, e.g. the BYE of an incoming call) verify the
// server for the address they go to. InsecureSkipVerify turns server
// verification off and is logged as a warning.
//
// # Registration (RFC 3261 10)
//
// Every account with a Registrar gets one goroutine that sends REGISTER with
// a Call-ID kept for the UA's lifetime and an increasing CSeq (10.2.4),
// answers 401/407 challenges with MD5 digest, with or without qop=auth
// (RFC 2617 3.2.2, via sipgo's digest helper), retries 423 with Min-Expires
// (10.2.8), and reads the lifetime granted from our Contact's expires
// parameter or the Expires header. It refreshes at half the lifetime for
// short bindings, five minutes before expiry for long ones, less up to 10%
// jitter; failures are retried with jittered exponential backoff from 2 s
// to 5 min. At shutdown it removes the binding with Expires: 0. The outcome
// is visible through UA.Registrations.
//
// # Calls
//
// Outgoing (UA.Dial): INVITE with an SDP offer (configured codecs in order,
// telephone-event/8000 with fmtp 0-16, ptime 20, sendrecv); 401/407 are
// answered once with digest credentials on a new CSeq and the same Call-ID;
// 1xx map to EventTrying/EventRinging, a 1xx with SDP starts early media
// (EventProgress); a 2xx is ACKed (13.2.2.4) and gives EventAnswered; a final
// non-2xx gives EventFailed with its code. Hangup sends CANCEL while early
// (9.1: only after a provisional response has arrived, so a call that has
// heard nothing ends when the INVITE times out; a 2xx crossing the CANCEL
// is ACKed and ended with BYE, also when the CANCEL got 481 and the 2xx
// is only seen again as a retransmission, up to 32 s later) and BYE once
// answered.
//
// Incoming: 100 Trying at once; the account is a trunk whose Peers hold
// the source address, else the user account whose user equals the
// Request-URI user, else the To user, else a trunk whose inbound
// credentials the INVITE carries (see Trunks; 404 otherwise). The SDP offer must be
// present (offerless INVITEs get 488), parse (400 otherwise) and share a
// codec with us (488 otherwise). The answer carries the first codec of the
// offer we support plus telephone-event at the offered payload type. The
// handler then calls Ringing (180), Answer (2xx retransmitted until ACK,
// 13.3.1.4; without ACK the call is ended with BYE) or Reject. A CANCEL is
// answered by the transaction layer (200, then 487) and ends the call with
// EventEnded code 487; an Answer that meets it sends no 2xx (9.2). sipgo
// handles each message in a goroutine of its own, so a CANCEL sent right
// behind its INVITE can be looked up before the INVITE's transaction
// exists: it then waits up to 250 ms for that INVITE before it gets 481. A handler that does nothing for 32 s, or lets a call
// ring for 5 minutes, gets the call answered with 480 for it. BYE from either
// side ends a call (EventEnded). OPTIONS gets 200 with Allow, Accept and
// Supported; unknown methods get 405. An INVITE requiring an extension we
// lack gets 420 with Unsupported (RFC 3261 8.2.2.3).
//
// # Reliable provisional responses and early media (RFC 3262)
//
// We offer "Supported: 100rel, timer, replaces". Call.Progress sends 183 with
// the SDP answer and starts media before the answer. To a caller that
// supports 100rel it goes reliably (Require: 100rel, RSeq), retransmitted
// at T1, 2T1, ... until the PRACK, which is answered 200; without a PRACK
// within 64*T1 the INVITE is rejected with 504; a second reliable 1xx waits
// for the first one's PRACK, and the 2xx waits for the PRACK of a 1xx that
// carried the answer (3). A caller that requires 100rel gets every 1xx
// reliably. On our calls a reliable 1xx is PRACKed once (retransmissions,
// same RSeq, are dropped, 4); the PRACK and every later request of ours in
// the dialog use our own CSeq sequence, so the ACK keeps the INVITE's CSeq.
//
// # Session timers (RFC 4028)
//
// Config.SessionExpires (default 1800 s) and MinSE (default 90 s): our
// INVITEs carry Session-Expires and Min-SE; a 422 is retried once with the
// Min-SE it names (7.4); the 2xx's refresher=uac makes us refresh. As
// called party we refuse a Session-Expires below our Min-SE with 422, keep
// the caller's refresher choice, else let a timer-capable caller refresh
// and refresh ourselves for one that is not (9); the 2xx carries
// Session-Expires and Require: timer. The refresher refreshes at half the
// interval, with UPDATE when the peer allows it, else a re-INVITE with an
// unchanged SDP (the o= version only moves when the description changes,
// RFC 3264 8); a refresh failing with 408/481 or unanswered ends the call.
// The other side sends BYE (EventEnded, ReasonSessionExpired) when the
// interval less min(32 s, interval/3) passes without a refresh (10).
//
// # Hold, resume and codec change (RFC 3264 8, RFC 3311)
//
// Hold and Resume send re-INVITEs offering sendonly (inactive when the peer
// holds us too) and sendrecv (8.4); ChangeCodec offers one codec (8.3.2).
// Offers in re-INVITEs and UPDATEs are answered keeping the current codec
// if offered, else another configured one; the answer's direction follows
// the offer and our hold state (6.1). Whenever the negotiated direction
// excludes our sending (recvonly, inactive) the media session is muted.
// HoldState reports both sides' hold.
//
// # Transfer (RFC 3515, RFC 3891)
//
// Transfer sends REFER (Refer-To, Referred-By) and waits for the NOTIFY
// whose message/sipfrag reports the final status; TransferReplacing embeds
// a Replaces header naming the other call's dialog (attended transfer).
// An incoming REFER is declined with 603 unless the Handler implements
// TransferHandler: then 202, NOTIFY 100, the call to the target (with the
// REFER's Replaces and Referred-By), NOTIFYs of its progress, and BYE on
// the old call once the new one is answered. An INVITE with Replaces naming
// one of our answered dialogs is offered to the Handler with Call.Replaces
// set; the replaced call ends (ReasonReplaced) when the new one is
// answered; one naming no dialog gets 481.
//
// # Other in-dialog requests, identity, MWI
//
// INFO with application/dtmf-relay (or application/dtmf) bodies is queued
// for Call.PollInfoDTMF; SendInfoDTMF sends one. Incoming calls expose the
// caller's identity (P-Asserted-Identity, RFC 3325; Remote-Party-ID; Privacy,
// RFC 3323; anonymous From), Alert-Info and Diversion; Forwarded sends 181
// with Diversion. Accounts with MWI subscribe to message-summary (RFC 3842,
// SUBSCRIBE refreshed in its dialog, removed at shutdown) and NOTIFYs reach
// an MWIHandler. Config.Keepalive sends OPTIONS to every registrar and
// proxy; UA.Servers reports each one up (any response) or down (none).
//
// # Redirection (RFC 3261 8.1.3.4)
//
// A 300, 301, 302, 305 or 380 to our INVITE is followed: the Contacts are
// tried best q first (equal q in the order given), each with a new INVITE
// transaction (new branch, next CSeq, same Call-ID, From tag, To and SDP
// offer). Only sip, sips and tel Contacts are used; a tel URI becomes
// sip:number at the host the INVITE went to. A URI already tried is never
// tried again (redirect loops), and at most Account.MaxRedirects 3xx (5 by
// default; negative: none, a 3xx fails the call) are followed per call.
// 305 Use Proxy retries the same Request-URI with the Contact as Route.
// When a redirected attempt fails (4xx, 5xx, no answer) the next Contact is
// tried; a 6xx ends the search. When nothing is left the call fails with
// the last failure (the last 3xx when no target answered otherwise). It is
// the same *Call throughout: events continue, Remote becomes the target
// now called, and a Diversion or History-Info of the 3xx is kept
// (Call.Diverted) and sent on in the next INVITE.
//
// Call.Redirect refuses an unanswered incoming call with 302 and the
// Contacts given (q falling by 0.1 in order) plus a Diversion naming us,
// the called party, with the reason (RFC 5806), ahead of the call's
// earlier diversions. Forwarded and ForwardedTo send 181 with Diversion
// and "Call-Info: <sip:forwarder>;purpose=forwarding" (RFC 3261 20.9);
// like miniSIPServer's 181 the value also names who forwarded
// (username="2001") and, for ForwardedTo, to whom (contact="3000"), here
// as generic parameters after the URI that RFC 3261's grammar requires.
//
// # Diversion and History-Info (RFC 5806, RFC 7044, RFC 4458)
//
// Call.Diverted reads an incoming INVITE's Diversion headers (several
// headers and comma-separated values, topmost most recent; reason,
// counter) or, without them, its History-Info: entries sorted by index,
// and every entry mapped (mp) from a parent, or carrying the RFC 4458
// cause URI parameter, is a diversion by that parent (rc, else the entry
// before), its cause that parameter or else the SIP cause of the Reason
// header escaped in the parent's URI (RFC 7044 9.4), mapped to an RFC 5806
// reason (RFC 4458 table 1, RFC 6044). Entries that do not parse are
// skipped and logged; at most 16 are kept. DialOptions.Diversions go out
// as a Diversion header, History-Info (the diverting parties indexed 1,
// 1.1, ... with mp, the cause in each retargeted URI and the escaped
// Reason in each parent), or both (DialOptions.DiversionFormat).
//
// # NAT (RFC 3581, RFC 4961, RFC 5626)
//
// Sockets bind Config.Host; Config.PublicHost, when set, replaces it in
// Contact and in SDP c= and o= (a static NAT mapping), while Via's sent-by
// stays the bound address. Every request's Via carries rport (RFC 3581
// 3). A REGISTER response's Via received and rport give RegStatus.PublicAddr;
// over UDP and without PublicHost, an address other than our Contact's
// means we are behind NAT: the binding is renewed at once with that
// address as Contact (the old Contact removed with expires=0 in the same
// REGISTER), and the account's calls advertise it in Contact and SDP.
// Symmetric RTP (RFC 4961, media.Params.Symmetric) is used for accounts
// with SymmetricRTP, behind NAT, or when PublicHost is set. Account.Keepalive
// "crlf" sends a CRLF over UDP, or the CRLFCRLF ping over TCP and TLS, on
// the registration's flow every KeepalivePeriod (default 30 s, RFC 5626
// 4.4.1); "options" probes the account's registrar and proxy with OPTIONS
// at that period (UA.Servers).
// # Trunks
//
// An Account with Trunk set is a SIP trunk to a carrier or PBX: it takes
// calls for any number and is matched by where they come from, not by the
// Request-URI user. An INVITE from an address in its Peers (addresses or
// CIDR prefixes) is the trunk's, whatever it calls; its P-Asserted-Identity
// (RFC 3325 9.1) and Remote-Party-ID are trusted. A trunk with
// InboundUser/InboundPassword answers INVITEs (from its Peers, or from
// anywhere when it has none) with 401 and two challenges, MD5 then SHA-256
// (RFC 3261 22.4, RFC 2617 qop=auth, RFC 8760; MD5 first because deployed
// equipment answers only the topmost), and takes them once the digest
// verifies; a trunk reached by credentials alone is not trusted for
// identity, so the caller is From's. Nonces carry their time and an HMAC
// under a key drawn at start: one older than 5 minutes with otherwise
// right credentials gets a new challenge with stale=true and is no
// failure. Responses are compared in constant time and an unknown digest
// user is checked against a decoy password, so a wrong password and an
// unknown user get the same 401 after the same work, and both count
// against the source in Config.Guard (guard.Challenge): FailureLimit of
// them block it. While such trunks exist, an INVITE from no peer for a
// number no user account has, or without an SDP offer whatever its
// number, is challenged before anything else, so that offerless scans
// (svwar) see 401 for every number and password guessing (svcrack) is
// counted. An INVITE from an address that is no peer, for a trunk that
// takes calls only from its Peers, is an unknown user (404; 480 and a
// guard failure with a guard). REGISTER is answered 405 as before: we are
// no registrar.
//
// On an incoming trunk call Call.Local().Number is the called number, the
// Request-URI user; it, Remote().Number and Identity().Number are put into
// the form a local user dials: "+<CountryCode>rest" becomes
// NationalPrefix+rest, another "+" number InternationalPrefix+digits (when
// those are set), visual separators go. Identity().Private is set by
// Privacy: id/user/header (RFC 3323), Remote-Party-ID privacy=full, name or
// uri, or an anonymous From, from any source.
//
// Calls through a trunk (UA.Dial, DialWith with a bare number) go to
// sip:<number>@<Proxy host>[;URIParams], the extra parameters (e.g.
// user=phone) also in To, via Proxy (its transport parameter chooses UDP,
// TCP or TLS), answering 401/407 with User/AuthUser/Password. The called
// number and the calling number (From user, and the identity header) are
// in the trunk's NumberFormat: "e164" gives +CC..., "national" the
// national prefix for our country and the international prefix for
// others; a number whose form tells no country (a subscriber or short
// number) goes as dialled. Identity "pai" adds P-Asserted-Identity (RFC
// 3325; Trusted means the same), "rpid" Remote-Party-ID with
// party=calling;screen=yes;privacy=off. A private caller (DialOptions
// Privacy) gets From sip:anonymous@anonymous.invalid, Privacy: id (RFC
// 3323) and privacy=full in Remote-Party-ID. A trunk without Registrar does
// not register; with Config.Keepalive its Proxy is probed with OPTIONS and
// reported by UA.Servers.
//
// Per account: Codecs narrows the UA's codecs for offers and answers; DTMF
// chooses how Call.BeginDTMF, EndDTMF and SendDTMF send digits: "rfc4733"
// telephone-events from the media session, "info" INFO requests with
// application/dtmf-relay (Signal=, Duration= in ms, sent at the digit's end
// by one goroutine per call, in order), "inband" nothing (the digits stay in
// the audio: the caller must not mute them). Every kind is received.
//
// # Causes (RFC 3398, RFC 3326, RFC 6432)
//
// StatusForCause and CauseForStatus map Q.850 causes and SIP statuses.
// Terminal events carry Event.Cause, from a Reason: Q.850 header when the
// peer sent one; RejectCause and HangupCause send one.
//
// # Server location and failover (RFC 3263)
//
// A registrar given by name is located with NAPTR (SIP+D2U, SIP+D2T for the
// transports we listen on), SRV (priority, then weighted random order,
// RFC 2782) and A/AAAA records from Config.DNSServer. Every REGISTER walks
// the registrar's hops, then Account.Backup's, to the first that answers:
// no response, 408 or 5xx moves on, other failures do not. While a backup
// holds the binding it is refreshed there first and the earlier servers
// are tried again every Config.Failback; on success the old binding is
// removed.
//
// An INVITE (Dial, a redirection) resolves its next hop the same way: the
// Route when the account has an outbound proxy (Account.Proxy, e.g. a
// trunk's "sip:sbc.carrier.test"), else the Request-URI host; an account
// without its own Proxy tries the hop holding its registration first, then
// every other hop of its registrar and backups. The INVITE goes to the
// first hop; it moves on to the next, as a new transaction of the same
// call (new branch, next CSeq, same Call-ID, From tag, To and offer), when
// the hop cannot be reached (connection refused, failed TLS handshake),
// sends nothing within the hop timeout (Timer B, 64*T1 = 32 s) or answers
// 503 (RFC 3263 4.3). A hop that sent a provisional response other than
// 100 holds the call: no failover after it. A hop that failed goes to the
// back of every hop list for 60 s (a 503's Retry-After, up to 10 min,
// when given), so the calls that follow go straight to a live one; any
// response takes it off. The log line "sip: INVITE sent" names the hop of
// each attempt. Over TLS the certificate is checked against the URI's
// host whichever address is used. CANCEL goes to the hop of the INVITE it
// cancels (RFC 3261 9.1). When resolution fails (no DNS server, a name
// only /etc/hosts knows) sipgo resolves the URI itself, without failover.
//
// # Concurrency
//
// UA and Call methods are safe for concurrent use. Hold, Resume,
// ChangeCodec, Transfer, TransferReplacing and SendInfoDTMF block until the
// peer answers their request; BeginDTMF, EndDTMF and SendDTMF never block; our in-dialog requests are serialised per
// call. Session timers run on time.AfterFunc goroutines that end with the
// call; MWI subscriptions, keepalive probes and CRLF keepalives have one
// goroutine each until Run returns. Redirections and next-hop failover
// are followed by the goroutine that follows the outgoing INVITE (a
// timer and a CANCEL goroutine per attempt end with it); the dead-hop
// list is shared by all calls under its own lock; Remote and Diverted are
// guarded by the call's mutex. sipgo runs each
// incoming request in its own goroutine; the goroutine of a new INVITE owns
// that server transaction until the final response is done. Call events are
// delivered on a buffered channel that is never blocked on: each progress
// kind is reported once, and the terminal event (EventEnded or EventFailed)
// is always delivered, after which the channel is closed. Handler.OnIncoming
// must not block. Hangup, Answer and Reject return at once; their outcome
// arrives as events.
package sip
