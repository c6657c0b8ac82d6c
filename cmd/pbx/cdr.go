package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pbx-dev/pbx/cdr"
	"github.com/pbx-dev/pbx/control"
	"github.com/pbx-dev/pbx/core/channel"
)

// cdrCloseTimeout bounds the flush of queued call records when the
// shutdown context has no deadline (start-up failures).
const cdrCloseTimeout = 10 * time.Second

// startCDR opens the call record database of the [cdr] section (SQLite
// relative to the configuration file, or PostgreSQL) and writes a record
// for every call the registry sees. Without either setting call records
// are off.
func startCDR(ctx context.Context, p *pbx) error {
	c := p.cfg.CDR
	if c.SQLite == "" && c.Postgres == "" {
		p.log.Info("call records disabled ([cdr] has neither sqlite nor postgres_dsn)")
		return nil
	}
	store, err := cdr.Open(ctx, cdr.Options{SQLite: p.cfg.Resolve(c.SQLite), Postgres: c.Postgres, Logger: p.log})
	if err != nil {
		return err
	}
	w, err := cdr.New(cdr.Config{Sink: store, Stats: sipRTPStats, Logger: p.log})
	if err != nil {
		store.Close()
		return err
	}
	p.reg.Observe(w.Observe)
	p.records, p.recorder = store, w
	p.stops = append(p.stops, func(ctx context.Context) error {
		if _, ok := ctx.Deadline(); !ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, cdrCloseTimeout)
			defer cancel()
		}
		return errors.Join(w.Close(ctx), store.Close())
	})
	where := p.cfg.Resolve(c.SQLite)
	if c.Postgres != "" {
		where = "postgres"
	}
	p.log.Info("call records", "backend", store.Backend(), "database", where)
	return nil
}

// sipRTPStats reads the SIP driver's RTP counters for call records.
func sipRTPStats(ch *channel.Channel) ([]cdr.StreamStats, bool) {
	s, ok := ch.Tech().(sipStatser)
	if !ok {
		return nil, false
	}
	list := s.StreamStats()
	out := make([]cdr.StreamStats, len(list))
	for i, x := range list {
		out[i] = cdr.StreamStats{
			PacketsReceived: x.PacketsReceived, PacketsSent: x.PacketsSent,
			Lost: x.Lost, Jitter: x.Jitter,
			RemoteLost: int64(x.RemoteLost), RemoteJitter: x.RemoteJitter, RTT: x.RTT,
		}
	}
	return out, true
}

// cdrRoute serves GET /cdr?limit=N: the N most recent call records
// (default 20), newest first.
func (p *pbx) cdrRoute(w http.ResponseWriter, r *http.Request) {
	if p.records == nil {
		http.Error(w, "call records are disabled: set sqlite or postgres_dsn in [cdr]", http.StatusNotImplemented)
		return
	}
	limit := 20
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			http.Error(w, "limit must be a number from 1 to 100000", http.StatusBadRequest)
			return
		}
		limit = n
	}
	list, err := p.records.Recent(r.Context(), limit)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	control.WriteJSON(w, list)
}

func newCDRCmd() *cobra.Command {
	var limit int
	var asJSON bool
	c := &cobra.Command{
		Use:   "cdr",
		Short: "List recent call records, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, err := request(cmd, "GET", fmt.Sprintf("/cdr?limit=%d", limit), nil)
			if err != nil {
				return err
			}
			if asJSON {
				cmd.Print(string(out))
				return nil
			}
			var list []cdr.Record
			if err := json.Unmarshal(out, &list); err != nil {
				return err
			}
			return writeCDRTable(cmd, list)
		},
	}
	c.Flags().IntVar(&limit, "limit", 20, "number of records to show")
	c.Flags().BoolVar(&asJSON, "json", false, "print the records as JSON")
	return c
}

func writeCDRTable(cmd *cobra.Command, list []cdr.Record) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "START\tCALLER\tCALLEE\tDISPOSITION\tDURATION\tBILLSEC\tCAUSE\tCHANNEL\tPEER\tCODECS\tRTP")
	for _, r := range list {
		caller := r.CallerNum
		if r.CallerName != "" {
			caller = fmt.Sprintf("%s <%s>", r.CallerName, r.CallerNum)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%ds\t%ds\t%d %s\t%s\t%s\t%s\t%s\n",
			r.Start.Local().Format(time.DateTime), caller, dash(r.Callee), r.Disposition,
			r.Duration, r.BillSec, int(r.Cause), r.CauseName, r.Channel, dash(r.PeerChannel),
			dash(r.Codecs), rtpColumn(r.RTP))
	}
	fmt.Fprintf(w, "%d call record(s)\n", len(list))
	return w.Flush()
}

func rtpColumn(s *cdr.RTPSummary) string {
	if s == nil {
		return "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "rx=%d lost=%d jitter=%.1fms", s.PacketsReceived, s.Lost, s.JitterMS)
	if s.RTTMS > 0 {
		fmt.Fprintf(&b, " rtt=%.1fms", s.RTTMS)
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
