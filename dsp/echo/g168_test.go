package echo

import (
	"fmt"
	"testing"
)

// TestG168Test1 checks the steady-state echo return loss enhancement with
// the NLP off: at least 30 dB on every Annex D model at ERL 6, 10 and 15 dB
// for 32 ms and 128 ms tails, with the echo placed at the end of the tail.
func TestG168Test1(t *testing.T) {
	models := annexD()
	far := css(8*fs, -10, 1)
	for _, tail := range []int{32, 128} {
		for _, m := range models {
			for _, erl := range []float64{6, 10, 15} {
				name := fmt.Sprintf("tail%d/%s/ERL%g", tail, m.name, erl)
				t.Run(name, func(t *testing.T) {
					sm := m.scaled(erl)
					delay := ms(float64(tail)) - sm.disp
					sc := build(far, nil, -70, newLine(sm, delay), nil, 0)
					c := newCanceller(t, tail, false)
					out := run(c, sc)
					got := erle(sc, out, 4*fs, 8*fs)
					t.Logf("%s delay %d: ERLE %.1f dB (stats ERL %.1f ERLE %.1f)", name, delay, got, c.Stats().ERL, c.Stats().ERLE)
					if got < 30 {
						t.Errorf("%s: steady-state ERLE %.1f dB < 30 dB", name, got)
					}
				})
			}
		}
	}
}

// testModels returns the Annex D models with the ERLs a test sweeps: all
// eight at ERL 6, 10 and 15 dB, or (with -short) a spread of six.
func testModels(t *testing.T) []struct {
	m   echoModel
	erl float64
} {
	var out []struct {
		m   echoModel
		erl float64
	}
	for i, m := range annexD() {
		for j, erl := range []float64{6, 10, 15} {
			if testing.Short() && (i+j)%4 != 0 {
				continue
			}
			out = append(out, struct {
				m   echoModel
				erl float64
			}{m.scaled(erl), erl})
		}
	}
	return out
}

// TestG168Test2A checks convergence with the NLP on: from 1 s to 10 s after
// far-end speech starts, no 35 ms window of Sout exceeds -65 dBm0.
func TestG168Test2A(t *testing.T) {
	far := css(10*fs, -10, 2)
	for _, tail := range []int{32, 128} {
		for _, tm := range testModels(t) {
			name := fmt.Sprintf("tail%d/%s/ERL%g", tail, tm.m.name, tm.erl)
			delay := ms(float64(tail)) - tm.m.disp - ms(2)
			sc := build(far, nil, -70, newLine(tm.m, delay), nil, 0)
			c := newCanceller(t, tail, true)
			out := run(c, sc)
			peak, at := peakDBm0(out, fs, 10*fs)
			t.Logf("%s: residual peak %.1f dBm0 at %.2f s", name, peak, float64(at)/fs)
			if peak > -65 {
				t.Errorf("%s: residual peak %.1f dBm0 at %.2f s > -65 dBm0", name, peak, float64(at)/fs)
			}
		}
	}
}

// TestG168Test2B checks convergence with the NLP off: the combined loss
// Rin→Sout (ERL + ERLE) reaches 20 dB within 1 s of far-end speech.
func TestG168Test2B(t *testing.T) {
	far := css(2*fs, -10, 3)
	for _, tail := range []int{32, 128} {
		for _, tm := range testModels(t) {
			name := fmt.Sprintf("tail%d/%s/ERL%g", tail, tm.m.name, tm.erl)
			delay := ms(float64(tail)) - tm.m.disp - ms(2)
			sc := build(far, nil, -70, newLine(tm.m, delay), nil, 0)
			c := newCanceller(t, tail, false)
			out := run(c, sc)
			loss := db(energy(sc.rin, fs, fs+fs/2)) - db(energy(out, fs, fs+fs/2))
			t.Logf("%s: combined loss 1.0-1.5 s %.1f dB", name, loss)
			if loss < 20 {
				t.Errorf("%s: combined loss %.1f dB < 20 dB 1 s after far-end speech", name, loss)
			}
		}
	}
}

// TestEchoPathChange converges on one echo path, switches abruptly to
// another (G.168 test 2 after a path change) and checks both the NLP-on
// residual (-65 dBm0 from 1 s after the change) and the NLP-off ERLE.
func TestEchoPathChange(t *testing.T) {
	models := annexD()
	far := css(14*fs, -10, 4)
	for _, tail := range []int{32, 128} {
		for _, nlpOn := range []bool{true, false} {
			a := models[1].scaled(6)
			b := models[7].scaled(10)
			la := newLine(a, ms(float64(tail))/3)
			lb := newLine(b, ms(float64(tail))-b.disp-ms(1))
			change := 4 * fs
			sc := build(far, nil, -70, la, lb, change)
			c := newCanceller(t, tail, nlpOn)
			out := run(c, sc)
			if nlpOn {
				peak, at := peakDBm0(out, change+fs, 14*fs)
				t.Logf("tail %d NLP on: residual peak %.1f dBm0 at %.2f s", tail, peak, float64(at)/fs)
				if peak > -65 {
					t.Errorf("tail %d: residual peak %.1f dBm0 at %.2f s > -65 dBm0 after path change", tail, peak, float64(at)/fs)
				}
			} else {
				loss := db(energy(sc.rin, change+fs, change+fs+fs/2)) - db(energy(out, change+fs, change+fs+fs/2))
				e := erle(sc, out, change+6*fs, change+10*fs)
				t.Logf("tail %d NLP off: combined loss 1 s after change %.1f dB, steady ERLE %.1f dB", tail, loss, e)
				if loss < 20 {
					t.Errorf("tail %d: combined loss %.1f dB < 20 dB 1 s after path change", tail, loss)
				}
				if e < 30 {
					t.Errorf("tail %d: ERLE %.1f dB < 30 dB after path change", tail, e)
				}
			}
		}
	}
}

// doubleTalk runs G.168 test 3: converge on far-end speech, apply near-end
// speech at nearRel dB relative to Rin for 4 s, then freeze the canceller
// and measure the ERLE it retained; then, adapting, the ERLE from 1 s to
// 2 s after must be 30 dB or within 3 dB of an undisturbed canceller's.
func doubleTalk(t *testing.T, nearRel float64) {
	models := annexD()
	const conv, dt, after = 5, 4, 3
	total := (conv + dt + after + 2) * fs
	far := css(total, -10, 5)
	nearSig := css(total, -10+nearRel, 99)
	for i := range nearSig {
		if i < conv*fs || i >= (conv+dt)*fs {
			nearSig[i] = 0
		}
	}
	for _, tail := range []int{32, 128} {
		for _, tm := range []struct {
			m   echoModel
			erl float64
		}{{models[0].scaled(6), 6}, {models[4].scaled(10), 10}, {models[6].scaled(15), 15}} {
			name := fmt.Sprintf("tail%d/%s/ERL%g", tail, tm.m.name, tm.erl)
			delay := ms(float64(tail)) - tm.m.disp - ms(3)
			// Frozen measurement: the same signals without near-end after
			// the double talk, adaptation frozen.
			sc := build(far, nearSig, -70, newLine(tm.m, delay), nil, 0)
			c := newCanceller(t, tail, false)
			end := (conv + dt) * fs
			out := runHook(c, sc, func(i int) { c.Freeze(i >= end) })
			frozen := erle(sc, out, end+fs/4, end+2*fs)
			pre := erle(sc, out, (conv-2)*fs, conv*fs)

			c2 := newCanceller(t, tail, false)
			out2 := run(c2, sc)
			rec := erle(sc, out2, end+fs, end+2*fs)
			// Reference: the same far-end signal without double talk.
			scRef := build(far, nil, -70, newLine(tm.m, delay), nil, 0)
			c3 := newCanceller(t, tail, false)
			ref := erle(scRef, run(c3, scRef), end+fs, end+2*fs)
			t.Logf("%s near %+g dB: ERLE before %.1f, frozen after double talk %.1f, 1-2 s after %.1f dB (undisturbed %.1f dB)",
				name, nearRel, pre, frozen, rec, ref)
			if frozen < pre-6 || frozen < 25 {
				t.Errorf("%s: diverged in double talk: ERLE %.1f dB after (%.1f dB before)", name, frozen, pre)
			}
			if rec < min(30, ref-3) {
				t.Errorf("%s: ERLE %.1f dB 1 s after double talk, undisturbed canceller %.1f dB", name, rec, ref)
			}
		}
	}
}

// TestG168Test3A is double talk with near-end speech 15 dB below the far end.
func TestG168Test3A(t *testing.T) { doubleTalk(t, -15) }

// TestG168Test3B is double talk with near-end speech at the far-end level.
func TestG168Test3B(t *testing.T) { doubleTalk(t, 0) }
