package fileplay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// EBML builders for hand-made files.

func idBytes(id uint32) []byte {
	switch {
	case id > 0xFFFFFF:
		return []byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	case id > 0xFFFF:
		return []byte{byte(id >> 16), byte(id >> 8), byte(id)}
	case id > 0xFF:
		return []byte{byte(id >> 8), byte(id)}
	}
	return []byte{byte(id)}
}

func sizeBytes(n uint64) []byte {
	l := 1
	for n >= 1<<(7*l)-1 {
		l++
	}
	b := make([]byte, l)
	for i := l - 1; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
	b[0] |= 0x80 >> (l - 1)
	return b
}

// el builds an element of known size.
func el(id uint32, body ...[]byte) []byte {
	c := bytes.Join(body, nil)
	return slices.Concat(idBytes(id), sizeBytes(uint64(len(c))), c)
}

// elUnknown builds a master element of unknown size.
func elUnknown(id uint32, body ...[]byte) []byte {
	return slices.Concat(idBytes(id), []byte{0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, bytes.Join(body, nil))
}

func uintEl(id uint32, v uint64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, v))
}

func floatEl(id uint32, v float64) []byte {
	return el(id, binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
}

func ebmlHeader(docType string) []byte {
	return el(idEBML, uintEl(0x4286, 1), uintEl(0x42F7, 1), el(idDocType, []byte(docType)))
}

// trackEl builds a TrackEntry.
func trackEl(num, typ uint64, codec string, extra ...[]byte) []byte {
	return el(0xAE, append([][]byte{uintEl(0xD7, num), uintEl(0x73C5, num), uintEl(0x83, typ), el(0x86, []byte(codec))}, extra...)...)
}

func pcmAudioEl(rate float64, channels, bits uint64) []byte {
	return el(0xE1, floatEl(0xB5, rate), uintEl(0x9F, channels), uintEl(0x6264, bits))
}

// block builds the body of a SimpleBlock or Block.
func block(track uint64, tc int16, lacing byte, data ...byte) []byte {
	return slices.Concat(sizeBytes(track), binary.BigEndian.AppendUint16(nil, uint16(tc)), []byte{0x80 | lacing<<1}, data)
}

// seq returns n bytes counting from start.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

// nopCloser adds Close to a bytes.Buffer.
type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// mkvFile writes frames with MatroskaWriter and returns the file.
func mkvFile(t testing.TB, tracks []Track, write func(w *MatroskaWriter)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewMatroskaWriter(nopCloser{&buf}, tracks)
	must(t, err)
	write(w)
	must(t, w.Close())
	return buf.Bytes()
}

// readAll reads every frame of r.
func readAll(t testing.TB, r Reader) ([]got, error) {
	t.Helper()
	var out []got
	for {
		f, at, err := r.ReadFrame()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, got{stream: f.Stream, kind: f.Kind, format: f.Format, payload: slices.Clone(f.Payload),
			samples: f.Samples, timestamp: f.Timestamp, marker: f.Marker, at: at})
		f.Release()
	}
}

func TestMatroskaRoundTrip(t *testing.T) {
	tracks := []Track{
		{Type: format.Audio, Format: format.SLin8, Name: "english", Language: "eng"},
		{Type: format.Audio, Format: format.SLin16, Name: "french"},
		{Type: format.Video, Format: format.VP8},
		{Type: format.Audio, Format: format.Opus},
	}
	a := audioBytes(tone(440, 8000, 1000))
	b := audioBytes(tone(1000, 16000, 1000))
	opus := []byte{0xFC, 0xFF, 0xFE} // TOC: CELT 20 ms, code 0
	file := mkvFile(t, tracks, func(w *MatroskaWriter) {
		for i := range 50 {
			at := time.Duration(i) * 20 * time.Millisecond
			must(t, w.WriteFrame(0, at, true, a[i*320:(i+1)*320]))
			must(t, w.WriteFrame(1, at, true, b[i*640:(i+1)*640]))
			must(t, w.WriteFrame(3, at, true, opus))
			if i%2 == 0 {
				must(t, w.WriteFrame(2, at, i == 0, []byte(fmt.Sprintf("picture %d", i/2))))
			}
		}
	})
	r, err := NewMatroskaReader(bytes.NewReader(file))
	must(t, err)
	gotTracks := r.Tracks()
	equal(t, "tracks", len(gotTracks), 4)
	for i, tr := range gotTracks {
		if !tr.Format.Is(tracks[i].Format) || tr.Type != tracks[i].Type || tr.Name != tracks[i].Name {
			t.Errorf("track %d = %+v, want %+v", i, tr, tracks[i])
		}
	}
	frames, err := readAll(t, r)
	must(t, err)
	t.Run("pcm content and times", func(t *testing.T) {
		for i, want := range [][]byte{a, b} {
			fs := ofStream(frames, i, frame.Voice)
			if !bytes.Equal(payloads(fs), want) {
				t.Errorf("track %d content differs", i)
			}
			for n, f := range fs {
				if f.at != time.Duration(n)*20*time.Millisecond {
					t.Fatalf("track %d frame %d at %v", i, n, f.at)
				}
				if f.marker != (n == 0) {
					t.Fatalf("track %d frame %d marker %v", i, n, f.marker)
				}
			}
			equal(t, "16 kHz timestamp of frame 1", ofStream(frames, 1, frame.Voice)[1].timestamp, uint32(320))
		}
	})
	t.Run("video passed through", func(t *testing.T) {
		fs := ofStream(frames, 2, frame.Video)
		equal(t, "video frames", len(fs), 25)
		for n, f := range fs {
			equal(t, "payload", string(f.payload), fmt.Sprintf("picture %d", n))
			equal(t, "at", f.at, time.Duration(n)*40*time.Millisecond)
			equal(t, "90 kHz timestamp", f.timestamp, uint32(n*3600))
			equal(t, "marker", f.marker, true)
		}
	})
	t.Run("opus packets", func(t *testing.T) {
		fs := ofStream(frames, 3, frame.Voice)
		equal(t, "opus frames", len(fs), 50)
		equal(t, "samples", fs[0].samples, 960)
		equal(t, "payload", string(fs[7].payload), string(opus))
		equal(t, "48 kHz timestamp", fs[1].timestamp, uint32(960))
	})
}

// audioBytes encodes samples little-endian.
func audioBytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

func TestMatroskaHandMade(t *testing.T) {
	tracks := el(idTracks,
		trackEl(1, mkvTypeAudio, codecPCMLittle, pcmAudioEl(8000, 1, 16)),
		trackEl(2, mkvTypeAudio, codecPCMBig, pcmAudioEl(8000, 1, 16)),
		trackEl(3, mkvTypeAudio, "A_VORBIS", pcmAudioEl(48000, 2, 0)),
		trackEl(4, mkvTypeAudio, codecPCMLittle, pcmAudioEl(8000, 2, 16)), // stereo: not played
		trackEl(5, 0x11, "S_TEXT/UTF8"),                                   // subtitles: not a track here
		trackEl(6, mkvTypeVideo, codecH264),
	)
	info := el(idInfo, uintEl(idTimecodeScale, 1_000_000))
	xiph := slices.Concat([]byte{2, 4, 6}, seq(0, 4), seq(10, 6), seq(20, 8))                                // 3 frames: 4, 6, rest
	fixed := slices.Concat([]byte{1}, seq(40, 8))                                                            // 2 frames of 4
	ebmlLace := slices.Concat([]byte{2}, sizeBytes(4), []byte{0xBF + 2}, seq(60, 4), seq(70, 6), seq(80, 2)) // 4, +2, rest
	cluster := el(idCluster,
		uintEl(idTimecode, 1000),
		el(idSimpleBlock, block(1, 0, 0, seq(0, 320)...)),
		el(idSimpleBlock, block(2, 20, 0, 0x01, 0x02, 0x03, 0x04)),
		el(idSimpleBlock, block(3, 20, 0, 1, 2, 3)),
		el(idBlockGroup, el(idBlock, block(6, 40, 1, xiph...))),
		el(idSimpleBlock, block(6, 60, 2, fixed...)),
		el(idSimpleBlock, block(6, 80, 3, ebmlLace...)),
		el(idSimpleBlock, block(5, 80, 0, 'h', 'i')),
		el(0xEC, make([]byte, 5)), // Void
	)
	file := slices.Concat(ebmlHeader("matroska"), el(idSegment, el(idSeekHead), info, tracks, cluster, el(idCues)))
	r, err := NewMatroskaReader(bytes.NewReader(file))
	must(t, err)
	tr := r.Tracks()
	equal(t, "tracks", len(tr), 5)
	equal(t, "vorbis has no format", tr[2].Format.IsZero(), true)
	equal(t, "stereo pcm has no format", tr[3].Format.IsZero(), true)
	equal(t, "h264", tr[4].Format.Is(format.H264), true)
	frames, err := readAll(t, r)
	must(t, err)
	equal(t, "frames", len(frames), 1+1+3+2+3)
	equal(t, "first block at 0", frames[0].at, time.Duration(0))
	equal(t, "big-endian swapped", string(frames[1].payload), "\x02\x01\x04\x03")
	equal(t, "second block at 20 ms", frames[1].at, 20*time.Millisecond)
	var video [][]byte
	for _, f := range ofStream(frames, 4, frame.Video) {
		video = append(video, f.payload)
	}
	want := [][]byte{seq(0, 4), seq(10, 6), seq(20, 8), seq(40, 4), seq(44, 4), seq(60, 4), seq(70, 6), seq(80, 2)}
	if !slices.EqualFunc(video, want, bytes.Equal) {
		t.Errorf("laced video frames %v, want %v", video, want)
	}
}

func TestMatroskaErrors(t *testing.T) {
	tracks := el(idTracks, trackEl(1, mkvTypeAudio, codecPCMLittle, pcmAudioEl(8000, 1, 16)))
	seg := func(body ...[]byte) []byte {
		return slices.Concat(ebmlHeader("webm"), el(idSegment, body...))
	}
	good := seg(tracks, el(idCluster, uintEl(idTimecode, 0), el(idSimpleBlock, block(1, 0, 0, make([]byte, 640)...))))
	huge := slices.Concat(idBytes(idSimpleBlock), []byte{0x01, 0x00, 0x10, 0, 0, 0, 0, 0}) // 2^44 bytes
	written := mkvFile(t, []Track{{Type: format.Audio, Format: format.SLin8}, {Type: format.Video, Format: format.VP8}}, func(w *MatroskaWriter) {
		for i := range 100 {
			must(t, w.WriteFrame(0, time.Duration(i)*20*time.Millisecond, true, make([]byte, 320)))
			must(t, w.WriteFrame(1, time.Duration(i)*20*time.Millisecond, true, make([]byte, 100)))
		}
	})
	cases := map[string]struct {
		file   []byte
		open   error // error from NewMatroskaReader, or nil
		read   error // error from ReadFrame
		frames int   // frames before the error, when at least
	}{
		"not matroska":              {file: wavBytes(format.SLin8, make([]byte, 320)), open: ErrBadHeader},
		"empty":                     {file: nil, open: ErrBadHeader},
		"other doctype":             {file: slices.Concat(ebmlHeader("mp4"), el(idSegment, tracks)), open: ErrBadHeader},
		"no segment":                {file: ebmlHeader("webm"), open: ErrTruncated},
		"no tracks":                 {file: seg(el(idInfo)), open: ErrTruncated},
		"cluster before tracks":     {file: seg(el(idCluster), tracks), open: ErrCorrupt},
		"no playable track":         {file: seg(el(idTracks, trackEl(1, 0x11, "S_TEXT/UTF8"))), open: ErrUnsupported},
		"duplicate track number":    {file: seg(el(idTracks, trackEl(1, 2, "A_OPUS"), trackEl(1, 2, "A_OPUS"))), open: ErrCorrupt},
		"track list overruns":       {file: slices.Concat(ebmlHeader("webm"), el(idSegment, tracks[:len(tracks)-3])), open: ErrChunkSize},
		"unknown-size tracks":       {file: seg(elUnknown(idTracks)), open: ErrCorrupt},
		"block of unknown track":    {file: seg(tracks, el(idCluster, el(idSimpleBlock, block(9, 0, 0, 1, 2)))), read: ErrCorrupt},
		"block overruns cluster":    {file: seg(tracks, el(idCluster, el(idSimpleBlock, block(1, 0, 0, 1, 2)))[:12]), read: ErrChunkSize},
		"huge block":                {file: seg(tracks, elUnknown(idCluster, huge)), read: ErrChunkSize},
		"huge block in stream":      {file: slices.Concat(ebmlHeader("webm"), elUnknown(idSegment, tracks, elUnknown(idCluster, huge))), read: ErrUnsupported},
		"odd pcm block":             {file: seg(tracks, el(idCluster, el(idSimpleBlock, block(1, 0, 0, 1, 2, 3)))), read: ErrChunkSize},
		"bad fixed lacing":          {file: seg(tracks, el(idCluster, el(idSimpleBlock, block(1, 0, 2, 2, 1, 2, 3, 4)))), read: ErrCorrupt},
		"xiph lacing overrun":       {file: seg(tracks, el(idCluster, el(idSimpleBlock, block(1, 0, 1, 1, 255, 255, 9)))), read: ErrCorrupt},
		"bad element id":            {file: seg(tracks, el(idCluster, []byte{0x00, 0x81, 0})), read: ErrCorrupt},
		"segment cut short":         {file: good[:len(good)-100], read: ErrTruncated},
		"nested segment":            {file: seg(tracks, el(idSegment)), read: ErrCorrupt},
		"writer's file cut in half": {file: written[:len(written)/2], read: ErrTruncated, frames: 50},
		"truncated header byte":     {file: good[:3], open: ErrBadHeader},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := NewMatroskaReader(bytes.NewReader(c.file))
			if c.open != nil {
				wantErr(t, err, c.open)
				return
			}
			must(t, err)
			frames, err := readAll(t, r)
			wantErr(t, err, c.read)
			if len(frames) < c.frames {
				t.Errorf("%d frames before the error, want at least %d", len(frames), c.frames)
			}
			_, _, again := r.ReadFrame()
			if !errors.Is(again, c.read) {
				t.Errorf("error not sticky: %v", again)
			}
		})
	}
}

func TestOpusSamples(t *testing.T) {
	cases := map[string]struct {
		p    []byte
		want int
	}{
		"empty":                {nil, 0},
		"silk 20 ms":           {[]byte{1 << 3}, 960},
		"silk 60 ms, 2 frames": {[]byte{3<<3 | 1}, 5760},
		"celt 2.5 ms":          {[]byte{16 << 3}, 120},
		"hybrid 10 ms":         {[]byte{12 << 3}, 480},
		"code 3, 3 frames":     {[]byte{31<<3 | 3, 3}, 2880},
		"code 3 too long":      {[]byte{31<<3 | 3, 7}, 0},
		"code 3 no count":      {[]byte{31<<3 | 3}, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) { equal(t, "samples", opusSamples(c.p), c.want) })
	}
}

// FuzzMatroskaReader checks that the Matroska reader never panics, that
// its errors wrap the package's sentinels, and that PCM tracks decode to a
// whole number of samples.
func FuzzMatroskaReader(f *testing.F) {
	tracks := []Track{{Type: format.Audio, Format: format.SLin8}, {Type: format.Audio, Format: format.SLin16}, {Type: format.Video, Format: format.VP8}}
	small := mkvFile(f, tracks, func(w *MatroskaWriter) {
		for i := range 3 {
			at := time.Duration(i) * 20 * time.Millisecond
			must(f, w.WriteFrame(0, at, true, make([]byte, 320)))
			must(f, w.WriteFrame(1, at, true, make([]byte, 640)))
			must(f, w.WriteFrame(2, at, true, []byte("vp8")))
		}
	})
	f.Add(small)
	f.Add(small[:len(small)/2])
	pcm := el(idTracks, trackEl(1, mkvTypeAudio, codecPCMLittle, pcmAudioEl(8000, 1, 16)), trackEl(2, mkvTypeVideo, codecVP8))
	f.Add(slices.Concat(ebmlHeader("matroska"), el(idSegment, pcm, el(idCluster, uintEl(idTimecode, 5),
		el(idSimpleBlock, block(1, 0, 1, 2, 4, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)),
		el(idBlockGroup, el(idBlock, block(2, -3, 3, 1, 0x82, 1, 2, 3, 4)))))))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := NewMatroskaReader(bytes.NewReader(b))
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("open error %v wraps no sentinel", err)
			}
			return
		}
		for range 100000 {
			fr, _, err := r.ReadFrame()
			if err == io.EOF {
				return
			}
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("read error %v wraps no sentinel", err)
				}
				return
			}
			if fr.Stream < 0 || fr.Stream >= len(r.Tracks()) {
				t.Fatalf("frame for track %d of %d", fr.Stream, len(r.Tracks()))
			}
			if fr.Format.IsSLin() && (len(fr.Payload)%2 != 0 || fr.Samples != len(fr.Payload)/2) {
				t.Fatalf("PCM frame of %d bytes, %d samples", len(fr.Payload), fr.Samples)
			}
			fr.Release()
		}
	})
}
