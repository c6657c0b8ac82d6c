package sip

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Binding is one registered contact of an address of record (RFC 3261
// §10).
type Binding struct {
	// Contact is the contact URI as registered ("sip:alice@192.0.2.7:5062").
	Contact string
	// Expires is when the binding lapses.
	Expires time.Time
	// CallID and CSeq are those of the REGISTER that last refreshed it,
	// for the ordering rule of RFC 3261 §10.3 step 7.
	CallID string
	CSeq   uint32
	// Source is the address the REGISTER came from ("192.0.2.7:5062") and
	// Transport its transport ("UDP", "TCP", "TLS", "WS", "WSS"). Calls
	// to the binding are sent there, so phones behind NAT are reached;
	// over a connection-oriented transport that is the connection the
	// REGISTER arrived on while it is open (the phone's flow, which a
	// WebSocket phone needs: it accepts no connections).
	Source    string
	Transport string
	// UserAgent is the registering phone's User-Agent header.
	UserAgent string
}

// Location stores registrations, by address of record (the endpoint's
// user name). The registrar writes it, outbound dialling reads it.
// Implementations must be safe for concurrent use; ctx bounds a store
// that waits on a network.
type Location interface {
	// Lookup returns the unexpired bindings of aor at now, oldest first.
	Lookup(ctx context.Context, aor string, now time.Time) ([]Binding, error)
	// Update replaces the bindings of aor with what fn returns, given the
	// current unexpired ones, atomically with respect to other Updates of
	// the same aor. fn must not retain or modify its argument. An error
	// from fn aborts the update and is returned.
	Update(ctx context.Context, aor string, now time.Time, fn func(cur []Binding) ([]Binding, error)) error
}

// MemoryLocation is an in-memory [Location]. Expired bindings are dropped
// lazily, when their address of record is next read or written.
type MemoryLocation struct {
	mu   sync.Mutex
	aors map[string][]Binding
}

var _ Location = (*MemoryLocation)(nil)

// NewMemoryLocation returns an empty store.
func NewMemoryLocation() *MemoryLocation {
	return &MemoryLocation{aors: map[string][]Binding{}}
}

func liveBindings(bs []Binding, now time.Time) []Binding {
	return slices.DeleteFunc(bs, func(b Binding) bool { return !b.Expires.After(now) })
}

// Lookup implements [Location].
func (m *MemoryLocation) Lookup(_ context.Context, aor string, now time.Time) ([]Binding, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	bs := liveBindings(m.aors[aor], now)
	if len(bs) == 0 {
		delete(m.aors, aor)
		return nil, nil
	}
	m.aors[aor] = bs
	return slices.Clone(bs), nil
}

// Update implements [Location].
func (m *MemoryLocation) Update(_ context.Context, aor string, now time.Time, fn func([]Binding) ([]Binding, error)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := liveBindings(m.aors[aor], now)
	next, err := fn(slices.Clone(cur))
	if err != nil {
		return err
	}
	next = liveBindings(slices.Clone(next), now)
	if len(next) == 0 {
		delete(m.aors, aor)
		return nil
	}
	m.aors[aor] = next
	return nil
}

// AORs returns the addresses of record with bindings (some may have
// expired since), for the CLI.
func (m *MemoryLocation) AORs() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.aors))
	for k := range m.aors {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
