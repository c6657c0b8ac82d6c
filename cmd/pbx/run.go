package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/cdr"
	"github.com/pbx-dev/pbx/config"
	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/drivers/console"
	"github.com/pbx-dev/pbx/drivers/local"
	"github.com/pbx-dev/pbx/plugin"
	"github.com/pbx-dev/pbx/translate"
)

func newLogger(cfg *config.Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func translationTable() string { return translate.NewRegistry().Table() }

// pbx is a running PBX: every long-lived part and how to stop it.
type pbx struct {
	cfg     *config.Config
	log     *slog.Logger
	reg     *channel.Registry
	runner  *apps.Runner
	control *control.Server
	stops   []func(context.Context) error
	// reloaders apply a re-read configuration (pbx reload).
	reloaders []func(*config.Config)
	wg        sync.WaitGroup
	plugins   []plugin.Loaded
	console   *console.Driver
	records   *cdr.Store  // call records; nil when [cdr] is off
	recorder  *cdr.Writer // writes them; nil when [cdr] is off
}

func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "Run the PBX in the foreground (logs to stderr)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return printErrors(cmd, err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			p, err := start(ctx, cfg)
			if err != nil {
				return err
			}
			<-ctx.Done()
			p.log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return p.shutdown(sctx)
		},
	}
}

// start builds and starts every part of the PBX from cfg.
func start(ctx context.Context, cfg *config.Config) (*pbx, error) {
	log := newLogger(cfg)
	p := &pbx{cfg: cfg, log: log}
	tr := translate.NewRegistry()
	p.reg = channel.NewRegistry(channel.RegistryConfig{Translator: pathBuilder{tr}, Logger: log})
	if err := startCDR(ctx, p); err != nil {
		return nil, err
	}
	p.runner = apps.New(apps.Config{Registry: p.reg, Logger: log})
	if err := wireServices(p); err != nil {
		return nil, err
	}
	if err := loadPlugins(p); err != nil {
		p.shutdown(context.Background())
		return nil, fmt.Errorf("plugins: %w", err)
	}
	plan, err := loadDialplan(cfg, p.runner.HasApp)
	if err != nil {
		p.shutdown(context.Background())
		return nil, fmt.Errorf("dialplan: %w", err)
	}
	p.runner.SetPlan(plan)

	ld := local.New(p.reg, func(ctx context.Context, ch *channel.Channel, exten, c string) {
		p.runner.Run(ctx, ch, c, exten)
	})
	if err := p.reg.Register(ld); err != nil {
		return nil, err
	}
	p.stops = append(p.stops, func(context.Context) error { ld.Close(); return nil })

	if err := startDrivers(ctx, p); err != nil {
		p.shutdown(context.Background())
		return nil, err
	}
	servePluginDrivers(ctx, p)
	if err := startConsole(p); err != nil {
		p.shutdown(context.Background())
		return nil, err
	}

	if cfg.Control != "" {
		tokFile := cfg.ControlTokenFile
		if tokFile == "" {
			tokFile = control.DefaultTokenFile()
		}
		tok, err := control.LoadOrCreateToken(cfg.Resolve(tokFile))
		if err != nil {
			p.shutdown(context.Background())
			return nil, err
		}
		p.control, err = control.New(cfg.Control, tok, p.reg, control.Hooks{
			Reload:      p.reload,
			Originate:   p.originate,
			Translation: tr.Table,
			Stats:       controlStats,
			Routes:      p.extraRoutes(),
		}, log)
		if err != nil {
			p.shutdown(context.Background())
			return nil, err
		}
		log.Info("control endpoint listening", "addr", p.control.Addr(), "token_file", cfg.Resolve(tokFile))
	}
	if cfg.Pprof != "" {
		stop, err := servePprof(cfg.Pprof, log)
		if err != nil {
			p.shutdown(context.Background())
			return nil, err
		}
		p.stops = append(p.stops, stop)
	}
	log.Info("pbx started", "version", version, "config", cfg.File, "drivers", p.reg.Drivers())
	if cfg.File == "(default)" {
		for _, e := range cfg.Endpoints {
			log.Info("demo phone", "user", e.Name, "password", e.Password, "server", cfg.SIP.UDP)
		}
	}
	return p, nil
}

// reload re-reads the configuration's endpoints and the dialplan; live
// calls continue (on the new plan from their next priority). Nothing
// changes when either file has an error.
func (p *pbx) reload() error {
	cfg := p.cfg
	if cfg.File != "(default)" {
		c, err := config.Load(cfg.File)
		if err != nil {
			return err
		}
		cfg = c
	}
	plan, err := loadDialplan(cfg, p.runner.HasApp)
	if err != nil {
		return err
	}
	p.runner.SetPlan(plan)
	for _, fn := range p.reloaders {
		fn(cfg)
	}
	p.log.Info("configuration reloaded", "endpoints", len(cfg.Endpoints))
	return nil
}

// originate calls dial and runs the dialplan at exten@context on it once
// it answers. The call gets a call record of its own: nothing else tells
// the records an originated channel from a Dial leg.
func (p *pbx) originate(ctx context.Context, dial, exten, ctxName string) (string, error) {
	if ctxName == "" {
		ctxName = "default"
	}
	ctx = context.WithoutCancel(ctx)
	ch, err := p.reg.Request(ctx, dial, nil)
	if err != nil {
		return "", err
	}
	if p.recorder != nil {
		p.recorder.Originated(ch, ctxName, exten)
	}
	if err := ch.Call(ctx); err != nil {
		ch.Hangup(channel.CauseOf(err))
		return "", err
	}
	p.wg.Go(func() {
		defer ch.Hangup(channel.CauseNormalClearing)
		ch.SetReadDeadline(time.Now().Add(60 * time.Second))
		for ch.State() != channel.Up {
			f, err := ch.Read()
			if err != nil {
				return
			}
			f.Release()
		}
		ch.SetReadDeadline(time.Time{})
		p.runner.Run(ch.Context(), ch, ctxName, exten)
	})
	return ch.Name(), nil
}

func (p *pbx) shutdown(ctx context.Context) error {
	if p.control != nil {
		p.control.Shutdown(ctx)
	}
	err := p.reg.Shutdown(ctx)
	for i := len(p.stops) - 1; i >= 0; i-- {
		if e := p.stops[i](ctx); e != nil && err == nil {
			err = e
		}
	}
	p.wg.Wait()
	return err
}

// pathBuilder adapts the translate registry to the channel core.
type pathBuilder struct{ r *translate.Registry }

func (b pathBuilder) Build(src, dst formatT) (channel.Translator, error) { return b.r.Build(src, dst) }
