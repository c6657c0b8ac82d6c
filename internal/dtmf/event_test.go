package dtmf

import (
	"bytes"
	"errors"
	"testing"
)

func TestCodeDigit(t *testing.T) {
	for code := range uint8(17) {
		d, ok := Digit(code)
		if !ok {
			t.Fatalf("Digit(%d) not ok", code)
		}
		back, ok := Code(d)
		if !ok || back != code {
			t.Errorf("Code(Digit(%d)=%q) = %d, %v", code, d, back, ok)
		}
	}
	for _, c := range []struct {
		r    rune
		code uint8
	}{{'0', 0}, {'9', 9}, {'*', 10}, {'#', 11}, {'A', 12}, {'d', 15}, {Flash, 16}} {
		if got, ok := Code(c.r); !ok || got != c.code {
			t.Errorf("Code(%q) = %d, %v; want %d", c.r, got, ok, c.code)
		}
	}
	for _, r := range []rune{'E', 'e', ' ', 'x', 0, '\u0660'} {
		if Valid(r) {
			t.Errorf("Valid(%q) = true", r)
		}
	}
	if _, ok := Digit(17); ok {
		t.Error("Digit(17) ok")
	}
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		e    Event
		want []byte
	}{
		{"digit 5 start", Event{Digit: '5', Volume: 10, Duration: 160}, []byte{5, 10, 0x00, 0xa0}},
		{"# end", Event{Digit: '#', End: true, Volume: 10, Duration: 800}, []byte{11, 0x8a, 0x03, 0x20}},
		{"flash", Event{Digit: Flash, Volume: 0, Duration: 0xffff}, []byte{16, 0, 0xff, 0xff}},
		{"volume clamped", Event{Digit: 'D', Volume: 200, Duration: 1}, []byte{15, 63, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Marshal([]byte{0xee}, tt.e)
			if !bytes.Equal(got[1:], tt.want) || got[0] != 0xee {
				t.Errorf("Marshal = % x, want ee % x", got, tt.want)
			}
		})
	}
	if got := Marshal(nil, Event{Digit: 'x'}); len(got) != 0 {
		t.Errorf("Marshal of invalid digit = % x, want nothing", got)
	}
}

func TestUnmarshal(t *testing.T) {
	e, err := Unmarshal([]byte{11, 0xca, 0x03, 0x20, 0xde, 0xad})
	if err != nil {
		t.Fatal(err)
	}
	// 0xca: E set, R set (ignored), volume 10; extra bytes ignored.
	want := Event{Digit: '#', End: true, Volume: 10, Duration: 800}
	if e != want {
		t.Errorf("Unmarshal = %+v, want %+v", e, want)
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := map[string]struct {
		in   []byte
		want error
	}{
		"nil":        {nil, ErrShortPayload},
		"three":      {[]byte{1, 2, 3}, ErrShortPayload},
		"code 17":    {[]byte{17, 0, 0, 0}, ErrUnknownEvent},
		"code 255":   {[]byte{255, 0x80, 0, 0}, ErrUnknownEvent},
		"ringing 70": {[]byte{70, 10, 0, 160}, ErrUnknownEvent},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Unmarshal(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add([]byte{5, 10, 0, 160})
	f.Add([]byte{11, 0xca, 0x03, 0x20, 0})
	f.Add([]byte{16, 0x3f, 0xff, 0xff})
	f.Add([]byte{17, 0, 0, 0})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, p []byte) {
		e, err := Unmarshal(p)
		if err != nil {
			if len(p) >= Size && p[0] <= 16 {
				t.Fatalf("valid payload % x rejected: %v", p, err)
			}
			return
		}
		// Round trip: marshalling gives back the first 4 bytes with the
		// reserved R bit cleared.
		want := []byte{p[0], p[1] &^ 0x40, p[2], p[3]}
		got := Marshal(nil, e)
		if !bytes.Equal(got, want) {
			t.Fatalf("Marshal(Unmarshal(% x)) = % x, want % x", p, got, want)
		}
		again, err := Unmarshal(got)
		if err != nil || again != e {
			t.Fatalf("second Unmarshal = %+v, %v; want %+v", again, err, e)
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	buf := make([]byte, 0, Size)
	e := Event{Digit: '7', Volume: 10, Duration: 480}
	b.ReportAllocs()
	for b.Loop() {
		buf = Marshal(buf[:0], e)
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	p := []byte{7, 10, 1, 0xe0}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(p); err != nil {
			b.Fatal(err)
		}
	}
}
