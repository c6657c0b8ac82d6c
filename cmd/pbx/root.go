package main

import (
	"github.com/spf13/cobra"
)

// version is set by the build (-ldflags "-X main.version=...").
var version = "dev"

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "pbx",
		Short: "A multistream PBX: SIP phones, an extensions.conf dialplan, conferences",
		Long: `pbx is a PBX whose channels carry ordered stream topologies (audio, video,
text …). "pbx run" starts it on the embedded default configuration; the other
commands talk to the running PBX over its control endpoint.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("config", "", "configuration file (default: the embedded default)")
	root.AddCommand(newRunCmd(), newCheckCmd(), newConfigCmd(), newVersionCmd(),
		newChannelsCmd(), newHangupCmd(), newOriginateCmd(), newReloadCmd(), newShowCmd(), newPluginsCmd(), newConsoleCmd(), newCDRCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			cmd.Println("pbx", version)
		},
	}
}
