package fileplay

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

// chunk builds a RIFF chunk (with its pad byte when odd).
func chunk(id string, body []byte) []byte {
	b := append([]byte(id), le32(len(body))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// riff wraps chunks in a RIFF/WAVE header with a correct size.
func riff(chunks ...[]byte) []byte {
	body := []byte("WAVE")
	for _, c := range chunks {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), le32(len(body))...), body...)
}

// fmtBody builds a "fmt " chunk body.
func fmtBody(tag, channels, rate, bits int) []byte {
	align := channels * bits / 8
	b := append(le16(tag), le16(channels)...)
	b = append(b, le32(rate)...)
	b = append(b, le32(rate*align)...)
	b = append(b, le16(align)...)
	return append(b, le16(bits)...)
}

func TestReadWAVHeader(t *testing.T) {
	data := make([]byte, 320)
	extensible := append(fmtBody(wavTagExtensible, 1, 16000, 16), le16(22)...)
	extensible = append(extensible, le16(16)...)
	extensible = append(extensible, le32(4)...)
	extensible = append(extensible, append(le16(wavTagPCM), make([]byte, 14)...)...)
	cases := map[string]struct {
		file []byte
		want format.Format
		n    int64
	}{
		"pcm 8k":             {riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("data", data)), format.SLin8, 320},
		"pcm 16k":            {riff(chunk("fmt ", fmtBody(1, 1, 16000, 16)), chunk("data", data)), format.SLin16, 320},
		"pcm 48k":            {riff(chunk("fmt ", fmtBody(1, 1, 48000, 16)), chunk("data", data)), format.SLin48, 320},
		"ulaw":               {riff(chunk("fmt ", append(fmtBody(7, 1, 8000, 8), 0, 0)), chunk("fact", le32(321)), chunk("data", make([]byte, 321))), format.ULaw, 321},
		"alaw":               {riff(chunk("fmt ", fmtBody(6, 1, 8000, 8)), chunk("data", data)), format.ALaw, 320},
		"extensible pcm":     {riff(chunk("fmt ", extensible), chunk("data", data)), format.SLin16, 320},
		"list before data":   {riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("LIST", []byte("INFOabc")), chunk("data", data)), format.SLin8, 320},
		"chunk after data":   {riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("data", data), chunk("LIST", []byte("INFO"))), format.SLin8, 320},
		"writer's own ulaw":  {wavBytes(format.ULaw, make([]byte, 7)), format.ULaw, 7},
		"writer's own slin8": {wavBytes(format.SLin8, data), format.SLin8, 320},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := bytes.NewReader(c.file)
			h, err := ReadWAVHeader(r)
			must(t, err)
			if !h.Format.Is(c.want) {
				t.Errorf("format %s, want %s", h.Format, c.want)
			}
			equal(t, "data length", h.DataLen, c.n)
			equal(t, "data offset (reader left at the data)", h.DataOffset, int64(len(c.file))-int64(r.Len()))
		})
	}
}

func TestReadWAVHeaderErrors(t *testing.T) {
	pcm := chunk("fmt ", fmtBody(1, 1, 8000, 16))
	data := chunk("data", make([]byte, 320))
	good := riff(pcm, data)
	withRIFFSize := func(b []byte, n int) []byte {
		b = slices.Clone(b)
		copy(b[4:8], le32(n))
		return b
	}
	cases := map[string]struct {
		file []byte
		want error
	}{
		"empty":                 {nil, ErrBadHeader},
		"not riff":              {append([]byte("RIFX"), good[4:]...), ErrBadHeader},
		"not wave":              {append(append([]byte{}, good[:8]...), append([]byte("AVI "), good[12:]...)...), ErrBadHeader},
		"short riff header":     {good[:10], ErrTruncated},
		"riff size too small":   {withRIFFSize(good, 2), ErrChunkSize},
		"data overruns riff":    {withRIFFSize(good, len(good)-8-100), ErrChunkSize},
		"fmt chunk too short":   {riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)[:8]), data), ErrChunkSize},
		"fmt chunk too long":    {riff(chunk("fmt ", make([]byte, 2000)), data), ErrChunkSize},
		"no fmt":                {riff(data), ErrBadHeader},
		"no data":               {riff(pcm), ErrBadHeader},
		"second fmt":            {riff(pcm, pcm, data), ErrBadHeader},
		"odd pcm data":          {riff(pcm, chunk("data", make([]byte, 321))), ErrChunkSize},
		"stereo":                {riff(chunk("fmt ", fmtBody(1, 2, 8000, 16)), data), ErrUnsupported},
		"8-bit pcm":             {riff(chunk("fmt ", fmtBody(1, 1, 8000, 8)), data), ErrUnsupported},
		"44.1 kHz":              {riff(chunk("fmt ", fmtBody(1, 1, 44100, 16)), data), ErrUnsupported},
		"float":                 {riff(chunk("fmt ", fmtBody(3, 1, 8000, 32)), data), ErrUnsupported},
		"16 kHz ulaw":           {riff(chunk("fmt ", fmtBody(7, 1, 16000, 8)), data), ErrUnsupported},
		"block align mismatch":  {riff(chunk("fmt ", append(fmtBody(1, 1, 8000, 16)[:12], append(le16(4), le16(16)...)...)), data), ErrBadHeader},
		"zero channels":         {riff(chunk("fmt ", fmtBody(1, 0, 8000, 16)), data), ErrBadHeader},
		"cut in the fmt chunk":  {good[:20], ErrTruncated},
		"cut before data chunk": {good[:36], ErrTruncated},
		"short extensible":      {riff(chunk("fmt ", append(fmtBody(wavTagExtensible, 1, 8000, 16), 0, 0)), data), ErrChunkSize},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadWAVHeader(bytes.NewReader(c.file))
			wantErr(t, err, c.want)
		})
	}
}

func TestWAVReaderTruncatedData(t *testing.T) {
	file := riff(chunk("fmt ", fmtBody(1, 1, 8000, 16)), chunk("data", make([]byte, 1000)))
	r, err := NewWAVReader(bytes.NewReader(file[:len(file)-301]))
	must(t, err)
	var n int
	for {
		f, _, err := r.ReadFrame()
		if err != nil {
			wantErr(t, err, ErrTruncated)
			break
		}
		n += len(f.Payload)
		f.Release()
	}
	equal(t, "bytes read before the damage", n, 640)
	_, _, err = r.ReadFrame()
	wantErr(t, err, ErrTruncated)
}

func TestWAVWriter(t *testing.T) {
	for _, f := range []format.Format{format.SLin8, format.SLin16, format.SLin48, format.ULaw, format.ALaw} {
		t.Run(f.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.wav")
			w, err := CreateWAV(path, f)
			must(t, err)
			sb := sampleBytes(f)
			data := bytes.Repeat([]byte{1, 2, 3}, 2*sb*101) // odd sample count for G.711
			half := len(data) / 2 / sb * sb
			_, err = w.Write(data[:half])
			must(t, err)
			must(t, w.Flush()) // a flushed file is valid
			checkWAV(t, path, f, data[:half])
			_, err = w.Write(data[half:])
			must(t, err)
			must(t, w.Close())
			wantErr(t, w.Close(), ErrClosed)
			_, err = w.Write(data)
			wantErr(t, err, ErrClosed)
			checkWAV(t, path, f, data)

			a, err := AppendWAV(path, f)
			must(t, err)
			_, err = a.Write(data[:sb*3])
			must(t, err)
			must(t, a.Close())
			checkWAV(t, path, f, append(slices.Clone(data), data[:sb*3]...))

			_, err = AppendWAV(path, format.SLin16)
			if !f.Is(format.SLin16) {
				wantErr(t, err, ErrUnsupported)
			}
		})
	}
	t.Run("partial sample", func(t *testing.T) {
		w, err := CreateWAV(filepath.Join(t.TempDir(), "x.wav"), format.SLin8)
		must(t, err)
		defer w.Close()
		_, err = w.Write([]byte{1, 2, 3})
		wantErr(t, err, ErrBadArgs)
	})
	t.Run("unsupported format", func(t *testing.T) {
		_, err := CreateWAV(filepath.Join(t.TempDir(), "x.wav"), format.G722)
		wantErr(t, err, ErrUnsupported)
	})
}

// checkWAV reads path and compares its format and samples.
func checkWAV(t *testing.T, path string, f format.Format, want []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	r := bytes.NewReader(b)
	h, err := ReadWAVHeader(r)
	must(t, err)
	if !h.Format.Is(f) {
		t.Errorf("format %s, want %s", h.Format, f)
	}
	equal(t, "RIFF length", h.RIFFLen, int64(len(b)))
	data := make([]byte, h.DataLen)
	_, err = io.ReadFull(r, data)
	must(t, err)
	if !bytes.Equal(data, want) {
		t.Errorf("data differs: %d bytes, want %d", len(data), len(want))
	}
}

// FuzzReadWAVHeader checks that the WAV parser never panics and that any
// file it accepts decodes to a whole number of samples: exactly the data
// chunk's, or a truncation error.
func FuzzReadWAVHeader(f *testing.F) {
	pcm := chunk("fmt ", fmtBody(1, 1, 8000, 16))
	f.Add(riff(pcm, chunk("data", make([]byte, 320))))
	f.Add(riff(chunk("fmt ", append(fmtBody(7, 1, 8000, 8), 0, 0)), chunk("fact", le32(3)), chunk("data", []byte{1, 2, 3})))
	f.Add(riff(chunk("fmt ", fmtBody(1, 1, 48000, 16)), chunk("LIST", []byte("INFOx")), chunk("data", make([]byte, 4000))))
	f.Add(wavBytes(format.ALaw, make([]byte, 9)))
	f.Add(riff(pcm, chunk("data", make([]byte, 320)))[:50])
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		h, err := ReadWAVHeader(r)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		sb := int64(sampleBytes(h.Format))
		if sb == 0 || h.DataLen%sb != 0 || h.DataLen < 0 {
			t.Fatalf("accepted %s with %d data bytes", h.Format, h.DataLen)
		}
		ar := newAudioReader(r, h.Format, h.DataLen)
		var n int64
		for {
			fr, _, err := ar.ReadFrame()
			if err == io.EOF {
				break
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) {
					t.Fatalf("read: %v", err)
				}
				return
			}
			if int64(len(fr.Payload))%sb != 0 || fr.Samples*int(sb) != len(fr.Payload) {
				t.Fatalf("frame of %d bytes, %d samples", len(fr.Payload), fr.Samples)
			}
			n += int64(len(fr.Payload))
			fr.Release()
		}
		if n != h.DataLen {
			t.Fatalf("read %d bytes of %d", n, h.DataLen)
		}
	})
}

// isSentinel reports whether err wraps one of the package's sentinels.
func isSentinel(err error) bool {
	for _, s := range []error{ErrBadHeader, ErrChunkSize, ErrTruncated, ErrCorrupt, ErrUnsupported} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
