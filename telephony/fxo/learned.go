package fxo

import (
	"fmt"

	"tipring/dsp/progress"
	"tipring/dsp/tone"
)

// learnedProgress is the ProgressDetector of a line whose exchange plays
// disconnect tones that no zone table has: the built-in detector of the
// zone's busy and congestion tones, and a dsp/progress Detector that knows
// the learnt signatures.
type learnedProgress struct {
	zone ProgressDetector
	d    *progress.Detector
}

// NewProgress returns a ProgressDetector for the busy and congestion tones
// of zone z and for the learnt tones sigs (progress.Learn, or
// progress.ParseSignature of a configured one); with no sigs it is
// NewZoneProgress(z). The zone's tones keep the built-in detector, so a line
// with learnt tones clears on them exactly as one without. The learnt
// tones are recognised by a dsp/progress Detector made from the whole zone
// (dial, ringback, SIT as well), so that the zone's ringback, which may
// share a frequency with a learnt tone (us ringback 440+480 Hz, a PBX busy
// tone of 480 Hz), is classified as ringback and not as the learnt tone.
// Only signatures learnt as tone.Busy or tone.Congestion are reported.
// Process does not allocate.
func NewProgress(z *tone.Zone, sigs []progress.Signature) (ProgressDetector, error) {
	zp := NewZoneProgress(z)
	if len(sigs) == 0 {
		return zp, nil
	}
	if z == nil {
		return nil, fmt.Errorf("fxo: progress: no tone zone")
	}
	d, err := progress.NewDetector(z, progress.Config{})
	if err != nil {
		return nil, fmt.Errorf("fxo: progress: %w", err)
	}
	for _, s := range sigs {
		if s.Signal != tone.Busy && s.Signal != tone.Congestion {
			return nil, fmt.Errorf("fxo: progress: learnt tone %v: a disconnect tone is busy or congestion", s)
		}
		if err := d.AddSignature(s); err != nil {
			return nil, fmt.Errorf("fxo: %w", err)
		}
	}
	return &learnedProgress{zone: zp, d: d}, nil
}

func (p *learnedProgress) Process(frame []int16) (tone.Signal, bool) {
	sig, ok := p.zone.Process(frame)
	r, found := p.d.Process(frame)
	if !ok && found && r.Kind == progress.Learned {
		sig, ok = r.Signal, true
	}
	if ok {
		p.Reset()
	}
	return sig, ok
}

func (p *learnedProgress) Reset() {
	p.zone.Reset()
	p.d.Reset()
}
