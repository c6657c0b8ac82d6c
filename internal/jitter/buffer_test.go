package jitter

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	bad := map[string]Config{
		"negative rate":      {Rate: -1},
		"negative frame":     {FrameDuration: -time.Millisecond},
		"sub-sample frame":   {Rate: 8000, FrameDuration: 100 * time.Microsecond},
		"max below min":      {MinDelay: 100 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		"max too large":      {MaxDelay: 6 * time.Second},
		"negative payload":   {MaxPayload: -1},
		"max below defaults": {MaxDelay: 10 * time.Millisecond},
	}
	for name, cfg := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New = %v, want ErrInvalidConfig", err)
			}
		})
	}
	b := mustNew(t, Config{})
	if b.cfg.Rate != 8000 || b.fs != 160 || b.cfg.MaxPayload != 320 || b.concealMax != 3 {
		t.Errorf("defaults: %+v fs=%d concealMax=%d", b.cfg, b.fs, b.concealMax)
	}
	if len(b.slots) != 64 {
		t.Errorf("%d slots for 300 ms, want 64", len(b.slots))
	}
	if b := mustNew(t, Config{MinDelay: -1, MaxDelay: 100 * time.Millisecond, InitialDelay: time.Second}); b.cfg.InitialDelay != 100*time.Millisecond || b.cfg.MinDelay != 0 {
		t.Errorf("clamping: %+v", b.cfg)
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{
		StatusUnknown: "unknown", Normal: "normal", Concealed: "concealed",
		Silence: "silence", NotYet: "not-yet", Status(99): "unknown",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

func TestClean(t *testing.T) {
	b := mustNew(t, Config{})
	if _, st := b.Pop(t0); st != NotYet {
		t.Fatalf("empty buffer: %v", st)
	}
	res := play(b, sender{n: 500, seq0: 100, ts0: 1234, delay: 30 * time.Millisecond}.packets(), 500, 7*time.Millisecond)
	// One frame is dropped to come down from the initial 40 ms to the
	// 20 ms floor, after a second of excess delay.
	got := ids(res)
	if len(got) < 490 || !slices.IsSorted(got) || got[0] != 0 || got[len(got)-1]-got[0] != len(got) {
		t.Fatalf("played %d frames: %v", len(got), got)
	}
	// Initial delay 40 ms: NotYet until the first packet (arrived at
	// 30 ms) is 40 ms old, at the pop at 87 ms.
	if n := count(res, NotYet); n != 4 {
		t.Errorf("%d NotYet before playout, want 4", n)
	}
	st := b.Stats()
	if st.Concealed != 0 || st.Lost != 0 || st.Late != 0 || st.Discarded != 0 || st.Silent != 0 {
		t.Errorf("clean trace: %+v", st)
	}
	if st.TargetDelay != 20*time.Millisecond {
		t.Errorf("target %v on a clean network, want the 20 ms floor", st.TargetDelay)
	}
	if st.Delay < st.TargetDelay || st.Delay >= st.TargetDelay+frame {
		t.Errorf("delay %v outside [target, target+frame), target %v", st.Delay, st.TargetDelay)
	}
	// The drop from the initial 40 ms to the 20 ms floor is one adjustment.
	if st.Adjustments != 1 {
		t.Errorf("%d adjustments, want 1", st.Adjustments)
	}
	if st.Received != 498 || st.Played != uint64(count(res, Normal)) { // 2 arrive after the last pop
		t.Errorf("received %d played %d", st.Received, st.Played)
	}
}

func seqIDs(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

func TestReorderAndDuplicates(t *testing.T) {
	s := sender{
		n: 300, seq0: 65500, ts0: 0xffffff00, delay: 30 * time.Millisecond, // both wrap
		jitter: func(k int) time.Duration {
			if k%7 == 3 {
				return 25 * time.Millisecond // arrives after its successor
			}
			return 0
		},
		dup: func(k int) bool { return k%5 == 0 },
	}
	b := mustNew(t, Config{})
	res := trim(play(b, s.packets(), 320, 3*time.Millisecond))
	got := ids(res)
	if !slices.Equal(got, seqIDs(0, 300)) {
		t.Fatalf("played ids %v...", got[:min(20, len(got))])
	}
	st := b.Stats()
	if st.Discarded != 60 {
		t.Errorf("discarded %d duplicates, want 60", st.Discarded)
	}
	if st.Lost != 0 || st.Late != 0 || count(res, Concealed) != 0 {
		t.Errorf("concealed %d, stats %+v", count(res, Concealed), st)
	}
}

func TestLossAndLate(t *testing.T) {
	s := sender{
		n: 200, delay: 20 * time.Millisecond,
		lose: func(k int) bool { return k == 50 || (k >= 100 && k < 110) },
		jitter: func(k int) time.Duration {
			if k == 150 {
				return 300 * time.Millisecond
			}
			return 0
		},
	}
	b := mustNew(t, Config{})
	res := trim(play(b, s.packets(), 215, 5*time.Millisecond))
	C, S := Concealed, Silence
	want := map[int][]Status{
		51:  {C},                            // one loss
		110: {C, C, C, S, S, S, S, S, S, S}, // a burst: concealment fades out
		151: {C},                            // one late packet
	}
	got := gaps(res)
	if len(got) != len(want) {
		t.Errorf("gaps %v\nwant %v", got, want)
	}
	for id, w := range want {
		if g := got[id]; len(g) != len(w) && id == 110 && len(g) == len(w)-1 {
			// The silence may absorb one frame of the excess initial delay.
			continue
		} else if !slices.Equal(g, w) {
			t.Errorf("gap before %d: %v, want %v", id, g, w)
		}
	}
	st := b.Stats()
	if st.Lost != 11 || st.Late != 1 || count(res, Concealed) != 5 {
		t.Errorf("lost %d late %d concealed %d, want 11 1 5", st.Lost, st.Late, count(res, Concealed))
	}
	if got := ids(res); len(got) != 188 {
		t.Errorf("%d frames played, want 188", len(got))
	}
}

func TestTalkSpurts(t *testing.T) {
	// 1 s talk, 1 s silence (no packets, timestamps run on), 1 s talk.
	s := sender{
		n: 150, delay: 40 * time.Millisecond,
		silent: func(k int) bool { return k >= 50 && k < 100 },
	}
	b := mustNew(t, Config{})
	res := trim(play(b, s.packets(), 160, 11*time.Millisecond))
	if got := ids(res); !slices.Equal(got, append(seqIDs(0, 50), seqIDs(100, 50)...)) {
		t.Fatalf("played %v", got)
	}
	st := b.Stats()
	if st.Lost != 0 {
		t.Errorf("silence counted as %d lost", st.Lost)
	}
	// The end of the first spurt looks like an underrun and is concealed
	// until the concealment fades out; then silence.
	if g := gaps(res)[100]; len(g) < 45 || !slices.Equal(g[:4], []Status{Concealed, Concealed, Concealed, Silence}) {
		t.Errorf("gap %v", g)
	}
}

func TestTalkSpurtRealigns(t *testing.T) {
	// The second spurt arrives 50 ms later than the first one's timing
	// (a route change): the silence absorbs it without touching the talk.
	s := sender{
		n: 150, delay: 20 * time.Millisecond,
		silent: func(k int) bool { return k >= 50 && k < 100 },
		jitter: func(k int) time.Duration {
			if k >= 100 {
				return 50 * time.Millisecond
			}
			return 0
		},
	}
	b := mustNew(t, Config{})
	res := trim(play(b, s.packets(), 170, 11*time.Millisecond))
	if got := ids(res); !slices.Equal(got, append(seqIDs(0, 50), seqIDs(100, 50)...)) {
		t.Fatalf("played %v", got)
	}
	if st := b.Stats(); st.Late != 0 || count(res, Concealed) != 3 {
		t.Errorf("concealed %d, stats %+v", count(res, Concealed), st)
	}
}

func TestTimestampJump(t *testing.T) {
	a := sender{n: 100, seq0: 10, ts0: 5000, delay: 20 * time.Millisecond}.packets()
	// The same sender jumps its timestamp by 10 s (no marker) and its
	// sequence continues.
	bpk := sender{n: 100, seq0: 110, ts0: 5000 + 100*160 + 80000, delay: 20*time.Millisecond + 2*time.Second}.packets()
	for i := range bpk {
		bpk[i].marker = false
		bpk[i].payload = idPayload(1000 + i)
	}
	buf := mustNew(t, Config{})
	res := trim(play(buf, append(a, bpk...), 210, 5*time.Millisecond))
	got := ids(res)
	// Frame 1000 waits for confirmation by 1001, then the timeline
	// continues from it after what was buffered: nothing is lost.
	want := append(seqIDs(0, 100), seqIDs(1000, 100)...)
	if !slices.Equal(got, want) {
		t.Fatalf("played %d: %v", len(got), got)
	}
	if n := count(res, Concealed) + count(res, Silence); n != 0 {
		t.Errorf("%d frames concealed or silent across the jump", n)
	}
	st := buf.Stats()
	if st.Resyncs != 1 || st.Invalid != 0 {
		t.Errorf("resyncs %d invalid %d, want 1 0", st.Resyncs, st.Invalid)
	}
	if st.Lost != 0 {
		t.Errorf("lost %d across the resync", st.Lost)
	}
}

func TestFrozenTimestampsOverSilence(t *testing.T) {
	// A broken sender whose timestamps stop during a 200 ms silence: the
	// second spurt's packets look 200 ms late.
	a := sender{n: 50, delay: 20 * time.Millisecond}.packets()
	bpk := sender{n: 50, seq0: 50, ts0: 50 * 160, delay: 20*time.Millisecond + time.Second + 200*time.Millisecond}.packets()
	for i := range bpk {
		bpk[i].payload = idPayload(100 + i)
	}
	buf := mustNew(t, Config{})
	res := play(buf, append(a, bpk...), 130, 5*time.Millisecond)
	got := ids(res)
	if !slices.Equal(got, append(seqIDs(0, 50), seqIDs(100, 50)...)) {
		t.Fatalf("played %v", got)
	}
	if st := buf.Stats(); st.Resyncs != 1 || st.Late != 0 {
		t.Errorf("resyncs %d late %d, want 1 0", st.Resyncs, st.Late)
	}
}

func TestReset(t *testing.T) {
	buf := mustNew(t, Config{})
	a := sender{n: 50, seq0: 1000, ts0: 99999, delay: 20 * time.Millisecond}.packets()
	res := play(buf, a, 55, 5*time.Millisecond)
	if n := len(ids(res)); n < 45 {
		t.Fatalf("first stream played %d", n)
	}
	buf.Reset() // new SSRC: unrelated sequence and timestamps
	bpk := sender{n: 50, seq0: 7, ts0: 123, delay: 20 * time.Millisecond}.packets()
	for i := range bpk {
		bpk[i].at += 2 * time.Second
		bpk[i].payload = idPayload(500 + i)
	}
	var res2 []out
	for k := range 60 {
		now := 2*time.Second + 5*time.Millisecond + time.Duration(k)*frame
		for len(bpk) > 0 && bpk[0].at <= now {
			p := bpk[0]
			buf.Push(p.seq, p.ts, t0.Add(p.at), p.payload, p.marker)
			bpk = bpk[1:]
		}
		payload, st := buf.Pop(t0.Add(now))
		res2 = append(res2, out{st, slices.Clone(payload)})
	}
	if got := ids(res2); !slices.Equal(got, seqIDs(500, 50)) {
		t.Fatalf("after Reset played %v", got)
	}
	if st := buf.Stats(); st.Resyncs != 0 || st.Lost != 0 || st.Invalid != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOversize(t *testing.T) {
	buf := mustNew(t, Config{})
	buf.Push(1, 160, t0, make([]byte, 321), true)
	if st := buf.Stats(); st.Invalid != 1 || st.Received != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestAdaptsToJitter(t *testing.T) {
	rnd := lcg(42)
	// 20 s with 0-80 ms of uniform jitter, then 60 s clean.
	s := sender{
		n: 4000, delay: 20 * time.Millisecond,
		jitter: func(k int) time.Duration {
			if k < 1000 {
				return time.Duration(rnd.float() * float64(80*time.Millisecond))
			}
			return 0
		},
	}
	buf := mustNew(t, Config{})
	pkts := s.packets()
	var targets []time.Duration
	var res []out
	for k := range 4010 {
		now := 3*time.Millisecond + time.Duration(k)*frame
		for len(pkts) > 0 && pkts[0].at <= now {
			p := pkts[0]
			buf.Push(p.seq, p.ts, t0.Add(p.at), p.payload, p.marker)
			pkts = pkts[1:]
		}
		payload, st := buf.Pop(t0.Add(now))
		res = append(res, out{st, slices.Clone(payload)})
		if k%50 == 0 {
			targets = append(targets, buf.Stats().TargetDelay)
		}
	}
	st := buf.Stats()
	// Steady jittery phase (seconds 5-20): target covers the jitter.
	if tj := targets[19]; tj < 70*time.Millisecond || tj > 100*time.Millisecond {
		t.Errorf("target %v under 0-80 ms jitter", tj)
	}
	if late := float64(st.Late) / 1000; late > 0.04 {
		t.Errorf("late rate %.3f under jitter", late)
	}
	// Shrinks slowly: still high 2 s after the jitter stops, back at the
	// floor within 60 s.
	if tj := targets[22]; tj < 50*time.Millisecond {
		t.Errorf("target %v 2 s after jitter stopped: shrinks too fast", tj)
	}
	if tj := targets[len(targets)-1]; tj != 20*time.Millisecond {
		t.Errorf("target %v after 60 s clean, want 20ms", tj)
	}
	if st.Delay >= 40*time.Millisecond {
		t.Errorf("delay %v after 60 s clean", st.Delay)
	}
	if st.Lost != 0 {
		t.Errorf("lost %d", st.Lost)
	}
	t.Logf("stats %+v", st)
	t.Logf("target each second: %v", targets)
}

func TestDrift(t *testing.T) {
	for _, drift := range []float64{0.005, -0.005} {
		for _, dtx := range []bool{false, true} {
			name := "fast"
			if drift < 0 {
				name = "slow"
			}
			if dtx {
				name += "/dtx"
			}
			t.Run(name, func(t *testing.T) {
				s := sender{n: 3000, delay: 30 * time.Millisecond, drift: drift}
				if dtx { // 2 s talk, 1 s silence
					s.silent = func(k int) bool { return k%150 >= 100 }
				}
				buf := mustNew(t, Config{})
				pkts := s.packets()
				maxDelay := time.Duration(0)
				n := int(float64(3000)/(1+drift)) + 5
				var res []out
				for k := range n {
					now := 7*time.Millisecond + time.Duration(k)*frame
					for len(pkts) > 0 && pkts[0].at <= now {
						p := pkts[0]
						buf.Push(p.seq, p.ts, t0.Add(p.at), p.payload, p.marker)
						pkts = pkts[1:]
					}
					payload, st := buf.Pop(t0.Add(now))
					res = append(res, out{st, slices.Clone(payload)})
					if k > 100 {
						maxDelay = max(maxDelay, buf.Stats().Delay)
					}
				}
				st := buf.Stats()
				// 0.5% of 60 s is 300 ms: about 15 frames to drop or insert.
				if st.Adjustments < 12 {
					t.Errorf("%d adjustments for 300 ms of drift", st.Adjustments)
				}
				if st.Late != 0 || st.Lost != 0 {
					t.Errorf("late %d lost %d", st.Late, st.Lost)
				}
				if maxDelay > 70*time.Millisecond {
					t.Errorf("delay reached %v", maxDelay)
				}
				if got := ids(res); !slices.IsSorted(got) {
					t.Error("frames out of order")
				}
				t.Logf("stats %+v max delay %v", st, maxDelay)
			})
		}
	}
}
