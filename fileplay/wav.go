package fileplay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pbx-dev/pbx/core/format"
)

// WAV format tags (the wFormatTag field of the "fmt " chunk).
const (
	wavTagPCM        = 1
	wavTagALaw       = 6
	wavTagULaw       = 7
	wavTagExtensible = 0xFFFE
)

// maxFmtChunk bounds the "fmt " chunk read into memory: 40 bytes is the
// largest standard one (WAVE_FORMAT_EXTENSIBLE).
const maxFmtChunk = 1024

// WAVHeader describes a WAV file: the audio format of its samples and
// where they are.
type WAVHeader struct {
	// Format is the samples' format: [format.SLin8], [format.SLin16] or
	// [format.SLin48] for 16-bit PCM (format tag 1), [format.ULaw] (tag 7)
	// or [format.ALaw] (tag 6).
	Format format.Format
	// DataOffset is the offset of the first sample from the start of the
	// file.
	DataOffset int64
	// DataLen is the length of the "data" chunk in bytes, always a whole
	// number of samples.
	DataLen int64
	// RIFFLen is the file length the RIFF header announces (its size
	// field plus 8).
	RIFFLen int64
}

// ReadWAVHeader reads a WAV (RIFF/WAVE) header from r and leaves r at the
// first sample of the "data" chunk. It accepts mono 16-bit PCM at 8, 16 or
// 48 kHz and mono 8 kHz µ-law or A-law, in plain or WAVE_FORMAT_EXTENSIBLE
// "fmt " chunks, and skips other chunks ("fact", "LIST" …) before the
// data.
//
// Validation is strict. It returns an error wrapping [ErrBadHeader] when
// the RIFF or WAVE magic is missing, the "fmt " fields contradict each
// other or there is no "fmt " chunk before "data"; [ErrChunkSize] when a
// chunk does not fit in the RIFF size, a "fmt " chunk is too short or the
// data is not a whole number of samples; [ErrUnsupported] for other
// encodings, sample rates or channel counts; and [ErrTruncated] when r
// ends inside the header.
func ReadWAVHeader(r io.Reader) (WAVHeader, error) {
	var h WAVHeader
	var b [12]byte
	n, err := io.ReadFull(r, b[:])
	if n < 4 || string(b[:4]) != "RIFF" {
		return h, fmt.Errorf("%w: no RIFF magic", ErrBadHeader)
	}
	if err != nil {
		return h, fmt.Errorf("%w: RIFF header of %d bytes", ErrTruncated, n)
	}
	if string(b[8:12]) != "WAVE" {
		return h, fmt.Errorf("%w: RIFF type %q, want WAVE", ErrBadHeader, b[8:12])
	}
	riff := int64(binary.LittleEndian.Uint32(b[4:8]))
	if riff < 4 {
		return h, fmt.Errorf("%w: RIFF size %d", ErrChunkSize, riff)
	}
	h.RIFFLen = riff + 8
	pos := int64(12)
	haveFmt := false
	for {
		if pos+8 > h.RIFFLen {
			if haveFmt {
				return h, fmt.Errorf("%w: no data chunk", ErrBadHeader)
			}
			return h, fmt.Errorf("%w: no fmt chunk", ErrBadHeader)
		}
		if _, err := io.ReadFull(r, b[:8]); err != nil {
			return h, fmt.Errorf("%w: chunk header at %d", ErrTruncated, pos)
		}
		id := string(b[:4])
		size := int64(binary.LittleEndian.Uint32(b[4:8]))
		pos += 8
		if pos+size > h.RIFFLen {
			return h, fmt.Errorf("%w: chunk %q of %d bytes at %d overruns the RIFF size %d", ErrChunkSize, id, size, pos-8, riff)
		}
		switch id {
		case "fmt ":
			if haveFmt {
				return h, fmt.Errorf("%w: second fmt chunk", ErrBadHeader)
			}
			if size < 16 || size > maxFmtChunk {
				return h, fmt.Errorf("%w: fmt chunk of %d bytes", ErrChunkSize, size)
			}
			var buf [maxFmtChunk]byte
			if _, err := io.ReadFull(r, buf[:size]); err != nil {
				return h, fmt.Errorf("%w: fmt chunk", ErrTruncated)
			}
			if h.Format, err = parseWAVFmt(buf[:size]); err != nil {
				return h, err
			}
			haveFmt = true
		case "data":
			if !haveFmt {
				return h, fmt.Errorf("%w: data chunk before fmt chunk", ErrBadHeader)
			}
			if size%int64(sampleBytes(h.Format)) != 0 {
				return h, fmt.Errorf("%w: data chunk of %d bytes is not a whole number of %s samples", ErrChunkSize, size, h.Format)
			}
			h.DataOffset, h.DataLen = pos, size
			return h, nil
		default:
			if _, err := io.CopyN(io.Discard, r, size); err != nil {
				return h, fmt.Errorf("%w: chunk %q", ErrTruncated, id)
			}
		}
		pos += size
		if size%2 == 1 && pos < h.RIFFLen { // pad byte after an odd-sized chunk
			if _, err := io.ReadFull(r, b[:1]); err != nil {
				return h, fmt.Errorf("%w: pad byte of chunk %q", ErrTruncated, id)
			}
			pos++
		}
	}
}

// parseWAVFmt checks a "fmt " chunk and returns its format.
func parseWAVFmt(c []byte) (format.Format, error) {
	tag := binary.LittleEndian.Uint16(c[0:2])
	channels := int(binary.LittleEndian.Uint16(c[2:4]))
	rate := int(binary.LittleEndian.Uint32(c[4:8]))
	byteRate := int64(binary.LittleEndian.Uint32(c[8:12]))
	align := int(binary.LittleEndian.Uint16(c[12:14]))
	bits := int(binary.LittleEndian.Uint16(c[14:16]))
	if tag == wavTagExtensible {
		// cbSize(2) validBits(2) channelMask(4) SubFormat GUID(16), whose
		// first two bytes are the real tag.
		if len(c) < 40 {
			return format.Format{}, fmt.Errorf("%w: extensible fmt chunk of %d bytes", ErrChunkSize, len(c))
		}
		tag = binary.LittleEndian.Uint16(c[24:26])
	}
	if channels == 0 || bits == 0 || rate == 0 {
		return format.Format{}, fmt.Errorf("%w: fmt with %d channels, %d bits, %d Hz", ErrBadHeader, channels, bits, rate)
	}
	if align != channels*((bits+7)/8) || byteRate != int64(rate)*int64(align) {
		return format.Format{}, fmt.Errorf("%w: fmt block align %d / byte rate %d disagree with %d channels of %d bits at %d Hz",
			ErrBadHeader, align, byteRate, channels, bits, rate)
	}
	if channels != 1 {
		return format.Format{}, fmt.Errorf("%w: %d channels (mono only)", ErrUnsupported, channels)
	}
	var f format.Format
	switch tag {
	case wavTagPCM:
		if bits != 16 {
			return f, fmt.Errorf("%w: %d-bit PCM (16-bit only)", ErrUnsupported, bits)
		}
		var ok bool
		if f, ok = format.SLin(rate); !ok {
			return f, fmt.Errorf("%w: PCM at %d Hz (8000, 16000 or 48000 only)", ErrUnsupported, rate)
		}
	case wavTagULaw, wavTagALaw:
		if bits != 8 || rate != 8000 {
			return f, fmt.Errorf("%w: G.711 with %d bits at %d Hz", ErrUnsupported, bits, rate)
		}
		f = format.ULaw
		if tag == wavTagALaw {
			f = format.ALaw
		}
	default:
		return f, fmt.Errorf("%w: WAV format tag %d", ErrUnsupported, tag)
	}
	return f, nil
}

// WAVWriter writes a WAV file: a header for its format, then samples. The
// header's sizes are patched in by [WAVWriter.Flush] and [WAVWriter.Close],
// which is why it needs an io.WriteSeeker. A WAVWriter is not safe for
// concurrent use.
//
// 16-bit PCM files get the canonical 44-byte header; µ-law and A-law files
// get an 18-byte "fmt " chunk and a "fact" chunk, as the format requires
// for non-PCM data.
type WAVWriter struct {
	w       io.WriteSeeker
	closer  io.Closer // closed by Close when the writer opened the file
	f       format.Format
	dataOff int64 // offset of the first sample
	n       int64 // data bytes written
	err     error // sticky
	closed  bool
}

// NewWAVWriter writes a WAV header for format f (16-bit PCM at 8, 16 or 48
// kHz, µ-law or A-law) at the current position of w, which must be the
// start of the file, and returns a writer for the samples. Close patches
// the header but does not close w.
func NewWAVWriter(w io.WriteSeeker, f format.Format) (*WAVWriter, error) {
	if _, err := wavTag(f); err != nil {
		return nil, err
	}
	ww := &WAVWriter{w: w, f: f}
	hdr := wavHeaderBytes(f, 0)
	if _, err := w.Write(hdr); err != nil {
		return nil, fmt.Errorf("fileplay: write WAV header: %w", err)
	}
	ww.dataOff = int64(len(hdr))
	return ww, nil
}

// appendWAVWriter continues the WAV file w whose header is h: w must be
// positioned at the end of its data, which must end the file.
func appendWAVWriter(w io.WriteSeeker, h WAVHeader) *WAVWriter {
	return &WAVWriter{w: w, f: h.Format, dataOff: h.DataOffset, n: h.DataLen}
}

func wavTag(f format.Format) (uint16, error) {
	switch {
	case f.Is(format.ULaw):
		return wavTagULaw, nil
	case f.Is(format.ALaw):
		return wavTagALaw, nil
	case f.Is(format.SLin8), f.Is(format.SLin16), f.Is(format.SLin48):
		return wavTagPCM, nil
	}
	return 0, fmt.Errorf("%w: WAV of %s", ErrUnsupported, f)
}

// wavHeaderBytes returns the header of a WAV file of format f holding n
// data bytes.
func wavHeaderBytes(f format.Format, n int64) []byte {
	tag, _ := wavTag(f)
	bits, rate := 16, f.Rate()
	if tag != wavTagPCM {
		bits = 8
	}
	align := bits / 8
	fmtLen := 16
	if tag != wavTagPCM {
		fmtLen = 18
	}
	b := make([]byte, 0, 58)
	le32 := func(v uint32) { b = binary.LittleEndian.AppendUint32(b, v) }
	le16 := func(v uint16) { b = binary.LittleEndian.AppendUint16(b, v) }
	b = append(b, "RIFF"...)
	le32(0) // patched below
	b = append(b, "WAVE"...)
	b = append(b, "fmt "...)
	le32(uint32(fmtLen))
	le16(tag)
	le16(1)
	le32(uint32(rate))
	le32(uint32(rate * align))
	le16(uint16(align))
	le16(uint16(bits))
	if fmtLen == 18 {
		le16(0) // cbSize
		b = append(b, "fact"...)
		le32(4)
		le32(uint32(n / int64(align))) // sample frames
	}
	b = append(b, "data"...)
	le32(uint32(n))
	pad := n % 2
	binary.LittleEndian.PutUint32(b[4:8], uint32(int64(len(b))-8+n+pad))
	return b
}

// Format returns the format of the samples.
func (w *WAVWriter) Format() format.Format { return w.f }

// Len returns the number of data bytes written so far.
func (w *WAVWriter) Len() int64 { return w.n }

// Write appends samples, encoded in the writer's format (little-endian
// 16-bit for PCM, one byte per sample for G.711). p must hold a whole
// number of samples.
func (w *WAVWriter) Write(p []byte) (int, error) {
	if w.closed {
		return 0, ErrClosed
	}
	if w.err != nil {
		return 0, w.err
	}
	if len(p)%sampleBytes(w.f) != 0 {
		return 0, fmt.Errorf("%w: write of %d bytes is not a whole number of %s samples", ErrBadArgs, len(p), w.f)
	}
	if w.n+int64(len(p)) > 0xFFFFFFF0-int64(w.dataOff) {
		w.err = fmt.Errorf("%w: WAV file larger than 4 GiB", ErrUnsupported)
		return 0, w.err
	}
	n, err := w.w.Write(p)
	w.n += int64(n)
	if err != nil {
		w.err = fmt.Errorf("fileplay: write WAV data: %w", err)
		return n, w.err
	}
	return n, nil
}

// Flush patches the header's sizes for the samples written so far, so the
// file is valid even if Close never runs.
func (w *WAVWriter) Flush() error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if err := w.patch(); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *WAVWriter) patch() error {
	if hdr := wavHeaderBytes(w.f, w.n); int64(len(hdr)) == w.dataOff {
		if err := w.writeAt(0, hdr); err != nil {
			return err
		}
	} else {
		// An appended file whose header has another layout: patch only the
		// RIFF size and the data size.
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], uint32(w.dataOff-8+w.n+w.n%2))
		if err := w.writeAt(4, b[:]); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(b[:], uint32(w.n))
		if err := w.writeAt(w.dataOff-4, b[:]); err != nil {
			return err
		}
	}
	if w.n%2 == 1 {
		// The pad byte after odd-sized data; the next Write overwrites it.
		if err := w.writeAt(w.dataOff+w.n, []byte{0}); err != nil {
			return err
		}
	}
	if _, err := w.w.Seek(w.dataOff+w.n, io.SeekStart); err != nil {
		return fmt.Errorf("fileplay: seek WAV end: %w", err)
	}
	return nil
}

func (w *WAVWriter) writeAt(off int64, p []byte) error {
	if _, err := w.w.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("fileplay: seek WAV header: %w", err)
	}
	if _, err := w.w.Write(p); err != nil {
		return fmt.Errorf("fileplay: write WAV header: %w", err)
	}
	return nil
}

// Close patches the header and, for a writer made by [CreateWAV], closes
// the file. Later calls return [ErrClosed].
func (w *WAVWriter) Close() error {
	if w.closed {
		return ErrClosed
	}
	err := w.err
	if err == nil {
		err = w.patch()
	}
	w.closed = true
	if w.closer != nil {
		err = errors.Join(err, w.closer.Close())
	}
	return err
}
