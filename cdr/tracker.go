package cdr

import (
	"slices"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
)

// tracker pairs each inbound channel with the peer its Dial answered and
// hands the record of each finished call to emit.
//
// A record is complete when the inbound channel has hung up and so has
// its peer (named by the inbound channel's DIALEDPEERNAME). Either may
// hang up first: when the inbound channel ends first, its leg waits on
// the live peer; when the peer ends first, its leg is kept until no live
// inbound channel can still name it — that is, until every inbound
// channel that was live when it ended has ended too.
//
// The tracker's methods run on the goroutines that create and hang up
// channels (registry observers). They never block: mu is held only for
// map updates, and snapshots and emit run without it.
type tracker struct {
	stats StatsFunc
	emit  func(Record)

	mu  sync.Mutex
	seq uint64 // event counter, orders births and ends
	// inbound holds the live inbound channels with their birth seq.
	inbound map[*channel.Channel]uint64
	// legs holds outbound channels by name: live ones, and ended ones an
	// inbound channel may still name.
	legs map[string]*trackedLeg
	// ended lists ended legs in end order, for pruning.
	ended []*trackedLeg
}

type trackedLeg struct {
	ch     *channel.Channel
	done   bool   // the channel hung up; snap is its final state
	endSeq uint64 // seq when it ended
	snap   leg
	// waiter is the inbound leg whose record waits for this leg to end.
	waiter *leg
}

func newTracker(stats StatsFunc, emit func(Record)) *tracker {
	return &tracker{
		stats: stats, emit: emit,
		inbound: map[*channel.Channel]uint64{},
		legs:    map[string]*trackedLeg{},
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
			t.inbound[ch] = t.seq
		} else {
			t.legs[ch.Name()] = &trackedLeg{ch: ch}
		}
		t.mu.Unlock()
	case "hangup":
		end := ev.Time
		if end.IsZero() {
			end = time.Now()
		}
		snap := snapshot(ch, end, t.stats)
		if ch.Inbound() {
			t.inboundEnded(ch, snap)
		} else {
			t.peerEnded(ch, snap)
		}
	}
}

func (t *tracker) inboundEnded(ch *channel.Channel, in leg) {
	var peer *leg
	t.mu.Lock()
	t.seq++
	delete(t.inbound, ch)
	if tl := t.legs[in.peerName]; in.peerName != "" && tl != nil {
		if !tl.done {
			tl.waiter = &in
			t.pruneLocked()
			t.mu.Unlock()
			return
		}
		peer = &tl.snap
		delete(t.legs, in.peerName)
	}
	t.pruneLocked()
	t.mu.Unlock()
	t.emit(newRecord(in, peer))
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
	if len(t.inbound) == 0 { // nobody can name it
		delete(t.legs, snap.name)
		t.mu.Unlock()
		return
	}
	tl.done, tl.endSeq, tl.snap = true, t.seq, snap
	t.legs[snap.name] = tl
	t.ended = append(t.ended, tl)
	t.mu.Unlock()
}

// pruneLocked forgets ended legs that no live inbound channel can name:
// those that ended before the oldest live inbound channel was created.
func (t *tracker) pruneLocked() {
	oldest := t.seq + 1
	for _, born := range t.inbound {
		oldest = min(oldest, born)
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
