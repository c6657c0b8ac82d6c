package jitter

import (
	"testing"
	"time"
)

// frameLoop pushes and pops one 20 ms frame per step, like a stream in
// steady state: lossEvery > 0 drops every lossEvery-th packet, jitter adds
// up to that much pseudo-random delay (reordering neighbours).
type frameLoop struct {
	b         *Buffer
	payload   []byte
	k         int
	lossEvery int
	jitter    time.Duration
	rnd       lcg
	held      []packet
}

func (l *frameLoop) step() {
	k := l.k
	l.k++
	at := time.Duration(k)*frame + 30*time.Millisecond
	if l.jitter > 0 {
		at += time.Duration(l.rnd.float() * float64(l.jitter))
	}
	if l.lossEvery == 0 || k%l.lossEvery != 7 {
		p := packet{seq: uint16(k), ts: uint32(k * 160), at: at}
		if len(l.held) == 0 || l.held[0].at <= p.at {
			l.b.Push(p.seq, p.ts, t0.Add(p.at), l.payload, false)
		} else { // keep one packet back to model reordering
			h := l.held[0]
			l.b.Push(p.seq, p.ts, t0.Add(p.at), l.payload, false)
			l.b.Push(h.seq, h.ts, t0.Add(h.at), l.payload, false)
			l.held = l.held[:0]
		}
	}
	l.b.Pop(t0.Add(time.Duration(k)*frame + 5*time.Millisecond))
}

func newLoop(t testing.TB, c Concealer, lossEvery int, jitter time.Duration) *frameLoop {
	b, err := New(Config{Concealer: c})
	if err != nil {
		t.Fatal(err)
	}
	l := &frameLoop{b: b, payload: make([]byte, 160), lossEvery: lossEvery, jitter: jitter, rnd: 1, held: make([]packet, 0, 1)}
	for range 500 { // warm up: playout started, caches sized
		l.step()
	}
	return l
}

func TestPushPopNoAllocs(t *testing.T) {
	cases := map[string]*frameLoop{
		"clean":          newLoop(t, nil, 0, 0),
		"g711 plc, loss": newLoop(t, NewG711PLC(Ulaw), 20, 0),
		"slin plc, loss": newLoop(t, NewPLC(8000), 10, 0),
		"jitter":         newLoop(t, NewG711PLC(Alaw), 0, 60*time.Millisecond),
	}
	for name, l := range cases {
		if allocs := testing.AllocsPerRun(1000, l.step); allocs != 0 {
			t.Errorf("%s: %v allocs per frame", name, allocs)
		}
		if st := l.b.Stats(); st.Played < 1000 {
			t.Errorf("%s: only %d frames played: %+v", name, st.Played, st)
		}
	}
}

func BenchmarkPushPop(b *testing.B) {
	cases := []struct {
		name      string
		c         func() Concealer
		lossEvery int
		jitter    time.Duration
	}{
		{"clean", func() Concealer { return nil }, 0, 0},
		{"clean-g711plc", func() Concealer { return NewG711PLC(Ulaw) }, 0, 0},
		{"loss5-g711plc", func() Concealer { return NewG711PLC(Ulaw) }, 20, 0},
		{"jitter60ms-g711plc", func() Concealer { return NewG711PLC(Ulaw) }, 0, 60 * time.Millisecond},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			l := newLoop(b, c.c(), c.lossEvery, c.jitter)
			b.ReportAllocs()
			for b.Loop() {
				l.step()
			}
		})
	}
}

func BenchmarkPLCConceal(b *testing.B) {
	c := NewG711PLC(Ulaw)
	frame := make([]byte, 160)
	for i := range frame {
		frame[i] = byte(i)
	}
	dst := make([]byte, 160)
	b.ReportAllocs()
	for b.Loop() {
		c.Good(frame)
		c.Conceal(dst) // starts an erasure: pitch search
	}
}
