package dahdi

import (
	"strings"
	"testing"
)

// cardScan is a scan of two cards before configuration: a four-port analog
// card with two FXS and two FXO modules, and a single-span E1 card with
// hardware HDLC; plus the guest's configured dynamic spans.
func cardScan() *ScanReport {
	fxsCaps := []string{"fxols", "fxogs", "fxoks"}
	fxoCaps := []string{"fxsls", "fxsgs", "fxsks"}
	anyCaps := []string{"fxsls", "fxsgs", "fxsks", "fxols", "fxogs", "fxoks", "e&m", "bchan", "cas", "sf", "dacs", "dacsrbs"}
	r := &ScanReport{DevDir: "/dev/dahdi"}
	analog := ScanSpan{Number: 1, Name: "WCTDM/0", SpanType: "ANALOG", TotalChans: 4}
	for i, caps := range [][]string{fxsCaps, fxsCaps, fxoCaps, fxoCaps} {
		analog.Channels = append(analog.Channels, ScanChannel{Channo: i + 1, Chanpos: i + 1, Capabilities: caps})
	}
	e1 := ScanSpan{Number: 2, Name: "TE1/0/1", SpanType: "E1", TotalChans: 31, LineCompat: []string{"AMI", "CCS", "HDB3", "CRC4"}}
	for i := 1; i <= 31; i++ {
		e1.Channels = append(e1.Channels, ScanChannel{Channo: 4 + i, Chanpos: i, Capabilities: []string{"bchan", "dchan", "hardhdlc", "cas"}})
	}
	dyn := ScanSpan{Number: 3, Name: "DYN/loc/1:0", SpanType: "DYNAM", TotalChans: 2}
	dyn2 := ScanSpan{Number: 4, Name: "DYN/loc/1:1", SpanType: "DYNAM", TotalChans: 2}
	for i := 1; i <= 2; i++ {
		dyn.Channels = append(dyn.Channels, ScanChannel{Channo: 35 + i, Chanpos: i, Signalling: "fxsks", Capabilities: anyCaps})
		dyn2.Channels = append(dyn2.Channels, ScanChannel{Channo: 37 + i, Chanpos: i, Capabilities: anyCaps})
	}
	r.Spans = []ScanSpan{analog, e1, dyn, dyn2}
	return r
}

func TestPlanFromScan(t *testing.T) {
	r := cardScan()
	if _, err := Plan(r, PlanOptions{Zone: "de"}); err == nil || !strings.Contains(err.Error(), "span 4 (DYN/loc/1:1) channel 1") {
		t.Errorf("Plan with an undecidable span: %v, want an error naming span 4 channel 1", err)
	}
	c, err := Plan(r, PlanOptions{Zone: "de", EchoCanceller: "oslec", Signalling: map[int]string{4: "fxoks"}})
	if err != nil {
		t.Fatal(err)
	}
	var dyn, sys strings.Builder
	if err := c.WriteDynamic(&dyn); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteSystem(&sys); err != nil {
		t.Fatal(err)
	}
	wantDyn := "dynamic=loc,1:0,2,0\ndynamic=loc,1:1,2,0\n"
	wantSys := `span=1,0,0,esf,b8zs
span=2,0,0,ccs,hdb3,crc4
span=3,0,0,esf,b8zs
span=4,0,0,esf,b8zs
fxoks=1-2
fxsks=3-4
bchan=5-19
hardhdlc=20
bchan=21-35
fxsks=36-37
fxoks=38-39
echocanceller=oslec,1-4,36-39
loadzone=de
defaultzone=de
`
	if got := settings(dyn.String()); got != wantDyn {
		t.Errorf("dynamic.conf:\n%s\nwant:\n%s", got, wantDyn)
	}
	if got := settings(sys.String()); got != wantSys {
		t.Errorf("system.conf:\n%s\nwant:\n%s", got, wantSys)
	}
}

// settings drops comments and blank lines.
func settings(conf string) string {
	var b strings.Builder
	for _, l := range strings.Split(conf, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

func TestSystemConfValidate(t *testing.T) {
	good := func() *SystemConf {
		return &SystemConf{
			Dynamic:  []DynamicSpan{{Driver: "loc", Address: "1:0", Channels: 8}},
			Spans:    []SpanConf{{Span: 1, Framing: "esf", Coding: "b8zs"}},
			Channels: []ChanConf{{Channo: 1, Signalling: "fxoks"}, {Channo: 2, Signalling: "dchan"}},
			Zones:    []string{"us"}, DefaultZone: "us",
			EchoCanceller: "mg2", EchoChannels: []int{1},
		}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(c *SystemConf){
		"driver":        func(c *SystemConf) { c.Dynamic[0].Driver = "usb" },
		"address":       func(c *SystemConf) { c.Dynamic[0].Address = "1:0\nspan=9" },
		"dyn channels":  func(c *SystemConf) { c.Dynamic[0].Channels = 32 },
		"span twice":    func(c *SystemConf) { c.Spans = append(c.Spans, c.Spans[0]) },
		"framing":       func(c *SystemConf) { c.Spans[0].Framing = "sf" },
		"coding":        func(c *SystemConf) { c.Spans[0].Coding = "b6zs" },
		"lbo":           func(c *SystemConf) { c.Spans[0].LBO = 8 },
		"channel twice": func(c *SystemConf) { c.Channels[1].Channo = 1 },
		"signalling":    func(c *SystemConf) { c.Channels[0].Signalling = "fxoxx" },
		"echo chan":     func(c *SystemConf) { c.EchoChannels = []int{3} },
		"echo name":     func(c *SystemConf) { c.EchoCanceller = "mg2,1" },
		"zone":          func(c *SystemConf) { c.Zones = []string{"us\nspan=2"} },
		"default zone":  func(c *SystemConf) { c.DefaultZone = "de" },
	} {
		c := good()
		spoil(c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
		if err := c.WriteSystem(&strings.Builder{}); err == nil {
			t.Errorf("%s: WriteSystem wrote an invalid configuration", name)
		}
	}
}
