package fileplay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/dialplan"
)

var _ apps.Player = (*Player)(nil)

// RegisterApps registers the dialplan applications built on p with r:
//
//	Record(file.ext[,silence[,maxduration[,options]]])
//	MixMonitor(file.ext[,options])
//	StopMixMonitor([id])
//
// Record terminates the caller's audio ([apps.TerminatesMedia]: its
// driver's jitter buffer is turned on) and sets RECORD_STATUS and
// RECORDED_FILE (see [Player.Record]);
// options a n q s t x y k u o. MixMonitor sets MIXMONITOR_FILENAME and
// returns at once (see [Player.MixMonitor]); options a, r(file),
// t(file), v(x), V(x), W(x) and i(var), which stores the id StopMixMonitor
// takes. Playback, Background and Read use p through the runner's Player
// field, which the caller sets (r.Player = p).
func RegisterApps(r *apps.Runner, p *Player) error {
	return errors.Join(
		r.Register("Record", p.appRecord, apps.TerminatesMedia()),
		r.Register("MixMonitor", p.appMixMonitor),
		r.Register("StopMixMonitor", p.appStopMixMonitor),
	)
}

func (p *Player) appRecord(ctx context.Context, s *apps.Session, args string) error {
	file, o, err := parseRecordArgs(args)
	if err != nil {
		s.SetVar("RECORD_STATUS", RecordError.String())
		return err
	}
	path, status, err := p.Record(ctx, s.Channel(), file, o)
	s.SetVar("RECORD_STATUS", status.String())
	if path != "" && status != RecordSkip {
		s.SetVar("RECORDED_FILE", strings.TrimSuffix(path, extOf(path)))
	}
	switch {
	case status == RecordHangup:
		return err
	case err != nil:
		s.Logger().Warn("record failed", "file", path, "error", err)
	}
	return nil
}

func (p *Player) appMixMonitor(_ context.Context, s *apps.Session, args string) error {
	file, o, idVar, err := parseMixMonitorArgs(args)
	if err != nil {
		return err
	}
	m, err := p.MixMonitor(s.Channel(), file, o)
	if err != nil {
		s.Logger().Warn("mixmonitor failed", "file", file, "error", err)
		return nil
	}
	s.SetVar("MIXMONITOR_FILENAME", m.File())
	if idVar != "" {
		s.SetVar(idVar, m.ID())
	}
	return nil
}

func (p *Player) appStopMixMonitor(ctx context.Context, s *apps.Session, args string) error {
	err := p.StopMixMonitor(ctx, s.Channel(), strings.TrimSpace(args))
	if err != nil && !errors.Is(err, ErrNotFound) && ctx.Err() == nil {
		s.Logger().Warn("stop mixmonitor failed", "error", err)
	}
	return nil
}

func extOf(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 && !strings.ContainsAny(path[i:], `/\`) {
		return path[i:]
	}
	return ""
}

// parseRecordArgs parses Record's arguments,
// "file.ext[,silence[,maxduration[,options]]]", with silence and
// maxduration in seconds.
func parseRecordArgs(args string) (string, RecordOptions, error) {
	var o RecordOptions
	parts := dialplan.SplitArgs(args)
	if len(parts) == 0 || strings.TrimSpace(parts[0]) == "" {
		return "", o, fmt.Errorf("%w: Record needs a file name", ErrBadArgs)
	}
	file := strings.TrimSpace(parts[0])
	seconds := func(i int) (float64, error) {
		if i >= len(parts) || strings.TrimSpace(parts[i]) == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil || v < 0 || v > 86400 {
			return 0, fmt.Errorf("%w: Record seconds %q", ErrBadArgs, parts[i])
		}
		return v, nil
	}
	silence, err := seconds(1)
	if err != nil {
		return "", o, err
	}
	maxDur, err := seconds(2)
	if err != nil {
		return "", o, err
	}
	o.Silence = secondsDuration(silence)
	o.MaxDuration = secondsDuration(maxDur)
	if len(parts) > 3 {
		for _, c := range strings.TrimSpace(parts[3]) {
			switch c {
			case 'a':
				o.Append = true
			case 'n':
				o.NoAnswer = true
			case 'q':
				o.Quiet = true
			case 's':
				o.Skip = true
			case 't':
				o.Terminators = "*"
			case 'x':
				o.NoTerminators = true
			case 'y':
				o.Terminators = anyDigit
			case 'k':
				o.KeepOnHangup = true
			case 'u':
				o.KeepSilence = true
			case 'o':
				o.Operator = true
			default:
				return "", o, fmt.Errorf("%w: Record option %q", ErrBadArgs, c)
			}
		}
	}
	return file, o, nil
}

// parseMixMonitorArgs parses "file.ext[,options]"; options are letters,
// some with a parenthesised argument: a r(file) t(file) v(x) V(x) W(x)
// i(var). Other Asterisk options are accepted and ignored.
func parseMixMonitorArgs(args string) (file string, o MixMonitorOptions, idVar string, err error) {
	parts := dialplan.SplitArgs(args)
	if len(parts) == 0 || strings.TrimSpace(parts[0]) == "" {
		return "", o, "", fmt.Errorf("%w: MixMonitor needs a file name", ErrBadArgs)
	}
	file = strings.TrimSpace(parts[0])
	if len(parts) < 2 {
		return file, o, "", nil
	}
	opts := strings.TrimSpace(parts[1])
	for i := 0; i < len(opts); i++ {
		c := opts[i]
		arg := ""
		if i+1 < len(opts) && opts[i+1] == '(' {
			end := strings.IndexByte(opts[i+1:], ')')
			if end < 0 {
				return "", o, "", fmt.Errorf("%w: MixMonitor option %c: missing ')'", ErrBadArgs, c)
			}
			arg = opts[i+2 : i+1+end]
			i += 1 + end
		}
		gain := func() (int, error) {
			g, err := strconv.Atoi(strings.TrimSpace(arg))
			if err != nil || g < -4 || g > 4 {
				return 0, fmt.Errorf("%w: MixMonitor volume %q (-4..4)", ErrBadArgs, arg)
			}
			return g, nil
		}
		switch c {
		case 'a':
			o.Append = true
		case 'r':
			o.ReadFile = arg
		case 't':
			o.WriteFile = arg
		case 'v':
			if o.WriteGain, err = gain(); err != nil {
				return "", o, "", err
			}
		case 'V':
			if o.ReadGain, err = gain(); err != nil {
				return "", o, "", err
			}
		case 'W':
			g, err := gain()
			if err != nil {
				return "", o, "", err
			}
			o.ReadGain, o.WriteGain = g, g
		case 'i':
			idVar = arg
		}
	}
	return file, o, idVar, nil
}
