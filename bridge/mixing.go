package bridge

import (
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/core/topology"
)

const (
	// maxFrameSamples is 20 ms at the highest mixing rate.
	maxFrameSamples = 48000 / 50
	// bufferedFrames bounds each participant's input: 100 ms. Older audio is
	// dropped when a participant sends faster than the mixer consumes.
	bufferedFrames = 5
	// talkStartTicks is how many loud 20 ms blocks start a talk spurt.
	talkStartTicks = 2
)

// mixing is the conference technology (Asterisk's softmix): every
// participant hears the sum of the others, in signed linear at the highest
// rate any participant uses, produced every 20 ms by one ticker goroutine;
// video is forwarded SFU-style (sfu.go).
//
// Audio path: a participant's goroutine reads its default audio stream in
// signed linear at the mixing rate (the bridge sets the read format, the
// channel's read path translates) and appends the samples to the
// participant's input ring. The ticker takes 20 ms from every ring, sums,
// and writes each participant the sum minus its own contribution,
// saturated, as a signed linear frame; the channel's write path translates
// it to the stream's codec.
//
// Locks: participant.mu guards one input ring and is never held with
// another lock. parts and rate are guarded by the bridge lock and
// published to the ticker through snap. ctl serialises Start and Stop.
type mixing struct {
	b *Bridge

	// Guarded by b.mu.
	parts []*participant // copy-on-write, join order
	rate  int

	snap atomic.Pointer[mixSnapshot]

	ctl              sync.Mutex
	started, stopped bool
	stop             chan struct{}
	wg               sync.WaitGroup

	// Mixer goroutine only (the ticker, or a test calling mixOnce).
	acc    []int32
	events []Event
}

// mixSnapshot is what the mixer reads per tick; immutable.
type mixSnapshot struct {
	parts []*participant
	rate  int
}

var _ Technology = (*mixing)(nil)

func newMixing(b *Bridge) *mixing {
	mx := &mixing{b: b, rate: 8000, stop: make(chan struct{})}
	mx.snap.Store(&mixSnapshot{rate: mx.rate})
	mx.acc = make([]int32, maxFrameSamples)
	return mx
}

func (mx *mixing) Name() string { return "mixing" }

// participant is a member's state in the mixer.
type participant struct {
	m        *Member
	audioPos atomic.Int32                 // default audio stream, -1: none
	routes   atomic.Pointer[[][]route]    // SFU: destinations by source stream
	sources  atomic.Pointer[[]sourceInfo] // SFU: this participant's video sources
	kfRoutes []videoRoute                 // SFU: usable paths from its sources; guarded by b.mu

	mu       sync.Mutex
	ring     []int16
	head, n  int
	ringRate int

	// Mixer only.
	cur     []int16
	has     bool
	contrib bool
	talking bool
	loud    int
	quiet   int
	ts      uint32
}

func newParticipant(m *Member) *participant {
	p := &participant{
		m:    m,
		ring: make([]int16, maxFrameSamples*bufferedFrames),
		cur:  make([]int16, maxFrameSamples),
	}
	p.audioPos.Store(-1)
	return p
}

// JoinLocked adds m as a participant and turns its jitter buffer on: the
// mixer terminates its audio (DESIGN.md §10).
func (mx *mixing) JoinLocked(m *Member) {
	m.setJitterLocked(true)
	p := newParticipant(m)
	mx.parts = append(slices.Clone(mx.parts), p)
	m.part.Store(p)
	mx.refreshLocked()
}

// LeaveLocked removes m: the others stop hearing it at the next tick, and
// its video destinations are marked removed in their topologies.
func (mx *mixing) LeaveLocked(m *Member) {
	i := slices.IndexFunc(mx.parts, func(p *participant) bool { return p.m == m })
	if i < 0 {
		return
	}
	mx.parts = slices.Delete(slices.Clone(mx.parts), i, i+1)
	m.part.Store(nil)
	m.want = nil
	mx.refreshLocked()
}

// TopologyChangedLocked re-reads m's audio stream and video sources. A
// change the far end made (own false) replaces the bridge's idea of m's
// topology.
func (mx *mixing) TopologyChangedLocked(m *Member, own bool) {
	if !own {
		m.want = nil
	}
	mx.refreshLocked()
}

// requestedLocked accepts a topology m's driver asked for.
func (mx *mixing) requestedLocked(m *Member, t *topology.Topology) {
	m.want = t.Snapshot()
	m.requestLocked(m.want)
	mx.refreshLocked()
}

// refreshLocked recomputes the mixing rate, every participant's audio
// stream and read format, the SFU destinations and routes, and publishes
// the snapshot the ticker reads.
func (mx *mixing) refreshLocked() {
	rate := 8000
	for _, p := range mx.parts {
		p.audioPos.Store(int32(p.m.ch.DefaultStream(format.Audio)))
		rate = max(rate, participantRate(p.m, mx.b.cfg.MaxRate))
	}
	mx.rate = rate
	slin, _ := format.SLin(rate)
	for _, p := range mx.parts {
		p.m.setReadLocked(slin)
	}
	mx.reconcileLocked()
	mx.routesLocked()
	mx.snap.Store(&mixSnapshot{parts: mx.parts, rate: rate})
}

// participantRate is the signed linear rate matching the codec of m's
// default audio stream (its first format): 8, 16 or 48 kHz, capped.
func participantRate(m *Member, maxRate int) int {
	s := m.ch.Topology().FirstOfType(format.Audio)
	if s == nil {
		return 0
	}
	r := firstCodec(s.Formats()).Rate()
	switch {
	case r <= 8000:
		r = 8000
	case r <= 16000:
		r = 16000
	default:
		r = 48000
	}
	return min(r, maxRate)
}

// Write takes voice from m into its input ring, forwards its video to the
// participants' destination streams, and passes video update requests to
// the video senders (each within its budget, Member.takeVideoUpdate).
// Other frames (DTMF, hold) are not relayed in a conference.
func (mx *mixing) Write(m *Member, f *frame.Frame) {
	p := m.part.Load()
	if p == nil {
		m.dropped.Add(1)
		return
	}
	switch f.Kind {
	case frame.Voice:
		if int32(f.Stream) != p.audioPos.Load() || !f.Format.IsSLin() {
			// Another audio stream, or a frame read before the read format
			// was applied.
			m.dropped.Add(1)
			return
		}
		p.push(f.Payload, f.Format.Rate())
	case frame.Video:
		mx.forwardVideo(p, f)
	case frame.Control:
		if f.Control == frame.VideoUpdate {
			mx.requestKeyframes(p, f)
			return
		}
		m.dropped.Add(1)
	default:
		m.dropped.Add(1)
	}
}

// push appends little-endian samples at rate to the ring, dropping the
// oldest beyond bufferedFrames; a rate change empties the ring.
func (p *participant) push(payload []byte, rate int) {
	samples := len(payload) / 2
	p.mu.Lock()
	defer p.mu.Unlock()
	if rate != p.ringRate {
		p.head, p.n, p.ringRate = 0, 0, rate
	}
	c := rate / 50 * bufferedFrames
	if samples > c {
		payload = payload[2*(samples-c):]
		samples = c
	}
	if over := p.n + samples - c; over > 0 {
		p.head = (p.head + over) % c
		p.n -= over
	}
	tail := (p.head + p.n) % c
	for i := range samples {
		p.ring[tail] = int16(binary.LittleEndian.Uint16(payload[2*i:]))
		tail++
		if tail == c {
			tail = 0
		}
	}
	p.n += samples
}

// take moves n samples at rate from the ring into p.cur; false when fewer
// are buffered (the participant is silent this tick) or the ring holds
// another rate.
func (p *participant) take(n, rate int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ringRate != rate || p.n < n {
		return false
	}
	c := rate / 50 * bufferedFrames
	h := p.head
	for i := range n {
		p.cur[i] = p.ring[h]
		h++
		if h == c {
			h = 0
		}
	}
	p.head = h
	p.n -= n
	return true
}

// Start launches the ticker goroutine, which the bridge owns: it calls
// mixOnce every MixInterval until Stop. Bridges built for tests tick by
// hand instead.
func (mx *mixing) Start() {
	mx.ctl.Lock()
	defer mx.ctl.Unlock()
	if mx.started || mx.stopped || mx.b.manual {
		return
	}
	mx.started = true
	mx.wg.Go(mx.run)
}

func (mx *mixing) run() {
	t := time.NewTicker(MixInterval)
	defer t.Stop()
	for {
		select {
		case <-mx.stop:
			return
		case <-t.C:
			mx.mixOnce()
		}
	}
}

// Stop ends the ticker and waits for it.
func (mx *mixing) Stop() {
	mx.ctl.Lock()
	if !mx.stopped {
		mx.stopped = true
		close(mx.stop)
	}
	mx.ctl.Unlock()
	mx.wg.Wait()
}

// mixOnce produces one 20 ms tick: it takes 20 ms of input from every
// participant, sums the unmuted ones, and writes each participant the sum
// without its own contribution, saturated to 16 bits. It allocates nothing
// in steady state. Mixer goroutine only; it calls out to channels (writes)
// and to Config.OnEvent with no lock held.
func (mx *mixing) mixOnce() {
	s := mx.snap.Load()
	n := s.rate / 50
	slin, _ := format.SLin(s.rate)
	acc := mx.acc[:n]
	clear(acc)
	mx.events = mx.events[:0]
	for _, p := range s.parts {
		p.has = p.take(n, s.rate)
		p.contrib = p.has && !p.m.muted.Load()
		if p.contrib {
			for i, v := range p.cur[:n] {
				acc[i] += int32(v)
			}
		}
		mx.detectTalk(p, n)
	}
	for _, p := range s.parts {
		pos := int(p.audioPos.Load())
		if pos < 0 {
			continue
		}
		out := frame.Get(2 * n)
		pl := out.Payload
		if p.contrib {
			for i, v := range acc {
				binary.LittleEndian.PutUint16(pl[2*i:], uint16(saturate(v-int32(p.cur[i]))))
			}
		} else {
			for i, v := range acc {
				binary.LittleEndian.PutUint16(pl[2*i:], uint16(saturate(v)))
			}
		}
		out.Kind = frame.Voice
		out.Format = slin
		out.Samples = n
		out.Timestamp = p.ts
		p.ts += uint32(n)
		if err := p.m.ch.WriteStream(pos, out); err != nil {
			p.m.dropped.Add(1)
		}
		out.Release()
	}
	for _, e := range mx.events {
		mx.b.emit(e)
	}
}

func saturate(v int32) int16 {
	switch {
	case v > 32767:
		return 32767
	case v < -32768:
		return -32768
	}
	return int16(v)
}

// detectTalk updates p's talker state from the energy (mean absolute
// value) of this tick's input and queues EventTalking/EventSilent.
func (mx *mixing) detectTalk(p *participant, n int) {
	loud := false
	if p.contrib {
		var sum int64
		for _, v := range p.cur[:n] {
			if v < 0 {
				sum -= int64(v)
			} else {
				sum += int64(v)
			}
		}
		loud = sum/int64(n) > int64(mx.b.cfg.TalkThreshold)
	}
	if loud {
		p.loud++
		p.quiet = 0
		if !p.talking && p.loud >= talkStartTicks {
			p.talking = true
			mx.events = append(mx.events, Event{Type: EventTalking, Bridge: mx.b, Channel: p.m.ch})
		}
		return
	}
	p.loud = 0
	p.quiet++
	if p.talking && time.Duration(p.quiet)*MixInterval >= mx.b.cfg.TalkHangover {
		p.talking = false
		mx.events = append(mx.events, Event{Type: EventSilent, Bridge: mx.b, Channel: p.m.ch})
	}
}
