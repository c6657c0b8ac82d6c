package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/control"
)

// request calls the running PBX's control endpoint.
func request(cmd *cobra.Command, method, path string, body any) ([]byte, error) {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	tokFile := cfg.ControlTokenFile
	if tokFile == "" {
		tokFile = control.DefaultTokenFile()
	}
	tok, err := control.LoadOrCreateToken(cfg.Resolve(tokFile))
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(cmd.Context(), method, "http://"+cfg.Control+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot reach the PBX at %s (is `pbx run` running?): %w", cfg.Control, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: %s", res.Status, strings.TrimSpace(string(out)))
	}
	return out, nil
}

func newChannelsCmd() *cobra.Command {
	var stats, asJSON bool
	c := &cobra.Command{
		Use:   "channels",
		Short: "List live channels with their state, duration and stream topology",
		Long: `List live channels with their state, duration and stream topology.
--stats adds each stream's RTP counters; --json prints the list as JSON,
with the counters of every channel whose driver keeps them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path := "/channels"
			if stats || asJSON {
				path += "?stats=1"
			}
			out, err := request(cmd, "GET", path, nil)
			if err != nil {
				return err
			}
			if asJSON {
				cmd.Print(string(out))
				return nil
			}
			var list []control.ChannelInfo
			if err := json.Unmarshal(out, &list); err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CHANNEL\tSTATE\tDURATION\tCALLER")
			for _, c := range list {
				fmt.Fprintf(w, "%s\t%s\t%ds\t%s\n", c.Name, c.State, int(c.Duration), c.Caller)
				for _, s := range c.Streams {
					def := ""
					if s.IsDefault {
						def = " (default)"
					}
					fmt.Fprintf(w, "  %s%s\t\t\t\n", s.Summary, def)
				}
				if stats && c.Stats != nil {
					for _, s := range c.Stats.Streams {
						fmt.Fprintf(w, "  rtp %s\t\t\t\n", streamStatsLine(s))
					}
					if d := c.Stats; d.QueueDropped+d.ControlDropped > 0 {
						fmt.Fprintf(w, "  queue dropped %d media, %d control\t\t\t\n", d.QueueDropped, d.ControlDropped)
					}
				}
			}
			fmt.Fprintf(w, "%d active channel(s)\n", len(list))
			return w.Flush()
		},
	}
	c.Flags().BoolVar(&stats, "stats", false, "show each stream's RTP counters")
	c.Flags().BoolVar(&asJSON, "json", false, "print the channels, with their counters, as JSON")
	return c
}

func newHangupCmd() *cobra.Command {
	var cause int
	c := &cobra.Command{
		Use:   "hangup CHANNEL|all",
		Short: "Hang up a channel (by name or id) or all channels",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := request(cmd, "POST", "/hangup", map[string]any{"channel": args[0], "cause": cause})
			if err != nil {
				return err
			}
			var r struct{ Hungup int }
			json.Unmarshal(out, &r)
			cmd.Printf("%d channel(s) hung up\n", r.Hungup)
			return nil
		},
	}
	c.Flags().IntVar(&cause, "cause", 16, "Q.850 hangup cause")
	return c
}

func newOriginateCmd() *cobra.Command {
	var ctxName string
	c := &cobra.Command{
		Use:   "originate TECH/RESOURCE EXTEN",
		Short: "Call TECH/RESOURCE and, when it answers, run the dialplan at EXTEN",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := request(cmd, "POST", "/originate", map[string]string{"dial": args[0], "exten": args[1], "context": ctxName})
			if err != nil {
				return err
			}
			var r struct{ Channel string }
			json.Unmarshal(out, &r)
			cmd.Printf("originated %s\n", r.Channel)
			return nil
		},
	}
	c.Flags().StringVar(&ctxName, "context", "default", "dialplan context")
	return c
}

func newReloadCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Re-read the dialplan and endpoints without dropping live calls",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := request(cmd, "POST", "/reload", nil); err != nil {
				return err
			}
			cmd.Println("reloaded")
			return nil
		},
	}
}

func newShowCmd() *cobra.Command {
	c := &cobra.Command{Use: "show", Short: "Show PBX internals"}
	c.AddCommand(&cobra.Command{
		Use:   "translation",
		Short: "Print the codec translation path table (like Asterisk's core show translation)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.Print(translationTable())
			return nil
		},
	})
	c.AddCommand(newShowChannelCmd(), newShowRTPCmd())
	return c
}
