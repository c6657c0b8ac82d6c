package jitter

import (
	"encoding/binary"
	"slices"
	"time"
)

// t0 is the fake clock's origin.
var t0 = time.Unix(1_700_000_000, 0)

const frame = 20 * time.Millisecond

// packet is one simulated RTP packet.
type packet struct {
	seq     uint16
	ts      uint32
	at      time.Duration // arrival, from t0
	marker  bool
	payload []byte
}

// sender describes a synthetic network trace: a sender producing n
// 20 ms frames at 8 kHz, and what the network does to them.
type sender struct {
	n      int
	seq0   uint16
	ts0    uint32
	drift  float64       // sender clock fast by this fraction (0.005 = +0.5%)
	delay  time.Duration // base network delay
	jitter func(k int) time.Duration
	lose   func(k int) bool
	dup    func(k int) bool
	silent func(k int) bool // frame k is not sent (silence suppression)
	// payload returns frame k's payload; default: idPayload(k).
	payload func(k int) []byte
}

// idPayload is a 160-byte payload whose last 4 bytes carry k (a
// concealer's cross-fade may rewrite the first 10 ms of a frame).
func idPayload(k int) []byte {
	p := make([]byte, 160)
	for i := range p {
		p[i] = byte(k)
	}
	binary.BigEndian.PutUint32(p[156:], uint32(k))
	return p
}

func idOf(p []byte) int { return int(binary.BigEndian.Uint32(p[len(p)-4:])) }

// packets returns the trace's packets in arrival order.
func (s sender) packets() []packet {
	var out []packet
	seq := s.seq0
	marker := true
	for k := range s.n {
		if s.silent != nil && s.silent(k) {
			marker = true
			continue
		}
		sent := time.Duration(float64(time.Duration(k)*frame) / (1 + s.drift))
		p := packet{seq: seq, ts: s.ts0 + uint32(k*160), at: sent + s.delay, marker: marker}
		seq++
		marker = false
		if s.payload != nil {
			p.payload = s.payload(k)
		} else {
			p.payload = idPayload(k)
		}
		if s.jitter != nil {
			p.at += s.jitter(k)
		}
		if s.lose != nil && s.lose(k) {
			continue
		}
		out = append(out, p)
		if s.dup != nil && s.dup(k) {
			d := p
			d.at += 3 * time.Millisecond
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b packet) int { return int(a.at - b.at) })
	return out
}

// out is one Pop result, with the payload copied.
type out struct {
	status  Status
	payload []byte
}

// play drives b with pkts and pops every 20 ms from t0+phase, n times.
func play(b *Buffer, pkts []packet, n int, phase time.Duration) []out {
	res := make([]out, 0, n)
	for k := range n {
		now := phase + time.Duration(k)*frame
		for len(pkts) > 0 && pkts[0].at <= now {
			p := pkts[0]
			b.Push(p.seq, p.ts, t0.Add(p.at), p.payload, p.marker)
			pkts = pkts[1:]
		}
		payload, st := b.Pop(t0.Add(now))
		res = append(res, out{st, slices.Clone(payload)})
	}
	return res
}

// trim cuts the results after the last Normal frame (the pops after a
// trace ends are an underrun).
func trim(res []out) []out {
	for i := len(res) - 1; i >= 0; i-- {
		if res[i].status == Normal {
			return res[:i+1]
		}
	}
	return nil
}

// gaps returns, for each run of non-Normal results between two Normal ones,
// the id of the frame after the run and the statuses in the run.
func gaps(res []out) map[int][]Status {
	m := map[int][]Status{}
	var run []Status
	seen := false
	for _, r := range res {
		if r.status == Normal {
			if seen && len(run) > 0 {
				m[idOf(r.payload)] = run
			}
			seen, run = true, nil
			continue
		}
		if seen {
			run = append(run, r.status)
		}
	}
	return m
}

// count returns how many results have status st.
func count(res []out, st Status) int {
	n := 0
	for _, r := range res {
		if r.status == st {
			n++
		}
	}
	return n
}

// ids returns the frame ids of the Normal results in order.
func ids(res []out) []int {
	var out []int
	for _, r := range res {
		if r.status == Normal {
			out = append(out, idOf(r.payload))
		}
	}
	return out
}

func mustNew(t interface {
	Helper()
	Fatal(...any)
}, cfg Config) *Buffer {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// lcg is a tiny deterministic random source for traces.
type lcg uint64

func (r *lcg) float() float64 {
	*r = *r*6364136223846793005 + 1442695040888963407
	return float64(uint64(*r)>>11) / (1 << 53)
}
