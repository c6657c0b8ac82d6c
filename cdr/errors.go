package cdr

import "errors"

var (
	// ErrNoSink is returned by [New] without a Config.Sink.
	ErrNoSink = errors.New("cdr: no sink")
	// ErrNoDatabase is returned by [Open] when Options names no database.
	ErrNoDatabase = errors.New("cdr: no database configured")
	// ErrUnwritten is wrapped by [Writer.Close] when records could not be
	// written before its deadline.
	ErrUnwritten = errors.New("cdr: call records not written")
	// ErrBadDisposition is returned when parsing an unknown disposition.
	ErrBadDisposition = errors.New("cdr: unknown disposition")
)
