// Package interop runs the gateway against real third-party SIP software
// from Debian on loopback. The tools are required: a missing one fails the
// test loudly (install them as .ci/run does).
package interop

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tipring/dsp/g711"
	"tipring/dsp/measure"
	"tipring/gateway"
)

// requireTool returns the path of a required third-party tool or fails.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install the Debian package %s (apt-get install %s); this interop test needs it", name, pkg, pkg)
	}
	return p
}

// freePort finds a free UDP+TCP port on 127.0.0.1.
func freePort(t *testing.T) int {
	t.Helper()
	for range 50 {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		u.Close()
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port")
	return 0
}

// freeMediaPort finds an even UDP port whose odd neighbour is free too.
func freeMediaPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		u, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := u.LocalAddr().(*net.UDPAddr).Port &^ 1
		u.Close()
		a, err1 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
		b, err2 := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p+1))
		if a != nil {
			a.Close()
		}
		if b != nil {
			b.Close()
		}
		if err1 == nil && err2 == nil && p > 1024 {
			return p
		}
	}
	t.Fatal("no free media port pair")
	return 0
}

// routedConfig is a gateway configuration with FXS ports 1, 2, ... on the
// extensions exts (accounts fxs1, fxs2, ...) and numbers 3xxx routed to
// routeTarget through account fxs1.
func routedConfig(routeTarget string, exts ...string) gateway.Config {
	return gateway.Config{
		DigitMap: "2xxx|3xxx",
		Ports:    fxsPorts(exts...),
		Routes:   []gateway.Route{{Pattern: "3xxx", Account: "fxs1", Target: routeTarget}},
	}
}

// startGateway runs a whole gateway (simulated board in real time, SIP on
// loopback) with port 1 reachable as sip:2001@127.0.0.1:<port> and numbers
// 3xxx routed to routeTarget. Its echo canceller is off: besides the
// simulated lines having no hybrid echo, SIPp's -rtp_echo returns the
// phone's own steady tone, which a line echo canceller would rightly take
// for echo.
func startGateway(t *testing.T, routeTarget string) *rig {
	t.Helper()
	return startRig(t, routedConfig(routeTarget, "2001", "2002"), rigOptions{
		accounts: localAccounts("", "2001", "2002"),
		rtpSpan:  40,
	})
}

// writePCMUPcap writes a pcap file (Ethernet/IPv4/UDP/RTP) carrying secs of
// a 1004 Hz tone at level dBm0 in 20 ms PCMU packets, as SIPp's
// play_pcap_audio wants.
func writePCMUPcap(path string, secs, level float64) error {
	var buf bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b2c3d4)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 1) // LINKTYPE_ETHERNET
	buf.Write(hdr)
	pcm := make([]int16, 160)
	payload := make([]byte, 160)
	phase := 0.0
	n := int(secs * 50)
	for i := range n {
		phase = measure.Sine(pcm, 1004, level, phase)
		g711.UlawEncode(payload, pcm)
		rtp := make([]byte, 12+len(payload))
		rtp[0] = 0x80
		if i == 0 {
			rtp[1] = 0x80 // marker, PT 0
		}
		binary.BigEndian.PutUint16(rtp[2:], uint16(i))
		binary.BigEndian.PutUint32(rtp[4:], uint32(i*160))
		binary.BigEndian.PutUint32(rtp[8:], 0x1004cafe)
		copy(rtp[12:], payload)
		udp := make([]byte, 8+len(rtp))
		binary.BigEndian.PutUint16(udp[0:], 6000)
		binary.BigEndian.PutUint16(udp[2:], 6002)
		binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
		copy(udp[8:], rtp)
		ip := make([]byte, 20+len(udp))
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
		ip[8] = 64
		ip[9] = 17
		copy(ip[12:], []byte{127, 0, 0, 1})
		copy(ip[16:], []byte{127, 0, 0, 1})
		var sum uint32
		for j := 0; j < 20; j += 2 {
			sum += uint32(binary.BigEndian.Uint16(ip[j:]))
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		copy(ip[20:], udp)
		eth := make([]byte, 14+len(ip))
		binary.BigEndian.PutUint16(eth[12:], 0x0800)
		copy(eth[14:], ip)
		rec := make([]byte, 16)
		us := i * 20000
		le.PutUint32(rec[0:], uint32(1700000000+us/1000000))
		le.PutUint32(rec[4:], uint32(us%1000000))
		le.PutUint32(rec[8:], uint32(len(eth)))
		le.PutUint32(rec[12:], uint32(len(eth)))
		buf.Write(rec)
		buf.Write(eth)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// sippCmd starts SIPp bound to loopback with a bounded lifetime.
func sippCmd(t *testing.T, ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer) {
	sipp := requireTool(t, "sipp", "sip-tester")
	base := []string{"-i", "127.0.0.1", "-mi", "127.0.0.1", "-bind_local", "-m", "1", "-l", "1",
		"-timeout", "30s", "-timeout_error", "-nostdin", "-trace_err", "-trace_msg"}
	cmd := exec.CommandContext(ctx, sipp, append(base, args...)...)
	cmd.Dir = t.TempDir()
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	return cmd, &out
}

func sippLogs(dir string) string {
	var b strings.Builder
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if len(data) > 6000 {
			data = data[len(data)-6000:]
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", filepath.Base(f), data)
	}
	return b.String()
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s: not within %v", what, limit)
}

func portState(gw *gateway.Gateway, ext string) gateway.PortState {
	for _, p := range gw.Ports() {
		if p.Extension == ext {
			return p.State
		}
	}
	return ""
}

// TestSIPpCallsPhone: SIPp places a call into the gateway, phone 1 rings and
// answers, SIPp's 1004 Hz RTP stream is heard on the phone, SIPp hangs up
// and the port goes back to idle.
func TestSIPpCallsPhone(t *testing.T) {
	checkPlainCall(t, startGateway(t, ""), "2001")
}

// TestPhoneCallsSIPp: phone 1 dials 3000, routed to a SIPp UAS that rings,
// answers and echoes RTP; the phone's 1004 Hz tone comes back through SIPp,
// and the phone's hang-up sends the BYE SIPp waits for.
func TestPhoneCallsSIPp(t *testing.T) {
	sippPort := freePort(t)
	n := startGateway(t, fmt.Sprintf("sip:{n}@127.0.0.1:%d", sippPort))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	scen, err := filepath.Abs("testdata/uas_echo.xml")
	if err != nil {
		t.Fatal(err)
	}
	cmd, out := sippCmd(t, ctx, "-sf", scen, "-p", fmt.Sprint(sippPort),
		"-mp", fmt.Sprint(freeMediaPort(t)), "-rtp_echo")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // SIPp binds its port
	phone, _ := n.board.Phone(1)
	phone.OffHook()
	time.Sleep(300 * time.Millisecond)
	if err := phone.Dial("3000"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "connected to SIPp", 10*time.Second, func() bool { return portState(n.gw, "2001") == gateway.PortConnected })
	phone.PlayTone(1004, -13)
	time.Sleep(800 * time.Millisecond)
	x := phone.Listen(1500 * time.Millisecond)
	phone.StopPlay()
	phone.OnHook()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sipp failed: %v\n%s\n%s", err, out, sippLogs(cmd.Dir))
	}
	f, l := measure.Frequency(x), measure.LevelDBm0(x)
	if math.Abs(f-1004) > 5 || math.Abs(l+13) > 1 {
		t.Errorf("echo through SIPp: %.1f Hz at %.2f dBm0, want 1004 Hz at -13 dBm0 (±5 Hz, ±1 dB)", f, l)
	}
	waitUntil(t, "port idle", 5*time.Second, func() bool { return portState(n.gw, "2001") == gateway.PortIdle })
}
