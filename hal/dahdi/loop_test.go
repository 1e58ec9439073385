//go:build linux

package dahdi

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"tipring/hal"
)

// These tests drive both ends of the guest's linked spans directly and
// measure what crosses the real driver.

// dBm0Ref is the RMS of a 0 dBm0 sine on the 16-bit scale (the mean of the
// G.711 µ-law and A-law digital milliwatts, G.711 Tables 5 and 6).
const dBm0Ref = 16077.8

// goertzelDBm0 returns the level of the freq component of x (Goertzel
// algorithm, one bin), in dBm0.
func goertzelDBm0(x []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / hal.SampleRate
	coeff := 2 * math.Cos(w)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	amp := 2 * math.Sqrt(power) / float64(len(x))
	return 20 * math.Log10(amp/math.Sqrt2/dBm0Ref)
}

func rmsDBm0(x []int16) float64 {
	var sum float64
	for _, v := range x {
		sum += float64(v) * float64(v)
	}
	return 10 * math.Log10(sum/float64(len(x))/(dBm0Ref*dBm0Ref))
}

// loopPair opens channel chanNum of span a and of its linked span.
func loopPair(t *testing.T, b *Board, spanName string, chanNum int) (hal.Channel, hal.Channel) {
	t.Helper()
	var sp *span
	for _, s := range b.spans {
		if s.info.Name == spanName {
			sp = s
		}
	}
	if sp == nil {
		t.Fatalf("no span %s", spanName)
	}
	other, ok := partner(b, sp.info.Channels[0])
	if !ok {
		t.Fatalf("span %s has no linked span", spanName)
	}
	x, err := sp.Open(chanNum)
	if err != nil {
		t.Fatal(err)
	}
	y, err := other.Open(chanNum)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, c := range []hal.Channel{x, y} {
			if c.Info().Kind == hal.KindFXS || c.Info().Kind == hal.KindFXO {
				_ = c.Hook(hal.HookOnHook)
			}
			_ = c.Close()
		}
	})
	return x, y
}

// run reads and writes frames on every channel for d, sending tone (1004 Hz
// at -10 dBm0) from src and recording dst, and returns what dst heard and
// every event each channel reported.
func run(t *testing.T, d time.Duration, src, dst hal.Channel, chans ...hal.Channel) ([]int16, map[hal.Channel][]hal.Event) {
	t.Helper()
	n := chans[0].FrameSamples()
	frames := int(d / hal.FrameDuration(n))
	buf := make([]int16, n)
	tone := make([]int16, n)
	silence := make([]int16, n)
	var heard []int16
	evs := map[hal.Channel][]hal.Event{}
	amp := dBm0Ref * math.Sqrt2 * math.Pow(10, -10.0/20)
	k := 0
	for range frames {
		for _, c := range chans {
			for {
				ev, ok := c.PollEvent()
				if !ok {
					break
				}
				evs[c] = append(evs[c], ev)
			}
			if err := c.ReadFrame(buf); err != nil {
				t.Fatalf("%s: %v", c.Info().Name, err)
			}
			if c == dst {
				heard = append(heard, buf...)
			}
			out := silence
			if c == src {
				for i := range tone {
					tone[i] = int16(math.Round(amp * math.Sin(2*math.Pi*1004*float64(k)/hal.SampleRate)))
					k++
				}
				out = tone
			}
			if err := c.WriteFrame(out); err != nil {
				t.Fatalf("%s: %v", c.Info().Name, err)
			}
		}
	}
	return heard, evs
}

// TestO6ToneAcrossDriver sends the ITU-T O.6 test tone (1004 Hz, -10 dBm0)
// both ways across each kind of linked channel and measures it with a
// Goertzel filter: level within 0.5 dB, and the 1004 Hz bin holding the
// whole signal (a tone 2 Hz off would lose energy to leakage over a
// 500 ms block: no more than 0.3 dB between the bin and the total level).
func TestO6ToneAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	for _, c := range []struct {
		span string
		ch   int
	}{{"DYN/loc/1:1", 3}, {"DYN/loc/2:0", 5}} {
		x, y := loopPair(t, b, c.span, c.ch)
		if x.Info().Kind == hal.KindFXS {
			// The phone goes off hook, as in a call.
			if err := y.Hook(hal.HookOffHook); err != nil {
				t.Fatal(err)
			}
		}
		for _, dir := range [][2]hal.Channel{{x, y}, {y, x}} {
			heard, _ := run(t, 1500*time.Millisecond, dir[0], dir[1], x, y)
			block := heard[len(heard)-4000:]
			tone, total := goertzelDBm0(block, 1004), rmsDBm0(block)
			t.Logf("%s -> %s: 1004 Hz bin %.2f dBm0, total %.2f dBm0", dir[0].Info().Name, dir[1].Info().Name, tone, total)
			if math.Abs(tone+10) > 0.5 {
				t.Errorf("%s -> %s: tone at %.2f dBm0, want -10 ± 0.5", dir[0].Info().Name, dir[1].Info().Name, tone)
			}
			if total-tone > 0.3 {
				t.Errorf("%s -> %s: %.2f dB of the signal is not at 1004 Hz", dir[0].Info().Name, dir[1].Info().Name, total-tone)
			}
			if st := rawOf(dir[1]).Stats(); st.Overruns > 0 {
				t.Logf("%s: %d receive overruns", dir[1].Info().Name, st.Overruns)
			}
		}
	}
}

// TestHookAcrossDriver: the phone (fxsks) goes off hook and the FXS port
// (fxoks) reports it; a 300 ms break is a flash; a long one is on-hook.
func TestHookAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	port, phone := loopPair(t, b, "DYN/loc/1:1", 4)
	want := func(c hal.Channel, d time.Duration, k hal.EventKind) time.Duration {
		t.Helper()
		start := time.Now()
		var seen []hal.Event
		for time.Since(start) < d {
			_, evs := run(t, 100*time.Millisecond, nil, nil, port, phone)
			for _, e := range evs[c] {
				if e.Kind == k {
					return time.Since(start)
				}
			}
			seen = append(seen, evs[c]...)
		}
		t.Fatalf("%s: no %v within %v; events %v", c.Info().Name, k, d, seen)
		return 0
	}
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	want(port, time.Second, hal.EventOffHook)
	run(t, 800*time.Millisecond, nil, nil, port, phone) // past the 600 ms seize debounce
	if err := phone.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	run(t, 300*time.Millisecond, nil, nil, port, phone)
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	want(port, time.Second, hal.EventFlash)
	run(t, 800*time.Millisecond, nil, nil, port, phone)
	if err := phone.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	took := want(port, 3*time.Second, hal.EventOnHook)
	t.Logf("on-hook reported %v after the hang-up (DAHDI rxflashtime 1.25 s)", took.Round(10*time.Millisecond))
}

// TestRingAcrossDriver rings the FXS port; the phone sees ringing voltage
// (EventRingBegin/EventRingEnd on the fxsks side) and answers during the
// second burst, which trips the ring.
func TestRingAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	port, phone := loopPair(t, b, "DYN/loc/1:1", 5)
	if err := port.(hal.RingCadencer).SetRingCadence([]time.Duration{400 * time.Millisecond, 600 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := port.Hook(hal.HookRing); err != nil {
		t.Fatal(err)
	}
	// Bursts at 0-0.4 s and 1.0-1.4 s; stop inside the second.
	_, evs := run(t, 1200*time.Millisecond, nil, nil, port, phone)
	if got, want := kinds(evs[phone]), kinds([]hal.Event{{Kind: hal.EventRingBegin}, {Kind: hal.EventRingEnd}, {Kind: hal.EventRingBegin}}); got != want {
		t.Fatalf("phone heard %s, want %s", got, want)
	}
	if got, want := kinds(evs[port]), kinds([]hal.Event{{Kind: hal.EventRingerOn}, {Kind: hal.EventRingerOff}, {Kind: hal.EventRingerOn}}); got != want {
		t.Errorf("port reported %s, want %s", got, want)
	}
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	_, evs = run(t, 2*time.Second, nil, nil, port, phone)
	if got := kinds(evs[port]); !strings.Contains(got, "offhook") || strings.Contains(got, "ringeron") {
		t.Errorf("port after ring trip: %s", got)
	}
	for _, e := range evs[phone] {
		if e.Kind == hal.EventRingBegin {
			t.Errorf("phone still rang after answering: %v", evs[phone])
		}
	}
}

// TestDChannelFramesAcrossDriver sends Q.921 frames both ways over the
// software HDLC of two linked D-channels and checks them octet for octet.
func TestDChannelFramesAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	x, y := loopPair(t, b, "DYN/loc/2:0", 24)
	frames := [][]byte{
		{0x00, 0x01, 0x7f},             // SABME, SAPI 0 TEI 0
		{0x02, 0x01, 0x73},             // UA
		bytes.Repeat([]byte{0x7e}, 40), // flags inside the payload: bit stuffing
		make([]byte, 260),
	}
	for i := range frames[3] {
		frames[3][i] = byte(i)
	}
	for _, dir := range [][2]hal.Channel{{x, y}, {y, x}} {
		tx, rx := dir[0].(hal.HDLC), dir[1].(hal.HDLC)
		got := make(chan []byte, len(frames))
		errc := make(chan error, 1)
		go func() {
			buf := make([]byte, 512)
			for range frames {
				n, err := rx.ReadHDLC(buf)
				if err != nil {
					errc <- err
					return
				}
				got <- append([]byte(nil), buf[:n]...)
			}
		}()
		for _, f := range frames {
			if err := tx.WriteHDLC(f); err != nil {
				t.Fatal(err)
			}
		}
		for i, f := range frames {
			select {
			case g := <-got:
				if !bytes.Equal(g, f) {
					t.Errorf("%s -> %s frame %d: % x, want % x", dir[0].Info().Name, dir[1].Info().Name, i, g, f)
				}
			case err := <-errc:
				t.Fatal(err)
			case <-time.After(5 * time.Second):
				t.Fatalf("%s -> %s: frame %d did not arrive", dir[0].Info().Name, dir[1].Info().Name, i)
			}
		}
	}
}

// TestSpansAndScan checks what the driver reports about the guest's spans,
// through the board and through Scan.
func TestSpansAndScan(t *testing.T) {
	b := guestBoard(t)
	v, ec, err := b.Version()
	if err != nil || !strings.Contains(v, "2.11") {
		t.Errorf("version %q (%q), %v", v, ec, err)
	}
	want := []struct {
		name  string
		typ   hal.SpanType
		kinds string
	}{
		{"DYN/loc/1:0", hal.SpanAnalog, strings.Repeat("FXO", 8)},
		{"DYN/loc/1:1", hal.SpanAnalog, strings.Repeat("FXS", 8)},
		{"DYN/loc/2:0", hal.SpanT1, strings.Repeat("B", 23) + "D"},
		{"DYN/loc/2:1", hal.SpanT1, strings.Repeat("B", 23) + "D"},
	}
	spans := b.Spans()
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d", len(spans), len(want))
	}
	for i, sp := range spans {
		info := sp.Info()
		var k strings.Builder
		for _, c := range info.Channels {
			k.WriteString(c.Kind.String())
		}
		if info.Name != want[i].name || info.Type != want[i].typ || k.String() != want[i].kinds {
			t.Errorf("span %d: %s %v %s, want %+v", info.Number, info.Name, info.Type, k.String(), want[i])
		}
		if st := sp.Status(); st.Alarms != 0 {
			t.Errorf("span %d: alarms %v", info.Number, st.Alarms)
		}
	}
	r, err := Scan("")
	if err != nil {
		t.Fatal(err)
	}
	var text, cfg strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := FormatConfig(&cfg, r); err != nil {
		t.Fatal(err)
	}
	t.Logf("scan:\n%s\nstarter configuration:\n%s", text.String(), cfg.String())
	if len(r.Spans) != 4 || r.Spans[1].Channels[7].Signalling != "fxoks" || r.Spans[2].Channels[23].Signalling != "dchan" {
		t.Errorf("scan does not describe the guest's spans")
	}
	if !strings.Contains(cfg.String(), "  - span: 2\n    chan: 8\n    extension: \"2008\"") {
		t.Errorf("starter configuration lacks port 2/8")
	}
}

// TestOpenErrors: a busy channel, a missing device directory.
func TestOpenErrors(t *testing.T) {
	b := guestBoard(t)
	sp := b.Spans()[0]
	c, err := sp.Open(1)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := sp.Open(1); !errors.Is(err, hal.ErrBusy) {
		t.Errorf("second open: %v", err)
	}
	if _, err := Open(Config{DevDir: t.TempDir()}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("open without a driver: %v", err)
	}
	if _, err := Open(Config{FrameMs: 15}); err == nil {
		t.Error("15 ms frames accepted")
	}
}

// TestFrameLoopAllocs checks that a channel loop's frame (events, read,
// write) allocates nothing.
func TestFrameLoopAllocs(t *testing.T) {
	b := guestBoard(t)
	x, y := loopPair(t, b, "DYN/loc/2:0", 7)
	buf := make([]int16, x.FrameSamples())
	step := func() {
		for _, c := range []hal.Channel{x, y} {
			for {
				if _, ok := c.PollEvent(); !ok {
					break
				}
			}
			if err := c.ReadFrame(buf); err != nil {
				t.Fatal(err)
			}
			if err := c.WriteFrame(buf); err != nil {
				t.Fatal(err)
			}
		}
	}
	for range 10 {
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("%.1f allocations per frame", n)
	}
}
