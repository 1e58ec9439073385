//go:build linux

package dahdi

import (
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"tipring/hal"
)

// These tests show what the analog features built on hook, ring and
// polarity signalling get from the driver across robbed-bit spans: rotary
// dial pulses, loop-current drop (calling party control) and polarity.

// TestPulseDigitsAcrossDriver dials 3, 0 and 7 with loop-disconnect pulses
// (10 pps, 60/40 ms break/make, hook commands timed by the test) on the
// phone side: DAHDI's robbed-bit code on
// the fxoks port
// counts breaks of 15-200 ms and reports each digit as
// DAHDI_EVENT_PULSEDIGIT 250 ms after its last make, which the backend
// passes on as EventPulseDigit; no break is taken for a flash or a
// hang-up.
func TestPulseDigitsAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	port, phone := loopPair(t, b, "DYN/loc/1:1", 6)
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	_, evs := run(t, time.Second, nil, nil, port, phone) // past the 600 ms seize debounce
	if got := kinds(evs[port]); got != kinds([]hal.Event{{Kind: hal.EventOffHook}}) {
		t.Fatalf("port after off hook: %s", got)
	}
	done := make(chan error, 1)
	go func() { // the rotary dial, beside the channels' frame loop
		for i, d := range "307" {
			if i > 0 {
				time.Sleep(700 * time.Millisecond)
			}
			n := int(d - '0')
			if n == 0 {
				n = 10
			}
			for range n {
				if err := phone.Hook(hal.HookOnHook); err != nil {
					done <- err
					return
				}
				time.Sleep(60 * time.Millisecond)
				if err := phone.Hook(hal.HookOffHook); err != nil {
					done <- err
					return
				}
				time.Sleep(40 * time.Millisecond)
			}
		}
		done <- nil
	}()
	_, evs = run(t, 5500*time.Millisecond, nil, nil, port, phone)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var digits string
	for _, e := range evs[port] {
		switch e.Kind {
		case hal.EventPulseDigit:
			digits += string(e.Digit)
		default:
			t.Errorf("port reported %v while the phone dialled", e)
		}
	}
	t.Logf("port events while dialling: %v", evs[port])
	if digits != "307" {
		t.Errorf("pulse digits %q, want 307", digits)
	}
}

// TestLoopCurrentDropAcrossDriver: with the phone (fxsks) off hook, an
// on-hook command on the fxoks port is kewlstart's disconnect: the
// battery (the CAS bits of an off-hook loop) drops for 500 ms
// (DAHDI_KEWLTIME), and the fxsks side reports DAHDI_EVENT_ONHOOK, the
// backend's EventOnHook on an FXO port. Its return is not reported: the
// fxsks receive code only reacts to on-hook bits.
func TestLoopCurrentDropAcrossDriver(t *testing.T) {
	b := guestBoard(t)
	port, phone := loopPair(t, b, "DYN/loc/1:1", 7)
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	// The fxsks side ignores the loop for its 600 ms seize debounce.
	_, evs := run(t, time.Second, nil, nil, port, phone)
	if got := kinds(evs[port]); got != kinds([]hal.Event{{Kind: hal.EventOffHook}}) {
		t.Fatalf("port after off hook: %s", got)
	}
	if err := port.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var seen []hal.Event
	var took time.Duration
	for time.Since(start) < 2*time.Second {
		_, evs := run(t, 20*time.Millisecond, nil, nil, port, phone)
		for _, e := range evs[phone] {
			if e.Kind == hal.EventOnHook && took == 0 {
				took = time.Since(start)
			}
		}
		seen = append(seen, evs[phone]...)
	}
	if took == 0 {
		t.Fatalf("the phone side saw no loop-current drop; events %v", seen)
	}
	if got := kinds(seen); got != kinds([]hal.Event{{Kind: hal.EventOnHook}}) {
		t.Errorf("phone side reported %s, want one onhook", got)
	}
	t.Logf("loop-current drop reported %v after the port's on-hook command", took.Round(time.Millisecond))
}

// TestPolarityNotOnRobbedBitSpans: line polarity is a card driver's
// business in DAHDI. DAHDI_SETPOLARITY and DAHDI_VMWI reach the span's
// ioctl hook, which dahdi_dynamic has not (ENOTTY), and
// DAHDI_EVENT_POLARITY is only queued by card drivers (robbed-bit
// signalling has no polarity bit). The backend reports exactly that: the
// port is no hal.PolarityReverser or hal.VMWIIndicator, and the linked
// FXO port never reports EventPolarity through a whole call.
func TestPolarityNotOnRobbedBitSpans(t *testing.T) {
	b := guestBoard(t)
	port, phone := loopPair(t, b, "DYN/loc/1:1", 3)
	if _, ok := port.(hal.PolarityReverser); ok {
		t.Errorf("%s claims polarity reversal", port.Info().Name)
	}
	if _, ok := port.(hal.VMWIIndicator); ok {
		t.Errorf("%s claims a message lamp", port.Info().Name)
	}
	c := port.(interface{ raw() *channel }).raw()
	for _, req := range []struct {
		name string
		nr   uint32
	}{{"DAHDI_SETPOLARITY", ioctlSetPolarity}, {"DAHDI_VMWI", ioctlVMWI}} {
		err := c.ioctlInt(req.nr, 1)
		t.Logf("%s on %s: %v", req.name, port.Info().Name, err)
		if !errors.Is(err, unix.ENOTTY) {
			t.Errorf("%s: %v, want ENOTTY (no span ioctl on dynamic spans)", req.name, err)
		}
	}
	// A call: ring, answer, talk, clear. Nothing reports a reversal.
	if err := port.Hook(hal.HookRing); err != nil {
		t.Fatal(err)
	}
	_, evs := run(t, 500*time.Millisecond, nil, nil, port, phone)
	all := append([]hal.Event(nil), evs[phone]...)
	if err := phone.Hook(hal.HookOffHook); err != nil {
		t.Fatal(err)
	}
	_, evs = run(t, time.Second, nil, nil, port, phone)
	all = append(all, evs[phone]...)
	if err := port.Hook(hal.HookOnHook); err != nil {
		t.Fatal(err)
	}
	_, evs = run(t, time.Second, nil, nil, port, phone)
	all = append(all, evs[phone]...)
	t.Logf("phone side: %v", all)
	if got := kinds(all); strings.Contains(got, "polarity") || !strings.Contains(got, "ringbegin") || !strings.Contains(got, "onhook") {
		t.Errorf("phone side reported %s: want ringing and the loop-current drop, no polarity", got)
	}
}
