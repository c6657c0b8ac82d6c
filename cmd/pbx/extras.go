package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/drivers/console"
	"github.com/pbx-dev/pbx/plugin"
)

// loadPlugins loads the configured plugins into the registry and runner.
// Without cgo it warns and goes on unless a plugin is required.
func loadPlugins(p *pbx) error {
	if p.cfg.Plugins.Dir == "" {
		return nil
	}
	list, err := plugin.Load(p.cfg.Resolve(p.cfg.Plugins.Dir), plugin.NewHost(p.reg, p.runner, p.log),
		plugin.Options{Required: p.cfg.Plugins.Require, Config: p.cfg.Plugins.Sections})
	p.plugins = list
	if errors.Is(err, plugin.ErrUnsupported) && len(p.cfg.Plugins.Require) == 0 {
		p.log.Warn("plugins not loaded", "error", err)
		return nil
	}
	return err
}

// servePluginDrivers starts the Serve loop of plugin drivers that accept
// calls, and closes them at shutdown.
func servePluginDrivers(ctx context.Context, p *pbx) {
	for _, l := range p.plugins {
		for _, name := range l.Drivers {
			d, ok := p.reg.Driver(name)
			if !ok {
				continue
			}
			if in, ok := d.(channel.Inbound); ok {
				p.wg.Go(func() {
					if err := in.Serve(ctx, p.runner); err != nil && !errors.Is(err, channel.ErrDriverClosed) {
						p.log.Error("plugin driver stopped", "driver", name, "error", err)
					}
				})
			}
			if c, ok := d.(interface{ Close() error }); ok {
				p.stops = append(p.stops, func(context.Context) error { return c.Close() })
			}
		}
	}
}

// startConsole starts the sound-card driver when [console] is configured.
func startConsole(p *pbx) error {
	cc := p.cfg.Console
	if !cc.Enabled {
		return nil
	}
	d, err := console.New(console.Config{
		Registry: p.reg, Logger: p.log,
		Handler: func(ctx context.Context, ch *channel.Channel, exten, c string) {
			p.runner.Run(ctx, ch, c, exten)
		},
		Backend: cc.Backend, CaptureDevice: cc.CaptureDevice, PlaybackDevice: cc.PlaybackDevice,
		Rate: cc.Rate, AutoAnswer: cc.AutoAnswer, Context: cc.Context,
		CallerNum: cc.CallerNum, CallerName: cc.CallerName,
		OnEvent: func(ev console.Event) {
			if p.control != nil {
				p.control.Publish("console", ev)
			}
		},
	})
	if errors.Is(err, console.ErrNotCompiled) {
		p.log.Info("console driver not compiled in (built without cgo)")
		return nil
	}
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	if err := p.reg.Register(d); err != nil {
		return err
	}
	p.console = d
	p.stops = append(p.stops, func(context.Context) error { return d.Close() })
	return nil
}

// extraRoutes are the control routes for plugins and the console.
func (p *pbx) extraRoutes() map[string]http.HandlerFunc {
	routes := map[string]http.HandlerFunc{
		"GET /plugins": func(w http.ResponseWriter, _ *http.Request) {
			list := p.plugins
			if list == nil {
				list = []plugin.Loaded{}
			}
			control.WriteJSON(w, list)
		},
		"GET /cdr": p.cdrRoute,
	}
	con := func(fn func(w http.ResponseWriter, r *http.Request, d *console.Driver) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if p.console == nil {
				http.Error(w, "console driver not configured or not compiled in", http.StatusNotImplemented)
				return
			}
			if err := fn(w, r, p.console); err != nil {
				code := http.StatusConflict
				var de *console.DeviceError
				switch {
				case errors.As(err, &de):
					code = http.StatusServiceUnavailable
				case errors.Is(err, console.ErrBadDigit), errors.Is(err, console.ErrBadDest):
					code = http.StatusBadRequest
				}
				http.Error(w, err.Error(), code)
			}
		}
	}
	var body struct {
		Exten, Digits string
		Mute          bool
	}
	decode := func(r *http.Request) { json.NewDecoder(r.Body).Decode(&body) }
	routes["POST /console/dial"] = con(func(w http.ResponseWriter, r *http.Request, d *console.Driver) error {
		decode(r)
		name, err := d.Dial(r.Context(), body.Exten)
		if err == nil {
			control.WriteJSON(w, map[string]string{"channel": name})
		}
		return err
	})
	routes["POST /console/answer"] = con(func(w http.ResponseWriter, _ *http.Request, d *console.Driver) error {
		return ok(w, d.Answer())
	})
	routes["POST /console/hangup"] = con(func(w http.ResponseWriter, _ *http.Request, d *console.Driver) error {
		return ok(w, d.Hangup())
	})
	routes["POST /console/dtmf"] = con(func(w http.ResponseWriter, r *http.Request, d *console.Driver) error {
		decode(r)
		return ok(w, d.SendDTMF(r.Context(), body.Digits))
	})
	routes["POST /console/mute"] = con(func(w http.ResponseWriter, r *http.Request, d *console.Driver) error {
		decode(r)
		d.SetMute(body.Mute)
		return ok(w, nil)
	})
	routes["GET /console"] = con(func(w http.ResponseWriter, _ *http.Request, d *console.Driver) error {
		control.WriteJSON(w, map[string]any{"status": d.Status(), "stats": d.Stats()})
		return nil
	})
	return routes
}

func ok(w http.ResponseWriter, err error) error {
	if err == nil {
		control.WriteJSON(w, map[string]string{"status": "ok"})
	}
	return err
}

func newPluginsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "plugins",
		Short: "List loaded plugins and what each registered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := request(cmd, "GET", "/plugins", nil)
			if err != nil {
				return err
			}
			var list []plugin.Loaded
			if err := json.Unmarshal(out, &list); err != nil {
				return err
			}
			return plugin.WriteTable(cmd.OutOrStdout(), list)
		},
	}
}

func newConsoleCmd() *cobra.Command {
	c := &cobra.Command{Use: "console", Short: "Use the machine's sound card as a phone"}
	post := func(path string, body any) func(cmd *cobra.Command, args []string) error {
		return func(cmd *cobra.Command, args []string) error {
			out, err := request(cmd, "POST", path, body)
			if err != nil {
				return err
			}
			cmd.Print(string(out))
			return nil
		}
	}
	c.AddCommand(&cobra.Command{
		Use: "dial EXTEN[@CONTEXT]", Short: "Call into the dialplan from the console", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return post("/console/dial", map[string]string{"exten": args[0]})(cmd, args)
		},
	}, &cobra.Command{
		Use: "answer", Short: "Answer the ringing console call", Args: cobra.NoArgs,
		RunE: post("/console/answer", nil),
	}, &cobra.Command{
		Use: "hangup", Short: "Hang up the console call", Args: cobra.NoArgs,
		RunE: post("/console/hangup", nil),
	}, &cobra.Command{
		Use: "dtmf DIGITS", Short: "Send DTMF digits on the console call", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return post("/console/dtmf", map[string]string{"digits": args[0]})(cmd, args)
		},
	}, &cobra.Command{
		Use: "mute on|off", Short: "Mute or unmute the microphone", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return post("/console/mute", map[string]bool{"mute": args[0] == "on"})(cmd, args)
		},
	}, &cobra.Command{
		Use: "devices", Short: "List capture and playback devices (works without a running PBX)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			d, err := console.New(console.Config{Registry: channel.NewRegistry(channel.RegistryConfig{}), Backend: cfg.Console.Backend})
			if errors.Is(err, console.ErrNotCompiled) {
				cmd.Println("console driver not compiled in (built without cgo): no devices")
				return nil
			}
			if err != nil {
				return err
			}
			defer d.Close()
			list, err := d.Devices()
			if err != nil {
				return err
			}
			if len(list.Capture) == 0 && len(list.Playback) == 0 {
				cmd.Printf("no sound devices found (backend %q)\n", list.Backend)
				return nil
			}
			for _, dev := range list.Capture {
				cmd.Printf("capture   %s%s\n", dev.Name, def(dev.Default))
			}
			for _, dev := range list.Playback {
				cmd.Printf("playback  %s%s\n", dev.Name, def(dev.Default))
			}
			return nil
		},
	}, &cobra.Command{
		Use: "status", Short: "Show the console call state and audio counters", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := request(cmd, "GET", "/console", nil)
			if err != nil {
				return err
			}
			cmd.Print(string(out))
			return nil
		},
	})
	return c
}

func def(b bool) string {
	if b {
		return " (default)"
	}
	return ""
}
