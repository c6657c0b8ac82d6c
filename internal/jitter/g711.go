package jitter

import "github.com/zaf/g711"

// Law is a G.711 companding law. The zero value is [LawUnknown].
type Law uint8

// G.711 laws.
const (
	LawUnknown Law = iota
	Ulaw           // µ-law (PCMU)
	Alaw           // A-law (PCMA)
)

// String returns the law's name as used in SDP ("PCMU", "PCMA").
func (l Law) String() string {
	switch l {
	case Ulaw:
		return "PCMU"
	case Alaw:
		return "PCMA"
	case LawUnknown:
		return "unknown"
	}
	return "unknown"
}

// G711PLC applies a [PLC] to G.711 payloads by decoding good frames to
// signed linear and encoding the concealment back. It works at 8000 Hz.
// A G711PLC implements [Concealer] and is not safe for concurrent use.
type G711PLC struct {
	law    Law
	plc    *PLC
	linear []int16
}

// NewG711PLC returns a concealer for payloads in law. An unknown law is
// treated as µ-law.
func NewG711PLC(law Law) *G711PLC {
	return &G711PLC{law: law, plc: NewPLC(8000), linear: make([]int16, 160)}
}

// Law returns the companding law the concealer was made for.
func (c *G711PLC) Law() Law { return c.law }

// Good records a G.711 frame about to be played; after an erasure it
// cross-fades the start of frame with the concealment, in place.
func (c *G711PLC) Good(frame []byte) {
	s := c.buf(len(frame))
	c.decode(s, frame)
	n := c.plc.good(s)
	c.encode(frame[:n], s)
}

// Conceal fills dst with G.711 concealment and returns it.
func (c *G711PLC) Conceal(dst []byte) []byte {
	s := c.buf(len(dst))
	c.plc.conceal(s)
	c.encode(dst, s)
	return dst
}

func (c *G711PLC) decode(dst []int16, src []byte) {
	if c.law == Alaw {
		for i, b := range src {
			dst[i] = g711.DecodeAlawFrame(b)
		}
		return
	}
	for i, b := range src {
		dst[i] = g711.DecodeUlawFrame(b)
	}
}

// encode fills dst from the first len(dst) samples of src.
func (c *G711PLC) encode(dst []byte, src []int16) {
	if c.law == Alaw {
		for i := range dst {
			dst[i] = g711.EncodeAlawFrame(src[i])
		}
		return
	}
	for i := range dst {
		dst[i] = g711.EncodeUlawFrame(src[i])
	}
}

// Reset forgets the signal history.
func (c *G711PLC) Reset() { c.plc.Reset() }

func (c *G711PLC) buf(n int) []int16 {
	if cap(c.linear) < n {
		c.linear = make([]int16, n)
	}
	return c.linear[:n]
}
