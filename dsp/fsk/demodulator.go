package fsk

import (
	"fmt"
	"math"
)

// maxWindow bounds the correlation window (whole samples per bit): at most
// 15 samples (534 baud and faster).
const maxWindow = 16

// oscTable returns one common period of the local oscillators of spec: for
// each sample, cos and sin of the mark and of the space tone scaled to
// ±4096 (Q12). A window of up to 15 products of 16-bit samples and Q12
// values cannot overflow int32 (15 * 2^27 < 2^31). The period is
// SampleRate/gcd(SampleRate, mark, space) with the tones in whole hertz (40
// samples for Bell 202, 80 for V.23); tones whose period would exceed 800
// samples are rounded to multiples of 10 Hz (an error of up to 5 Hz, which
// a window of one bit does not notice).
func oscTable(spec Spec) [][4]int32 {
	fm, fs := math.Round(spec.Mark), math.Round(spec.Space)
	n := SampleRate / gcd(SampleRate, gcd(int(fm), int(fs)))
	if n > 800 {
		fm, fs = 10*math.Round(fm/10), 10*math.Round(fs/10)
		n = SampleRate / gcd(SampleRate, gcd(int(fm), int(fs)))
	}
	// The table runs on for a further chunk of samples so that a chunk
	// never wraps.
	t := make([][4]int32, n+chunk)
	for i := range t {
		wm := 2 * math.Pi * fm * float64(i) / SampleRate
		ws := 2 * math.Pi * fs * float64(i) / SampleRate
		t[i] = [4]int32{
			int32(math.Round(4096 * math.Cos(wm))), int32(math.Round(4096 * math.Sin(wm))),
			int32(math.Round(4096 * math.Cos(ws))), int32(math.Round(4096 * math.Sin(ws))),
		}
	}
	return t
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// Oscillator tables of the built-in specs, shared by their demodulators
// (read only after package initialisation).
var (
	bell202Tab = oscTable(Bell202)
	v23Tab     = oscTable(V23)
)

// chunk is the number of samples correlated before the receiver runs.
const chunk = 256

// Per-sample flags passed from the correlators to the receiver.
const (
	flagMark    = 1 << iota // mark energy exceeds space energy
	flagCarrier             // carrier present
)

// DemodConfig configures a Demodulator. Zero fields take the defaults.
type DemodConfig struct {
	// CutoffDBm0 is the nominal carrier-detect cut-off. The carrier is
	// declared present when the input level rises above CutoffDBm0+2.5 dB
	// and absent when it falls below CutoffDBm0-3 dB: for a cut-off of
	// -30 dBm0 it turns on between -29 and -26 dBm0 and off between -35
	// and -31 dBm0 (EN 300 659-1 clause 6.1.1, GR-30-CORE clause 3.1).
	// Default -45 dBm0, which receives signals down to -40 dBm0.
	CutoffDBm0 float64
}

// Hysteresis of the carrier detector relative to the cut-off, in dB.
const (
	carrierOnDB  = 2.5
	carrierOffDB = -3
)

// uart states.
const (
	huntMark  = iota // waiting for a mark before a start bit
	huntStart        // mark seen, waiting for a start bit
	inChar           // sampling the bits of a character
)

// Demodulator recovers asynchronous characters (start bit, 8 data bits
// least significant first, stop bit) from FSK audio, with carrier detect.
// It is not safe for concurrent use.
type Demodulator struct {
	spec Spec

	// Correlators: x[n] times the complex local oscillator of each tone,
	// summed over the last win samples (prod[:win] keeps the products of
	// the previous chunk's last win samples).
	win                int
	tab                [][4]int32 // oscTable: period+chunk rows
	period             int        // of the oscillators, in samples
	idx                int        // position in tab, < period
	sMR, sMI, sSR, sSI int32
	prod               [maxWindow + chunk][4]int32
	pow                int64
	onPow, offPow      int64
	flags              [chunk]uint8

	// Receiver.
	carrier   bool
	state     int
	spbQ      int32 // samples per bit, Q16
	startQ    int32 // delay from start edge to the start bit's sample point, Q16
	t         int32 // time of the next sample point from the chunk start, Q16
	bit       int   // index of the next bit to sample, 0 = start
	shift     byte
	framingEr int
	out       []byte
}

// NewDemodulator returns a demodulator for spec. It returns an error if
// spec is unusable at 8 kHz.
func NewDemodulator(spec Spec, cfg DemodConfig) (*Demodulator, error) {
	if !spec.valid() {
		return nil, fmt.Errorf("fsk: new demodulator: unusable spec %+v", spec)
	}
	if cfg.CutoffDBm0 == 0 {
		cfg.CutoffDBm0 = -45
	}
	spb := spec.samplesPerBit()
	d := &Demodulator{
		spec:   spec,
		win:    int(spb),
		onPow:  int64(meanSquare(cfg.CutoffDBm0 + carrierOnDB)),
		offPow: int64(meanSquare(cfg.CutoffDBm0 + carrierOffDB)),
		spbQ:   int32(math.Round(spb * 65536)),
		out:    make([]byte, 0, 64),
	}
	switch spec {
	case Bell202:
		d.tab = bell202Tab
	case V23:
		d.tab = v23Tab
	default:
		d.tab = oscTable(spec)
	}
	d.period = len(d.tab) - chunk
	// The decision changes about win/2 samples after a bit boundary; the
	// window lies wholly inside a bit from win-1 to spb-1 samples after
	// its start. The start bit is sampled in the middle of that range.
	delay := (float64(d.win)+spb)/2 - 1 - float64(d.win)/2 + 0.5
	d.startQ = int32(math.Round(delay * 65536))
	return d, nil
}

// Spec returns the modem the demodulator receives.
func (d *Demodulator) Spec() Spec { return d.spec }

// Reset forgets all state, as after NewDemodulator.
func (d *Demodulator) Reset() {
	d.idx = 0
	d.sMR, d.sMI, d.sSR, d.sSI = 0, 0, 0, 0
	d.prod = [maxWindow + chunk][4]int32{}
	d.pow = 0
	d.carrier = false
	d.state = huntMark
	d.framingEr = 0
	d.out = d.out[:0]
}

// Carrier reports whether a carrier is present (after the last Process).
func (d *Demodulator) Carrier() bool { return d.carrier }

// LevelDBm0 returns the measured input level (a mean square averaged with
// a time constant of 8 ms).
func (d *Demodulator) LevelDBm0() float64 {
	if d.pow <= 0 {
		return -150
	}
	return 10 * math.Log10(float64(d.pow)/(dBm0Ref*dBm0Ref))
}

// FramingErrors returns the number of characters discarded because their
// stop bit was a space.
func (d *Demodulator) FramingErrors() int { return d.framingEr }

// Process demodulates frame (any length) and returns the characters
// completed in it and whether a carrier is present at its end. The
// returned slice is reused by the next call. Characters are only received
// while the carrier is present; a character cut by loss of carrier is
// dropped.
func (d *Demodulator) Process(frame []int16) (data []byte, carrier bool) {
	d.out = d.out[:0]
	if len(frame) == 0 {
		return d.out, d.carrier
	}
	for len(frame) > 0 {
		n := min(len(frame), chunk)
		d.correlate(frame[:n])
		d.receive(d.flags[:n])
		frame = frame[n:]
	}
	return d.out, d.carrier
}

// correlate runs the level meter and the correlators over x and leaves the
// per-sample flags in d.flags. It makes three passes, each with few enough
// live values to stay in registers, and no data-dependent branches.
func (d *Demodulator) correlate(x []int16) {
	flags := d.flags[:len(x)]
	x = x[:len(flags)]

	// Level: one-pole average of v² with a time constant of 64 samples,
	// and carrier detect with hysteresis.
	pow, onPow, offPow, on := d.pow, d.onPow, d.offPow, d.carrier
	for i, s := range x {
		v := int32(s)
		pow += (int64(v*v) - pow) >> 6
		if on {
			on = pow >= offPow
		} else {
			on = pow > onPow
		}
		var f uint8
		if on {
			f = flagCarrier
		}
		flags[i] = f
	}
	d.pow, d.carrier = pow, on

	// Products with the local oscillators; prod[:win] holds the last win
	// products of the previous call.
	win := d.win
	prod := d.prod[win : win+len(x)]
	osc := d.tab[d.idx : d.idx+len(x)]
	prod = prod[:len(osc)]
	x = x[:len(osc)]
	for i := range osc {
		v, o := int32(x[i]), &osc[i]
		prod[i] = [4]int32{v * o[0], v * o[1], v * o[2], v * o[3]}
	}
	d.idx = (d.idx + len(x)) % d.period

	// Sliding sums over win samples and the bit decisions.
	sMR, sMI, sSR, sSI := d.sMR, d.sMI, d.sSR, d.sSI
	old := d.prod[:len(x)]
	prod = prod[:len(old)]
	flags = flags[:len(old)]
	for i := range old {
		p, o := &prod[i], &old[i]
		sMR += p[0] - o[0]
		sMI += p[1] - o[1]
		sSR += p[2] - o[2]
		sSI += p[3] - o[3]
		em := int64(sMR)*int64(sMR) + int64(sMI)*int64(sMI)
		es := int64(sSR)*int64(sSR) + int64(sSI)*int64(sSI)
		var m uint8
		if em > es {
			m = flagMark
		}
		flags[i] |= m
	}
	d.sMR, d.sMI, d.sSR, d.sSI = sMR, sMI, sSR, sSI
	copy(d.prod[:win], d.prod[len(x):len(x)+win])
}

// receive runs the asynchronous receiver over the flags of correlate. It
// looks at every sample while hunting for a start edge, and only at the
// sample points within a character.
func (d *Demodulator) receive(flags []uint8) {
	n := len(flags)
	state, t, bit, shift := d.state, d.t, d.bit, d.shift
	i := 0
	if state == inChar {
		i = int((t + 1<<15) >> 16)
	}
	for i < n {
		f := flags[i]
		if f&flagCarrier == 0 {
			// Hunt anew when the carrier returns; a character in
			// progress is lost.
			state = huntMark
			for i++; i < n && flags[i]&flagCarrier == 0; i++ {
			}
			continue
		}
		mark := f&flagMark != 0
		switch state {
		case huntMark:
			if mark {
				state = huntStart
			}
			i++
		case huntStart:
			if mark {
				i++
				continue
			}
			// A start edge (huntStart is entered on a mark).
			state, bit = inChar, 0
			t = int32(i)<<16 + d.startQ
			i = int((t + 1<<15) >> 16)
		case inChar:
			switch {
			case bit == 0:
				if mark {
					// A glitch, not a start bit.
					state = huntStart
				}
			case bit <= 8:
				shift >>= 1
				if mark {
					shift |= 0x80
				}
			default:
				if mark {
					d.out = append(d.out, shift)
					state = huntStart
				} else {
					d.framingEr++
					state = huntMark
				}
			}
			if state != inChar {
				i++
				continue
			}
			bit++
			t += d.spbQ
			i = int((t + 1<<15) >> 16)
		}
	}
	if state == inChar {
		t -= int32(n) << 16
	}
	d.state, d.t, d.bit, d.shift = state, t, bit, shift
}
