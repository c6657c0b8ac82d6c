package fileplay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Playback pacing.
const (
	// reorderWindow is how far ahead of the next frame due playback reads,
	// so frames a container interleaves slightly out of order across tracks
	// still go out in presentation order.
	reorderWindow = 200 * time.Millisecond
	// maxReadAhead bounds the frames held by that read-ahead.
	maxReadAhead = 64
	// maxLate is how late a frame may go out before the schedule slips:
	// after a stall playback resumes at the normal pace instead of sending
	// a burst to catch up.
	maxLate = 100 * time.Millisecond
)

// outTrack is where the frames of one file track go.
type outTrack struct {
	pos    int                // stream position
	tr     channel.Translator // nil: frames pass as they are
	failed int                // frames the translator refused
}

type queued struct {
	f  *frame.Frame
	at time.Duration
}

// PlayReader plays the frames of r on ch and returns when r is exhausted,
// ctx is done, ch hangs up, or a DTMF digit in stopOn arrives (the digit
// is returned). Frames go to ch's streams through [channel.Channel.WriteStream],
// so frame hooks and audio hooks (MixMonitor, spies) see them.
//
// Track n of a media type goes to stream n of that type in ch's topology
// (removed streams do not count): a WAV or raw file's single track to the
// default audio stream; a container's first audio track to the first audio
// stream, its second to the second, its first video track to the first
// video stream, and so on. Tracks with no such stream, or that the package
// cannot decode, are skipped; streams with no track get nothing. Audio is
// translated with the Player's path builder to the stream's first audio
// format unless the stream accepts the track's format (a stream with no
// formats accepts anything); video is passed through with its timestamps,
// and skipped when the stream does not accept its codec.
//
// Frames go out at their presentation time, scheduled from the start of
// playback (start + at, so a long file does not drift), with the channel
// read in between: incoming DTMF is checked against stopOn and everything
// else read is discarded. A malformed file plays up to the damage, then
// PlayReader returns the reader's error; the channel is unaffected. It
// returns an error wrapping io.EOF when ch hangs up, ctx.Err() when ctx
// ends, and [ErrNoStream] when no track has a stream. PlayReader must run
// on the goroutine that reads ch, and it uses ch's read deadline.
func (p *Player) PlayReader(ctx context.Context, ch *channel.Channel, r Reader, stopOn string) (rune, error) {
	outs, err := p.mapTracks(ch, r.Tracks())
	if err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	// Cancelling ctx wakes a Read in progress with a null frame.
	stop := context.AfterFunc(ctx, func() { ch.Queue(frame.NewNull()) })
	defer stop()
	defer ch.SetReadDeadline(time.Time{})

	var q []queued
	defer func() {
		for _, it := range q {
			it.f.Release()
		}
		for _, o := range outs {
			if o != nil && o.failed > 0 {
				p.log.Debug("playback frames not translated", "channel", ch.Name(), "stream", o.pos, "frames", o.failed)
			}
		}
	}()
	var readErr error
	var lastAt time.Duration
	start := time.Now()
	for {
		for readErr == nil && len(q) < maxReadAhead && (len(q) == 0 || lastAt-q[0].at < reorderWindow) {
			f, at, err := r.ReadFrame()
			if err != nil {
				readErr = err
				break
			}
			if f.Stream < 0 || f.Stream >= len(outs) || outs[f.Stream] == nil {
				f.Release()
				continue
			}
			lastAt = at
			i := len(q)
			for i > 0 && q[i-1].at > at {
				i--
			}
			q = append(q, queued{})
			copy(q[i+1:], q[i:])
			q[i] = queued{f: f, at: at}
		}
		if len(q) == 0 {
			if readErr == io.EOF {
				return 0, nil
			}
			return 0, readErr
		}
		due := start.Add(q[0].at)
		if d, err := service(ctx, ch, due, stopOn); d != 0 || err != nil {
			return d, err
		}
		if late := time.Since(due); late > maxLate {
			start = start.Add(late)
		}
		it := q[0]
		copy(q, q[1:])
		q = q[:len(q)-1]
		if err := writeOut(ch, outs[it.f.Stream], it.f); err != nil {
			return 0, err
		}
	}
}

// mapTracks decides where each track plays (nil: nowhere).
func (p *Player) mapTracks(ch *channel.Channel, tracks []Track) ([]*outTrack, error) {
	topo := ch.Topology()
	var byType [len(format.MediaTypes) + 1][]int
	for _, s := range topo.Streams() {
		if !s.IsRemoved() && int(s.Type()) < len(byType) {
			byType[s.Type()] = append(byType[s.Type()], s.Position())
		}
	}
	var ordinal [len(byType)]int
	outs := make([]*outTrack, len(tracks))
	mapped := 0
	var why error
	for i, t := range tracks {
		if int(t.Type) >= len(byType) || t.Type == format.Unknown {
			continue
		}
		k := ordinal[t.Type]
		ordinal[t.Type]++
		if t.Format.IsZero() || k >= len(byType[t.Type]) {
			continue
		}
		pos := byType[t.Type][k]
		s, _ := topo.Stream(pos)
		o := &outTrack{pos: pos}
		if caps := s.Formats().OfType(t.Type); !caps.IsEmpty() && !caps.Contains(t.Format) {
			if t.Type != format.Audio {
				why = fmt.Errorf("%w: %s stream %d does not take %s (video is never transcoded)", ErrNoStream, t.Type, pos, t.Format)
				continue
			}
			tr, err := p.paths.Build(t.Format, writeTarget(caps))
			if err != nil {
				why = fmt.Errorf("fileplay: track %d to stream %d: %w", i, pos, err)
				continue
			}
			o.tr = tr
		}
		outs[i] = o
		mapped++
	}
	if mapped == 0 {
		if why == nil {
			why = fmt.Errorf("%w: %d tracks, topology %s", ErrNoStream, len(tracks), topo)
		}
		return nil, why
	}
	return outs, nil
}

// writeOut translates f if needed and writes it to its stream; it takes
// ownership of f. Only a hangup is an error: a frame the translator
// refuses is skipped and counted, and other write errors are the driver's
// (the channel counts them).
func writeOut(ch *channel.Channel, o *outTrack, f *frame.Frame) error {
	out := f
	if o.tr != nil {
		g, err := o.tr.Translate(f)
		f.Release()
		if err != nil {
			o.failed++
			return nil
		}
		if g == nil {
			return nil
		}
		out = g
	}
	out.Stream = o.pos
	err := ch.WriteStream(o.pos, out)
	out.Release()
	if errors.Is(err, channel.ErrHangup) {
		return fmt.Errorf("fileplay: play: %w", err)
	}
	return nil
}

// service reads ch until due, returning early for a digit in stopOn,
// hangup (an error wrapping io.EOF) or the end of ctx.
func service(ctx context.Context, ch *channel.Channel, due time.Time, stopOn string) (rune, error) {
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if !time.Now().Before(due) {
			return 0, nil
		}
		ch.SetReadDeadline(due)
		f, err := ch.Read()
		if errors.Is(err, channel.ErrDeadline) {
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("fileplay: play: %w", err)
		}
		stopped := f.Kind == frame.DTMFEnd && f.Digit != 0 && strings.ContainsRune(stopOn, f.Digit)
		d := f.Digit
		f.Release()
		if stopped {
			return d, nil
		}
	}
}

// isHangup reports whether err says the channel hung up.
func isHangup(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, channel.ErrHangup)
}
