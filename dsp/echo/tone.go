package echo

import "math"

// toneDisabler implements the G.165 clause 4 / G.164 clause 5 tone
// disabler as G.168 clause 6.4.1 requires of an echo canceller: 2100 Hz
// with its phase reversed every 450 ± 25 ms (the V.25 answer tone of
// high-speed modems and fax) disables the canceller; 2100 Hz without phase
// reversals does not. Once disabled, it holds while either direction
// carries signal and re-enables after 250 ms (within the 250 ± 150 ms of
// G.164) of both directions quiet.
type toneDisabler struct {
	det      [2]toneDet // 0: Rin, 1: Sin
	disabled bool
	quiet    int // consecutive quiet sub-blocks while disabled
}

const (
	toneSub   = 32 // samples per analysis sub-block (4 ms)
	tonePer   = 80 // 2100 Hz repeats its phase every 80 samples (21 cycles)
	subMs     = 4
	revMinMs  = 420 // 450 ± 25 ms plus one sub-block of measurement jitter
	revMaxMs  = 480
	releaseMs = 252
)

var (
	toneCos, toneSin [tonePer + toneSub]float32
	toneMinPower     = dbm0Power(-34) * toneSub // tone detection threshold
	holdPower        = dbm0Power(-36) * toneSub // holding threshold
)

func init() {
	for i := range toneCos {
		a := 2 * math.Pi * 2100 * float64(i) / 8000
		toneCos[i] = float32(math.Cos(a))
		toneSin[i] = float32(-math.Sin(a))
	}
}

// toneDet follows the 2100 Hz phasor of one direction.
type toneDet struct {
	ph      int     // oscillator phase index
	zr, zi  float32 // last valid phasor
	rr, ri  float32 // smoothed rotation per sub-block (unit length)
	have    bool
	gap     int     // sub-blocks since the last valid phasor
	n       int     // sub-block counter
	lastRev int     // sub-block of the last phase reversal, -1 none
	energy  float32 // energy of the last sub-block
}

func (t *toneDisabler) init() {
	*t = toneDisabler{}
	t.det[0].lastRev, t.det[1].lastRev = -1, -1
}

func (t *toneDisabler) process(rin, sin *[blockLen]int16) {
	for o := 0; o < blockLen; o += toneSub {
		r := t.det[0].sub(rin[o : o+toneSub])
		s := t.det[1].sub(sin[o : o+toneSub])
		if r || s {
			t.disabled = true
			t.quiet = 0
		}
		if !t.disabled {
			continue
		}
		if t.det[0].energy < holdPower && t.det[1].energy < holdPower {
			t.quiet++
			if t.quiet*subMs >= releaseMs {
				t.disabled = false
				t.quiet = 0
			}
		} else {
			t.quiet = 0
		}
	}
}

// sub analyses one sub-block and reports a phase reversal that completes
// a 450 ms interval.
func (d *toneDet) sub(x []int16) bool {
	x = x[:toneSub]
	cs := toneCos[d.ph : d.ph+toneSub]
	sn := toneSin[d.ph : d.ph+toneSub]
	zr, zi, en := toneCorr((*[toneSub]int16)(x), (*[toneSub]float32)(cs), (*[toneSub]float32)(sn))
	d.ph = (d.ph + toneSub) % tonePer
	d.n++
	d.energy = en
	// A pure tone gives |z|² = en·toneSub/2.
	valid := en > toneMinPower && 2*(zr*zr+zi*zi) > 0.7*toneSub*en
	if !valid {
		d.gap++
		if d.gap > 3 {
			d.have = false
			d.lastRev = -1
		}
		return false
	}
	mag := float32(math.Sqrt(float64(zr*zr + zi*zi)))
	ur, ui := zr/mag, zi/mag
	hit := false
	if d.have {
		// Predict the phasor from the last valid one and the measured
		// rotation (a frequency offset of 21 Hz turns it 30° per sub-block).
		pr, pi := d.zr, d.zi
		for range d.gap + 1 {
			pr, pi = pr*d.rr-pi*d.ri, pr*d.ri+pi*d.rr
		}
		if ur*pr+ui*pi < 0 {
			if d.lastRev >= 0 {
				ms := (d.n - d.lastRev) * subMs
				hit = ms >= revMinMs && ms <= revMaxMs
			}
			d.lastRev = d.n
		} else if d.gap == 0 {
			// Track the rotation: smoothed, renormalised.
			cr, ci := ur*d.zr+ui*d.zi, ui*d.zr-ur*d.zi
			rr, ri := 0.7*d.rr+0.3*cr, 0.7*d.ri+0.3*ci
			m := float32(math.Sqrt(float64(rr*rr + ri*ri)))
			if m > 0 {
				d.rr, d.ri = rr/m, ri/m
			}
		}
	} else {
		d.rr, d.ri = 1, 0
		d.lastRev = -1
	}
	d.zr, d.zi, d.have, d.gap = ur, ui, true, 0
	return hit
}
