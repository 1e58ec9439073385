package echo

import "math"

// nlp is the non-linear processor (G.168 clause 3.8): while the far end
// talks and the near end does not, it replaces the residual echo by comfort
// noise whose level and spectral tilt follow the background noise measured
// at Sout while the far end is silent (G.168 test 9).
type nlp struct {
	noise      float32 // background mean square (16-bit units²)
	pavg       float32 // smoothed block power of the error
	sin        float32 // smoothed block power of Sin
	learned    bool
	r0, r1, r2 float32 // smoothed autocorrelation of the background
	h1, h2     float32 // last two background samples of the previous block
	a1, a2, gn float32 // comfort noise synthesis filter gn/(1 + a1 z⁻¹ + a2 z⁻²)
	y1, y2     float32
	seed       uint32
	pass       float32 // 1: Sout is the error signal; 0: comfort noise
	buf        [blockLen]float32
}

func (n *nlp) init() {
	*n = nlp{seed: 0x2545F491, pass: 1}
}

// learn updates the background estimate from a block of error signal taken
// while neither side talks. Speech only raises the estimate slowly (at most
// 0.04 dB per block), pauses pull it down fast: a minimum tracker.
func (n *nlp) learn(e *[blockLen]float32, pe float32) {
	if !n.learned {
		n.learned = true
		n.pavg, n.noise = pe, pe
	}
	n.pavg += 0.25 * (pe - n.pavg)
	if n.pavg < n.noise {
		n.noise += 0.3 * (n.pavg - n.noise)
	} else {
		n.noise = min(n.pavg, n.noise*1.01)
	}
	if pe > 2*n.noise {
		return
	}
	// Spectral tilt: order-2 autocorrelation of noise-like blocks.
	var r0, r1, r2 float32
	p1, p2 := n.h1, n.h2
	for _, v := range e {
		r0 += v * v
		r1 += v * p1
		r2 += v * p2
		p2, p1 = p1, v
	}
	n.h1, n.h2 = p1, p2
	const a = 0.1
	n.r0 += a * (r0 - n.r0)
	n.r1 += a * (r1 - n.r1)
	n.r2 += a * (r2 - n.r2)
}

// bound limits the background estimate to the smoothed Sin power (pd is
// one block's) and to maxNoisePower: whatever Sin carries, its background
// is not louder, so the comfort noise never exceeds what it replaces and
// a tone taken for noise cannot mask near-end speech.
func (n *nlp) bound(pd float32) {
	switch {
	case n.sin == 0:
		n.sin = pd // the first block, or after digital silence
	case pd < n.sin:
		n.sin += 0.5 * (pd - n.sin)
	default:
		n.sin += 0.125 * (pd - n.sin)
	}
	n.noise = min(n.noise, n.sin, maxNoisePower)
}

// minShapeEnergy is the smallest smoothed background block energy (16-bit
// units²) whose spectral tilt is modelled; below it the comfort noise is
// white. A background of one quantisation step has 64. During digital
// silence the smoothed autocorrelation decays into the subnormal range
// and sticks at a few units in the last place, where r0·(1-k1²) rounds to
// zero and the recursion would divide 0 by 0.
const minShapeEnergy = 1e-6

// shape derives the comfort noise filter from the background statistics
// (Levinson-Durbin, order 2, reflection coefficients limited to ±0.9).
func (n *nlp) shape() {
	if !(n.r0 >= minShapeEnergy) {
		n.a1, n.a2 = 0, 0
		n.gn = float32(math.Sqrt(float64(n.noise)))
		return
	}
	k1 := clampf(-n.r1/n.r0, 0.9)
	e1 := n.r0 * (1 - k1*k1)
	k2 := clampf(-(n.r2+k1*n.r1)/e1, 0.9)
	n.a1 = k1 + k2*k1
	n.a2 = k2
	e2 := (1 - k1*k1) * (1 - k2*k2) // prediction error / r0
	// Unit-variance white noise through gn/A(z) has power gn²/e2.
	n.gn = float32(math.Sqrt(float64(n.noise * e2)))
}

func clampf(x, lim float32) float32 { return max(-lim, min(lim, x)) }

// run writes the block to out: the error e while the NLP is inactive,
// comfort noise while it is active. Engaging is immediate (the residual
// echo must not leak); releasing fades over one block. The comfort noise
// power is at most limit, the block's Sin power: the NLP never makes Sout
// louder than Sin.
func (n *nlp) run(out *[blockLen]int16, e *[blockLen]float32, active bool, limit float32) {
	if !active && n.pass >= 1 {
		quantize(out, e)
		return
	}
	if active {
		n.pass = 0
	}
	n.shape()
	const step = 1.0 / blockLen
	a1, a2, gn := n.a1, n.a2, n.gn
	if n.noise > limit {
		gn *= float32(math.Sqrt(float64(max(limit, 0) / n.noise)))
	}
	y1, y2, seed := n.y1, n.y2, n.seed
	g := n.pass
	for i, v := range e {
		seed ^= seed << 13
		seed ^= seed >> 17
		seed ^= seed << 5
		w := float32(int32(seed)) * (1.7320508 / 2147483648) // uniform, unit variance
		// The term in y2 first: only a1·y1 is on the recursion's critical path.
		y := gn*w - a2*y2 - a1*y1
		y2, y1 = y1, y
		if !active {
			g = min(1, g+step)
		}
		n.buf[i] = g*v + (1-g)*y
	}
	n.y1, n.y2, n.seed, n.pass = y1, y2, seed, g
	quantize(out, &n.buf)
}

// sat16 rounds to the nearest integer (halves away from zero) and
// saturates to the int16 range. It is branch-free apart from the rarely
// taken clipping: audio signs are random, so a branch on the sign would be
// mispredicted half the time.
func sat16(v float32) int16 {
	v += math.Float32frombits(math.Float32bits(v)&(1<<31) | 0x3f000000) // ±0.5
	if v > 32767 {
		v = 32767
	}
	if v < -32768 {
		v = -32768
	}
	return int16(int32(v))
}
