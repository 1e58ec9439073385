package tone

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Signal names a call-progress signal.
type Signal uint8

// The call-progress signals every zone defines.
const (
	Dial        Signal = iota // dial tone
	Busy                      // subscriber busy
	Ringback                  // ringing tone heard by the caller (E.180 "ringing tone")
	Congestion                // reorder / all trunks busy
	CallWaiting               // call-waiting tone injected into a call
	DialRecall                // confirmation / recall dial tone after a flash
	Record                    // recording warning tone
	Info                      // special information tone (SIT)
	Stutter                   // stuttered dial tone (message waiting)
	Howler                    // receiver off-hook tone
	numSignals
)

var signalNames = [numSignals]string{
	Dial: "dial", Busy: "busy", Ringback: "ringback", Congestion: "congestion",
	CallWaiting: "callwaiting", DialRecall: "dialrecall", Record: "record",
	Info: "info", Stutter: "stutter", Howler: "howler",
}

// Signals returns every Signal, in declaration order.
func Signals() []Signal {
	s := make([]Signal, numSignals)
	for i := range s {
		s[i] = Signal(i)
	}
	return s
}

// String returns the lower-case name of the signal ("dial", "busy", ...).
func (s Signal) String() string {
	if s < numSignals {
		return signalNames[s]
	}
	return fmt.Sprintf("signal(%d)", uint8(s))
}

// Component is one frequency of a tone segment.
type Component struct {
	Freq      float64 // Hz
	LevelDBm0 float64 // level of the (carrier) sine
	// ModFreq, when not zero, amplitude-modulates the component with a
	// ModFreq Hz sine at modulation depth AMDepth (DAHDI's "F1*F2").
	ModFreq float64
}

// Segment is a stretch of a tone: the sum of its components (silence when
// there are none) for Dur.
type Segment struct {
	Components []Component // empty = silence
	Dur        time.Duration
	// Dur == 0 is a steady segment: it plays until the generator is
	// stopped.
}

// Tone is a call-progress tone: First is played once, then Loop repeats
// forever. A steady segment (Dur 0) holds wherever it is. When Loop is
// empty the tone ends after First.
type Tone struct {
	First []Segment
	Loop  []Segment
}

// Zone holds the call-progress tones and ring cadence of one country.
type Zone struct {
	Name, Description string
	// RingCadence is the ringing-voltage cadence for FXS ports: on, off,
	// on, off, ... repeated.
	RingCadence []time.Duration
	Tones       map[Signal]Tone
	// DTMFLowDBm0 and DTMFHighDBm0 are the send levels of the DTMF low
	// (row) and high (column) group.
	DTMFLowDBm0, DTMFHighDBm0 float64
}

// Zones returns the names of the known zones, sorted.
func Zones() []string {
	names := make([]string, 0, len(zoneTable))
	for n := range zoneTable {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupZone returns the zone named name (case-insensitive, e.g. "us",
// "DE"). Every call returns a fresh Zone that the caller may modify.
func LookupZone(name string) (*Zone, error) {
	build, ok := zoneTable[strings.ToLower(strings.TrimSpace(name))]
	if !ok {
		return nil, fmt.Errorf("tone: unknown zone %q (known: %s)", name, strings.Join(Zones(), ", "))
	}
	z := build()
	z.Tones[Howler] = howler()
	return z, nil
}
