package apps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/dialplan"
)

func registerBuiltins(r *Runner) {
	for name, app := range map[string]App{
		"Answer":     appAnswer,
		"Hangup":     appHangup,
		"NoOp":       func(context.Context, *Session, string) error { return nil },
		"Verbose":    appVerbose,
		"Set":        appSet,
		"Goto":       func(_ context.Context, s *Session, a string) error { return s.Goto(a) },
		"GotoIf":     appGotoIf,
		"Wait":       appWait,
		"Progress":   indicateApp(frame.Progress),
		"Ringing":    indicateApp(frame.Ringing),
		"Busy":       toneApp(frame.Busy, channel.CauseUserBusy),
		"Congestion": toneApp(frame.Congestion, channel.CauseNormalCircuitCongestion),
		"SendDTMF":   appSendDTMF,
		"WaitExten":  appWaitExten,
		"Dial":       appDial,       // the bridge decides
		"ConfBridge": appConfBridge, // the bridge decides
	} {
		if err := r.Register(name, app); err != nil {
			panic(err)
		}
	}
	// Applications that consume the caller's audio (DESIGN.md §10).
	for name, app := range map[string]App{
		"Echo":       appEcho,
		"StreamEcho": appStreamEcho,
		"Read":       appRead,
		"Playback":   appPlayback,
		"Background": appBackground,
	} {
		if err := r.Register(name, app, TerminatesMedia()); err != nil {
			panic(err)
		}
	}
}

func appAnswer(ctx context.Context, s *Session, _ string) error {
	return s.ch.Answer(ctx)
}

func appHangup(_ context.Context, s *Session, args string) error {
	cause := channel.CauseNormalClearing
	if a := strings.TrimSpace(args); a != "" {
		c, err := channel.ParseCause(a)
		if err != nil {
			s.log.Warn("Hangup: bad cause, using NORMAL_CLEARING", "cause", a)
		} else {
			cause = c
		}
	}
	s.ch.Hangup(cause)
	return ErrStop
}

func appVerbose(_ context.Context, s *Session, args string) error {
	parts := dialplan.SplitArgsN(args, ',', 2)
	msg := args
	if len(parts) == 2 {
		if _, err := strconv.Atoi(strings.TrimSpace(parts[0])); err == nil {
			msg = parts[1]
		}
	}
	s.log.Info(msg, "context", s.Context, "exten", s.Exten, "priority", s.Priority)
	return nil
}

func appSet(_ context.Context, s *Session, args string) error {
	name, value, ok := dialplan.SplitSet(args)
	if !ok {
		s.log.Warn("Set: expected name=value", "args", args)
		return nil
	}
	if strings.HasPrefix(name, "GLOBAL(") && strings.HasSuffix(name, ")") {
		s.r.SetGlobal(name[7:len(name)-1], value)
		return nil
	}
	if strings.HasPrefix(name, "CALLERID(") && strings.HasSuffix(name, ")") {
		num, nm := s.ch.CallerID()
		switch strings.ToLower(name[9 : len(name)-1]) {
		case "num", "number":
			num = value
		case "name":
			nm = value
		}
		s.ch.SetCallerID(num, nm)
		return nil
	}
	s.SetVar(name, value)
	return nil
}

func appGotoIf(_ context.Context, s *Session, args string) error {
	cond, t, f, ok := dialplan.SplitGotoIf(args)
	if !ok {
		return fmt.Errorf("GotoIf(%s): want cond?[iftrue][:iffalse]", args)
	}
	target := f
	if dialplan.Truth(strings.TrimSpace(cond)) {
		target = t
	}
	if strings.TrimSpace(target) == "" {
		return nil
	}
	return s.Goto(target)
}

// seconds parses a (fractional) number of seconds; bad input gives def.
func seconds(a string, def time.Duration) time.Duration {
	a = strings.TrimSpace(a)
	if a == "" {
		return def
	}
	f, err := strconv.ParseFloat(a, 64)
	if err != nil || f < 0 {
		return def
	}
	return time.Duration(f * float64(time.Second))
}

// service reads and discards frames from the channel until d has passed,
// returning io.EOF on hangup, or the first DTMF digit in stopOn.
func service(s *Session, d time.Duration, stopOn string) (rune, error) {
	deadline := time.Now().Add(d)
	defer s.ch.SetReadDeadline(time.Time{})
	for {
		s.ch.SetReadDeadline(deadline)
		f, err := s.ch.Read()
		if errors.Is(err, channel.ErrDeadline) {
			return 0, nil
		}
		if err != nil {
			return 0, err
		}
		if f.Kind == frame.DTMFEnd && stopOn != "" && strings.ContainsRune(stopOn, f.Digit) {
			d := f.Digit
			f.Release()
			return d, nil
		}
		f.Release()
	}
}

func appWait(_ context.Context, s *Session, args string) error {
	_, err := service(s, seconds(args, 0), "")
	return err
}

func indicateApp(c frame.ControlType) App {
	return func(_ context.Context, s *Session, _ string) error {
		if err := s.ch.Indicate(c); err != nil && !errors.Is(err, channel.ErrHangup) {
			s.log.Debug("indicate failed", "control", c, "error", err)
		}
		if s.ch.HangupCause() != 0 {
			return io.EOF
		}
		return nil
	}
}

// toneApp indicates busy or congestion, waits (args seconds, default until
// the caller hangs up, at most 20 s), then hangs up with cause.
func toneApp(c frame.ControlType, cause channel.Cause) App {
	return func(ctx context.Context, s *Session, args string) error {
		s.ch.Indicate(c)
		if _, err := service(s, seconds(args, 20*time.Second), ""); err != nil {
			return err
		}
		s.ch.Hangup(cause)
		return ErrStop
	}
}

// appEcho reads the default streams and writes every media and DTMF frame
// back; '#' ends it.
func appEcho(_ context.Context, s *Session, _ string) error {
	for {
		f, err := s.ch.Read()
		if err != nil {
			return err
		}
		switch {
		case f.Kind == frame.DTMFEnd && f.Digit == '#':
			f.Release()
			return nil
		case f.IsMedia(), f.Kind == frame.DTMFBegin, f.Kind == frame.DTMFEnd:
			if err := s.ch.Write(f); err != nil && errors.Is(err, channel.ErrHangup) {
				f.Release()
				return io.EOF
			}
		}
		f.Release()
	}
}

// appStreamEcho echoes every stream on itself (the multistream echo test).
func appStreamEcho(_ context.Context, s *Session, _ string) error {
	for {
		f, err := s.ch.ReadStream()
		if err != nil {
			return err
		}
		switch {
		case f.Kind == frame.DTMFEnd && f.Digit == '#':
			f.Release()
			return nil
		case f.IsMedia():
			if err := s.ch.WriteStream(f.Stream, f); errors.Is(err, channel.ErrHangup) {
				f.Release()
				return io.EOF
			}
		case f.Kind == frame.Control && f.Control == frame.TopologyRequestChange:
			// Accept what the far end asks for.
			if f.Topology != nil {
				s.ch.RequestTopologyChange(f.Topology, nil)
			}
		}
		f.Release()
	}
}

func appSendDTMF(ctx context.Context, s *Session, args string) error {
	parts := dialplan.SplitArgs(args)
	if len(parts) == 0 {
		return nil
	}
	dur := 100 * time.Millisecond
	if len(parts) > 1 {
		if ms, err := strconv.Atoi(strings.TrimSpace(parts[1])); err == nil && ms > 0 {
			dur = time.Duration(ms) * time.Millisecond
		}
	}
	for _, d := range strings.TrimSpace(parts[0]) {
		if d == 'w' || d == 'W' {
			if _, err := service(s, 500*time.Millisecond, ""); err != nil {
				return err
			}
			continue
		}
		if err := s.ch.SendDigit(ctx, d, dur); err != nil {
			if errors.Is(err, channel.ErrHangup) {
				return io.EOF
			}
			return fmt.Errorf("SendDTMF: %w", err)
		}
		if _, err := service(s, dur+50*time.Millisecond, ""); err != nil {
			return err
		}
	}
	return nil
}

// appRead collects digits into a variable: Read(var[,prompt[,maxdigits[,options[,attempts[,timeout]]]]]).
func appRead(ctx context.Context, s *Session, args string) error {
	p := dialplan.SplitArgs(args)
	get := func(i int) string {
		if i < len(p) {
			return strings.TrimSpace(p[i])
		}
		return ""
	}
	name := get(0)
	if name == "" {
		s.SetVar("READSTATUS", "ERROR")
		return nil
	}
	maxDigits, _ := strconv.Atoi(get(2))
	if maxDigits <= 0 || maxDigits > 255 {
		maxDigits = 255
	}
	attempts, _ := strconv.Atoi(get(4))
	if attempts <= 0 {
		attempts = 1
	}
	timeout := seconds(get(5), 5*time.Second)
	for range attempts {
		var digits []rune
		if prompt := get(1); prompt != "" && s.r.Player != nil {
			d, err := s.r.Player.Play(ctx, s.ch, prompt, "0123456789*#ABCD")
			if err != nil && isHangup(err) {
				s.SetVar("READSTATUS", "HANGUP")
				return err
			}
			if d != 0 && d != '#' {
				digits = append(digits, d)
			}
		}
		status := ""
		for status == "" && len(digits) < maxDigits {
			d, err := service(s, timeout, "0123456789*#ABCD")
			switch {
			case err != nil:
				s.SetVar(name, string(digits))
				s.SetVar("READSTATUS", "HANGUP")
				return err
			case d == 0:
				status = "TIMEOUT"
			case d == '#':
				status = "OK"
			default:
				digits = append(digits, d)
			}
		}
		if status == "" {
			status = "OK"
		}
		if len(digits) > 0 || status == "OK" {
			s.SetVar(name, string(digits))
			s.SetVar("READSTATUS", "OK")
			return nil
		}
	}
	s.SetVar(name, "")
	s.SetVar("READSTATUS", "TIMEOUT")
	return nil
}

// appWaitExten collects digits until they select an extension, or goes to
// "t" after the timeout.
func appWaitExten(_ context.Context, s *Session, args string) error {
	timeout := seconds(dialplan.SplitArgs(args + ",")[0], 10*time.Second)
	return collectExten(s, "", timeout)
}

// collectExten collects DTMF (starting with first) until the digits match
// an extension that cannot match more, then jumps there; "i" when nothing
// can match; "t" on timeout.
func collectExten(s *Session, first string, timeout time.Duration) error {
	plan := s.r.Plan()
	digits := first
	for {
		if digits != "" {
			ext, kind := plan.Match(s.Context, digits, s.callerNum())
			more := plan.MatchMore(s.Context, digits, s.callerNum())
			if ext != nil && (!more || kind == dialplan.MatchEarly) {
				s.Exten, s.Priority, s.jumped = digits, 1, true
				return nil
			}
			if ext == nil && !plan.CanMatch(s.Context, digits, s.callerNum()) {
				if s.enterSpecial(plan, "i") {
					return nil
				}
				return ErrStop
			}
		}
		d, err := service(s, timeout, "0123456789*#ABCD")
		if err != nil {
			return err
		}
		if d == 0 {
			if digits != "" {
				if ext, _ := plan.Match(s.Context, digits, s.callerNum()); ext != nil {
					s.Exten, s.Priority, s.jumped = digits, 1, true
					return nil
				}
			}
			if s.enterSpecial(plan, "t") {
				return nil
			}
			return ErrStop
		}
		digits += string(d)
	}
}

func appConfBridge(ctx context.Context, s *Session, args string) error {
	room := strings.TrimSpace(dialplan.SplitArgs(args + ",")[0])
	if s.r.Conferences == nil {
		s.SetVar("CONFBRIDGE_RESULT", "FAILED")
		return errors.New("ConfBridge: no conference service")
	}
	if err := s.ch.Answer(ctx); err != nil {
		return err
	}
	err := s.r.Conferences.Join(ctx, room, s.ch)
	if s.ch.HangupCause() != 0 {
		s.SetVar("CONFBRIDGE_RESULT", "HANGUP")
		return io.EOF
	}
	if err != nil {
		s.SetVar("CONFBRIDGE_RESULT", "FAILED")
		return nil
	}
	s.SetVar("CONFBRIDGE_RESULT", "DTMF")
	return nil
}

// appPlayback plays files separated by '&': Playback(file1&file2[,options]).
func appPlayback(ctx context.Context, s *Session, args string) error {
	p := dialplan.SplitArgs(args)
	opts := ""
	if len(p) > 1 {
		opts = p[1]
	}
	if !strings.Contains(opts, "noanswer") {
		if err := s.ch.Answer(ctx); err != nil {
			return err
		}
	}
	status := "SUCCESS"
	if len(p) == 0 || s.r.Player == nil {
		s.SetVar("PLAYBACKSTATUS", "FAILED")
		return nil
	}
	for _, name := range strings.Split(p[0], "&") {
		if _, err := s.r.Player.Play(ctx, s.ch, strings.TrimSpace(name), ""); err != nil {
			if isHangup(err) {
				s.SetVar("PLAYBACKSTATUS", "FAILED")
				return err
			}
			s.log.Warn("playback failed", "file", name, "error", err)
			status = "FAILED"
		}
	}
	s.SetVar("PLAYBACKSTATUS", status)
	return nil
}

// appBackground plays files while collecting digits that select an
// extension.
func appBackground(ctx context.Context, s *Session, args string) error {
	p := dialplan.SplitArgs(args)
	if err := s.ch.Answer(ctx); err != nil {
		return err
	}
	if len(p) == 0 || s.r.Player == nil {
		s.SetVar("BACKGROUNDSTATUS", "FAILED")
		return nil
	}
	for _, name := range strings.Split(p[0], "&") {
		d, err := s.r.Player.Play(ctx, s.ch, strings.TrimSpace(name), "0123456789*#")
		if err != nil {
			if isHangup(err) {
				return err
			}
			s.SetVar("BACKGROUNDSTATUS", "FAILED")
			return nil
		}
		if d != 0 {
			s.SetVar("BACKGROUNDSTATUS", "SUCCESS")
			return collectExten(s, string(d), 5*time.Second)
		}
	}
	s.SetVar("BACKGROUNDSTATUS", "SUCCESS")
	return nil
}

var _ = slog.LevelInfo
