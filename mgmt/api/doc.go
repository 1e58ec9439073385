// Package api serves tipring's management HTTP interface: the REST API
// under /api/v1/, Prometheus metrics at /metrics and the web UI at /.
//
// # Routes
//
//	GET  /api/v1/status          gateway.Status
//	GET  /api/v1/ports           []gateway.PortStatus
//	GET  /api/v1/calls           []gateway.CallInfo
//	GET  /api/v1/registrations   []Registration
//	GET  /api/v1/groups          []gateway.GroupStatus: hunt groups, their strategy and
//	                             members (state, calls and last use per group); 404 when
//	                             the Gateway is no GroupLister
//	GET  /api/v1/servers         []Server: each registrar, proxy and trunk the OPTIONS
//	                             keepalive probes, the accounts using it, up or down;
//	                             404 when the Gateway is no ServerLister
//	GET  /api/v1/cdr             []gateway.CDR, newest first; ?limit=N (0-10000),
//	                             ?since= (RFC 3339, Unix seconds or a duration ago), ?number=
//	POST /api/v1/config/check    body: a YAML configuration; answer {"ok":bool,"errors":[...]}
//	POST /api/v1/lines/{name}/learn-tone
//	                             body {"number","seconds","signal"}: seize the idle line,
//	                             wait for dial tone, dial number (one that is busy),
//	                             record seconds (default 8, 2-60), release, learn the
//	                             tone; answer gateway.LearnedTone: {"line","number",
//	                             "signature" (lines[].disconnect_tones syntax, e.g.
//	                             "busy 480 Hz 300/200 ms"),"signal","freqs_hz",
//	                             "cadence_ms","levels_db","level_dbm0","zone_tone",
//	                             "seconds"}; 400 bad request, 404 unknown line (or a
//	                             Gateway that is no ToneLearner), 409 line not idle,
//	                             502 no dial tone or the call failed, 422 no periodic
//	                             tone heard, 504 took longer than seconds + 90 s
//	GET  /api/v1/sim             the simulated board's snapshot
//	POST /api/v1/sim/{target}/{port}/{op}
//	                             target phone: offhook onhook flash stop dial pulse play record
//	                             target line:  ring stop answer hangup play record
//	                             optional JSON body (or query parameters):
//	                             {"digits","freq","level","seconds","number","name"};
//	                             answer {"data":...,"samples":N}, or for record with
//	                             ?format=wav or Accept: audio/wav a 16-bit 8 kHz mono WAV file
//	GET    /api/v1/security/blocked        []guard.Entry, soonest release first
//	POST   /api/v1/security/blocked        {"addr","seconds","reason"}: block a source
//	                                       (seconds 0 = the configured block_for)
//	DELETE /api/v1/security/blocked/{addr} lift a block: 204, or 404 if not blocked
//	GET    /api/v1/security/allow          {"prefixes":[...],"entries":[{"prefix","source"}]};
//	                                       PUT {"prefixes":[...]} replaces the list
//	GET    /api/v1/security/deny           the same for the deny list
//	                                       (entries and their source "config" or "api"
//	                                       only when the Security implements
//	                                       SecuritySources, as guardstore.Store does;
//	                                       configuration entries survive a PUT that
//	                                       omits them: only the config file removes them)
//	GET    /api/v1/security/stats          guard.Stats
//	                             (all 404 when the daemon runs without a SIP guard)
//	GET  /metrics                Prometheus text exposition; with a SIP guard also
//	                             tipring_sip_blocked_sources, tipring_sip_dropped_total{reason}
//	GET  /                       web UI (index.html + app.js, embedded)
//
// Every error is JSON {"error":"..."}: 400 for malformed input (bad port
// number, unknown op, bad JSON, limit not a number), 404 for an unknown
// route or a missing facility (no simulator, no CDR store), 405 for a wrong
// method (with Allow), 409/404/400 when a SimControl wraps ErrConflict,
// ErrNotFound or ErrInvalid, 413 for a body over 1 MiB, 500 only for a
// failure inside the daemon. A panic in a handler is recovered, logged and
// answered with 500.
//
// # Metrics
//
// A private prometheus.Registry holds a collector that reads the Gateway
// views at scrape time (tipring_calls_active, tipring_calls_total,
// tipring_ports{state}, tipring_port_off_hook{port},
// tipring_sip_registered{account}, tipring_build_info{version}) plus the Go
// runtime and process collectors. Metric names follow the Prometheus
// naming conventions (counters end in _total); the exposition format is
// the Prometheus text format 0.0.4 / OpenMetrics as negotiated by promhttp.
// WAV output is RIFF/WAVE PCM (WAVE_FORMAT_PCM, 16-bit little-endian).
//
// # Concurrency
//
// The handler is safe for concurrent requests. It calls the Gateway,
// CDRQuerier and SimControl from request goroutines, concurrently, so their
// implementations must be safe for concurrent use. The package keeps no
// global state.
package api
