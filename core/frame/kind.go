package frame

// Kind is the kind of a frame. The zero value is [KindUnknown].
type Kind uint8

// Frame kinds.
const (
	KindUnknown Kind = iota
	Voice
	Video
	DTMFBegin
	DTMFEnd
	Control
	Text
	Image
	Null
)

// String returns the kind's lowercase name.
func (k Kind) String() string {
	switch k {
	case Voice:
		return "voice"
	case Video:
		return "video"
	case DTMFBegin:
		return "dtmf-begin"
	case DTMFEnd:
		return "dtmf-end"
	case Control:
		return "control"
	case Text:
		return "text"
	case Image:
		return "image"
	case Null:
		return "null"
	case KindUnknown:
		return "unknown"
	}
	return "unknown"
}

// IsMedia reports whether frames of kind k carry stream media (voice, video,
// text or image) and so belong to a specific stream.
func (k Kind) IsMedia() bool { return k == Voice || k == Video || k == Text || k == Image }

// ControlType is the subclass of a [Control] frame. The zero value is
// [ControlUnknown].
type ControlType uint8

// Control subclasses.
const (
	ControlUnknown ControlType = iota
	Hangup
	Ringing
	Progress
	Answer
	Busy
	Congestion
	Hold
	Unhold
	VideoUpdate
	SourceUpdate
	// TopologyRequestChange asks for renegotiation to the topology the frame
	// carries: queued by a driver when the remote re-offered, or indicated to
	// a driver by the core.
	TopologyRequestChange
	// TopologyChanged says negotiation finished; the frame carries the
	// topology now in force.
	TopologyChanged
	// TopologySourceChanged says the same slots now have a new source (for
	// example a new SSRC).
	TopologySourceChanged
	Proceeding
)

// String returns the subclass's lowercase name.
func (c ControlType) String() string {
	switch c {
	case Hangup:
		return "hangup"
	case Ringing:
		return "ringing"
	case Progress:
		return "progress"
	case Answer:
		return "answer"
	case Busy:
		return "busy"
	case Congestion:
		return "congestion"
	case Hold:
		return "hold"
	case Unhold:
		return "unhold"
	case VideoUpdate:
		return "video-update"
	case SourceUpdate:
		return "source-update"
	case TopologyRequestChange:
		return "topology-request-change"
	case TopologyChanged:
		return "topology-changed"
	case TopologySourceChanged:
		return "topology-source-changed"
	case Proceeding:
		return "proceeding"
	case ControlUnknown:
		return "unknown"
	}
	return "unknown"
}

// IsTopology reports whether c is one of the three topology control frames.
func (c ControlType) IsTopology() bool {
	return c == TopologyRequestChange || c == TopologyChanged || c == TopologySourceChanged
}
