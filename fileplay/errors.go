package fileplay

import "errors"

// Sentinel errors. Functions wrap them with the operation and the file
// ("fileplay: open sounds/en/welcome.wav: ..."); test with [errors.Is].
var (
	// ErrNotFound means no file of a prompt name exists in any format the
	// package reads, in any language directory searched.
	ErrNotFound = errors.New("fileplay: file not found")

	// ErrBadHeader means a file does not start the way its format requires:
	// no "RIFF"/"WAVE" magic, a "fmt " chunk with inconsistent fields, a
	// Matroska file without its EBML header or with another DocType.
	ErrBadHeader = errors.New("fileplay: bad file header")

	// ErrChunkSize means a chunk or element declares a size that cannot be
	// right: larger than its container, a "fmt " chunk too short, a data
	// chunk that is not a whole number of samples.
	ErrChunkSize = errors.New("fileplay: wrong chunk size")

	// ErrTruncated means the file ends before the data its header
	// announced, or in the middle of a sample, chunk or element.
	ErrTruncated = errors.New("fileplay: file truncated")

	// ErrCorrupt means a container's structure is malformed in another way
	// (a Matroska block for an unknown track, bad lacing, a cluster before
	// the track list).
	ErrCorrupt = errors.New("fileplay: corrupt file")

	// ErrUnsupported means the file is well formed but uses something this
	// package does not play or write: stereo WAV, a sample rate other than
	// 8, 16 or 48 kHz, a codec without a format, an unknown extension.
	ErrUnsupported = errors.New("fileplay: unsupported file format")

	// ErrNoStream means nothing in the file can be played to the channel:
	// it has no stream of the media type of any track.
	ErrNoStream = errors.New("fileplay: no stream for the file's tracks")

	// ErrClosed is returned by writers used after Close.
	ErrClosed = errors.New("fileplay: writer closed")

	// ErrBadArgs is returned by the dialplan applications and by Record and
	// MixMonitor for malformed arguments.
	ErrBadArgs = errors.New("fileplay: bad arguments")
)
