package cdr

import (
	"slices"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// tracker pairs each first leg — an inbound channel, or an outbound one
// the PBX originated ([Writer.Originated]) — with the peer its Dial
// answered and hands the record of each finished call to emit.
//
// A record is complete when the first leg has hung up and so has its
// peer (named by the first leg's DIALEDPEERNAME). Either may hang up
// first: when the first leg ends first, it waits on the live peer; when
// the peer ends first, its leg is kept until no live first leg can still
// name it — that is, until every first leg that was live when it ended
// has ended too.
//
// The tracker's methods run on the goroutines that create and hang up
// channels (registry observers). They never block: mu is held only for
// map updates, and snapshots and emit run without it.
type tracker struct {
	stats StatsFunc
	emit  func(Record)

	mu  sync.Mutex
	seq uint64 // event counter, orders births and ends
	// first holds the live first legs.
	first map[*channel.Channel]firstLeg
	// legs holds the other (outbound) channels by name: live ones, and
	// ended ones a first leg may still name.
	legs map[string]*trackedLeg
	// ended lists ended legs in end order, for pruning.
	ended []*trackedLeg
}

// firstLeg is a live channel whose hang-up makes a record.
type firstLeg struct {
	born uint64 // seq when it was created
	// context and exten, when set, are where an originated channel runs
	// the dialplan (an inbound channel says itself).
	context, exten string
}

type trackedLeg struct {
	ch     *channel.Channel
	born   uint64 // seq when it was created
	done   bool   // the channel hung up; snap is its final state
	endSeq uint64 // seq when it ended
	snap   leg
	// waiter is the first leg whose record waits for this leg to end.
	waiter *leg
}

func newTracker(stats StatsFunc, emit func(Record)) *tracker {
	return &tracker{
		stats: stats, emit: emit,
		first: map[*channel.Channel]firstLeg{},
		legs:  map[string]*trackedLeg{},
	}
}

// observe handles a registry event.
func (t *tracker) observe(ev channel.Event) {
	ch := ev.Channel
	if ch == nil {
		return
	}
	switch ev.Type {
	case "new":
		t.mu.Lock()
		t.seq++
		if ch.Inbound() {
			t.first[ch] = firstLeg{born: t.seq}
		} else {
			t.legs[ch.Name()] = &trackedLeg{ch: ch, born: t.seq}
		}
		t.mu.Unlock()
	case "hangup":
		end := ev.Time
		if end.IsZero() {
			end = time.Now()
		}
		snap := snapshot(ch, end, t.stats)
		if !t.firstEnded(ch, snap) {
			t.peerEnded(ch, snap)
		}
	}
}

// originated makes the outbound channel ch a first leg running the
// dialplan at exten@context; false when the tracker no longer knows ch.
func (t *tracker) originated(ch *channel.Channel, context, exten string) bool {
	t.mu.Lock()
	tl := t.legs[ch.Name()]
	if tl == nil || tl.ch != ch {
		t.mu.Unlock()
		return false
	}
	delete(t.legs, ch.Name())
	if !tl.done {
		t.first[ch] = firstLeg{born: tl.born, context: context, exten: exten}
		t.mu.Unlock()
		return true
	}
	// It hung up already, and a first leg was live then: record it now
	// (it ran no dialplan, so it has no peer).
	t.pruneLocked()
	t.mu.Unlock()
	in := tl.snap
	in.context, in.exten = context, exten
	t.emit(newRecord(in, nil))
	return true
}

// firstEnded handles the hang-up of ch when it is a first leg; false when
// it is not.
func (t *tracker) firstEnded(ch *channel.Channel, in leg) bool {
	var peer *leg
	t.mu.Lock()
	fl, ok := t.first[ch]
	if !ok {
		t.mu.Unlock()
		return false
	}
	t.seq++
	delete(t.first, ch)
	if fl.context != "" || fl.exten != "" {
		in.context, in.exten = fl.context, fl.exten
	}
	if tl := t.legs[in.peerName]; in.peerName != "" && tl != nil {
		if !tl.done {
			tl.waiter = &in
			t.pruneLocked()
			t.mu.Unlock()
			return true
		}
		peer = &tl.snap
		delete(t.legs, in.peerName)
	}
	t.pruneLocked()
	t.mu.Unlock()
	t.emit(newRecord(in, peer))
	return true
}

func (t *tracker) peerEnded(ch *channel.Channel, snap leg) {
	t.mu.Lock()
	t.seq++
	tl := t.legs[snap.name]
	if tl == nil { // created before the tracker observed the registry
		tl = &trackedLeg{ch: ch}
	}
	if w := tl.waiter; w != nil {
		delete(t.legs, snap.name)
		t.mu.Unlock()
		t.emit(newRecord(*w, &snap))
		return
	}
	if len(t.first) == 0 { // nobody can name it
		delete(t.legs, snap.name)
		t.mu.Unlock()
		return
	}
	tl.done, tl.endSeq, tl.snap = true, t.seq, snap
	t.legs[snap.name] = tl
	t.ended = append(t.ended, tl)
	t.mu.Unlock()
}

// pruneLocked forgets ended legs that no live first leg can name: those
// that ended before the oldest live first leg was created.
func (t *tracker) pruneLocked() {
	oldest := t.seq + 1
	for _, fl := range t.first {
		oldest = min(oldest, fl.born)
	}
	n := 0
	for n < len(t.ended) && t.ended[n].endSeq < oldest {
		tl := t.ended[n]
		if t.legs[tl.snap.name] == tl {
			delete(t.legs, tl.snap.name)
		}
		n++
	}
	t.ended = slices.Delete(t.ended, 0, n)
}

// flush emits the records still waiting on a live peer, with the peer's
// state as it is now, and forgets everything. The writer calls it when it
// closes (after the registry hung every channel up, there are none).
func (t *tracker) flush() {
	t.mu.Lock()
	var waiting []*trackedLeg
	for _, tl := range t.legs {
		if tl.waiter != nil {
			waiting = append(waiting, tl)
		}
	}
	t.legs = map[string]*trackedLeg{}
	t.ended = nil
	t.mu.Unlock()
	now := time.Now()
	for _, tl := range waiting {
		peer := snapshot(tl.ch, now, t.stats)
		t.emit(newRecord(*tl.waiter, &peer))
	}
}
