package fileplay

import (
	"fmt"
	"io"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// FrameDuration is the length of the voice frames readers produce from
// WAV, raw and PCM audio, and the pace of playback.
const FrameDuration = 20 * time.Millisecond

// Track describes one track of a media file.
type Track struct {
	// Type is the track's media type: audio or video.
	Type format.MediaType
	// Format is the codec of the track's frames; the zero Format when the
	// package cannot play it (the track is then skipped).
	Format format.Format
	// Codec is the container's codec identifier ("A_PCM/INT/LIT",
	// "A_OPUS", "V_VP8" …); empty for WAV and raw files.
	Codec string
	// Name and Language come from the container, when it has them.
	Name, Language string
}

// Reader reads the frames of a media file in file order.
//
// Implementations: [AudioReader] (WAV and raw audio, one track) and
// [MatroskaReader] (any number of audio and video tracks). A Reader is not
// safe for concurrent use.
type Reader interface {
	// Tracks returns the file's tracks. The slice must not be modified.
	Tracks() []Track
	// ReadFrame returns the next frame, owned by the caller, with Stream
	// set to its track's index in Tracks, and its presentation time from
	// the start of the file. Voice frames from PCM sources last
	// [FrameDuration] (the last one may be shorter). ReadFrame returns
	// io.EOF at the end of the file and an error wrapping one of the
	// package's sentinels for a malformed file; errors are sticky.
	ReadFrame() (f *frame.Frame, at time.Duration, err error)
}

// AudioReader reads a single-track audio file — a WAV file's data chunk or
// a raw .ulaw/.alaw/.sln* file — as voice frames of [FrameDuration]. It
// reads straight into pooled frames: in steady state it allocates nothing.
type AudioReader struct {
	r      io.Reader
	track  [1]Track
	left   int64 // data bytes left; -1 reads to EOF
	frameN int   // bytes per full frame
	sample int   // bytes per sample
	pos    int64 // samples read so far
	err    error
}

var (
	_ Reader = (*AudioReader)(nil)
	_ Reader = (*MatroskaReader)(nil)
)

// NewWAVReader reads a WAV header from r (see [ReadWAVHeader]) and returns
// a reader of its samples. A data chunk that ends early makes ReadFrame
// fail with [ErrTruncated].
func NewWAVReader(r io.Reader) (*AudioReader, error) {
	h, err := ReadWAVHeader(r)
	if err != nil {
		return nil, err
	}
	return newAudioReader(r, h.Format, h.DataLen), nil
}

// NewRawReader returns a reader of the headerless samples in r, encoded in
// f: µ-law, A-law or 16-bit little-endian signed linear at 8, 16 or 48
// kHz. It reads to the end of r; a trailing partial sample is
// [ErrTruncated].
func NewRawReader(r io.Reader, f format.Format) (*AudioReader, error) {
	if sampleBytes(f) == 0 {
		return nil, fmt.Errorf("%w: raw %s", ErrUnsupported, f)
	}
	return newAudioReader(r, f, -1), nil
}

func newAudioReader(r io.Reader, f format.Format, n int64) *AudioReader {
	sb := sampleBytes(f)
	return &AudioReader{
		r:      r,
		track:  [1]Track{{Type: format.Audio, Format: f}},
		left:   n,
		sample: sb,
		frameN: f.Rate() / int(time.Second/FrameDuration) * sb,
	}
}

// Tracks implements [Reader]: one audio track.
func (a *AudioReader) Tracks() []Track { return a.track[:] }

// Format returns the format of the samples.
func (a *AudioReader) Format() format.Format { return a.track[0].Format }

// ReadFrame implements [Reader].
func (a *AudioReader) ReadFrame() (*frame.Frame, time.Duration, error) {
	if a.err != nil {
		return nil, 0, a.err
	}
	want := a.frameN
	if a.left >= 0 && int64(want) > a.left {
		want = int(a.left)
	}
	if want == 0 {
		a.err = io.EOF
		return nil, 0, io.EOF
	}
	f := frame.Get(want)
	n, err := io.ReadFull(a.r, f.Payload)
	switch {
	case err == nil:
	case a.left < 0 && err == io.EOF:
		f.Release()
		a.err = io.EOF
		return nil, 0, io.EOF
	case a.left < 0 && err == io.ErrUnexpectedEOF && n%a.sample == 0:
		f.Payload = f.Payload[:n] // the short last frame of a raw file
		a.err = io.EOF            // for the next call
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		f.Release()
		if a.left < 0 {
			a.err = fmt.Errorf("%w: raw %s ends inside a sample", ErrTruncated, a.track[0].Format)
		} else {
			a.err = fmt.Errorf("%w: %d data bytes missing", ErrTruncated, a.left-int64(n))
		}
		return nil, 0, a.err
	default:
		f.Release()
		a.err = fmt.Errorf("fileplay: read: %w", err)
		return nil, 0, a.err
	}
	if a.left > 0 {
		a.left -= int64(len(f.Payload))
	}
	fm := a.track[0].Format
	f.Kind = frame.Voice
	f.Format = fm
	f.Stream = 0
	f.Samples = len(f.Payload) / a.sample
	f.Timestamp = uint32(a.pos * int64(fm.ClockRate) / int64(fm.Rate()))
	f.Marker = a.pos == 0
	at := time.Duration(a.pos * int64(time.Second) / int64(fm.Rate()))
	a.pos += int64(f.Samples)
	return f, at, nil
}

// sampleBytes returns the bytes per sample of a format the package reads
// and writes as plain samples, or 0.
func sampleBytes(f format.Format) int {
	switch {
	case f.Is(format.ULaw), f.Is(format.ALaw):
		return 1
	case f.Is(format.SLin8), f.Is(format.SLin16), f.Is(format.SLin48):
		return 2
	}
	return 0
}
