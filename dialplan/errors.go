package dialplan

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of them, so
// callers can classify with [errors.Is].
var (
	// ErrSyntax is wrapped by every [*SyntaxError].
	ErrSyntax = errors.New("dialplan: syntax error")
	// ErrUnknownApp is wrapped by a [*CheckError] about an application the
	// caller does not provide.
	ErrUnknownApp = errors.New("dialplan: unknown application")
	// ErrNoContext means a context named by a Goto or an include does not exist.
	ErrNoContext = errors.New("dialplan: no such context")
	// ErrNoExtension means no extension in the context (or its includes)
	// matches the dialled string.
	ErrNoExtension = errors.New("dialplan: no such extension")
	// ErrNoPriority means the extension exists but has no such priority.
	ErrNoPriority = errors.New("dialplan: no such priority")
	// ErrNoLabel means the extension exists but has no priority with that label.
	ErrNoLabel = errors.New("dialplan: no such label")
	// ErrBadTarget means a Goto target string cannot be parsed.
	ErrBadTarget = errors.New("dialplan: bad goto target")

	// ErrExprSyntax is wrapped by an [*ExprError] for a malformed $[...] expression.
	ErrExprSyntax = errors.New("dialplan: expression syntax error")
	// ErrDivByZero is wrapped by an [*ExprError] for x / 0 and x % 0.
	ErrDivByZero = errors.New("dialplan: division by zero")
	// ErrNonNumeric is wrapped by an [*ExprError] when arithmetic meets a string.
	ErrNonNumeric = errors.New("dialplan: non-numeric argument")
	// ErrBadRegex is wrapped by an [*ExprError] when the right side of ':' or
	// '=~' is not a valid POSIX extended regular expression.
	ErrBadRegex = errors.New("dialplan: bad regular expression")

	// ErrUnknownFunction is returned by an [Env] (and by [MapEnv]) for a
	// dialplan function it does not implement.
	ErrUnknownFunction = errors.New("dialplan: unknown function")
	// ErrFuncArgs means a built-in function was called with bad arguments.
	ErrFuncArgs = errors.New("dialplan: bad function arguments")
	// ErrUnbalanced means a ${ or $[ has no closing } or ], or a function
	// call has no closing parenthesis.
	ErrUnbalanced = errors.New("dialplan: unbalanced brackets")
	// ErrTooDeep means substitutions are nested deeper than the engine allows.
	ErrTooDeep = errors.New("dialplan: substitution nested too deeply")
)

// SyntaxError is one problem found while parsing extensions.conf. Parse
// collects every SyntaxError it finds and returns them joined with
// [errors.Join]; Error prints the conventional "file:line: message" form
// that editors understand.
type SyntaxError struct {
	File string // file as named by Parse or by the #include line
	Line int    // 1-based line number
	Msg  string // lowercase description, no trailing period
}

// Error returns "file:line: message".
func (e *SyntaxError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Unwrap returns [ErrSyntax].
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// CheckError is one problem found by [Plan.Check]: a plan that parses but
// cannot work, such as an unknown application or a Goto to a missing label.
type CheckError struct {
	File string
	Line int
	Msg  string
	Err  error // sentinel classifying the problem, e.g. ErrNoLabel
}

// Error returns "file:line: message".
func (e *CheckError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Unwrap returns the sentinel that classifies the problem.
func (e *CheckError) Unwrap() error { return e.Err }

// ExprError reports why a $[...] expression could not be evaluated.
type ExprError struct {
	Expr string // the expression text, after variable substitution
	Msg  string
	Err  error // ErrExprSyntax, ErrDivByZero, ErrNonNumeric, ErrBadRegex, ...
}

// Error returns "dialplan: $[expression]: message".
func (e *ExprError) Error() string { return fmt.Sprintf("dialplan: $[%s]: %s", e.Expr, e.Msg) }

// Unwrap returns the sentinel that classifies the problem.
func (e *ExprError) Unwrap() error { return e.Err }
