package sip

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the table (run with -update after checking):\n%s", path, diffLines(string(want), got))
	}
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "-%s\n+%s\n", x, y)
		}
	}
	return out.String()
}

// TestCauseTable pins the RFC 3398 mapping in both directions
// (testdata/causes.golden).
func TestCauseTable(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Q.850 cause -> SIP status of a hang-up before answer (RFC 3398 §8.2.6.1)\n")
	causes := []channel.Cause{0, 99}
	for c := range causeStatus {
		causes = append(causes, c)
	}
	slices.Sort(causes)
	for _, c := range causes {
		s := CauseToStatus(c)
		fmt.Fprintf(&b, "cause %3d %-28s -> %d %s\n", int(c), c, s, reasonPhrase(s))
	}
	b.WriteString("\n# SIP final status -> Q.850 cause (RFC 3398 §7.2.4.1; unlisted statuses by class)\n")
	statuses := []int{200, 399, 499, 599, 699}
	for s := range statusCause {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		c := StatusToCause(s)
		fmt.Fprintf(&b, "status %d -> %3d %s\n", s, int(c), c)
	}
	golden(t, "causes.golden", b.String())
}

func TestReasonHeader(t *testing.T) {
	tests := map[string]struct {
		in   string
		want channel.Cause
	}{
		"ours":          {reasonHeader(channel.CauseUserBusy), channel.CauseUserBusy},
		"spaces":        {` Q.850 ; cause = 16 ; text="x"`, channel.CauseNormalClearing},
		"sip then q850": {`SIP;cause=200;text="Call completed elsewhere", Q.850;cause=26`, channel.CauseAnsweredElsewhere},
		"sip only":      {`SIP;cause=487`, 0},
		"out of range":  {`Q.850;cause=300`, 0},
		"garbage":       {`;;;=,,`, 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := parseReason(tc.in); got != tc.want {
				t.Fatalf("parseReason(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestStatusError(t *testing.T) {
	err := fmt.Errorf("dial: %w", &StatusError{Status: 486, Reason: "Busy Here"})
	if got := channel.CauseOf(err); got != channel.CauseUserBusy {
		t.Fatalf("CauseOf = %v, want USER_BUSY", got)
	}
}
