package leg

import (
	"slices"
	"testing"
)

type recorder struct{ got [][]int16 }

func (r *recorder) Push(f []int16) { r.got = append(r.got, slices.Clone(f)) }
func (r *recorder) Pull(f []int16) { clear(f) }

// TestLookaheadMutesOnsetFrame: frames come out one frame late; when the
// relay starts, the frame held back (the digit's onset) goes out muted.
func TestLookaheadMutesOnsetFrame(t *testing.T) {
	var l Lookahead
	var r recorder
	frames := [][]int16{{1, 1}, {2, 2}, {3, 3}, {0, 0}, {5, 5}}
	relaying := []bool{false, false, false, true, false}
	for i, f := range frames {
		l.Push(&r, f, relaying[i])
	}
	want := [][]int16{{0, 0}, {1, 1}, {2, 2}, {0, 0}, {0, 0}}
	if !slices.EqualFunc(r.got, want, slices.Equal[[]int16]) {
		t.Errorf("pushed %v, want %v", r.got, want)
	}
	l.Reset()
	l.Push(&r, []int16{7, 7}, false)
	if last := r.got[len(r.got)-1]; !slices.Equal(last, []int16{0, 0}) {
		t.Errorf("after Reset pushed %v, want silence", last)
	}
	if n := testing.AllocsPerRun(100, func() { l.Push(&r, frames[0], false) }); n > 1 {
		// the recorder clones; the lookahead itself must not allocate
		t.Errorf("%v allocations per push", n)
	}
}
