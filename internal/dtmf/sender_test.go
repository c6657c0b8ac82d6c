package dtmf

import (
	"errors"
	"testing"
	"time"
)

func TestSenderSequence(t *testing.T) {
	tests := []struct {
		name  string
		s     Sender
		d     time.Duration
		durs  []uint16 // durations of all packets
		nEnds int
	}{
		{"100ms", Sender{}, 100 * time.Millisecond, []uint16{160, 320, 480, 640, 800, 800, 800}, 3},
		{"90ms", Sender{}, 90 * time.Millisecond, []uint16{160, 320, 480, 640, 720, 720, 720}, 3},
		{"10ms", Sender{}, 10 * time.Millisecond, []uint16{80, 80, 80}, 3},
		{"16kHz 50ms", Sender{Rate: 16000}, 50 * time.Millisecond, []uint16{320, 640, 800, 800, 800}, 3},
		{"10ms interval", Sender{Interval: 10 * time.Millisecond}, 30 * time.Millisecond, []uint16{80, 160, 240, 240, 240}, 3},
		{"capped", Sender{}, 9 * time.Second, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const ts = 0xfffffff0 // near wrap: all packets keep it
			pkts, err := tt.s.Packets(nil, '5', tt.d, ts)
			if err != nil {
				t.Fatal(err)
			}
			ends := 0
			var last uint16
			for i, p := range pkts {
				if p.Marker != (i == 0) {
					t.Errorf("packet %d marker = %v", i, p.Marker)
				}
				if p.Timestamp != ts {
					t.Errorf("packet %d timestamp = %#x", i, p.Timestamp)
				}
				if p.Event.Digit != '5' || p.Event.Volume != 10 {
					t.Errorf("packet %d event = %+v", i, p.Event)
				}
				if p.Event.Duration < last {
					t.Errorf("packet %d duration %d decreased from %d", i, p.Event.Duration, last)
				}
				last = p.Event.Duration
				if p.Event.End {
					ends++
				} else if ends > 0 {
					t.Errorf("packet %d without E bit after an end packet", i)
				}
				if tt.durs != nil && (i >= len(tt.durs) || p.Event.Duration != tt.durs[i]) {
					t.Errorf("packet %d duration %d, want %v", i, p.Event.Duration, tt.durs)
				}
			}
			if tt.durs != nil && len(pkts) != len(tt.durs) {
				t.Errorf("%d packets, want %d", len(pkts), len(tt.durs))
			}
			if ends != tt.nEnds {
				t.Errorf("%d end packets, want %d", ends, tt.nEnds)
			}
			if tt.durs == nil && last != 0xffff {
				t.Errorf("long digit final duration %d, want 65535", last)
			}
		})
	}
}

func TestSenderStateMachine(t *testing.T) {
	var s Sender
	if _, ok := s.Next(); ok {
		t.Fatal("idle sender produced a packet")
	}
	if err := s.Start('x', time.Second, 0); !errors.Is(err, ErrUnknownDigit) {
		t.Errorf("Start('x') = %v", err)
	}
	if err := s.Start('1', 0, 0); !errors.Is(err, ErrDuration) {
		t.Errorf("Start(d=0) = %v", err)
	}
	if err := s.Start('a', time.Second, 1000); err != nil {
		t.Fatal(err)
	}
	if err := s.Start('2', time.Second, 0); !errors.Is(err, ErrBusy) {
		t.Errorf("second Start = %v, want ErrBusy", err)
	}
	p, _ := s.Next()
	if p.Event.Digit != 'A' {
		t.Errorf("lowercase digit not canonicalised: %q", p.Event.Digit)
	}
	s.Next() // duration 320
	s.Stop()
	var got []Packet
	for {
		p, ok := s.Next()
		if !ok {
			break
		}
		got = append(got, p)
	}
	if len(got) != 3 {
		t.Fatalf("after Stop: %d packets, want 3 end packets", len(got))
	}
	for _, p := range got {
		if !p.Event.End || p.Event.Duration != 320 || p.Marker {
			t.Errorf("after Stop: %+v", p)
		}
	}
	if s.Busy() {
		t.Error("still busy after the end packets")
	}
	if err := s.Start('3', 40*time.Millisecond, 2000); err != nil {
		t.Errorf("Start after finishing: %v", err)
	}
}

func TestSenderNoAllocs(t *testing.T) {
	var s Sender
	buf := make([]byte, 0, Size)
	allocs := testing.AllocsPerRun(100, func() {
		if err := s.Start('9', 100*time.Millisecond, 0); err != nil {
			t.Fatal(err)
		}
		for {
			p, ok := s.Next()
			if !ok {
				break
			}
			buf = Marshal(buf[:0], p.Event)
		}
	})
	if allocs != 0 {
		t.Errorf("sending a digit allocated %v times", allocs)
	}
}
