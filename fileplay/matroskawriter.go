package fileplay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/at-wat/ebml-go/webm"

	"github.com/pbx-dev/pbx/core/format"
)

// MatroskaWriter writes a Matroska file (WebM when every track has a WebM
// codec) with one track per [Track] given to [NewMatroskaWriter]: signed
// linear audio as 16-bit little-endian PCM (A_PCM/INT/LIT), Opus as A_OPUS,
// VP8, VP9 and H.264 video as V_VP8, V_VP9 and V_MPEG4/ISO/AVC, the
// payloads passed through untouched. [MatroskaReader] reads what it writes.
//
// It is built on ebml-go's mkvcore block writer, which runs two goroutines
// of its own: they start in NewMatroskaWriter and end in Close, which waits
// for them. Timestamps have millisecond resolution. A MatroskaWriter is
// not safe for concurrent use.
type MatroskaWriter struct {
	tracks []Track
	ws     []mkvcore.BlockWriteCloser
	out    *stickyWriter
	closed bool

	mu    sync.Mutex // guards fatal, set by ebml-go's goroutine
	fatal error
}

// NewMatroskaWriter writes the file header with the given tracks to w and
// returns a writer for their frames. Close closes w. A track whose format
// has no Matroska codec here (µ-law, A-law, G.722) is [ErrUnsupported].
func NewMatroskaWriter(w io.WriteCloser, tracks []Track) (*MatroskaWriter, error) {
	if len(tracks) == 0 {
		return nil, fmt.Errorf("%w: Matroska file without tracks", ErrBadArgs)
	}
	webmOnly := true
	desc := make([]mkvcore.TrackDescription, len(tracks))
	for i, t := range tracks {
		te, webmCodec, err := trackEntryOf(t, uint64(i+1))
		if err != nil {
			return nil, err
		}
		webmOnly = webmOnly && webmCodec
		desc[i] = mkvcore.TrackDescription{TrackNumber: uint64(i + 1), TrackEntry: te}
	}
	header := *webm.DefaultEBMLHeader
	if !webmOnly {
		header.DocType = "matroska"
	}
	info := webm.Info{TimecodeScale: uint64(time.Millisecond), MuxingApp: "pbx fileplay", WritingApp: "pbx fileplay"}
	m := &MatroskaWriter{tracks: append([]Track(nil), tracks...), out: &stickyWriter{w: w}}
	ws, err := mkvcore.NewSimpleBlockWriter(m.out, desc,
		mkvcore.WithEBMLHeader(&header),
		mkvcore.WithSegmentInfo(&info),
		mkvcore.WithOnFatalHandler(m.setFatal),
		mkvcore.WithOnErrorHandler(m.setFatal),
	)
	if err != nil {
		return nil, fmt.Errorf("fileplay: Matroska header: %w", err)
	}
	if err := m.out.error(); err != nil {
		for _, bw := range ws {
			bw.Close()
		}
		return nil, fmt.Errorf("fileplay: Matroska header: %w", err)
	}
	m.ws = ws
	return m, nil
}

func (m *MatroskaWriter) setFatal(err error) {
	m.mu.Lock()
	if m.fatal == nil {
		m.fatal = err
	}
	m.mu.Unlock()
}

// trackEntryOf returns the Matroska track entry for t, and whether its
// codec is allowed in WebM.
func trackEntryOf(t Track, num uint64) (mkvTrackEntry, bool, error) {
	te := mkvTrackEntry{TrackNumber: num, TrackUID: num, Name: t.Name, Language: t.Language}
	f := t.Format
	switch {
	case f.Type == format.Audio && f.IsSLin():
		te.TrackType, te.CodecID = mkvTypeAudio, codecPCMLittle
		te.Audio = &mkvAudio{SamplingFrequency: float64(f.Rate()), Channels: 1, BitDepth: 16}
		return te, false, nil
	case f.Is(format.Opus):
		te.TrackType, te.CodecID = mkvTypeAudio, codecOpus
		te.Audio = &mkvAudio{SamplingFrequency: 48000, Channels: 2}
		// OpusHead (RFC 7845 §5.1): version 1, 2 channels, no pre-skip,
		// 48 kHz, no gain, mapping family 0.
		head := make([]byte, 19)
		copy(head, "OpusHead")
		head[8], head[9] = 1, 2
		binary.LittleEndian.PutUint32(head[12:16], 48000)
		te.CodecPrivate = head
		return te, true, nil
	case f.Is(format.VP8):
		te.TrackType, te.CodecID = mkvTypeVideo, codecVP8
		return te, true, nil
	case f.Is(format.VP9):
		te.TrackType, te.CodecID = mkvTypeVideo, codecVP9
		return te, true, nil
	case f.Is(format.H264):
		te.TrackType, te.CodecID = mkvTypeVideo, codecH264
		return te, false, nil
	}
	return te, false, fmt.Errorf("%w: Matroska track of %s", ErrUnsupported, f)
}

// Tracks returns the file's tracks.
func (m *MatroskaWriter) Tracks() []Track { return m.tracks }

// WriteFrame appends one frame of track (an index into the tracks given to
// NewMatroskaWriter) at presentation time at. WriteFrame copies data.
// Frames should come in presentation order across tracks; the file keeps
// them in the order written.
func (m *MatroskaWriter) WriteFrame(track int, at time.Duration, keyframe bool, data []byte) error {
	if m.closed {
		return ErrClosed
	}
	if err := m.failed(); err != nil {
		return err
	}
	if track < 0 || track >= len(m.ws) {
		return fmt.Errorf("%w: track %d of %d", ErrBadArgs, track, len(m.ws))
	}
	// ebml-go keeps the slice and encodes it on its own goroutine later.
	b := append([]byte(nil), data...)
	if _, err := m.ws[track].Write(keyframe, int64(at/time.Millisecond), b); err != nil {
		return fmt.Errorf("fileplay: Matroska write: %w", err)
	}
	return nil
}

func (m *MatroskaWriter) failed() error {
	m.mu.Lock()
	fatal := m.fatal
	m.mu.Unlock()
	switch {
	case m.out.failed():
		return m.out.error()
	case fatal != nil:
		return fmt.Errorf("fileplay: Matroska write: %w", fatal)
	}
	return nil
}

// Close finishes the file, waits for ebml-go's goroutines and closes the
// underlying writer. It returns the first write error. Later calls return
// [ErrClosed].
func (m *MatroskaWriter) Close() error {
	if m.closed {
		return ErrClosed
	}
	m.closed = true
	for _, w := range m.ws {
		w.Close() // the last Close waits until the output is closed
	}
	m.out.mu.Lock()
	closeErr := m.out.closeErr
	m.out.mu.Unlock()
	return errors.Join(m.failed(), closeErr)
}

// stickyWriter hides write errors from ebml-go, whose writer goroutine
// stops reading frames after a failed write and would block every later
// Write forever. It reports the first error through failed and error.
type stickyWriter struct {
	w        io.WriteCloser
	mu       sync.Mutex
	err      error
	closeErr error
}

func (s *stickyWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return len(p), nil
	}
	if _, err := s.w.Write(p); err != nil {
		s.err = fmt.Errorf("fileplay: Matroska write: %w", err)
	}
	return len(p), nil
}

func (s *stickyWriter) Close() error {
	err := s.w.Close()
	s.mu.Lock()
	s.closeErr = err
	s.mu.Unlock()
	return nil
}

func (s *stickyWriter) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err != nil
}

func (s *stickyWriter) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
