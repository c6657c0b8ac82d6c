package stream

import (
	"errors"
	"testing"
)

func TestParseState(t *testing.T) {
	for _, want := range []State{Removed, SendRecv, SendOnly, RecvOnly, Inactive} {
		t.Run("given "+want.String()+" when parsed then it round-trips", func(t *testing.T) {
			got, err := ParseState(want.String())
			if err != nil || got != want {
				t.Errorf("ParseState(%q) = %v, %v; want %v", want.String(), got, err, want)
			}
		})
	}
	// Asterisk's ast_stream_str2state maps every unknown string to REMOVED;
	// we return an error instead, never Removed by accident.
	for name, in := range map[string]string{
		"empty":       "",
		"upper case":  "SENDRECV",
		"garbage":     "foo",
		"unknown":     "unknown",
		"padded":      " sendrecv",
		"mixed case":  "Removed",
		"trailing nl": "inactive\n",
	} {
		t.Run("given "+name+" when parsed then ErrUnknownState and not removed", func(t *testing.T) {
			got, err := ParseState(in)
			if !errors.Is(err, ErrUnknownState) {
				t.Errorf("ParseState(%q) error = %v, want ErrUnknownState", in, err)
			}
			if got != StateUnknown {
				t.Errorf("ParseState(%q) = %v, want StateUnknown (never removed)", in, got)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	want := map[State]string{
		StateUnknown: "unknown", Removed: "removed", SendRecv: "sendrecv",
		SendOnly: "sendonly", RecvOnly: "recvonly", Inactive: "inactive", 42: "unknown",
	}
	for st, w := range want {
		t.Run("given state "+w+" then String is stable", func(t *testing.T) {
			if got := st.String(); got != w {
				t.Errorf("State(%d).String() = %q, want %q", st, got, w)
			}
		})
	}
}

func TestStateMirror(t *testing.T) {
	tests := []struct{ in, want State }{
		{SendOnly, RecvOnly},
		{RecvOnly, SendOnly},
		{SendRecv, SendRecv},
		{Inactive, Inactive},
		{Removed, Removed},
		{StateUnknown, StateUnknown},
	}
	for _, tt := range tests {
		t.Run("given "+tt.in.String()+" when mirrored then "+tt.want.String(), func(t *testing.T) {
			if got := tt.in.Mirror(); got != tt.want {
				t.Errorf("%v.Mirror() = %v, want %v", tt.in, got, tt.want)
			}
			if got := tt.in.Mirror().Mirror(); got != tt.in {
				t.Errorf("mirror twice of %v = %v", tt.in, got)
			}
		})
	}
}

func TestStateDirections(t *testing.T) {
	tests := []struct {
		st             State
		sends, receive bool
	}{
		{SendRecv, true, true},
		{SendOnly, true, false},
		{RecvOnly, false, true},
		{Inactive, false, false},
		{Removed, false, false},
	}
	for _, tt := range tests {
		t.Run("given "+tt.st.String()+" then Sends and Receives follow the PBX side", func(t *testing.T) {
			if tt.st.Sends() != tt.sends || tt.st.Receives() != tt.receive {
				t.Errorf("%v: Sends %v Receives %v", tt.st, tt.st.Sends(), tt.st.Receives())
			}
		})
	}
}

// FuzzParseState checks that ParseState never panics, that every accepted
// string is one of the five names and round-trips through String, and that
// a rejected string yields StateUnknown.
func FuzzParseState(f *testing.F) {
	for _, s := range []string{"removed", "sendrecv", "sendonly", "recvonly", "inactive", "", "SENDRECV", "foo", "unknown", "sendrecv\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := ParseState(s)
		if err != nil {
			if !errors.Is(err, ErrUnknownState) || st != StateUnknown {
				t.Fatalf("ParseState(%q) = %v, %v", s, st, err)
			}
			return
		}
		if st == StateUnknown || st.String() != s {
			t.Fatalf("ParseState(%q) = %v, String %q", s, st, st.String())
		}
	})
}
