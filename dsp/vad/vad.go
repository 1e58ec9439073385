package vad

import (
	"math"
	"time"

	"tipring/dsp/measure"
)

// SampleRate is the sample rate of the audio, in Hz.
const SampleRate = 8000

// dBm0Ref is the RMS value of a 0 dBm0 sine in 16-bit linear units
// (tipring/dsp/measure.DBm0Ref).
const dBm0Ref = measure.DBm0Ref

const (
	frameLen  = 80 // 10 ms analysis frames
	lags      = 4  // lags of the normalised autocorrelation used as spectral shape
	initFrame = 20 // frames averaged into the first noise estimate
)

// Config configures a Detector. The zero value is the default.
type Config struct {
	// Hangover keeps the detector active after speech ends; 0 means
	// 200 ms.
	Hangover time.Duration
	// ThresholdDB is how far above the noise floor a frame's energy must
	// be to count as speech on energy alone; 0 means 9 dB. Frames 3 dB
	// or more above the floor count when their spectrum differs from the
	// noise's as well.
	ThresholdDB float64
	// Order is the model order of SID; 0 means DefaultOrder.
	Order int
}

// Detector is a voice activity detector that also keeps a model of the
// background noise for comfort-noise SIDs. It is not safe for concurrent
// use.
type Detector struct {
	hangFrames int
	threshold  float64
	order      int

	x    [frameLen + MaxOrder]float64 // MaxOrder samples of the previous frame, then this frame
	fill int

	frames    int
	noiseE    float64               // noise floor, dB (of mean square)
	noiseR    [MaxOrder + 1]float64 // background autocorrelation per sample
	noiseRho  [lags]float64         // its normalised shape
	noiseVar  float64               // variance of the background frame energy, dB^2
	noiseDist float64               // mean spectral distance of background frames
	meanE     float64               // smoothed frame energy, dB
	varE      float64               // its variance, dB^2
	steady    int                   // consecutive active frames with steady energy
	run       int                   // consecutive frames over threshold
	hang      int
	active    bool
}

// NewDetector returns a detector configured by cfg.
func NewDetector(cfg Config) *Detector {
	d := &Detector{}
	h := cfg.Hangover
	if h == 0 {
		h = 200 * time.Millisecond
	}
	d.hangFrames = int(h / (10 * time.Millisecond))
	d.threshold = cfg.ThresholdDB
	if d.threshold == 0 {
		d.threshold = 9
	}
	d.order = cfg.Order
	if d.order <= 0 {
		d.order = DefaultOrder
	}
	d.order = min(d.order, MaxOrder)
	return d
}

// Active reports the decision after the last complete 10 ms.
func (d *Detector) Active() bool { return d.active }

// Process analyses a frame of audio (any length, in 10 ms steps inside)
// and returns whether voice is active at its end.
func (d *Detector) Process(frame []int16) bool {
	for _, v := range frame {
		d.x[MaxOrder+d.fill] = float64(v)
		d.fill++
		if d.fill == frameLen {
			d.analyse()
			copy(d.x[:MaxOrder], d.x[frameLen:])
			d.fill = 0
		}
	}
	return d.active
}

// SID returns the comfort-noise parameters of the background measured
// while no voice was active.
func (d *Detector) SID() SID {
	var s SID
	s.fromAutocorrelation(d.noiseR[:d.order+1], d.order)
	return s
}

func dB(p float64) float64 { return 10 * math.Log10(p+1) }

func (d *Detector) analyse() {
	var r [MaxOrder + 1]float64
	x := d.x[:]
	for lag := 0; lag <= max(d.order, lags); lag++ {
		var acc float64
		for i := MaxOrder; i < MaxOrder+frameLen; i++ {
			acc += x[i] * x[i-lag]
		}
		r[lag] = acc / frameLen
	}
	e := dB(r[0])
	var rho [lags]float64
	if r[0] > 0 {
		for l := range rho {
			rho[l] = r[l+1] / r[0]
		}
	}

	var dist float64
	for l := range rho {
		dd := rho[l] - d.noiseRho[l]
		dist += dd * dd
	}

	d.frames++
	if d.frames <= initFrame {
		// Start by taking the first frames as background.
		w := 1 / float64(d.frames)
		d.updateNoise(r[:], rho, w)
		d.noiseE = dB(d.noiseR[0])
		d.meanE += w * (e - d.meanE)
		d.noiseVar += w * ((e-d.meanE)*(e-d.meanE) - d.noiseVar)
		d.noiseDist += w * (dist - d.noiseDist)
		return
	}

	// Thresholds scale with how much the background's own frame energy
	// and spectral shape fluctuate (coloured noise fluctuates more than
	// white noise over 10 ms).
	diff := e - d.noiseE
	sigma := math.Sqrt(d.noiseVar)
	speech := diff > max(d.threshold, 2+4*sigma) ||
		diff > 3+2*sigma && dist > max(0.05, 8*d.noiseDist)

	// Energy steadiness: speech swings by 10 dB and more from syllable
	// to syllable; noise that merely changed level does not.
	dm := e - d.meanE
	d.meanE += 0.05 * dm
	d.varE = 0.95 * (d.varE + 0.05*dm*dm)

	quiet := !speech && d.hang == 0
	switch {
	case diff < -6:
		// The floor follows a quieter background quickly.
		d.updateNoise(r[:], rho, 0.3)
	case quiet && diff < 1.5+1.5*sigma:
		// Only frames close to the floor teach the background model:
		// updating on everything below the threshold lets the ends of
		// words pull the floor and its spread up.
		d.updateNoise(r[:], rho, 0.05)
		d.noiseVar += 0.05 * (min(diff*diff, 9*d.noiseVar+1) - d.noiseVar)
		d.noiseDist += 0.05 * (min(dist, 4*d.noiseDist+0.01) - d.noiseDist)
	}
	if speech && d.varE < max(8, 2+1.5*d.noiseVar) {
		d.steady++
		if d.steady >= 150 {
			// 1.5 s of steady "speech" is background at a new level.
			d.updateNoise(r[:], rho, 0.5)
			d.noiseVar = max(d.noiseVar, d.varE)
			d.steady = 0
			d.hang = 0
			speech = false
		}
	} else {
		d.steady = 0
	}
	d.noiseE = dB(d.noiseR[0])

	if speech {
		d.run++
		// An isolated loud frame gets a short hangover only.
		if d.run >= 2 {
			d.hang = d.hangFrames
		} else {
			d.hang = max(d.hang, 2)
		}
	} else {
		d.run = 0
		if d.hang > 0 {
			d.hang--
		}
	}
	d.active = speech || d.hang > 0
}

func (d *Detector) updateNoise(r []float64, rho [lags]float64, w float64) {
	for i := range d.noiseR {
		d.noiseR[i] += w * (r[i] - d.noiseR[i])
	}
	for l := range rho {
		d.noiseRho[l] += w * (rho[l] - d.noiseRho[l])
	}
}
