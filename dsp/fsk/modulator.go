package fsk

import (
	"fmt"
	"math"
)

// Modulator sends queued bits as phase-continuous FSK. It is not safe for
// concurrent use.
type Modulator struct {
	spec     Spec
	amp      float64
	bitStep  float64 // fraction of a bit per sample (Baud/SampleRate)
	mwr, mwi float64 // mark phasor step
	swr, swi float64 // space phasor step
	zr, zi   float64 // oscillator phasor; the output is amp*zi

	bits   []uint8 // queued bits, 0 or 1, consumed from head
	head   int
	cur    uint8   // bit being sent
	active bool    // cur is being sent
	pos    float64 // time of the next sample since the start of cur, in bits
}

// NewModulator returns an idle modulator that sends spec at levelDBm0 (the
// RMS level of the signal, mark and space alike). It returns an error if
// spec is unusable at 8 kHz.
func NewModulator(spec Spec, levelDBm0 float64) (*Modulator, error) {
	if !spec.valid() {
		return nil, fmt.Errorf("fsk: new modulator: unusable spec %+v", spec)
	}
	m := &Modulator{
		spec:    spec,
		amp:     amplitude(levelDBm0),
		bitStep: spec.Baud / SampleRate,
		bits:    make([]uint8, 0, 4096),
		zr:      1,
	}
	w := 2 * math.Pi * spec.Mark / SampleRate
	m.mwr, m.mwi = math.Cos(w), math.Sin(w)
	w = 2 * math.Pi * spec.Space / SampleRate
	m.swr, m.swi = math.Cos(w), math.Sin(w)
	return m, nil
}

// Spec returns the modem the modulator sends.
func (m *Modulator) Spec() Spec { return m.spec }

// QueueSeizure appends n bits of alternating 0 and 1, starting with 0: the
// channel seizure signal of GR-30-CORE clause 3.2.3 and EN 300 659-1
// clause 6.1.2 (300 bits for on-hook data).
func (m *Modulator) QueueSeizure(n int) {
	for i := range max(n, 0) {
		m.bits = append(m.bits, uint8(i&1))
	}
}

// QueueMark appends n mark (binary 1) bits: the mark signal before a
// message, or extra stop bits.
func (m *Modulator) QueueMark(n int) {
	for range max(n, 0) {
		m.bits = append(m.bits, 1)
	}
}

// QueueBytes appends p as asynchronous characters: a start bit (0), eight
// data bits least significant first and one stop bit (1).
func (m *Modulator) QueueBytes(p []byte) {
	for _, b := range p {
		m.bits = append(m.bits, 0)
		for i := range 8 {
			m.bits = append(m.bits, (b>>i)&1)
		}
		m.bits = append(m.bits, 1)
	}
}

// QueueBits appends raw bits (each 0 or nonzero for 1).
func (m *Modulator) QueueBits(bits []byte) {
	for _, b := range bits {
		if b != 0 {
			b = 1
		}
		m.bits = append(m.bits, b)
	}
}

// Busy reports whether a bit is being sent or bits are queued.
func (m *Modulator) Busy() bool {
	return m.head < len(m.bits) || m.active && m.pos < 1-m.bitStep/2
}

// Reset discards the queue and silences the modulator at once.
func (m *Modulator) Reset() {
	m.bits = m.bits[:0]
	m.head = 0
	m.active = false
	m.zr, m.zi = 1, 0
}

// Fill writes the signal of the queued bits into frame, overwriting it,
// and returns the number of samples written: len(frame) while bits remain,
// fewer when the last bit ends inside the frame (the rest of frame is left
// untouched), 0 when idle. Bit boundaries fall on the nearest sample of the
// exact bit clock (Baud/SampleRate need not be rational), and the phase is
// continuous across bits and frames.
func (m *Modulator) Fill(frame []int16) int {
	zr, zi := m.zr, m.zi
	n := 0
	for n < len(frame) {
		if !m.active || m.pos >= 1-m.bitStep/2 {
			// Next bit: the current one has had its share of samples
			// (a bit boundary falls on the sample nearest to it).
			if m.head == len(m.bits) {
				m.bits = m.bits[:0]
				m.head = 0
				m.active = false
				break
			}
			if m.active {
				m.pos--
			} else {
				m.pos, m.active = 0, true
			}
			m.cur = m.bits[m.head]
			m.head++
		}
		wr, wi := m.swr, m.swi
		if m.cur != 0 {
			wr, wi = m.mwr, m.mwi
		}
		frame[n] = int16(max(-32768, min(32767, math.Round(m.amp*zi))))
		zr, zi = zr*wr-zi*wi, zr*wi+zi*wr
		m.pos += m.bitStep
		n++
	}
	// Keep the phasor on the unit circle.
	g := 1 / math.Sqrt(zr*zr+zi*zi)
	m.zr, m.zi = zr*g, zi*g
	return n
}
