package plugin_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pbx-dev/pbx/plugin"
)

func sampleReport() []plugin.Loaded {
	return []plugin.Loaded{
		{Path: "plugins/tonegen.so", Name: "tonegen", Version: "1.0.0", Drivers: []string{"Tone"}, Apps: []string{"PlayTone"}},
		{Path: "plugins/old.so", Err: errors.New("plugin: plugins/old.so was built with a different Go toolchain")},
	}
}

func TestLoadedJSON(t *testing.T) {
	b, err := json.Marshal(sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"path":"plugins/tonegen.so","name":"tonegen","version":"1.0.0","drivers":["Tone"],"apps":["PlayTone"]},` +
		`{"path":"plugins/old.so","name":"","version":"","drivers":[],"apps":[],"error":"plugin: plugins/old.so was built with a different Go toolchain"}]`
	if string(b) != want {
		t.Fatalf("JSON:\n%s\nwant\n%s", b, want)
	}
	var back []plugin.Loaded
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	orig := sampleReport()
	orig[1].Drivers, orig[1].Apps = []string{}, []string{}
	if !equalLoaded(back, orig) {
		t.Errorf("round trip: %+v, want %+v", back, orig)
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := plugin.WriteTable(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	want := `PLUGIN   VERSION  STATUS  DRIVERS  APPS      PATH
tonegen  1.0.0    loaded  Tone     PlayTone  plugins/tonegen.so
-        -        FAILED  -        -         plugins/old.so
2 plugin(s), 1 loaded
plugins/old.so: plugin: plugins/old.so was built with a different Go toolchain
`
	if b.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", b.String(), want)
	}
}
