package corpus

import (
	"fmt"
	"math"
	"math/rand/v2"

	"tipring/dsp/measure"
)

// Music parameters: 24 pieces of 60 s.
const (
	pieces     = 24
	pieceSecs  = 60
	sineBits   = 12
	sineLen    = 1 << sineBits
	maxPartial = 3800.0 // Hz; partials above are left out (no aliasing)
)

// instrument is a harmonic timbre: partial amplitudes, envelope and
// inharmonicity.
type instrument struct {
	name     string
	partials []float64
	attack   float64 // s
	decay    float64 // time constant of the decay after the attack, s (0 sustain)
	stretch  float64 // inharmonicity: partial k at k·f·(1+stretch·k²)
}

var instruments = []instrument{
	{"flute", []float64{1, 0.35, 0.12, 0.05, 0.02}, 0.06, 0, 0},
	{"clarinet", []float64{1, 0.05, 0.6, 0.04, 0.35, 0.03, 0.2, 0.02, 0.1}, 0.03, 0, 0},
	{"strings", []float64{1, 0.5, 0.33, 0.25, 0.2, 0.17, 0.14, 0.12, 0.11, 0.1, 0.09, 0.08}, 0.12, 0, 0},
	{"organ", []float64{1, 0.7, 0.5, 0.4, 0, 0.25, 0, 0.2}, 0.01, 0, 0},
	{"piano", []float64{1, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.08, 0.05}, 0.005, 0.6, 0.0004},
	{"guitar", []float64{1, 0.8, 0.5, 0.45, 0.3, 0.2, 0.15, 0.1}, 0.004, 0.4, 0.0002},
	{"brass", []float64{1, 0.9, 0.8, 0.6, 0.45, 0.35, 0.25, 0.18, 0.12, 0.08}, 0.05, 0, 0},
	{"ocarina", []float64{1, 0.08, 0.03}, 0.04, 0, 0},
}

// note is one sounding note: partial phases advance by fixed increments.
type note struct {
	ins      *instrument
	amp      float64
	start    int // sample
	length   int
	f        float64
	vibRate  float64 // Hz, 0 none
	vibDepth float64 // fraction of f
}

var sineTab = func() *[sineLen]float32 {
	var t [sineLen]float32
	for i := range t {
		t[i] = float32(math.Sin(2 * math.Pi * float64(i) / sineLen))
	}
	return &t
}()

func music() []Clip {
	clips := make([]Clip, 0, pieces)
	for p := range pieces {
		r := rand.New(rand.NewPCG(uint64(p)+1, 0x6d75736963))
		x, desc := piece(r)
		clips = append(clips, Clip{Name: fmt.Sprintf("music %d (%s)", p, desc), Kind: Music, Samples: x})
	}
	return clips
}

var (
	major = []int{0, 2, 4, 5, 7, 9, 11}
	minor = []int{0, 2, 3, 5, 7, 8, 10}
)

// piece composes and renders one piece: a chord progression on a bass
// line, a melody with vibrato above it and a drum pattern.
func piece(r *rand.Rand) ([]int16, string) {
	n := pieceSecs * SampleRate
	out := make([]float64, n)
	bpm := 60 + r.IntN(110)
	beat := SampleRate * 60 / bpm
	key := 45 + r.IntN(12) // MIDI note of the tonic, A2..G#3
	scale := major
	if r.IntN(2) == 0 {
		scale = minor
	}
	lead := &instruments[r.IntN(len(instruments))]
	pad := &instruments[r.IntN(len(instruments))]
	bassIns := &instruments[r.IntN(len(instruments))]
	drums := r.IntN(3) != 0
	var notes []*note
	pitch := func(degree, octave int) float64 {
		o := octave + degree/7
		d := degree % 7
		if d < 0 {
			d += 7
			o--
		}
		midi := key + 12*o + scale[d]
		return 440 * math.Pow(2, float64(midi-69)/12)
	}
	melDeg := 0
	for bar := 0; bar*4*beat < n; bar++ {
		t0 := bar * 4 * beat
		root := []int{0, 3, 4, 5, 1, 0, 4, 2}[r.IntN(8)]
		// Chord: triad or seventh in the middle register.
		size := 3 + r.IntN(2)
		for k := range size {
			notes = append(notes, &note{ins: pad, amp: 0.25, start: t0, length: 4 * beat, f: pitch(root+2*k, 1)})
		}
		// Bass on beats 1 and 3.
		for b := 0; b < 4; b += 2 {
			notes = append(notes, &note{ins: bassIns, amp: 0.45, start: t0 + b*beat, length: 2 * beat, f: pitch(root, 0)})
		}
		// Melody: quarter and eighth notes, a random walk on the scale,
		// held notes with vibrato.
		for t := t0; t < t0+4*beat; {
			l := beat
			switch r.IntN(4) {
			case 0:
				l = beat / 2
			case 1:
				l = 2 * beat
			}
			melDeg = max(-3, min(12, melDeg+r.IntN(5)-2))
			if r.IntN(6) != 0 {
				nt := &note{ins: lead, amp: 0.5, start: t, length: l, f: pitch(melDeg, 2)}
				if l >= beat {
					nt.vibRate = 4.5 + 2*r.Float64()
					nt.vibDepth = 0.003 + 0.012*r.Float64()
				}
				notes = append(notes, nt)
			}
			t += l
		}
	}
	for _, nt := range notes {
		render(out, nt)
	}
	if drums {
		drum(out, r, beat)
	}
	desc := fmt.Sprintf("%s over %s, bass %s, %d bpm", lead.name, pad.name, bassIns.name, bpm)
	if drums {
		desc += ", drums"
	}
	return normalise(out, -26+12*r.Float64()), desc
}

// render adds note nt to out.
func render(out []float64, nt *note) {
	ins := nt.ins
	end := min(nt.start+nt.length, len(out))
	const toPhase = (1 << 32) / SampleRate
	np := len(ins.partials)
	var inc, amp [16]float64
	var ph [16]uint32
	for k := range np {
		fk := float64(k+1) * nt.f * (1 + ins.stretch*float64((k+1)*(k+1)))
		if fk*(1+nt.vibDepth) < maxPartial {
			inc[k] = fk * toPhase
			amp[k] = ins.partials[k]
		}
	}
	rel := int(0.03 * SampleRate)
	vib := 0.0
	for i := nt.start; i < end; i++ {
		t := float64(i-nt.start) / SampleRate
		env := min(1, t/ins.attack)
		if ins.decay > 0 {
			env *= math.Exp(-t / ins.decay)
		}
		if left := end - i; left < rel {
			env *= float64(left) / float64(rel)
		}
		m := 1.0
		if nt.vibRate > 0 {
			vib += nt.vibRate / SampleRate
			m = 1 + nt.vibDepth*float64(sineTab[uint32(vib*sineLen)&(sineLen-1)])
		}
		var v float64
		for k := range np {
			if amp[k] == 0 {
				continue
			}
			ph[k] += uint32(inc[k] * m)
			v += amp[k] * float64(sineTab[ph[k]>>(32-sineBits)])
		}
		out[i] += nt.amp * env * v
	}
}

// drum adds kick (a falling sine), snare (noise and a 190 Hz tone) and
// hi-hat (differentiated noise) on a rock pattern.
func drum(out []float64, r *rand.Rand, beat int) {
	for t := 0; t < len(out); t += beat / 2 {
		pos := (t / (beat / 2)) % 8
		if pos == 0 || pos == 5 {
			ph := 0.0
			for i := 0; i < 2400 && t+i < len(out); i++ {
				f := 50 + 100*math.Exp(-float64(i)/400)
				ph += 2 * math.Pi * f / SampleRate
				out[t+i] += 0.9 * math.Exp(-float64(i)/900) * math.Sin(ph)
			}
		}
		if pos == 2 || pos == 6 {
			for i := 0; i < 1600 && t+i < len(out); i++ {
				e := math.Exp(-float64(i) / 500)
				out[t+i] += e * (0.5*r.NormFloat64() + 0.3*math.Sin(2*math.Pi*190*float64(i)/SampleRate))
			}
		}
		prev := 0.0
		for i := 0; i < 400 && t+i < len(out); i++ {
			w := r.NormFloat64()
			out[t+i] += 0.25 * math.Exp(-float64(i)/120) * (w - prev)
			prev = w
		}
	}
}

// normalise scales x to level dBm0 (RMS) and converts it to int16.
func normalise(x []float64, level float64) []int16 {
	const dBm0Ref = measure.DBm0Ref
	var p float64
	for _, v := range x {
		p += v * v
	}
	g := 0.0
	if p > 0 {
		g = dBm0Ref * math.Pow(10, level/20) / math.Sqrt(p/float64(len(x)))
	}
	y := make([]int16, len(x))
	for i, v := range x {
		y[i] = int16(max(-32768, min(32767, math.Round(v*g))))
	}
	return y
}
