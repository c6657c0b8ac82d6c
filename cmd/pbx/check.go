package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/config"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/dialplan"
	"github.com/pbx-dev/pbx/fileplay"
	"github.com/pbx-dev/pbx/plugin"
)

// loadConfig reads the --config file or the embedded default.
func loadConfig(cmd *cobra.Command) (*config.Config, error) {
	path, _ := cmd.Flags().GetString("config")
	return config.Load(path)
}

// loadDialplan reads the dialplan the configuration names and checks it
// against the registered applications.
func loadDialplan(cfg *config.Config, hasApp func(string) bool) (*dialplan.Plan, error) {
	var plan *dialplan.Plan
	var err error
	if cfg.Dialplan == config.EmbeddedDialplan {
		plan, err = dialplan.Parse("(embedded extensions.conf)", bytes.NewReader(config.DefaultDialplanText()))
	} else {
		plan, err = dialplan.ParseFile(cfg.Resolve(cfg.Dialplan))
	}
	if err != nil {
		return nil, err
	}
	if err := plan.Check(hasApp); err != nil {
		return nil, err
	}
	return plan, nil
}

func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and the dialplan; print every error with file:line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return printErrors(cmd, err)
			}
			reg := channel.NewRegistry(channel.RegistryConfig{})
			r := apps.New(apps.Config{Registry: reg})
			if cfg.Plugins.Dir != "" {
				// Plugin applications count as known.
				if _, err := plugin.Load(cfg.Resolve(cfg.Plugins.Dir), plugin.NewHost(reg, r, slog.Default()),
					plugin.Options{Config: cfg.Plugins.Sections}); err != nil && !errors.Is(err, plugin.ErrUnsupported) {
					return printErrors(cmd, err)
				}
			}
			if player, err := fileplay.New(fileplay.Config{Dir: cfg.Resolve(cfg.Sounds)}); err == nil {
				fileplay.RegisterApps(r, player)
			}
			if _, err := loadDialplan(cfg, r.HasApp); err != nil {
				return printErrors(cmd, err)
			}
			cmd.Printf("%s: configuration and dialplan OK (%d endpoints)\n", cfg.File, len(cfg.Endpoints))
			return nil
		},
	}
}

// printErrors prints each joined error on its own line and returns a short
// summary error (so the exit status is 1).
func printErrors(cmd *cobra.Command, err error) error {
	var list interface{ Unwrap() []error }
	n := 1
	if errors.As(err, &list) {
		n = len(list.Unwrap())
	}
	cmd.PrintErrln(err)
	return fmt.Errorf("%d error(s)", n)
}

func newConfigCmd() *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Configuration helpers"}
	c.AddCommand(&cobra.Command{
		Use:   "default",
		Short: "Print the embedded default configuration (copy it to start your own)",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.OutOrStdout().Write(config.DefaultText())
		},
	}, &cobra.Command{
		Use:   "dialplan",
		Short: "Print the embedded demo dialplan (extensions.conf)",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.OutOrStdout().Write(config.DefaultDialplanText())
		},
	})
	return c
}
