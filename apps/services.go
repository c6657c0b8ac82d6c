package apps

import (
	"context"

	"github.com/pbx-dev/pbx/core/channel"
)

// Bridger joins two answered channels in a two-party bridge (package
// bridge). Bridge returns when either channel leaves or hangs up; it does
// not hang the other one up — the caller (Dial) decides.
type Bridger interface {
	Bridge(ctx context.Context, a, b *channel.Channel) error
}

// Conferences joins a channel to a named conference room (mixing bridge).
// Join returns when the channel leaves the room or hangs up.
type Conferences interface {
	Join(ctx context.Context, room string, ch *channel.Channel) error
}

// Player plays prompts (package fileplay). Play plays the named prompt on
// ch's default audio stream; when stopOn is not empty, a DTMF digit in it
// stops playback and is returned.
type Player interface {
	Play(ctx context.Context, ch *channel.Channel, name string, stopOn string) (digit rune, err error)
}
