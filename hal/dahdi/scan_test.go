package dahdi

import (
	"strings"
	"testing"

	"tipring/hal"
)

func TestKindOf(t *testing.T) {
	for _, c := range []struct {
		sig  int32
		kind hal.ChanKind
		ok   bool
	}{
		{sigFXOKS, hal.KindFXS, true}, {sigFXOLS, hal.KindFXS, true}, {sigFXOGS, hal.KindFXS, true},
		{sigFXSKS, hal.KindFXO, true}, {sigFXSLS, hal.KindFXO, true},
		{sigClear, hal.KindBearer, true}, {sigHDLCFCS, hal.KindDChannel, true},
		{sigHardHDLC, hal.KindDChannel, true}, {sigHDLCRaw, hal.KindDChannel, true},
		{sigNone, 0, false}, {sigDACS, 0, false}, {sigSlave, 0, false}, {sigCAS, 0, false}, {sigEM, 0, false},
	} {
		k, ok := kindOf(c.sig)
		if k != c.kind || ok != c.ok {
			t.Errorf("kindOf(%s) = %v %v, want %v %v", sigName(c.sig), k, ok, c.kind, c.ok)
		}
	}
}

// fakeSpans is the guest's layout: a linked pair of analog spans and a
// digital span with bearers and a D-channel, plus an unconfigured span.
func fakeSpans() []spanDesc {
	mk := func(no int32, name, typ string, total int32, sigs ...int32) spanDesc {
		var sd spanDesc
		sd.info.Spanno = no
		copy(sd.info.Name[:], name)
		copy(sd.info.Spantype[:], typ)
		sd.info.Totalchans = total
		sd.info.Lineconfig = 1<<5 | 1<<7
		for i, s := range sigs {
			var p dahdiParams
			p.Channo = no*100 + int32(i) + 1
			p.Spanno = no
			p.Chanpos = int32(i) + 1
			p.Sigtype = s
			p.Sigcap = sigFXSKS | sigFXOKS | sigClear
			p.Curlaw = lawMulaw
			sd.chans = append(sd.chans, p)
		}
		return sd
	}
	return []spanDesc{
		mk(1, "DYN/loc/1:0", "DYNAMIC", 2, sigFXSKS, sigFXSKS),
		mk(2, "TE2/0/1", "E1", 3, sigNone, sigNone, sigNone),
		mk(3, "DYN/loc/1:1", "DYNAMIC", 2, sigFXOKS, sigFXOKS),
		mk(4, "DYN/loc/2:0", "DYNAMIC", 3, sigClear, sigClear, sigHDLCFCS),
	}
}

func TestSpanType(t *testing.T) {
	s := fakeSpans()
	for i, want := range []hal.SpanType{hal.SpanAnalog, hal.SpanE1, hal.SpanAnalog, hal.SpanT1} {
		if got := spanType(s[i]); got != want {
			t.Errorf("span %d: %v, want %v", i+1, got, want)
		}
	}
}

func TestScanReportAndStarterConfig(t *testing.T) {
	r := report("/dev/dahdi", fakeSpans())
	r.Version = "2.11.1"
	if len(r.Spans) != 4 {
		t.Fatalf("%d spans", len(r.Spans))
	}
	// The unconfigured E1 span gets no tipring number; the others are
	// numbered as Open numbers them.
	for i, want := range []int{1, 0, 2, 3} {
		if got := r.Spans[i].HalNumber; got != want {
			t.Errorf("span %d: tipring number %d, want %d", r.Spans[i].Number, got, want)
		}
	}
	if c := r.Spans[3].Channels[2]; c.Signalling != "dchan" || c.Kind != hal.KindDChannel || c.Law != "ulaw" {
		t.Errorf("D-channel: %+v", c)
	}
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"span 3: DYN/loc/1:1", "tipring span 2, analog", "fxoks", "unconfigured", "ESF/B8ZS"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("scan text lacks %q:\n%s", want, text.String())
		}
	}
	var cfg strings.Builder
	if err := FormatConfig(&cfg, r); err != nil {
		t.Fatal(err)
	}
	want := "board:\n  backend: dahdi\n  dahdi:\n    dev_dir: /dev/dahdi\nports:\n" +
		"  - span: 2\n    chan: 1\n    extension: \"2001\"\n    caller_name: \"Port 1\"\n" +
		"  - span: 2\n    chan: 2\n    extension: \"2002\"\n    caller_name: \"Port 2\"\n"
	if !strings.Contains(cfg.String(), want) {
		t.Errorf("starter config:\n%s\nlacks:\n%s", cfg.String(), want)
	}
	for _, want := range []string{"span 1 (DYN/loc/1:0, analog): FXO channels 1-2", "span 3 (DYN/loc/2:0, T1): B channels 1-2", "D channels 3"} {
		if !strings.Contains(cfg.String(), want) {
			t.Errorf("starter config lacks %q:\n%s", want, cfg.String())
		}
	}
}

func TestRanges(t *testing.T) {
	if got := ranges([]int{1, 2, 3, 5, 7, 8}); got != "1-3,5,7-8" {
		t.Errorf("ranges = %q", got)
	}
}
