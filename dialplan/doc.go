// Package dialplan is the language layer of Asterisk's extensions.conf:
// parsing, extension matching, variable substitution, expressions and Goto
// targets. It knows nothing about channels; a Runner elsewhere drives a
// channel through a [Plan] using the pieces here.
//
// # The call scenario
//
// A call arrives for extension 5551 in context "internal":
//
//	plan, err := dialplan.ParseFile("/etc/pbx/extensions.conf")
//	ext, kind := plan.Match("internal", "5551", callerNum) // which extension runs
//	_, pr := plan.Find("internal", "5551", callerNum, 1)    // priority 1 of it
//	args := dialplan.Expand(pr.Args, env)                  // ${...}, $[...]
//	argv := dialplan.SplitArgs(args)                       // "PJSIP/5551", "20"
//	// run application pr.App with argv; then priority 2, 3, ...
//
// The Runner's loop, like Asterisk's pbx_run, looks the location up again
// at every step with [Plan.Find]: an extension that matches but lacks the
// next priority is passed over for the next matching extension that has
// it, and falling off the end of all of them ends the call
// ([Plan.AutoFallthrough]). Goto and GotoIf arguments go through
// [SplitGotoIf], [ParseTarget] and [Plan.Resolve]; Set arguments through
// [SplitSet] and [InheritPrefix]; the GotoIf/IF/ExecIf condition through
// [Truth]. While collecting digits (Background, WaitExten), [Plan.MatchMore]
// says whether to keep waiting and [Plan.CanMatch] whether the digits so far
// can lead anywhere.
//
// # Parsing
//
// [Parse], [ParseFile] and [ParseFS] read the file format of Asterisk's
// config reader as used by pbx_config:
//
//	[general]                          ; options: autofallthrough, ...
//	autofallthrough = yes
//	[globals]                          ; global variables, raw
//	TRUNK = PJSIP/trunk
//	[internal]                         ; a context
//	include => outbound                ; searched after this context
//	exten => 100,hint,PJSIP/100        ; device-state hint
//	exten => 100,1(start),Answer()     ; priority 1, labelled "start"
//	 same => n,Dial(PJSIP/100\;x,20)   ; n = previous + 1; \; is a literal ;
//	exten => _NXX/5551234,1,Busy()     ; pattern with a caller-ID match
//	#include "more.conf"               ; relative to this file
//	;-- a block
//	    comment --;
//
// Keys are case-insensitive, "=" and "=>" are interchangeable, white space
// around names, priorities and application names is ignored, and the
// argument text is kept exactly as written between the first '(' and the
// last ')'. Every priority keeps the file:line it came from. Every problem
// is reported, not just the first, as a [*SyntaxError] "file:line: message",
// all joined with [errors.Join]. Unlike Asterisk, which logs and carries on,
// these are errors: a first priority other than 1, a duplicate priority or
// label, 'n' with nothing before it, same => without exten =>, a malformed
// pattern, a missing application, a line outside any context, unknown
// keywords and directives, text after a closing parenthesis. Asterisk's
// "n" counts from the previous line of the whole context; here it counts
// from the previous line of the same extension, so interleaved extensions
// number as one would expect. [Plan.Check] then finds what parses but
// cannot work: unknown applications, includes of missing contexts and
// literal Goto targets that do not exist. [Plan.Format] writes a plan back
// as extensions.conf; parsing that text yields the same plan.
//
// # Matching
//
// Literal extensions come before patterns. Patterns ('_' then X, Z, N,
// [set], '.', '!'; '-' ignored) are ordered position by position, the
// position that can match fewer characters first, so the most specific
// pattern wins whatever the order in the file: for 5551, _555X beats _55XX
// beats _X. An extension with a caller-ID match is tried before the same
// extension without one. Then included contexts are searched depth-first
// in listed order, each context at most once (include loops are harmless).
// '!' matches as soon as nothing longer could: once the best candidate
// matches through '!', [Plan.MatchMore] is false. Special extensions (s, h,
// i, t, T, e, o, a) are ordinary literal names. Time conditions on
// includes and switch => are stored but not evaluated.
//
// # Substitution and expressions
//
// [Expand] implements ${VAR}, ${VAR:offset:length}, nested ${${NAME}},
// ${FUNC(args)} and $[expression] with Asterisk's scanning rules. Values
// of variables are not re-scanned. The pure functions LEN, IF and CUT are
// built in; variables and every other function come from the caller's
// [Env], which is where a channel supplies EXTEN, CONTEXT, PRIORITY,
// CHANNEL, UNIQUEID, CALLERID(num), CHANNEL(name), GLOBAL(x) and the rest.
// [Eval] is the expression language of $[...]; its errors (syntax,
// division by zero, arithmetic on strings) are values, never panics.
// Unlike Asterisk, '!' uses the same truth rule as everything else ("!abc"
// is 0, where Asterisk's atoi makes it 1).
//
// # Concurrency
//
// A Plan is immutable once returned, so any number of goroutines may match
// against it and resolve targets concurrently without locks; a reload
// builds a new Plan and swaps the pointer. The functions of this package
// start no goroutines. Expand and Eval call the Env synchronously on the
// caller's goroutine.
package dialplan
