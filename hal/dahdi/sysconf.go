package dahdi

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// SystemConf is the span and channel configuration of the DAHDI driver,
// as dahdi_cfg applies it: the dynamic spans to create (dynamic.conf, a
// first pass of its own, because dahdi_cfg sends span configuration before
// it creates dynamic spans), then the spans' line settings, every
// channel's signalling, the echo canceller and the tone zones
// (system.conf).
type SystemConf struct {
	Dynamic       []DynamicSpan
	Spans         []SpanConf
	Channels      []ChanConf
	EchoCanceller string // echo canceller module name ("mg2", "oslec", ...); "" = none
	EchoChannels  []int  // DAHDI channel numbers it runs on
	Zones         []string
	DefaultZone   string
}

// DynamicSpan is a span of the dahdi_dynamic driver: "dynamic=" in
// dynamic.conf.
type DynamicSpan struct {
	Driver   string // "loc", "eth", "ethmf"
	Address  string // driver address, e.g. "1:0" for loc (key:id), "eth0/00:11:22:33:44:55" for eth
	Channels int    // 1 to 31
	Timing   int    // timing priority, 0 = never the sync source
}

// SpanConf is one "span=" line: the line settings of a digital span.
// Analog and dynamic spans ignore them, but dahdi_cfg needs the line.
type SpanConf struct {
	Span    int    // DAHDI span number
	Timing  int    // timing priority, 0 = never the sync source, 1 = first choice
	LBO     int    // line build-out, 0 (0 dB) to 7
	Framing string // d4 or esf (T1), cas or ccs (E1)
	Coding  string // ami or b8zs (T1), ami or hdb3 (E1)
	CRC4    bool   // E1 CRC-4 multiframe
	Yellow  bool   // T1 yellow alarm on
}

// ChanConf is the signalling of one channel (system.conf name: fxoks,
// fxsks, bchan, dchan, hardhdlc, ...).
type ChanConf struct {
	Channo     int // DAHDI's global channel number
	Signalling string
}

// dynamicDrivers are the dahdi_dynamic transports dahdi_cfg knows.
var dynamicDrivers = []string{"loc", "eth", "ethmf"}

// Validate checks what dahdi_cfg would refuse: unknown names, numbers out
// of range, a channel configured twice.
func (c *SystemConf) Validate() error {
	for i, d := range c.Dynamic {
		if !slices.Contains(dynamicDrivers, d.Driver) {
			return fmt.Errorf("hal/dahdi: dynamic span %d: driver %q: want loc, eth or ethmf", i+1, d.Driver)
		}
		if d.Address == "" || strings.ContainsAny(d.Address, ", \t\n#") {
			return fmt.Errorf("hal/dahdi: dynamic span %d: address %q", i+1, d.Address)
		}
		if d.Channels < 1 || d.Channels > 31 || d.Timing < 0 {
			return fmt.Errorf("hal/dahdi: dynamic span %d: %d channels, timing %d: want 1-31 channels, timing ≥ 0", i+1, d.Channels, d.Timing)
		}
	}
	seen := map[int]bool{}
	for _, s := range c.Spans {
		if s.Span < 1 || seen[s.Span] {
			return fmt.Errorf("hal/dahdi: span %d: number missing or used twice", s.Span)
		}
		seen[s.Span] = true
		if s.Timing < 0 || s.LBO < 0 || s.LBO > 7 {
			return fmt.Errorf("hal/dahdi: span %d: timing %d, lbo %d: want timing ≥ 0, lbo 0-7", s.Span, s.Timing, s.LBO)
		}
		if !slices.Contains([]string{"d4", "esf", "cas", "ccs"}, s.Framing) {
			return fmt.Errorf("hal/dahdi: span %d: framing %q: want d4, esf, cas or ccs", s.Span, s.Framing)
		}
		if !slices.Contains([]string{"ami", "b8zs", "hdb3"}, s.Coding) {
			return fmt.Errorf("hal/dahdi: span %d: coding %q: want ami, b8zs or hdb3", s.Span, s.Coding)
		}
	}
	clear(seen)
	for _, ch := range c.Channels {
		if ch.Channo < 1 || seen[ch.Channo] {
			return fmt.Errorf("hal/dahdi: channel %d: number missing or configured twice", ch.Channo)
		}
		seen[ch.Channo] = true
		if !knownSignalling(ch.Signalling) {
			return fmt.Errorf("hal/dahdi: channel %d: signalling %q unknown", ch.Channo, ch.Signalling)
		}
	}
	if c.EchoCanceller != "" && !isWord(c.EchoCanceller) {
		return fmt.Errorf("hal/dahdi: echo canceller %q", c.EchoCanceller)
	}
	for _, n := range c.EchoChannels {
		if !seen[n] {
			return fmt.Errorf("hal/dahdi: echo canceller on channel %d, which is not configured", n)
		}
	}
	for _, z := range append(slices.Clone(c.Zones), c.DefaultZone) {
		if z != "" && !isWord(z) {
			return fmt.Errorf("hal/dahdi: tone zone %q", z)
		}
	}
	if c.DefaultZone != "" && !slices.Contains(c.Zones, c.DefaultZone) {
		return fmt.Errorf("hal/dahdi: default zone %q is not loaded", c.DefaultZone)
	}
	return nil
}

func knownSignalling(s string) bool {
	for _, n := range sigNames {
		if n.name == s {
			return true
		}
	}
	return false
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// WriteDynamic writes dynamic.conf, the first dahdi_cfg pass
// (dahdi_cfg -c dynamic.conf). It writes nothing but a comment when there
// are no dynamic spans.
func (c *SystemConf) WriteDynamic(w io.Writer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# DAHDI dynamic spans, created by a first dahdi_cfg pass of their own.\n")
	for _, d := range c.Dynamic {
		fmt.Fprintf(&b, "dynamic=%s,%s,%d,%d\n", d.Driver, d.Address, d.Channels, d.Timing)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSystem writes system.conf: span lines, then channels grouped by
// signalling in runs of consecutive numbers ("fxoks=9-16"), then the echo
// canceller and the tone zones.
func (c *SystemConf) WriteSystem(w io.Writer) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("# DAHDI span and channel configuration (dahdi_cfg -c system.conf).\n")
	for _, s := range c.Spans {
		fmt.Fprintf(&b, "span=%d,%d,%d,%s,%s", s.Span, s.Timing, s.LBO, s.Framing, s.Coding)
		if s.CRC4 {
			b.WriteString(",crc4")
		}
		if s.Yellow {
			b.WriteString(",yellow")
		}
		b.WriteString("\n")
	}
	chans := slices.Clone(c.Channels)
	slices.SortFunc(chans, func(a, b ChanConf) int { return a.Channo - b.Channo })
	for i := 0; i < len(chans); {
		j := i
		for j+1 < len(chans) && chans[j+1].Signalling == chans[i].Signalling && chans[j+1].Channo == chans[j].Channo+1 {
			j++
		}
		nums := make([]int, 0, j-i+1)
		for _, ch := range chans[i : j+1] {
			nums = append(nums, ch.Channo)
		}
		fmt.Fprintf(&b, "%s=%s\n", chans[i].Signalling, ranges(nums))
		i = j + 1
	}
	if c.EchoCanceller != "" && len(c.EchoChannels) > 0 {
		nums := slices.Clone(c.EchoChannels)
		slices.Sort(nums)
		fmt.Fprintf(&b, "echocanceller=%s,%s\n", c.EchoCanceller, ranges(slices.Compact(nums)))
	}
	for _, z := range c.Zones {
		fmt.Fprintf(&b, "loadzone=%s\n", z)
	}
	if c.DefaultZone != "" {
		fmt.Fprintf(&b, "defaultzone=%s\n", c.DefaultZone)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PlanOptions steers Plan.
type PlanOptions struct {
	// Zone is the tone zone to load and make the default ("us", "de", ...;
	// tipring's zone names are DAHDI's). "" loads none, and then
	// DAHDI_HOOK RING fails with ENODATA.
	Zone string
	// EchoCanceller is the kernel echo canceller module for the analog
	// ports ("mg2", "oslec", ...); "" = none.
	EchoCanceller string
	// Signalling chooses the signalling of every channel of a span, by
	// DAHDI span number: "fxoks" (FXS ports, to phones), "fxsks" (FXO
	// ports, to lines), "bchan" (a digital span: B-channels, with the
	// D-channel in timeslot 16 of an E1 or channel 24 of a T1). It is
	// needed for a span whose channels can run any signalling (channel
	// banks, dynamic spans) and is not configured yet.
	Signalling map[int]string
}

// Plan builds the configuration of the scanned hardware the way
// dahdi_genconf does: every channel keeps the signalling it has; an
// unconfigured channel gets what its card offers (an FXS module only FXO
// signalling, so fxoks; an FXO module fxsks); a digital span (E1, T1, J1)
// gets B-channels and an HDLC D-channel (hardhdlc when the card does HDLC
// in hardware), for ISDN PRI; PlanOptions.Signalling decides where the
// card would allow anything. Dynamic spans of the loc driver ("DYN/loc/K:I") are
// recreated from their names. Channels Plan cannot decide are an error.
func Plan(r *ScanReport, opt PlanOptions) (*SystemConf, error) {
	c := &SystemConf{EchoCanceller: opt.EchoCanceller}
	if opt.Zone != "" {
		c.Zones, c.DefaultZone = []string{opt.Zone}, opt.Zone
	}
	for _, s := range r.Spans {
		if d, ok := dynamicFromName(s.Name, s.TotalChans); ok {
			c.Dynamic = append(c.Dynamic, d)
		}
		// Dynamic spans claim every line code; HDB3 alone means E1.
		e1 := s.SpanType == "E1" || s.TotalChans == 31 ||
			slices.Contains(s.LineCompat, "HDB3") && !slices.Contains(s.LineCompat, "B8ZS")
		sc := SpanConf{Span: s.Number, Framing: "esf", Coding: "b8zs"}
		if e1 {
			sc.Framing, sc.Coding, sc.CRC4 = "ccs", "hdb3", true
		}
		for _, f := range s.LineConfig {
			switch f := strings.ToLower(f); f {
			case "d4", "esf", "cas", "ccs":
				sc.Framing = f
			case "ami", "b8zs", "hdb3":
				sc.Coding = f
			}
		}
		if len(s.LineConfig) > 0 {
			sc.CRC4 = slices.Contains(s.LineConfig, "CRC4")
		}
		c.Spans = append(c.Spans, sc)
		dchan := 24
		if e1 {
			dchan = 16
		}
		choice := opt.Signalling[s.Number]
		if choice == "" && (e1 || s.SpanType == "T1" || s.SpanType == "J1" || len(s.LineCompat) > 0) {
			choice = "bchan"
		}
		for _, ch := range s.Channels {
			sig := ch.Signalling
			if sig == "" {
				sig = chooseSignalling(ch, choice, dchan)
			}
			if sig == "" {
				return nil, fmt.Errorf("hal/dahdi: plan: span %d (%s) channel %d can run %s: choose with PlanOptions.Signalling",
					s.Number, s.Name, ch.Chanpos, strings.Join(ch.Capabilities, " "))
			}
			c.Channels = append(c.Channels, ChanConf{Channo: ch.Channo, Signalling: sig})
			if c.EchoCanceller != "" && isAnalogSig(sig) {
				c.EchoChannels = append(c.EchoChannels, ch.Channo)
			}
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// chooseSignalling picks the signalling of an unconfigured channel: the
// span's choice if given, else the only analog kind the card offers.
func chooseSignalling(ch ScanChannel, spanChoice string, dchan int) string {
	has := func(s string) bool { return slices.Contains(ch.Capabilities, s) }
	switch spanChoice {
	case "fxoks", "fxsks", "fxols", "fxsls", "fxogs", "fxsgs":
		return spanChoice
	case "bchan":
		if ch.Chanpos == dchan {
			if has("hardhdlc") {
				return "hardhdlc"
			}
			return "dchan"
		}
		return "bchan"
	}
	switch {
	case has("fxoks") && !has("fxsks"):
		return "fxoks"
	case has("fxsks") && !has("fxoks"):
		return "fxsks"
	}
	return ""
}

func isAnalogSig(s string) bool {
	return len(s) == 5 && (strings.HasPrefix(s, "fxo") || strings.HasPrefix(s, "fxs"))
}

// dynamicFromName recognises a dahdi_dynamic_loc span by its name
// ("DYN/loc/1:0").
func dynamicFromName(name string, chans int) (DynamicSpan, bool) {
	rest, ok := strings.CutPrefix(name, "DYN/loc/")
	if !ok || chans < 1 {
		return DynamicSpan{}, false
	}
	key, id, ok := strings.Cut(rest, ":")
	if _, err := strconv.Atoi(key); err != nil || !ok {
		return DynamicSpan{}, false
	}
	if _, err := strconv.Atoi(id); err != nil {
		return DynamicSpan{}, false
	}
	return DynamicSpan{Driver: "loc", Address: rest, Channels: chans}, true
}
