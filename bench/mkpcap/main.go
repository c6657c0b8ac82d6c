// Command mkpcap writes the RTP stream SIPp plays in the load scripts: a
// pcap file of G.711 A-law at 20 ms packets (160 bytes of payload, the
// issue's "G.711 RTP at 20 ms"; the g711a.pcap shipped with sip-tester
// has 30 ms packets), carrying a 1 kHz tone for the given duration.
//
//	go run ./bench/mkpcap -seconds 8 -o out.pcap
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"

	"github.com/zaf/g711"
)

func main() {
	secs := flag.Int("seconds", 8, "duration of the stream")
	out := flag.String("o", "alaw20.pcap", "output file")
	flag.Parse()
	if err := write(*out, *secs); err != nil {
		fmt.Fprintln(os.Stderr, "mkpcap:", err)
		os.Exit(1)
	}
}

const (
	ptime   = 20 // ms
	samples = 8000 * ptime / 1000
)

func write(path string, secs int) error {
	b := make([]byte, 0, 64<<10)
	// pcap global header: magic, v2.4, zone 0, sigfigs 0, snaplen, Ethernet.
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 65535)
	b = binary.LittleEndian.AppendUint32(b, 1)

	pcm := make([]byte, 2*samples)
	n := secs * 1000 / ptime
	for i := range n {
		for j := range samples {
			v := int16(8000 * math.Sin(2*math.Pi*1000*float64(i*samples+j)/8000))
			binary.LittleEndian.PutUint16(pcm[2*j:], uint16(v))
		}
		payload := g711.EncodeAlaw(pcm)
		pkt := frame(uint16(i), uint32(i*samples), i == 0, payload)
		usec := i * ptime * 1000
		b = binary.LittleEndian.AppendUint32(b, uint32(usec/1e6))
		b = binary.LittleEndian.AppendUint32(b, uint32(usec%1e6))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(pkt)))
		b = append(b, pkt...)
	}
	return os.WriteFile(path, b, 0o644)
}

// frame returns an Ethernet/IPv4/UDP/RTP packet; SIPp replaces the
// addresses and ports when it plays it.
func frame(seq uint16, ts uint32, marker bool, payload []byte) []byte {
	rtp := make([]byte, 12, 12+len(payload))
	rtp[0] = 0x80
	rtp[1] = 8 // PCMA
	if marker {
		rtp[1] |= 0x80
	}
	binary.BigEndian.PutUint16(rtp[2:], seq)
	binary.BigEndian.PutUint32(rtp[4:], ts)
	binary.BigEndian.PutUint32(rtp[8:], 0x5eed)
	rtp = append(rtp, payload...)

	udp := make([]byte, 8, 8+len(rtp))
	binary.BigEndian.PutUint16(udp[0:], 6000)
	binary.BigEndian.PutUint16(udp[2:], 6000)
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(rtp)))
	udp = append(udp, rtp...)

	ip := make([]byte, 20, 20+len(udp))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(udp)))
	ip[8] = 64
	ip[9] = 17
	copy(ip[12:], []byte{127, 0, 0, 1})
	copy(ip[16:], []byte{127, 0, 0, 1})
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	ip = append(ip, udp...)

	eth := make([]byte, 14, 14+len(ip))
	binary.BigEndian.PutUint16(eth[12:], 0x0800)
	return append(eth, ip...)
}
