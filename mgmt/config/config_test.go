package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"tipring/gateway"
	"tipring/sip"
)

func TestDefault(t *testing.T) {
	f := Default()
	if f.Board.Backend != "sim" || f.Board.Sim.FXS != 4 || f.Board.Sim.FXO != 2 || f.Board.Sim.E1Spans != 1 {
		t.Errorf("board = %+v, want sim 4/2/1", f.Board)
	}
	if f.Zone != "us" || f.HTTP.Listen != "127.0.0.1:8080" {
		t.Errorf("zone %q http %q", f.Zone, f.HTTP.Listen)
	}
	if want := []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"}; !reflect.DeepEqual(f.SIP.Listen, want) {
		t.Errorf("sip.listen = %q, want %q", f.SIP.Listen, want)
	}
	if f.SIP.RTPPortMin != 10000 || f.SIP.RTPPortMax != 10999 {
		t.Errorf("rtp range %d-%d", f.SIP.RTPPortMin, f.SIP.RTPPortMax)
	}
	if f.SIP.AdvertisedHost() != "127.0.0.1" {
		t.Errorf("advertised host %q", f.SIP.AdvertisedHost())
	}
	// One account per port, none registering: the ports are reachable as
	// sip:200N@127.0.0.1:5060 with no server.
	if len(f.Accounts) != 4 {
		t.Fatalf("default has %d accounts, want 4", len(f.Accounts))
	}
	for i, a := range f.Accounts {
		if a.Registrar != "" || a.User != "200"+string(rune('1'+i)) || a.Name != "fxs"+string(rune('1'+i)) {
			t.Errorf("accounts[%d] = %+v", i, a)
		}
	}
	if len(f.Ports) != 4 {
		t.Fatalf("ports = %d, want 4", len(f.Ports))
	}
	for i, p := range f.Ports {
		want := Port{Span: 1, Chan: i + 1, Extension: "200" + string(rune('1'+i)), Account: "fxs" + string(rune('1'+i)), CallerName: p.CallerName}
		if p != want {
			t.Errorf("ports[%d] = %+v, want %+v", i, p, want)
		}
	}
	// The two simulated PSTN lines ring extension 2001 and take 9 + number.
	wantLines := []Line{
		{Span: 1, Chan: 5, Name: "pstn1", Group: "pstn", Inbound: "fixed", Destination: "2001", RingsBeforeAnswer: 2,
			DialMode: "dtmf", DisconnectCPC: true, DisconnectPolarity: true, DisconnectTone: true},
		{Span: 1, Chan: 6, Name: "pstn2", Group: "pstn", Inbound: "fixed", Destination: "2001", RingsBeforeAnswer: 2,
			DialMode: "dtmf", DisconnectCPC: true, DisconnectPolarity: true, DisconnectTone: true},
	}
	if !reflect.DeepEqual(f.Lines, wantLines) {
		t.Errorf("lines = %+v\nwant %+v", f.Lines, wantLines)
	}
	if want := []Route{{Pattern: "9x.T", Group: "pstn", Hunt: "linear", Strip: 1}}; !reflect.DeepEqual(f.Routes, want) {
		t.Errorf("routes = %+v, want %+v", f.Routes, want)
	}
	if f.FXS.FlashMin != 100*time.Millisecond || f.FXS.FlashMax != 800*time.Millisecond || f.Echo.Tail != 64*time.Millisecond {
		t.Errorf("fxs %+v echo %+v", f.FXS, f.Echo)
	}
	g := f.Gateway()
	if len(g.Lines) != 2 || g.Lines[0].NoCPC || g.Lines[1].Destination != "2001" || len(g.Routes) != 1 || g.Routes[0].Group != "pstn" {
		t.Errorf("Gateway() lines %+v routes %+v", g.Lines, g.Routes)
	}
	if !digitMapHasPrefix(f.Dialplan.DigitMap, "9x.T") {
		t.Errorf("default digit map %q does not take 9 + number", f.Dialplan.DigitMap)
	}
	for _, n := range []string{"2001", "2999"} {
		if !digitMapMatchesFour(f.Dialplan.DigitMap, n) {
			t.Errorf("default digit map %q does not cover %s", f.Dialplan.DigitMap, n)
		}
	}
	if f.Dialplan.InterDigit != 4*time.Second || f.Dialplan.ShortInterDigit != 1500*time.Millisecond {
		t.Errorf("timers %v %v", f.Dialplan.InterDigit, f.Dialplan.ShortInterDigit)
	}
}

func digitMapHasPrefix(m, alt string) bool {
	for _, a := range strings.Split(m, "|") {
		if a == alt {
			return true
		}
	}
	return false
}

// digitMapMatchesFour is a tiny check that some alternative is a literal
// "2xxx"-style 4-digit pattern matching n; the real matcher lives in the
// telephony layer.
func digitMapMatchesFour(m, n string) bool {
	for _, alt := range strings.Split(m, "|") {
		if len(alt) == 4 && len(n) == 4 {
			ok := true
			for i := range 4 {
				if alt[i] != 'x' && alt[i] != n[i] {
					ok = false
				}
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func TestExampleParses(t *testing.T) {
	f, err := Parse(ExampleYAML(), "example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Accounts) != 2 || f.Accounts[0].Registrar != "sip:127.0.0.1:5070" || f.Accounts[0].Expires != 3600 ||
		!f.Accounts[1].Trunk || f.Accounts[1].NumberFormat != "e164" || f.Accounts[1].Peers[0] != "127.0.0.1/32" {
		t.Errorf("accounts = %+v", f.Accounts)
	}
	g := f.Gateway()
	want := gateway.Config{
		Zone: "us", DigitMap: "[2-8]xxx|9x.T|*xx|0T|0x.T",
		InterDigit: 4 * time.Second, ShortInterDigit: 1500 * time.Millisecond,
		FirstDigit: 15 * time.Second, OffHookWarning: 30 * time.Second, NoAnswer: 60 * time.Second,
		FlashMin: 100 * time.Millisecond, FlashMax: 800 * time.Millisecond, PulseDialing: "normal",
		EchoTail: 64 * time.Millisecond,
		Ports: []gateway.PortConfig{{Span: 1, Chan: 1, Extension: "2001", Account: "fxs1", CallerName: "Port 1",
			ForwardNoAnswerDelay: 20 * time.Second}},
		Lines: []gateway.LineConfig{{Span: 1, Chan: 5, Name: "pstn1", Group: "pstn", Inbound: "fixed",
			Destination: "2001", RingsBeforeAnswer: 2, DialMode: "dtmf", CallerID: []string{"bellcore"},
			DialToneWait: 3 * time.Second, CPCQualify: 250 * time.Millisecond, DisconnectTones: []string{}}},
		Routes: []gateway.Route{
			{Pattern: "9x.", Source: "any", Time: []string{}, Account: "fxs1", Strip: 1, Lines: []string{}, Hunt: "linear",
				CallingReplace: gateway.Replace{Match: "^0049", Replace: "0"}},
			{Pattern: "0x.T", Group: "pstn", Hunt: "roundrobin", Strip: 1},
			{Pattern: "600", Group: "sales"},
		},
		Groups:          []gateway.GroupConfig{{Name: "sales", Strategy: "linear", Members: []gateway.GroupMember{{Port: "2001"}}}},
		TimeZone:        "Europe/Berlin",
		DiversionFormat: "diversion",
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("Gateway() =\n%+v\nwant\n%+v", g, want)
	}
}

// TestExampleDocumentsEveryField keeps example.yaml and doc.go complete:
// every yaml key of File must appear in both.
func TestExampleDocumentsEveryField(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	ex := string(ExampleYAML())
	var walk func(reflect.Type)
	walk = func(tp reflect.Type) {
		for i := range tp.NumField() {
			sf := tp.Field(i)
			name := yamlName(sf)
			if name == "" {
				continue
			}
			if !strings.Contains(ex, name+":") {
				t.Errorf("example.yaml does not show %s", name)
			}
			if !strings.Contains(string(doc), name) {
				t.Errorf("doc.go does not document %s", name)
			}
			ft := sf.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != durationType {
				walk(ft)
			}
		}
	}
	walk(reflect.TypeFor[File]())
}

func TestOverlayKeepsDefaults(t *testing.T) {
	f, err := Parse([]byte("zone: de\nsip:\n  dtmf_pt: 96\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Zone != "de" || f.SIP.DTMFPT != 96 {
		t.Errorf("zone %q dtmf_pt %d", f.Zone, f.SIP.DTMFPT)
	}
	if f.SIP.UserAgent != "tipring" || len(f.Ports) != 4 || f.Board.Sim.FrameMS != 20 {
		t.Errorf("defaults lost: %+v", f)
	}
	f, err = Parse([]byte("ports:\n  - {span: 1, chan: 2, extension: 300}\n"), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Ports) != 1 || f.Ports[0].Extension != "300" {
		t.Errorf("ports not replaced: %+v", f.Ports)
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	for _, in := range []string{"", "\n", "# nothing\n", "---\n", "~\n"} {
		f, err := Parse([]byte(in), "e.yaml")
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		d := Default()
		d.Name, f.Name = "", ""
		d.pos, f.pos = nil, nil
		if !reflect.DeepEqual(f, d) {
			t.Errorf("%q: not the default", in)
		}
	}
}

func TestAnchorsAndAliases(t *testing.T) {
	in := `
accounts:
  - &a {name: a, user: "1", registrar: "sip:127.0.0.1:5070"}
ports:
  - {span: 1, chan: 1, extension: "2001", account: a}
  - {span: 1, chan: 2, extension: "2002", account: a}
`
	f, err := Parse([]byte(in), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.Ports[1].Account != "a" {
		t.Errorf("%+v", f.Ports)
	}
}

func TestBrokenFiles(t *testing.T) {
	cases := []struct {
		name, in string
		line     int
		field    string
		msg      string // substring
	}{
		{"rtp range", "zone: us\nsip:\n  rtp_ports: \"10000-9\"\n", 3, "sip.rtp_ports", `"10000-9" is not a range LOW-HIGH`},
		{"unknown top", "zone: us\nzoen: de\n", 2, "zoen", "unknown field"},
		{"unknown nested", "board:\n  sim:\n    fxs: 4\n    fsx: 2\n", 4, "board.sim.fsx", "unknown field"},
		{"unknown in list", "ports:\n  - span: 1\n    chan: 1\n    extension: \"1\"\n    colour: red\n", 5, "ports[0].colour", "unknown field"},
		{"typo suggestion", "sip:\n  user-agent: x\n", 2, "sip.user-agent", `did you mean "user_agent"`},
		{"backend", "board:\n  backend: asterisk\n", 2, "board.backend", `"asterisk" is not a known backend`},
		{"zone", "\nzone: xx\n", 2, "zone", `"xx" is not a known tone zone`},
		{"frame", "board:\n  sim: {frame_ms: 25}\n", 2, "board.sim.frame_ms", "25 is not 10, 20 or 30"},
		{"int type", "board:\n  sim:\n    fxs: four\n", 3, "board.sim.fxs", `expected an integer, got "four"`},
		{"bool type", "board:\n  sim:\n    fast: maybe\n", 3, "board.sim.fast", "expected true or false"},
		{"float type", "board:\n  sim:\n    echo_loss_db: [1]\n", 3, "board.sim.echo_loss_db", "expected a number, got a list"},
		{"struct type", "http: 8080\n", 1, "http", "expected a mapping"},
		{"list type", "sip:\n  listen: udp:127.0.0.1:5060\n", 2, "sip.listen", "expected a list"},
		{"string type", "zone: {a: b}\n", 1, "zone", "expected a string"},
		{"listen transport", "sip:\n  listen:\n    - udp:127.0.0.1:5060\n    - sctp:127.0.0.1:5060\n", 4, "sip.listen[1]", "transport udp, tcp or tls"},
		{"listen port", "sip:\n  listen: [\"udp:127.0.0.1:70000\"]\n", 2, "sip.listen[0]", "not in 1-65535"},
		{"listen dup", "sip:\n  listen: [\"udp:127.0.0.1:5060\",\n    \"udp:127.0.0.1:5060\"]\n", 3, "sip.listen[1]", "listed twice"},
		{"listen empty", "sip:\n  listen: []\n", 2, "sip.listen", "at least one"},
		{"codec", "sip:\n  codecs: [PCMU, G729]\n", 2, "sip.codecs[1]", `"G729" is not a supported codec`},
		{"dtmf pt", "sip:\n  dtmf_pt: 8\n", 2, "sip.dtmf_pt", "96-127"},
		{"http listen", "http:\n  listen: localhost\n", 2, "http.listen", "is not HOST:PORT"},
		{"account dup", "accounts:\n  - {name: a, user: \"1\"}\n  - {name: a, user: \"2\"}\n", 3, "accounts[1].name", `"a" is already the name of accounts[0]`},
		{"account no user", "accounts:\n  - name: a\n", 2, "accounts[0].user", "missing"},
		{"account name", "accounts:\n  - {name: \"a b\", user: \"1\"}\n", 2, "accounts[0].name", "is not a name"},
		{"registrar", "accounts:\n  - name: a\n    user: \"1\"\n    registrar: 127.0.0.1:5070\n", 4, "accounts[0].registrar", "not a sip: or sips: URI"},
		{"proxy", "accounts:\n  - name: a\n    user: \"1\"\n    proxy: \"http://x\"\n", 4, "accounts[0].proxy", "not a sip: or sips: URI"},
		{"expires", "accounts:\n  - name: a\n    user: \"1\"\n    expires: 30\n", 4, "accounts[0].expires", "less than 60"},
		{"expires zero", "accounts:\n  - name: a\n    user: \"1\"\n    expires: 0\n", 4, "accounts[0].expires", "less than 60"},
		{"backup uri", "accounts:\n  - name: a\n    user: \"1\"\n    registrar: sip:r\n    backup: [\"sip:b\", \"b2\"]\n", 5, "accounts[0].backup[1]", "not a sip: or sips: URI"},
		{"backup alone", "accounts:\n  - name: a\n    user: \"1\"\n    backup: [\"sip:b\"]\n", 4, "accounts[0].backup", "need a registrar"},
		{"max redirects", "accounts:\n  - name: a\n    user: \"1\"\n    max_redirects: -2\n", 4, "accounts[0].max_redirects", "is not -1"},
		{"keepalive mode", "accounts:\n  - name: a\n    user: \"1\"\n    keepalive: stun\n", 4, "accounts[0].keepalive", "not a keepalive mode"},
		{"keepalive period", "accounts:\n  - name: a\n    user: \"1\"\n    keepalive_period: 10ms\n", 4, "accounts[0].keepalive_period", "want 1s or more"},
		{"public host", "sip:\n  public_host: nat.example.com\n", 2, "sip.public_host", "not an IP address"},
		{"options keepalive", "sip:\n  keepalive: -5s\n", 2, "sip.keepalive", "want 1s or more"},
		{"dns server", "sip:\n  dns_server: 127.0.0.1\n", 2, "sip.dns_server", "not ip:port"},
		{"diversion format", "sip:\n  diversion_format: rpid\n", 2, "sip.diversion_format", "not diversion, history-info or both"},
		{"peers without trunk", "accounts:\n  - name: a\n    user: \"1\"\n    peers: [127.0.0.1]\n", 2, "accounts[0].trunk", "need trunk: true"},
		{"bad peer", "accounts:\n  - name: a\n    trunk: true\n    peers: [\"10.0.0.0/33\"]\n", 4, "accounts[0].peers[0]", "not an IP address or CIDR"},
		{"inbound half", "accounts:\n  - name: a\n    trunk: true\n    inbound_user: x\n", 4, "accounts[0].inbound_user", "go together"},
		{"dtmf mode", "accounts:\n  - name: a\n    user: \"1\"\n    dtmf: sms\n", 4, "accounts[0].dtmf", "not a DTMF mode"},
		{"account codec", "accounts:\n  - name: a\n    user: \"1\"\n    codecs: [G729]\n", 4, "accounts[0].codecs[0]", "not one of sip.codecs"},
		{"e164 without cc", "accounts:\n  - name: a\n    trunk: true\n    number_format: e164\n", 2, "accounts[0].country_code", "needs the country code"},
		{"identity", "accounts:\n  - name: a\n    trunk: true\n    identity: ppi\n", 4, "accounts[0].identity", "not an identity header"},
		{"uri params", "accounts:\n  - name: a\n    trunk: true\n    uri_params: \"user=phone x\"\n", 4, "accounts[0].uri_params", "not a list of URI parameters"},
		{"port account", "ports:\n  - {span: 1, chan: 1, extension: \"1\",\n     account: nope}\n", 3, "ports[0].account", `account "nope" is not defined`},
		{"route account", "routes:\n  - pattern: 9x.\n    account: nope\n", 3, "routes[0].account", `account "nope" is not defined`},
		{"route nothing", "routes:\n  - pattern: 9x.\n", 2, "routes[0].account", "needs an account, a target, lines, a group or a port"},
		{"route both", "routes:\n  - {pattern: 9x., target: \"sip:{n}@h\", group: pstn}\n", 2, "routes[0].account", "not both"},
		{"route line", "routes:\n  - pattern: 9x.\n    lines: [pstn1, nope]\n", 3, "routes[0].lines[1]", `line "nope" is not defined`},
		{"route group", "routes:\n  - pattern: 9x.\n    group: nope\n", 3, "routes[0].group", `no group "nope"`},
		{"route hunt", "routes:\n  - {pattern: 9x., group: pstn,\n     hunt: random}\n", 3, "routes[0].hunt", `"random" is not a hunt strategy`},
		{"fxs caller id", "fxs:\n  caller_id: clip\n", 2, "fxs.caller_id", `"clip" is not a caller-ID scheme`},
		{"fxs flash order", "fxs:\n  flash_min: 500ms\n  flash_max: 300ms\n", 3, "fxs.flash_max", "not longer than flash_min"},
		{"fxs flash range", "fxs:\n  flash_max: 3s\n", 2, "fxs.flash_max", "not in 20ms-2s"},
		{"fxs pulse", "fxs:\n  pulse_dialing: norway\n", 2, "fxs.pulse_dialing", `"norway" is not a pulse dialling`},
		{"echo tail", "echo:\n  tail: 300ms\n", 2, "echo.tail", "not in 16ms-128ms"},
		{"port caller id", "ports:\n  - {span: 1, chan: 1, extension: \"1\",\n     caller_id: nope}\n", 3, "ports[0].caller_id", "not a caller-ID scheme"},
		{"port hotline", "ports:\n  - {span: 1, chan: 1, extension: \"1\", hotline: \"12a\"}\n", 2, "ports[0].hotline", "not a number"},
		{"port warmline", "ports:\n  - span: 1\n    chan: 1\n    extension: \"1\"\n    warmline_delay: 5s\n", 5, "ports[0].warmline_delay", "without a hotline"},
		{"port gain", "ports:\n  - span: 1\n    chan: 1\n    extension: \"1\"\n    tx_gain_db: 30\n", 5, "ports[0].tx_gain_db", "not in -24..12 dB"},
		{"port forward", "ports:\n  - {span: 1, chan: 1, extension: \"1\", forward_busy: \"x\"}\n", 2, "ports[0].forward_busy", "not a number"},
		{"line on fxs chan", "lines:\n  - {span: 1, chan: 2, destination: \"2001\"}\n", 2, "lines[0].chan", "already ports[1]"},
		{"line dup chan", "lines:\n  - {span: 1, chan: 5, destination: \"2001\"}\n  - {span: 1, chan: 5, destination: \"2001\"}\n", 3, "lines[1].chan", "already lines[0]"},
		{"line dup name", "lines:\n  - {span: 1, chan: 5, name: a, destination: \"2001\"}\n  - {span: 1, chan: 6, name: a, destination: \"2001\"}\n", 3, "lines[1].name", "names another line"},
		{"line inbound", "lines:\n  - span: 1\n    chan: 5\n    inbound: did\n", 4, "lines[0].inbound", `"did" is not an inbound mode`},
		{"line no destination", "lines:\n  - {span: 1, chan: 5}\n", 2, "lines[0].destination", "needs a destination"},
		{"line sip dest no account", "lines:\n  - {span: 1, chan: 5, destination: \"sip:a@h\"}\n", 2, "lines[0].account", "through the line's account"},
		{"line bad destination", "lines:\n  - {span: 1, chan: 5, destination: \"two\"}\n", 2, "lines[0].destination", "not an extension"},
		{"line rings", "lines:\n  - {span: 1, chan: 5, destination: \"2001\", rings_before_answer: 0}\n", 2, "lines[0].rings_before_answer", "not in 1-20"},
		{"line dial mode", "lines:\n  - {span: 1, chan: 5, destination: \"2001\", dial_mode: mf}\n", 2, "lines[0].dial_mode", `"mf" is not a dial mode`},
		{"line caller id", "lines:\n  - span: 1\n    chan: 5\n    destination: \"2001\"\n    caller_id: [etsi, fsk]\n", 5, "lines[0].caller_id[1]", `"fsk" is not a caller-ID scheme`},
		{"line cpc", "lines:\n  - {span: 1, chan: 5, destination: \"2001\", cpc_qualify: 50ms}\n", 2, "lines[0].cpc_qualify", "not in 100ms-800ms"},
		{"line digit map", "lines:\n  - {span: 1, chan: 5, inbound: twostage, digit_map: \"[2\"}\n", 2, "lines[0].digit_map", "not closed"},
		{"line account", "lines:\n  - {span: 1, chan: 5, destination: \"2001\", account: nope}\n", 2, "lines[0].account", `account "nope" is not defined`},
		{"route pattern", "routes:\n  - pattern: \"9[x\"\n    target: sip:x@127.0.0.1\n", 2, "routes[0].pattern", "not closed"},
		{"route target", "routes:\n  - pattern: \"9x.\"\n    target: \"x@127.0.0.1\"\n", 3, "routes[0].target", "not a sip:"},
		{"route strip", "routes:\n  - {pattern: \"9x.\", target: \"sip:{n}@h\", strip: -1}\n", 2, "routes[0].strip", "not in 0-32"},
		{"route prefix", "routes:\n  - {pattern: \"9x.\", target: \"sip:{n}@h\", prefix: \"0a\"}\n", 2, "routes[0].prefix", "not a number"},
		{"ext dup", "ports:\n  - {span: 1, chan: 1, extension: \"2001\"}\n  - {span: 1, chan: 2, extension: \"2001\"}\n", 3, "ports[1].extension", "already the extension of ports[0]"},
		{"chan dup", "ports:\n  - {span: 1, chan: 1, extension: \"2001\"}\n  - {span: 1, chan: 1, extension: \"2002\"}\n", 3, "ports[1].chan", "already ports[0]"},
		{"span", "ports:\n  - span: 0\n    chan: 1\n    extension: \"1\"\n", 2, "ports[0].span", "less than 1"},
		{"chan", "ports:\n  - span: 1\n    chan: -3\n    extension: \"1\"\n", 3, "ports[0].chan", "less than 1"},
		{"ext chars", "ports:\n  - {span: 1, chan: 1, extension: \"20a1\"}\n", 2, "ports[0].extension", "not a number"},
		{"digit map chars", "dialplan:\n  digit_map: \"2xxx|9y\"\n", 2, "dialplan.digit_map", `character 'y'`},
		{"digit map brackets", "dialplan:\n  digit_map: \"[2-8xxx\"\n", 2, "dialplan.digit_map", "not closed"},
		{"digit map close", "dialplan:\n  digit_map: \"2xx]\"\n", 2, "dialplan.digit_map", "without '['"},
		{"digit map range", "dialplan:\n  digit_map: \"[8-2]xx\"\n", 2, "dialplan.digit_map", "not an ascending range"},
		{"digit map empty alt", "dialplan:\n  digit_map: \"2xxx||*xx\"\n", 2, "dialplan.digit_map", "empty"},
		{"digit map dot", "dialplan:\n  digit_map: \".2\"\n", 2, "dialplan.digit_map", "does not follow"},
		{"duration unit", "dialplan:\n  inter_digit: 4\n", 2, "dialplan.inter_digit", `"4" is not a duration`},
		{"duration neg", "dialplan:\n  no_answer: -5s\n", 2, "dialplan.no_answer", "not a positive duration"},
		{"duration zero", "dialplan:\n  first_digit: 0s\n", 2, "dialplan.first_digit", "not a positive duration"},
		{"key twice", "zone: us\nzone: uk\n", 2, "zone", "set twice"},
		{"syntax", "zone: us\nsip: [\n", 0, "", "yaml syntax"},
		{"syntax line", "zone: us\n  bad: indent\n", 2, "", "yaml syntax"},
		{"top not mapping", "- a\n- b\n", 1, "", "expected a mapping"},
		{"huge int", "board:\n  sim: {fxs: 99999999999}\n", 2, "board.sim.fxs", "not a usable integer"},
		{"sip host", "sip:\n  host: \"bad host\"\n", 2, "sip.host", "not an IP address"},
		{"nan", "board:\n  sim: {echo_loss_db: .nan}\n", 2, "board.sim.echo_loss_db", "not a finite number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.in), "tipring.yaml")
			if err == nil {
				t.Fatalf("no error for:\n%s", c.in)
			}
			var el *ErrorList
			if !errors.As(err, &el) {
				t.Fatalf("error %T is not *ErrorList: %v", err, err)
			}
			var found *FieldError
			for _, fe := range el.Errors {
				if fe.Field == c.field && strings.Contains(fe.Msg, c.msg) {
					found = fe
				}
			}
			if found == nil {
				t.Fatalf("no error for field %q containing %q in:\n%v", c.field, c.msg, err)
			}
			if c.line != 0 && found.Line != c.line {
				t.Errorf("line = %d, want %d (%v)", found.Line, c.line, found)
			}
			if found.File != "tipring.yaml" {
				t.Errorf("file = %q", found.File)
			}
			prefix := "tipring.yaml:"
			if c.line != 0 {
				prefix += strconv.Itoa(c.line) + ": "
			}
			if c.field != "" {
				prefix += c.field + ": "
			}
			if c.line != 0 && !strings.HasPrefix(found.Error(), prefix) {
				t.Errorf("message %q does not start with %q", found.Error(), prefix)
			}
		})
	}
}

func TestExactMessage(t *testing.T) {
	in := "zone: us\nsip:\n  listen: [\"udp:127.0.0.1:5060\"]\n  rtp_ports: \"10000-9\"\n"
	_, err := Parse([]byte(in), "tipring.yaml")
	want := `tipring.yaml:4: sip.rtp_ports: "10000-9" is not a range LOW-HIGH`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestMultipleErrorsReportedTogether(t *testing.T) {
	in := "zone: xx\nboard:\n  backend: foo\n  sim: {frame_ms: 7}\nsip:\n  dtmf_pt: 1\n"
	_, err := Parse([]byte(in), "t.yaml")
	var el *ErrorList
	if !errors.As(err, &el) {
		t.Fatalf("%v", err)
	}
	var got []string
	for _, e := range el.Errors {
		got = append(got, e.Field)
	}
	want := []string{"zone", "board.backend", "board.sim.frame_ms", "sip.dtmf_pt"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("fields = %q, want %q (in line order)", got, want)
	}
	if n := strings.Count(err.Error(), "\n"); n != 3 {
		t.Errorf("want one line per error:\n%v", err)
	}
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "zone" {
		t.Errorf("errors.As *FieldError: %v", fe)
	}
}

func TestTypeErrorsAndUnknownTogether(t *testing.T) {
	in := "zone: us\nbogus: 1\nboard:\n  sim:\n    fxs: x\n    frame_ms: 11\n"
	_, err := Parse([]byte(in), "t.yaml")
	var el *ErrorList
	if !errors.As(err, &el) || len(el.Errors) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	if el.Errors[0].Line != 2 || el.Errors[1].Line != 5 || el.Errors[2].Line != 6 {
		t.Errorf("lines %d %d %d", el.Errors[0].Line, el.Errors[1].Line, el.Errors[2].Line)
	}
}

func TestAliasBomb(t *testing.T) {
	in := `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
sip:
  listen: *g
`
	_, err := Parse([]byte(in), "t.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tipring.yaml")
	if err := os.WriteFile(p, []byte("zone: uk\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(p)
	if err != nil || f.Zone != "uk" {
		t.Fatalf("%v %+v", err, f)
	}
	if err := os.WriteFile(p, []byte("zone: zz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(p)
	if err == nil || !strings.HasPrefix(err.Error(), p+":1: zone: ") {
		t.Errorf("%v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseListen(t *testing.T) {
	good := map[string]Listen{
		"udp:127.0.0.1:5060": {"udp", "127.0.0.1", 5060},
		"tcp:[::1]:5080":     {"tcp", "::1", 5080},
		"udp:localhost:5060": {"udp", "localhost", 5060},
		"tls:127.0.0.1:5061": {"tls", "127.0.0.1", 5061},
	}
	for in, want := range good {
		if got, err := ParseListen(in); err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "udp", "udp:127.0.0.1", "udp::5060", "sctp:127.0.0.1:5061", "udp:127.0.0.1:0", "udp:127.0.0.1:x", "udp:a b:5060"} {
		if _, err := ParseListen(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestCheckDigitMap(t *testing.T) {
	for _, m := range []string{"[2-8]xxx|9x.T|*xx|0T", "2xxx", "[2-4]xxx|*xx|0T|[5-9]xxxxxx", "[0-9*#]x.S", "#", "011x.T", "[13579]xx"} {
		if err := CheckDigitMap(m); err != nil {
			t.Errorf("%q: %v", m, err)
		}
	}
	for _, m := range []string{"", "|", "2xxx|", "[]", "[2-]", "[-2]", "[[2]]", "2 3", "(2xxx)", "T", "x..", "2-3", "[a]"} {
		if err := CheckDigitMap(m); err == nil {
			t.Errorf("%q accepted", m)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add(ExampleYAML())
	f.Add([]byte("zone: us\nsip:\n  rtp_ports: \"10000-9\"\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("ports:\n  - &p {span: 1}\n  - *p\n"))
	f.Add([]byte("dialplan: {digit_map: \"[2-\"}\n"))
	f.Add([]byte("board: {sim: {fxs: 0x7fffffff}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse(data, "fuzz.yaml")
		if err != nil {
			var el *ErrorList
			if !errors.As(err, &el) || len(el.Errors) == 0 {
				t.Fatalf("error is not a non-empty *ErrorList: %T %v", err, err)
			}
			_ = err.Error()
			return
		}
		// Whatever is accepted must satisfy the checks.
		if cfg.SIP.RTPPortMin < 1 || cfg.SIP.RTPPortMax > 65535 || cfg.SIP.RTPPortMin >= cfg.SIP.RTPPortMax {
			t.Fatalf("accepted rtp range %d-%d", cfg.SIP.RTPPortMin, cfg.SIP.RTPPortMax)
		}
		if err := CheckDigitMap(cfg.Dialplan.DigitMap); err != nil {
			t.Fatalf("accepted digit map: %v", err)
		}
		_ = cfg.Gateway()
	})
}

func BenchmarkParseExample(b *testing.B) {
	data := ExampleYAML()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data, "example.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestGatewayMapsEveryOption checks that each telephony option written in
// the file reaches the gateway configuration.
func TestGatewayMapsEveryOption(t *testing.T) {
	in := `
fxs: {caller_id: etsi-fsk, no_call_waiting: true, flash_min: 200ms, flash_max: 1s, pulse_dialing: sweden}
echo: {tail: 32ms, off: true}
accounts:
  - {name: trunk, user: "100"}
ports:
  - span: 1
    chan: 1
    extension: "2001"
    caller_id: bt
    no_call_waiting: true
    hotline: "2002"
    warmline_delay: 4s
    dnd: true
    reverse_on_answer: true
    reverse_on_far_hangup: true
    rx_gain_db: -3
    tx_gain_db: 2.5
    forward_always: "2003"
    forward_busy: "2004"
    forward_no_answer: "5551234"
    forward_no_answer_delay: 15s
lines:
  - span: 1
    chan: 5
    name: l1
    group: g
    order: 3
    account: trunk
    inbound: twostage
    digit_map: "2xxx"
    rings_before_answer: 1
    dial_mode: pulse
    caller_id: [etsi, dtmf]
    answer_polarity: true
    answer_delay: 20s
    require_dial_tone: true
    dial_tone_wait: 2s
    disconnect_cpc: false
    disconnect_polarity: false
    disconnect_tone: false
    cpc_qualify: 400ms
    silence_timeout: 1m
    disconnect_tones: ["busy 480 Hz 300/200 ms"]
routes:
  - {pattern: "9x.T", lines: [l1], group: g, hunt: lru, strip: 1, prefix: "0"}
`
	f, err := Parse([]byte(in), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	g := f.Gateway()
	if g.CallerID != "etsi-fsk" || !g.NoCallWaiting || g.FlashMin != 200*time.Millisecond || g.FlashMax != time.Second ||
		g.PulseDialing != "sweden" || g.EchoTail != 32*time.Millisecond || !g.EchoOff {
		t.Errorf("global options %+v", g)
	}
	wantPort := gateway.PortConfig{Span: 1, Chan: 1, Extension: "2001", CallerID: "bt", NoCallWaiting: true,
		Hotline: "2002", WarmlineDelay: 4 * time.Second, DND: true, ReverseOnAnswer: true, ReverseOnFarHangup: true,
		RxGainDB: -3, TxGainDB: 2.5, ForwardAlways: "2003", ForwardBusy: "2004", ForwardNoAnswer: "5551234",
		ForwardNoAnswerDelay: 15 * time.Second}
	if len(g.Ports) != 1 || !reflect.DeepEqual(g.Ports[0], wantPort) {
		t.Errorf("port %+v\nwant %+v", g.Ports, wantPort)
	}
	wantLine := gateway.LineConfig{Span: 1, Chan: 5, Name: "l1", Group: "g", Order: 3, Account: "trunk",
		Inbound: "twostage", DigitMap: "2xxx", RingsBeforeAnswer: 1, DialMode: "pulse", CallerID: []string{"etsi", "dtmf"},
		AnswerPolarity: true, AnswerDelay: 20 * time.Second, RequireDialTone: true, DialToneWait: 2 * time.Second,
		NoCPC: true, NoPolarityDisconnect: true, NoToneDisconnect: true, CPCQualify: 400 * time.Millisecond,
		SilenceTimeout: time.Minute, DisconnectTones: []string{"busy 480 Hz 300/200 ms"}}
	if len(g.Lines) != 1 || !reflect.DeepEqual(g.Lines[0], wantLine) {
		t.Errorf("line %+v\nwant %+v", g.Lines, wantLine)
	}
	wantRoute := gateway.Route{Pattern: "9x.T", Lines: []string{"l1"}, Group: "g", Hunt: "lru", Strip: 1, Prefix: "0"}
	if len(g.Routes) != 1 || !reflect.DeepEqual(g.Routes[0], wantRoute) {
		t.Errorf("route %+v\nwant %+v", g.Routes, wantRoute)
	}
}

// TestSIPConfigMapsEveryOption checks that each option of the sip section
// and of an account reaches the SIP user agent's configuration, and that
// no field of sip.Account is left unmapped.
func TestSIPConfigMapsEveryOption(t *testing.T) {
	in := `
sip:
  listen: ["udp:127.0.0.1:5062", "tls:127.0.0.1:5063"]
  host: 127.0.0.9
  user_agent: test-ua
  rtp_ports: 20000-20999
  codecs: [PCMA, PCMU]
  dtmf_pt: 96
  public_host: 198.51.100.7
  keepalive: 30s
  dns_server: 127.0.0.1:5353
  tls: {cert: /c.pem, key: /k.pem, ca: /ca.pem, verify_client: true, min_version: "1.3"}
accounts:
  - name: itsp
    user: "100"
    auth_user: gw-1
    password: pw
    domain: voip.example.net
    display_name: Gateway
    registrar: sip:127.0.0.1:5070
    proxy: sip:127.0.0.1:5071
    expires: 600
    srtp: optional
    backup: ["sip:127.0.0.1:5072"]
    mwi: true
    trusted: true
    max_redirects: 3
    symmetric_rtp: true
    keepalive: crlf
    keepalive_period: 20s
    trunk: true
    peers: ["127.0.0.0/8"]
    inbound_user: in
    inbound_password: inpw
    codecs: [PCMA]
    dtmf: info
    uri_params: user=phone
    number_format: e164
    country_code: "49"
    national_prefix: "0"
    international_prefix: "00"
    identity: pai
ports: []
`
	f, err := Parse([]byte(in), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := f.SIPConfig()
	want := sip.Config{
		Listen: []string{"udp:127.0.0.1:5062", "tls:127.0.0.1:5063"}, Host: "127.0.0.9", UserAgent: "test-ua",
		RTPPortMin: 20000, RTPPortMax: 20999, Codecs: []string{"PCMA", "PCMU"}, DTMFPT: 96,
		PublicHost: "198.51.100.7", Keepalive: 30 * time.Second, DNSServer: "127.0.0.1:5353",
		TLS: &sip.TLSConfig{CertFile: "/c.pem", KeyFile: "/k.pem", CAFile: "/ca.pem", VerifyClient: true, MinVersion: "1.3"},
		Accounts: []sip.Account{{
			Name: "itsp", User: "100", AuthUser: "gw-1", Password: "pw", Domain: "voip.example.net", DisplayName: "Gateway",
			Registrar: "sip:127.0.0.1:5070", Proxy: "sip:127.0.0.1:5071", Expires: 600 * time.Second, SRTP: "optional",
			Backup: []string{"sip:127.0.0.1:5072"}, MWI: true, Trusted: true, MaxRedirects: 3, SymmetricRTP: true,
			Keepalive: "crlf", KeepalivePeriod: 20 * time.Second, Trunk: true, Peers: []string{"127.0.0.0/8"},
			InboundUser: "in", InboundPassword: "inpw", Codecs: []string{"PCMA"}, DTMF: "info", URIParams: "user=phone",
			NumberFormat: "e164", CountryCode: "49", NationalPrefix: "0", InternationalPrefix: "00", Identity: "pai",
		}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SIPConfig() =\n%+v\nwant\n%+v", got, want)
	}
	// A field added to sip.Account must be mapped (and set above).
	a := reflect.ValueOf(got.Accounts[0])
	for i := range a.NumField() {
		if a.Field(i).IsZero() {
			t.Errorf("sip.Account.%s is not mapped from the account", a.Type().Field(i).Name)
		}
	}
	if f.SIP.TLS = (SIPTLS{}); f.SIPConfig().TLS != nil {
		t.Error("TLS configured without sip.tls")
	}
}
