package plugin

// Symbol is the name of the one symbol a plugin exports: a variable of type
// [Info].
const Symbol = "PBXPlugin"

// APIVersion is the version of the plugin API ([Info] and [Host]) this
// package implements. A plugin sets Info.APIVersion to the APIVersion it
// was compiled against; Load refuses other values. It changes only when a
// change to Host or Info would make existing plugin source misbehave.
const APIVersion = 1

// Info is what a plugin exports as [Symbol]:
//
//	var PBXPlugin = plugin.Info{Name: "tonegen", Version: "1.0.0",
//		APIVersion: plugin.APIVersion, Register: register}
type Info struct {
	// Name identifies the plugin in logs, in `pbx plugins`, in
	// [Options.Required] and as the key of its configuration section. It
	// must be non-empty and unique among loaded plugins.
	Name string
	// Version is the plugin's own version, for logs and `pbx plugins`.
	Version string
	// APIVersion must be [APIVersion].
	APIVersion int
	// Register adds the plugin's drivers and applications to h. It is
	// called once per Load, on the loading goroutine; it may block only
	// briefly (no network waits) and must not keep h to register later:
	// registrations are applied when it returns nil and refused after. A
	// returned error or a panic skips the plugin, with nothing registered.
	Register func(h Host) error
}
