// Package cdr keeps call detail records: one [Record] per call, written to
// an embedded SQLite database (modernc.org/sqlite, pure Go, so the build
// stays cgo-free) or to PostgreSQL, and listed by `pbx cdr`.
//
// # The call scenario
//
// Phone 1001 calls 1002. The SIP driver creates the inbound channel
// SIP/1001-00000001 (context default, extension 1002); the dialplan runs
// Dial(SIP/1002), which creates the outbound channel SIP/1002-00000002,
// and when 1002 answers sets DIALSTATUS=ANSWER and
// DIALEDPEERNAME=SIP/1002-00000002 on the inbound channel and bridges the
// two. Either side hangs up; both channels end. The [Writer] observes the
// channel registry: when an inbound channel ([channel.Channel.Inbound],
// or an originated one, see below) hangs up it copies what the record needs (caller ID, dialplan target,
// times, cause, variables, topology, RTP counters) and, once the peer its
// DIALEDPEERNAME names has hung up too, builds the record:
//
//	caller 1001, callee 1002, channel SIP/1001-00000001,
//	peer SIP/1002-00000002, start / answer / end, duration 12 s,
//	billsec 9 s, ANSWERED, cause 16 NORMAL_CLEARING,
//	codecs "0:audio:ulaw", RTP loss and jitter per leg
//
// Calls the PBX answers itself (600, the echo test) have no peer: the
// record is built as soon as the inbound channel hangs up. Outbound
// channels that no inbound channel's Dial answered (losing legs of a
// parallel Dial) get no record of their own. The disposition follows
// Asterisk: see [DispositionOfDialStatus] and [DispositionOfCause] and
// the order in which they apply in [Record].
//
// # Originated calls
//
// `pbx originate SIP/1001 600` creates an outbound channel that no
// inbound channel dialled, and nothing in the registry's events tells it
// from a Dial leg. Whoever originates says so with [Writer.Originated]
// between [channel.Registry.Request] and [channel.Channel.Call]: the
// channel then takes the inbound channel's place in the record (first
// leg, with the originate's context and extension as Context and
// Callee and the channel's caller ID, often empty, as the caller). When
// the dialplan it runs dials another phone, that leg is its peer as
// usual; a call that fails or is not answered is recorded too (FAILED,
// BUSY, NO ANSWER from its cause). Originating a Local channel records
// the half that runs the dialplan as an inbound call as well, as Asterisk
// does.
//
// # Never losing a record
//
//	channel hangs up ──Observe──▶ tracker ──Add──▶ queue (bounded, 10000)
//	                                                  │ one goroutine
//	                                                  ▼
//	                                       Sink.Insert, retried with backoff
//
// Observe never blocks the call: the record goes to a bounded in-memory
// queue. The Writer's single goroutine inserts records in order; when the
// database is unavailable it retries the same record with exponential
// backoff while the queue absorbs new ones. Each record carries a random
// ID that is the table's unique key, and [Store.Insert] ignores an ID it
// already has, so a retry after a lost reply does not duplicate a row.
// When the queue is full the oldest record is dropped and counted; the
// first drop of a burst is logged once. [Writer.Close] drains the queue,
// still retrying, until its context's deadline, and reports how many
// records it could not write.
//
// # Goroutines and locks
//
// The Writer owns one goroutine (started by [New], stopped and waited for
// by [Writer.Close]). Observe runs on the goroutines that create and hang
// up channels. The tracker's mutex and the Writer's mutex are never held
// together, and neither is held while calling the sink, a logger or
// [Config.OnWritten].
//
// # RTP statistics
//
// The record's RTP columns are filled from a [StatsFunc] that reads the
// driver's counters when the channel hangs up (cmd/pbx supplies one for
// the SIP driver): packets received and sent, packets lost and
// interarrival jitter measured on what we received, and — when the far
// end sends RTCP receiver reports — its view of our stream (lost, jitter)
// and the round-trip time. The SIP driver keeps a call's final counters
// when its media stops, so a leg whose far end hung up (BYE) has them as
// well as one the PBX hung up. A leg without counters has NULL columns
// (nil [Record.RTP]): drivers that keep none (Local, the console). Not
// recorded yet: MOS or R-factor estimates, per-interval (as opposed to
// whole-call) quality, and counters of streams removed during the call
// (a stream's counters are taken from the topology in force at hang-up).
//
// # Schema
//
// One table, cdr, created when the store opens: an id, record_id
// (unique), uniqueid, caller_num, caller_name, context, callee, channel,
// peer_channel, start_time, answer_time (NULL unanswered), end_time,
// duration, billsec, disposition, dial_status, hangup_cause,
// hangup_cause_name, peer_hangup_cause, codecs, peer_codecs, and for each
// leg (rtp_ and peer_rtp_) packets_received, packets_sent, lost,
// jitter_ms, remote_lost, remote_jitter_ms, rtt_ms and streams. SQLite
// stores times as UTC text ("2006-01-02T15:04:05.000000Z"), PostgreSQL
// as TIMESTAMPTZ.
//
// # Tests
//
// go test ./cdr/ runs everything but the PostgreSQL test, which needs the
// server binaries (Debian: apt-get install -y postgresql) and runs with
//
//	go test -tags postgres -run Postgres ./cdr/
//
// It starts a throwaway cluster in a temporary directory on a loopback
// port and fails, naming the install command, when initdb or pg_ctl is
// missing.
package cdr
