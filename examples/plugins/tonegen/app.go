package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/apps"
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
)

var _ apps.App = playTone

// playTone implements PlayTone(freq[+freq…][,ms]): it writes the tone to
// the channel's default audio stream for ms milliseconds (default 1000),
// in slin at 8 kHz (the channel translates it to the stream's format).
func playTone(_ context.Context, s *apps.Session, args string) error {
	spec, msArg, _ := strings.Cut(args, ",")
	freqs, err := parseFreqs(spec)
	if err != nil {
		return fmt.Errorf("PlayTone(%s): %w", args, err)
	}
	d := time.Second
	if msArg = strings.TrimSpace(msArg); msArg != "" {
		ms, err := strconv.Atoi(msArg)
		if err != nil || ms <= 0 {
			return fmt.Errorf("PlayTone(%s): duration %q is not a positive number of milliseconds", args, msArg)
		}
		d = time.Duration(ms) * time.Millisecond
	}
	ch := s.Channel()
	t := newTone(freqs, format.SLin8, 0.5)
	tick := time.NewTicker(ptime)
	defer tick.Stop()
	for range d / ptime {
		select {
		case <-ch.Done():
			return io.EOF
		case <-tick.C:
		}
		f := t.next()
		err := ch.Write(f)
		f.Release()
		if errors.Is(err, channel.ErrHangup) {
			return io.EOF
		}
	}
	return nil
}
