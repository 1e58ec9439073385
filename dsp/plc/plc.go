package plc

import "math"

// Constants of G.711 Appendix I, in samples at 8 kHz.
const (
	FrameSize  = 80                   // 10 ms, the Appendix's frame
	PitchMin   = 40                   // 5 ms, 200 Hz
	PitchMax   = 120                  // 15 ms, 66.7 Hz
	Delay      = PitchMax / 4         // 3.75 ms: the longest quarter-period overlap
	HistoryLen = 3*PitchMax + Delay   // 48.75 ms
	corrLen    = 160                  // 20 ms correlation window of the pitch search
	olaIncr    = 32                   // 4 ms of extra overlap per lost 10 ms after the first
	attenStep  = 0.2 / FrameSize      // 20 % per 10 ms, linear
	maxConceal = 6 * FrameSize        // 60 ms of synthetic signal, then silence
	minPower   = 250.0 * corrLen / 80 // floor of the lag energy in the pitch search
)

// Concealer conceals lost frames of an 8 kHz audio stream. The zero value
// is not ready; use New.
type Concealer struct {
	hist [HistoryLen]float32 // output timeline; the last Delay samples not played yet

	lost     int // samples concealed in the current loss; 0 while audio is good
	pitch    int
	poverlap int
	periods  int // pitch periods in the repeated buffer (1..3)
	pos      int // read position in the repeated buffer
	base     [HistoryLen]float32
	tail     [3][Delay]float32 // base's last poverlap samples joined to 1, 2, 3 periods earlier
	xf       [Delay]float32    // crossfade when the buffer grows
	xfLen    int
	xfPos    int

	ola    [FrameSize]float32 // synthetic continuation faded out into good audio
	olaLen int
	olaPos int
}

// New returns a Concealer whose history is silence.
func New() *Concealer { return &Concealer{} }

// Reset forgets the history and any loss in progress.
func (c *Concealer) Reset() { *c = Concealer{} }

// Pitch returns the pitch period, in samples, estimated at the start of the
// current (or last) loss; 0 before the first loss.
func (c *Concealer) Pitch() int { return c.pitch }

// Good passes a frame of received audio through the concealer, in place:
// on return frame holds the output, which is the input delayed by Delay
// samples (3.75 ms). The first good audio after a loss is overlap-added
// with the continuation of the synthetic signal.
func (c *Concealer) Good(frame []int16) {
	for len(frame) > 0 {
		n := min(len(frame), FrameSize)
		c.good(frame[:n])
		frame = frame[n:]
	}
}

// Fillin writes the concealment of a lost frame into frame (Delay samples
// late, like Good's output).
func (c *Concealer) Fillin(frame []int16) {
	for len(frame) > 0 {
		n := min(len(frame), FrameSize)
		c.fillin(frame[:n])
		frame = frame[n:]
	}
}

func (c *Concealer) good(f []int16) {
	var in [FrameSize]float32
	for i, v := range f {
		in[i] = float32(v)
	}
	if c.lost > 0 {
		// Clause I.2.4: overlap a quarter period, plus 4 ms for every
		// lost 10 ms after the first, at most one frame.
		frames := (c.lost + FrameSize - 1) / FrameSize
		olen := min(c.poverlap+(frames-1)*olaIncr, FrameSize)
		for i := range olen {
			c.ola[i] = c.synth()
		}
		c.olaLen, c.olaPos = olen, 0
		c.lost = 0
	}
	for i := range f {
		if c.olaPos >= c.olaLen {
			break
		}
		w := float32(c.olaPos+1) / float32(c.olaLen+1)
		in[i] = c.ola[c.olaPos]*(1-w) + in[i]*w
		c.olaPos++
	}
	c.push(in[:len(f)])
	c.output(f)
}

func (c *Concealer) fillin(f []int16) {
	if c.lost == 0 {
		c.startLoss()
	}
	var s [FrameSize]float32
	for i := range f {
		s[i] = c.synth()
	}
	c.push(s[:len(f)])
	c.output(f)
}

// push appends x to the history.
func (c *Concealer) push(x []float32) {
	copy(c.hist[:], c.hist[len(x):])
	copy(c.hist[HistoryLen-len(x):], x)
}

// output writes the len(f) samples that leave the Delay line.
func (c *Concealer) output(f []int16) {
	src := c.hist[HistoryLen-Delay-len(f) : HistoryLen-Delay]
	for i, v := range src {
		f[i] = sat(v)
	}
}

func sat(v float32) int16 {
	r := math.Round(float64(v))
	return int16(max(-32768, min(32767, r)))
}

// startLoss prepares the periodic continuation (clause I.2.2).
func (c *Concealer) startLoss() {
	c.olaPos, c.olaLen = 0, 0
	c.pitch = findPitch(&c.hist)
	c.poverlap = c.pitch / 4
	c.base = c.hist
	const L = HistoryLen
	p, q := c.pitch, c.poverlap
	for k := range 3 {
		for i := range q {
			w := float32(i+1) / float32(q+1)
			c.tail[k][i] = c.base[L-q+i]*(1-w) + c.base[L-(k+1)*p-q+i]*w
		}
	}
	// The joined tail has not been played yet (q <= Delay): it replaces
	// the end of the history, so the output runs smoothly into the
	// repetition.
	copy(c.hist[L-q:], c.tail[0][:q])
	c.periods, c.pos = 1, 0
	c.xfLen, c.xfPos = 0, 0
}

// read returns the next sample of a buffer of the last periods pitch
// periods, advancing *pos.
func (c *Concealer) read(periods int, pos *int) float32 {
	const L = HistoryLen
	blen := periods * c.pitch
	idx := L - blen + *pos
	*pos++
	if *pos == blen {
		*pos = 0
	}
	if j := idx - (L - c.poverlap); j >= 0 {
		return c.tail[periods-1][j]
	}
	return c.base[idx]
}

// synth returns the next concealment sample, with attenuation.
func (c *Concealer) synth() float32 {
	e := c.lost
	c.lost++
	if e >= maxConceal {
		return 0
	}
	if e == FrameSize || e == 2*FrameSize {
		c.grow()
	}
	var v float32
	if c.xfPos < c.xfLen {
		v = c.xf[c.xfPos]
		c.xfPos++
	} else {
		v = c.read(c.periods, &c.pos)
	}
	if e >= FrameSize {
		v *= 1 - attenStep*float32(e-FrameSize+1)
	}
	return v
}

// grow lengthens the repeated buffer by one pitch period (clause I.2.3):
// reading continues one period further back, crossfaded from the old
// buffer over a quarter period.
func (c *Concealer) grow() {
	oldP, oldPos := c.periods, c.pos
	c.periods++
	q := c.poverlap
	for i := range q {
		w := float32(i+1) / float32(q+1)
		a := c.read(oldP, &oldPos)
		b := c.read(c.periods, &c.pos)
		c.xf[i] = a*(1-w) + b*w
	}
	c.xfLen, c.xfPos = q, 0
}

// findPitch returns the lag in [PitchMin, PitchMax] that maximises the
// normalised cross-correlation of the last corrLen samples of h with the
// samples lag earlier: first on every second sample and lag, then at full
// resolution around the best coarse lag.
func findPitch(h *[HistoryLen]float32) int {
	const r = HistoryLen - corrLen
	score := func(lag, step int) float64 {
		var corr, energy float64
		for i := 0; i < corrLen; i += step {
			a, b := float64(h[r+i]), float64(h[r-lag+i])
			corr += a * b
			energy += b * b
		}
		return corr / math.Sqrt(max(energy, minPower/float64(step)))
	}
	best, bestScore := PitchMax, math.Inf(-1)
	for lag := PitchMin; lag <= PitchMax; lag += 2 {
		if s := score(lag, 2); s > bestScore {
			best, bestScore = lag, s
		}
	}
	coarse := best
	bestScore = math.Inf(-1)
	for lag := max(coarse-1, PitchMin); lag <= min(coarse+1, PitchMax); lag++ {
		if s := score(lag, 1); s > bestScore {
			best, bestScore = lag, s
		}
	}
	// Prefer the shortest period: a multiple of the true period correlates
	// as well, and the coarse grid can miss an odd-length true period.
	full, whole := bestScore, best
	for div := 3; div >= 2; div-- {
		cand, candScore := 0, math.Inf(-1)
		for lag := max(whole/div-1, PitchMin); lag <= min(whole/div+1, PitchMax); lag++ {
			if s := score(lag, 1); s > candScore {
				cand, candScore = lag, s
			}
		}
		if cand != 0 && candScore >= 0.95*full {
			return cand
		}
	}
	return best
}
