package fileplay

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/at-wat/ebml-go"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// Matroska element IDs, with their length markers as they appear in files
// (https://www.matroska.org/technical/elements.html).
const (
	idEBML          = 0x1A45DFA3
	idDocType       = 0x4282
	idSegment       = 0x18538067
	idSeekHead      = 0x114D9B74
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idTracks        = 0x1654AE6B
	idCluster       = 0x1F43B675
	idTimecode      = 0xE7
	idSimpleBlock   = 0xA3
	idBlockGroup    = 0xA0
	idBlock         = 0xA1
	idCues          = 0x1C53BB6B
	idTags          = 0x1254C367
	idChapters      = 0x1043A770
	idAttachments   = 0x1941A469
)

// Matroska codec IDs the package maps to formats.
const (
	codecPCMLittle = "A_PCM/INT/LIT"
	codecPCMBig    = "A_PCM/INT/BIG"
	codecOpus      = "A_OPUS"
	codecVP8       = "V_VP8"
	codecVP9       = "V_VP9"
	codecH264      = "V_MPEG4/ISO/AVC"
)

// Limits on what the reader holds in memory; larger elements are refused
// with ErrUnsupported rather than allocated.
const (
	maxMkvHeader = 64 << 10 // EBML header, Info
	maxMkvTracks = 1 << 20  // the Tracks element
	maxMkvBlock  = 16 << 20 // one SimpleBlock or Block
)

// mkvTrackEntry is the part of a Matroska TrackEntry the package uses; it
// is decoded and encoded by ebml-go.
type mkvTrackEntry struct {
	TrackNumber  uint64    `ebml:"TrackNumber"`
	TrackUID     uint64    `ebml:"TrackUID,omitempty"`
	TrackType    uint64    `ebml:"TrackType"`
	FlagLacing   uint64    `ebml:"FlagLacing"`
	Name         string    `ebml:"Name,omitempty"`
	Language     string    `ebml:"Language,omitempty"`
	CodecID      string    `ebml:"CodecID"`
	CodecPrivate []byte    `ebml:"CodecPrivate,omitempty"`
	Audio        *mkvAudio `ebml:"Audio,omitempty"`
	Video        *mkvVideo `ebml:"Video,omitempty"`
}

type mkvAudio struct {
	SamplingFrequency float64 `ebml:"SamplingFrequency"`
	Channels          uint64  `ebml:"Channels"`
	BitDepth          uint64  `ebml:"BitDepth,omitempty"`
}

type mkvVideo struct {
	PixelWidth  uint64 `ebml:"PixelWidth"`
	PixelHeight uint64 `ebml:"PixelHeight"`
}

type mkvTracks struct {
	TrackEntry []mkvTrackEntry `ebml:"TrackEntry"`
}

// Matroska track types.
const (
	mkvTypeVideo = 1
	mkvTypeAudio = 2
)

// mkvTrack is the reader's view of one playable track.
type mkvTrack struct {
	index   int  // in MatroskaReader.tracks
	bigPCM  bool // A_PCM/INT/BIG: swap bytes
	frameN  int  // PCM bytes per FrameDuration
	started bool // a frame was emitted (Marker)
}

type mkvContainer struct {
	id      uint32
	end     int64 // where it ends: its own end or, for an unknown size, its parent's; -1 when unbounded
	unknown bool  // unknown size: it also ends where an element of a higher level starts
}

// mkvPending is the rest of the block being emitted.
type mkvPending struct {
	tr    *mkvTrack
	data  []byte // the block's frames, back to back
	laces []int  // frame sizes
	lace  int    // current frame
	off   int    // offset of the current frame in data
	sub   int    // bytes of the current frame already emitted (PCM)
	at    int64  // presentation time of the current frame, ns
}

// MatroskaReader reads a Matroska or WebM file (DocType "matroska" or
// "webm") as frames, one track after another in file order.
//
// Audio tracks in 16-bit mono PCM (A_PCM/INT/LIT or A_PCM/INT/BIG at 8, 16
// or 48 kHz) come out as signed linear voice frames of [FrameDuration];
// Opus (A_OPUS) as one voice frame per Opus packet; VP8, VP9 and H.264
// video as one video frame per Matroska frame, passed through untouched
// (H.264 stays in the length-prefixed form Matroska stores). Tracks of
// other codecs appear in Tracks with a zero Format and their blocks are
// skipped. Presentation times count from the file's first block, and frame
// Timestamps are those times on the format's RTP clock.
//
// The reader walks the EBML structure itself, streaming: it holds one
// block in memory, checks every element's size against its container and
// refuses oversized elements, so a hostile file cannot make it allocate
// without bound, panic or start goroutines. It uses ebml-go to decode the
// Tracks element, whose size it has bounded first. (ebml-go's
// mkvcore.NewSimpleBlockReader was the first choice but runs two
// goroutines per file, one unbuffered channel per track that must all be
// read concurrently, panics on malformed input by default, and allocates
// whatever size a file declares.)
type MatroskaReader struct {
	br     *bufio.Reader
	pos    int64
	tracks []Track
	byNum  map[uint64]*mkvTrack
	scale  int64 // ns per timecode tick
	stack  []mkvContainer

	cluster  int64 // timecode of the current cluster
	haveBase bool
	base     int64 // ns of the first block

	buf  []byte
	pend mkvPending
	err  error
}

// NewMatroskaReader reads the EBML header, the segment's header elements
// and its track list from r, and returns a reader positioned at the first
// cluster. It returns an error wrapping [ErrBadHeader] when r is not a
// Matroska or WebM file, [ErrTruncated] when r ends before the track list,
// and [ErrChunkSize] or [ErrCorrupt] for malformed structure.
func NewMatroskaReader(r io.Reader) (*MatroskaReader, error) {
	m := &MatroskaReader{br: bufio.NewReaderSize(r, 32<<10), scale: int64(time.Millisecond), byNum: map[uint64]*mkvTrack{}}
	if err := m.readHeader(); err != nil {
		return nil, err
	}
	return m, nil
}

// Tracks implements [Reader].
func (m *MatroskaReader) Tracks() []Track { return m.tracks }

func (m *MatroskaReader) readHeader() error {
	id, size, err := m.elementHeader()
	if err == io.EOF || (err == nil && id != idEBML) {
		return fmt.Errorf("%w: no EBML header", ErrBadHeader)
	}
	if err != nil {
		if errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt) {
			return fmt.Errorf("%w: %w", ErrBadHeader, err)
		}
		return err
	}
	body, err := m.readBody(id, size, maxMkvHeader)
	if err != nil {
		return err
	}
	docType := ""
	err = walkElements(body, func(id uint32, data []byte) error {
		if id == idDocType {
			docType = string(bytes.TrimRight(data, "\x00"))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%w: EBML header: %w", ErrBadHeader, err)
	}
	if docType != "matroska" && docType != "webm" {
		return fmt.Errorf("%w: DocType %q, want matroska or webm", ErrBadHeader, docType)
	}
	for {
		id, size, err := m.elementHeader()
		if err == io.EOF {
			return fmt.Errorf("%w: no segment", ErrTruncated)
		}
		if err != nil {
			return err
		}
		if id == idSegment {
			end := int64(-1)
			if size >= 0 {
				end = m.pos + size
			}
			m.stack = append(m.stack, mkvContainer{id: idSegment, end: end, unknown: size < 0})
			break
		}
		if err := m.skip(id, size); err != nil {
			return err
		}
	}
	for len(m.tracks) == 0 {
		id, size, err := m.child()
		if err == io.EOF {
			return fmt.Errorf("%w: segment without tracks", ErrTruncated)
		}
		if err != nil {
			return err
		}
		switch id {
		case idInfo:
			if err := m.readInfo(size); err != nil {
				return err
			}
		case idTracks:
			if err := m.readTracks(size); err != nil {
				return err
			}
		case idCluster:
			return fmt.Errorf("%w: cluster before the track list", ErrCorrupt)
		default:
			if err := m.skip(id, size); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *MatroskaReader) readInfo(size int64) error {
	body, err := m.readBody(idInfo, size, maxMkvHeader)
	if err != nil {
		return err
	}
	return walkElements(body, func(id uint32, data []byte) error {
		if id != idTimecodeScale {
			return nil
		}
		v, ok := beUint(data)
		if !ok || v == 0 || v > uint64(time.Second) {
			return fmt.Errorf("%w: TimecodeScale %d", ErrCorrupt, v)
		}
		m.scale = int64(v)
		return nil
	})
}

func (m *MatroskaReader) readTracks(size int64) error {
	body, err := m.readBody(idTracks, size, maxMkvTracks)
	if err != nil {
		return err
	}
	// ebml-go checks each element against its parent's size but not the
	// top level: check that here, so nothing it allocates can exceed body.
	if err := walkElements(body, func(uint32, []byte) error { return nil }); err != nil {
		return fmt.Errorf("%w: track list: %w", ErrCorrupt, err)
	}
	var tl mkvTracks
	if err := unmarshalSafe(body, &tl); err != nil {
		return fmt.Errorf("%w: track list: %w", ErrCorrupt, err)
	}
	for _, te := range tl.TrackEntry {
		if te.TrackNumber == 0 {
			return fmt.Errorf("%w: track number 0", ErrCorrupt)
		}
		if _, dup := m.byNum[te.TrackNumber]; dup {
			return fmt.Errorf("%w: track number %d twice", ErrCorrupt, te.TrackNumber)
		}
		t, tr := trackOf(te)
		if t.Type == format.Unknown {
			m.byNum[te.TrackNumber] = nil // known number, nothing to play
			continue
		}
		tr.index = len(m.tracks)
		m.tracks = append(m.tracks, t)
		m.byNum[te.TrackNumber] = tr
	}
	if len(m.tracks) == 0 {
		return fmt.Errorf("%w: no audio or video track", ErrUnsupported)
	}
	return nil
}

// unmarshalSafe runs ebml.Unmarshal on b, turning a panic into an error.
func unmarshalSafe(b []byte, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ebml: %v", p)
		}
	}()
	return ebml.Unmarshal(bytes.NewReader(b), v)
}

// trackOf maps a track entry to a Track and the reader's state for it.
func trackOf(te mkvTrackEntry) (Track, *mkvTrack) {
	t := Track{Codec: te.CodecID, Name: te.Name, Language: te.Language}
	tr := &mkvTrack{}
	switch te.TrackType {
	case mkvTypeAudio:
		t.Type = format.Audio
		rate, channels, bits := 8000.0, uint64(1), uint64(0)
		if a := te.Audio; a != nil {
			if a.SamplingFrequency != 0 {
				rate = a.SamplingFrequency
			}
			if a.Channels != 0 {
				channels = a.Channels
			}
			bits = a.BitDepth
		}
		switch te.CodecID {
		case codecPCMLittle, codecPCMBig:
			f, ok := format.SLin(int(rate))
			if ok && float64(int(rate)) == rate && channels == 1 && bits == 16 {
				t.Format = f
				tr.bigPCM = te.CodecID == codecPCMBig
				tr.frameN = f.Rate() / int(time.Second/FrameDuration) * 2
			}
		case codecOpus:
			t.Format = format.Opus
		}
	case mkvTypeVideo:
		t.Type = format.Video
		switch te.CodecID {
		case codecVP8:
			t.Format = format.VP8
		case codecVP9:
			t.Format = format.VP9
		case codecH264:
			t.Format = format.H264
		}
	}
	return t, tr
}

// ReadFrame implements [Reader].
func (m *MatroskaReader) ReadFrame() (*frame.Frame, time.Duration, error) {
	if m.err != nil {
		return nil, 0, m.err
	}
	for {
		if f, at, ok := m.emit(); ok {
			return f, at, nil
		}
		if err := m.step(); err != nil {
			m.err = err
			return nil, 0, err
		}
	}
}

// emit returns the next frame of the pending block, if any.
func (m *MatroskaReader) emit() (*frame.Frame, time.Duration, bool) {
	p := &m.pend
	for p.tr != nil && p.lace < len(p.laces) {
		size := p.laces[p.lace]
		data := p.data[p.off : p.off+size]
		t := m.tracks[p.tr.index]
		at := p.at
		var f *frame.Frame
		switch {
		case t.Type == format.Video:
			f = frame.Get(size)
			copy(f.Payload, data)
			f.Kind = frame.Video
			f.Marker = p.lace == len(p.laces)-1
			p.next(size, 0)
		case t.Format.IsSLin():
			n := min(p.tr.frameN, size-p.sub)
			if n == 0 {
				p.next(size, 0)
				continue
			}
			f = frame.Get(n)
			copy(f.Payload, data[p.sub:p.sub+n])
			if p.tr.bigPCM {
				for i := 0; i+1 < n; i += 2 {
					f.Payload[i], f.Payload[i+1] = f.Payload[i+1], f.Payload[i]
				}
			}
			f.Kind = frame.Voice
			f.Samples = n / 2
			p.sub += n
			p.at += int64(f.Samples) * int64(time.Second) / int64(t.Format.Rate())
			if p.sub == size {
				p.next(size, 0)
			}
		default: // Opus
			samples := opusSamples(data)
			if samples == 0 {
				p.next(size, 0)
				continue
			}
			f = frame.Get(size)
			copy(f.Payload, data)
			f.Kind = frame.Voice
			f.Samples = samples
			p.next(size, int64(samples)*int64(time.Second)/48000)
		}
		f.Format = t.Format
		f.Stream = p.tr.index
		f.Timestamp = uint32(at / 1000 * int64(t.Format.ClockRate) / 1_000_000)
		if f.Kind == frame.Voice {
			f.Marker = !p.tr.started
		}
		p.tr.started = true
		return f, time.Duration(at), true
	}
	p.tr = nil
	return nil, 0, false
}

// next moves to the following frame of the block, d ns later.
func (p *mkvPending) next(size int, d int64) {
	p.off += size
	p.lace++
	p.sub = 0
	p.at += d
}

// step reads the next element of the segment; a block becomes pending.
func (m *MatroskaReader) step() error {
	id, size, err := m.child()
	if err != nil {
		return err
	}
	top := m.stack[len(m.stack)-1].id
	switch {
	case id == idCluster && top == idSegment:
		end := m.stack[len(m.stack)-1].end
		if size >= 0 {
			end = m.pos + size
		}
		m.stack = append(m.stack, mkvContainer{id: idCluster, end: end, unknown: size < 0})
		m.cluster = 0
		return nil
	case id == idTimecode && top == idCluster:
		body, err := m.readBody(id, size, 8)
		if err != nil {
			return err
		}
		v, _ := beUint(body)
		if v > math.MaxInt64/uint64(m.scale)/2 {
			return fmt.Errorf("%w: cluster timecode %d out of range", ErrCorrupt, v)
		}
		m.cluster = int64(v)
		return nil
	case id == idBlockGroup && top == idCluster:
		m.stack = append(m.stack, mkvContainer{id: idBlockGroup, end: m.pos + size})
		return nil
	case (id == idSimpleBlock && top == idCluster) || (id == idBlock && top == idBlockGroup):
		return m.readBlock(id, size)
	case id == idInfo && top == idSegment && !m.haveBase:
		return m.readInfo(size)
	case id == idSegment || id == idEBML:
		return fmt.Errorf("%w: nested %s element", ErrCorrupt, idName(id))
	}
	return m.skip(id, size)
}

// child reads the header of the next element inside the open containers,
// closing the containers that ended first. It checks the element against
// its container's size. It returns io.EOF at the end of the segment.
func (m *MatroskaReader) child() (uint32, int64, error) {
	for len(m.stack) > 0 {
		top := m.stack[len(m.stack)-1]
		if top.end < 0 || m.pos < top.end {
			break
		}
		m.stack = m.stack[:len(m.stack)-1]
	}
	if len(m.stack) == 0 {
		return 0, 0, io.EOF // the segment ended; anything after it is ignored
	}
	start := m.pos
	id, size, err := m.elementHeader()
	if err == io.EOF {
		for _, c := range m.stack {
			if c.end > m.pos {
				return 0, 0, fmt.Errorf("%w: %s ends at %d, file at %d", ErrTruncated, idName(c.id), c.end, m.pos)
			}
		}
		return 0, 0, io.EOF
	}
	if err != nil {
		return 0, 0, err
	}
	// An unknown-size cluster ends where a segment-level element starts.
	for len(m.stack) > 1 {
		top := m.stack[len(m.stack)-1]
		if top.id != idCluster || !top.unknown || !segmentLevel(id) {
			break
		}
		m.stack = m.stack[:len(m.stack)-1]
	}
	if (id == idSegment || id == idEBML) && len(m.stack) == 1 && m.stack[0].unknown {
		return 0, 0, io.EOF // a second segment: play only the first
	}
	parent := m.stack[len(m.stack)-1]
	if size < 0 {
		if id != idCluster || parent.id != idSegment {
			return 0, 0, fmt.Errorf("%w: %s at %d of unknown size", ErrCorrupt, idName(id), start)
		}
	} else if parent.end >= 0 && m.pos+size > parent.end {
		return 0, 0, fmt.Errorf("%w: %s at %d of %d bytes overruns its %s ending at %d", ErrChunkSize, idName(id), start, size, idName(parent.id), parent.end)
	}
	return id, size, nil
}

func segmentLevel(id uint32) bool {
	switch id {
	case idCluster, idSeekHead, idInfo, idTracks, idCues, idTags, idChapters, idAttachments, idSegment, idEBML:
		return true
	}
	return false
}

func idName(id uint32) string {
	switch id {
	case idEBML:
		return "EBML header"
	case idSegment:
		return "Segment"
	case idCluster:
		return "Cluster"
	case idTracks:
		return "Tracks"
	case idInfo:
		return "Info"
	case idSimpleBlock:
		return "SimpleBlock"
	case idBlockGroup:
		return "BlockGroup"
	case idBlock:
		return "Block"
	case idTimecode:
		return "Timecode"
	}
	return fmt.Sprintf("element 0x%X", id)
}

// readBlock reads a SimpleBlock or Block and makes its frames pending.
func (m *MatroskaReader) readBlock(id uint32, size int64) error {
	body, err := m.readBody(id, size, maxMkvBlock)
	if err != nil {
		return err
	}
	num, n := vint(body)
	if n <= 0 || len(body) < n+3 {
		return fmt.Errorf("%w: %s header", ErrCorrupt, idName(id))
	}
	tc := int64(int16(binary.BigEndian.Uint16(body[n:])))
	flags := body[n+2]
	tr, known := m.byNum[num]
	if !known {
		return fmt.Errorf("%w: block for track %d, not in the track list", ErrCorrupt, num)
	}
	laces, data, err := unlace(body[n+3:], (flags>>1)&3, m.pend.laces[:0])
	if err != nil {
		return fmt.Errorf("%w: %s of track %d: %w", ErrCorrupt, idName(id), num, err)
	}
	if tr == nil || m.tracks[tr.index].Format.IsZero() {
		return nil // a track we do not play
	}
	if m.tracks[tr.index].Format.IsSLin() {
		for _, l := range laces {
			if l%2 != 0 {
				return fmt.Errorf("%w: PCM frame of %d bytes in track %d", ErrChunkSize, l, num)
			}
		}
	}
	at := (m.cluster + tc) * m.scale
	if !m.haveBase {
		m.base, m.haveBase = at, true
	}
	at = max(at-m.base, 0)
	m.pend = mkvPending{tr: tr, data: data, laces: laces, at: at}
	return nil
}

// unlace splits a block's frame data by its lacing mode (0 none, 1 Xiph,
// 2 fixed, 3 EBML) into frame sizes, appended to sizes.
func unlace(b []byte, mode byte, sizes []int) ([]int, []byte, error) {
	if mode == 0 {
		return append(sizes, len(b)), b, nil
	}
	if len(b) < 1 {
		return nil, nil, errors.New("no lace count")
	}
	count := int(b[0]) + 1
	b = b[1:]
	total := 0
	switch mode {
	case 1: // Xiph
		for range count - 1 {
			size := 0
			for {
				if len(b) == 0 {
					return nil, nil, errors.New("Xiph lace sizes overrun the block")
				}
				v := int(b[0])
				b = b[1:]
				size += v
				if v != 255 {
					break
				}
			}
			sizes = append(sizes, size)
			total += size
		}
	case 2: // fixed
		if len(b)%count != 0 {
			return nil, nil, fmt.Errorf("%d bytes do not split into %d equal frames", len(b), count)
		}
		for range count - 1 {
			sizes = append(sizes, len(b)/count)
			total += len(b) / count
		}
	case 3: // EBML
		first, n := vint(b)
		if n <= 0 || first > uint64(len(b)) {
			return nil, nil, errors.New("bad EBML lace size")
		}
		b = b[n:]
		size := int64(first)
		sizes = append(sizes, int(size))
		total += int(size)
		for range count - 2 {
			raw, n := vint(b)
			if n <= 0 {
				return nil, nil, errors.New("bad EBML lace delta")
			}
			b = b[n:]
			size += int64(raw) - (int64(1)<<(7*n-1) - 1)
			if size < 0 || size > int64(len(b)) {
				return nil, nil, errors.New("EBML lace size out of range")
			}
			sizes = append(sizes, int(size))
			total += int(size)
			if total > len(b) {
				return nil, nil, errors.New("EBML lace sizes overrun the block")
			}
		}
	}
	if total > len(b) {
		return nil, nil, errors.New("lace sizes overrun the block")
	}
	return append(sizes, len(b)-total), b, nil
}

// elementHeader reads an element ID and data size; size -1 means unknown.
// It returns io.EOF only when r ends exactly before the element.
func (m *MatroskaReader) elementHeader() (uint32, int64, error) {
	start := m.pos
	b0, err := m.br.ReadByte()
	if err != nil {
		if err == io.EOF {
			return 0, 0, io.EOF
		}
		return 0, 0, fmt.Errorf("fileplay: read: %w", err)
	}
	m.pos++
	l := lenOfVint(b0)
	if l == 0 || l > 4 {
		return 0, 0, fmt.Errorf("%w: bad element ID 0x%02X at %d", ErrCorrupt, b0, start)
	}
	id := uint32(b0)
	for range l - 1 {
		b, err := m.readByte()
		if err != nil {
			return 0, 0, err
		}
		id = id<<8 | uint32(b)
	}
	b0, err = m.readByte()
	if err != nil {
		return 0, 0, err
	}
	l = lenOfVint(b0)
	if l == 0 {
		return 0, 0, fmt.Errorf("%w: bad size of %s at %d", ErrCorrupt, idName(id), start)
	}
	v := uint64(b0) & (0xFF >> l)
	allOnes := v == 0xFF>>l
	for range l - 1 {
		b, err := m.readByte()
		if err != nil {
			return 0, 0, err
		}
		v = v<<8 | uint64(b)
		allOnes = allOnes && b == 0xFF
	}
	if allOnes {
		return id, -1, nil
	}
	return id, int64(v), nil
}

func (m *MatroskaReader) readByte() (byte, error) {
	b, err := m.br.ReadByte()
	if err != nil {
		if err == io.EOF {
			return 0, fmt.Errorf("%w: inside an element header at %d", ErrTruncated, m.pos)
		}
		return 0, fmt.Errorf("fileplay: read: %w", err)
	}
	m.pos++
	return b, nil
}

// readBody reads the data of an element of at most limit bytes into the
// reader's buffer; the result is valid until the next readBody.
func (m *MatroskaReader) readBody(id uint32, size int64, limit int) ([]byte, error) {
	if size < 0 {
		return nil, fmt.Errorf("%w: %s of unknown size", ErrCorrupt, idName(id))
	}
	if size > int64(limit) {
		return nil, fmt.Errorf("%w: %s of %d bytes (limit %d)", ErrUnsupported, idName(id), size, limit)
	}
	if cap(m.buf) < int(size) {
		m.buf = make([]byte, size, max(int(size), 2*cap(m.buf)))
	}
	b := m.buf[:size]
	n, err := io.ReadFull(m.br, b)
	m.pos += int64(n)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("%w: %s at %d needs %d bytes, file has %d", ErrTruncated, idName(id), m.pos-int64(n), size, n)
		}
		return nil, fmt.Errorf("fileplay: read: %w", err)
	}
	return b, nil
}

// skip discards the data of an element.
func (m *MatroskaReader) skip(id uint32, size int64) error {
	if size < 0 {
		return fmt.Errorf("%w: %s of unknown size", ErrCorrupt, idName(id))
	}
	for size > 0 {
		n, err := m.br.Discard(int(min(size, 1<<30)))
		m.pos += int64(n)
		size -= int64(n)
		if err != nil {
			if err == io.EOF {
				return fmt.Errorf("%w: %s ends %d bytes early", ErrTruncated, idName(id), size)
			}
			return fmt.Errorf("fileplay: read: %w", err)
		}
	}
	return nil
}

// lenOfVint returns the length of an EBML variable-size integer from its
// first byte (1 to 8), or 0 for the invalid 0x00.
func lenOfVint(b byte) int {
	for i := range 8 {
		if b&(0x80>>i) != 0 {
			return i + 1
		}
	}
	return 0
}

// vint decodes an EBML variable-size integer (marker removed) at the start
// of b; n is its length, 0 when b does not hold one.
func vint(b []byte) (v uint64, n int) {
	if len(b) == 0 {
		return 0, 0
	}
	n = lenOfVint(b[0])
	if n == 0 || len(b) < n {
		return 0, 0
	}
	v = uint64(b[0]) & (0xFF >> n)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	return v, n
}

// walkElements calls fn for each element directly inside b, checking that
// every element has a known size that fits.
func walkElements(b []byte, fn func(id uint32, data []byte) error) error {
	for len(b) > 0 {
		l := lenOfVint(b[0])
		if l == 0 || l > 4 || len(b) < l {
			return fmt.Errorf("%w: bad element ID", ErrCorrupt)
		}
		id := uint32(0)
		for _, c := range b[:l] {
			id = id<<8 | uint32(c)
		}
		b = b[l:]
		size, n := vint(b)
		if n == 0 {
			return fmt.Errorf("%w: bad size of %s", ErrCorrupt, idName(id))
		}
		b = b[n:]
		if size > uint64(len(b)) {
			return fmt.Errorf("%w: %s of %d bytes overruns its container", ErrChunkSize, idName(id), size)
		}
		if err := fn(id, b[:size]); err != nil {
			return err
		}
		b = b[size:]
	}
	return nil
}

// beUint decodes a big-endian unsigned integer of 0 to 8 bytes.
func beUint(b []byte) (uint64, bool) {
	if len(b) > 8 {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v, true
}

// opusSamples returns the number of 48 kHz samples in an Opus packet from
// its TOC byte (RFC 6716 §3.1), or 0 for a malformed packet.
func opusSamples(p []byte) int {
	if len(p) == 0 {
		return 0
	}
	toc := p[0]
	config := int(toc >> 3)
	var per int // samples per frame at 48 kHz
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		per = [4]int{480, 960, 1920, 2880}[config%4]
	case config < 16: // hybrid: 10, 20 ms
		per = [2]int{480, 960}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		per = [4]int{120, 240, 480, 960}[config%4]
	}
	var count int
	switch toc & 3 {
	case 0:
		count = 1
	case 1, 2:
		count = 2
	default:
		if len(p) < 2 {
			return 0
		}
		count = int(p[1] & 0x3F)
	}
	if n := per * count; n <= 5760 {
		return n
	}
	return 0
}
