package gateway

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/measure"
	"tipring/hal/sim"
)

// speechLike is a deterministic speech-like test signal at about level
// dBm0: voiced stretches (a glottal pulse train through two formant
// resonators, with gliding pitch) alternating with unvoiced noise bursts and
// short pauses, after the composite source of ITU-T P.501 / G.168.
func speechLike(n int, level float64, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, n)
	var y1, y2, z1, z2 float64
	phase := 0.0
	for i := 0; i < n; i++ {
		seg := (i / 1600) % 5 // 200 ms segments: voiced, voiced, unvoiced, voiced, pause
		var e float64
		switch seg {
		case 0, 1, 3:
			f0 := 110 + 40*math.Sin(2*math.Pi*float64(i)/12000)
			phase += f0 / 8000
			if phase >= 1 {
				phase--
				e = 1
			}
		case 2:
			e = rng.NormFloat64() * 0.3
		}
		// Formants near 700 and 1200 Hz (two-pole resonators).
		r1, w1 := 0.97, 2*math.Pi*700/8000
		v := e + 2*r1*math.Cos(w1)*y1 - r1*r1*y2
		y2, y1 = y1, v
		r2, w2 := 0.95, 2*math.Pi*1800/8000
		u := v + 2*r2*math.Cos(w2)*z1 - r2*r2*z2
		z2, z1 = z1, u
		x[i] = u
	}
	var p float64
	for _, v := range x {
		p += v * v
	}
	// Scale the active part (4 of 5 segments) to the level.
	rms := math.Sqrt(p / float64(n) * 5 / 4)
	g := measure.DBm0Ref * math.Pow(10, level/20) / rms
	out := make([]int16, n)
	for i, v := range x {
		out[i] = int16(max(-32768, min(32767, v*g)))
	}
	return out
}

// echoAtCaller places a local call on a board whose hybrids reflect echo,
// talks into phone 1 and returns the level of phone 1's own speech coming
// back to its earpiece, after the canceller has had time to converge.
func echoAtCaller(t *testing.T, cfg Config) float64 {
	r := newRig(t, "us", sim.Config{EchoLossDB: 10, EchoDelay: 6 * time.Millisecond}, cfg)
	p1, p2 := r.phone(t, 1), r.phone(t, 2)
	p1.OffHook()
	r.board.Sleep(300 * time.Millisecond)
	p1.Dial("2002")
	r.waitFor(t, "ringing", 3*time.Second, p2.Ringing)
	p2.OffHook()
	r.waitFor(t, "connected", 2*time.Second, func() bool { return r.portState("2002") == PortConnected })
	p1.PlaySamples(speechLike(8000*12, -15, 7), true)
	r.board.Sleep(4 * time.Second)
	back := p1.Listen(6 * time.Second)
	p1.StopPlay()
	return measure.LevelDBm0(back)
}

// TestEchoCancelledEndToEnd: with 10 dB hybrid echo at 6 ms on the called
// phone's line, the caller hears its own -15 dBm0 speech back at about
// -25 dBm0 without the canceller; with it (the default) the echo is gone:
// more than 30 dB below that.
func TestEchoCancelledEndToEnd(t *testing.T) {
	off := echoAtCaller(t, Config{EchoOff: true})
	on := echoAtCaller(t, Config{})
	t.Logf("echo returned to the caller: %.1f dBm0 without the canceller, %.1f dBm0 with it", off, on)
	if off < -30 || off > -20 {
		t.Fatalf("without the canceller the echo is %.1f dBm0; the test path should return about -25 dBm0", off)
	}
	if on > off-30 {
		t.Errorf("with the canceller the echo is %.1f dBm0, want at least 30 dB below %.1f", on, off)
	}
}
