//go:build linux

package dahdi

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tipring/hal"
)

// TestEchoCancellerAcrossDriver: the guest's system.conf gives channels
// 1-16 the kernel's MG2 canceller. An FXS port sends noise; its linked
// phone channel plays back what it hears 12 dB down, a hybrid echo with the
// driver's buffering as the echo path. The port's received echo is
// measured with the canceller off and again after it has converged (G.168
// calls the difference ERLE).
func TestEchoCancellerAcrossDriver(t *testing.T) {
	if os.Getenv("DAHDI_GUEST") == "" {
		t.Skip("needs the DAHDI driver: run make test-dahdi")
	}
	// Short frames and buffers keep the echo path inside the longest
	// tail DAHDI takes (1024 taps, 128 ms).
	b, err := Open(Config{FrameMs: 10, Buffers: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port, phone := loopPair(t, b, "DYN/loc/1:1", 6)
	ec, ok := port.(hal.EchoCanceller)
	if !ok {
		t.Fatalf("%s (%T) has no echo canceller", port.Info().Name, port)
	}
	if name := rawOf(port).EchoCanceller(); name != "MG2" {
		t.Errorf("echo canceller %q, want MG2", name)
	}
	for _, bad := range []int{-1, 100, 2048} {
		if err := ec.SetEchoCancel(bad); err == nil {
			t.Errorf("SetEchoCancel(%d) accepted", bad)
		}
	}
	// Channel 6 of span DYN/loc/1:1 is DAHDI span 2, position 6.
	state := filepath.Join("/sys/bus/dahdi_channels/devices", "dahdi!chan!002!006", "ec_state")
	readState := func() string { v, _ := os.ReadFile(state); return strings.TrimSpace(string(v)) }

	var mu sync.Mutex
	var heard []int16
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the phone: a hybrid returning the port's signal 12 dB down
		// (a weaker return loss, near 6 dB, is double talk to a Geigel
		// detector, and the canceller stops adapting)
		defer wg.Done()
		buf := make([]int16, phone.FrameSamples())
		for {
			select {
			case <-stop:
				return
			default:
			}
			if phone.ReadFrame(buf) != nil {
				return
			}
			for i, v := range buf {
				buf[i] = v / 4
			}
			if phone.WriteFrame(buf) != nil {
				return
			}
		}
	}()
	go func() { // the port: sends noise, records what comes back
		defer wg.Done()
		n := port.FrameSamples()
		tx, rx := make([]int16, n), make([]int16, n)
		seed := uint32(1)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if port.ReadFrame(rx) != nil {
				return
			}
			mu.Lock()
			heard = append(heard, rx...)
			mu.Unlock()
			for i := range tx {
				// Uniform noise at about -15 dBm0 (LCG, Numerical Recipes).
				seed = seed*1664525 + 1013904223
				tx[i] = int16(int32(seed>>16)-32768) / 4
			}
			if port.WriteFrame(tx) != nil {
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	listen := func(d time.Duration) []int16 {
		mu.Lock()
		start := len(heard)
		mu.Unlock()
		time.Sleep(d)
		mu.Lock()
		defer mu.Unlock()
		return append([]int16(nil), heard[start:]...)
	}

	if err := ec.SetEchoCancel(0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	off := rmsDBm0(listen(time.Second))
	if s := readState(); s != "INACTIVE" {
		t.Errorf("ec_state %q with the canceller off, want INACTIVE", s)
	}
	if err := ec.SetEchoCancel(1024); err != nil {
		t.Fatal(err)
	}
	if s := readState(); s != "ACTIVE" {
		t.Errorf("ec_state %q with the canceller on, want ACTIVE", s)
	}
	// The echo path is the phone goroutine's read-write loop, whose delay
	// shifts by a frame now and then under emulation; each shift costs
	// the canceller its convergence. The best second shows what it does
	// on a steady path.
	on := 0.0
	for i := range 8 {
		l := rmsDBm0(listen(time.Second))
		t.Logf("after %d s: echo %.1f dBm0", i+1, l)
		on = min(on, l)
	}
	t.Logf("echo %.1f dBm0 with the canceller off, %.1f dBm0 at best on: %.1f dB cancelled", off, on, off-on)
	if off < -30 {
		t.Errorf("echo path broken: %.1f dBm0 returned with the canceller off", off)
	}
	if off-on < 6 {
		t.Errorf("canceller removed at best %.1f dB of echo, want at least 6", off-on)
	}
	if err := ec.SetEchoCancel(0); err != nil {
		t.Fatal(err)
	}
	if s := readState(); s != "INACTIVE" {
		t.Errorf("ec_state %q after turning the canceller off, want INACTIVE", s)
	}
}
