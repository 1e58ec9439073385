package api

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// simOps lists the operations each sim target accepts, with the
// parameters they need.
var simOps = map[string]map[string]string{
	"phone": {
		"offhook": "", "onhook": "", "flash": "", "stop": "",
		"dial": "digits", "pulse": "digits", "play": "freq", "record": "seconds",
	},
	"line": {
		"ring": "", "stop": "", "answer": "", "hangup": "",
		"play": "freq", "record": "seconds",
	},
}

// SimOps returns the operations a sim target accepts ("phone" or "line"),
// for help texts and the web UI.
func SimOps(target string) []string {
	var ops []string
	for op := range simOps[target] {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	return ops
}

// Limits on sim parameters.
const (
	maxSimPort       = 9999
	maxRecordSeconds = 60
	maxDigits        = 64
	defaultPlayLevel = -10 // dBm0, the DTMF/tone level of the zone tables
)

// simBody is the optional JSON body of a sim action. Pointers tell an
// absent value from zero.
type simBody struct {
	Digits  *string  `json:"digits"`
	Freq    *float64 `json:"freq"`
	Level   *float64 `json:"level"`
	Seconds *float64 `json:"seconds"`
	Number  *string  `json:"number"`
	Name    *string  `json:"name"`
}

func (s *server) simSnapshot(w http.ResponseWriter, r *http.Request) {
	if s.o.Sim == nil {
		writeError(w, http.StatusNotFound, "the board is not the simulator")
		return
	}
	writeJSON(w, http.StatusOK, s.o.Sim.Snapshot())
}

func (s *server) simDo(w http.ResponseWriter, r *http.Request) {
	if s.o.Sim == nil {
		writeError(w, http.StatusNotFound, "the board is not the simulator")
		return
	}
	a, err := parseSimAction(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	timeout := 10 * time.Second
	if a.Op == "record" {
		timeout += time.Duration(a.Seconds * float64(time.Second))
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	res, err := s.o.Sim.Do(ctx, a)
	if err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, ErrNotFound):
			code = http.StatusNotFound
		case errors.Is(err, ErrInvalid):
			code = http.StatusBadRequest
		case errors.Is(err, ErrConflict):
			code = http.StatusConflict
		case errors.Is(err, context.DeadlineExceeded):
			code = http.StatusGatewayTimeout
		case errors.Is(err, context.Canceled):
			code = http.StatusServiceUnavailable
		}
		writeError(w, code, fmt.Sprintf("sim %s %d %s: %v", a.Target, a.Port, a.Op, err))
		return
	}
	if res.Audio != nil && wantsWAV(r) {
		var buf bytes.Buffer
		if err := WriteWAV(&buf, res.Audio); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		h := w.Header()
		h.Set("Content-Type", "audio/wav")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s%d-%s.wav"`, a.Target, a.Port, a.Op))
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(http.StatusOK)
		w.Write(buf.Bytes())
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Data    any `json:"data"`
		Samples int `json:"samples"`
	}{res.Data, len(res.Audio)})
}

func wantsWAV(r *http.Request) bool {
	if f := r.URL.Query().Get("format"); f != "" {
		return f == "wav"
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave":
			return true
		}
	}
	return false
}

// parseSimAction reads /api/v1/sim/{target}/{port}/{op}, the optional JSON
// body and, as an alternative to the body, query parameters of the same
// names (handy with curl).
func parseSimAction(r *http.Request) (SimAction, error) {
	a := SimAction{Target: r.PathValue("target"), Op: r.PathValue("op")}
	ops, ok := simOps[a.Target]
	if !ok {
		return a, fmt.Errorf("unknown sim target %q (phone or line)", a.Target)
	}
	ps := r.PathValue("port")
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > maxSimPort {
		return a, fmt.Errorf("port %q is not a number in 1-%d", ps, maxSimPort)
	}
	a.Port = port
	need, ok := ops[a.Op]
	if !ok {
		return a, fmt.Errorf("unknown %s operation %q", a.Target, a.Op)
	}

	var b simBody
	if r.Body != nil {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return a, err
		}
		if len(bytes.TrimSpace(data)) > 0 {
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&b); err != nil {
				return a, fmt.Errorf("bad JSON body: %v", err)
			}
			if dec.More() {
				return a, errors.New("bad JSON body: more than one value")
			}
		}
	}
	q := r.URL.Query()
	str := func(name string, p **string) {
		if v, ok := q[name]; ok && *p == nil {
			*p = &v[0]
		}
	}
	num := func(name string, p **float64) error {
		if v, ok := q[name]; ok && *p == nil {
			x, err := strconv.ParseFloat(v[0], 64)
			if err != nil || !finite(x) {
				return fmt.Errorf("%s: %q is not a number", name, v[0])
			}
			*p = &x
		}
		return nil
	}
	str("digits", &b.Digits)
	str("number", &b.Number)
	str("name", &b.Name)
	for name, p := range map[string]**float64{"freq": &b.Freq, "level": &b.Level, "seconds": &b.Seconds} {
		if err := num(name, p); err != nil {
			return a, err
		}
	}

	switch need {
	case "digits":
		if b.Digits == nil || *b.Digits == "" {
			return a, fmt.Errorf("%s needs digits", a.Op)
		}
		a.Digits = *b.Digits
		if len(a.Digits) > maxDigits {
			return a, fmt.Errorf("digits: more than %d", maxDigits)
		}
		allowed := "0123456789*#ABCDabcd"
		if a.Op == "pulse" {
			allowed = "0123456789"
		}
		for _, c := range a.Digits {
			if !strings.ContainsRune(allowed, c) {
				return a, fmt.Errorf("digits: %q cannot be sent by %s", c, a.Op)
			}
		}
		a.Digits = strings.ToUpper(a.Digits)
	case "freq":
		if b.Freq == nil {
			return a, errors.New("play needs freq (Hz)")
		}
		a.Freq = *b.Freq
		if a.Freq <= 0 || a.Freq >= 4000 {
			return a, fmt.Errorf("freq: %g Hz is not in (0, 4000)", a.Freq)
		}
		a.Level = defaultPlayLevel
		if b.Level != nil {
			a.Level = *b.Level
		}
		if a.Level < -90 || a.Level > 3.17 {
			return a, fmt.Errorf("level: %g dBm0 is not in -90..3.17", a.Level)
		}
	case "seconds":
		if b.Seconds == nil {
			return a, errors.New("record needs seconds")
		}
		a.Seconds = *b.Seconds
		if a.Seconds <= 0 || a.Seconds > maxRecordSeconds {
			return a, fmt.Errorf("seconds: %g is not in (0, %d]", a.Seconds, maxRecordSeconds)
		}
	}
	if a.Op == "ring" {
		if b.Number != nil {
			a.Number = *b.Number
			if len(a.Number) > 20 || strings.ContainsFunc(a.Number, func(c rune) bool {
				return !(c >= '0' && c <= '9' || c == '+' || c == '*' || c == '#')
			}) {
				return a, fmt.Errorf("number: %q is not a telephone number of up to 20 digits", a.Number)
			}
		}
		if b.Name != nil {
			a.Name = *b.Name
			if len(a.Name) > 50 || strings.ContainsFunc(a.Name, func(c rune) bool { return c < ' ' || c == 0x7f }) {
				return a, fmt.Errorf("name: %q is not a caller name of up to 50 printable characters", a.Name)
			}
		}
	}
	return a, nil
}

// WriteWAV writes samples as a RIFF/WAVE file: PCM, 16-bit little-endian,
// 8000 Hz, one channel.
func WriteWAV(w io.Writer, samples []int16) error {
	const rate, channels, bits = 8000, 1, 16
	dataLen := len(samples) * 2
	if dataLen > 1<<31 {
		return errors.New("api: wav: too many samples")
	}
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], uint32(36+dataLen))
	copy(h[8:], "WAVE")
	copy(h[12:], "fmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)                   // fmt chunk size
	binary.LittleEndian.PutUint16(h[20:], 1)                    // PCM
	binary.LittleEndian.PutUint16(h[22:], channels)             // mono
	binary.LittleEndian.PutUint32(h[24:], rate)                 // sample rate
	binary.LittleEndian.PutUint32(h[28:], rate*channels*bits/8) // byte rate
	binary.LittleEndian.PutUint16(h[32:], channels*bits/8)      // block align
	binary.LittleEndian.PutUint16(h[34:], bits)                 // bits per sample
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], uint32(dataLen))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	buf := make([]byte, dataLen)
	for i, s := range samples {
		binary.LittleEndian.PutUint16(buf[2*i:], uint16(s))
	}
	_, err := w.Write(buf)
	return err
}

// ReadWAV decodes a file written by WriteWAV (PCM 16-bit mono); it returns
// the samples and the sample rate.
func ReadWAV(b []byte) ([]int16, int, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("wav: not a RIFF/WAVE file")
	}
	var rate int
	var fmtOK bool
	for p := 12; p+8 <= len(b); {
		id := string(b[p : p+4])
		n := int(binary.LittleEndian.Uint32(b[p+4:]))
		body := b[p+8:]
		if n < 0 || n > len(body) {
			return nil, 0, fmt.Errorf("wav: chunk %q runs past the end", id)
		}
		body = body[:n]
		switch id {
		case "fmt ":
			if n < 16 {
				return nil, 0, errors.New("wav: short fmt chunk")
			}
			if binary.LittleEndian.Uint16(body[0:]) != 1 || binary.LittleEndian.Uint16(body[2:]) != 1 || binary.LittleEndian.Uint16(body[14:]) != 16 {
				return nil, 0, errors.New("wav: not 16-bit mono PCM")
			}
			rate = int(binary.LittleEndian.Uint32(body[4:]))
			fmtOK = true
		case "data":
			if !fmtOK {
				return nil, 0, errors.New("wav: data before fmt")
			}
			s := make([]int16, n/2)
			for i := range s {
				s[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return s, rate, nil
		}
		p += 8 + n + n&1
	}
	return nil, 0, errors.New("wav: no data chunk")
}
