package jitter

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestRandomTraces runs seeded traces mixing every impairment and checks
// the invariants that must hold whatever the network does.
func TestRandomTraces(t *testing.T) {
	for seed := range 40 {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rnd := lcg(seed*7919 + 1)
			loss := rnd.float() * 0.1
			burst := rnd.float() < 0.3
			jit := time.Duration(rnd.float() * float64(120*time.Millisecond))
			dup := rnd.float() * 0.05
			drift := (rnd.float() - 0.5) * 0.004
			dtx := rnd.float() < 0.5
			lost := map[int]bool{}
			inBurst := 0
			s := sender{
				n: 1500, seq0: uint16(rnd.float() * 65536), ts0: uint32(rnd.float() * (1 << 32)),
				delay: 30 * time.Millisecond, drift: drift,
				jitter: func(int) time.Duration { return time.Duration(rnd.float() * float64(jit)) },
				lose: func(k int) bool {
					if inBurst > 0 {
						inBurst--
						lost[k] = true
						return true
					}
					if rnd.float() < loss {
						if burst {
							inBurst = int(rnd.float() * 6)
						}
						lost[k] = true
						return true
					}
					return false
				},
				dup: func(int) bool { return rnd.float() < dup },
			}
			if dtx {
				s.silent = func(k int) bool { return k%200 >= 150 }
			}
			pkts := s.packets()
			b := mustNew(t, Config{Concealer: NewG711PLC(Ulaw)})
			res := play(b, slices.Clone(pkts), 1600, 9*time.Millisecond)
			st := b.Stats()

			got := ids(res)
			if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
				t.Fatalf("frames out of order or repeated: %v", got)
			}
			for _, id := range got {
				if lost[id] {
					t.Fatalf("played lost frame %d", id)
				}
			}
			if st.Played != uint64(count(res, Normal)) || st.Concealed != uint64(count(res, Concealed)) ||
				st.Silent != uint64(count(res, Silence)) {
				t.Errorf("counters disagree with results: %+v", st)
			}
			if st.Resyncs != 0 || st.Invalid != 0 {
				t.Errorf("resync on a sane trace: %+v", st)
			}
			maxLost := uint64(len(lost))
			if st.Lost > maxLost {
				t.Errorf("lost %d > %d really lost", st.Lost, maxLost)
			}
			if st.Played+st.Late > st.Received {
				t.Errorf("played %d + late %d > received %d", st.Played, st.Late, st.Received)
			}
			if st.Delay > 300*time.Millisecond+2*frame {
				t.Errorf("delay %v beyond MaxDelay", st.Delay)
			}
			// Late packets stay rare: the target tracks the jitter.
			t.Logf("jitter %v loss %.3f burst %v dtx %v drift %.4f: %+v", jit, loss, burst, dtx, drift, st)
			if late := float64(st.Late) / float64(st.Received); late > 0.01 {
				t.Errorf("late rate %.3f (jitter %v)", late, jit)
			}
		})
	}
}

// checkConcealer is a fake Concealer that checks the buffer keeps the
// Concealer contract: Good sees only frames that were pushed, and Conceal
// gets a dst as long as the last good frame.
type checkConcealer struct {
	t       *testing.T
	pushed  map[string]bool
	lastLen int
}

func (c *checkConcealer) Good(frame []byte) {
	if !c.pushed[string(frame)] {
		c.t.Fatalf("Good with a frame never pushed: % x", frame)
	}
	c.lastLen = len(frame)
}

func (c *checkConcealer) Conceal(dst []byte) []byte {
	if len(dst) != c.lastLen || len(dst) == 0 {
		c.t.Fatalf("Conceal with %d bytes after a good frame of %d", len(dst), c.lastLen)
	}
	for i := range dst {
		dst[i] = 0xcc
	}
	return dst
}

// FuzzBuffer drives a buffer with arbitrary packets and pops. Each 6-byte
// record is a push (flags, seq delta, ts delta in frames, arrival delta in
// ms, payload length, payload byte) or, when flags&3 == 3, a pop.
func FuzzBuffer(f *testing.F) {
	f.Add([]byte{0, 1, 1, 20, 160, 1, 3, 0, 0, 0, 0, 0, 0, 1, 1, 20, 160, 2, 3, 0, 0, 0, 0, 0})
	f.Add([]byte{32, 1, 1, 20, 160, 1, 16, 1, 200, 20, 160, 2, 3, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 255, 255, 0, 161, 9, 4, 0, 0, 250, 0, 0, 3, 1, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		pushed := map[string]bool{}
		b, err := New(Config{Concealer: &checkConcealer{t: t, pushed: pushed}, MaxPayload: 160})
		if err != nil {
			t.Fatal(err)
		}
		var seq uint16
		var ts uint32
		var at, now time.Duration
		var normal, concealed, silent uint64
		for ; len(data) >= 6; data = data[6:] {
			r := data[:6]
			if r[0]&3 == 3 {
				now += frame + time.Duration(int8(r[1])%5)*time.Millisecond
				p, st := b.Pop(t0.Add(now))
				checkInvariants(t, b)
				switch st {
				case Normal:
					normal++
					if !pushed[string(p)] {
						t.Fatalf("played a payload never pushed: % x", p)
					}
				case Concealed:
					concealed++
					if len(p) > 160 || (len(p) > 0 && p[0] != 0xcc) {
						t.Fatalf("concealed payload % x", p)
					}
				case Silence:
					silent++
					if p != nil {
						t.Fatal("silence with a payload")
					}
				case NotYet:
					if p != nil {
						t.Fatal("not-yet with a payload")
					}
				default:
					t.Fatalf("status %v", st)
				}
				continue
			}
			seq += uint16(int8(r[1]))
			ts += uint32(int32(int8(r[2]))) * 160
			if r[0]&16 != 0 {
				ts += uint32(r[3]) << 20 // big jumps
			}
			at += time.Duration(r[3]) * time.Millisecond
			if r[0]&4 != 0 {
				at -= 300 * time.Millisecond // arrivals out of order
			}
			payload := make([]byte, int(r[4])%170)
			for i := range payload {
				payload[i] = r[5] + byte(i)
			}
			if len(payload) <= 160 {
				pushed[string(payload)] = true
			}
			b.Push(seq, ts, t0.Add(at), payload, r[0]&32 != 0)
			checkInvariants(t, b)
		}
		st := b.Stats()
		if st.Played != normal || st.Concealed != concealed || st.Silent != silent {
			t.Fatalf("counters %+v vs %d/%d/%d", st, normal, concealed, silent)
		}
		if st.Depth < 0 || st.Depth > time.Duration(len(b.slots))*frame {
			t.Fatalf("depth %v", st.Depth)
		}
	})
}

// checkInvariants checks the buffer's internal bookkeeping.
func checkInvariants(t *testing.T, b *Buffer) {
	t.Helper()
	filled := 0
	n := int64(len(b.slots))
	for i, s := range b.slots {
		if s.state != slotFilled {
			continue
		}
		filled++
		if s.fi&b.mask != int64(i) {
			t.Fatalf("slot %d holds frame %d", i, s.fi)
		}
		if s.fi < b.head || s.fi >= b.head+n || s.fi > b.high {
			t.Fatalf("frame %d outside [head %d, high %d]", s.fi, b.head, b.high)
		}
	}
	if filled != b.count {
		t.Fatalf("count %d, %d slots filled", b.count, filled)
	}
}

// FuzzPLC feeds the concealer arbitrary frames and erasures. Each record
// is a length byte (odd: conceal, even: good frame of that many bytes)
// followed by that many bytes of audio for a good frame.
func FuzzPLC(f *testing.F) {
	f.Add([]byte{160, 1, 2, 3}, false)
	f.Add(append([]byte{200}, make([]byte, 200)...), true)
	f.Fuzz(func(t *testing.T, data []byte, alaw bool) {
		var c Concealer = NewPLC(8000)
		if alaw {
			c = NewG711PLC(Alaw)
		}
		erased := 0
		for len(data) > 0 {
			n := int(data[0])
			data = data[1:]
			if n%2 == 1 {
				out := c.Conceal(make([]byte, n+1))
				if len(out) != n+1 {
					t.Fatalf("Conceal returned %d bytes, want %d", len(out), n+1)
				}
				erased += n + 1
				if !alaw && erased >= 2*480+2*(n+1) { // slin, whole frame past 60 ms
					for _, b := range out {
						if b != 0 {
							t.Fatalf("concealment after %d bytes of erasure not silent", erased)
						}
					}
				}
				continue
			}
			n = min(n, len(data))
			c.Good(slices.Clone(data[:n]))
			data = data[n:]
			erased = 0
		}
	})
}
