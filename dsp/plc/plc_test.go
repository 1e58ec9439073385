package plc

import (
	"math"
	"testing"
)

// voiced returns n samples of a harmonic signal with fundamental f0 (Hz):
// eight harmonics with a 1/k roll-off, peak about 12000.
func voiced(n int, f0 float64) []int16 {
	x := make([]int16, n)
	for i := range x {
		var v float64
		for k := 1; k <= 8; k++ {
			f := float64(k) * f0
			if f >= 3800 {
				break
			}
			v += math.Sin(2*math.Pi*f*float64(i)/8000+0.7*float64(k)) / float64(k)
		}
		x[i] = int16(4500 * v)
	}
	return x
}

// run feeds x through a Concealer in frames of size, treating the frames
// for which lost returns true as lost, and returns the output.
func run(x []int16, size int, lost func(frame int) bool) []int16 {
	c := New()
	y := make([]int16, len(x))
	for k := 0; k*size < len(x); k++ {
		f := y[k*size : min((k+1)*size, len(x))]
		if lost(k) {
			c.Fillin(f)
		} else {
			copy(f, x[k*size:])
			c.Good(f)
		}
	}
	return y
}

func TestG711AppendixIDelay(t *testing.T) {
	x := voiced(8000, 131.7)
	for _, size := range []int{80, 160, 37} {
		y := run(x, size, func(int) bool { return false })
		for i := range x {
			want := int16(0)
			if i >= Delay {
				want = x[i-Delay]
			}
			if y[i] != want {
				t.Fatalf("frame size %d: y[%d] = %d, want x[%d] = %d (delay %d)", size, i, y[i], i-Delay, want, Delay)
			}
		}
	}
}

// TestG711AppendixIPitchSearch checks the pitch estimate on periodic
// voiced signals over the whole 40-120 sample range.
func TestG711AppendixIPitchSearch(t *testing.T) {
	for _, p := range []int{40, 41, 47, 57, 64, 80, 99, 113, 120} {
		x := voiced(800, 8000/float64(p))
		c := New()
		c.Good(x)
		c.Fillin(make([]int16, FrameSize))
		if c.Pitch() != p {
			t.Errorf("period %d samples: pitch %d", p, c.Pitch())
		}
	}
	// A 300 Hz voice (26.7 samples) is below PitchMin: a multiple of its
	// period is used.
	x := voiced(800, 300)
	c := New()
	c.Good(x)
	c.Fillin(make([]int16, FrameSize))
	if p := float64(c.Pitch()) * 300 / 8000; math.Abs(p-math.Round(p)) > 0.05 || c.Pitch() < PitchMin {
		t.Errorf("300 Hz: pitch %d, want a multiple of 26.7", c.Pitch())
	}
}

// TestG711AppendixIAttenuation loses 100 ms of a periodic signal: the
// first 10 ms repeat it at full level, each further 10 ms loses 20 % of
// the level, and after 60 ms the output is silent.
func TestG711AppendixIAttenuation(t *testing.T) {
	const p = 64
	x := voiced(8000, 8000/float64(p))
	const first, nlost = 20, 10 // 10 ms frames
	y := run(x, FrameSize, func(k int) bool { return k >= first && k < first+nlost })
	T := first * FrameSize
	// Fit y = (a + b*e)*x over each 10 ms of the loss (least squares) and
	// take the gain at the middle of the frame.
	gains := make([]float64, nlost)
	for j := range nlost {
		var s00, s01, s11, r0, r1 float64
		mid := float64(j*FrameSize) + 39.5
		for e := j * FrameSize; e < (j+1)*FrameSize; e++ {
			s := float64(x[T+e])
			u, v := s, s*(float64(e)-mid)
			yy := float64(y[T+Delay+e])
			s00 += u * u
			s01 += u * v
			s11 += v * v
			r0 += u * yy
			r1 += v * yy
		}
		det := s00*s11 - s01*s01
		gains[j] = (r0*s11 - r1*s01) / det
	}
	for j, g := range gains {
		want := 0.0
		switch {
		case j == 0:
			want = 1
		case j < 6:
			want = 1 - attenStep*(float64(j-1)*FrameSize+40.5)
		}
		if math.Abs(g-want) > 0.01 {
			t.Errorf("lost 10 ms frame %d: gain %.3f, want %.3f", j+1, g, want)
		}
	}
	for j := 1; j < 5; j++ {
		if d := gains[j] - gains[j+1]; math.Abs(d-0.2) > 0.01 {
			t.Errorf("attenuation from lost frame %d to %d: %.3f per 10 ms, want 0.2", j+1, j+2, d)
		}
	}
	for e := maxConceal; e < nlost*FrameSize; e++ {
		if v := y[T+Delay+e]; v != 0 {
			t.Fatalf("%.2f ms into the loss: sample %d, want silence after 60 ms", float64(e)/8, v)
		}
	}
}

// gliding returns n samples of a voiced signal whose fundamental glides
// from f0 to f1 Hz, so that no two periods are alike.
func gliding(n int, f0, f1 float64) []int16 {
	x := make([]int16, n)
	ph := 0.0
	for i := range x {
		f := f0 + (f1-f0)*float64(i)/float64(n)
		ph += 2 * math.Pi * f / 8000
		var v float64
		for k := 1; k <= 3; k++ {
			v += math.Sin(float64(k)*ph+0.7*float64(k)) / float64(k)
		}
		x[i] = int16(4500 * v)
	}
	return x
}

// maxCurve is the largest second difference in x: a waveform that jumps
// shows up there even where its slope is small.
func maxCurve(x []int16) float64 {
	m := 0.0
	for i := 2; i < len(x); i++ {
		m = max(m, math.Abs(float64(x[i])-2*float64(x[i-1])+float64(x[i-2])))
	}
	return m
}

// TestG711AppendixIContinuity loses 1 to 8 frames of a voiced signal
// whose pitch glides, so no two periods are alike: neither the start of
// the concealment nor the return of good audio may click. A click is a
// second difference, within 5 ms of either boundary, larger than twice the
// largest second difference of the original signal in the same 10 ms.
func TestG711AppendixIContinuity(t *testing.T) {
	for _, f0 := range []float64{87.3, 123.4, 181.9} {
		x := gliding(8000, f0, 1.6*f0)
		for nlost := 1; nlost <= 8; nlost++ {
			const first = 30
			for _, size := range []int{80, 160} {
				y := run(x, size, func(k int) bool {
					return k*size >= first*FrameSize && k*size < (first+nlost)*FrameSize
				})
				for _, b := range []int{first * FrameSize, (first + nlost) * FrameSize} {
					// b is a boundary in input time; the output shows
					// it Delay samples later.
					ref := maxCurve(x[b-40 : b+40])
					got := maxCurve(y[b+Delay-40 : b+Delay+40])
					if got > 2*ref {
						t.Errorf("f0 %.1f Hz, %d lost 10 ms frames, %d-sample frames: second difference %.0f at the boundary at %d ms, signal's own %.0f",
							f0, nlost, size, got, b/8, ref)
					}
				}
			}
		}
	}
}

// TestG711AppendixIRecovery checks that good audio after a loss is passed
// through unchanged once the overlap of at most 10 ms is over, and that
// the overlap grows by 4 ms per lost 10 ms.
func TestG711AppendixIRecovery(t *testing.T) {
	x := voiced(8000, 8000.0/64)
	const first = 20
	for nlost := 1; nlost <= 7; nlost++ {
		y := run(x, FrameSize, func(k int) bool { return k >= first && k < first+nlost })
		R := (first + nlost) * FrameSize // first good input sample
		olen := min(64/4+(nlost-1)*olaIncr, FrameSize)
		for i := R + olen; i < len(x)-Delay; i++ {
			if y[i+Delay] != x[i] {
				t.Fatalf("%d lost: y[%d] = %d, want %d", nlost, i+Delay, y[i+Delay], x[i])
			}
		}
		if nlost >= 6 {
			// The synthetic signal is silent: the good audio fades in
			// over exactly olen samples.
			i := R + olen/2
			want := float64(x[i]) * float64(olen/2+1) / float64(olen+1)
			if math.Abs(float64(y[i+Delay])-want) > 1 {
				t.Errorf("%d lost: fade-in sample %d, want %.0f", nlost, y[i+Delay], want)
			}
		}
	}
}

func TestAllocs(t *testing.T) {
	x := voiced(160, 150)
	c := New()
	f := make([]int16, 160)
	k := 0
	allocs := testing.AllocsPerRun(200, func() {
		if k%5 == 3 {
			c.Fillin(f)
		} else {
			copy(f, x)
			c.Good(f)
		}
		k++
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per frame", allocs)
	}
}

func benchmark(b *testing.B, lossEvery int) {
	x := voiced(160, 150)
	c := New()
	f := make([]int16, 160)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if lossEvery > 0 && i%lossEvery == 0 {
			c.Fillin(f)
		} else {
			copy(f, x)
			c.Good(f)
		}
	}
	b.ReportMetric(float64(b.N)*20e6/float64(b.Elapsed().Nanoseconds()), "ch/core")
}

// BenchmarkGood is the pass-through cost per 20 ms frame.
func BenchmarkGood(b *testing.B) { benchmark(b, 0) }

// BenchmarkLoss10 loses every tenth 20 ms frame.
func BenchmarkLoss10(b *testing.B) { benchmark(b, 10) }

// BenchmarkFillin conceals every frame.
func BenchmarkFillin(b *testing.B) { benchmark(b, 1) }
