package audiotest

import "encoding/binary"

// AppendBytes appends samples to dst as little-endian signed 16-bit linear
// audio (the "slin" payload layout) and returns the extended slice.
func AppendBytes(dst []byte, samples []int16) []byte {
	for _, s := range samples {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(s))
	}
	return dst
}

// AppendSamples appends the little-endian signed 16-bit samples in p to dst
// and returns the extended slice. A trailing odd byte is ignored.
func AppendSamples(dst []int16, p []byte) []int16 {
	for i := 0; i+1 < len(p); i += 2 {
		dst = append(dst, int16(binary.LittleEndian.Uint16(p[i:])))
	}
	return dst
}

// Bytes returns samples as a new little-endian byte slice.
func Bytes(samples []int16) []byte {
	return AppendBytes(make([]byte, 0, 2*len(samples)), samples)
}

// Samples returns the little-endian samples in p as a new slice. A trailing
// odd byte is ignored.
func Samples(p []byte) []int16 {
	return AppendSamples(make([]int16, 0, len(p)/2), p)
}
