package apps

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/pbx-dev/pbx/bridge"
	"github.com/pbx-dev/pbx/core/channel"
)

// Bridges is the default [Bridger] and [Conferences] service, on package
// bridge: Dial joins two parties in a dissolving two-party bridge,
// ConfBridge joins named conference rooms (mixing bridges that end when
// empty). Safe for concurrent use.
type Bridges struct {
	Logger *slog.Logger

	mu    sync.Mutex
	rooms map[string]*bridge.Bridge
}

var (
	_ Bridger     = (*Bridges)(nil)
	_ Conferences = (*Bridges)(nil)
)

// Bridge joins a and b until one of them leaves or hangs up. The callee
// (b) gets a goroutine of its own for its side of the bridge; Bridge waits
// for it before returning.
func (s *Bridges) Bridge(ctx context.Context, a, b *channel.Channel) error {
	br, err := bridge.New(bridge.Config{ID: "dial-" + a.ID(), DissolveOnHangup: true, Logger: s.Logger})
	if err != nil {
		return fmt.Errorf("apps: bridge: %w", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { br.Join(ctx, b) })
	_, err = br.Join(ctx, a)
	br.Close()
	wg.Wait()
	if err != nil && !errors.Is(err, bridge.ErrClosed) {
		return fmt.Errorf("apps: bridge: %w", err)
	}
	return nil
}

// Join joins ch to conference room, creating the room on first use.
func (s *Bridges) Join(ctx context.Context, room string, ch *channel.Channel) error {
	for range 3 {
		br, err := s.room(room)
		if err != nil {
			return err
		}
		_, err = br.Join(ctx, ch)
		if errors.Is(err, bridge.ErrClosed) {
			s.forget(room, br)
			continue // the room ended meanwhile: make a new one
		}
		return err
	}
	return fmt.Errorf("apps: conference %s keeps closing", room)
}

func (s *Bridges) room(name string) (*bridge.Bridge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rooms == nil {
		s.rooms = map[string]*bridge.Bridge{}
	}
	if br, ok := s.rooms[name]; ok {
		select {
		case <-br.Done():
		default:
			return br, nil
		}
	}
	br, err := bridge.New(bridge.Config{ID: "conf-" + name, Conference: true, DissolveWhenEmpty: true, Logger: s.Logger})
	if err != nil {
		return nil, fmt.Errorf("apps: conference %s: %w", name, err)
	}
	s.rooms[name] = br
	return br, nil
}

func (s *Bridges) forget(name string, br *bridge.Bridge) {
	s.mu.Lock()
	if s.rooms[name] == br {
		delete(s.rooms, name)
	}
	s.mu.Unlock()
}

// Close ends every conference room.
func (s *Bridges) Close() {
	s.mu.Lock()
	rooms := s.rooms
	s.rooms = nil
	s.mu.Unlock()
	for _, br := range rooms {
		br.Close()
	}
}
