package sim

import (
	"sync"
	"testing"

	"tipring/dsp/cid"
	"tipring/dsp/measure"
	"tipring/hal"
)

// benchBoard opens every channel of a 4 FXS + 2 FXO board with the phones
// off hook and talking and both lines seized (dial tone and the office's
// DTMF receiver running).
func benchBoard(b *testing.B) (*Board, []hal.Channel) {
	bd, err := New(Config{Fast: true, FXS: 4, FXO: 2, E1Spans: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = bd.Close() })
	var chans []hal.Channel
	for i := 1; i <= 6; i++ {
		ch, err := bd.Spans()[0].Open(i)
		if err != nil {
			b.Fatal(err)
		}
		chans = append(chans, ch)
	}
	for i := 1; i <= 4; i++ {
		p, _ := bd.Phone(i)
		p.OffHook()
		p.PlayTone(440, -15)
	}
	for _, ch := range chans[4:] {
		if err := ch.Hook(hal.HookOffHook); err != nil {
			b.Fatal(err)
		}
	}
	bd.mu.Lock()
	for _, ep := range bd.eps {
		ep.h.reading = true
	}
	bd.mu.Unlock()
	return bd, chans
}

// BenchmarkTick is one board frame for 4 FXS + 2 FXO channels: every
// channel writes a frame, the board ticks, every channel reads its frame.
func BenchmarkTick(b *testing.B) {
	bd, chans := benchBoard(b)
	out := make([]int16, bd.frameN)
	in := make([]int16, bd.frameN)
	measure.Sine(out, 1004, -10, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, ch := range chans {
			_ = ch.WriteFrame(out)
		}
		bd.mu.Lock()
		bd.tickLocked()
		bd.mu.Unlock()
		for _, ch := range chans {
			if err := ch.ReadFrame(in); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkFastClock runs the fast clock with one goroutine per channel
// (the telephony layer's shape); one op is one frame on all six channels.
func BenchmarkFastClock(b *testing.B) {
	bd, chans := benchBoard(b)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]int16, bd.frameN)
			for range b.N {
				if err := ch.ReadFrame(buf); err != nil {
					return
				}
				_ = ch.WriteFrame(buf)
			}
		}()
	}
	wg.Wait()
}

// TestTickAllocsOffice: producing frames does not allocate while the
// office sends caller ID on hook, nor while it times pulse dialling.
func TestTickAllocsOffice(t *testing.T) {
	bd, err := New(Config{Fast: true, FXS: -1, FXO: 1, E1Spans: -1, Zone: "de"})
	if err != nil {
		t.Fatal(err)
	}
	defer bd.Close()
	ch, err := bd.Spans()[0].Open(1)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := bd.Line(1)
	if err := l.RingWith(RingOptions{Number: "0301234567", Name: "Erika M", Scheme: cid.ETSI}); err != nil {
		t.Fatal(err)
	}
	bd.mu.Lock()
	bd.eps[0].h.reading = true
	bd.mu.Unlock()
	tick := func() {
		bd.mu.Lock()
		bd.tickLocked()
		bd.mu.Unlock()
	}
	// Reversal, DT-AS and data: about 1.2 s, before the first ring.
	if a := testing.AllocsPerRun(40, tick); a != 0 {
		t.Errorf("%.1f allocations per tick sending caller ID", a)
	}
	if !l.SendingCallerID() {
		t.Fatal("caller ID not sent during the measurement")
	}
	l.StopRing()
	if err := ch.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	tick()
	if err := ch.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	tick()
	if a := testing.AllocsPerRun(20, tick); a != 0 {
		t.Errorf("%.1f allocations per tick timing a loop break", a)
	}
}
