package gateway

import (
	"context"
	"fmt"
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

// BenchmarkFindRoute100 measures the routing decision of a 100-route table
// (digit maps, regular expressions on called and calling numbers, source
// and office-hours conditions) for a call that only the last route takes.
func BenchmarkFindRoute100(b *testing.B) {
	s, err := sim.New(sim.Config{Fast: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cfg := Config{Zone: "de", TimeZone: "Europe/Berlin", Ports: []PortConfig{{Span: 1, Chan: 1, Extension: "2001"}}}
	for i := range 99 {
		r := Route{Pattern: fmt.Sprintf("%02dx.", i), Port: "2001"}
		switch i % 3 {
		case 1:
			r.Pattern = fmt.Sprintf("re:^0%02d[0-9]+$", i)
			r.Calling = "re:^0049"
		case 2:
			r.Source, r.Time = "2001", []string{"mon-fri 08:00-18:00"}
		}
		cfg.Routes = append(cfg.Routes, r)
	}
	cfg.Routes = append(cfg.Routes, Route{Pattern: "9x.", Port: "2001", Time: []string{"mon-sun 00:00-23:59"}})
	gw, err := New(Options{Config: cfg, Board: s})
	if err != nil {
		b.Fatal(err)
	}
	src := origin{names: []string{"FXS/1/1", "2001"}}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, ok := gw.findRoute(src, "0301234567", "9030123456"); !ok {
			b.Fatal("no route")
		}
	}
}
