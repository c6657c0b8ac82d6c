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
	law Law
	plc PLC
}

// NewG711PLC returns a concealer for payloads in law. An unknown law is
// treated as µ-law.
func NewG711PLC(law Law) *G711PLC {
	c := &G711PLC{law: law}
	c.plc.init(8000)
	return c
}

// Law returns the companding law the concealer was made for.
func (c *G711PLC) Law() Law { return c.law }

// Good records a G.711 frame about to be played; after an erasure it
// cross-fades the start of frame with the concealment, in place.
func (c *G711PLC) Good(frame []byte) {
	var buf [chunk]int16
	fade := c.plc.fadeIn(len(frame))
	for off := 0; off < len(frame); off += chunk {
		f := frame[off:min(off+chunk, len(frame))]
		s := buf[:len(f)]
		c.decode(s, f)
		if off < fade {
			c.encode(f[:c.plc.crossFade(s, off, fade)], s)
		}
		c.plc.push(s)
	}
	c.plc.endErasure()
}

// Conceal fills dst with G.711 concealment and returns it.
func (c *G711PLC) Conceal(dst []byte) []byte {
	var buf [chunk]int16
	c.plc.startErasure()
	for off := 0; off < len(dst); off += chunk {
		d := dst[off:min(off+chunk, len(dst))]
		s := buf[:len(d)]
		c.plc.synth(s)
		c.encode(d, s)
	}
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
