package plugin_test

// Package plugin must have no internal test files (package plugin, not
// plugin_test): they would be compiled into the test binary's copy of
// package plugin, the plugins these tests build link an unmodified copy,
// and the Go runtime refuses a plugin whose shared packages differ ("plugin
// was built with a different version of package …/plugin"). Unit tests of
// internals go in the internal package they test (plugin/internal/compat).

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// tmpRoot holds the plugins built for this test run; removed by TestMain.
var tmpRoot string

func TestMain(m *testing.M) {
	var err error
	tmpRoot, err = os.MkdirTemp("", "pbx-plugin-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmpRoot)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}
