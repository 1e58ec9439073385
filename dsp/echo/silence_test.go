package echo

import (
	"fmt"
	"math"
	"sync"
	"testing"
)

// silenceScenario is a call through a gateway port whose line is digitally
// silent (exact zeros, no noise): a second of silence, 2 s of quiet
// near-end sound with Rin silent (the NLP learns the background from it),
// 10 s of digital silence on both sides, then far-end speech at -15 dBm0
// whose echo returns 10 dB down after 6 ms, G.711 µ-law both ways. It
// returns the scenario and the sample where the far end starts talking.
func silenceScenario() (scenario, int) {
	start := 13 * fs
	n := start + 3*fs
	far := make([]float64, n)
	near := make([]float64, n)
	copy(near[fs:], css(2*fs, -40, 3))
	copy(far[start:], css(3*fs, -15, 11))
	// A noise level of -400 dBm0 leaves Sin exactly zero in the pauses.
	return build(far, near, -400, newLine(annexD()[0].scaled(10), ms(6)), nil, 0), start
}

// TestDigitalSilenceVectorMatchesGo runs several cancellers concurrently,
// as the gateway does (one per port), with the vector kernels on a line
// that is digitally silent for long stretches, and compares them with the
// portable kernels. In such silence the NLP's smoothed background
// statistics decay into subnormal numbers; they once drove its comfort
// noise filter to NaN, which the portable rounding turned into silence
// and the AVX2 rounding into full-scale output.
func TestDigitalSilenceVectorMatchesGo(t *testing.T) {
	sc, start := silenceScenario()
	silent := scenario{rin: make([]int16, 12*fs), sin: make([]int16, 12*fs)}
	// Each canceller: a run, Reset, a second run; the first one also sees
	// 12 s of nothing but zeros before the call.
	// ok reports whether the comfort noise filter stayed finite.
	type result struct {
		outs [][]int16
		ok   bool
	}
	runCalls := func(c *Canceller, idle bool) result {
		res := result{ok: true}
		if idle {
			run(c, silent)
		}
		for range 2 {
			res.outs = append(res.outs, run(c, sc))
			n := &c.nlp
			res.ok = res.ok && finite(n.a1, n.a2, n.gn, n.y1, n.y2)
			c.Reset()
		}
		return res
	}
	const workers = 4
	cs := make([]*Canceller, workers+1)
	for i := range cs {
		cs[i] = newCanceller(t, 64, true)
	}
	restore := setVectorKernels(false)
	want := runCalls(cs[workers], false)
	restore()

	got := make([]result, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[w] = runCalls(cs[w], w == 0)
		}()
	}
	wg.Wait()

	echo := db(energy(sc.echo, start, len(sc.echo)))
	check := func(name string, out []int16) {
		t.Helper()
		res := db(energy(out, start, len(out)))
		if res > echo-30 {
			t.Errorf("%s: residual %.1f dB with echo at %.1f dB (16-bit units), want at least 30 dB less", name, res, echo)
		}
	}
	if !want.ok {
		t.Errorf("portable kernels: comfort noise filter not finite")
	}
	for w := range workers {
		if !got[w].ok {
			t.Errorf("vector kernels, canceller %d: comfort noise filter not finite", w)
		}
	}
	for call, ref := range want.outs {
		check("portable kernels", ref)
		for w := range workers {
			out := got[w].outs[call]
			name := fmt.Sprintf("vector kernels, canceller %d, call %d", w, call+1)
			check(name, out)
			diff := make([]int16, len(out))
			for i := range out {
				diff[i] = int16(max(-32768, min(32767, int(out[i])-int(ref[i]))))
			}
			if d := db(energy(diff, 0, len(diff))); d > echo-30 {
				t.Errorf("%s: differs from the portable kernels by %.1f dB, echo at %.1f dB", name, d, echo)
			}
		}
	}
}

// TestComfortNoiseSubnormalBackground: background statistics stuck a few
// units in the last place above zero (what long digital silence leaves)
// must give finite, silent comfort noise, not NaN.
func TestComfortNoiseSubnormalBackground(t *testing.T) {
	for _, ulp := range []uint32{1, 2, 3, 4, 5} {
		var n nlp
		n.init()
		n.learned = true
		v := math.Float32frombits(ulp)
		n.r0, n.r1, n.r2 = v, v, v
		var e [blockLen]float32
		var out [blockLen]int16
		n.run(&out, &e, true, math.MaxFloat32)
		if out != ([blockLen]int16{}) {
			t.Errorf("r = %d ulp: comfort noise %v, want silence", ulp, out)
		}
		if !finite(n.a1, n.a2, n.gn, n.y1, n.y2) {
			t.Fatalf("r = %d ulp: comfort noise filter not finite: %+v", ulp, n)
		}
	}
}

func finite(xs ...float32) bool {
	for _, x := range xs {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}
