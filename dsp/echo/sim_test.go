package echo

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"tipring/dsp/g711"
	"tipring/dsp/measure"
)

const fs = 8000

// ms converts milliseconds to samples.
func ms(v float64) int { return int(math.Round(v * fs / 1000)) }

// css synthesises a composite source signal in the manner of G.168 clause
// 7.1 / ITU-T P.501: voiced segments (a glottal pulse train at a varying
// pitch through formant resonators, so with pitch harmonics), unvoiced
// noise bursts and pauses, in random order and length. The active segments
// are scaled to levelDBm0.
func css(n int, levelDBm0 float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	out := make([]float64, n)
	active := make([]bool, n)
	i := 0
	var f1, f2, f3 resonator
	var fn resonator
	for i < n {
		switch kind := rng.IntN(10); {
		case kind < 5: // voiced
			l := ms(80 + 170*rng.Float64())
			f0 := 90 + 140*rng.Float64()
			f1.set(350+500*rng.Float64(), 80)
			f2.set(900+1300*rng.Float64(), 120)
			f3.set(2300+900*rng.Float64(), 200)
			phase := 0.0
			for k := 0; k < l && i < n; k, i = k+1, i+1 {
				f := f0 * (1 + 0.08*math.Sin(2*math.Pi*float64(k)/float64(l)))
				phase += f / fs
				var src float64
				if phase >= 1 {
					phase--
					src = 1
				}
				src += 0.02 * rng.NormFloat64()
				v := f1.run(src) + 0.6*f2.run(src) + 0.3*f3.run(src)
				out[i] = v * envelope(k, l)
				active[i] = true
			}
		case kind < 8: // unvoiced
			l := ms(40 + 110*rng.Float64())
			fn.set(2000+1500*rng.Float64(), 900)
			for k := 0; k < l && i < n; k, i = k+1, i+1 {
				out[i] = 0.4 * fn.run(rng.NormFloat64()) * envelope(k, l)
				active[i] = true
			}
		default: // pause
			i += ms(40 + 160*rng.Float64())
		}
	}
	var sum float64
	var cnt int
	for i, v := range out {
		if active[i] {
			sum += v * v
			cnt++
		}
	}
	g := measure.DBm0Ref * math.Pow(10, levelDBm0/20) / math.Sqrt(sum/float64(max(cnt, 1)))
	for i := range out {
		out[i] *= g
	}
	return out
}

// envelope is a 10 ms raised-cosine ramp at both ends of a segment.
func envelope(k, l int) float64 {
	r := ms(10)
	switch {
	case k < r:
		return 0.5 - 0.5*math.Cos(math.Pi*float64(k)/float64(r))
	case l-k < r:
		return 0.5 - 0.5*math.Cos(math.Pi*float64(l-k)/float64(r))
	}
	return 1
}

// resonator is a two-pole band-pass section with unity peak gain.
type resonator struct{ b0, a1, a2, y1, y2 float64 }

func (r *resonator) set(freq, bw float64) {
	rad := math.Exp(-math.Pi * bw / fs)
	w := 2 * math.Pi * freq / fs
	r.a1 = -2 * rad * math.Cos(w)
	r.a2 = rad * rad
	r.b0 = (1 - rad*rad) * math.Sin(w)
}

func (r *resonator) run(x float64) float64 {
	y := r.b0*x - r.a1*r.y1 - r.a2*r.y2
	r.y2, r.y1 = r.y1, y
	return y
}

// echoModel is an echo path after G.168 Annex D: a hybrid's dispersive
// impulse response (decaying, band-limited, no DC) behind a pure delay.
type echoModel struct {
	name string
	h    []float64 // dispersive part, scaled to the ERL
	disp int       // dispersion in samples (len(h))
}

// annexD synthesises the eight echo path models of G.168 Annex D (D.2 to
// D.9) from their published character: dispersion 4 to 16 ms; a broadband
// hybrid reflection (a short pulse, band-limited by the line and the
// transformer: no DC) followed by decaying ringing, and for some a second
// reflection or a noise-like tail. Frequency responses stay within a few
// dB of the ERL across 300-3400 Hz, as a passive hybrid's do. The
// coefficients are generated, not the published ones.
func annexD() []echoModel {
	type ring struct{ t0, amp, tau, freq, ph float64 } // ms, -, ms, Hz, rad
	type pulse struct{ t0, amp, width float64 }        // ms, -, ms
	defs := []struct {
		name  string
		dispM float64
		p     []pulse
		r     []ring
		noise float64
	}{
		{"D.2", 6, []pulse{{0.4, 1, 0.12}}, []ring{{0.5, 0.25, 0.8, 500, 0.3}}, 0},
		{"D.3", 8, []pulse{{0.5, 1, 0.1}, {3, -0.3, 0.15}}, []ring{{0.6, 0.2, 1.2, 1000, 1.2}}, 0},
		{"D.4", 10, []pulse{{0.3, -1, 0.15}}, []ring{{0.4, 0.25, 1.5, 700, 0.5}, {0.5, 0.2, 0.8, 2500, 2}}, 0},
		{"D.5", 12, []pulse{{0.6, 1, 0.1}}, []ring{{0.7, 0.08, 3, 300, 1.5}, {0.6, 0.2, 0.6, 1500, 0}}, 0},
		{"D.6", 8, []pulse{{0.3, -1, 0.09}}, []ring{{0.4, 0.3, 1, 1800, 0.7}}, 0},
		{"D.7", 14, []pulse{{0.4, 0.8, 0.12}}, []ring{{0.5, 0.15, 2, 900, 0.1}}, 0.15},
		{"D.8", 4, []pulse{{0.2, 1, 0.08}}, []ring{{0.3, 0.3, 0.5, 1200, 0.9}}, 0},
		{"D.9", 16, []pulse{{0.3, 1, 0.12}, {5, 0.5, 0.15}, {10, -0.3, 0.2}}, []ring{{0.4, 0.2, 1.2, 600, 0.4}}, 0.1},
	}
	rng := rand.New(rand.NewPCG(168, 9))
	var out []echoModel
	for _, d := range defs {
		l := ms(d.dispM)
		h := make([]float64, l)
		for n := range h {
			t := float64(n) / fs * 1000
			for _, p := range d.p {
				// Derivative of a Gaussian: broadband, zero mean.
				u := (t - p.t0) / p.width
				h[n] += p.amp * -u * math.Exp(-u*u/2)
			}
			for _, c := range d.r {
				if t >= c.t0 {
					dt := t - c.t0
					h[n] += c.amp * math.Exp(-dt/c.tau) * math.Sin(2*math.Pi*c.freq*dt/1000+c.ph)
				}
			}
			if d.noise > 0 && t > 1 {
				h[n] += d.noise * rng.NormFloat64() * math.Exp(-(t-1)/(d.dispM/3))
			}
		}
		// Transformer-coupled hybrid: no DC; taper the last millisecond.
		var mean float64
		for _, v := range h {
			mean += v
		}
		mean /= float64(l)
		for n := range h {
			h[n] -= mean
			if k := l - n; k < ms(1) {
				h[n] *= float64(k) / float64(ms(1))
			}
		}
		out = append(out, echoModel{name: d.name, h: h, disp: l})
	}
	return out
}

// scaled returns the model scaled so that the composite source signal
// loses erl dB through it.
func (m echoModel) scaled(erl float64) echoModel {
	ref := css(2*fs, -10, 77)
	var pin, pout float64
	for n := len(m.h); n < len(ref); n++ {
		var y float64
		for k, c := range m.h {
			y += c * ref[n-k]
		}
		pin += ref[n] * ref[n]
		pout += y * y
	}
	g := math.Sqrt(pin / pout * math.Pow(10, -erl/10))
	// A passive hybrid: no frequency in 300-3400 Hz may see less than
	// erl-3 dB of loss.
	var peak float64
	for f := 300.0; f <= 3400; f += 25 {
		var re, im float64
		for n, c := range m.h {
			re += c * math.Cos(2*math.Pi*f*float64(n)/fs)
			im -= c * math.Sin(2*math.Pi*f*float64(n)/fs)
		}
		peak = max(peak, math.Hypot(re, im))
	}
	g = min(g, math.Pow(10, (3-erl)/20)/peak)
	h := make([]float64, len(m.h))
	for i, v := range m.h {
		h[i] = v * g
	}
	return echoModel{name: m.name, h: h, disp: m.disp}
}

// line simulates the 4-wire side of a hybrid with G.711 µ-law at both ends:
// Rin is what the canceller sends toward the line (already G.711-decoded
// far-end speech), Sin is echo + near-end + noise, G.711-coded.
type line struct {
	path  echoModel
	delay int
	hist  []float64 // Rin history, newest last
}

func newLine(m echoModel, delay int) *line {
	return &line{path: m, delay: delay, hist: make([]float64, delay+len(m.h)+1)}
}

// echo returns the echo sample for the newest Rin sample r.
func (l *line) echo(r float64) float64 {
	copy(l.hist, l.hist[1:])
	l.hist[len(l.hist)-1] = r
	var y float64
	top := len(l.hist) - 1 - l.delay
	for k, c := range l.path.h {
		y += c * l.hist[top-k]
	}
	return y
}

func ulaw(v float64) int16 {
	s := int16(max(-32768, min(32767, math.Round(v))))
	return g711.DecodeUlaw(g711.EncodeUlaw(s))
}

// scenario holds the signals of one run.
type scenario struct {
	rin, sin, echo, near []int16
}

// build produces Rin and Sin for far-end signal far, near-end signal near
// (may be nil) and white background noise at noiseDBm0 on Sin; path
// switches from l to l2 at sample change (if l2 != nil).
func build(far, near []float64, noiseDBm0 float64, l, l2 *line, change int) scenario {
	n := len(far)
	sc := scenario{rin: make([]int16, n), sin: make([]int16, n), echo: make([]int16, n), near: make([]int16, n)}
	rng := rand.New(rand.NewPCG(5, 6))
	na := measure.DBm0Ref * math.Pow(10, noiseDBm0/20)
	for i := range n {
		r := ulaw(far[i])
		sc.rin[i] = r
		cur := l
		if l2 != nil && i >= change {
			cur = l2
		}
		e := l.echo(float64(r))
		if l2 != nil {
			e2 := l2.echo(float64(r))
			if cur == l2 {
				e = e2
			}
		}
		v := e + na*rng.NormFloat64()
		if near != nil {
			v += near[i]
			sc.near[i] = int16(near[i])
		}
		sc.echo[i] = int16(max(-32768, min(32767, math.Round(e))))
		sc.sin[i] = ulaw(v)
	}
	return sc
}

// run feeds a scenario through c in 20 ms frames and returns Sout aligned
// with Sin (the canceller's Latency removed).
func run(c *Canceller, sc scenario) []int16 {
	return runHook(c, sc, nil)
}

// runHook is run with a callback before each frame (at sample i).
func runHook(c *Canceller, sc scenario, hook func(i int)) []int16 {
	lat := blockLen
	n := len(sc.rin)
	out := make([]int16, n+lat)
	var zr, zs [160]int16
	for i := 0; i < n+lat; i += 160 {
		if hook != nil {
			hook(i)
		}
		var r, s []int16
		if i+160 <= n {
			r, s = sc.rin[i:i+160], sc.sin[i:i+160]
		} else {
			r, s = zr[:], zs[:]
			if i < n {
				k := copy(zr[:], sc.rin[i:])
				copy(zs[:], sc.sin[i:])
				clear(zr[k:])
				clear(zs[k:])
			}
		}
		end := min(i+160, len(out))
		c.Process(r[:end-i], s[:end-i], out[i:end])
	}
	return out[lat:]
}

// energy returns the mean square of x[from:to].
func energy(x []int16, from, to int) float64 {
	var s float64
	for _, v := range x[from:to] {
		s += float64(v) * float64(v)
	}
	return s / float64(to-from)
}

func db(p float64) float64 { return 10 * math.Log10(max(p, 1e-12)) }

// erle returns 10·log10 of Sin energy over Sout energy in [from, to).
func erle(sc scenario, out []int16, from, to int) float64 {
	return db(energy(sc.sin, from, to)) - db(energy(out, from, to))
}

// peakDBm0 returns the highest level of out over 35 ms windows (hop 5 ms)
// in [from, to).
func peakDBm0(out []int16, from, to int) (float64, int) {
	w := ms(35)
	best, at := -150.0, from
	for i := from; i+w <= to; i += ms(5) {
		if l := measure.LevelDBm0(out[i : i+w]); l > best {
			best, at = l, i
		}
	}
	return best, at
}

func newCanceller(t testing.TB, tailMs int, nlp bool) *Canceller {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Tail = msDur(tailMs)
	cfg.NLP = nlp
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func msDur(v int) time.Duration { return time.Duration(v) * time.Millisecond }
