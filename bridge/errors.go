package bridge

import "errors"

var (
	// ErrClosed is returned by [Bridge.Join] on a bridge that was closed or
	// dissolved. A caller that wants a bridge of that name (ConfBridge)
	// creates a new one.
	ErrClosed = errors.New("bridge: closed")
	// ErrAlreadyJoined is returned by [Bridge.Join] for a channel that is
	// already a member of the bridge.
	ErrAlreadyJoined = errors.New("bridge: channel already in the bridge")
	// ErrNotMember is returned by calls naming a channel that is not a member.
	ErrNotMember = errors.New("bridge: channel not in the bridge")
	// ErrConfig is returned by [New] for an invalid [Config].
	ErrConfig = errors.New("bridge: invalid config")
)
