package bridge

import (
	"github.com/pbx-dev/pbx/core/channel"
	"github.com/pbx-dev/pbx/core/frame"
)

// Technology moves media between the members of a bridge (Asterisk's
// bridge technology). The bridge picks one by capability — simple, native
// or mixing, see the package documentation — and switches between them as
// membership and hooks change; the three built-in technologies are the
// only implementations. Drivers take part through the [NativeRTP]
// capability, not by implementing Technology.
//
// Calling rules, for every method:
//   - Who calls it: the bridge only.
//   - JoinLocked, LeaveLocked and TopologyChangedLocked are called with the
//     bridge lock held, on the goroutine that changed the membership or
//     read the TopologyChanged frame. They must not block and must not call
//     channels, drivers or callbacks, except to read a channel's immutable
//     snapshots (Topology, DefaultStream, ID), which take no lock. They
//     update the technology's state and queue work for members (a topology
//     request, a read format) that each member's own goroutine carries out.
//   - Write is called on the member's own goroutine with no lock held, for
//     every frame the member read that the bridge did not handle itself
//     (media, DTMF, control other than the topology frames). It borrows f:
//     it must not keep f or its payload after returning (clone to keep). It
//     may block only as long as writing to a channel does.
//   - Start is called with no lock held when the technology becomes
//     current, Stop when it stops being current or the bridge dissolves; a
//     stateless technology may see several such pairs, and Stop may come
//     without Start (a switch abandoned). Stop must wait for every goroutine
//     the technology started. Write may still be called, and must be
//     harmless, after Stop.
type Technology interface {
	// Name returns "simple", "native" or "mixing".
	Name() string
	// JoinLocked adds m.
	JoinLocked(m *Member)
	// LeaveLocked removes m.
	LeaveLocked(m *Member)
	// TopologyChangedLocked tells the technology that m's topology changed;
	// own is true when the change was this bridge's request (its
	// TopologyChanged carried the bridge as Source).
	TopologyChangedLocked(m *Member, own bool)
	// Write handles f read from m.
	Write(m *Member, f *frame.Frame)
	// Start begins moving media (the mixer's ticker, native relaying).
	Start()
	// Stop ends it and waits for the technology's goroutines.
	Stop()
}

// NativeRTP is an optional [channel.Tech] capability, implemented by a
// driver that can relay a call's packets between two of its channels
// without decoding them (the SIP driver: RTP relayed socket to socket, or
// direct media). The bridge looks for it through [channel.Unwrapper]
// chains.
//
// The bridge uses it only for exactly two members that are both Up, have
// no hook that needs audio ([channel.Channel.NeedsAudio]), are not muted,
// and whose default audio streams use the same codec. It re-checks these
// conditions on every membership or topology change and every
// [Config.NativeCheckInterval], and falls back to the simple technology
// (frames through the core) as soon as one fails.
//
// The peer passed to these methods is the peer channel's driver half that
// implements NativeRTP, unwrapped from any [channel.Unwrapper] around it.
type NativeRTP interface {
	// NativeCompatible reports whether media can be relayed natively
	// between this driver half and peer (same engine, same payload types
	// and packetisation, no in-band DTMF conversion needed …). Called by the
	// bridge on a member's goroutine with no lock held; must not block; may
	// be called often.
	NativeCompatible(peer channel.Tech) bool
	// StartNative starts relaying the media this half receives to peer
	// without decoding. While relaying, ReadFrame returns no media for the
	// relayed streams (control frames and DTMF still arrive). Called once
	// per activation, with no bridge lock held; may block briefly (a
	// re-INVITE for direct media is started, not awaited). An error makes
	// the bridge fall back to the simple technology.
	StartNative(peer channel.Tech) error
	// StopNative stops relaying; media comes through ReadFrame again. It is
	// idempotent and is called after the channel hung up too.
	StopNative() error
}

// nativeOf finds the NativeRTP capability of t or of a Tech it wraps;
// the returned capability is that (unwrapped) Tech, which is what a peer is
// given.
func nativeOf(t channel.Tech) (NativeRTP, bool) {
	for t != nil {
		if n, ok := t.(NativeRTP); ok {
			return n, true
		}
		u, ok := t.(channel.Unwrapper)
		if !ok {
			break
		}
		t = u.Unwrap()
	}
	return nil, false
}
