package fileplay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// fileKind is how a file extension is read.
type fileKind uint8

const (
	kindUnknown fileKind = iota
	kindWAV
	kindRaw
	kindMatroska
)

// extensions lists the file extensions the package reads, in the order a
// prompt lookup tries them (which also breaks ties between equally good
// formats). Raw extensions carry their format; WAV files say theirs in
// the header. ".wav16" is Asterisk's name for a 16 kHz WAV, so a prompt
// can exist at 8 and 16 kHz side by side.
var extensions = [...]struct {
	ext  string
	kind fileKind
	f    format.Format
}{
	{"wav", kindWAV, format.Format{}},
	{"wav16", kindWAV, format.Format{}},
	{"sln", kindRaw, format.SLin8},
	{"sln16", kindRaw, format.SLin16},
	{"sln48", kindRaw, format.SLin48},
	{"ulaw", kindRaw, format.ULaw},
	{"alaw", kindRaw, format.ALaw},
	{"mkv", kindMatroska, format.Format{}},
	{"mka", kindMatroska, format.Format{}},
	{"webm", kindMatroska, format.Format{}},
}

// kindOf returns how a path is read, from its extension.
func kindOf(path string) (fileKind, format.Format) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	for _, e := range extensions {
		if e.ext == ext {
			return e.kind, e.f
		}
	}
	return kindUnknown, format.Format{}
}

// hasExtension reports whether name ends in an extension the package
// reads (".wav", ".sln16", ".mkv" …).
func hasExtension(name string) bool {
	k, _ := kindOf(name)
	return k != kindUnknown
}

// File is a media file opened for reading with [Open]: a [Reader] that
// owns the underlying *os.File.
type File struct {
	r    Reader
	f    *os.File
	path string
}

var _ Reader = (*File)(nil)

// Open opens a media file for reading, choosing the reader by extension:
// .wav and .wav16 ([NewWAVReader]), .sln, .sln16, .sln48, .ulaw and .alaw
// ([NewRawReader]), .mkv, .mka and .webm ([NewMatroskaReader]). It checks
// what it can against the file's size before any frame is read: a WAV
// whose data chunk extends past the end of the file or a raw file that is
// not a whole number of samples is [ErrTruncated].
func Open(path string) (*File, error) {
	kind, rawFormat := kindOf(path)
	if kind == kindUnknown {
		return nil, fmt.Errorf("fileplay: open %s: %w: unknown extension", path, ErrUnsupported)
	}
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("fileplay: open %s: %w", path, ErrNotFound)
		}
		return nil, fmt.Errorf("fileplay: open %s: %w", path, err)
	}
	r, err := newReader(f, kind, rawFormat)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fileplay: open %s: %w", path, err)
	}
	return &File{r: r, f: f, path: path}, nil
}

func newReader(f *os.File, kind fileKind, rawFormat format.Format) (Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	switch kind {
	case kindWAV:
		br := bufio.NewReaderSize(f, 8<<10)
		h, err := ReadWAVHeader(br)
		if err != nil {
			return nil, err
		}
		if end := h.DataOffset + h.DataLen; end > size {
			return nil, fmt.Errorf("%w: data chunk ends at %d, file has %d bytes", ErrTruncated, end, size)
		}
		return newAudioReader(br, h.Format, h.DataLen), nil
	case kindRaw:
		if size%int64(sampleBytes(rawFormat)) != 0 {
			return nil, fmt.Errorf("%w: %d bytes is not a whole number of %s samples", ErrTruncated, size, rawFormat)
		}
		return NewRawReader(bufio.NewReaderSize(f, 8<<10), rawFormat)
	default:
		return NewMatroskaReader(f)
	}
}

// Path returns the path the file was opened with.
func (f *File) Path() string { return f.path }

// Tracks implements [Reader].
func (f *File) Tracks() []Track { return f.r.Tracks() }

// ReadFrame implements [Reader]; errors name the file.
func (f *File) ReadFrame() (*frame.Frame, time.Duration, error) {
	fr, at, err := f.r.ReadFrame()
	if err != nil && err != io.EOF {
		return nil, 0, fmt.Errorf("fileplay: read %s: %w", f.path, err)
	}
	return fr, at, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// CreateWAV creates (or truncates) the WAV file path for samples of format
// f; the writer's Close closes the file.
func CreateWAV(path string, f format.Format) (*WAVWriter, error) {
	if _, err := wavTag(f); err != nil {
		return nil, fmt.Errorf("fileplay: create %s: %w", path, err)
	}
	fh, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("fileplay: create %s: %w", path, err)
	}
	w, err := NewWAVWriter(fh, f)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("fileplay: create %s: %w", path, err)
	}
	w.closer = fh
	return w, nil
}

// AppendWAV opens the WAV file path to add samples after the ones it
// holds, creating it when it does not exist. An existing file must hold
// samples of format f and end with its data chunk.
func AppendWAV(path string, f format.Format) (*WAVWriter, error) {
	fh, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return CreateWAV(path, f)
	}
	if err != nil {
		return nil, fmt.Errorf("fileplay: append %s: %w", path, err)
	}
	fail := func(err error) (*WAVWriter, error) {
		fh.Close()
		return nil, fmt.Errorf("fileplay: append %s: %w", path, err)
	}
	h, err := ReadWAVHeader(bufio.NewReader(fh))
	if err != nil {
		return fail(err)
	}
	if !h.Format.Is(f) {
		return fail(fmt.Errorf("%w: file holds %s, recording %s", ErrUnsupported, h.Format, f))
	}
	st, err := fh.Stat()
	if err != nil {
		return fail(err)
	}
	if end := h.DataOffset + h.DataLen; end != st.Size() && end+1 != st.Size() {
		return fail(fmt.Errorf("%w: data chunk does not end the file", ErrUnsupported))
	}
	if _, err := fh.Seek(h.DataOffset+h.DataLen, io.SeekStart); err != nil {
		return fail(err)
	}
	w := appendWAVWriter(fh, h)
	w.closer = fh
	return w, nil
}
