package fileplay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/stream"
)

// MixMonitorOptions are MixMonitor's options (Asterisk's letters in
// parentheses).
type MixMonitorOptions struct {
	// Append adds to an existing WAV or raw file instead of replacing it (a).
	Append bool
	// ReadFile also records what the party says, alone (r(file)).
	ReadFile string
	// WriteFile also records what the party hears, alone (t(file)).
	WriteFile string
	// ReadGain and WriteGain scale what the party says (V(x)) and hears
	// (v(x)) by 2^x, x from -4 to 4; W(x) sets both.
	ReadGain, WriteGain int
}

// Monitor is one running MixMonitor: audio hooks (and, for a multi-stream
// recording, video frame hooks) on a channel that copy its media, and a
// writer goroutine that mixes and writes it.
//
// Goroutine: the writer is started by [Player.MixMonitor] and owned by the
// Monitor (the Player counts it). It stops when [Monitor.Stop] is called,
// when the channel hangs up (its hooks are detached) or after a write
// error; it then detaches the hooks, writes what is buffered, closes the
// files and closes Done. [Monitor.Wait] and [Player.Close] wait for it.
type Monitor struct {
	p     *Player
	ch    *channel.Channel
	id    string
	file  string
	start time.Time

	audio []*audioTap
	video []*videoTap
	hooks []channel.HookID

	// Outputs: WAV/raw sinks for a single-stream recording, or one
	// Matroska file with a track per stream.
	mix, rd, wr audioSink
	mkv         *MatroskaWriter
	readGain    int
	writeGain   int

	wake      chan struct{} // capacity 1: media arrived
	stopCh    chan struct{}
	done      chan struct{}
	stopMu    sync.Mutex
	stopped   bool
	unwatch   func() bool // stops the hangup watch
	err       error       // set before done is closed
	scratch   [3][]int16
	videoBuf  []videoItem
	bytesBuf  []byte
	closeOnce sync.Once
}

// MixMonitor starts recording ch into file and returns at once; the
// recording runs until [Monitor.Stop], [Player.StopMixMonitor] or hangup.
// It records whatever application or bridge the channel is in, because it
// taps the channel's media path rather than reading the channel.
//
// A file with a WAV or raw extension (see [Player.Record]) records the
// channel's default audio stream: what the party says and what it hears,
// mixed, at the stream's rate; ReadFile and WriteFile add the two
// directions separately, in step with the mix. When one direction has no
// audio the other is not held back more than 100 ms: silence stands in.
//
// A .mkv (or .mka, .webm) file records every active stream (not removed,
// not inactive) present when MixMonitor starts, each as its own Matroska
// track: audio streams as mixed 16-bit PCM at their rate, video streams
// passed through — what the party sends on a receiving stream, what it is
// sent on a send-only one — with their arrival times. [Player.Play] plays
// such a file back track by track.
//
// Relative names are relative to the Player's RecordDir, and "%d" is
// replaced by the first number that makes the name new.
func (p *Player) MixMonitor(ch *channel.Channel, file string, opts MixMonitorOptions) (*Monitor, error) {
	for _, g := range []int{opts.ReadGain, opts.WriteGain} {
		if g < -4 || g > 4 {
			return nil, fmt.Errorf("%w: volume %d outside -4..4", ErrBadArgs, g)
		}
	}
	path, err := p.recordPath(file)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	closed := p.closed
	p.nextID++
	id := strconv.FormatUint(p.nextID, 10)
	p.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("fileplay: mixmonitor %s: %w", path, ErrClosed)
	}
	m := &Monitor{
		p:         p,
		ch:        ch,
		id:        id,
		file:      path,
		start:     time.Now(),
		readGain:  opts.ReadGain,
		writeGain: opts.WriteGain,
		wake:      make(chan struct{}, 1),
		stopCh:    make(chan struct{}),
		done:      make(chan struct{}),
	}
	if kind, _ := kindOf(path); kind == kindMatroska {
		err = m.openMatroska()
	} else {
		err = m.openAudio(opts)
	}
	if err != nil {
		m.closeOutputs()
		return nil, fmt.Errorf("fileplay: mixmonitor %s: %w", ch.Name(), err)
	}
	if err := m.attach(); err != nil {
		m.detach()
		m.closeOutputs()
		return nil, fmt.Errorf("fileplay: mixmonitor %s: %w", ch.Name(), err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		m.detach()
		m.closeOutputs()
		return nil, fmt.Errorf("fileplay: mixmonitor %s: %w", path, ErrClosed)
	}
	p.monitors[ch] = append(p.monitors[ch], m)
	m.unwatch = context.AfterFunc(ch.Context(), m.Stop)
	p.wg.Go(m.run)
	p.mu.Unlock()
	return m, nil
}

// openAudio opens the WAV or raw outputs of a default-stream recording.
func (m *Monitor) openAudio(opts MixMonitorOptions) error {
	var caps format.Caps
	if s, ok := m.ch.Topology().Stream(m.ch.DefaultStream(format.Audio)); ok {
		caps = s.Formats()
	}
	rate := recordRate(caps)
	var in format.Format
	var err error
	if m.mix, in, err = m.p.createSink(m.file, rate, opts.Append); err != nil {
		return err
	}
	for _, side := range []struct {
		name string
		dst  *audioSink
	}{{opts.ReadFile, &m.rd}, {opts.WriteFile, &m.wr}} {
		if side.name == "" {
			continue
		}
		path, err := m.p.recordPath(side.name)
		if err != nil {
			return err
		}
		var sin format.Format
		if *side.dst, sin, err = m.p.createSink(path, in.Rate(), opts.Append); err != nil {
			return err
		}
		if !sin.Is(in) {
			return fmt.Errorf("%w: %s records %s, the mix %s", ErrBadArgs, path, sin, in)
		}
	}
	m.audio = []*audioTap{newAudioTap(m, in, -1)}
	return nil
}

// openMatroska creates the multi-stream recording: one track per active
// audio or video stream.
func (m *Monitor) openMatroska() error {
	var tracks []Track
	for _, s := range m.ch.Topology().Streams() {
		if s.IsRemoved() || s.State() == stream.Inactive {
			continue
		}
		switch s.Type() {
		case format.Audio:
			in, _ := format.SLin(recordRate(s.Formats()))
			t := newAudioTap(m, in, len(tracks))
			m.audio = append(m.audio, t)
			tracks = append(tracks, Track{Type: format.Audio, Format: in, Name: s.Name()})
		case format.Video:
			vf := s.Formats().OfType(format.Video).First()
			if _, _, err := trackEntryOf(Track{Format: vf}, 1); err != nil {
				continue // no codec we can store
			}
			ev := channel.HookRead
			if s.State() == stream.SendOnly {
				ev = channel.HookWrite
			}
			m.video = append(m.video, &videoTap{m: m, ev: ev, track: len(tracks)})
			tracks = append(tracks, Track{Type: format.Video, Format: vf, Name: s.Name()})
		}
	}
	if len(tracks) == 0 {
		return fmt.Errorf("%w: no active audio or video stream", ErrNoStream)
	}
	fh, err := os.Create(m.file)
	if err != nil {
		return fmt.Errorf("fileplay: create %s: %w", m.file, err)
	}
	if m.mkv, err = NewMatroskaWriter(fh, tracks); err != nil {
		fh.Close()
		return err
	}
	return nil
}

// attach attaches the taps: the default audio stream's for a WAV
// recording, each stream's by name for a Matroska one.
func (m *Monitor) attach() error {
	if m.mkv == nil {
		id, err := m.ch.AttachAudioHook(channel.DefaultStreams, m.audio[0])
		if err != nil {
			return err
		}
		m.hooks = append(m.hooks, id)
		return nil
	}
	tracks := m.mkv.Tracks()
	for _, t := range m.audio {
		id, err := m.ch.AttachAudioHook(tracks[t.track].Name, t)
		if err != nil {
			return err
		}
		m.hooks = append(m.hooks, id)
	}
	for _, v := range m.video {
		id, err := m.ch.AttachFrameHook(tracks[v.track].Name, v)
		if err != nil {
			return err
		}
		m.hooks = append(m.hooks, id)
	}
	return nil
}

// detach removes the hooks; detaching one the hangup already removed is
// fine.
func (m *Monitor) detach() {
	for _, id := range m.hooks {
		_ = m.ch.DetachHook(id) // ErrNoHook after hangup
	}
}

// ID returns the monitor's id, unique within its Player (the value
// MixMonitor's i(var) option stores, and StopMixMonitor takes).
func (m *Monitor) ID() string { return m.id }

// File returns the path of the recording.
func (m *Monitor) File() string { return m.file }

// Stop asks the writer to finish: it detaches the hooks, writes what is
// buffered and closes the files. Stop does not wait (see [Monitor.Wait]);
// it is idempotent and safe from any goroutine, including hooks.
func (m *Monitor) Stop() {
	m.stopMu.Lock()
	if !m.stopped {
		m.stopped = true
		close(m.stopCh)
	}
	m.stopMu.Unlock()
}

// Done is closed when the recording is finished and its files closed.
func (m *Monitor) Done() <-chan struct{} { return m.done }

// Wait waits until the recording is finished or ctx ends.
func (m *Monitor) Wait(ctx context.Context) error {
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Err returns the error that ended the recording early (a failed write),
// once Done is closed; the writer has logged it.
func (m *Monitor) Err() error {
	select {
	case <-m.done:
		return m.err
	default:
		return nil
	}
}

// Dropped returns how many samples and video frames the taps dropped
// because the writer fell behind.
func (m *Monitor) Dropped() uint64 {
	var n uint64
	for _, t := range m.audio {
		t.mu.Lock()
		n += t.dropped
		t.mu.Unlock()
	}
	for _, v := range m.video {
		v.mu.Lock()
		n += v.dropped
		v.mu.Unlock()
	}
	return n
}

func (m *Monitor) wakeWriter() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine.
func (m *Monitor) run() {
	defer m.finish()
	for {
		select {
		case <-m.wake:
			if err := m.flush(false); err != nil {
				m.err = err
				m.p.log.Error("mixmonitor write failed", "channel", m.ch.Name(), "file", m.file, "error", err)
				m.detach()
				return
			}
		case <-m.stopCh:
			m.detach()
			if err := m.flush(true); err != nil {
				m.err = err
				m.p.log.Error("mixmonitor write failed", "channel", m.ch.Name(), "file", m.file, "error", err)
			}
			return
		}
	}
}

func (m *Monitor) finish() {
	if m.unwatch != nil {
		m.unwatch()
	}
	if err := m.closeOutputs(); err != nil && m.err == nil {
		m.err = err
		m.p.log.Error("mixmonitor close failed", "channel", m.ch.Name(), "file", m.file, "error", err)
	}
	for _, v := range m.video {
		for _, it := range v.takeAll(nil) {
			it.f.Release()
		}
	}
	m.p.mu.Lock()
	list := slices.DeleteFunc(m.p.monitors[m.ch], func(o *Monitor) bool { return o == m })
	if len(list) == 0 {
		delete(m.p.monitors, m.ch)
	} else {
		m.p.monitors[m.ch] = list
	}
	m.p.mu.Unlock()
	m.Stop()
	close(m.done)
	m.p.log.Debug("mixmonitor finished", "channel", m.ch.Name(), "file", m.file)
}

func (m *Monitor) closeOutputs() error {
	var err error
	m.closeOnce.Do(func() {
		for _, s := range []audioSink{m.mix, m.rd, m.wr} {
			if s != nil {
				err = errors.Join(err, s.Close())
			}
		}
		if m.mkv != nil {
			err = errors.Join(err, m.mkv.Close())
		}
	})
	return err
}

// flush writes every block that is ready (everything, when final).
func (m *Monitor) flush(final bool) error {
	for _, t := range m.audio {
		block := t.slin.Rate() / int(time.Second/FrameDuration)
		for i := range m.scratch {
			if cap(m.scratch[i]) < block {
				m.scratch[i] = make([]int16, block)
			}
			m.scratch[i] = m.scratch[i][:block]
		}
		rd, wr, mix := m.scratch[0], m.scratch[1], m.scratch[2]
		for {
			n := t.take(rd, wr, final)
			if n == 0 {
				break
			}
			applyGain(rd[:n], m.readGain)
			applyGain(wr[:n], m.writeGain)
			copy(mix, rd[:n])
			mixInto(mix[:n], wr[:n])
			if err := m.writeAudio(t, rd[:n], wr[:n], mix[:n]); err != nil {
				return err
			}
		}
	}
	for _, v := range m.video {
		m.videoBuf = v.takeAll(m.videoBuf[:0])
		var err error
		for _, it := range m.videoBuf {
			if err == nil {
				err = m.mkv.WriteFrame(v.track, it.at, false, it.f.Payload)
			}
			it.f.Release()
		}
		clear(m.videoBuf)
		if err != nil {
			return err
		}
	}
	return nil
}

// writeAudio writes one block of a tap: the mix (and the two directions,
// when asked) for a WAV recording, or the mix to the tap's track.
func (m *Monitor) writeAudio(t *audioTap, rd, wr, mix []int16) error {
	if m.mkv != nil {
		t.mu.Lock()
		first := t.firstAt
		t.mu.Unlock()
		at := max(first, 0) + time.Duration(t.written*int64(time.Second)/int64(t.slin.Rate()))
		t.written += int64(len(mix))
		return m.mkv.WriteFrame(t.track, at, true, m.le(mix))
	}
	for _, out := range []struct {
		s audioSink
		b []int16
	}{{m.mix, mix}, {m.rd, rd}, {m.wr, wr}} {
		if out.s == nil {
			continue
		}
		if _, err := out.s.Write(m.le(out.b)); err != nil {
			return err
		}
	}
	return nil
}

// le encodes samples little-endian into the monitor's scratch bytes.
func (m *Monitor) le(s []int16) []byte {
	if cap(m.bytesBuf) < 2*len(s) {
		m.bytesBuf = make([]byte, 2*len(s))
	}
	b := m.bytesBuf[:2*len(s)]
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// Monitors returns the recordings running on ch.
func (p *Player) Monitors(ch *channel.Channel) []*Monitor {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.monitors[ch])
}

// StopMixMonitor stops the recordings on ch — all of them when id is
// empty, else the one with that id — and waits until their files are
// closed or ctx ends. It returns an error wrapping [ErrNotFound] when
// nothing matched.
func (p *Player) StopMixMonitor(ctx context.Context, ch *channel.Channel, id string) error {
	var stop []*Monitor
	for _, m := range p.Monitors(ch) {
		if id == "" || m.id == id {
			stop = append(stop, m)
		}
	}
	if len(stop) == 0 {
		return fmt.Errorf("fileplay: stop mixmonitor %q on %s: %w", id, ch.Name(), ErrNotFound)
	}
	for _, m := range stop {
		m.Stop()
	}
	for _, m := range stop {
		if err := m.Wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every recording and waits for their writers, or for ctx.
// MixMonitor fails with [ErrClosed] afterwards; playback and Record keep
// working.
func (p *Player) Close(ctx context.Context) error {
	p.mu.Lock()
	p.closed = true
	var all []*Monitor
	for _, list := range p.monitors {
		all = append(all, list...)
	}
	p.mu.Unlock()
	for _, m := range all {
		m.Stop()
	}
	done := make(chan struct{})
	go func() { // ends when the writers do; Close's caller bounds the wait with ctx
		p.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
