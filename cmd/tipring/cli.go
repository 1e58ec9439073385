package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"tipring/dsp/measure"
	"tipring/hal/dahdi"

	"tipring/gateway"
	"tipring/mgmt/api"
	"tipring/mgmt/config"
)

const defaultAPI = "http://127.0.0.1:8080"

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed (daemon unreachable, API error, invalid config)
	exitUsage = 2 // the command line is wrong
)

const usage = `usage: tipring [--api URL] [--json] COMMAND [ARGS]

Talks to the tipringd daemon's API (--api, or $TIPRING_API, default ` + defaultAPI + `).

Commands:
  status                           gateway status
  ports                            FXS/FXO ports and their state
  calls                            active calls
  registrations                    SIP account registrations
  servers                          SIP registrars, proxies and trunks: up or down
  cdr [--limit N] [--number X] [--since T]
                                   recent call detail records (T: RFC 3339, Unix seconds or e.g. 1h)
  config check FILE...             validate configuration files (locally, no daemon needed)
  hw scan [--dev DIR] [--config]   list the DAHDI spans and channels of this machine (locally);
                                   --config prints a starter configuration for them
  hw genconf [--dev DIR] [--zone Z] [--echocan M] [--dynamic FILE] [--system FILE]
                                   write DAHDI's system.conf (and dynamic spans) for the scanned
                                   hardware, like dahdi_genconf; the installer runs dahdi_cfg
  line learn-tone LINE NUMBER [--seconds N] [--signal busy|congestion]
                                   learn the disconnect tone of the line's exchange or PBX:
                                   seize the idle line, dial NUMBER (one that is busy), record
                                   N seconds (default 8) and print the tone for disconnect_tones
  sim                              the simulated board's state
  sim phone N offhook|onhook|flash|stop
  sim phone N dial DIGITS | pulse DIGITS
  sim phone N play FREQ [LEVEL_DBM0]
  sim phone N record SECONDS [-o FILE.wav]
  sim line N ring [--number X] [--name Y]
  sim line N stop|answer|hangup
  sim line N play FREQ [LEVEL_DBM0]
  sim line N record SECONDS [-o FILE.wav]

Flags (anywhere on the line):
  --api URL   daemon API base URL
  --json      print raw JSON instead of tables
`

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// unreachableError means no HTTP answer came from the daemon.
type unreachableError struct {
	base string
	err  error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("cannot reach the daemon at %s: %v", e.base, e.err)
}

// apiError is an error answer from the API.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.msg, e.code) }

type cli struct {
	base   string
	json   bool
	stdout io.Writer
	stderr io.Writer
}

// run executes one command line (without the program name) and returns the
// process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, base: defaultAPI}
	if env := os.Getenv("TIPRING_API"); env != "" {
		c.base = env
	}
	err := c.dispatch(args)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "tipring: %v\nRun 'tipring help' for usage.\n", err)
		return exitUsage
	case errors.Is(err, errReported):
		return exitFail
	default:
		fmt.Fprintf(stderr, "tipring: %v\n", err)
		return exitFail
	}
}

// errReported means the command already printed why it failed.
var errReported = errors.New("failed")

// flagSet returns a FlagSet that knows the global flags.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.base, "api", c.base, "daemon API base URL")
	fs.BoolVar(&c.json, "json", c.json, "print raw JSON")
	return fs
}

// parseArgs sets the flags of fs found anywhere in args and returns the
// other arguments in order. Unlike flag.Parse it does not stop at the first
// positional argument, and it treats negative numbers ("-10") as
// positional so that "play 440 -10" works.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	pos, _, err := scanArgs(fs, args, false)
	return pos, err
}

// scanArgs does the work of parseArgs; with stop set it returns at the first
// positional argument, which starts rest.
func scanArgs(fs *flag.FlagSet, args []string, stop bool) (pos, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(pos, args[i+1:]...), nil, nil
		}
		if len(a) < 2 || a[0] != '-' || isNumber(a) {
			if stop {
				return nil, args[i:], nil
			}
			pos = append(pos, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		if name == "h" || name == "help" {
			return nil, nil, flag.ErrHelp
		}
		name, val, hasVal := strings.Cut(name, "=")
		f := fs.Lookup(name)
		if f == nil {
			return nil, nil, usagef("unknown flag %s", a)
		}
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			if !hasVal {
				val = "true"
			}
		} else if !hasVal {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag %s needs a value", a)
			}
			i++
			val = args[i]
		}
		if err := fs.Set(name, val); err != nil {
			return nil, nil, usagef("flag %s: %v", a, err)
		}
	}
	return pos, nil, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func (c *cli) dispatch(args []string) error {
	// Global flags before the command; each command parses the rest with
	// its own flags plus the global ones.
	_, rest, err := scanArgs(c.flagSet("tipring"), args, true)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("no command given")
	}
	cmd, rest := rest[0], rest[1:]
	switch cmd {
	case "help":
		return flag.ErrHelp
	case "status":
		return c.status(rest)
	case "ports":
		return c.ports(rest)
	case "calls":
		return c.calls(rest)
	case "registrations", "regs":
		return c.registrations(rest)
	case "servers":
		return c.servers(rest)
	case "cdr":
		return c.cdr(rest)
	case "config":
		return c.config(rest)
	case "sim":
		return c.sim(rest)
	case "hw":
		return c.hw(rest)
	case "line":
		return c.line(rest)
	}
	return usagef("unknown command %q", cmd)
}

func (c *cli) checkBase() (string, error) {
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", usagef("--api %q is not an http:// or https:// URL", c.base)
	}
	return strings.TrimRight(c.base, "/"), nil
}

// call performs one API request and returns the answer body. Error answers
// become *apiError, transport failures *unreachableError.
func (c *cli) call(method, path string, body any, accept string, timeout time.Duration) ([]byte, http.Header, error) {
	base, err := c.checkBase()
	if err != nil {
		return nil, nil, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	client := &http.Client{Timeout: timeout}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, &unreachableError{base: base, err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, nil, &unreachableError{base: base, err: err}
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
			if e.Error == "" {
				e.Error = http.StatusText(resp.StatusCode)
			}
		}
		return nil, nil, &apiError{code: resp.StatusCode, msg: e.Error}
	}
	return b, resp.Header, nil
}

// get fetches path and decodes it into v; with --json it prints the raw
// answer instead and returns handled=true.
func (c *cli) get(path string, v any) (handled bool, err error) {
	b, _, err := c.call("GET", path, nil, "", 15*time.Second)
	if err != nil {
		return false, err
	}
	if c.json {
		return true, c.printJSON(b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: unexpected answer: %v", path, err)
	}
	return false, nil
}

func (c *cli) printJSON(b []byte) error {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		_, err = c.stdout.Write(b)
		return err
	}
	out.WriteByte('\n')
	_, err := c.stdout.Write(out.Bytes())
	return err
}

func (c *cli) noArgs(name string, args []string) error {
	pos, err := parseArgs(c.flagSet(name), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("%s takes no arguments", name)
	}
	return nil
}

func (c *cli) table() *tabwriter.Writer {
	return tabwriter.NewWriter(c.stdout, 0, 8, 2, ' ', 0)
}

func row(w io.Writer, cells ...any) {
	for i, cell := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		s := fmt.Sprint(cell)
		if s == "" {
			s = "-"
		}
		io.WriteString(w, strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return ' '
			}
			return r
		}, s))
	}
	io.WriteString(w, "\n")
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	if d < 0 {
		d = 0
	}
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (c *cli) status(args []string) error {
	if err := c.noArgs("status", args); err != nil {
		return err
	}
	var st gateway.Status
	if done, err := c.get("/api/v1/status", &st); done || err != nil {
		return err
	}
	w := c.table()
	up := ""
	if !st.Started.IsZero() {
		up = fmt.Sprintf("%s (up %s)", fmtTime(st.Started), time.Since(st.Started).Round(time.Second))
	}
	row(w, "Version", st.Version)
	row(w, "Board", st.Board)
	row(w, "Zone", st.Zone)
	row(w, "Started", up)
	row(w, "Ports", st.Ports)
	row(w, "Active calls", st.ActiveCalls)
	row(w, "Total calls", st.TotalCalls)
	return w.Flush()
}

// listView runs a view command that takes no arguments: it fetches the
// list at path and prints it as a table, header first, then cells of each
// element; an empty list prints empty instead, when that is not "".
func listView[T any](c *cli, args []string, name, path, empty string, header []any, cells func(T) []any) error {
	if err := c.noArgs(name, args); err != nil {
		return err
	}
	var list []T
	if done, err := c.get(path, &list); done || err != nil {
		return err
	}
	if len(list) == 0 && empty != "" {
		fmt.Fprintln(c.stdout, empty)
		return nil
	}
	w := c.table()
	row(w, header...)
	for _, v := range list {
		row(w, cells(v)...)
	}
	return w.Flush()
}

func (c *cli) ports(args []string) error {
	return listView(c, args, "ports", "/api/v1/ports", "",
		[]any{"PORT", "KIND", "SPAN/CHAN", "EXT", "ACCOUNT", "STATE", "LINE", "HOOK", "REG", "CALL"},
		func(p gateway.PortStatus) []any {
			hook, reg := "on", ""
			if p.OffHook {
				hook = "off"
			}
			if p.Account != "" {
				reg = yesNo(p.Registered)
			}
			return []any{p.Name, p.Kind, fmt.Sprintf("%d/%d", p.Span, p.Chan), p.Extension, p.Account, p.State, p.LineState, hook, reg, p.CallID}
		})
}

func (c *cli) calls(args []string) error {
	return listView(c, args, "calls", "/api/v1/calls", "no active calls",
		[]any{"ID", "FROM", "TO", "DIRECTION", "STATE", "CODEC", "STARTED", "DURATION", "LEGS"},
		func(cl gateway.CallInfo) []any {
			dur := ""
			if !cl.Answer.IsZero() {
				dur = fmtDuration(time.Since(cl.Answer))
			}
			return []any{cl.ID, cl.From, cl.To, cl.Direction, cl.State, cl.Codec, fmtTime(cl.Start), dur, strings.Join(cl.Legs, " <-> ")}
		})
}

func (c *cli) registrations(args []string) error {
	return listView(c, args, "registrations", "/api/v1/registrations", "no SIP accounts",
		[]any{"ACCOUNT", "AOR", "REGISTERED", "EXPIRES", "LAST ERROR"},
		func(r api.Registration) []any {
			return []any{r.Account, r.AOR, yesNo(r.Registered), fmtTime(r.Expires), r.LastError}
		})
}

func (c *cli) servers(args []string) error {
	return listView(c, args, "servers", "/api/v1/servers", "no SIP servers probed (sip.keepalive or an account's keepalive: options)",
		[]any{"SERVER", "ACCOUNTS", "UP", "SINCE", "LAST"},
		func(s api.Server) []any {
			last := s.LastError
			if s.LastCode != 0 {
				last = strconv.Itoa(s.LastCode)
			}
			return []any{s.URI, strings.Join(s.Accounts, ","), yesNo(s.Up), fmtTime(s.Since), last}
		})
}

func (c *cli) cdr(args []string) error {
	fs := c.flagSet("cdr")
	limit := fs.Int("limit", 20, "number of records")
	number := fs.String("number", "", "calling or called number")
	since := fs.String("since", "", "start time")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("cdr takes no arguments, only --limit, --number and --since")
	}
	if *limit < 0 {
		return usagef("--limit %d is negative", *limit)
	}
	q := url.Values{}
	q.Set("limit", strconv.Itoa(*limit))
	if *number != "" {
		q.Set("number", *number)
	}
	if *since != "" {
		q.Set("since", *since)
	}
	var cdrs []gateway.CDR
	if done, err := c.get("/api/v1/cdr?"+q.Encode(), &cdrs); done || err != nil {
		return err
	}
	if len(cdrs) == 0 {
		fmt.Fprintln(c.stdout, "no call records")
		return nil
	}
	w := c.table()
	row(w, "START", "FROM", "TO", "DIRECTION", "DISPOSITION", "DURATION", "CAUSE", "CODEC", "CALL ID")
	for _, r := range cdrs {
		row(w, fmtTime(r.Start), r.From, r.To, r.Direction, r.Disposition,
			fmtDuration(time.Duration(r.Duration*float64(time.Second))), r.Cause, r.Codec, r.CallID)
	}
	return w.Flush()
}

func (c *cli) config(args []string) error {
	pos, err := parseArgs(c.flagSet("config"), args)
	if err != nil {
		return err
	}
	if len(pos) == 0 || pos[0] != "check" {
		return usagef("usage: tipring config check FILE...")
	}
	files := pos[1:]
	if len(files) == 0 {
		return usagef("config check needs a FILE")
	}
	failed := false
	for _, f := range files {
		_, err := config.Load(f)
		var msgs []string
		if err != nil {
			failed = true
			var el *config.ErrorList
			if errors.As(err, &el) {
				for _, e := range el.Errors {
					msgs = append(msgs, e.Error())
				}
			} else {
				msgs = []string{err.Error()}
			}
		}
		if c.json {
			b, _ := json.Marshal(struct {
				File   string   `json:"file"`
				OK     bool     `json:"ok"`
				Errors []string `json:"errors"`
			}{f, err == nil, append([]string{}, msgs...)})
			fmt.Fprintf(c.stdout, "%s\n", b)
			continue
		}
		if err == nil {
			fmt.Fprintf(c.stdout, "%s: OK\n", f)
			continue
		}
		for _, m := range msgs {
			fmt.Fprintln(c.stdout, m)
		}
	}
	if failed {
		return errReported
	}
	return nil
}

// hw describes the telephony hardware through the DAHDI driver, like
// dahdi_scan and dahdi_genconf.
func (c *cli) hw(args []string) error {
	if len(args) > 0 && args[0] == "genconf" {
		return c.genconf(args[1:])
	}
	fs := c.flagSet("hw")
	dev := fs.String("dev", "/dev/dahdi", "DAHDI device directory")
	starter := fs.Bool("config", false, "print a starter configuration")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "scan" {
		return usagef("usage: tipring hw scan [--dev DIR] [--config] | hw genconf ...")
	}
	r, err := dahdi.Scan(*dev)
	if err != nil {
		return fmt.Errorf("hw scan: %w", err)
	}
	if c.json {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s\n", b)
		return nil
	}
	if *starter {
		return dahdi.FormatConfig(c.stdout, r)
	}
	return r.WriteText(c.stdout)
}

// genconf writes DAHDI's configuration for the scanned hardware.
func (c *cli) genconf(args []string) error {
	fs := c.flagSet("hw genconf")
	dev := fs.String("dev", "/dev/dahdi", "DAHDI device directory")
	zone := fs.String("zone", "us", "tone zone to load")
	ec := fs.String("echocan", "", "kernel echo canceller module for the analog ports (e.g. mg2); empty: none")
	dyn := fs.String("dynamic", "", "write the dynamic-span pass to FILE (default: standard output)")
	sys := fs.String("system", "", "write system.conf to FILE (default: standard output)")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	r, err := dahdi.Scan(*dev)
	if err != nil {
		return fmt.Errorf("hw genconf: %w", err)
	}
	conf, err := dahdi.Plan(r, dahdi.PlanOptions{Zone: *zone, EchoCanceller: *ec})
	if err != nil {
		return fmt.Errorf("hw genconf: %w", err)
	}
	write := func(path string, f func(io.Writer) error) error {
		if path == "" {
			return f(c.stdout)
		}
		out, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := f(out); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	if err := write(*dyn, conf.WriteDynamic); err != nil {
		return fmt.Errorf("hw genconf: %w", err)
	}
	if err := write(*sys, conf.WriteSystem); err != nil {
		return fmt.Errorf("hw genconf: %w", err)
	}
	return nil
}

func (c *cli) sim(args []string) error {
	fs := c.flagSet("sim")
	number := fs.String("number", "", "caller ID number (ring)")
	name := fs.String("name", "", "caller ID name (ring)")
	out := fs.String("o", "", "WAV file for record")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		b, _, err := c.call("GET", "/api/v1/sim", nil, "", 15*time.Second)
		if err != nil {
			return err
		}
		return c.printJSON(b)
	}
	target := pos[0]
	if target != "phone" && target != "line" {
		return usagef("sim %s: the target is phone or line", target)
	}
	if len(pos) < 3 {
		return usagef("usage: tipring sim %s N OPERATION [ARGS]", target)
	}
	port, err := strconv.Atoi(pos[1])
	if err != nil || port < 1 {
		return usagef("sim %s: %q is not a port number", target, pos[1])
	}
	op, opArgs := pos[2], pos[3:]
	body := map[string]any{}
	nargs := func(lo, hi int, what string) error {
		if len(opArgs) < lo || len(opArgs) > hi {
			return usagef("usage: tipring sim %s N %s%s", target, op, what)
		}
		return nil
	}
	num := func(s, what string) (float64, error) {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, usagef("sim %s %d %s: %s %q is not a number", target, port, op, what, s)
		}
		return x, nil
	}
	switch op {
	case "dial", "pulse":
		if err := nargs(1, 1, " DIGITS"); err != nil {
			return err
		}
		body["digits"] = opArgs[0]
	case "play":
		if err := nargs(1, 2, " FREQ [LEVEL_DBM0]"); err != nil {
			return err
		}
		f, err := num(opArgs[0], "frequency")
		if err != nil {
			return err
		}
		body["freq"] = f
		if len(opArgs) == 2 {
			l, err := num(opArgs[1], "level")
			if err != nil {
				return err
			}
			body["level"] = l
		}
	case "record":
		if err := nargs(1, 1, " SECONDS [-o FILE.wav]"); err != nil {
			return err
		}
		s, err := num(opArgs[0], "seconds")
		if err != nil {
			return err
		}
		body["seconds"] = s
	case "ring":
		if err := nargs(0, 0, " [--number X] [--name Y]"); err != nil {
			return err
		}
		if *number != "" {
			body["number"] = *number
		}
		if *name != "" {
			body["name"] = *name
		}
	default:
		if err := nargs(0, 0, ""); err != nil {
			return err
		}
	}
	if *out != "" && op != "record" {
		return usagef("-o is only for record")
	}

	path := fmt.Sprintf("/api/v1/sim/%s/%d/%s", target, port, url.PathEscape(op))
	timeout := 20 * time.Second
	accept := ""
	if op == "record" {
		timeout += time.Duration(body["seconds"].(float64) * float64(time.Second))
		if *out != "" {
			path += "?format=wav"
			accept = "audio/wav"
		}
	}
	b, hdr, err := c.call("POST", path, body, accept, timeout)
	if err != nil {
		return fmt.Errorf("sim %s %d %s: %w", target, port, op, err)
	}
	if *out != "" {
		if !strings.HasPrefix(hdr.Get("Content-Type"), "audio/") {
			return fmt.Errorf("sim %s %d record: the daemon returned no audio", target, port)
		}
		samples, rate, err := api.ReadWAV(b)
		if err != nil {
			return fmt.Errorf("sim %s %d record: %w", target, port, err)
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
		if !c.json {
			fmt.Fprintf(c.stdout, "wrote %s: %d samples, %.2f s at %d Hz\n", *out, len(samples), float64(len(samples))/float64(rate), rate)
			fmt.Fprintln(c.stdout, describeAudio(samples))
		} else {
			fmt.Fprintf(c.stdout, "{\"file\":%q,\"samples\":%d}\n", *out, len(samples))
		}
		return nil
	}
	if c.json {
		return c.printJSON(b)
	}
	var res struct {
		Data    json.RawMessage `json:"data"`
		Samples int             `json:"samples"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("sim: unexpected answer: %v", err)
	}
	msg := fmt.Sprintf("%s %d %s: ok", target, port, op)
	if res.Samples > 0 {
		msg += fmt.Sprintf(", %d samples (use -o FILE.wav to save them)", res.Samples)
		var m struct {
			Level float64 `json:"level_dbm0"`
			Freq  float64 `json:"frequency_hz"`
		}
		if json.Unmarshal(res.Data, &m) == nil {
			msg += fmt.Sprintf("\nheard: level %.2f dBm0, dominant frequency %.1f Hz", m.Level, m.Freq)
		}
	}
	fmt.Fprintln(c.stdout, msg)
	return nil
}

// describeAudio measures a recording the way the tests do.
func describeAudio(x []int16) string {
	l := measure.LevelDBm0(x)
	if l < -60 {
		return fmt.Sprintf("heard: silence (%.1f dBm0)", l)
	}
	return fmt.Sprintf("heard: level %.2f dBm0, dominant frequency %.1f Hz", l, measure.Frequency(x))
}
