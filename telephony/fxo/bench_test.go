package fxo

import (
	"testing"

	"tipring/dsp/measure"
	"tipring/dsp/tone"
	"tipring/hal"
)

// nullChannel is an FXO channel with no line behind it.
type nullChannel struct{}

func (nullChannel) Info() hal.ChannelInfo {
	return hal.ChannelInfo{Span: 1, Chan: 1, Kind: hal.KindFXO, Name: "FXO/1/1"}
}
func (nullChannel) FrameSamples() int            { return 160 }
func (nullChannel) ReadFrame(buf []int16) error  { return nil }
func (nullChannel) WriteFrame(buf []int16) error { return nil }
func (nullChannel) PollEvent() (hal.Event, bool) { return hal.Event{}, false }
func (nullChannel) Hook(hal.Hook) error          { return nil }
func (nullChannel) Close() error                 { return nil }

type nullLeg struct{}

func (nullLeg) Push([]int16)   {}
func (nullLeg) Pull(f []int16) { clear(f) }

// benchPort measures one 20 ms frame of a port in zone, idle or in a
// connected call; progress, when set, is the port's progress detector.
func benchPort(b *testing.B, zone string, connected bool, progress ...ProgressDetector) {
	z, _ := tone.LookupZone(zone)
	cfg := Config{Zone: z}
	if len(progress) > 0 {
		cfg.Progress = progress[0]
	}
	p, err := NewPort(nullChannel{}, cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	lp, err := p.newLoop()
	if err != nil {
		b.Fatal(err)
	}
	if connected {
		lp.line = Line{State: Connected, Outgoing: true}
		lp.audio = true
		lp.leg = nullLeg{}
	}
	measure.Sine(lp.rx, 700, -20, 0)
	frame := hal.FrameDuration(len(lp.rx))
	b.ReportAllocs()
	for b.Loop() {
		lp.now += frame
		p.step(lp)
		copy(lp.ref, lp.tx)
	}
}

// BenchmarkPortIdleETSI is one 20 ms frame of an idle port listening for
// ETSI FSK and DTMF caller ID.
func BenchmarkPortIdleETSI(b *testing.B) { benchPort(b, "de", false) }

// BenchmarkPortIdleBellcore: the same with Bell 202 caller ID.
func BenchmarkPortIdleBellcore(b *testing.B) { benchPort(b, "us", false) }

// BenchmarkPortConnected is one frame of a call: echo canceller, DTMF and
// disconnect-tone detectors, audio exchange.
func BenchmarkPortConnected(b *testing.B) { benchPort(b, "de", true) }

func TestPortStepDoesNotAllocate(t *testing.T) {
	for _, connected := range []bool{false, true} {
		z, _ := tone.LookupZone("de")
		p, err := NewPort(nullChannel{}, Config{Zone: z}, nil)
		if err != nil {
			t.Fatal(err)
		}
		lp, err := p.newLoop()
		if err != nil {
			t.Fatal(err)
		}
		if connected {
			lp.line = Line{State: Connected, Outgoing: true}
			lp.audio = true
			lp.leg = nullLeg{}
		}
		measure.Sine(lp.rx, 700, -20, 0)
		if n := testing.AllocsPerRun(200, func() { lp.now += 20e6; p.step(lp) }); n != 0 {
			t.Errorf("connected=%v: %.1f allocations per frame", connected, n)
		}
	}
}
