package jitter

import (
	"time"
)

type slotState uint8

const (
	slotEmpty  slotState = iota
	slotFilled           // holds a frame waiting to be played
	slotPlayed           // its frame was played (or dropped); kept to spot duplicates
)

// slot is one frame of the ring. It holds no pointer, so the ring is 16
// bytes a frame that the garbage collector need not scan.
type slot struct {
	fi     int64 // frame index
	seq    uint16
	state  slotState
	marker bool
	ref    uint32 // while slotFilled, the index of its payload in Buffer.held
}

// Playout policy constants, in frames unless noted.
const (
	lateResync  = 5 // consecutive late packets that restart the timeline
	insertEvery = 3 // at most one inserted frame per this many while talking
)

// Buffer is an adaptive jitter buffer for one audio stream that terminates
// in the PBX. Packets go in with [Buffer.Push] as they arrive; frames come
// out with [Buffer.Pop] on the local media clock, one per frame duration.
// See the package documentation for the playout policy.
//
// A Buffer is not safe for concurrent use. Push and Pop are normally called
// from the one goroutine that owns the stream's media; a design with a
// reader goroutine and a ticker goroutine must serialise them with a mutex.
type Buffer struct {
	cfg        Config
	fs         int64         // samples per frame
	frame      time.Duration // cfg.FrameDuration
	slots      []slot
	mask       int64
	held       []*[]byte // payloads of filled slots, from payloads; nil entries are free
	cur        *[]byte   // what the last Pop returned, from payloads
	concealMax int       // frames
	warmup     int       // packets before the measured target is trusted
	dropHold   int       // frames of excess delay before a drop while talking
	dropEvery  int       // frames between drops while talking

	est estimator

	// Timeline. Frame index fi covers RTP timestamps base+fi*fs (rounded).
	synced   bool
	started  bool
	base     int64 // extended timestamp of frame index 0
	head     int64 // next frame to play
	high     int64 // highest frame index stored
	count    int   // slots in state slotFilled
	epoch    time.Time
	epochExt int64 // extended timestamp that arrived at epoch

	// RFC 3550 appendix A.3 loss accounting.
	seqHigh, seqFirst, seqRecv int64
	lostPrev                   int64 // loss of earlier timelines

	// Playout state.
	talk        bool // the last frames were audio, not silence
	havePlayed  bool
	lastSeq     uint16
	missRun     int // consecutive missing frames
	lastLen     int // length of the last good frame
	highRun     int // consecutive pops with delay well above target
	sinceDrop   int
	sinceInsert int
	lastFi      int64 // frame index of the last frame played
	lateRun     int

	// An out-of-range packet waiting for confirmation by its successor.
	oorValid   bool
	oorMarker  bool
	oorSeq     uint16
	oorTS      uint32
	oorArrival time.Time
	oorBuf     *[]byte // its payload, from payloads

	stats Stats
}

// New returns a buffer configured by cfg. Payload storage is taken from a
// pool shared by all buffers as packets arrive and given back as frames
// are played, so an idle buffer holds no payloads. New returns an error
// wrapping [ErrInvalidConfig] for impossible settings.
func New(cfg Config) (*Buffer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	frame := cfg.FrameDuration
	perSecond := int(time.Second / frame)
	// Room for the maximum delay plus a margin ahead of the playout point,
	// and as much again behind it to recognise late duplicates.
	n := 1
	for n < 2*int(cfg.MaxDelay/frame)+8 {
		n *= 2
	}
	b := &Buffer{
		cfg:        cfg,
		fs:         int64(frameSamples(cfg)),
		frame:      frame,
		slots:      make([]slot, n),
		mask:       int64(n - 1),
		concealMax: max(1, int((cfg.ConcealLimit+frame-1)/frame)),
		warmup:     max(1, perSecond),
		dropHold:   max(1, perSecond),
		dropEvery:  max(1, perSecond),
		est:        newEstimator(cfg.MaxDelay),
	}
	return b, nil
}

// Push hands the buffer one received RTP packet: its sequence number,
// timestamp and marker bit, the local arrival time, and the payload, which
// is copied (Push does not retain payload). Push never blocks and, in
// steady state, never allocates.
//
// Duplicates are discarded and packets for frames already played are
// discarded as late. A packet whose timestamp lies far outside the
// stream's timeline is held until the next packet confirms the jump (or
// played at once if it carries the marker bit); the timeline then
// continues from it after the frames already buffered. An unconfirmed one
// is dropped and counted as invalid.
func (b *Buffer) Push(seq uint16, ts uint32, arrival time.Time, payload []byte, marker bool) {
	if len(payload) > b.cfg.MaxPayload {
		b.stats.Invalid++
		return
	}
	if !b.synced {
		b.sync(seq, ts, arrival)
	}
	if b.started && !b.talk && b.count == 0 {
		// First packet after a silence: snap the frame grid to it, in case
		// the sender restarted its packet timing.
		b.base += b.residual(b.unwrap(ts))
	}
	fi := b.index(b.unwrap(ts))
	p := fi - b.head
	n := int64(len(b.slots))
	if p <= -n || p >= n || (!b.started && p < 0 && b.high-fi >= n) {
		if d := int16(seq - uint16(b.seqHigh)); d < 0 && int64(d) > -n {
			b.stats.Late++ // very late, by its sequence number
			b.stats.Received++
			return
		}
		switch {
		case marker:
			b.dropCandidate()
			b.splice(seq, ts)
		case b.confirms(seq, ts):
			b.oorValid = false
			b.splice(b.oorSeq, b.oorTS)
			b.store(b.oorSeq, b.oorTS, b.oorArrival, b.oorBuf, b.oorMarker)
			b.oorBuf = nil
		default:
			// Hold it until the next packet confirms the jump.
			b.dropCandidate()
			b.oorValid, b.oorMarker = true, marker
			b.oorSeq, b.oorTS, b.oorArrival = seq, ts, arrival
			b.oorBuf = b.hold(payload)
			return
		}
		fi = b.index(b.unwrap(ts))
		p = fi - b.head
	} else {
		b.dropCandidate()
	}

	s := &b.slots[fi&b.mask]
	if s.fi == fi && s.state != slotEmpty {
		b.stats.Discarded++
		return
	}
	if p < 0 && b.started {
		switch {
		case !b.talk && fi > b.lastFi && p >= -int64(b.concealMax) && b.high-fi < n:
			// A talk-spurt starting a little late: the silence before it
			// was not played yet in any audible sense, so start it now.
			b.head = fi
		case marker && p < -int64(b.concealMax), b.lateRun+1 >= lateResync:
			// The sender's timeline moved backwards (or did not advance
			// over a silence): continue the timeline from this packet.
			b.splice(seq, ts)
		default:
			b.countSeq(seq)
			b.measure(fi, ts, arrival)
			b.stats.Late++
			b.stats.Received++
			b.lateRun++
			return
		}
	}
	b.store(seq, ts, arrival, b.hold(payload), marker)
}

// confirms reports whether a packet continues the held out-of-range
// packet: the next sequence number, a little later in time.
func (b *Buffer) confirms(seq uint16, ts uint32) bool {
	if !b.oorValid || seq != b.oorSeq+1 {
		return false
	}
	d := int64(int32(ts - b.oorTS))
	return d > 0 && d <= 4*b.fs
}

// dropCandidate discards a held out-of-range packet that was not confirmed.
func (b *Buffer) dropCandidate() {
	if b.oorValid {
		b.stats.Invalid++
		b.forgetCandidate()
	}
}

// forgetCandidate discards a held out-of-range packet, if any.
func (b *Buffer) forgetCandidate() {
	b.oorValid = false
	if b.oorBuf != nil {
		payloads.put(b.oorBuf)
		b.oorBuf = nil
	}
}

// hold returns storage holding a copy of payload. It recycles the frame
// the last Pop returned, which is only valid until this Push.
func (b *Buffer) hold(payload []byte) *[]byte {
	p := b.cur
	b.cur = nil
	if p == nil || cap(*p) < len(payload) {
		payloads.put(p)
		p = payloads.get(len(payload))
	}
	*p = (*p)[:len(payload)]
	copy(*p, payload)
	return p
}

// store puts an in-range packet, whose payload is in buf, into its slot.
func (b *Buffer) store(seq uint16, ts uint32, arrival time.Time, buf *[]byte, marker bool) {
	fi := b.index(b.unwrap(ts))
	s := &b.slots[fi&b.mask]
	b.countSeq(seq)
	b.measure(fi, ts, arrival)
	b.lateRun = 0
	if !b.started && fi < b.head {
		b.head = fi // reordered before the first packet
	}
	if s.state == slotFilled {
		b.free(s) // a stale frame from a previous lap
	}
	*s = slot{
		fi:     fi,
		ref:    b.keep(buf),
		seq:    seq,
		state:  slotFilled,
		marker: marker,
	}
	if b.count == 0 || fi > b.high {
		b.high = fi
	}
	b.count++
	b.stats.Received++
}

// Pop returns the frame to play now, on the local media clock: call it
// once per frame duration with the current time. The payload aliases the
// buffer's storage and is valid until the next Push, Pop or Reset; copy it
// to keep it. It is nil for Silence and NotYet, and for Concealed when no
// Concealer is configured.
func (b *Buffer) Pop(now time.Time) ([]byte, Status) {
	p, st := b.pop(now)
	if p == nil {
		b.releaseCur()
	}
	return p, st
}

// releaseCur gives back the storage of the frame the last Pop returned.
func (b *Buffer) releaseCur() {
	if b.cur != nil {
		payloads.put(b.cur)
		b.cur = nil
	}
}

func (b *Buffer) pop(now time.Time) ([]byte, Status) {
	if !b.synced {
		return nil, NotYet
	}
	target := b.target()
	d := b.delay(now)
	b.stats.TargetDelay, b.stats.Delay = target, d
	if !b.started {
		if d < target {
			return nil, NotYet
		}
		b.started = true
	}
	b.sinceDrop++
	b.sinceInsert++
	if s := b.filledAt(b.head); s != nil {
		return b.frameAt(s, d, target)
	}
	next := b.nextFilled()
	switch {
	case next != nil && !b.silentGap(next):
		return b.missing() // lost: conceal and move on
	case next == nil && b.talk && b.missRun < b.concealMax:
		return b.missing() // lost, late, or the end of a talk-spurt
	}
	return b.silence(d, target, next)
}

// frameAt plays s, the frame at the head, after adjusting the delay.
func (b *Buffer) frameAt(s *slot, d, target time.Duration) ([]byte, Status) {
	if d >= target+b.frame+b.frame/2 {
		b.highRun++
	} else {
		b.highRun = 0
	}
	switch {
	case !b.talk && d < target:
		// A talk-spurt starts too early: stretch the silence before it.
		b.stats.Adjustments++
		b.stats.Silent++
		return nil, Silence
	case d > b.cfg.MaxDelay+b.frame || (b.highRun >= b.dropHold && b.sinceDrop >= b.dropEvery):
		// Too much delay: drop this frame if the next one is here.
		if n := b.filledAt(b.head + 1); n != nil {
			b.free(s)
			s.state = slotPlayed
			b.head++
			b.stats.Adjustments++
			b.sinceDrop, b.highRun = 0, 0
			s = n
		}
	case b.talk && d < target && b.sinceInsert >= insertEvery:
		// Too little delay while talking: insert a concealed frame.
		b.sinceInsert = 0
		b.stats.Adjustments++
		return b.conceal()
	}
	return b.play(s)
}

// silence handles a pop with no audio to play: a gap between talk-spurts
// or a long loss. Silence is where the delay is cheapest to change, so it
// moves the playout point straight to the target.
func (b *Buffer) silence(d, target time.Duration, next *slot) ([]byte, Status) {
	b.talk = false
	if d >= target+b.frame {
		k := int64((d - target) / b.frame)
		if next != nil {
			k = min(k, next.fi-b.head)
		}
		b.head += k
		b.stats.Adjustments += uint64(k)
		d -= time.Duration(k) * b.frame
		if next != nil && b.head == next.fi {
			return b.play(next)
		}
	}
	if d < target {
		b.stats.Adjustments++ // hold the head: one more frame of delay
	} else {
		b.head++
	}
	b.stats.Silent++
	return nil, Silence
}

// missing skips the head frame, which has not arrived.
func (b *Buffer) missing() ([]byte, Status) {
	b.head++
	b.missRun++
	if b.missRun > b.concealMax {
		b.talk = false
		b.stats.Silent++
		return nil, Silence
	}
	return b.conceal()
}

func (b *Buffer) conceal() ([]byte, Status) {
	b.stats.Concealed++
	if b.cfg.Concealer == nil || b.lastLen == 0 {
		return nil, Concealed
	}
	// The concealment goes into the storage of the frame the last Pop
	// returned (normally the last good frame), or new storage; cleared,
	// so a concealer that leaves bytes unwritten (an odd byte of slin)
	// shows no stale audio.
	if b.cur == nil || cap(*b.cur) < b.lastLen {
		b.releaseCur()
		b.cur = payloads.get(b.lastLen)
	}
	dst := (*b.cur)[:b.lastLen]
	clear(dst)
	*b.cur = dst
	return b.cfg.Concealer.Conceal(dst), Concealed
}

func (b *Buffer) play(s *slot) ([]byte, Status) {
	b.releaseCur()
	b.cur, b.held[s.ref] = b.held[s.ref], nil
	b.count--
	s.state = slotPlayed
	payload := *b.cur
	if b.cfg.Concealer != nil {
		b.cfg.Concealer.Good(payload)
	}
	b.head = s.fi + 1
	b.talk, b.missRun = true, 0
	b.lastSeq, b.havePlayed, b.lastLen, b.lastFi = s.seq, true, len(payload), s.fi
	b.stats.Played++
	return payload, Normal
}

// silentGap reports whether the missing frames before next are a pause in
// the talk (discontinuous transmission) rather than lost packets.
func (b *Buffer) silentGap(next *slot) bool {
	return !b.talk || next.marker || (b.havePlayed && next.seq == b.lastSeq+1)
}

func (b *Buffer) filledAt(fi int64) *slot {
	s := &b.slots[fi&b.mask]
	if s.state == slotFilled && s.fi == fi {
		return s
	}
	return nil
}

// nextFilled returns the first buffered frame after the head, or nil.
func (b *Buffer) nextFilled() *slot {
	if b.count == 0 {
		return nil
	}
	for fi := b.head + 1; fi <= b.high; fi++ {
		if s := b.filledAt(fi); s != nil {
			return s
		}
	}
	return nil
}

// target returns the current target delay.
func (b *Buffer) target() time.Duration {
	t := b.est.delay()
	if b.est.n < b.warmup {
		t = max(t, b.cfg.InitialDelay)
	}
	return min(max(t, b.cfg.MinDelay), b.cfg.MaxDelay)
}

// delay returns the playout delay of the head frame if it were played at
// now, relative to the arrival of the fastest packets.
func (b *Buffer) delay(now time.Time) time.Duration {
	media := b.samplesNs(b.base + b.head*b.fs - b.epochExt)
	return time.Duration(int64(now.Sub(b.epoch)) - media - b.est.min())
}

// measure feeds a packet's timing to the estimator.
func (b *Buffer) measure(fi int64, ts uint32, arrival time.Time) {
	arr := int64(arrival.Sub(b.epoch))
	b.est.add(arr, arr-b.samplesNs(b.unwrapNear(ts, fi)-b.epochExt))
}

func (b *Buffer) samplesNs(n int64) int64 {
	r := int64(b.cfg.Rate)
	return n/r*int64(time.Second) + n%r*int64(time.Second)/r
}

// unwrap extends ts to 64 bits near the head.
func (b *Buffer) unwrap(ts uint32) int64 {
	return b.unwrapNear(ts, b.head)
}

func (b *Buffer) unwrapNear(ts uint32, fi int64) int64 {
	ref := b.base + fi*b.fs
	return ref + int64(int32(ts-uint32(ref)))
}

// index returns the frame index of extended timestamp ext.
func (b *Buffer) index(ext int64) int64 {
	x := ext - b.base + b.fs/2
	q := x / b.fs
	if x%b.fs < 0 {
		q--
	}
	return q
}

// residual returns how far ext lies off the frame grid, in (-fs/2, fs/2].
func (b *Buffer) residual(ext int64) int64 {
	return ext - b.base - b.index(ext)*b.fs
}

func (b *Buffer) countSeq(seq uint16) {
	ext := b.seqHigh + int64(int16(seq-uint16(b.seqHigh)))
	b.seqHigh = max(b.seqHigh, ext)
	b.seqFirst = min(b.seqFirst, ext)
	b.seqRecv++
}

func (b *Buffer) lost() int64 {
	if !b.synced {
		return 0
	}
	return max(0, b.seqHigh-b.seqFirst+1-b.seqRecv)
}

// sync starts a new timeline at a packet.
func (b *Buffer) sync(seq uint16, ts uint32, arrival time.Time) {
	ext := int64(ts)
	b.synced, b.started = true, false
	b.base, b.head, b.high, b.count = ext, 0, 0, 0
	b.epoch, b.epochExt = arrival, ext
	b.seqHigh, b.seqFirst, b.seqRecv = int64(seq), int64(seq), 0
	b.talk, b.missRun, b.havePlayed, b.lastFi = false, 0, false, -1
	b.highRun, b.lateRun = 0, 0
	b.forgetCandidate()
	b.est.resetTiming()
}

// splice continues the timeline with a packet whose timestamp (and
// perhaps sequence number) jumped: the packet becomes the frame right after
// the newest buffered one, so what is buffered still plays out, and the
// timing reference restarts from it. The learnt delay distribution is kept.
func (b *Buffer) splice(seq uint16, ts uint32) {
	b.lostPrev += b.lost()
	f := b.head
	if b.count > 0 {
		f = max(b.high+1, b.head)
	}
	if f-b.head >= int64(len(b.slots)) {
		// No room after what is buffered (only a pathological stream
		// gets here): drop it.
		b.clearSlots()
		f = b.head
	}
	b.base = int64(ts) - f*b.fs
	b.seqHigh, b.seqFirst, b.seqRecv = int64(seq), int64(seq), 0
	b.est.resetTiming()
	b.lateRun = 0
	b.stats.Resyncs++
}

// clear empties the buffer, keeping the loss count of the old timeline.
func (b *Buffer) clear() {
	b.lostPrev += b.lost()
	b.clearSlots()
	if r, ok := b.cfg.Concealer.(resetter); ok {
		r.Reset()
	}
}

func (b *Buffer) clearSlots() {
	for i := range b.slots {
		s := &b.slots[i]
		if s.state == slotFilled {
			b.free(s)
		}
		s.state = slotEmpty
	}
}

// free gives back the payload of filled slot s, which the caller is
// moving to another state.
func (b *Buffer) free(s *slot) {
	payloads.put(b.held[s.ref])
	b.held[s.ref] = nil
	b.count--
}

// keep records the payload of a slot being filled and returns its index
// in held. The table grows to the most frames ever buffered at once.
func (b *Buffer) keep(p *[]byte) uint32 {
	for i, q := range b.held {
		if q == nil {
			b.held[i] = p
			return uint32(i)
		}
	}
	b.held = append(b.held, p)
	return uint32(len(b.held) - 1)
}

// Reset empties the buffer and forgets the stream's timeline, for a new
// SSRC or a restarted stream: the next Push starts a new timeline and Pop
// reports NotYet until it has filled to the target delay. The learnt delay
// distribution and the counters are kept, since the network path is the
// same.
func (b *Buffer) Reset() {
	b.clear()
	b.releaseCur()
	b.forgetCandidate()
	b.synced, b.started = false, false
}

// Stats returns the buffer's counters.
func (b *Buffer) Stats() Stats {
	s := b.stats
	s.TargetDelay = b.target()
	if b.count > 0 {
		s.Depth = time.Duration(b.high-b.head+1) * b.frame
	}
	s.Lost = uint64(b.lostPrev + b.lost())
	s.Jitter = time.Duration(b.est.jitter)
	return s
}
