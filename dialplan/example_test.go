package dialplan_test

import (
	"fmt"
	"strings"

	"github.com/pbx-dev/pbx/dialplan"
)

func Example() {
	plan, err := dialplan.Parse("extensions.conf", strings.NewReader(`
[internal]
exten => _X.,1,NoOp(catch-all)
exten => _55XX,1,NoOp(55XX)
exten => _555X,1,Dial(PJSIP/${EXTEN:3},20)
 same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy:1)
 same => n(busy),Busy()
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ext, kind := plan.Match("internal", "5551", "")
	fmt.Println(ext.Name, kind)

	_, pr := plan.Find("internal", "5551", "", 1)
	env := dialplan.MapEnv{"EXTEN": "5551"}
	fmt.Println(pr.App, dialplan.SplitArgs(dialplan.Expand(pr.Args, env)))

	_, pr = plan.Find("internal", "5551", "", 2)
	env["DIALSTATUS"] = "BUSY"
	cond, ifTrue, ifFalse, _ := dialplan.SplitGotoIf(dialplan.Expand(pr.Args, env))
	branch := ifFalse
	if dialplan.Truth(cond) {
		branch = ifTrue
	}
	target, _ := dialplan.ParseTarget(branch)
	loc, err := plan.Resolve(dialplan.Location{Context: "internal", Exten: "5551", Priority: 2}, "", target)
	fmt.Println(loc, err)
	// Output:
	// _555X pattern
	// Dial [PJSIP/1 20]
	// internal,5551,3 <nil>
}

func ExampleEval() {
	for _, expr := range []string{"1 + 2 * 3", "7 / 2", `"a" = "a"`, "5551234 : 555", "1 / 0"} {
		v, err := dialplan.Eval(expr, nil)
		fmt.Printf("%s => %q %v\n", expr, v, err)
	}
	// Output:
	// 1 + 2 * 3 => "7" <nil>
	// 7 / 2 => "3.5" <nil>
	// "a" = "a" => "1" <nil>
	// 5551234 : 555 => "3" <nil>
	// 1 / 0 => "" dialplan: $[1 / 0]: division by zero
}

func ExamplePlan_Check() {
	plan, _ := dialplan.Parse("extensions.conf", strings.NewReader(`[c]
exten => s,1,Answer()
 same => n,Gotoo(start)
 same => n,Goto(nowhere)
`))
	apps := map[string]bool{"Answer": true, "Goto": true}
	fmt.Println(plan.Check(func(name string) bool { return apps[name] }))
	// Output:
	// extensions.conf:3: unknown application "Gotoo"
	// extensions.conf:4: Goto(nowhere): dialplan: no such label "nowhere" in extension s
}
