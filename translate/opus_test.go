package translate

import (
	"testing"

	"github.com/pbx-dev/pbx/core/format"
)

// opusPacket hand-makes an Opus packet (RFC 6716 §3.1): a TOC byte for
// configuration cfg (0-11 SILK, 12-15 hybrid, 16-31 CELT), mono or stereo,
// then frames frames of frameLen pseudo-random bytes each (code 0 for one
// frame, code 3 CBR otherwise). There is no Opus encoder in pure Go, but
// the range decoder accepts any bytes, so these packets decode to noise of
// the right length.
func opusPacket(cfg int, stereo bool, frames, frameLen int) []byte {
	toc := byte(cfg << 3)
	if stereo {
		toc |= 1 << 2
	}
	pkt := []byte{toc}
	if frames > 1 {
		pkt[0] |= 3
		pkt = append(pkt, byte(frames)) // CBR, no padding
	}
	x := uint32(2463534242)
	for range frames * frameLen {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		pkt = append(pkt, byte(x))
	}
	return pkt
}

// opusSamples returns the 48 kHz samples per channel a well-formed packet
// decodes to, from its TOC byte and frame count (RFC 6716 §3.1, §3.2).
func opusSamples(pkt []byte) int {
	cfg := int(pkt[0] >> 3)
	var per int
	switch {
	case cfg < 12:
		per = [...]int{480, 960, 1920, 2880}[cfg%4]
	case cfg < 16:
		per = [...]int{480, 960}[cfg%2]
	default:
		per = [...]int{120, 240, 480, 960}[cfg%4]
	}
	switch pkt[0] & 3 {
	case 0:
		return per
	case 1, 2:
		return 2 * per
	default:
		if len(pkt) < 2 {
			return 0
		}
		return int(pkt[1]&0x3f) * per
	}
}

func TestOpusDecode(t *testing.T) {
	r := NewRegistry()
	tests := map[string][]byte{
		"CELT fullband 20 ms mono":    opusPacket(31, false, 1, 80),
		"CELT fullband 20 ms stereo":  opusPacket(31, true, 1, 120),
		"CELT narrowband 2.5 ms":      opusPacket(16, false, 1, 20),
		"CELT wideband 3 x 10 ms CBR": opusPacket(22, false, 3, 40),
		"SILK narrowband 20 ms":       opusPacket(1, false, 1, 40),
		"SILK wideband 60 ms":         opusPacket(11, false, 1, 60),
		"hybrid fullband 20 ms":       opusPacket(15, true, 1, 100),
	}
	for name, pkt := range tests {
		t.Run(name, func(t *testing.T) {
			// Given a hand-made packet, When decoded to slin48, Then the
			// output holds exactly the packet's duration in mono samples.
			p := mustBuild(t, r, format.Opus, format.SLin48)
			out, err := p.Translate(voice(format.Opus, pkt, 96000))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			want := opusSamples(pkt)
			if out.Samples != want || len(out.Payload) != 2*want {
				t.Errorf("samples %d, payload %d bytes; want %d samples", out.Samples, len(out.Payload), want)
			}
			if out.Timestamp != 96000 || !out.Format.Is(format.SLin48) {
				t.Errorf("timestamp %d format %s", out.Timestamp, out.Format)
			}
		})
	}
}

func TestOpusDownmix(t *testing.T) {
	// Given a stereo packet, When decoded, Then each output sample is the
	// average of the decoder's two channels (checked against the decoder's
	// own stereo output).
	pkt := opusPacket(31, true, 1, 120)
	d := newOpusDecoder(format.SLin48)
	out, err := d.Translate(voice(format.Opus, pkt, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Release()
	ref := newOpusDecoder(format.SLin48)
	n, err := ref.dec.DecodeToFloat32(pkt, ref.pcm)
	if err != nil || n != out.Samples {
		t.Fatalf("reference decode: n=%d err=%v", n, err)
	}
	for i := range n {
		want := clampFloat((ref.pcm[2*i] + ref.pcm[2*i+1]) * 16384)
		if got := getSample(out.Payload, i); got != want {
			t.Fatalf("sample %d = %d, want %d", i, got, want)
		}
	}
}
