package cdr

import (
	"log/slog"
	"time"
)

// Defaults of [Config].
const (
	DefaultQueueLen       = 10000
	DefaultMinBackoff     = 100 * time.Millisecond
	DefaultMaxBackoff     = 30 * time.Second
	DefaultAttemptTimeout = 10 * time.Second
)

// Config configures a [Writer]. The zero value of every field but Sink
// means its default.
type Config struct {
	// Sink stores the records. Required.
	Sink Sink
	// QueueLen bounds the records waiting for the sink
	// (DefaultQueueLen); beyond it the oldest is dropped.
	QueueLen int
	// MinBackoff and MaxBackoff bound the wait between retries of a failed
	// insert, which doubles from MinBackoff up to MaxBackoff.
	MinBackoff, MaxBackoff time.Duration
	// AttemptTimeout bounds one insert attempt.
	AttemptTimeout time.Duration
	// Stats reads the RTP counters of a channel that hung up; nil leaves
	// [Record.RTP] and [Record.PeerRTP] empty.
	Stats StatsFunc
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
	// OnWritten, when set, is called on the writer goroutine after each
	// record the sink stored, in order. It must not block for long: the
	// queue waits. Tests use it to wait for a record without polling.
	OnWritten func(Record)
}

func (c *Config) defaults() {
	if c.QueueLen <= 0 {
		c.QueueLen = DefaultQueueLen
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	c.MaxBackoff = max(c.MaxBackoff, c.MinBackoff)
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Options say which database [Open] uses.
type Options struct {
	// SQLite is the path of the SQLite database file, created with its
	// schema when missing (its directory must exist).
	SQLite string
	// Postgres is a PostgreSQL connection string, a URL
	// ("postgres://user:pass@host:5432/db?sslmode=disable") or key=value
	// pairs. When set it is used instead of SQLite.
	Postgres string
	// Logger is the base logger; nil means slog.Default().
	Logger *slog.Logger
}
