package dahdi

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// goABI renders the ABI as the Go backend encodes it, in the line format of
// scripts/dahdi-vm/abi.c ("kind name" -> value).
func goABI() map[string]string {
	m := map[string]string{}
	for n, v := range abiIoctls {
		m["ioctl "+n] = fmt.Sprintf("0x%08X", v)
	}
	for n, v := range abiConsts {
		m["const "+n] = fmt.Sprint(v)
	}
	size := func(name string, s uintptr) { m["sizeof "+name] = fmt.Sprint(s) }
	off := func(name string, o uintptr) { m["offsetof "+name] = fmt.Sprint(o) }

	var p dahdiParams
	size("dahdi_params", unsafe.Sizeof(p))
	for _, f := range []struct {
		n string
		o uintptr
	}{
		{"channo", unsafe.Offsetof(p.Channo)}, {"spanno", unsafe.Offsetof(p.Spanno)},
		{"chanpos", unsafe.Offsetof(p.Chanpos)}, {"sigtype", unsafe.Offsetof(p.Sigtype)},
		{"sigcap", unsafe.Offsetof(p.Sigcap)}, {"rxisoffhook", unsafe.Offsetof(p.Rxisoffhook)},
		{"rxbits", unsafe.Offsetof(p.Rxbits)}, {"txbits", unsafe.Offsetof(p.Txbits)},
		{"txhooksig", unsafe.Offsetof(p.Txhooksig)}, {"rxhooksig", unsafe.Offsetof(p.Rxhooksig)},
		{"curlaw", unsafe.Offsetof(p.Curlaw)}, {"idlebits", unsafe.Offsetof(p.Idlebits)},
		{"name", unsafe.Offsetof(p.Name)}, {"prewinktime", unsafe.Offsetof(p.Prewinktime)},
		{"preflashtime", unsafe.Offsetof(p.Preflashtime)}, {"winktime", unsafe.Offsetof(p.Winktime)},
		{"flashtime", unsafe.Offsetof(p.Flashtime)}, {"starttime", unsafe.Offsetof(p.Starttime)},
		{"rxwinktime", unsafe.Offsetof(p.Rxwinktime)}, {"rxflashtime", unsafe.Offsetof(p.Rxflashtime)},
		{"debouncetime", unsafe.Offsetof(p.Debouncetime)}, {"pulsebreaktime", unsafe.Offsetof(p.Pulsebreaktime)},
		{"pulsemaketime", unsafe.Offsetof(p.Pulsemaketime)}, {"pulseaftertime", unsafe.Offsetof(p.Pulseaftertime)},
		{"chan_alarms", unsafe.Offsetof(p.ChanAlarms)},
	} {
		off("dahdi_params."+f.n, f.o)
	}

	var s dahdiSpanInfo
	// The C struct is packed: its size is the end of the last field, not
	// the Go size with tail padding.
	size("dahdi_spaninfo", unsafe.Offsetof(s.Spantype)+unsafe.Sizeof(s.Spantype))
	for _, f := range []struct {
		n string
		o uintptr
	}{
		{"spanno", unsafe.Offsetof(s.Spanno)}, {"name", unsafe.Offsetof(s.Name)},
		{"desc", unsafe.Offsetof(s.Desc)}, {"alarms", unsafe.Offsetof(s.Alarms)},
		{"txlevel", unsafe.Offsetof(s.Txlevel)}, {"rxlevel", unsafe.Offsetof(s.Rxlevel)},
		{"bpvcount", unsafe.Offsetof(s.Bpvcount)}, {"crc4count", unsafe.Offsetof(s.Crc4count)},
		{"ebitcount", unsafe.Offsetof(s.Ebitcount)}, {"fascount", unsafe.Offsetof(s.Fascount)},
		{"fecount", unsafe.Offsetof(s.Fecount)}, {"cvcount", unsafe.Offsetof(s.Cvcount)},
		{"becount", unsafe.Offsetof(s.Becount)}, {"prbs", unsafe.Offsetof(s.Prbs)},
		{"errsec", unsafe.Offsetof(s.Errsec)}, {"irqmisses", unsafe.Offsetof(s.Irqmisses)},
		{"syncsrc", unsafe.Offsetof(s.Syncsrc)}, {"numchans", unsafe.Offsetof(s.Numchans)},
		{"totalchans", unsafe.Offsetof(s.Totalchans)}, {"totalspans", unsafe.Offsetof(s.Totalspans)},
		{"lbo", unsafe.Offsetof(s.Lbo)}, {"lineconfig", unsafe.Offsetof(s.Lineconfig)},
		{"lboname", unsafe.Offsetof(s.Lboname)}, {"location", unsafe.Offsetof(s.Location)},
		{"manufacturer", unsafe.Offsetof(s.Manufacturer)}, {"devicetype", unsafe.Offsetof(s.Devicetype)},
		{"irq", unsafe.Offsetof(s.Irq)}, {"linecompat", unsafe.Offsetof(s.Linecompat)},
		{"spantype", unsafe.Offsetof(s.Spantype)},
	} {
		off("dahdi_spaninfo."+f.n, f.o)
	}

	var g dahdiGains
	size("dahdi_gains", unsafe.Sizeof(g))
	off("dahdi_gains.chan", unsafe.Offsetof(g.Chan))
	off("dahdi_gains.rxgain", unsafe.Offsetof(g.Rxgain))
	off("dahdi_gains.txgain", unsafe.Offsetof(g.Txgain))

	var b dahdiBufferInfo
	size("dahdi_bufferinfo", unsafe.Sizeof(b))
	off("dahdi_bufferinfo.txbufpolicy", unsafe.Offsetof(b.Txbufpolicy))
	off("dahdi_bufferinfo.rxbufpolicy", unsafe.Offsetof(b.Rxbufpolicy))
	off("dahdi_bufferinfo.numbufs", unsafe.Offsetof(b.Numbufs))
	off("dahdi_bufferinfo.bufsize", unsafe.Offsetof(b.Bufsize))
	off("dahdi_bufferinfo.readbufs", unsafe.Offsetof(b.Readbufs))
	off("dahdi_bufferinfo.writebufs", unsafe.Offsetof(b.Writebufs))

	var rc dahdiRingCadence
	size("dahdi_ring_cadence", unsafe.Sizeof(rc))
	off("dahdi_ring_cadence.ringcadence", unsafe.Offsetof(rc.Ringcadence))

	var ec dahdiEchoCanParams
	size("dahdi_echocanparams", unsafe.Sizeof(ec))
	off("dahdi_echocanparams.tap_length", unsafe.Offsetof(ec.TapLength))
	off("dahdi_echocanparams.param_count", unsafe.Offsetof(ec.ParamCount))

	var vi dahdiVersionInfo
	size("dahdi_versioninfo", unsafe.Sizeof(vi))
	off("dahdi_versioninfo.version", unsafe.Offsetof(vi.Version))
	off("dahdi_versioninfo.echo_canceller", unsafe.Offsetof(vi.EchoCanceller))

	var lc dahdiLineConfig
	size("dahdi_lineconfig", unsafe.Sizeof(lc))
	off("dahdi_lineconfig.span", unsafe.Offsetof(lc.Span))
	off("dahdi_lineconfig.name", unsafe.Offsetof(lc.Name))
	off("dahdi_lineconfig.lbo", unsafe.Offsetof(lc.Lbo))
	off("dahdi_lineconfig.lineconfig", unsafe.Offsetof(lc.Lineconfig))
	off("dahdi_lineconfig.sync", unsafe.Offsetof(lc.Sync))

	var cc dahdiChanConfig
	size("dahdi_chanconfig", unsafe.Sizeof(cc))
	off("dahdi_chanconfig.chan", unsafe.Offsetof(cc.Chan))
	off("dahdi_chanconfig.name", unsafe.Offsetof(cc.Name))
	off("dahdi_chanconfig.sigtype", unsafe.Offsetof(cc.Sigtype))
	off("dahdi_chanconfig.deflaw", unsafe.Offsetof(cc.Deflaw))
	off("dahdi_chanconfig.master", unsafe.Offsetof(cc.Master))
	off("dahdi_chanconfig.idlebits", unsafe.Offsetof(cc.Idlebits))
	off("dahdi_chanconfig.netdev_name", unsafe.Offsetof(cc.NetdevName))

	var ds dahdiDynamicSpan
	size("dahdi_dynamic_span", unsafe.Sizeof(ds))
	off("dahdi_dynamic_span.driver", unsafe.Offsetof(ds.Driver))
	off("dahdi_dynamic_span.addr", unsafe.Offsetof(ds.Addr))
	off("dahdi_dynamic_span.numchans", unsafe.Offsetof(ds.Numchans))
	off("dahdi_dynamic_span.timing", unsafe.Offsetof(ds.Timing))
	off("dahdi_dynamic_span.spanno", unsafe.Offsetof(ds.Spanno))
	return m
}

// TestABIKnownValues pins the numbers that an earlier run against the real
// driver established, so a slip in the Go transcription fails on any host.
func TestABIKnownValues(t *testing.T) {
	m := goABI()
	for k, want := range map[string]string{
		"ioctl DAHDI_SPECIFY":    "0x4004DA26",
		"ioctl DAHDI_GET_PARAMS": "0xC088DA05",
		"ioctl DAHDI_HOOK":       "0x4004DA07",
		"ioctl DAHDI_GETEVENT":   "0x8004DA08",
		"ioctl DAHDI_SPANSTAT":   "0xC13ADA0A",
		"ioctl DAHDI_SETLINEAR":  "0x4004DA28",
		"sizeof dahdi_params":    "136",
		"sizeof dahdi_spaninfo":  "314",
		"sizeof dahdi_gains":     "516",
		"const ELAST":            "500",
	} {
		if m[k] != want {
			t.Errorf("%s = %s, want %s", k, m[k], want)
		}
	}
	// The sizes encoded in the request numbers agree with the structs.
	for k, v := range m {
		name, ok := strings.CutPrefix(k, "sizeof ")
		if !ok {
			continue
		}
		for _, c := range [][2]string{
			{"dahdi_params", "ioctl DAHDI_GET_PARAMS"}, {"dahdi_spaninfo", "ioctl DAHDI_SPANSTAT"},
			{"dahdi_gains", "ioctl DAHDI_SETGAINS"}, {"dahdi_bufferinfo", "ioctl DAHDI_SET_BUFINFO"},
			{"dahdi_ring_cadence", "ioctl DAHDI_SETCADENCE"}, {"dahdi_echocanparams", "ioctl DAHDI_ECHOCANCEL_PARAMS"},
			{"dahdi_versioninfo", "ioctl DAHDI_GETVERSION"}, {"dahdi_lineconfig", "ioctl DAHDI_SPANCONFIG"},
			{"dahdi_chanconfig", "ioctl DAHDI_CHANCONFIG"}, {"dahdi_dynamic_span", "ioctl DAHDI_DYNAMIC_CREATE"},
		} {
			if c[0] != name {
				continue
			}
			var req uint32
			fmt.Sscanf(m[c[1]], "0x%X", &req)
			if got := fmt.Sprint(req >> 16 & 0x3fff); got != v {
				t.Errorf("%s encodes size %s, struct %s is %s", c[1], got, name, v)
			}
		}
	}
}

// TestABIMatchesHeader compares every number the backend encodes with the
// output of scripts/dahdi-vm/abi.c, compiled from include/dahdi/user.h. The
// guest build sets DAHDI_ABI_FILE; elsewhere the test is skipped.
func TestABIMatchesHeader(t *testing.T) {
	path := os.Getenv("DAHDI_ABI_FILE")
	if path == "" {
		t.Skip("DAHDI_ABI_FILE not set (the dahdi-vm guest sets it)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			t.Fatalf("%s: malformed line %q", path, sc.Text())
		}
		header[fs[0]+" "+fs[1]] = fs[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(header) < 100 {
		t.Fatalf("%s holds only %d values", path, len(header))
	}
	ours := goABI()
	for k, v := range header {
		if got, ok := ours[k]; !ok {
			t.Errorf("%s: header has %s, the Go backend does not check it", k, v)
		} else if got != v {
			t.Errorf("%s: header says %s, Go encodes %s", k, v, got)
		}
	}
	for k := range ours {
		if _, ok := header[k]; !ok {
			t.Errorf("%s: encoded in Go but not printed from the header", k)
		}
	}
}
