package fileplay

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// audioSink is a recording's output: it takes signed linear samples at the
// rate it was created for (little-endian bytes, whole samples) and stores
// them in the file's format.
type audioSink interface {
	Write(p []byte) (int, error)
	Close() error
}

// recordPath resolves a recording name: relative names go under the
// player's RecordDir, "%d" becomes the first number for which no file
// exists, and the parent directory is created.
func (p *Player) recordPath(name string) (string, error) {
	if name == "" || strings.HasSuffix(name, "/") {
		return "", fmt.Errorf("%w: recording file name %q", ErrBadArgs, name)
	}
	if kind, _ := kindOf(name); kind == kindUnknown {
		return "", fmt.Errorf("%w: recording %q needs an extension (wav, wav16, sln, sln16, sln48, ulaw, alaw, mkv)", ErrBadArgs, name)
	}
	if !filepath.IsAbs(name) && p.recordDir != "" {
		name = filepath.Join(p.recordDir, name)
	}
	if strings.Contains(name, "%d") {
		for i := 0; ; i++ {
			c := strings.Replace(name, "%d", strconv.Itoa(i), 1)
			if _, err := os.Stat(c); errors.Is(err, os.ErrNotExist) {
				name = c
				break
			}
			if i >= 1_000_000 {
				return "", fmt.Errorf("%w: no free name for %q", ErrBadArgs, name)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return "", fmt.Errorf("fileplay: recording directory: %w", err)
	}
	return name, nil
}

// recordRate returns the signed linear rate to record a stream with
// formats caps at: 8, 16 or 48 kHz, whichever covers the rate of the
// format the stream sends (8 kHz when it has none).
func recordRate(caps format.Caps) int {
	r := writeTarget(caps).Rate()
	switch {
	case r <= 8000:
		return 8000
	case r <= 16000:
		return 16000
	}
	return 48000
}

// createSink opens path for a recording of a stream whose audio runs at
// rate and returns the sink and the signed linear format to feed it. The
// extension decides the file format: .wav is 16-bit PCM at rate, .wav16
// at 16 kHz, .sln/.sln16/.sln48 raw PCM at 8/16/48 kHz, .ulaw/.alaw raw
// G.711 (fed 8 kHz), .mkv/.mka/.webm a Matroska file with one PCM track.
func (p *Player) createSink(path string, rate int, appendMode bool) (audioSink, format.Format, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	kind, raw := kindOf(path)
	switch kind {
	case kindWAV:
		in, _ := format.SLin(rate)
		if ext == "wav16" {
			in = format.SLin16
		}
		var w *WAVWriter
		var err error
		if appendMode {
			w, err = AppendWAV(path, in)
		} else {
			w, err = CreateWAV(path, in)
		}
		return w, in, err
	case kindRaw:
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if appendMode {
			flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
		}
		fh, err := os.OpenFile(path, flags, 0o644)
		if err != nil {
			return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w", path, err)
		}
		if raw.IsSLin() {
			return fh, raw, nil
		}
		tr, err := p.paths.Build(format.SLin8, raw)
		if err != nil {
			fh.Close()
			return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w", path, err)
		}
		return &encodeSink{f: fh, tr: tr, in: format.SLin8}, format.SLin8, nil
	case kindMatroska:
		if appendMode {
			return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w: appending to Matroska", path, ErrUnsupported)
		}
		in, _ := format.SLin(rate)
		fh, err := os.Create(path)
		if err != nil {
			return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w", path, err)
		}
		w, err := NewMatroskaWriter(fh, []Track{{Type: format.Audio, Format: in}})
		if err != nil {
			fh.Close()
			return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w", path, err)
		}
		return &matroskaSink{w: w, rate: rate}, in, nil
	}
	return nil, format.Format{}, fmt.Errorf("fileplay: create %s: %w: unknown extension", path, ErrUnsupported)
}

// encodeSink encodes signed linear into G.711 before writing a raw file.
type encodeSink struct {
	f  *os.File
	tr channel.Translator
	in format.Format
}

func (s *encodeSink) Write(p []byte) (int, error) {
	in := frame.Get(len(p))
	copy(in.Payload, p)
	in.Kind, in.Format, in.Samples = frame.Voice, s.in, len(p)/2
	out, err := s.tr.Translate(in)
	in.Release()
	if err != nil {
		return 0, fmt.Errorf("fileplay: encode recording: %w", err)
	}
	if out == nil {
		return len(p), nil
	}
	_, err = s.f.Write(out.Payload)
	out.Release()
	if err != nil {
		return 0, fmt.Errorf("fileplay: write recording: %w", err)
	}
	return len(p), nil
}

func (s *encodeSink) Close() error { return s.f.Close() }

// matroskaSink writes signed linear as a one-track Matroska file, one
// block per write.
type matroskaSink struct {
	w    *MatroskaWriter
	rate int
	n    int64 // samples written
}

func (s *matroskaSink) Write(p []byte) (int, error) {
	at := time.Duration(s.n * int64(time.Second) / int64(s.rate))
	if err := s.w.WriteFrame(0, at, true, p); err != nil {
		return 0, err
	}
	s.n += int64(len(p) / 2)
	return len(p), nil
}

func (s *matroskaSink) Close() error { return s.w.Close() }
