// Command tipringd is the tipring gateway daemon: it opens the telephony
// board, starts the gateway, the SIP user agent, and the web UI / REST API.
//
// With no --config it runs the embedded default configuration: the simulated
// board (4 FXS, 2 FXO, 1 E1), SIP on 127.0.0.1:5060 and HTTP on
// 127.0.0.1:8080.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	"tipring/gateway"
	"tipring/hal"
	"tipring/hal/dahdi"
	"tipring/hal/sim"
	"tipring/mgmt/api"
	"tipring/mgmt/cdrstore"
	"tipring/mgmt/config"
	"tipring/mgmt/guardstore"
	"tipring/sip"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// opener opens one kind of board from the configuration.
type opener func(cfg *config.File, log *slog.Logger) (hal.Board, error)

// openers are the hardware backends this build knows, wired explicitly.
var openers = map[string]opener{
	"sim":   openSim,
	"dahdi": openDAHDI,
}

func openDAHDI(cfg *config.File, log *slog.Logger) (hal.Board, error) {
	b, err := dahdi.Open(dahdi.Config{
		DevDir: cfg.Board.Dahdi.DevDir, Logger: log.With("board", "dahdi"),
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func openSim(cfg *config.File, log *slog.Logger) (hal.Board, error) {
	s := cfg.Board.Sim
	return sim.New(sim.Config{
		FXS: s.FXS, FXO: s.FXO, E1Spans: s.E1Spans, FrameMs: s.FrameMS,
		Fast: s.Fast, Zone: cfg.Zone,
		EchoLossDB: s.EchoLossDB, EchoDelay: time.Duration(s.EchoDelayMS) * time.Millisecond,
		Logger: log.With("board", "sim"),
	})
}

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("tipringd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded simulated-board configuration)")
	dataDir := fs.String("data-dir", "", "directory for the CDR database (overrides data_dir)")
	httpAddr := fs.String("http", "", "web UI / API listen address (overrides http.listen)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	printDefault := fs.Bool("print-default-config", false, "print the embedded default configuration and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *printDefault {
		os.Stdout.Write(config.DefaultYAML())
		return 0
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "tipringd: --log-level: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			fmt.Fprintf(stderr, "tipringd: %v\n", err)
			return 1
		}
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}
	if *httpAddr != "" {
		cfg.HTTP.Listen = *httpAddr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg, log); err != nil {
		log.Error("tipringd stopped", "err", err)
		return 1
	}
	return 0
}

// chooseDataDir picks where the CDR database lives: the configured
// directory, systemd's StateDirectory, or the user's state directory.
func chooseDataDir(configured string) (string, error) {
	dir := configured
	if dir == "" {
		dir = os.Getenv("STATE_DIRECTORY")
	}
	if dir == "" {
		if d := os.Getenv("XDG_STATE_HOME"); d != "" {
			dir = filepath.Join(d, "tipring")
		} else if home, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(home, ".local", "state", "tipring")
		} else {
			dir = "tipring-data"
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("data directory: %w", err)
	}
	return dir, nil
}

func serve(ctx context.Context, cfg *config.File, log *slog.Logger) error {
	open, ok := openers[cfg.Board.Backend]
	if !ok {
		return fmt.Errorf("board backend %q is not available in this build", cfg.Board.Backend)
	}
	board, err := open(cfg, log)
	if err != nil {
		return fmt.Errorf("open board: %w", err)
	}
	defer board.Close()

	dir, err := chooseDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	cdr, err := cdrstore.Open(filepath.Join(dir, "cdr.db"))
	if err != nil {
		return err
	}
	defer cdr.Close()

	gw, err := gateway.New(gateway.Options{
		Config: cfg.Gateway(), Board: board, CDR: cdr, Settings: cdr,
		Logger: log.With("component", "gateway"), Version: version,
	})
	if err != nil {
		return err
	}
	g, err := newGuard(cfg.Security)
	if err != nil {
		return err
	}
	sc := cfg.SIPConfig()
	sc.Logger, sc.Guard = log.With("component", "sip"), g
	ua, err := sip.New(sc, gw)
	if err != nil {
		return err
	}
	var security api.Security
	if g != nil {
		// The API's edits of the guard persist in the data directory, on
		// top of the configuration's lists; a damaged file costs those
		// edits, never the start.
		st, err := guardstore.Open(filepath.Join(dir, guardstore.FileName), g, log.With("component", "guardstore"))
		if err != nil {
			log.Error("guard lists: API edits not restored", "err", err)
		}
		security = st
	}
	gw.AttachSIP(ua)

	var simCtl api.SimControl
	if sb, ok := board.(*sim.Board); ok {
		simCtl = &simControl{b: sb}
	}
	handler := api.NewHandler(api.Options{
		Gateway:     gatewayView{gw},
		CDR:         cdr,
		Sim:         simCtl,
		ConfigCheck: func(b []byte) error { _, err := config.Parse(b, "config"); return err },
		Logger:      log.With("component", "api"),
		Version:     version,
		Security:    security,
	})
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 3)
	go func() { errc <- gw.Run(ctx) }()
	go func() {
		if err := ua.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errc <- fmt.Errorf("sip: %w", err)
			return
		}
		errc <- nil
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	for _, ready := range []<-chan struct{}{ua.Ready(), gw.Ready()} {
		select {
		case <-ready:
		case err := <-errc:
			return err
		}
	}
	log.Info("tipringd running", "version", version, "board", board.Name(),
		"sip", cfg.SIP.Listen, "http", "http://"+ln.Addr().String(), "data", dir)
	daemon.SdNotify(false, daemon.SdNotifyReady)
	go watchdog(ctx)

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}
	daemon.SdNotify(false, daemon.SdNotifyStopping)
	cancel()
	shut, done := context.WithTimeout(context.Background(), 3*time.Second)
	defer done()
	srv.Shutdown(shut)
	return runErr
}

// watchdog pings systemd's watchdog at half its interval while ctx lives.
func watchdog(ctx context.Context) {
	every, err := daemon.SdWatchdogEnabled(false)
	if err != nil || every == 0 {
		return
	}
	t := time.NewTicker(every / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			daemon.SdNotify(false, daemon.SdNotifyWatchdog)
		}
	}
}

// gatewayView adapts the gateway to the API's read-only view, with the
// optional hunt-group and SIP servers views and tone learning.
type gatewayView struct{ g *gateway.Gateway }

var (
	_ api.GroupLister  = gatewayView{}
	_ api.ServerLister = gatewayView{}
	_ api.ToneLearner  = gatewayView{}
)

func (v gatewayView) Status() gateway.Status        { return v.g.Status() }
func (v gatewayView) Ports() []gateway.PortStatus   { return v.g.Ports() }
func (v gatewayView) Calls() []gateway.CallInfo     { return v.g.Calls() }
func (v gatewayView) Groups() []gateway.GroupStatus { return v.g.Groups() }
func (v gatewayView) Servers() []api.Server {
	var out []api.Server
	for _, s := range v.g.Servers() {
		out = append(out, api.Server(s))
	}
	return out
}
func (v gatewayView) LearnTone(ctx context.Context, line string, req gateway.LearnRequest) (gateway.LearnedTone, error) {
	return v.g.LearnTone(ctx, line, req)
}
func (v gatewayView) Registrations() []api.Registration {
	var out []api.Registration
	for _, r := range v.g.Registrations() {
		out = append(out, api.Registration{
			Account: r.Account, AOR: r.AOR, Registered: r.Registered,
			Expires: r.Expires, LastError: r.LastError,
		})
	}
	return out
}
