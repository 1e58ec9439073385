package dahdi

import (
	"fmt"
	"io"
	"strings"

	"tipring/hal"
)

// ScanReport describes the DAHDI hardware as the driver reports it, like
// dahdi_scan and lsdahdi together: what `tipring hw scan` prints.
type ScanReport struct {
	DevDir         string
	Version        string // driver version (DAHDI_GETVERSION)
	EchoCancellers string // echo canceller modules the driver knows
	Spans          []ScanSpan
}

// ScanSpan is one span of a ScanReport.
type ScanSpan struct {
	Number       int    // DAHDI's span number
	HalNumber    int    // the span's number on the hal.Board; 0 when it has no usable channel
	Name         string // e.g. "TE4/0/1", "DYN/loc/1:0"
	Description  string
	SpanType     string // the driver's span type: E1, T1, FXS, FXO, DYNAMIC ...
	Type         hal.SpanType
	Location     string
	Manufacturer string
	DeviceType   string
	Alarms       hal.Alarm
	SyncSource   int      // span number the system is timed from, 0 = free run
	LineConfig   []string // framing and coding in force: ESF, B8ZS, CCS, HDB3, CRC4 ...
	LineCompat   []string // framing and coding the span supports
	TotalChans   int
	Channels     []ScanChannel
}

// ScanChannel is one channel of a ScanSpan.
type ScanChannel struct {
	Channo       int    // DAHDI's global channel number
	Chanpos      int    // position in the span
	Name         string // driver name
	Signalling   string // system.conf name of the configured signalling, "" when unconfigured
	Capabilities []string
	Kind         hal.ChanKind // 0 when the hal does not use the channel
	Law          string       // "ulaw", "alaw" or ""
	OffHook      bool         // the far end looks off hook (analog channels)
}

// sigNames are the system.conf (dahdi_cfg) names of the signalling types.
var sigNames = []struct {
	sig  int32
	name string
}{
	{sigFXSLS, "fxsls"}, {sigFXSGS, "fxsgs"}, {sigFXSKS, "fxsks"},
	{sigFXOLS, "fxols"}, {sigFXOGS, "fxogs"}, {sigFXOKS, "fxoks"},
	{sigEM, "e&m"}, {sigEME1, "e&me1"}, {sigClear, "bchan"}, {sigHDLCRaw, "hdlcraw"},
	{sigHDLCFCS, "dchan"}, {sigHDLCNet, "hdlcnet"}, {sigHardHDLC, "hardhdlc"},
	{sigMTP2, "mtp2"}, {sigCAS, "cas"}, {sigSF, "sf"}, {sigDACS, "dacs"},
	{sigDACSRBS, "dacsrbs"}, {sigSlave, "slave"},
}

func sigName(sig int32) string {
	for _, n := range sigNames {
		if n.sig == sig {
			return n.name
		}
	}
	if sig == sigNone {
		return ""
	}
	return fmt.Sprintf("sig%#x", sig)
}

// sigCaps lists the signalling types whose bits are all set in sigcap.
func sigCaps(sigcap int32) []string {
	var out []string
	for _, n := range sigNames {
		if n.sig != 0 && sigcap&n.sig == n.sig {
			out = append(out, n.name)
		}
	}
	return out
}

// lineConfigNames are the DAHDI_CONFIG_* bits by name.
var lineConfigNames = []struct {
	bit  int32
	name string
}{
	{1 << 4, "D4"}, {1 << 5, "ESF"}, {1 << 6, "AMI"}, {1 << 7, "B8ZS"},
	{1 << 8, "CCS"}, {1 << 9, "HDB3"}, {1 << 10, "CRC4"}, {1 << 11, "NTTE"},
	{1 << 12, "TERM"}, {1 << 16, "NOTOPEN"},
}

func lineConfig(v int32) []string {
	var out []string
	for _, n := range lineConfigNames {
		if v&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// report builds a ScanReport from enumerated spans, numbering the usable
// spans the way Open does.
func report(devDir string, spans []spanDesc) *ScanReport {
	r := &ScanReport{DevDir: devDir}
	hal := 0
	for _, sd := range spans {
		si := sd.info
		ss := ScanSpan{
			Number: int(si.Spanno), Name: cString(si.Name[:]), Description: cString(si.Desc[:]),
			SpanType: cString(si.Spantype[:]), Type: spanType(sd), Location: cString(si.Location[:]),
			Manufacturer: cString(si.Manufacturer[:]), DeviceType: cString(si.Devicetype[:]),
			Alarms: alarmsFromDAHDI(uint32(si.Alarms)), SyncSource: int(si.Syncsrc),
			LineConfig: lineConfig(si.Lineconfig), LineCompat: lineConfig(si.Linecompat),
			TotalChans: int(si.Totalchans),
		}
		usable := false
		for _, p := range sd.chans {
			sc := ScanChannel{
				Channo: int(p.Channo), Chanpos: int(p.Chanpos), Name: cString(p.Name[:]),
				Signalling: sigName(p.Sigtype), Capabilities: sigCaps(p.Sigcap),
			}
			if k, ok := kindOf(p.Sigtype); ok {
				sc.Kind = k
				usable = true
			}
			switch p.Curlaw {
			case lawMulaw:
				sc.Law = "ulaw"
			case lawAlaw:
				sc.Law = "alaw"
			}
			if p.Sigtype&(sigFXOBit|sigFXSBit) != 0 {
				sc.OffHook = p.Rxisoffhook != 0
			}
			ss.Channels = append(ss.Channels, sc)
		}
		if usable {
			hal++
			ss.HalNumber = hal
		}
		r.Spans = append(r.Spans, ss)
	}
	return r
}

// WriteText prints the report for a person: one block per span, one line
// per channel.
func (r *ScanReport) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "DAHDI %s at %s", r.Version, r.DevDir)
	if r.EchoCancellers != "" {
		fmt.Fprintf(&b, ", echo cancellers: %s", r.EchoCancellers)
	}
	b.WriteString("\n")
	if len(r.Spans) == 0 {
		b.WriteString("no spans\n")
	}
	for _, s := range r.Spans {
		fmt.Fprintf(&b, "\nspan %d: %s %q", s.Number, s.Name, s.Description)
		if s.HalNumber > 0 {
			fmt.Fprintf(&b, " (tipring span %d, %s)", s.HalNumber, s.Type)
		}
		fmt.Fprintf(&b, "\n  type %s, alarms %s, sync source %d, %d channels", s.SpanType, s.Alarms, s.SyncSource, s.TotalChans)
		if len(s.LineConfig) > 0 {
			fmt.Fprintf(&b, ", line %s", strings.Join(s.LineConfig, "/"))
		}
		b.WriteString("\n")
		if s.Manufacturer != "" || s.DeviceType != "" || s.Location != "" {
			fmt.Fprintf(&b, "  device %s %s at %s\n", s.Manufacturer, s.DeviceType, s.Location)
		}
		for _, c := range s.Channels {
			sig := c.Signalling
			if sig == "" {
				sig = "unconfigured"
			}
			fmt.Fprintf(&b, "  %4d  %-3d %-10s", c.Channo, c.Chanpos, sig)
			if c.Kind != 0 {
				fmt.Fprintf(&b, " %-3s", c.Kind)
			} else {
				b.WriteString(" -  ")
			}
			if c.Law != "" {
				fmt.Fprintf(&b, " %s", c.Law)
			}
			if c.OffHook {
				b.WriteString(" offhook")
			}
			fmt.Fprintf(&b, "  %s  [%s]\n", c.Name, strings.Join(c.Capabilities, " "))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatConfig prints a starter tipring configuration for the scanned
// hardware: the dahdi board, and one port (extension 2001, 2002, ...) per
// FXS channel. FXO lines and digital channels are listed as comments.
func FormatConfig(w io.Writer, r *ScanReport) error {
	var b strings.Builder
	b.WriteString("# Starter configuration from the DAHDI hardware scan (tipring hw scan).\n")
	b.WriteString("# Span numbers are tipring's: the spans with configured channels, in order.\n")
	b.WriteString("board:\n  backend: dahdi\n  dahdi:\n")
	fmt.Fprintf(&b, "    dev_dir: %s\n", yamlString(r.DevDir))
	var ports, other strings.Builder
	ext := 2001
	for _, s := range r.Spans {
		if s.HalNumber == 0 {
			continue
		}
		counts := map[hal.ChanKind][]int{}
		for _, c := range s.Channels {
			switch c.Kind {
			case hal.KindFXS:
				fmt.Fprintf(&ports, "  - span: %d\n    chan: %d\n    extension: \"%d\"\n    caller_name: \"Port %d\"\n",
					s.HalNumber, c.Chanpos, ext, ext-2000)
				ext++
			case hal.KindFXO, hal.KindBearer, hal.KindDChannel:
				counts[c.Kind] = append(counts[c.Kind], c.Chanpos)
			}
		}
		for _, k := range []hal.ChanKind{hal.KindFXO, hal.KindBearer, hal.KindDChannel} {
			if len(counts[k]) > 0 {
				fmt.Fprintf(&other, "#   span %d (%s, %s): %s channels %s\n", s.HalNumber, s.Name, s.Type, k, ranges(counts[k]))
			}
		}
	}
	if ports.Len() > 0 {
		b.WriteString("ports:\n")
		b.WriteString(ports.String())
	} else {
		b.WriteString("# No FXS channels (fxoks/fxols/fxogs signalling) are configured.\nports: []\n")
	}
	if other.Len() > 0 {
		b.WriteString("# Other channels found:\n")
		b.WriteString(other.String())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ranges writes sorted numbers as "1-8,10".
func ranges(n []int) string {
	var parts []string
	for i := 0; i < len(n); {
		j := i
		for j+1 < len(n) && n[j+1] == n[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", n[i], n[j]))
		} else {
			parts = append(parts, fmt.Sprint(n[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// yamlString quotes s when YAML would read it as something else.
func yamlString(s string) string {
	if s == "" || strings.ContainsAny(s, ":#'\"{}[],&*!|>%@` ") {
		return fmt.Sprintf("%q", s)
	}
	return s
}
