package dialplan

import (
	"errors"
	"fmt"
	"strings"
)

// Check reports problems that parse cleanly but cannot work, each as a
// [*CheckError] with the file:line of the offending line, joined with
// [errors.Join]:
//
//   - an application for which apps returns false (apps may be nil to skip
//     this check; it receives the name as written);
//   - an include => of a context that does not exist;
//   - a Goto or GotoIf whose target is fully literal (no ${ or $[) and names
//     a context, extension, label or priority that does not exist, or that
//     does not parse.
//
// A Goto that omits the extension is checked against the extension it is
// written in.
func (p *Plan) Check(apps func(name string) bool) error {
	var errs []error
	report := func(pos Pos, sentinel error, format string, args ...any) {
		errs = append(errs, &CheckError{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf(format, args...), Err: sentinel})
	}
	for _, c := range p.order {
		for _, inc := range c.Includes {
			if p.Context(inc.Context) == nil {
				report(inc.Pos, ErrNoContext, "context %q includes unknown context %q", c.Name, inc.Context)
			}
		}
		for _, e := range c.Extensions {
			for _, pr := range e.Priorities {
				if apps != nil && !apps(pr.App) {
					report(pr.Pos, ErrUnknownApp, "unknown application %q", pr.App)
				}
				targets, err := gotoTargets(pr)
				if err != nil {
					report(pr.Pos, ErrBadTarget, "%s(%s): %v", pr.App, pr.Args, err)
				}
				for _, target := range targets {
					if err := p.checkTarget(c, e, pr, target); err != nil {
						report(pr.Pos, sentinelOf(err), "%s(%s): %v", pr.App, pr.Args, err)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

// gotoTargets returns the literal target strings of a Goto or GotoIf.
func gotoTargets(pr *Priority) ([]string, error) {
	var targets []string
	switch strings.ToLower(pr.App) {
	case "goto":
		targets = []string{pr.Args}
	case "gotoif":
		_, t, f, ok := SplitGotoIf(pr.Args)
		if !ok {
			return nil, errors.New("GotoIf needs cond?[iftrue][:iffalse]")
		}
		for _, s := range []string{t, f} {
			if trimSpace(s) != "" {
				targets = append(targets, s)
			}
		}
	}
	var literal []string
	for _, t := range targets {
		if !strings.Contains(t, "$") {
			literal = append(literal, t)
		}
	}
	return literal, nil
}

func (p *Plan) checkTarget(c *Context, e *Extension, pr *Priority, s string) error {
	t, err := ParseTarget(s)
	if err != nil {
		return err
	}
	if t.Relative {
		n := pr.Number + t.Priority
		if t.Context == "" && t.Exten == "" && e.Priority(n) == nil {
			return fmt.Errorf("%w %d in extension %s", ErrNoPriority, n, e.displayName())
		}
		return nil
	}
	if t.Context == "" && t.Exten == "" {
		// Same extension: look in the very extension the Goto is written in.
		if t.Label != "" && e.Label(t.Label) == nil {
			return fmt.Errorf("%w %q in extension %s", ErrNoLabel, t.Label, e.displayName())
		}
		if t.Label == "" && e.Priority(t.Priority) == nil {
			return fmt.Errorf("%w %d in extension %s", ErrNoPriority, t.Priority, e.displayName())
		}
		return nil
	}
	exten := t.Exten
	if exten == "" {
		if e.IsPattern() {
			return nil // the dialled extension is not known statically
		}
		exten = e.Name
	}
	ctx := t.Context
	if ctx == "" {
		ctx = c.Name
	}
	_, err = p.Resolve(Location{Context: ctx, Exten: exten, Priority: pr.Number}, "", t)
	return err
}

func sentinelOf(err error) error {
	for _, s := range []error{ErrNoContext, ErrNoExtension, ErrNoLabel, ErrNoPriority, ErrBadTarget} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}
