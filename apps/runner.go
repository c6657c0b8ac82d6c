package apps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/dialplan"
)

// App is a dialplan application. It runs on the call's goroutine with the
// arguments already expanded. It returns nil to continue with the next
// priority (or where it jumped with [Session.Goto]), an error wrapping
// io.EOF or channel.ErrHangup when the channel hung up, or another error
// to end the call.
type App func(ctx context.Context, s *Session, args string) error

// ErrStop ends dialplan execution without an error (Hangup()).
var ErrStop = errors.New("apps: stop")

// Runner runs the dialplan. Safe for concurrent use.
type Runner struct {
	reg  *channel.Registry
	log  *slog.Logger
	plan atomic.Pointer[dialplan.Plan]

	mu      sync.Mutex
	apps    map[string]appEntry
	globals map[string]string

	// Services used by applications; set by cmd/pbx, may be nil in tests.
	Conferences Conferences
	Bridger     Bridger
	Player      Player
}

// Config configures a Runner.
type Config struct {
	Registry *channel.Registry
	Plan     *dialplan.Plan
	Logger   *slog.Logger
}

// New returns a Runner with the built-in applications registered.
func New(cfg Config) *Runner {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Runner{reg: cfg.Registry, log: log, apps: map[string]appEntry{}, globals: map[string]string{}}
	r.SetPlan(cfg.Plan)
	registerBuiltins(r)
	return r
}

// SetPlan installs a new dialplan (reload); calls in progress continue on
// it from their next priority.
func (r *Runner) SetPlan(p *dialplan.Plan) {
	r.plan.Store(p)
	if p != nil {
		r.mu.Lock()
		r.globals = p.GlobalValues()
		r.mu.Unlock()
	}
}

// Plan returns the current dialplan.
func (r *Runner) Plan() *dialplan.Plan { return r.plan.Load() }

// appEntry is a registered application.
type appEntry struct {
	run        App
	terminates bool // TerminatesMedia
}

// AppOption describes a registered application to the runner.
type AppOption func(*appEntry)

// TerminatesMedia marks an application that consumes the caller's audio
// itself (echo, prompts, digit collection, recording) instead of relaying
// it: before running it, the runner turns the jitter buffer of the
// channel's driver on, where the driver has one (DESIGN.md §10). Audio
// relayed by a two-party bridge gets none: the bridge turns it off again
// when the channel joins. Plugins pass it to their host's RegisterApp
// (package plugin).
func TerminatesMedia() AppOption {
	return func(e *appEntry) { e.terminates = true }
}

// Register adds an application; names are case-insensitive. A duplicate
// name is an error.
func (r *Runner) Register(name string, app App, opts ...AppOption) error {
	e := appEntry{run: app}
	for _, o := range opts {
		o(&e)
	}
	key := strings.ToLower(name)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.apps[key]; dup {
		return fmt.Errorf("apps: application %s already registered", name)
	}
	r.apps[key] = e
	return nil
}

// HasApp reports whether an application is registered (for Plan.Check).
func (r *Runner) HasApp(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.apps[strings.ToLower(name)]
	return ok
}

func (r *Runner) app(name string) (appEntry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.apps[strings.ToLower(name)]
	return a, ok
}

// Global returns a global variable.
func (r *Runner) Global(name string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.globals[name]
	return v, ok
}

// SetGlobal sets a global variable.
func (r *Runner) SetGlobal(name, value string) {
	r.mu.Lock()
	r.globals[name] = value
	r.mu.Unlock()
}

// ServeChannel implements channel.Handler: it runs the dialplan from the
// channel's entry point (default context "default", extension "s").
func (r *Runner) ServeChannel(ctx context.Context, ch *channel.Channel) {
	c, e := ch.DialplanTarget()
	if c == "" {
		c = "default"
	}
	if e == "" {
		e = "s"
	}
	r.Run(ctx, ch, c, e)
}

// Run executes the dialplan on ch from (context, exten, priority 1) until
// the call ends or the dialplan does, then runs the "h" extension if the
// context has one.
func (r *Runner) Run(ctx context.Context, ch *channel.Channel, context, exten string) {
	s := &Session{r: r, ch: ch, Context: context, Exten: exten, Priority: 1, log: ch.Logger()}
	s.run(ctx)
}

// Session is one call's position in the dialplan. It implements
// dialplan.Env for variable and function expansion. It is used only on the
// call's goroutine.
type Session struct {
	r  *Runner
	ch *channel.Channel

	Context  string
	Exten    string
	Priority int

	jumped bool
	log    *slog.Logger
}

// Channel returns the session's channel.
func (s *Session) Channel() *channel.Channel { return s.ch }

// Runner returns the runner.
func (s *Session) Runner() *Runner { return s.r }

// Logger returns the call's logger.
func (s *Session) Logger() *slog.Logger { return s.log }

func (s *Session) run(ctx context.Context) {
	plan := s.r.Plan()
	if plan == nil {
		s.log.Error("no dialplan loaded")
		s.ch.Hangup(channel.CauseFailure)
		return
	}
	if ext, _ := plan.Match(s.Context, s.Exten, s.callerNum()); ext == nil {
		s.log.Info("no such extension", "context", s.Context, "exten", s.Exten)
		if !s.enterSpecial(plan, "i") {
			s.ch.Hangup(channel.CauseUnallocated)
			return
		}
	}
	err := s.loop(ctx)
	switch {
	case err == nil, errors.Is(err, ErrStop), isHangup(err):
	default:
		s.log.Warn("dialplan ended with an error", "error", err)
		s.ch.HangupWith(channel.CauseFailure, err.Error())
	}
	s.runH(ctx)
}

// loop runs priorities until the extension ends, the call hangs up or an
// application fails.
func (s *Session) loop(ctx context.Context) error {
	for {
		if s.ch.HangupCause() != 0 {
			return io.EOF
		}
		plan := s.r.Plan()
		ext, prio := plan.Find(s.Context, s.Exten, s.callerNum(), s.Priority)
		if prio == nil {
			if ext == nil && s.Priority == 1 {
				if s.Exten != "i" && s.enterSpecial(plan, "i") {
					continue
				}
			}
			// Falling off the end of an extension ends the call.
			return nil
		}
		args := dialplan.Expand(prio.Args, s)
		app, ok := s.r.app(prio.App)
		if !ok {
			s.log.Warn("unknown application", "app", prio.App, "at", prio.Pos.String())
			if s.Exten != "i" && s.enterSpecial(plan, "i") {
				continue
			}
			return fmt.Errorf("unknown application %s at %s", prio.App, prio.Pos)
		}
		s.log.Debug("executing", "context", s.Context, "exten", s.Exten, "priority", s.Priority, "app", prio.App, "args", args)
		if app.terminates {
			s.jitterBuffer(true)
		}
		s.jumped = false
		if err := runApp(ctx, app.run, s, args); err != nil {
			return err
		}
		if !s.jumped {
			s.Priority++
		}
	}
}

// runApp calls app, turning a panic into an error so one bad application
// never takes the process down.
func runApp(ctx context.Context, app App, s *Session, args string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in application: %v", p)
		}
	}()
	return app(ctx, s, args)
}

func (s *Session) enterSpecial(plan *dialplan.Plan, name string) bool {
	if ext, _ := plan.Match(s.Context, name, ""); ext == nil {
		return false
	}
	s.SetVar("INVALID_EXTEN", s.Exten)
	s.Exten, s.Priority, s.jumped = name, 1, true
	return true
}

// runH runs the "h" extension after the call ended, as Asterisk does.
func (s *Session) runH(ctx context.Context) {
	plan := s.r.Plan()
	if plan == nil || s.Exten == "h" {
		return
	}
	if ext, _ := plan.Match(s.Context, "h", ""); ext == nil {
		return
	}
	s.Exten, s.Priority = "h", 1
	for {
		_, prio := plan.Find(s.Context, "h", "", s.Priority)
		if prio == nil {
			return
		}
		app, ok := s.r.app(prio.App)
		if !ok {
			return
		}
		s.jumped = false
		if err := runApp(ctx, app.run, s, dialplan.Expand(prio.Args, s)); err != nil && !isHangup(err) {
			return
		}
		if s.Exten != "h" {
			return
		}
		if !s.jumped {
			s.Priority++
		}
	}
}

func isHangup(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, channel.ErrHangup)
}

func (s *Session) callerNum() string {
	n, _ := s.ch.CallerID()
	return n
}

// Goto jumps to [[context,]exten,]priority|label (also +n/-n); the jump
// takes effect when the current application returns. A target where
// nothing would run sends the call to "i" when the context has one.
func (s *Session) Goto(target string) error {
	plan := s.r.Plan()
	t, err := dialplan.ParseTarget(target)
	if err == nil {
		var loc dialplan.Location
		loc, err = plan.Resolve(dialplan.Location{Context: s.Context, Exten: s.Exten, Priority: s.Priority}, s.callerNum(), t)
		if err == nil {
			s.Context, s.Exten, s.Priority, s.jumped = loc.Context, loc.Exten, loc.Priority, true
			return nil
		}
	}
	s.log.Warn("bad goto target", "target", target, "error", err)
	if s.enterSpecial(plan, "i") {
		return nil
	}
	return fmt.Errorf("goto %q: %w", target, err)
}

// Var implements dialplan.Env: built-ins, channel variables, globals.
func (s *Session) Var(name string) (string, bool) {
	switch name {
	case "EXTEN":
		return s.Exten, true
	case "CONTEXT":
		return s.Context, true
	case "PRIORITY":
		return strconv.Itoa(s.Priority), true
	case "UNIQUEID":
		return s.ch.ID(), true
	case "CHANNEL":
		return s.ch.Name(), true
	case "CALLERID(num)":
		n, _ := s.ch.CallerID()
		return n, true
	}
	if v, ok := s.ch.Var(name); ok {
		return v, true
	}
	if v, ok := s.ch.Var("_" + name); ok {
		return v, true
	}
	if v, ok := s.ch.Var("__" + name); ok {
		return v, true
	}
	return s.r.Global(name)
}

// Func implements dialplan.Env for channel functions.
func (s *Session) Func(name, args string) (string, error) {
	switch strings.ToUpper(name) {
	case "CALLERID":
		num, nm := s.ch.CallerID()
		switch strings.ToLower(strings.TrimSpace(args)) {
		case "num", "number":
			return num, nil
		case "name":
			return nm, nil
		case "all":
			return fmt.Sprintf("%q <%s>", nm, num), nil
		}
		return "", fmt.Errorf("CALLERID(%s): unknown field", args)
	case "CHANNEL":
		switch strings.ToLower(strings.TrimSpace(args)) {
		case "name":
			return s.ch.Name(), nil
		case "state":
			return s.ch.State().String(), nil
		case "uniqueid":
			return s.ch.ID(), nil
		case "topology":
			return s.ch.Topology().String(), nil
		}
		return "", fmt.Errorf("CHANNEL(%s): unknown field", args)
	case "GLOBAL":
		v, _ := s.r.Global(strings.TrimSpace(args))
		return v, nil
	}
	return "", fmt.Errorf("%w: %s", dialplan.ErrUnknownFunction, name)
}

// SetVar sets a channel variable (names with a _ or __ prefix are stored
// with it so Dial can pass them on).
func (s *Session) SetVar(name, value string) { s.ch.SetVar(name, value) }

// inheritable returns the variables a channel created by this one inherits:
// _VAR once (stored without prefix on the child), __VAR forever.
func inheritable(ch *channel.Channel) map[string]string {
	out := map[string]string{}
	for k, v := range ch.Vars() {
		bare, level := dialplan.InheritPrefix(k)
		switch level {
		case dialplan.InheritChild:
			out[bare] = v
		case dialplan.InheritAll:
			out["__"+bare] = v
		}
	}
	return out
}
