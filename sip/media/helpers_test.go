package media

import (
	"encoding/binary"
	"math"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"tipring/dsp/g711"
)

// fakeClock is a settable clock; tests move it in 20 ms steps so arrival
// times, and with them the jitter estimate, follow simulated time.
type fakeClock struct{ ns atomic.Int64 }

var clockBase = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) now() time.Time          { return clockBase.Add(time.Duration(c.ns.Load())) }
func (c *fakeClock) set(d time.Duration)     { c.ns.Store(int64(d)) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newSession(t testing.TB, o options) *Session {
	t.Helper()
	s, err := listen("127.0.0.1", 0, 0, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// pair returns two started sessions sending to each other.
func pair(t testing.TB, c Codec, ptime time.Duration, o options) (a, b *Session) {
	t.Helper()
	a = newSession(t, o)
	b = newSession(t, o)
	if err := a.Start(Params{Codec: c, DTMFPT: 101, Ptime: ptime, RemoteRTP: b.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Codec: c, DTMFPT: 101, Ptime: ptime, RemoteRTP: a.LocalAddr()}); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// waitFor polls cond until it holds or two seconds pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func waitReceived(t testing.TB, s *Session, n uint64) {
	t.Helper()
	waitFor(t, "packets", func() bool {
		st := s.Stats()
		return st.PacketsReceived+st.Duplicates+st.Discarded+st.Malformed >= n
	})
}

// sine fills frame with a tone continuing at sample index n0.
func sine(frame []int16, n0 int, freq, amp float64) {
	for i := range frame {
		frame[i] = int16(math.Round(amp * math.Sin(2*math.Pi*freq*float64(n0+i)/ClockRate)))
	}
}

// goertzelPower returns the power of x at freq, normalised so that a sine
// of amplitude A gives A²/2 (the mean power of that sine).
func goertzelPower(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / ClockRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	n := float64(len(x))
	return 2 * p / (n * n)
}

func meanPower(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return e / float64(len(x))
}

func dB(p float64) float64 { return 10 * math.Log10(p) }

// peakFreq searches lo..hi in 1 Hz steps for the strongest component.
func peakFreq(x []int16, lo, hi float64) float64 {
	best, bestF := -1.0, lo
	for f := lo; f <= hi; f++ {
		if p := goertzelPower(x, f); p > best {
			best, bestF = p, f
		}
	}
	return bestF
}

// rawPeer is a bare UDP socket standing in for a remote endpoint.
type rawPeer struct {
	t    testing.TB
	conn *net.UDPConn
}

func newRawPeer(t testing.TB) *rawPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c}
}

func (p *rawPeer) addr() *net.UDPAddr { return p.conn.LocalAddr().(*net.UDPAddr) }

func (p *rawPeer) send(to *net.UDPAddr, b []byte) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDP(b, to); err != nil {
		p.t.Fatal(err)
	}
}

// recv reads one datagram or fails after a second.
func (p *rawPeer) recv() []byte {
	p.t.Helper()
	buf := make([]byte, 2048)
	p.conn.SetReadDeadline(time.Now().Add(time.Second))
	n, err := p.conn.Read(buf)
	if err != nil {
		p.t.Fatalf("raw peer read: %v", err)
	}
	return buf[:n]
}

// tryRecv reads one datagram if one arrives within d.
func (p *rawPeer) tryRecv(d time.Duration) ([]byte, bool) {
	buf := make([]byte, 2048)
	p.conn.SetReadDeadline(time.Now().Add(d))
	n, err := p.conn.Read(buf)
	if err != nil {
		return nil, false
	}
	return buf[:n], true
}

// rtpPacket builds an RTP packet by hand (RFC 3550 §5.1).
func rtpPacket(pt uint8, marker bool, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0] = 0x80
	b[1] = pt
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	copy(b[12:], payload)
	return b
}

// constPayload is n µ-law bytes of the constant v.
func constPayload(v int16, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = g711.EncodeUlaw(v)
	}
	return p
}
