package sip

import (
	"context"
	"sync"
	"time"

	"github.com/pbx-dev/pbx/core/format"
	"github.com/pbx-dev/pbx/core/frame"
	"github.com/pbx-dev/pbx/internal/jitter"
	"github.com/pbx-dev/pbx/internal/mediaio"
)

// SetJitterBuffer turns the adaptive jitter buffer (internal/jitter, with
// G.711 packet loss concealment) on or off for the call's audio streams.
// It is off by default: frames of a call bridged to another leg should
// keep the sender's timing (DESIGN.md §10). Applications that terminate
// the audio (Echo, Playback/Read, recording, conference) turn it on; the
// dialplan finds the method on [channel.Channel.Tech] with an interface
// it declares itself:
//
//	type jitterSwitch interface{ SetJitterBuffer(on bool) error }
//	if js, ok := ch.Tech().(jitterSwitch); ok { js.SetJitterBuffer(true) }
//
// With the buffer on, received audio is played out by a timer on the
// stream's media worker, one frame per packet interval, in order, with
// lost G.711 frames concealed; silences and the initial fill deliver
// nothing. DTMF and video are never buffered. Safe for concurrent use.
func (c *call) SetJitterBuffer(on bool) error {
	return c.ask(context.Background(), event{kind: evJitter, begin: on})
}

// setJitter applies the switch to the streams in force (mailbox).
func (c *call) setJitter(on bool) {
	c.st.jitter = on
	for _, s := range c.media.Load().streams {
		if s != nil {
			c.streamJitter(s)
		}
	}
}

// streamJitter starts or stops s's playout to match the call's switch
// (mailbox).
func (c *call) streamJitter(s *rtpStream) {
	want := c.st.jitter && s.params.Load().kind == frame.Voice
	js := s.jb.Load()
	switch {
	case want && js == nil:
		js = &jitterState{ptime: s.params.Load().ptime}
		s.jb.Store(js)
		js.next = time.Now().Add(js.interval())
		js.timer = s.conn.w.Schedule(js.next, func(now time.Time) time.Time { return s.playout(js, now) })
	case !want && js != nil:
		s.jb.Store(nil)
		js.stop()
	}
}

// jitterState is the jitter buffer of one stream: the RTP handler pushes,
// the playout timer pops, both on the stream's media worker; mu guards
// against a renegotiated stream whose socket moved worker (it cannot
// today) and keeps the race detector's view simple.
type jitterState struct {
	mu      sync.Mutex
	jb      *jitter.Buffer
	f       format.Format // format of the buffered audio
	ptime   int
	seq     uint16
	ts      uint32
	talking bool

	timer *mediaio.Timer
	next  time.Time // when the next frame is due (timer only)
}

func (js *jitterState) interval() time.Duration { return time.Duration(js.ptime) * time.Millisecond }

// fill copies the buffer's counters into st (any goroutine).
func (js *jitterState) fill(st *StreamStats) {
	js.mu.Lock()
	defer js.mu.Unlock()
	st.JitterBuffer = true
	if js.jb == nil {
		return // nothing received yet
	}
	b := js.jb.Stats()
	st.JitterTarget, st.JitterDelay = b.TargetDelay, b.Delay
	st.JitterConcealed, st.JitterLate = b.Concealed, b.Late
	st.JitterDuplicate, st.JitterAdjusts = b.Discarded, b.Adjustments
}

// stop ends the playout; the timer is not running when it returns.
func (js *jitterState) stop() { js.timer.Stop() }

// push buffers one received audio packet (reader goroutine). A change of
// format restarts the buffer (it allocates then, and only then).
func (js *jitterState) push(f format.Format, seq uint16, ts uint32, marker bool, payload []byte, now time.Time) {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jb == nil || !js.f.Is(f) {
		cfg := jitter.Config{Rate: f.ClockRate, FrameDuration: time.Duration(js.ptime) * time.Millisecond}
		switch f.Name {
		case format.ULaw.Name:
			cfg.Concealer = jitter.NewG711PLC(jitter.Ulaw)
		case format.ALaw.Name:
			cfg.Concealer = jitter.NewG711PLC(jitter.Alaw)
		}
		if f.IsSLin() || f.Name == format.G722.Name {
			cfg.MaxPayload = 2 * f.Rate() * js.ptime / 1000 * max(f.Channels, 1)
		}
		jb, err := jitter.New(cfg)
		if err != nil {
			return
		}
		js.jb, js.f = jb, f
	}
	js.jb.Push(seq, ts, now, payload, marker)
}

// playout pops the frames due by now and delivers the audio; it returns
// when the next frame is due (media worker timer). A worker that fell
// more than a few frames behind skips ahead instead of bursting.
func (s *rtpStream) playout(js *jitterState, now time.Time) time.Time {
	if s.stopped.Load() {
		return time.Time{}
	}
	if f := js.pop(now, s.position()); f != nil {
		s.c.deliver(f)
	}
	iv := js.interval()
	js.next = js.next.Add(iv)
	if now.Sub(js.next) > 4*iv {
		js.next = now.Add(iv)
	}
	return js.next
}

// pop returns the next frame to deliver, or nil (silence, filling, or a
// loss the codec conceals itself).
func (js *jitterState) pop(now time.Time, pos int) *frame.Frame {
	js.mu.Lock()
	defer js.mu.Unlock()
	if js.jb == nil {
		return nil
	}
	payload, st := js.jb.Pop(now)
	if (st != jitter.Normal && st != jitter.Concealed) || payload == nil {
		js.talking = false
		return nil
	}
	f := frame.Get(len(payload))
	copy(f.Payload, payload)
	f.Kind = frame.Voice
	f.Format = js.f
	f.Stream = pos
	f.Samples = samplesOf(js.f, len(payload), js.ptime)
	js.seq++
	js.ts += uint32(js.f.ClockRate * js.ptime / 1000)
	f.SeqNo, f.Timestamp = js.seq, js.ts
	f.Marker = !js.talking
	js.talking = true
	return f
}
