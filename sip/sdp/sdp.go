package sdp

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Limits that keep a hostile description from costing more than a normal one.
const (
	maxSize       = 64 << 10
	maxMedia      = 32
	maxAttributes = 256
	maxFormats    = 64
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("sdp: malformed session description")

// Origin is the o= line (RFC 4566 5.2).
type Origin struct {
	Username    string
	SessionID   uint64
	SessVersion uint64
	NetType     string
	AddrType    string
	Address     string
}

// Connection is a c= line (RFC 4566 5.7). Address keeps any "/ttl" suffix
// stripped; multicast is not used by this package's callers.
type Connection struct {
	NetType  string
	AddrType string
	Address  string
}

// Attribute is one a= line (RFC 4566 5.13): "a=key" or "a=key:value".
type Attribute struct {
	Key   string
	Value string
}

// Media is one m= section (RFC 4566 5.14) with its c= and a= lines.
type Media struct {
	Type       string // "audio", "video", ...
	Port       int
	NumPorts   int // 0 when the "/<number of ports>" part is absent
	Proto      string
	Formats    []string
	Conn       *Connection
	Attributes []Attribute
}

// Session is a parsed session description.
type Session struct {
	Version    int
	Origin     Origin
	Name       string
	Conn       *Connection
	Timing     string // the first t= line's value, "0 0" by default
	Attributes []Attribute
	Media      []Media
}

// Attr returns the value of the first attribute named key.
func attr(list []Attribute, key string) (string, bool) {
	for _, a := range list {
		if strings.EqualFold(a.Key, key) {
			return a.Value, true
		}
	}
	return "", false
}

// Attr returns the value of the session-level attribute named key.
func (s *Session) Attr(key string) (string, bool) { return attr(s.Attributes, key) }

// Attr returns the value of the media-level attribute named key.
func (m *Media) Attr(key string) (string, bool) { return attr(m.Attributes, key) }

// Parse decodes a session description. It accepts LF as well as CRLF line
// ends (RFC 4566 5 asks parsers to be lenient) and ignores lines of types it
// does not need (i=, u=, e=, p=, b=, r=, z=, k=). It rejects descriptions that
// lack the mandatory v=, o=, s= lines or contain lines out of grammar.
func Parse(b []byte) (*Session, error) {
	if len(b) > maxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	s := &Session{Version: -1}
	var cur *Media
	seenO, seenS := false, false
	lineNo := 0
	for len(b) > 0 {
		var line []byte
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			line, b = b, nil
		}
		line = bytes.TrimSuffix(line, []byte{'\r'})
		lineNo++
		if len(line) == 0 {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, fmt.Errorf("%w: line %d: not <type>=<value>", ErrMalformed, lineNo)
		}
		typ, val := line[0], string(line[2:])
		if lineNo == 1 && typ != 'v' {
			return nil, fmt.Errorf("%w: first line is not v=", ErrMalformed)
		}
		var err error
		switch typ {
		case 'v':
			if s.Version >= 0 {
				return nil, fmt.Errorf("%w: line %d: second v=", ErrMalformed, lineNo)
			}
			s.Version, err = strconv.Atoi(val)
			if err != nil || s.Version != 0 {
				return nil, fmt.Errorf("%w: line %d: version %q", ErrMalformed, lineNo, val)
			}
		case 'o':
			if cur != nil || seenO {
				return nil, fmt.Errorf("%w: line %d: misplaced o=", ErrMalformed, lineNo)
			}
			s.Origin, err = parseOrigin(val)
			seenO = true
		case 's':
			if cur != nil {
				return nil, fmt.Errorf("%w: line %d: s= inside media", ErrMalformed, lineNo)
			}
			s.Name = val
			seenS = true
		case 'c':
			var c *Connection
			c, err = parseConnection(val)
			if cur != nil {
				cur.Conn = c
			} else {
				s.Conn = c
			}
		case 't':
			if s.Timing == "" {
				s.Timing = val
			}
		case 'a':
			k, v, _ := strings.Cut(val, ":")
			if k == "" {
				err = errors.New("empty attribute")
				break
			}
			a := Attribute{Key: k, Value: v}
			if cur != nil {
				if len(cur.Attributes) >= maxAttributes {
					err = errors.New("too many attributes")
					break
				}
				cur.Attributes = append(cur.Attributes, a)
			} else {
				if len(s.Attributes) >= maxAttributes {
					err = errors.New("too many attributes")
					break
				}
				s.Attributes = append(s.Attributes, a)
			}
		case 'm':
			if len(s.Media) >= maxMedia {
				err = errors.New("too many media sections")
				break
			}
			var m Media
			m, err = parseMedia(val)
			if err == nil {
				s.Media = append(s.Media, m)
				cur = &s.Media[len(s.Media)-1]
			}
		case 'i', 'u', 'e', 'p', 'b', 'r', 'z', 'k':
			// Not needed for audio offer/answer.
		default:
			if typ < 'a' || typ > 'z' {
				err = fmt.Errorf("bad line type %q", typ)
			}
			// Unknown lowercase types are ignored (RFC 4566 5).
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrMalformed, lineNo, err)
		}
	}
	if s.Version < 0 || !seenO || !seenS {
		return nil, fmt.Errorf("%w: missing v=, o= or s=", ErrMalformed)
	}
	if s.Timing == "" {
		s.Timing = "0 0"
	}
	return s, nil
}

func parseOrigin(v string) (Origin, error) {
	f := strings.Fields(v)
	if len(f) != 6 {
		return Origin{}, fmt.Errorf("o= has %d fields", len(f))
	}
	id, err1 := strconv.ParseUint(f[1], 10, 64)
	ver, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return Origin{}, errors.New("o= session id/version not numeric")
	}
	return Origin{Username: f[0], SessionID: id, SessVersion: ver, NetType: f[3], AddrType: f[4], Address: f[5]}, nil
}

func parseConnection(v string) (*Connection, error) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return nil, fmt.Errorf("c= has %d fields", len(f))
	}
	addr, _, _ := strings.Cut(f[2], "/")
	if addr == "" {
		return nil, errors.New("c= empty address")
	}
	return &Connection{NetType: f[0], AddrType: f[1], Address: addr}, nil
}

func parseMedia(v string) (Media, error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return Media{}, fmt.Errorf("m= has %d fields", len(f))
	}
	if len(f)-3 > maxFormats {
		return Media{}, errors.New("m= has too many formats")
	}
	m := Media{Type: f[0], Proto: f[2]}
	port, num, hasNum := strings.Cut(f[1], "/")
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return Media{}, fmt.Errorf("m= port %q", f[1])
	}
	m.Port = p
	if hasNum {
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 65535 {
			return Media{}, fmt.Errorf("m= port count %q", f[1])
		}
		m.NumPorts = n
	}
	m.Formats = append([]string(nil), f[3:]...)
	return m, nil
}

// Marshal encodes s with CRLF line ends in the order RFC 4566 5 requires.
func (s *Session) Marshal() []byte {
	return s.AppendTo(make([]byte, 0, 512))
}

// AppendTo appends the encoding of s to b and returns the extended slice.
func (s *Session) AppendTo(b []byte) []byte {
	line := func(typ byte, parts ...string) {
		b = append(b, typ, '=')
		for i, p := range parts {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, p...)
		}
		b = append(b, '\r', '\n')
	}
	attrs := func(list []Attribute) {
		for _, a := range list {
			if a.Value == "" {
				line('a', a.Key)
			} else {
				line('a', a.Key+":"+a.Value)
			}
		}
	}
	line('v', "0")
	o := s.Origin
	line('o', orDash(o.Username), strconv.FormatUint(o.SessionID, 10), strconv.FormatUint(o.SessVersion, 10),
		orDefault(o.NetType, "IN"), orDefault(o.AddrType, "IP4"), o.Address)
	name := s.Name
	if name == "" {
		name = "-" // RFC 4566 5.3: s= must not be empty; "-" is the customary placeholder.
	}
	line('s', name)
	if s.Conn != nil {
		line('c', s.Conn.NetType, s.Conn.AddrType, s.Conn.Address)
	}
	line('t', orDefault(s.Timing, "0 0"))
	attrs(s.Attributes)
	for i := range s.Media {
		m := &s.Media[i]
		port := strconv.Itoa(m.Port)
		if m.NumPorts > 0 {
			port += "/" + strconv.Itoa(m.NumPorts)
		}
		parts := append([]string{m.Type, port, m.Proto}, m.Formats...)
		line('m', parts...)
		if m.Conn != nil {
			line('c', m.Conn.NetType, m.Conn.AddrType, m.Conn.Address)
		}
		attrs(m.Attributes)
	}
	return b
}

func orDash(s string) string { return orDefault(s, "-") }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
