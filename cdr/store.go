package cdr

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go

	"github.com/pbx-dev/pbx/core/channel"
)

// Store is a call record database: SQLite (embedded, pure Go) or
// PostgreSQL. It implements [Sink] for the [Writer] and lists records for
// `pbx cdr`. The schema — one table, cdr — is created when the store
// opens, or, when the database is unreachable then, before the first
// insert that reaches it. Safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect *dialect

	mu    sync.Mutex
	ready bool // the schema exists
}

var _ Sink = (*Store)(nil)

// postgresOpenTimeout bounds Open's first attempt to reach PostgreSQL, so
// that an unreachable server does not hold up the PBX's start.
const postgresOpenTimeout = 5 * time.Second

// Open opens the database o names: PostgreSQL when o.Postgres is set,
// else the SQLite file o.SQLite.
//
// A SQLite database that cannot be opened or given its schema is an
// error. A PostgreSQL server that cannot be reached is not: Open logs a
// warning and returns the store, whose inserts fail (and are retried by
// the Writer) until the server is back, so the PBX starts and keeps its
// records while the database is down. An invalid DSN is an error.
func Open(ctx context.Context, o Options) (*Store, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	switch {
	case o.Postgres != "":
		s, err := OpenPostgres(o.Postgres)
		if err != nil {
			return nil, err
		}
		sctx, cancel := context.WithTimeout(ctx, postgresOpenTimeout)
		defer cancel()
		if err := s.ensureSchema(sctx); err != nil {
			log.Warn("cdr database unavailable; call records are queued until it is back", "error", err)
		}
		return s, nil
	case o.SQLite != "":
		s, err := OpenSQLite(o.SQLite)
		if err != nil {
			return nil, err
		}
		if err := s.ensureSchema(ctx); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	return nil, ErrNoDatabase
}

// OpenSQLite opens (creating it when missing) the SQLite database at path.
// It does not touch the file yet; the schema is created on first use.
// The database is opened in WAL mode with a 5 s busy timeout, so other
// processes (the sqlite3 shell, a test) can read it while the PBX writes.
func OpenSQLite(path string) (*Store, error) {
	if path == "" {
		return nil, ErrNoDatabase
	}
	dsn := path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cdr: open sqlite %s: %w", path, err)
	}
	// One connection: SQLite has one writer anyway, and the busy timeout
	// covers other processes.
	db.SetMaxOpenConns(1)
	return &Store{db: db, dialect: sqliteDialect}, nil
}

// OpenPostgres returns a store on the PostgreSQL server dsn names, through
// pgx's database/sql driver. It checks the DSN but does not connect.
func OpenPostgres(dsn string) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("cdr: postgres dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4)
	db.SetConnMaxIdleTime(time.Minute)
	return &Store{db: db, dialect: postgresDialect}, nil
}

// Backend returns "sqlite" or "postgres".
func (s *Store) Backend() string { return s.dialect.name }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// ensureSchema creates the table and its index unless done already.
func (s *Store) ensureSchema(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return nil
	}
	for _, q := range s.dialect.schema() {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("cdr: %s schema: %w", s.dialect.name, err)
		}
	}
	s.ready = true
	return nil
}

// Insert implements [Sink]: it stores r, or does nothing when a record
// with r.ID is stored already.
func (s *Store) Insert(ctx context.Context, r Record) error {
	if err := s.ensureSchema(ctx); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.dialect.insert, s.dialect.values(&r)...); err != nil {
		return fmt.Errorf("cdr: insert %s: %w", r.ID, err)
	}
	return nil
}

// Recent returns up to limit records, the most recently stored first.
func (s *Store) Recent(ctx context.Context, limit int) ([]Record, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.recent, limit)
	if err != nil {
		return nil, fmt.Errorf("cdr: list: %w", err)
	}
	defer rows.Close()
	list := []Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("cdr: list: %w", err)
		}
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cdr: list: %w", err)
	}
	return list, nil
}

// column is one column of the cdr table.
type column struct {
	name string
	kind kind
	null bool
}

type kind int

const (
	kText kind = iota + 1
	kInt
	kReal
	kTime
)

// columns lists the cdr table after its id, in the order of
// [dialect.values] and [scanRecord].
var columns = []column{
	{"record_id", kText, false},
	{"uniqueid", kText, false},
	{"caller_num", kText, false},
	{"caller_name", kText, false},
	{"context", kText, false},
	{"callee", kText, false},
	{"channel", kText, false},
	{"peer_channel", kText, false},
	{"start_time", kTime, false},
	{"answer_time", kTime, true},
	{"end_time", kTime, false},
	{"duration", kInt, false},
	{"billsec", kInt, false},
	{"disposition", kText, false},
	{"dial_status", kText, false},
	{"hangup_cause", kInt, false},
	{"hangup_cause_name", kText, false},
	{"peer_hangup_cause", kInt, true},
	{"codecs", kText, false},
	{"peer_codecs", kText, false},
	{"rtp_packets_received", kInt, true},
	{"rtp_packets_sent", kInt, true},
	{"rtp_lost", kInt, true},
	{"rtp_jitter_ms", kReal, true},
	{"rtp_remote_lost", kInt, true},
	{"rtp_remote_jitter_ms", kReal, true},
	{"rtp_rtt_ms", kReal, true},
	{"rtp_streams", kText, true},
	{"peer_rtp_packets_received", kInt, true},
	{"peer_rtp_packets_sent", kInt, true},
	{"peer_rtp_lost", kInt, true},
	{"peer_rtp_jitter_ms", kReal, true},
	{"peer_rtp_remote_lost", kInt, true},
	{"peer_rtp_remote_jitter_ms", kReal, true},
	{"peer_rtp_rtt_ms", kReal, true},
	{"peer_rtp_streams", kText, true},
}

// dialect is what differs between SQLite and PostgreSQL.
type dialect struct {
	name   string
	id     string          // the id column's definition
	types  map[kind]string // column types
	param  func(i int) string
	time   func(t time.Time) any // how a time is bound
	insert string
	recent string
}

// sqliteTime is how times are stored in SQLite: UTC text of fixed width,
// so that text order is time order, readable in the sqlite3 shell.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

var sqliteDialect = newDialect(&dialect{
	name:  "sqlite",
	id:    "id INTEGER PRIMARY KEY AUTOINCREMENT",
	types: map[kind]string{kText: "TEXT", kInt: "INTEGER", kReal: "REAL", kTime: "TEXT"},
	param: func(int) string { return "?" },
	time:  func(t time.Time) any { return t.UTC().Format(sqliteTime) },
})

var postgresDialect = newDialect(&dialect{
	name:  "postgres",
	id:    "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	types: map[kind]string{kText: "TEXT", kInt: "BIGINT", kReal: "DOUBLE PRECISION", kTime: "TIMESTAMPTZ"},
	param: func(i int) string { return fmt.Sprintf("$%d", i) },
	time:  func(t time.Time) any { return t },
})

func newDialect(d *dialect) *dialect {
	names := make([]string, len(columns))
	params := make([]string, len(columns))
	for i, c := range columns {
		names[i] = c.name
		params[i] = d.param(i + 1)
	}
	list := strings.Join(names, ", ")
	d.insert = fmt.Sprintf("INSERT INTO cdr (%s) VALUES (%s) ON CONFLICT (record_id) DO NOTHING",
		list, strings.Join(params, ", "))
	d.recent = fmt.Sprintf("SELECT %s FROM cdr ORDER BY id DESC LIMIT %s", list, d.param(1))
	return d
}

// schema returns the statements that create the table and its index.
func (d *dialect) schema() []string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS cdr (\n\t%s", d.id)
	for _, c := range columns {
		fmt.Fprintf(&b, ",\n\t%s %s", c.name, d.types[c.kind])
		if !c.null {
			b.WriteString(" NOT NULL")
		}
		if c.name == "record_id" {
			b.WriteString(" UNIQUE")
		}
	}
	b.WriteString("\n)")
	return []string{b.String(), "CREATE INDEX IF NOT EXISTS cdr_start_time ON cdr (start_time)"}
}

// values returns r's column values in [columns] order.
func (d *dialect) values(r *Record) []any {
	var answer any
	if !r.Answer.IsZero() {
		answer = d.time(r.Answer)
	}
	var peerCause any
	if r.PeerChannel != "" {
		peerCause = int64(r.PeerCause)
	}
	v := []any{
		r.ID, r.UniqueID, r.CallerNum, r.CallerName, r.Context, r.Callee, r.Channel, r.PeerChannel,
		d.time(r.Start), answer, d.time(r.End), int64(r.Duration), int64(r.BillSec),
		r.Disposition.String(), r.DialStatus, int64(r.Cause), r.CauseName, peerCause,
		r.Codecs, r.PeerCodecs,
	}
	return append(append(v, rtpValues(r.RTP)...), rtpValues(r.PeerRTP)...)
}

func rtpValues(s *RTPSummary) []any {
	if s == nil {
		return make([]any, 8)
	}
	return []any{int64(s.PacketsReceived), int64(s.PacketsSent), s.Lost, s.JitterMS,
		s.RemoteLost, s.RemoteJitterMS, s.RTTMS, s.Streams}
}

// scanRecord reads one row of [columns].
func scanRecord(rows *sql.Rows) (Record, error) {
	var r Record
	var start, answer, end dbTime
	var disp string
	var dur, bill, cause int64
	var peerCause sql.NullInt64
	var rtp, peer rtpScan
	dest := []any{
		&r.ID, &r.UniqueID, &r.CallerNum, &r.CallerName, &r.Context, &r.Callee, &r.Channel, &r.PeerChannel,
		&start, &answer, &end, &dur, &bill,
		&disp, &r.DialStatus, &cause, &r.CauseName, &peerCause,
		&r.Codecs, &r.PeerCodecs,
	}
	dest = append(append(dest, rtp.dest()...), peer.dest()...)
	if err := rows.Scan(dest...); err != nil {
		return Record{}, err
	}
	r.Start, r.Answer, r.End = start.t, answer.t, end.t
	r.Duration, r.BillSec = int(dur), int(bill)
	r.Cause, r.PeerCause = channel.Cause(cause), channel.Cause(peerCause.Int64)
	d, err := ParseDisposition(disp)
	if err != nil {
		return Record{}, err
	}
	r.Disposition = d
	r.RTP, r.PeerRTP = rtp.summary(), peer.summary()
	return r, nil
}

type rtpScan struct {
	rx, tx, lost, remoteLost sql.NullInt64
	jitter, remoteJitter     sql.NullFloat64
	rtt                      sql.NullFloat64
	streams                  sql.NullString
}

func (s *rtpScan) dest() []any {
	return []any{&s.rx, &s.tx, &s.lost, &s.jitter, &s.remoteLost, &s.remoteJitter, &s.rtt, &s.streams}
}

func (s *rtpScan) summary() *RTPSummary {
	if !s.streams.Valid {
		return nil
	}
	return &RTPSummary{
		PacketsReceived: uint64(s.rx.Int64), PacketsSent: uint64(s.tx.Int64),
		Lost: s.lost.Int64, JitterMS: s.jitter.Float64,
		RemoteLost: s.remoteLost.Int64, RemoteJitterMS: s.remoteJitter.Float64, RTTMS: s.rtt.Float64,
		Streams: s.streams.String,
	}
}

// dbTime scans a time stored by either dialect: a time.Time
// (PostgreSQL's TIMESTAMPTZ) or sqliteTime text; NULL is the zero time.
type dbTime struct{ t time.Time }

func (d *dbTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		d.t = time.Time{}
	case time.Time:
		d.t = v
	case string:
		return d.parse(v)
	case []byte:
		return d.parse(string(v))
	default:
		return fmt.Errorf("cdr: time column holds %T", v)
	}
	return nil
}

func (d *dbTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("cdr: time column: %w", err)
	}
	d.t = t
	return nil
}
