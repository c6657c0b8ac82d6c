package fileplay

import (
	"log/slog"

	"github.com/pbx-dev/pbx/core/channel"
)

// Config configures a [Player]. The zero Config is usable: prompts are
// looked up under "sounds" in language "en", translation uses
// translate.NewRegistry(), and recordings with relative names are written
// relative to the working directory.
type Config struct {
	// Dir is the sounds directory prompts are looked up in. Empty means
	// "sounds".
	Dir string
	// Language is the prompt language: a name is looked up in
	// Dir/<Language>/ first (with "_suffix" parts stripped one at a time,
	// en_GB → en), then in Dir/. Empty means "en".
	Language string
	// Paths builds the translation paths that turn a file's format into a
	// stream's, and a stream's into a recording's. Nil means
	// translate.NewRegistry(). When it also has the method
	// Route(src, dst format.Format) (translate.Route, error), as
	// *translate.Registry does, route costs choose between the formats a
	// prompt exists in.
	Paths channel.PathBuilder
	// RecordDir is where Record and MixMonitor put files given with a
	// relative name. Empty means the working directory.
	RecordDir string
	// Logger receives the player's logs; nil means slog.Default().
	Logger *slog.Logger
}
