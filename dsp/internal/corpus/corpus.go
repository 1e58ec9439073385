package corpus

import (
	"bufio"
	"bytes"
	"compress/flate"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// SampleRate is the sample rate of every clip, in Hz.
const SampleRate = 8000

// Kind tells speech from music.
type Kind uint8

// The kinds of clip.
const (
	Speech Kind = iota
	Music
)

func (k Kind) String() string {
	if k == Music {
		return "music"
	}
	return "speech"
}

// Clip is one recording of the corpus.
type Clip struct {
	Name    string // e.g. "de+m3 p71 s163 -20dBm0" or "music 7 (organ, 96 bpm)"
	Kind    Kind
	Samples []int16 // 8 kHz linear
}

// Duration is the length of c.
func (c Clip) Duration() time.Duration {
	return time.Duration(len(c.Samples)) * time.Second / SampleRate
}

// Duration is the total length of clips.
func Duration(clips []Clip) time.Duration {
	var d time.Duration
	for _, c := range clips {
		d += c.Duration()
	}
	return d
}

//go:embed data/speech.ulaw.z
var speechData []byte

const magic = "tipring talk-off speech v1\n"

// Speed factors of the resampled speech copies.
var speeds = []float64{0.94, 1.06}

var load = sync.OnceValues(func() ([]Clip, error) {
	speech, err := decodeSpeech(speechData)
	if err != nil {
		return nil, err
	}
	clips := speech
	for _, f := range speeds {
		for _, c := range speech {
			clips = append(clips, Clip{
				Name:    fmt.Sprintf("%s speed %.2f", c.Name, f),
				Kind:    Speech,
				Samples: resample(c.Samples, f),
			})
		}
	}
	return append(clips, music()...), nil
})

// Load returns the whole corpus: the recorded speech, its resampled
// copies and the synthetic music. The first call takes a few seconds; the
// result is shared by all callers and must not be modified.
func Load() ([]Clip, error) { return load() }

// Each calls fn for every clip of Load in order, stopping at the first
// error fn returns.
func Each(fn func(Clip) error) error {
	clips, err := Load()
	if err != nil {
		return err
	}
	for _, c := range clips {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// decodeSpeech reads the committed format: DEFLATE of magic followed by
// records of name length (1 byte), name, sample count (uint32 LE) and
// that many µ-law codes.
func decodeSpeech(z []byte) ([]Clip, error) {
	r := bufio.NewReader(flate.NewReader(bytes.NewReader(z)))
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(r, head); err != nil || string(head) != magic {
		return nil, errors.New("corpus: speech data: bad header")
	}
	var clips []Clip
	for {
		n, err := r.ReadByte()
		if err == io.EOF {
			return clips, nil
		}
		if err != nil {
			return nil, fmt.Errorf("corpus: speech data: %w", err)
		}
		name := make([]byte, int(n)+4)
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, fmt.Errorf("corpus: speech data: clip %d: %w", len(clips), err)
		}
		codes := make([]byte, binary.LittleEndian.Uint32(name[n:]))
		if _, err := io.ReadFull(r, codes); err != nil {
			return nil, fmt.Errorf("corpus: speech data: clip %q: %w", name[:n], err)
		}
		pcm := make([]int16, len(codes))
		for i, c := range codes {
			pcm[i] = ulawDecode(c)
		}
		clips = append(clips, Clip{Name: string(name[:n]), Kind: Speech, Samples: pcm})
	}
}

// ulawDecode is the G.711 µ-law decoder (clause 3, Table 2a), kept here so
// the corpus depends on nothing it might be used to test.
func ulawDecode(c byte) int16 {
	v := ^c
	seg := int(v>>4) & 7
	q := int(v) & 0xF
	y := ((2*q + 33) << seg) - 33
	if c&0x80 == 0 {
		y = -y
	}
	return int16(y * 4)
}

// resample plays x at speed f (f > 1 faster and higher) with cubic
// (Catmull-Rom) interpolation.
func resample(x []int16, f float64) []int16 {
	n := int(float64(len(x)-3) / f)
	y := make([]int16, max(n, 0))
	for k := range y {
		t := float64(k) * f
		i := int(t)
		u := t - float64(i)
		p0 := float64(x[max(i-1, 0)])
		p1, p2, p3 := float64(x[i]), float64(x[i+1]), float64(x[i+2])
		v := p1 + 0.5*u*(p2-p0+u*(2*p0-5*p1+4*p2-p3+u*(3*(p1-p2)+p3-p0)))
		y[k] = int16(max(-32768, min(32767, v)))
	}
	return y
}
