package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/stream"
	"github.com/pbx-dev/pbx/core/topology"
)

// techBox lets an interface value live in an atomic.Pointer.
type techBox struct{ t Technology }

// Bridge holds channels and moves media between them with a [Technology]:
// simple or native for two parties, mixing for more (or from the start with
// Config.Conference). See the package documentation for the lifecycle.
//
// Goroutines: a bridge runs no goroutine per member — each member's
// goroutine is the one that called [Bridge.Join]. A mixing bridge owns one
// ticker goroutine, started when the mixing technology becomes current and
// stopped (and waited for) when the bridge dissolves or is closed. A
// conference bridge starts it in [New]: call [Bridge.Close] (or configure
// DissolveWhenEmpty) to stop it.
//
// Locking: mu guards membership, the slot list, the technology choice and
// per-member work. No channel, driver, hook or callback is called with mu
// held; work for a channel is queued on its Member and carried out by the
// member's goroutine.
type Bridge struct {
	cfg    Config
	log    *slog.Logger
	manual bool // tests: the mixer is ticked by hand

	ctx    context.Context
	cancel context.CancelFunc
	epoch  time.Time // monotonic base of Member.vuNext

	tech atomic.Pointer[techBox]   // current technology, read per frame
	snap atomic.Pointer[[]*Member] // members, read per frame

	mu           sync.Mutex
	members      []*Member // copy-on-write; snap holds the same slice
	gen          uint64    // bumped on every membership change
	slots        topology.Slots
	cur          Technology
	next         Technology // mixing, waiting for members' read formats
	simple       *simple
	closed       bool
	nativeFailed bool      // StartNative failed; reset on membership change
	wakes        []*Member // members to wake when mu is released
}

// New returns a bridge ready for [Bridge.Join]. A conference bridge starts
// its mixer's ticker at once.
func New(cfg Config) (*Bridge, error) { return newBridge(cfg, false) }

func newBridge(cfg Config, manual bool) (*Bridge, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	b := &Bridge{cfg: cfg, manual: manual, epoch: time.Now()}
	b.log = cfg.Logger.With("bridge", cfg.ID)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.simple = &simple{b: b}
	b.cur = b.simple
	if cfg.Conference {
		b.cur = newMixing(b)
	}
	b.tech.Store(&techBox{b.cur})
	empty := []*Member{}
	b.snap.Store(&empty)
	b.cur.Start()
	return b, nil
}

// ID returns the bridge's id (Config.ID).
func (b *Bridge) ID() string { return b.cfg.ID }

// Context returns the bridge's lifetime context, cancelled when the bridge
// dissolves.
func (b *Bridge) Context() context.Context { return b.ctx }

// Done is closed when the bridge has dissolved.
func (b *Bridge) Done() <-chan struct{} { return b.ctx.Done() }

// Technology returns the name of the technology moving media now:
// "simple", "native" or "mixing".
func (b *Bridge) Technology() string { return b.tech.Load().t.Name() }

// Members returns the member channels in join order.
func (b *Bridge) Members() []*channel.Channel {
	ms := *b.snap.Load()
	out := make([]*channel.Channel, len(ms))
	for i, m := range ms {
		out[i] = m.ch
	}
	return out
}

// LogValue implements [slog.LogValuer].
func (b *Bridge) LogValue() slog.Value { return slog.StringValue(b.cfg.ID) }

// String returns the bridge's id.
func (b *Bridge) String() string { return b.cfg.ID }

// JoinOption configures one [Bridge.Join].
type JoinOption func(*joinOptions)

type joinOptions struct{ muted bool }

// WithMuted joins the channel muted: the others do not hear it (see
// [Bridge.Mute]).
func WithMuted(on bool) JoinOption { return func(o *joinOptions) { o.muted = on } }

// Join adds ch to the bridge and runs ch's media loop on the calling
// goroutine until ch leaves: it hangs up (LeaveHangup), [Bridge.Remove]
// takes it out (LeaveRemoved), the bridge dissolves (LeaveDissolved) or
// ctx is done (LeaveContext). Join returns the reason; except after a
// hangup the channel is alive and its caller decides what happens next
// (more dialplan, hang up, another bridge), as Dial does.
//
// The calling goroutine must be the only reader of ch while Join runs
// (it calls ch.ReadStream). Join fails at once with ErrClosed on a
// dissolved bridge, ErrAlreadyJoined for a member, and channel.ErrHangup
// for a channel that hung up.
//
// On the way out Join restores what the bridge changed on a surviving
// channel: its read format and read deadline are cleared and the video
// destination streams a conference added are marked removed.
func (b *Bridge) Join(ctx context.Context, ch *channel.Channel, opts ...JoinOption) (LeaveReason, error) {
	var o joinOptions
	for _, fn := range opts {
		fn(&o)
	}
	select {
	case <-ch.Done():
		return LeaveUnknown, fmt.Errorf("bridge: join %s to %s: %w", ch, b.cfg.ID, channel.ErrHangup)
	default:
	}
	m := &Member{b: b, ch: ch, readPos: -1}
	m.muted.Store(o.muted)
	b.mu.Lock()
	if b.closed {
		b.unlock()
		return LeaveUnknown, fmt.Errorf("bridge: join %s to %s: %w", ch, b.cfg.ID, ErrClosed)
	}
	if slices.ContainsFunc(b.members, func(x *Member) bool { return x.ch == ch }) {
		b.unlock()
		return LeaveUnknown, fmt.Errorf("bridge: join %s to %s: %w", ch, b.cfg.ID, ErrAlreadyJoined)
	}
	b.setMembersLocked(append(slices.Clone(b.members), m))
	b.mapLocked(m)
	b.cur.JoinLocked(m)
	if b.next != nil {
		b.next.JoinLocked(m)
	}
	m.work.Store(true)
	b.unlock()
	b.log.Info("bridge joined", "channel", ch)
	b.emit(Event{Type: EventJoined, Bridge: b, Channel: ch})
	b.reevaluate()

	stop := context.AfterFunc(ctx, func() { b.kick(m, LeaveContext) })
	reason := b.loop(m)
	stop()
	b.leave(m, reason)
	return reason, nil
}

// loop is a member's media loop, on the goroutine that called Join.
func (b *Bridge) loop(m *Member) LeaveReason {
	for {
		if m.work.Load() {
			if r := b.service(m); r != LeaveUnknown {
				return r
			}
		}
		b.requestKeyframe(m)
		b.armDeadline(m)
		f, err := m.ch.ReadStream()
		if err != nil {
			if errors.Is(err, channel.ErrDeadline) {
				m.deadline = time.Time{}
				m.ch.SetReadDeadline(time.Time{})
				if !m.nativeDue.IsZero() && !time.Now().Before(m.nativeDue) {
					m.nativeDue = time.Time{}
					b.reevaluate()
				}
				continue
			}
			return LeaveHangup
		}
		b.handle(m, f)
	}
}

// handle processes one frame read from m (owned) and releases it.
func (b *Bridge) handle(m *Member, f *frame.Frame) {
	switch {
	case f.Kind == frame.Null:
	case f.Kind == frame.Control && f.Control == frame.TopologyChanged:
		b.topologyChanged(m, f.Source == any(b))
	case f.Kind == frame.Control && f.Control == frame.TopologyRequestChange:
		if f.Topology != nil {
			b.topologyRequested(m, f.Topology)
		}
	default:
		b.tech.Load().t.Write(m, f)
	}
	f.Release()
}

// service carries out the work queued for m; it returns the leave reason
// when m must leave. Member goroutine only.
func (b *Bridge) service(m *Member) LeaveReason {
	m.work.Store(false)
	b.mu.Lock()
	leave, req, want, jitter, kf := m.leave, m.request, m.wantRead, m.wantJitter, m.keyframe
	m.request, m.keyframe = nil, false
	b.unlock()
	if leave != LeaveUnknown {
		return leave
	}
	if kf {
		m.kfPending = true // written by requestKeyframe when the budget allows
	}
	m.applyJitter(jitter)
	if req != nil {
		if err := m.ch.RequestTopologyChange(req, b); err != nil {
			b.log.Debug("topology request failed", "channel", m.ch, "error", err)
		}
	}
	b.applyReadFormat(m, want)
	return LeaveUnknown
}

// applyReadFormat sets the read format of m's default audio stream (the
// mixer wants signed linear at its rate). Member goroutine only: read
// formats belong to the reading goroutine.
func (b *Bridge) applyReadFormat(m *Member, want format.Format) {
	pos := m.ch.DefaultStream(format.Audio)
	if want == m.applied && (want.IsZero() || pos == m.readPos) {
		return
	}
	if m.readPos >= 0 {
		m.ch.SetReadFormat(m.readPos, format.Format{})
		m.readPos = -1
	}
	if !want.IsZero() && pos >= 0 {
		m.ch.SetReadFormat(pos, want)
		m.readPos = pos
	}
	m.applied = want
	b.mu.Lock()
	m.haveRead = want
	to, from := b.commitIfReadyLocked()
	b.unlock()
	b.switchTech(to, from)
}

// armDeadline keeps a read deadline on m's channel so its goroutine wakes
// when it has timed work and no frame arrives: natively bridged members
// re-check native conditions (a hook may have been attached) every
// Config.NativeCheckInterval, and a key-frame request held back by the
// video update budget is written when it is due. Member goroutine only.
func (b *Bridge) armDeadline(m *Member) {
	_, native := b.tech.Load().t.(*native)
	switch {
	case native && m.nativeDue.IsZero():
		m.nativeDue = time.Now().Add(b.cfg.NativeCheckInterval)
	case !native:
		m.nativeDue = time.Time{}
	}
	want := m.nativeDue
	if m.kfPending && (want.IsZero() || m.kfDue.Before(want)) {
		want = m.kfDue
	}
	if !want.Equal(m.deadline) {
		m.deadline = want
		m.ch.SetReadDeadline(want)
	}
}

// topologyChanged handles a TopologyChanged frame read from m: the slot map
// is rebuilt and the technology told (the simple technology mirrors a
// change it did not cause onto the peer).
func (b *Bridge) topologyChanged(m *Member, own bool) {
	m.topoChanged.Add(1)
	b.mu.Lock()
	if m.leave == LeaveUnknown {
		b.mapLocked(m)
		b.cur.TopologyChangedLocked(m, own)
		if b.next != nil {
			b.next.TopologyChangedLocked(m, own)
		}
	}
	b.unlock()
	m.work.Store(true) // the default audio stream may have moved
	b.reevaluate()
}

// topologyRequested handles a TopologyRequestChange frame from m's driver
// (the far end wants streams changed): the bridge accepts it on m and, in
// a two-party bridge, proposes the mirror to the peer.
func (b *Bridge) topologyRequested(m *Member, t *topology.Topology) {
	b.mu.Lock()
	if m.leave == LeaveUnknown {
		if mx, ok := b.cur.(*mixing); ok {
			mx.requestedLocked(m, t)
		} else {
			b.simple.requestedLocked(m, t)
		}
	}
	b.unlock()
}

// leave removes m after its loop ended, dissolves the bridge if configured
// to, and cleans up what the bridge changed on a surviving channel. Member
// goroutine.
func (b *Bridge) leave(m *Member, reason LeaveReason) {
	b.mu.Lock()
	if i := slices.Index(b.members, m); i >= 0 {
		b.setMembersLocked(slices.Delete(slices.Clone(b.members), i, i+1))
		b.cur.LeaveLocked(m)
		if b.next != nil {
			b.next.LeaveLocked(m)
		}
	}
	m.leave = reason
	var stops []Technology
	if !b.closed && ((reason == LeaveHangup && b.cfg.DissolveOnHangup) ||
		(len(b.members) == 0 && b.cfg.DissolveWhenEmpty)) {
		stops = b.dissolveLocked()
	}
	to, from := b.commitIfReadyLocked()
	b.unlock()

	if reason != LeaveHangup {
		b.restore(m)
	}
	b.log.Info("bridge left", "channel", m.ch, "reason", reason)
	b.emit(Event{Type: EventLeft, Bridge: b, Channel: m.ch, Reason: reason})
	if stops != nil {
		b.finishDissolve(stops)
		return
	}
	b.switchTech(to, from)
	b.reevaluate()
}

// restore undoes the bridge's changes on a channel that lives on.
func (b *Bridge) restore(m *Member) {
	if m.readPos >= 0 {
		m.ch.SetReadFormat(m.readPos, format.Format{})
		m.readPos = -1
	}
	if !m.deadline.IsZero() {
		m.ch.SetReadDeadline(time.Time{})
		m.deadline = time.Time{}
	}
	m.nativeDue, m.kfPending = time.Time{}, false
	t := m.ch.Topology()
	var out *topology.Topology
	for i, s := range t.Streams() {
		if isDest(s.Name()) && !s.IsRemoved() {
			if out == nil {
				out = t.Clone()
			}
			o, _ := out.Stream(i)
			o.SetState(stream.Removed)
		}
	}
	if out != nil {
		if err := m.ch.RequestTopologyChange(out, b); err != nil {
			b.log.Debug("removing destination streams failed", "channel", m.ch, "error", err)
		}
	}
}

// kick makes m leave for reason (unless it is already leaving).
func (b *Bridge) kick(m *Member, reason LeaveReason) {
	b.mu.Lock()
	if m.leave == LeaveUnknown && slices.Contains(b.members, m) {
		m.leave = reason
		b.wakeLocked(m)
	}
	b.unlock()
}

// Remove takes ch out of the bridge: its Join returns LeaveRemoved and the
// channel lives on. It returns ErrNotMember if ch is not a member.
func (b *Bridge) Remove(ch *channel.Channel) error {
	m := b.member(ch)
	if m == nil {
		return fmt.Errorf("bridge: remove %s from %s: %w", ch, b.cfg.ID, ErrNotMember)
	}
	b.kick(m, LeaveRemoved)
	return nil
}

// Mute keeps ch's audio out of the bridge (on) or lets it in again (off).
// A muted member still hears the others. Muting takes a two-party bridge
// out of native bridging. It returns ErrNotMember if ch is not a member.
func (b *Bridge) Mute(ch *channel.Channel, on bool) error {
	m := b.member(ch)
	if m == nil {
		return fmt.Errorf("bridge: mute %s in %s: %w", ch, b.cfg.ID, ErrNotMember)
	}
	m.muted.Store(on)
	b.reevaluate()
	return nil
}

// Muted reports whether member ch is muted.
func (b *Bridge) Muted(ch *channel.Channel) bool {
	m := b.member(ch)
	return m != nil && m.muted.Load()
}

// Reevaluate re-checks the technology choice now (for example after a hook
// was attached to a member, which forbids native bridging). The bridge
// also does this on every membership or topology change and, while
// native, every Config.NativeCheckInterval.
func (b *Bridge) Reevaluate() { b.reevaluate() }

// Close dissolves the bridge: every member's Join returns LeaveDissolved,
// the technology stops (the mixer's ticker is waited for) and later Joins
// fail with ErrClosed. It does not wait for the members' goroutines, which
// belong to their callers. Close is idempotent and returns nil.
func (b *Bridge) Close() error {
	b.mu.Lock()
	if b.closed {
		b.unlock()
		return nil
	}
	stops := b.dissolveLocked()
	b.unlock()
	b.finishDissolve(stops)
	return nil
}

func (b *Bridge) member(ch *channel.Channel) *Member {
	for _, m := range *b.snap.Load() {
		if m.ch == ch {
			return m
		}
	}
	return nil
}

// peer returns the other member of a two-party bridge, or nil. While a
// third member waits for the switch to mixing, the first two members (the
// pair already talking) stay each other's peers and the newcomer has none.
func (b *Bridge) peer(m *Member) *Member {
	ms := *b.snap.Load()
	if len(ms) < 2 {
		return nil
	}
	switch m {
	case ms[0]:
		return ms[1]
	case ms[1]:
		return ms[0]
	}
	return nil
}

func (b *Bridge) setMembersLocked(ms []*Member) {
	b.members = ms
	b.gen++
	b.nativeFailed = false
	b.snap.Store(&ms)
}

// mapLocked rebuilds m's stream map from its current topology.
func (b *Bridge) mapLocked(m *Member) {
	t := m.ch.Topology()
	tb, tc := b.slots.Map(t)
	m.smap.Store(&streamMap{topo: t, toBridge: tb, toChannel: tc})
}

// wakeLocked marks m as having work and, if it had none, queues a Null
// frame (after mu is released) so a goroutine blocked in ReadStream
// notices.
func (b *Bridge) wakeLocked(m *Member) {
	if m.work.CompareAndSwap(false, true) {
		b.wakes = append(b.wakes, m)
	}
}

// unlock releases mu, then wakes the members marked while it was held.
func (b *Bridge) unlock() {
	ws := b.wakes
	b.wakes = nil
	b.mu.Unlock()
	for _, m := range ws {
		_ = m.ch.Queue(frame.NewNull()) // full or hung up: the reader is awake anyway
	}
}

func (b *Bridge) dissolveLocked() []Technology {
	b.closed = true
	for _, m := range b.members {
		if m.leave == LeaveUnknown {
			m.leave = LeaveDissolved
			b.wakeLocked(m)
		}
	}
	stops := []Technology{b.cur}
	if b.next != nil {
		stops = append(stops, b.next)
		b.next = nil
	}
	return stops
}

func (b *Bridge) finishDissolve(stops []Technology) {
	for _, t := range stops {
		t.Stop()
	}
	b.cancel()
	b.log.Info("bridge dissolved")
	b.emit(Event{Type: EventDissolved, Bridge: b})
}

// reevaluate chooses the technology for the current membership and
// switches if needed: mixing for conferences and three or more members
// (a bridge that mixes keeps mixing), native for two members that allow
// it, simple otherwise. The native checks call out to channels and
// drivers, so they run without mu; a membership change in between makes it
// start over.
func (b *Bridge) reevaluate() {
	for range 4 {
		b.mu.Lock()
		if b.closed {
			b.unlock()
			return
		}
		members, gen, failed := b.members, b.gen, b.nativeFailed
		_, mixingNow := b.cur.(*mixing)
		wantMix := b.cfg.Conference || len(members) >= 3 || b.next != nil || mixingNow
		b.unlock()
		wantNative := !wantMix && !failed && len(members) == 2 && nativeOK(members[0], members[1])
		b.mu.Lock()
		if b.gen != gen || b.closed {
			b.unlock()
			continue
		}
		to, from := b.transitionLocked(wantMix, wantNative)
		b.unlock()
		b.switchTech(to, from)
		return
	}
}

// transitionLocked moves towards the wanted technology and returns the
// technologies to start and stop (nil when nothing changes now).
func (b *Bridge) transitionLocked(wantMix, wantNative bool) (to, from Technology) {
	switch cur := b.cur.(type) {
	case *native:
		if wantMix {
			return b.prepareMixingLocked()
		}
		if !wantNative {
			b.setTechLocked(b.simple)
			return b.simple, cur
		}
	case *simple:
		if wantMix {
			return b.prepareMixingLocked()
		}
		if wantNative {
			n := newNative(b, b.members[0], b.members[1])
			b.setTechLocked(n)
			return n, cur
		}
	case *mixing:
	}
	return nil, nil
}

// prepareMixingLocked starts the move to mixing: the mixer is built and
// every member asked to read signed linear at the mixing rate; the switch
// happens when all have (commitIfReadyLocked), so the old technology keeps
// forwarding every frame until then — no media is dropped.
func (b *Bridge) prepareMixingLocked() (to, from Technology) {
	if b.next == nil {
		mx := newMixing(b)
		for _, m := range b.members {
			mx.JoinLocked(m)
		}
		b.next = mx
	}
	return b.commitIfReadyLocked()
}

// commitIfReadyLocked makes the pending mixer current once every member
// reads in the format it asked for.
func (b *Bridge) commitIfReadyLocked() (to, from Technology) {
	if b.next == nil || b.closed {
		return nil, nil
	}
	for _, m := range b.members {
		if m.haveRead != m.wantRead {
			return nil, nil
		}
	}
	from = b.cur
	b.setTechLocked(b.next)
	b.next = nil
	return b.cur, from
}

func (b *Bridge) setTechLocked(t Technology) {
	b.cur = t
	b.tech.Store(&techBox{t})
}

// switchTech starts the new technology, then stops the old one, with no
// lock held.
func (b *Bridge) switchTech(to, from Technology) {
	if to == nil {
		return
	}
	to.Start()
	if from != nil {
		from.Stop()
	}
	b.log.Info("bridge technology", "technology", to.Name())
	b.emit(Event{Type: EventTechnology, Bridge: b, Technology: to.Name()})
}

// nativeFailedNow records that native bridging failed to start for the
// current membership and re-evaluates (falling back to simple).
func (b *Bridge) nativeFailedNow(err error) {
	b.log.Warn("native bridging failed", "error", err)
	b.mu.Lock()
	b.nativeFailed = true
	b.unlock()
	b.reevaluate()
}

func (b *Bridge) emit(e Event) {
	if b.cfg.OnEvent != nil {
		b.cfg.OnEvent(e)
	}
}

// mixOnce runs one mixer tick when the bridge mixes (tests drive the mixer
// with it on bridges built without a ticker).
func (b *Bridge) mixOnce() {
	if mx, ok := b.tech.Load().t.(*mixing); ok {
		mx.mixOnce()
	}
}
