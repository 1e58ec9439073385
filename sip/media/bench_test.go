package media

import (
	"testing"
	"time"
)

// TestPushPullNoAllocs proves the channel loop's per-frame calls do not
// allocate, including packet encoding, sending and jitter-buffer playout.
func TestPushPullNoAllocs(t *testing.T) {
	a, b := pair(t, PCMU, 20*time.Millisecond, options{})
	frame := make([]int16, 160)
	sine(frame, 0, 1004, 8000)
	out := make([]int16, 160)
	for range 10 {
		a.Push(frame)
		b.Pull(out)
	}
	a.SendDTMF('5', time.Second)
	allocs := testing.AllocsPerRun(200, func() {
		a.Push(frame)
		b.Pull(out)
		b.PollDTMF()
	})
	if allocs != 0 {
		t.Errorf("Push+Pull: %.1f allocations per frame, want 0", allocs)
	}
}

// BenchmarkPushPull measures one 20 ms frame through Push on one session
// and Pull on the other (which also receives over loopback).
func BenchmarkPushPull(b *testing.B) {
	for _, c := range []Codec{PCMU, PCMA} {
		b.Run(c.Name, func(b *testing.B) {
			x, y := pair(b, c, 20*time.Millisecond, options{})
			frame := make([]int16, 160)
			sine(frame, 0, 1004, 8000)
			out := make([]int16, 160)
			b.ReportAllocs()
			for b.Loop() {
				x.Push(frame)
				y.Pull(out)
			}
		})
	}
}

// BenchmarkJitterBufferPutGet measures the buffer alone: one 20 ms packet
// in, one 20 ms frame out.
func BenchmarkJitterBufferPutGet(b *testing.B) {
	jb := new(jitterBuffer)
	jb.init()
	payload := constPayload(1000, 160)
	out := make([]int16, 160)
	ts := uint32(0)
	b.ReportAllocs()
	for b.Loop() {
		jb.put(ts, payload, PCMU.Law)
		jb.get(out)
		ts += 160
	}
}
