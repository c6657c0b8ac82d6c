package fileplay

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
)

// RecordStatus is how a recording ended: the value of the dialplan's
// RECORD_STATUS variable. The zero value is RecordUnknown.
type RecordStatus uint8

// Record statuses.
const (
	RecordUnknown RecordStatus = iota
	// RecordDTMF: a terminator digit ended the recording.
	RecordDTMF
	// RecordSilence: the caller was silent for the silence time.
	RecordSilence
	// RecordSkip: the channel was not answered and the s option was set.
	RecordSkip
	// RecordTimeout: the maximum duration passed.
	RecordTimeout
	// RecordHangup: the caller hung up.
	RecordHangup
	// RecordError: the recording could not be made.
	RecordError
	// RecordOperator: the caller pressed 0 and the o option was set.
	RecordOperator
)

// String returns the RECORD_STATUS value: "DTMF", "SILENCE", "SKIP",
// "TIMEOUT", "HANGUP", "ERROR" or "OPERATOR".
func (s RecordStatus) String() string {
	switch s {
	case RecordDTMF:
		return "DTMF"
	case RecordSilence:
		return "SILENCE"
	case RecordSkip:
		return "SKIP"
	case RecordTimeout:
		return "TIMEOUT"
	case RecordHangup:
		return "HANGUP"
	case RecordError:
		return "ERROR"
	case RecordOperator:
		return "OPERATOR"
	case RecordUnknown:
		return "UNKNOWN"
	}
	return "UNKNOWN"
}

// DefaultSilenceThreshold is the mean absolute amplitude (of 16-bit
// samples) below which a 20 ms frame counts as silence, as in Asterisk's
// DSP.
const DefaultSilenceThreshold = 256

// RecordOptions are Record's parameters and options (Asterisk's letters in
// parentheses).
type RecordOptions struct {
	// Silence ends the recording after this much continuous silence
	// (RECORD_STATUS SILENCE); 0 disables silence detection.
	Silence time.Duration
	// MaxDuration ends the recording after this long (TIMEOUT); 0 means no
	// limit.
	MaxDuration time.Duration
	// Terminators are the DTMF digits that end the recording (DTMF); the
	// zero value means "#". Options t ("*"), x (none) and y (any) set it.
	Terminators string
	// NoTerminators ignores DTMF altogether (x).
	NoTerminators bool
	// Operator makes 0 end the recording with status OPERATOR (o).
	Operator bool
	// Append adds to an existing file (a).
	Append bool
	// NoAnswer records without answering first (n).
	NoAnswer bool
	// Skip returns SKIP at once when the channel is not answered (s).
	Skip bool
	// Quiet plays no beep before recording (q).
	Quiet bool
	// KeepOnHangup keeps the file when the caller hangs up (k); otherwise
	// it is deleted, as Asterisk does.
	KeepOnHangup bool
	// KeepSilence keeps the trailing silence that ended a recording (u);
	// otherwise all but its first second is cut.
	KeepSilence bool
	// SilenceThreshold overrides [DefaultSilenceThreshold].
	SilenceThreshold int
}

// anyDigit is the terminator set of option y.
const anyDigit = "0123456789*#ABCD"

// secondsDuration converts seconds to a Duration.
func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Record records what the caller says on ch's default audio stream into
// file, reading the channel until a terminator digit, silence, the
// maximum duration, hangup or the end of ctx. It returns the path written
// (the dialplan's RECORDED_FILE) and the RECORD_STATUS; err says why a
// recording is ERROR and wraps io.EOF for HANGUP.
//
// The extension picks the file format (.wav: 16-bit PCM at the stream's
// rate, 8, 16 or 48 kHz; .wav16, .sln, .sln16, .sln48, .ulaw, .alaw; .mkv
// a one-track Matroska file). Relative names are relative to the Player's
// RecordDir; "%d" becomes the first number that makes the name new.
// Unless Quiet is set it plays the prompt "beep" first. Record must run on
// the goroutine that reads ch.
func (p *Player) Record(ctx context.Context, ch *channel.Channel, file string, o RecordOptions) (string, RecordStatus, error) {
	path, err := p.recordPath(file)
	if err != nil {
		return "", RecordError, err
	}
	if o.Skip && ch.State() != channel.Up {
		return path, RecordSkip, nil
	}
	if !o.NoAnswer {
		if err := ch.Answer(ctx); err != nil {
			if errors.Is(err, channel.ErrHangup) {
				return path, RecordHangup, err
			}
			return path, RecordError, err
		}
	}
	if !o.Quiet {
		if _, err := p.Play(ctx, ch, "beep", ""); err != nil {
			switch {
			case isHangup(err):
				return path, RecordHangup, err
			case ctx.Err() != nil:
				return path, RecordError, err
			}
			// A missing or broken beep does not stop the recording.
		}
	}
	var caps format.Caps
	if s, ok := ch.Topology().Stream(ch.DefaultStream(format.Audio)); ok {
		caps = s.Formats()
	}
	sink, in, err := p.createSink(path, recordRate(caps), o.Append)
	if err != nil {
		return path, RecordError, err
	}
	rec := &recording{p: p, ch: ch, o: o, sink: sink, in: in}
	status, err := rec.run(ctx)
	if cerr := sink.Close(); cerr != nil && err == nil {
		status, err = RecordError, cerr
	}
	if status == RecordHangup && !o.KeepOnHangup {
		os.Remove(path)
	}
	return path, status, err
}

// recording is one Record in progress.
type recording struct {
	p       *Player
	ch      *channel.Channel
	o       RecordOptions
	sink    audioSink
	in      format.Format // signed linear format the sink takes
	conv    converter
	quiet   []byte // trailing silence not yet written
	scratch []byte // converted samples of the current frame
}

func (r *recording) run(ctx context.Context) (RecordStatus, error) {
	stop := context.AfterFunc(ctx, func() { r.ch.Queue(frame.NewNull()) })
	defer stop()
	defer r.ch.SetReadDeadline(time.Time{})
	terms := r.o.Terminators
	if terms == "" {
		terms = "#"
	}
	if r.o.NoTerminators {
		terms = ""
	}
	threshold := r.o.SilenceThreshold
	if threshold <= 0 {
		threshold = DefaultSilenceThreshold
	}
	rate := int64(r.in.Rate())
	silenceLimit := int64(r.o.Silence) * rate / int64(time.Second) // in samples
	var silent int64                                               // samples of silence so far
	var end time.Time
	if r.o.MaxDuration > 0 {
		end = time.Now().Add(r.o.MaxDuration)
	}
	for {
		if err := ctx.Err(); err != nil {
			return RecordError, r.finish(err)
		}
		var deadline time.Time
		if r.o.Silence > 0 {
			// No audio at all for the silence time is silence too.
			deadline = time.Now().Add(r.o.Silence - time.Duration(silent*int64(time.Second)/rate))
		}
		if !end.IsZero() && (deadline.IsZero() || end.Before(deadline)) {
			deadline = end
		}
		r.ch.SetReadDeadline(deadline)
		f, err := r.ch.Read()
		switch {
		case errors.Is(err, channel.ErrDeadline):
			if !end.IsZero() && !time.Now().Before(end) {
				return RecordTimeout, r.finish(nil)
			}
			return RecordSilence, r.trim()
		case err != nil:
			return RecordHangup, errors.Join(fmt.Errorf("fileplay: record: %w", err), r.finish(nil))
		}
		switch f.Kind {
		case frame.DTMFEnd:
			d := f.Digit
			f.Release()
			if r.o.Operator && d == '0' {
				return RecordOperator, r.finish(nil)
			}
			if d != 0 && strings.ContainsRune(terms, d) {
				return RecordDTMF, r.finish(nil)
			}
		case frame.Voice:
			samples, err := r.convert(f)
			f.Release()
			if err != nil {
				return RecordError, errors.Join(err, r.finish(nil))
			}
			if len(samples) == 0 {
				continue
			}
			if r.o.Silence <= 0 {
				if _, err := r.sink.Write(samples); err != nil {
					return RecordError, err
				}
				continue
			}
			if meanAbs(samples) < threshold {
				silent += int64(len(samples) / 2)
				r.quiet = append(r.quiet, samples...)
				if silent >= silenceLimit {
					return RecordSilence, r.trim()
				}
				continue
			}
			silent = 0
			if err := r.finish(nil); err != nil {
				return RecordError, err
			}
			if _, err := r.sink.Write(samples); err != nil {
				return RecordError, err
			}
		default:
			f.Release()
		}
	}
}

// finish writes the held-back silence (and returns err, or the write's
// error).
func (r *recording) finish(err error) error {
	if len(r.quiet) > 0 {
		_, werr := r.sink.Write(r.quiet)
		r.quiet = r.quiet[:0]
		if err == nil {
			err = werr
		}
	}
	return err
}

// trim ends a recording stopped by silence: unless KeepSilence is set,
// only the first second of the trailing silence is kept.
func (r *recording) trim() error {
	if !r.o.KeepSilence {
		keep := 2 * r.in.Rate() // one second of 16-bit samples
		if len(r.quiet) > keep {
			r.quiet = r.quiet[:keep]
		}
	}
	return r.finish(nil)
}

// convert returns a copy of f's audio as little-endian samples of the
// sink's format; the result is valid until the next call.
func (r *recording) convert(f *frame.Frame) ([]byte, error) {
	if f.Format.Is(r.in) {
		r.scratch = append(r.scratch[:0], f.Payload[:len(f.Payload)&^1]...)
		return r.scratch, nil
	}
	if r.conv.tr == nil || !r.conv.src.Is(f.Format) {
		tr, err := r.p.paths.Build(f.Format, r.in)
		if err != nil {
			return nil, fmt.Errorf("fileplay: record %s: %w", f.Format, err)
		}
		r.conv.src, r.conv.tr = f.Format, tr
	}
	g, err := r.conv.tr.Translate(f)
	if err != nil || g == nil {
		return nil, nil // a frame that does not decode is skipped
	}
	r.scratch = append(r.scratch[:0], g.Payload...)
	g.Release()
	return r.scratch, nil
}

// meanAbs returns the mean absolute value of little-endian samples.
func meanAbs(p []byte) int {
	n := len(p) / 2
	if n == 0 {
		return 0
	}
	var sum int64
	for i := range n {
		v := int64(int16(binary.LittleEndian.Uint16(p[2*i:])))
		if v < 0 {
			v = -v
		}
		sum += v
	}
	return int(sum / int64(n))
}
