package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"tipring/dsp/measure"
	"tipring/hal/sim"
	"tipring/mgmt/api"
)

// simControl drives the simulated board for the API and `tipring sim`.
type simControl struct{ b *sim.Board }

func (s *simControl) Snapshot() any { return s.b.Snapshot() }

// maxRecord bounds one recording request.
const maxRecord = 60 * time.Second

// Measurement is what a record operation reports besides the audio.
type Measurement struct {
	Samples      int     `json:"samples"`
	Seconds      float64 `json:"seconds"`
	LevelDBm0    float64 `json:"level_dbm0"`
	FrequencyHz  float64 `json:"frequency_hz"`
	Dominant1004 float64 `json:"level_1004hz_dbm0"`
}

func measureAudio(x []int16) Measurement {
	m := Measurement{Samples: len(x), Seconds: float64(len(x)) / 8000, LevelDBm0: round2(measure.LevelDBm0(x))}
	if m.LevelDBm0 > -60 {
		m.FrequencyHz = round2(measure.Frequency(x))
	}
	m.Dominant1004 = round2(measure.ToneLevelDBm0(x, 1004))
	return m
}

func round2(v float64) float64 {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return -150
	}
	return math.Round(v*100) / 100
}

func (s *simControl) Do(ctx context.Context, a api.SimAction) (api.SimResult, error) {
	dur := time.Duration(a.Seconds * float64(time.Second))
	if dur < 0 || dur > maxRecord {
		return api.SimResult{}, fmt.Errorf("%w: seconds must be between 0 and %v", api.ErrInvalid, maxRecord.Seconds())
	}
	level := a.Level
	if level == 0 {
		level = -10
	}
	switch a.Target {
	case "phone":
		p, err := s.b.Phone(a.Port)
		if err != nil {
			return api.SimResult{}, fmt.Errorf("%w: %v", api.ErrNotFound, err)
		}
		switch a.Op {
		case "offhook":
			p.OffHook()
		case "onhook":
			p.OnHook()
		case "flash":
			if dur == 0 {
				dur = 300 * time.Millisecond
			}
			p.Flash(dur)
		case "dial":
			if err := p.Dial(a.Digits); err != nil {
				return api.SimResult{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
			}
		case "pulse":
			if err := p.DialPulse(a.Digits); err != nil {
				return api.SimResult{}, fmt.Errorf("%w: %v", api.ErrInvalid, err)
			}
		case "play":
			if a.Freq <= 0 || a.Freq >= 4000 {
				return api.SimResult{}, fmt.Errorf("%w: freq must be between 0 and 4000 Hz", api.ErrInvalid)
			}
			p.PlayTone(a.Freq, level)
		case "stop":
			p.StopPlay()
		case "record":
			x, err := listen(ctx, func() []int16 { return p.Listen(durOr(dur)) })
			if err != nil {
				return api.SimResult{}, err
			}
			return api.SimResult{Data: measureAudio(x), Audio: x}, nil
		default:
			return api.SimResult{}, fmt.Errorf("%w: unknown phone operation %q (offhook, onhook, flash, dial, pulse, play, stop, record)", api.ErrInvalid, a.Op)
		}
		return api.SimResult{Data: s.b.Snapshot()}, nil
	case "line":
		l, err := s.b.Line(a.Port)
		if err != nil {
			return api.SimResult{}, fmt.Errorf("%w: %v", api.ErrNotFound, err)
		}
		switch a.Op {
		case "ring":
			l.Ring(a.Number, a.Name)
		case "stop":
			l.StopRing()
			l.StopPlay()
		case "hangup":
			l.Hangup()
		case "play":
			if a.Freq <= 0 || a.Freq >= 4000 {
				return api.SimResult{}, fmt.Errorf("%w: freq must be between 0 and 4000 Hz", api.ErrInvalid)
			}
			l.PlayTone(a.Freq, level)
		case "record":
			x, err := listen(ctx, func() []int16 { return l.Listen(durOr(dur)) })
			if err != nil {
				return api.SimResult{}, err
			}
			return api.SimResult{Data: measureAudio(x), Audio: x}, nil
		default:
			return api.SimResult{}, fmt.Errorf("%w: unknown line operation %q (ring, stop, hangup, play, record)", api.ErrInvalid, a.Op)
		}
		return api.SimResult{Data: s.b.Snapshot()}, nil
	}
	return api.SimResult{}, fmt.Errorf("%w: unknown target %q (phone, line)", api.ErrNotFound, a.Target)
}

func durOr(d time.Duration) time.Duration {
	if d == 0 {
		return time.Second
	}
	return d
}

// listen runs a blocking recording, giving up when the request goes away.
func listen(ctx context.Context, f func() []int16) ([]int16, error) {
	done := make(chan []int16, 1)
	go func() { done <- f() }()
	select {
	case x := <-done:
		return x, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
