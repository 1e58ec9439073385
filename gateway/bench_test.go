package gateway

import (
	"context"
	"testing"
	"time"

	"tipring/hal/sim"
)

// BenchmarkLocalCallEndToEnd measures the cost of one whole simulated call
// between two phones in simulated time: off hook, DTMF dialling, ringing,
// answer, 2 s of two-way audio, hang-up, CDR. It reports the CPU time one
// call costs and how much faster than real time the board ran.
func BenchmarkLocalCallEndToEnd(b *testing.B) {
	s, err := sim.New(sim.Config{Fast: true})
	if err != nil {
		b.Fatal(err)
	}
	cdr := &memCDR{}
	gw, err := New(Options{Config: Config{Zone: "us", Ports: []PortConfig{
		{Span: 1, Chan: 1, Extension: "2001"}, {Span: 1, Chan: 2, Extension: "2002"},
	}}, Board: s, CDR: cdr})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { gw.Run(ctx); close(done) }()
	defer func() { cancel(); s.Close(); <-done }()
	<-gw.Ready()
	s.SetSettle(gw.Settled)
	p1, _ := s.Phone(1)
	p2, _ := s.Phone(2)
	wait := func(cond func() bool) {
		for i := 0; i < 1000 && !cond(); i++ {
			s.Sleep(20 * time.Millisecond)
		}
		if !cond() {
			b.Fatal("call did not progress")
		}
	}
	idle := func() bool {
		for _, p := range gw.Ports() {
			if p.State != PortIdle {
				return false
			}
		}
		return true
	}
	b.ResetTimer()
	start := time.Now()
	boardStart := s.Now()
	for i := 0; i < b.N; i++ {
		p1.OffHook()
		s.Sleep(200 * time.Millisecond)
		p1.Dial("2002")
		wait(p2.Ringing)
		p2.OffHook()
		wait(func() bool { return len(gw.Calls()) == 1 && gw.Calls()[0].State == "connected" })
		p1.PlayTone(1004, -10)
		p2.PlayTone(697, -10)
		s.Sleep(2 * time.Second)
		p1.StopPlay()
		p2.StopPlay()
		p1.OnHook()
		p2.OnHook()
		wait(func() bool { return idle() && len(cdr.all()) == i+1 })
	}
	b.StopTimer()
	wall := time.Since(start)
	board := s.Now() - boardStart
	b.ReportMetric(board.Seconds()/wall.Seconds(), "x-realtime")
	if n := len(cdr.all()); n != b.N {
		b.Fatalf("%d CDRs for %d calls", n, b.N)
	}
}
