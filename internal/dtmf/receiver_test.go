package dtmf

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

type rtpEvent struct {
	ts     uint32
	marker bool
	p      []byte
}

func digitPackets(t testing.TB, digit rune, d time.Duration, ts uint32) []rtpEvent {
	t.Helper()
	var s Sender
	pkts, err := s.Packets(nil, digit, d, ts)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]rtpEvent, len(pkts))
	for i, p := range pkts {
		out[i] = rtpEvent{p.Timestamp, p.Marker, Marshal(nil, p.Event)}
	}
	return out
}

func feed(t testing.TB, r *Receiver, pkts []rtpEvent) []string {
	t.Helper()
	var sigs []Signal
	for _, p := range pkts {
		var err error
		sigs, err = r.Push(p.ts, p.p, p.marker, sigs)
		if err != nil {
			t.Fatal(err)
		}
	}
	out := make([]string, len(sigs))
	for i, s := range sigs {
		out[i] = s.String()
	}
	return out
}

func TestReceiver(t *testing.T) {
	one := func(t *testing.T) []rtpEvent { return digitPackets(t, '5', 100*time.Millisecond, 8000) }
	two := func(t *testing.T) []rtpEvent {
		return append(one(t), digitPackets(t, '#', 60*time.Millisecond, 9600)...)
	}
	tests := []struct {
		name   string
		pkts   func(t *testing.T) []rtpEvent
		flush  bool
		want   string
		active bool
	}{
		{"clean", one, false, "begin 5, end 5 100ms", false},
		{"two digits", two, false, "begin 5, end 5 100ms, begin #, end # 60ms", false},
		{"duplicates", func(t *testing.T) []rtpEvent {
			var out []rtpEvent
			for _, p := range two(t) {
				out = append(out, p, p)
			}
			return out
		}, false, "begin 5, end 5 100ms, begin #, end # 60ms", false},
		{"lost first packet", func(t *testing.T) []rtpEvent { return one(t)[1:] }, false, "begin 5, end 5 100ms", false},
		{"only an end packet", func(t *testing.T) []rtpEvent { return one(t)[5:6] }, false, "begin 5, end 5 100ms", false},
		{"end before the rest", func(t *testing.T) []rtpEvent {
			p := one(t)
			return []rtpEvent{p[0], p[4], p[1], p[2], p[3], p[5]}
		}, false, "begin 5, end 5 100ms", false},
		{"reordered", func(t *testing.T) []rtpEvent {
			p := two(t)
			for i := 0; i+1 < len(p); i += 2 {
				p[i], p[i+1] = p[i+1], p[i]
			}
			return p
		}, false, "begin 5, end 5 100ms, begin #, end # 60ms", false},
		{"old event after new one", func(t *testing.T) []rtpEvent {
			p := two(t)
			return append(p, p[0], p[6])
		}, false, "begin 5, end 5 100ms, begin #, end # 60ms", false},
		{"all end packets lost", func(t *testing.T) []rtpEvent {
			p := two(t)
			return append(p[:4], p[7:]...)
		}, false, "begin 5, end 5 80ms, begin #, end # 60ms", false},
		{"no end yet", func(t *testing.T) []rtpEvent { return one(t)[:3] }, false, "begin 5", true},
		{"flush", func(t *testing.T) []rtpEvent { return one(t)[:3] }, true, "begin 5, end 5 60ms", false},
		{"flush after end", one, true, "begin 5, end 5 100ms", false},
		{"sender clock restart", func(t *testing.T) []rtpEvent {
			return append(one(t), digitPackets(t, '1', 40*time.Millisecond, 1<<32-192000)...)
		}, false, "begin 5, end 5 100ms, begin 1, end 1 40ms", false},
		{"timestamp wrap", func(t *testing.T) []rtpEvent {
			return append(digitPackets(t, '1', 40*time.Millisecond, 0xffffff00),
				digitPackets(t, '2', 40*time.Millisecond, 0x100)...)
		}, false, "begin 1, end 1 40ms, begin 2, end 2 40ms", false},
		{"long event segments", func(t *testing.T) []rtpEvent {
			seg := func(ts uint32, dur uint16, end bool) rtpEvent {
				return rtpEvent{ts, false, Marshal(nil, Event{Digit: '0', End: end, Duration: dur})}
			}
			return []rtpEvent{seg(100, 0xff00, false), seg(100, 0xffff, false), seg(100+0xffff, 8000, true)}
		}, false, "begin 0, end 0 9.191875s", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Receiver
			got := feed(t, &r, tt.pkts(t))
			if tt.flush {
				for _, s := range r.Flush(nil) {
					got = append(got, s.String())
				}
			}
			if s := strings.Join(got, ", "); s != tt.want {
				t.Errorf("signals = %s\nwant      %s", s, tt.want)
			}
			if r.Active() != tt.active {
				t.Errorf("Active = %v, want %v", r.Active(), tt.active)
			}
		})
	}
}

func TestReceiverErrorsAndReset(t *testing.T) {
	var r Receiver
	sigs, err := r.Push(0, []byte{1, 2}, true, nil)
	if err == nil || len(sigs) != 0 {
		t.Fatalf("short payload: %v, %v", sigs, err)
	}
	sigs, _ = r.Push(1000, []byte{4, 10, 0, 160}, true, nil)
	if len(sigs) != 1 || sigs[0].Kind != Begin {
		t.Fatalf("begin: %v", sigs)
	}
	r.Reset()
	if r.Active() {
		t.Error("active after Reset")
	}
	// After Reset the same timestamp is a new event again.
	sigs, _ = r.Push(1000, []byte{4, 0x8a, 0, 160}, false, nil)
	if got := fmt.Sprint(sigs); got != "[begin 4 end 4 20ms]" {
		t.Errorf("after Reset: %s", got)
	}
}

func TestReceiverNoAllocs(t *testing.T) {
	pkts := digitPackets(t, '7', 100*time.Millisecond, 0)
	var r Receiver
	sigs := make([]Signal, 0, 4)
	ts := uint32(0)
	allocs := testing.AllocsPerRun(100, func() {
		ts += 8000
		for _, p := range pkts {
			sigs, _ = r.Push(ts, p.p, p.marker, sigs[:0])
		}
	})
	if allocs != 0 {
		t.Errorf("receiving a digit allocated %v times", allocs)
	}
}

// checkSignals verifies the Receiver contract: signals alternate Begin,
// End, Begin, End..., each End carries the digit of its Begin.
func checkSignals(t *testing.T, sigs []Signal, open *rune) {
	t.Helper()
	for _, s := range sigs {
		switch s.Kind {
		case Begin:
			if *open != 0 {
				t.Fatalf("begin %c while %c is open", s.Digit, *open)
			}
			*open = s.Digit
		case End:
			if *open != s.Digit {
				t.Fatalf("end %c without begin (open %q)", s.Digit, *open)
			}
			if s.Duration < 0 {
				t.Fatalf("negative duration %v", s.Duration)
			}
			*open = 0
		default:
			t.Fatalf("signal of kind %v", s.Kind)
		}
	}
}

// FuzzReceiver feeds arbitrary packet streams: each 8-byte record is
// flags, a signed timestamp delta (2 bytes), and a payload (4 bytes, or 3
// when flags bit 1 is set). It also perturbs a real digit sequence.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{1, 0, 0, 5, 10, 0, 160, 0, 0, 0, 0, 5, 0x8a, 3, 32, 0})
	f.Add([]byte{1, 0, 100, 3, 0x8a, 0, 160, 0, 1, 0xff, 0, 3, 0x0a, 0, 0, 0, 1, 0x80, 0, 16, 0x0a, 0xff, 0xff, 0})
	f.Add(slices.Repeat([]byte{0, 0, 0, 16, 0x80, 0xff, 0xff, 0}, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Receiver
		var open rune
		ts := uint32(0)
		var sigs []Signal
		for len(data) >= 8 {
			rec := data[:8]
			data = data[8:]
			ts += uint32(int32(int16(binary.BigEndian.Uint16(rec[1:]))))
			p := rec[3:7]
			if rec[0]&2 != 0 {
				p = p[:3]
			}
			if rec[0]&4 != 0 {
				ts -= 0x7fff0000 // large jumps, both ways over time
			}
			sigs, _ = r.Push(ts, p, rec[0]&1 != 0, sigs[:0])
			checkSignals(t, sigs, &open)
			if r.Active() != (open != 0) {
				t.Fatalf("Active = %v with open digit %q", r.Active(), open)
			}
		}
		checkSignals(t, r.Flush(sigs[:0]), &open)
		if open != 0 {
			t.Fatalf("digit %c still open after Flush", open)
		}
	})
}

func BenchmarkReceiver(b *testing.B) {
	pkts := digitPackets(b, '7', 100*time.Millisecond, 0)
	var r Receiver
	sigs := make([]Signal, 0, 4)
	ts := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		ts += 8000
		for _, p := range pkts {
			sigs, _ = r.Push(ts, p.p, p.marker, sigs[:0])
		}
	}
}
