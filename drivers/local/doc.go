// Package local implements Local/ channels: two channels joined back to
// back. Dialling "Local/100@default" creates the first half (";1"), handed
// to the dialler, and — when it is called — the second half (";2"), which
// runs the dialplan at extension 100 in context default. Whatever one half
// is written comes out of the other half's reads.
//
// Streams: the second half's topology is the first half's mirrored
// (sendonly and recvonly swapped). A topology change requested on one half
// is applied at once, without negotiation: that half reports
// TopologyChanged with its source, and the other half reports a
// TopologyChanged that the core tags as External, so whatever is bridged
// beyond it mirrors the change onward exactly once.
//
// Goroutines: the driver runs the second half's handler on a goroutine it
// owns and waits for in [Driver.Close]. Each half has a bounded inbox of 64
// frames: media is dropped (oldest first) when it is full, control frames
// wait for room or hangup.
package local
