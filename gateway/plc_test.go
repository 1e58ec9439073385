package gateway

import (
	"encoding/binary"
	"math"
	"net"
	"testing"
	"time"

	"tipring/dsp/g711"
	"tipring/sip/media"
)

// lossyReceiver starts a media session that receives a 170 Hz tone as PCMU
// from a raw RTP sender on loopback, with every fifth 20 ms packet from the
// tenth on missing; pull plays out one frame per packet and returns what it
// heard.
func lossyReceiver(t *testing.T, packets int, pull func(s *media.Session, frame []int16)) []int16 {
	t.Helper()
	s, err := media.Listen("127.0.0.1", 42000, 42999, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	src, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := s.Start(media.Params{Codec: media.PCMU, DTMFPT: 101, Ptime: 20 * time.Millisecond, RemoteRTP: src.LocalAddr().(*net.UDPAddr)}); err != nil {
		t.Fatal(err)
	}
	const n = 160
	out := make([]int16, 0, packets*n)
	frame := make([]int16, n)
	pkt := make([]byte, 12+n)
	for k := range packets {
		if k < 10 || k%5 != 0 {
			pkt[0], pkt[1] = 0x80, 0
			binary.BigEndian.PutUint16(pkt[2:], uint16(k))
			binary.BigEndian.PutUint32(pkt[4:], uint32(k*n))
			binary.BigEndian.PutUint32(pkt[8:], 0x1234)
			for i := range n {
				v := 8000 * math.Sin(2*math.Pi*170*float64(k*n+i)/8000)
				pkt[12+i] = g711.EncodeUlaw(int16(v))
			}
			want := s.Stats().PacketsReceived + 1
			if _, err := src.WriteToUDP(pkt, s.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(2 * time.Second)
			for s.Stats().PacketsReceived < want {
				if time.Now().After(deadline) {
					t.Fatalf("packet %d not received", k)
				}
				time.Sleep(100 * time.Microsecond)
			}
		}
		pull(s, frame)
		out = append(out, frame...)
	}
	return out
}

// toneSNR fits a sinusoid of freq to x by least squares and returns the
// ratio of its power to the residual's, in dB.
func toneSNR(x []int16, freq float64) float64 {
	var ss, sc, cc, xs, xc float64
	for i, v := range x {
		w := 2 * math.Pi * freq * float64(i) / 8000
		s, c := math.Sin(w), math.Cos(w)
		ss += s * s
		sc += s * c
		cc += c * c
		xs += float64(v) * s
		xc += float64(v) * c
	}
	det := ss*cc - sc*sc
	a, b := (xs*cc-xc*sc)/det, (xc*ss-xs*sc)/det
	var sig, res float64
	for i, v := range x {
		w := 2 * math.Pi * freq * float64(i) / 8000
		f := a*math.Sin(w) + b*math.Cos(w)
		sig += f * f
		res += (float64(v) - f) * (float64(v) - f)
	}
	return 10 * math.Log10(sig/res)
}

// TestG711AppendixIConcealmentOnSIPAudio: with 20 % of the RTP packets of
// a 170 Hz tone lost (one 20 ms packet in five), the audio a port pulls
// through the SIP leg is concealed by G.711 Appendix I: its signal to
// distortion ratio is far better than the jitter buffer's plain repeat of
// the last frame (170 Hz is 3.4 periods a frame, so a plain repeat jumps
// in phase at every loss), and the level of the tone is kept.
func TestG711AppendixIConcealmentOnSIPAudio(t *testing.T) {
	const packets = 150
	var leg *mediaLeg
	withPLC := lossyReceiver(t, packets, func(s *media.Session, frame []int16) {
		if leg == nil {
			leg = newMediaLeg(s)
		}
		leg.Pull(frame)
	})
	plain := lossyReceiver(t, packets, func(s *media.Session, frame []int16) { s.Pull(frame) })
	// Judge from packet 10 on (the buffer is settled), before the end.
	seg := func(x []int16) []int16 { return x[12*160 : (packets-2)*160] }
	snrPLC, snrPlain := toneSNR(seg(withPLC), 170), toneSNR(seg(plain), 170)
	t.Logf("signal to distortion: %.1f dB concealed, %.1f dB plain repeat", snrPLC, snrPlain)
	if snrPLC < 15 {
		t.Errorf("concealed audio has %.1f dB signal to distortion, want ≥ 15 dB", snrPLC)
	}
	if snrPLC < snrPlain+8 {
		t.Errorf("concealment gains %.1f dB over a plain repeat, want ≥ 8 dB", snrPLC-snrPlain)
	}
}
