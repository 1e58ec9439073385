// Package config reads and validates tipring's one YAML configuration file
// and turns it into the gateway's gateway.Config.
//
// # Schema
//
// Every key, its type and its default (ExampleYAML returns the same as a
// commented file; DefaultYAML returns the defaults):
//
//	board.backend            string    "sim" or "dahdi"                       default sim
//	board.sim.fxs            int       FXS ports, 0-256                        4
//	board.sim.fxo            int       FXO ports, 0-256                        2
//	board.sim.e1_spans       int       E1 spans, 0-256                         1
//	board.sim.frame_ms       int       10, 20 or 30                            20
//	board.sim.echo_loss_db   number    hybrid echo return loss, 0-120 dB       20
//	board.sim.echo_delay_ms  int       echo path delay, 0-128 ms               4
//	board.sim.fast           bool      simulated clock faster than real time   false
//	board.dahdi.dev_dir      string    DAHDI device directory                  /dev/dahdi
//	zone                     string    us uk de fr cn jp au it nl br in ru     us
//	data_dir                 string    CDR database etc.; "" = daemon's choice ""
//	http.listen              string    HOST:PORT of web UI, API, metrics       127.0.0.1:8080
//	sip.listen               [string]  TRANSPORT:HOST:PORT, udp, tcp or tls    udp and tcp 127.0.0.1:5060
//	sip.host                 string    advertised address; "" = first listen   ""
//	sip.user_agent           string    User-Agent header                       tipring
//	sip.rtp_ports            string    RTP port range LOW-HIGH                 10000-10999
//	sip.codecs               [string]  subset of PCMU, PCMA, by preference     [PCMU, PCMA]
//	sip.dtmf_pt              int       RFC 4733 payload type, 96-127           101
//	sip.tls.cert             string    PEM certificate chain (server, client)  ""
//	sip.tls.key              string    PEM private key of cert                 ""
//	sip.tls.ca               string    PEM CAs for peers; "" = system roots    ""
//	sip.tls.verify_client    bool      tls listeners require client certs      false
//	sip.tls.min_version      string    1.2 or 1.3                              1.2
//	sip.public_host          string    public IP for Contact/SDP behind NAT    "" (learn via rport)
//	sip.keepalive            duration  OPTIONS ping period (up/down state)     0 (off)
//	sip.dns_server           string    resolver ip:port for NAPTR/SRV/A         /etc/resolv.conf
//	sip.diversion_format     string    diversion, history-info, both           diversion
//	security.off             bool      run SIP without the guard               false
//	security.failure_limit   int       failures that block, 0-10000            5
//	security.failure_window  duration  sliding window of failures              1m
//	security.block_for       duration  first block (doubles per offence)       10m
//	security.max_block_for   duration  cap of the doubling                     24h
//	security.allow           [string]  CIDRs/addresses never blocked           []
//	security.deny            [string]  CIDRs/addresses always dropped          []
//	security.rates.{invite,register,options,other}.per_second / .burst
//	                         float/int per-source token bucket                 5/20 2/20 2/10 50/200
//	security.max_message_size int      bytes, 1024-65535 (513 above)           65535
//	security.max_headers     int       header fields, 16-1000 (400 above)      256
//	security.blocked_reply   string    drop or 403                             drop
//	accounts[]               list      SIP accounts                            none
//	  .name                  string    unique; ports and routes refer to it
//	  .user                  string    AOR user part
//	  .auth_user             string    digest user; "" = user
//	  .password              string    digest password
//	  .domain                string    AOR domain; "" = registrar host
//	  .display_name          string    From display name
//	  .registrar             string    sip:/sips: URI; "" = no REGISTER
//	  .proxy                 string    outbound proxy sip:/sips: URI; "" = none
//	  .expires               int       registration lifetime, >= 60 s         3600
//	  .srtp                  string    off, optional, mandatory (SDES-SRTP)    off
//	  .backup                []string  further registrars, fail-back to first  []
//	  .mwi                   bool      subscribe to message-summary (RFC 3842) false
//	  .trusted               bool      send P-Asserted-Identity (RFC 3325)     false
//	  .max_redirects         int       3xx followed per call; -1 = none         0 (= 5)
//	  .symmetric_rtp         bool      RTP to where the peer's RTP comes from  false
//	  .keepalive             string    NAT keepalive: "", crlf, options        ""
//	  .keepalive_period      duration  its period                              30s
//	  .codecs                []string  codec preference, subset of sip.codecs  sip.codecs
//	  .dtmf                  string    rfc4733, info, inband                   rfc4733
//	  .trunk                 bool      a trunk: any number, matched by peers   false
//	  .peers                 []string  addresses/CIDRs of the trunk's peers     []
//	  .inbound_user          string    digest user callers must present        ""
//	  .inbound_password      string    its password                            ""
//	  .uri_params            string    extra Request-URI parameters            ""
//	  .number_format         string    "", e164, national                       ""
//	  .country_code          string    our country code, e.g. 49               ""
//	  .national_prefix       string    trunk prefix, e.g. 0                    ""
//	  .international_prefix  string    e.g. 00 (011 in NANP)                   ""
//	  .identity              string    "", pai, rpid                            ""
//	dialplan.digit_map       string    ATA digit map (see CheckDigitMap)       2xxx|9x.T|*xx
//	dialplan.inter_digit     duration  long inter-digit timer T                4s
//	dialplan.short_inter_digit duration short inter-digit timer S              1500ms
//	dialplan.first_digit     duration  dial tone before giving up              15s
//	dialplan.off_hook_warning duration off hook idle before the howler         30s
//	dialplan.no_answer       duration  ring time of an incoming call           60s
//	fxs.caller_id            string    caller-ID scheme to phones; "" = zone's ""
//	fxs.no_call_waiting      bool      no call waiting / flash services        false
//	fxs.flash_min            duration  shortest hook flash, 20ms-2s            100ms
//	fxs.flash_max            duration  longest hook flash, > flash_min, <= 2s  800ms
//	fxs.pulse_dialing        string    normal, sweden, newzealand              normal
//	echo.tail                duration  echo canceller tail, 16ms-128ms         64ms
//	echo.off                 bool      no line echo canceller                  false
//	ports[]                  list      FXS ports                               span 1 chan 1-4 = 2001-2004
//	  .span, .chan           int       >= 1; each pair once
//	  .extension             string    unique local number (0-9 * #)
//	  .account               string    account name; "" = local calls only
//	  .caller_name           string    name presented to the called party
//	  .caller_id             string    this port's scheme; "" = fxs.caller_id
//	  .no_call_waiting       bool      no call waiting on this port
//	  .hotline               string    number dialled on off-hook; "" = none
//	  .warmline_delay        duration  hotline after this long without a digit, 0-1m
//	  .dnd                   bool      start in do-not-disturb
//	  .reverse_on_answer     bool      polarity reversal when the far end answers
//	  .reverse_on_far_hangup bool      polarity reversal when the far end clears
//	  .rx_gain_db            number    gain from the phone, -24..12 dB
//	  .tx_gain_db            number    gain to the phone, -24..12 dB
//	  .forward_always        string    call forward unconditional number
//	  .forward_busy          string    call forward on busy number
//	  .forward_no_answer     string    call forward on no answer number
//	  .forward_no_answer_delay duration ringing before forward on no answer, 0-5m (0 = 20s)
//	lines[]                  list      FXO ports (PSTN lines)                  span 1 chan 5-6 = pstn1, pstn2
//	  .span, .chan           int       >= 1; not an FXS port's; each pair once
//	  .name                  string    name routes use; "" = channel name
//	  .group                 string    hunt group name; "" = none
//	  .order                 int       linear hunt rank, lowest first          0
//	  .account               string    SIP account for sip: destinations; incoming SIP
//	                                   calls for it are dialled out on its lines
//	  .inbound               string    fixed, twostage or none                 fixed
//	  .destination           string    fixed: extension, number or sip: URI
//	  .digit_map             string    two-stage digit map; "" = dialplan's
//	  .rings_before_answer   int       1-20                                    2
//	  .dial_mode             string    dtmf or pulse                           dtmf
//	  .caller_id             [string]  bellcore etsi bt ntt dtmf off; left out = zone's
//	  .answer_polarity       bool      answered when the line reverses         false
//	  .answer_delay          duration  assumed answer after dialling           0s
//	  .require_dial_tone     bool      fail without dial tone                  false
//	  .dial_tone_wait        duration  wait for dial tone; 0 = 3s              0s
//	  .disconnect_cpc        bool      loop-current drop clears the call       true
//	  .disconnect_polarity   bool      polarity reversal clears the call       true
//	  .disconnect_tone       bool      busy/reorder tone clears the call       true
//	  .cpc_qualify           duration  100ms-800ms; 0 = 250ms                  0s
//	  .silence_timeout       duration  clear a silent call; 0 = never          0s
//	  .disconnect_tones      [string]  tones of the line's exchange or PBX that no zone has,
//	                                   clearing a call like busy/reorder (up to 8):
//	                                   "SIGNAL FREQ[+FREQ] Hz ON/OFF[/ON/OFF] ms [LEVEL/.. dB]",
//	                                   SIGNAL busy or congestion, e.g. "busy 480 Hz 300/200 ms";
//	                                   POST /api/v1/lines/{name}/learn-tone or
//	                                   `tipring line learn-tone` prints it
//	routes[]                 list      routing table, first match wins         9x.T to group pstn
//	  .called                string    called pattern: digit map or re:REGEXP
//	  .pattern               string    older name of called (set one)
//	  .source                string    any, extension, FXS/s/c, group, line or
//	                                   SIP account; SIP calls need their account
//	  .calling               string    calling pattern like called; "" = any
//	  .time                  [string]  "[DAYS] [HH:MM-HH:MM]" windows; any one
//	                                   matches; end < start crosses midnight
//	  .account               string    destination: account the call goes through
//	  .target                string    sip:/sips: URI template, {n} = number
//	  .port                  string    ... or a local port (extension, FXS/s/c)
//	  .lines                 [string]  ... or these lines
//	  .group                 string    ... or a group (lines' group or groups[])
//	  .hunt                  string    linear, roundrobin, lru; "" = group's
//	  .strip                 int       called: leading digits removed, 0-32
//	  .prefix                string    called: digits added after stripping
//	  .replace               mapping   called: then {match: REGEXP, replace: $1…}
//	  .calling_strip         int       calling: the same three rewrites
//	  .calling_prefix        string
//	  .calling_replace       mapping
//	groups[]                 list      hunt groups of ports and lines
//	  .name                  string    unique; not a port or line name
//	  .strategy              string    linear, roundrobin or lru               linear
//	  .members[].port        string    extension, FXS/s/c or line name
//	  .members[].order       int       linear rank, lowest first               0
//	time_zone                string    IANA zone of routes[].time; "" = local
//
// The routing table. A number dialled on an FXS port rings a local
// extension first; otherwise the routes are tried in order and the first
// whose source, called pattern, calling pattern and time all match takes
// the call. Numbers routed from PSTN lines use the same table with the
// line (and its groups) as source. An incoming SIP call is routed by its
// called number (Request-URI user) only through routes whose source names
// its account; when none matches it rings the account's port or goes out
// on the account's lines as before. A SIP call routed to another SIP
// destination is refused with 403 (no SIP-to-SIP bridge). Rewrites apply
// strip, then prefix, then the regular expression. lines[].group keeps
// working: it makes the line a member of that group (declared or implicit
// linear). Group hunting: linear takes the free member of lowest order,
// equal orders the one idle longest; roundrobin the free member after the
// one the group used last; lru the member the group used least recently.
// A member is free when its phone is on hook, without a call, and not in
// do-not-disturb (a line: idle and in service). Hunt state is per group.
//
// Durations are Go durations with a unit ("4s", "1500ms", "1m"). Numbers
// are accepted unquoted where a string is expected (user: 2001).
//
// # How it works
//
// Parse starts from the embedded default, reads the YAML into a node tree
// (go.yaml.in/yaml/v3) and walks it against the File struct by reflection,
// recording the line and column of every value. Unknown keys, keys written
// twice and values of the wrong type are reported there; semantic checks
// (known backend and zone, listen addresses, port range, codec names,
// account, line and group references, unique extensions, line names and
// channels, digit map syntax, SIP URIs, caller-ID scheme names, duration
// and gain ranges) run afterwards and use the recorded
// positions. All problems are returned together as an *ErrorList whose
// lines read "tipring.yaml:12: sip.rtp_ports: "10000-9" is not a range
// LOW-HIGH". Aliases are followed with a bound on the number of values so a
// hostile file cannot exhaust memory; no input makes Parse panic.
//
// Listen entries follow RFC 3261 clause 18 transports (udp, tcp) and TLS
// (clause 26.2, RFC 5630); a tls entry needs sip.tls.cert and key, and
// verify_client needs ca (the files are read when the user agent starts);
// dtmf_pt is
// the dynamic payload type of RFC 4733 clause 2.3 telephone-events; digit
// maps use the syntax of RFC 3435 (MGCP) clause 2.1.5 with the T and S timer
// marks used by analog telephone adapters.
//
// # Concurrency
//
// Parse, Load and Default are safe for concurrent use. A *File is a plain
// value: read it from many goroutines, but do not modify it while others
// read it.
package config
