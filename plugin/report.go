package plugin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// loadedJSON is the wire form of Loaded (the control endpoint's
// GET /plugins).
type loadedJSON struct {
	Path    string   `json:"path"`
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Drivers []string `json:"drivers"`
	Apps    []string `json:"apps"`
	Error   string   `json:"error,omitempty"`
}

// MarshalJSON encodes l with Err as its message ("error", omitted when
// nil).
func (l Loaded) MarshalJSON() ([]byte, error) {
	j := loadedJSON{Path: l.Path, Name: l.Name, Version: l.Version,
		Drivers: nonNil(l.Drivers), Apps: nonNil(l.Apps)}
	if l.Err != nil {
		j.Error = l.Err.Error()
	}
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON produced; Err gets the message
// only (its type and wrapped errors do not cross the wire).
func (l *Loaded) UnmarshalJSON(b []byte) error {
	var j loadedJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Loaded{Path: j.Path, Name: j.Name, Version: j.Version, Drivers: j.Drivers, Apps: j.Apps}
	if j.Error != "" {
		l.Err = errors.New(j.Error)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteTable prints list as `pbx plugins` shows it: one line per plugin
// with its version, status and registrations, then the full error of each
// plugin that did not load.
func WriteTable(w io.Writer, list []Loaded) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PLUGIN\tVERSION\tSTATUS\tDRIVERS\tAPPS\tPATH")
	failed := 0
	for _, l := range list {
		status := "loaded"
		if l.Err != nil {
			status = "FAILED"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", dash(l.Name), dash(l.Version), status,
			dash(strings.Join(l.Drivers, ",")), dash(strings.Join(l.Apps, ",")), l.Path)
	}
	fmt.Fprintf(tw, "%d plugin(s), %d loaded\n", len(list), len(list)-failed)
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, l := range list {
		if l.Err != nil {
			if _, err := fmt.Fprintf(w, "%s: %v\n", l.Path, l.Err); err != nil {
				return err
			}
		}
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
