// Package plugin loads Go plugins that add channel drivers and dialplan
// applications to a running PBX without rebuilding it.
//
// # Writing a plugin
//
// A plugin is a package main built with
//
//	go build -buildmode=plugin -o plugins/tonegen.so ./examples/plugins/tonegen
//
// that exports exactly one symbol, [Symbol] ("PBXPlugin"), an [Info]:
//
//	var PBXPlugin = plugin.Info{
//		Name:       "tonegen",
//		Version:    "1.0.0",
//		APIVersion: plugin.APIVersion,
//		Register:   register,
//	}
//
//	func register(h plugin.Host) error {
//		return h.RegisterDriver(newToneDriver(h.Config(), h.Logger()))
//	}
//
// Register receives a [Host]: a small API to register drivers
// ([channel.Driver], the same interface compiled-in drivers implement) and
// dialplan applications ([apps.App]), a logger, and the plugin's own
// configuration section. A driver written this way can also be compiled into
// pbx and registered through [Builtin], the same path without the .so.
//
// An application takes the same [apps.AppOption] values as a compiled-in
// one. One that consumes the caller's audio itself — it plays prompts or
// tones, echoes, collects digits or records, rather than relaying the audio
// to another channel — is registered with [apps.TerminatesMedia], so the
// runner turns the caller's jitter buffer on before running it:
//
//	h.RegisterApp("PlayTone", playTone, apps.TerminatesMedia())
//
// # Loading
//
// cmd/pbx calls [Load] once at start-up with the configured directory. Load
// opens every *.so file in it in sorted file-name order and, for each:
//
//  1. reads the file's Go build information (debug/buildinfo) and refuses a
//     plugin built by another Go toolchain, for another platform, with other
//     instrumentation flags (-race, -msan, -asan, -trimpath, GOEXPERIMENT) or
//     against other released versions of the pbx module or of a shared
//     dependency — before any of its code runs;
//  2. opens it with the standard library's plugin package, rewording the
//     runtime's "plugin was built with a different version of package X"
//     into a [VersionError] that names both builds;
//  3. looks up PBXPlugin, checks its type and [APIVersion];
//  4. runs Register, recovering a panic. Registrations are staged while
//     Register runs and applied only when it returns nil, so a plugin that
//     fails half-way (a duplicate driver name, an error, a panic) registers
//     nothing;
//  5. logs the plugin's name and version, and records what it registered in
//     a [Loaded] for `pbx plugins`.
//
// A plugin that fails any step is reported (logged and returned in its
// Loaded with Err set) and skipped; loading goes on with the next file.
// Only a plugin named in [Options.Required] makes Load return an error.
//
// # Constraints (from the Go runtime, not from this package)
//
// Plugins need cgo and work on Linux, FreeBSD and macOS only; in a build
// without cgo, Load reports [ErrUnsupported]. Host and plugin must come from
// the same Go toolchain, the same module versions (in practice the same pbx
// checkout) and the same -race, -trimpath and -tags flags. A plugin cannot be
// unloaded: its init functions run when it is opened and its code stays in
// the process until it exits. Opening the same file again returns the
// already-loaded plugin, so a second Load (a reload) calls its Register
// again, with a new Host.
//
// # Concurrency
//
// Load and Builtin may be called from any goroutine, but are meant for
// start-up; a plugin's Register runs on the caller's goroutine. Load holds
// no lock while it runs plugin code.
package plugin
