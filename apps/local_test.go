package apps_test

import (
	"context"
	"testing"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/drivers/local"
)

func registerLocal(t *testing.T, f *fixture) {
	t.Helper()
	d := local.New(f.reg, func(ctx context.Context, ch *channel.Channel, exten, c string) {
		f.runner.Run(ctx, ch, c, exten)
	})
	if err := f.reg.Register(d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
}
