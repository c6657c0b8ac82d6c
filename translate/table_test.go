package translate

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestTable(t *testing.T) {
	// The route table of the built-in registry is deterministic; rewrite
	// the golden file with: go test ./translate -run Table -update
	got := NewRegistry().Table()
	golden := filepath.Join("testdata", "table.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("table differs from %s (run with -update if intended)\ngot:\n%s\nwant:\n%s", golden, got, want)
	}
	if NewRegistry().Table() != got {
		t.Error("two registries print different tables")
	}
}
