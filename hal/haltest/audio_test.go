package haltest

import (
	"math"
	"testing"
)

// TestG711DigitalMilliwattLevel checks the dBm0 reference against ITU-T
// G.711 Table 5: the µ-law digital milliwatt 0x1E 0x0B 0x0B 0x1E 0x9E 0x8B
// 0x8B 0x9E decodes (16-bit scale) to ±8828 and ±20860, which must read
// 0 dBm0 to within the 0.034 dB between the two laws' milliwatts.
func TestG711DigitalMilliwattLevel(t *testing.T) {
	p, q := int16(20860), int16(8828)
	x := make([]int16, 0, 8000)
	for range 1000 {
		x = append(x, q, p, p, q, -q, -p, -p, -q)
	}
	if l := levelDBm0(x); math.Abs(l) > 0.05 {
		t.Errorf("digital milliwatt reads %.3f dBm0, want 0 ± 0.05", l)
	}
}

func TestSineLevelAndFrequency(t *testing.T) {
	for _, c := range []struct{ f, l float64 }{{1004, -10}, {350, -13}, {3400, -20}, {300, 0}} {
		x := make([]int16, 4000)
		sine(x, c.f, c.l, 0.3)
		if got := levelDBm0(x); math.Abs(got-c.l) > 0.02 {
			t.Errorf("%v Hz at %v dBm0: level %.3f", c.f, c.l, got)
		}
		if got := toneLevelDBm0(x, c.f); math.Abs(got-c.l) > 0.05 {
			t.Errorf("%v Hz at %v dBm0: tone level %.3f", c.f, c.l, got)
		}
		if got := frequency(x); math.Abs(got-c.f) > 0.5 {
			t.Errorf("%v Hz: frequency %.3f", c.f, got)
		}
	}
}

func TestSinePhaseContinuity(t *testing.T) {
	whole := make([]int16, 480)
	sine(whole, 1004, -10, 0)
	parts := make([]int16, 480)
	ph := 0.0
	for i := 0; i < 480; i += 160 {
		ph = sine(parts[i:i+160], 1004, -10, ph)
	}
	for i := range whole {
		if d := int(whole[i]) - int(parts[i]); d > 1 || d < -1 {
			t.Fatalf("sample %d: %d in one block, %d in frames", i, whole[i], parts[i])
		}
	}
}

func TestActiveBlocks(t *testing.T) {
	x := make([]int16, 8000)
	sine(x[1000:3000], 1004, -10, 0)
	sine(x[4000:7600], 1004, -10, 0)
	blocks := activeBlocks(x, 400, 40)
	// 1000-3000 holds blocks 3..6 whole (1200-2800), 4000-7600 blocks 10..18.
	if len(blocks) != 4+9 {
		t.Fatalf("%d active blocks, want 13", len(blocks))
	}
	for _, b := range blocks {
		if got := levelDBm0(b); math.Abs(got+10) > 0.05 {
			t.Errorf("block level %.2f", got)
		}
	}
	if activeBlocks(make([]int16, 8000), 400, 40) != nil {
		t.Error("silence has active blocks")
	}
}
