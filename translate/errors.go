package translate

import (
	"errors"
	"fmt"
)

// Sentinel errors. Build errors wrap them with the operation and the two
// formats ("translate: build ulaw -> h264: ..."); test with [errors.Is].
var (
	// ErrNoTranslationPath means no chain of registered steps leads from the
	// source format to the destination format. [ErrUnknownFormat] and
	// [ErrVideo] wrap it, so one errors.Is check covers every "cannot
	// translate" outcome.
	ErrNoTranslationPath = errors.New("translate: no translation path")

	// ErrUnknownFormat means a format is not known to the registry (no step
	// reads or writes it).
	ErrUnknownFormat = fmt.Errorf("%w: unknown format", ErrNoTranslationPath)

	// ErrVideo means a video format was given: video is never transcoded.
	// Video streams are passed through or refused, never translated.
	ErrVideo = fmt.Errorf("%w: video is never transcoded", ErrNoTranslationPath)

	// ErrSameFormat means source and destination are the same codec
	// ([format.Format.Is]). The caller needs no path and should pass frames
	// through untouched; an identity path would only copy them.
	ErrSameFormat = errors.New("translate: source and destination formats are the same")

	// ErrInvalidStep is returned by [Registry.Register] for a step with a
	// zero format, no constructor, mixed media types, or a non-audio step
	// without an explicit table cost.
	ErrInvalidStep = errors.New("translate: invalid step")

	// ErrDuplicateStep is returned by [Registry.Register] when a step for the
	// same source and destination is already registered.
	ErrDuplicateStep = errors.New("translate: duplicate step")

	// ErrNotVoice is returned by Translate for a frame that is not a voice
	// frame (video frames get [ErrVideo]).
	ErrNotVoice = errors.New("translate: not a voice frame")

	// ErrFormatMismatch is returned by Translate for a voice frame whose
	// format is not the path's source format.
	ErrFormatMismatch = errors.New("translate: frame format does not match the path source")

	// ErrBadPayload is returned by Translate when a payload cannot be
	// decoded: an odd byte count for signed linear, or a malformed Opus
	// packet.
	ErrBadPayload = errors.New("translate: malformed payload")

	// ErrNoAudio is returned by [Registry.BestChoice] when one of the
	// capability sets holds no audio format. It wraps [ErrNoTranslationPath].
	ErrNoAudio = fmt.Errorf("%w: no audio format", ErrNoTranslationPath)
)
