package tone

import (
	"math"
	"time"
)

// Levels (dBm0 per component) chosen per tone; see the package
// documentation for the sources.
const (
	levelDAHDI  = -10.0 // dahdi-tools tonezone.c LEVEL, used where no national level is known
	levelE180   = -12.0 // spandsp global-tones.xml (ITU-T E.180 derived)
	levelUSDial = -13.0 // North American precise tones
	levelUSRing = -19.0
	levelUSBusy = -24.0
)

// HowlerLevelDBm0 is the total level of the receiver off-hook tone; each of
// its four components is 6 dB lower. With all components starting at zero
// phase the peak stays below 16-bit full scale.
const HowlerLevelDBm0 = -3.0

// AMDepth is the modulation depth of amplitude-modulated components
// (Component.ModFreq != 0): the carrier is multiplied by
// 1 + AMDepth*sin(2π ModFreq t), so each sideband is 20*log10(AMDepth/2)
// = -6.9 dB relative to the carrier.
const AMDepth = 0.9

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// tones returns the components f at level l.
func tones(l float64, f ...float64) []Component {
	c := make([]Component, len(f))
	for i, v := range f {
		c[i] = Component{Freq: v, LevelDBm0: l}
	}
	return c
}

func am(l, carrier, mod float64) []Component {
	return []Component{{Freq: carrier, LevelDBm0: l, ModFreq: mod}}
}

func on(n int, c []Component) Segment { return Segment{Components: c, Dur: ms(n)} }
func off(n int) Segment               { return Segment{Dur: ms(n)} }
func steady(c []Component) Segment    { return Segment{Components: c} }

// times repeats segs n times.
func times(n int, segs ...Segment) []Segment {
	var out []Segment
	for range n {
		out = append(out, segs...)
	}
	return out
}

func cat(parts ...[]Segment) []Segment {
	var out []Segment
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func loop(segs ...Segment) Tone { return Tone{Loop: segs} }

func cadence(n ...int) []time.Duration {
	d := make([]time.Duration, len(n))
	for i, v := range n {
		d[i] = ms(v)
	}
	return d
}

// sit is the three-frequency special information tone of E.180 clause 7,
// 330 ms per frequency.
func sit(l, mid float64) []Segment {
	return []Segment{on(330, tones(l, 950)), on(330, tones(l, mid)), on(330, tones(l, 1800))}
}

// howler is the North American receiver off-hook tone (1400+2060+2450+2600
// Hz, 0.1 s on, 0.1 s off), used in every zone.
func howler() Tone {
	l := HowlerLevelDBm0 - 10*math.Log10(4)
	return loop(on(100, tones(l, 1400, 2060, 2450, 2600)), off(100))
}

var zoneTable = map[string]func() *Zone{
	"us": func() *Zone {
		d := tones(levelUSDial, 350, 440)
		return &Zone{
			Name: "us", Description: "United States / North America",
			RingCadence: cadence(2000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(d)),
				Busy:        loop(on(500, tones(levelUSBusy, 480, 620)), off(500)),
				Ringback:    loop(on(2000, tones(levelUSRing, 440, 480)), off(4000)),
				Congestion:  loop(on(250, tones(levelUSBusy, 480, 620)), off(250)),
				CallWaiting: loop(on(300, tones(levelDAHDI, 440)), off(10000)),
				DialRecall:  {First: times(3, on(100, d), off(100)), Loop: []Segment{steady(d)}},
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(15000)),
				Info:        {First: sit(levelDAHDI, 1400)},
				Stutter:     {First: times(6, on(100, d), off(100)), Loop: []Segment{steady(d)}},
			},
			DTMFLowDBm0: -10, DTMFHighDBm0: -10,
		}
	},
	"uk": func() *Zone {
		l := levelE180
		d := tones(l, 350, 440)
		r := tones(l, 400, 450)
		return &Zone{
			Name: "uk", Description: "United Kingdom",
			RingCadence: cadence(400, 200, 400, 2000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(d)),
				Busy:        loop(on(375, tones(l, 400)), off(375)),
				Ringback:    loop(on(400, r), off(200), on(400, r), off(2000)),
				Congestion:  loop(on(400, tones(l, 400)), off(350), on(225, tones(l, 400)), off(525)),
				CallWaiting: loop(on(100, tones(levelDAHDI, 400)), off(4000)),
				DialRecall:  loop(steady(d)),
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(60000)),
				Info: loop(on(330, tones(levelDAHDI, 950)), off(15), on(330, tones(levelDAHDI, 1400)), off(15),
					on(330, tones(levelDAHDI, 1800)), off(1000)),
				Stutter: loop(on(750, d), on(750, tones(l, 440))),
			},
			DTMFLowDBm0: -11, DTMFHighDBm0: -9,
		}
	},
	"de": func() *Zone {
		l := levelE180
		t := tones(l, 425)
		cw := tones(levelDAHDI, 425)
		return &Zone{
			Name: "de", Description: "Germany",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:       loop(steady(t)),
				Busy:       loop(on(480, t), off(480)),
				Ringback:   loop(on(1000, t), off(4000)),
				Congestion: loop(on(240, t), off(240)),
				CallWaiting: {First: cat(times(4, on(200, cw), off(200), on(200, cw), off(5000)),
					[]Segment{on(200, cw), off(200), on(200, cw)})},
				DialRecall: {First: times(3, on(100, t), off(100)), Loop: []Segment{steady(t)}},
				Record:     loop(on(80, tones(levelDAHDI, 1400)), off(15000)),
				Info:       loop(append(sit(levelDAHDI, 1400), off(1000))...),
				Stutter:    loop(steady(tones(l, 425, 400))),
			},
			DTMFLowDBm0: -11, DTMFHighDBm0: -9,
		}
	},
	"fr": func() *Zone {
		l := levelE180
		t := tones(l, 440)
		return &Zone{
			Name: "fr", Description: "France",
			RingCadence: cadence(1500, 3500),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(t)),
				Busy:        loop(on(500, t), off(500)),
				Ringback:    loop(on(1500, t), off(3500)),
				Congestion:  loop(on(250, tones(levelDAHDI, 440)), off(250)),
				CallWaiting: loop(on(300, tones(levelDAHDI, 440)), off(10000)),
				DialRecall:  {First: times(3, on(100, tones(l, 350, 440)), off(100)), Loop: []Segment{steady(tones(l, 350, 440))}},
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(15000)),
				Info:        {First: sit(levelDAHDI, 1400)},
				Stutter:     {First: times(6, on(100, t), off(100)), Loop: []Segment{steady(t)}},
			},
			DTMFLowDBm0: -11, DTMFHighDBm0: -9,
		}
	},
	"cn": func() *Zone {
		l := levelE180
		t := tones(l, 450)
		i := tones(levelDAHDI, 450)
		return &Zone{
			Name: "cn", Description: "China",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(t)),
				Busy:        loop(on(350, t), off(350)),
				Ringback:    loop(on(1000, t), off(4000)),
				Congestion:  loop(on(700, t), off(700)),
				CallWaiting: loop(on(400, tones(levelDAHDI, 450)), off(4000)),
				DialRecall:  loop(steady(t)),
				Record:      loop(on(400, tones(levelDAHDI, 950)), off(10000)),
				Info:        loop(append(times(3, on(100, i), off(100)), on(400, i), off(400))...),
				Stutter:     loop(steady(tones(l, 450, 425))),
			},
			DTMFLowDBm0: -9, DTMFHighDBm0: -11,
		}
	},
	"jp": func() *Zone {
		l := levelE180
		t := tones(l, 400)
		return &Zone{
			Name: "jp", Description: "Japan",
			RingCadence: cadence(1000, 2000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(t)),
				Busy:        loop(on(500, t), off(500)),
				Ringback:    loop(on(1000, am(l, 400, 15)), off(2000)),
				Congestion:  loop(on(500, t), off(500)),
				CallWaiting: loop(on(500, am(levelDAHDI, 400, 16)), off(8000)),
				DialRecall:  {First: times(3, on(200, t), off(200)), Loop: []Segment{steady(t)}},
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(15000)),
				Info:        {First: sit(levelDAHDI, 1400)},
				Stutter:     {First: times(6, on(100, t), off(100)), Loop: []Segment{steady(t)}},
			},
			DTMFLowDBm0: -7, DTMFHighDBm0: -7,
		}
	},
	"au": func() *Zone {
		l := levelE180
		r := tones(l, 413, 438)
		t := tones(l, 425)
		o := tones(levelDAHDI, 425)
		return &Zone{
			Name: "au", Description: "Australia",
			RingCadence: cadence(400, 200, 400, 2000),
			Tones: map[Signal]Tone{
				Dial:     loop(steady(tones(l, 415, 440))),
				Busy:     loop(on(375, t), off(375)),
				Ringback: loop(on(400, r), off(200), on(400, r), off(2000)),
				// The second burst is DAHDI's "425@" (0.3x amplitude),
				// -22 dBm0 in E.180.
				Congestion:  loop(on(375, t), off(375), on(375, tones(-22, 425)), off(375)),
				CallWaiting: loop(on(100, o), off(200), on(200, o), off(4400)),
				DialRecall:  loop(steady(tones(l, 413, 428))),
				Record:      {First: []Segment{on(1000, o), off(15000)}, Loop: []Segment{on(360, o), off(15000)}},
				Info:        loop(on(2500, o), off(500)),
				Stutter:     loop(on(100, r), off(40)),
			},
			DTMFLowDBm0: -10, DTMFHighDBm0: -10,
		}
	},
	"it": func() *Zone {
		l := levelE180
		t := tones(l, 425)
		alt := loop(on(400, tones(l, 470)), on(400, t))
		o := tones(levelDAHDI, 425)
		return &Zone{
			Name: "it", Description: "Italy",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(on(200, t), off(200), on(600, t), off(1000)),
				Busy:        loop(on(500, t), off(500)),
				Ringback:    loop(on(1000, t), off(4000)),
				Congestion:  loop(on(200, o), off(200)),
				CallWaiting: loop(on(400, o), off(100), on(250, o), off(100), on(150, o), off(14000)),
				DialRecall:  alt,
				Record:      loop(on(400, tones(levelDAHDI, 1400)), off(15000)),
				Info:        {First: times(3, append(sit(levelDAHDI, 1400), off(1000))...)},
				Stutter:     loop(on(400, tones(l, 470)), on(400, t)),
			},
			DTMFLowDBm0: -11, DTMFHighDBm0: -9,
		}
	},
	"nl": func() *Zone {
		l := levelE180
		t := tones(l, 425)
		return &Zone{
			Name: "nl", Description: "Netherlands",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(t)),
				Busy:        loop(on(500, t), off(500)),
				Ringback:    loop(on(1000, t), off(4000)),
				Congestion:  loop(on(250, t), off(250)),
				CallWaiting: loop(on(500, tones(levelDAHDI, 425)), off(9500)),
				DialRecall:  {First: times(3, on(100, t), off(100)), Loop: []Segment{steady(t)}},
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(15000)),
				Info:        loop(append(sit(levelDAHDI, 1400), off(1000))...),
				Stutter:     loop(on(500, t), off(50)),
			},
			DTMFLowDBm0: -11, DTMFHighDBm0: -9,
		}
	},
	"br": func() *Zone {
		l := levelE180
		t := tones(l, 425)
		o := tones(levelDAHDI, 425)
		return &Zone{
			Name: "br", Description: "Brazil",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(t)),
				Busy:        loop(on(250, t), off(250)),
				Ringback:    loop(on(1000, t), off(4000)),
				Congestion:  loop(on(250, o), off(250), on(750, o), off(250)),
				CallWaiting: loop(on(50, o), off(1000)),
				DialRecall:  loop(steady(tones(l, 350, 440))),
				Record:      loop(on(250, o), off(250)),
				Info:        loop(sit(levelDAHDI, 1400)...),
				Stutter:     loop(steady(tones(l, 350, 440))),
			},
			DTMFLowDBm0: -12, DTMFHighDBm0: -10,
		}
	},
	"in": func() *Zone {
		l := levelE180
		a := am(l, 400, 25)
		d := tones(l, 350, 440)
		o := tones(levelDAHDI, 400)
		return &Zone{
			Name: "in", Description: "India",
			RingCadence: cadence(400, 200, 400, 2000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(a)),
				Busy:        loop(on(750, tones(l, 400)), off(750)),
				Ringback:    loop(on(400, a), off(200), on(400, a), off(2000)),
				Congestion:  loop(on(250, o), off(250)),
				CallWaiting: loop(on(200, o), off(100), on(200, o), off(7500)),
				DialRecall:  {First: times(3, on(100, d), off(100)), Loop: []Segment{steady(d)}},
				Record:      loop(on(500, tones(levelDAHDI, 1400)), off(15000)),
				Info:        {First: sit(levelDAHDI, 1400), Loop: []Segment{off(1000)}},
				Stutter:     {First: times(6, on(100, d), off(100)), Loop: []Segment{steady(d)}},
			},
			DTMFLowDBm0: -10, DTMFHighDBm0: -10,
		}
	},
	"ru": func() *Zone {
		l := levelE180
		t := tones(l, 425)
		d := tones(levelDAHDI, 425) // no E.180 dial level for ru
		r := tones(levelDAHDI, 350, 440)
		return &Zone{
			Name: "ru", Description: "Russian Federation",
			RingCadence: cadence(1000, 4000),
			Tones: map[Signal]Tone{
				Dial:        loop(steady(d)),
				Busy:        loop(on(350, t), off(350)),
				Ringback:    loop(on(1000, t), off(4000)),
				Congestion:  loop(on(175, tones(levelDAHDI, 425)), off(175)),
				CallWaiting: loop(on(200, tones(levelDAHDI, 425)), off(5000)),
				DialRecall:  {First: times(3, on(100, r), off(100)), Loop: []Segment{steady(r)}},
				Record:      loop(on(400, tones(levelDAHDI, 1400)), off(15000)),
				Info:        loop(append(sit(levelDAHDI, 1440), off(1000))...),
				Stutter:     {First: times(6, on(100, d), off(100)), Loop: []Segment{steady(d)}},
			},
			DTMFLowDBm0: -10, DTMFHighDBm0: -10,
		}
	},
}
