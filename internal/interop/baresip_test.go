package interop

// Interop with baresip (Debian package baresip, 1.0.0): calls in both
// directions with SDES-keyed SRTP (RFC 4568, RFC 3711), audio measured at
// both ends, and a capture of the loopback interface that must show no
// plaintext voice. The same call without SRTP is the control that proves the
// capture check can see plaintext when there is some.
//
// baresip is driven through its ctrl_tcp module (netstring-framed JSON
// commands and events); its audio source is the aufile module playing a
// generated WAV file (longer than any call: baresip hangs up when the file
// ends), its audio player the ALSA null device, and the sndfile module
// records what it decodes into dump-*-dec.wav.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"tipring/dsp/g711"
	"tipring/dsp/measure"
	"tipring/gateway"
	"tipring/sip"
)

// Tones: baresip sends bsFarTone, the phone sends bsPhoneTone.
const (
	bsFarTone    = 1004.0
	bsFarLevel   = -10.0
	bsPhoneTone  = 697.0
	bsPhoneLevel = -13.0
	bsFileSecs   = 40 // the aufile source: longer than any call here
	bsLifetime   = 45 // seconds baresip may live at most
)

// bsStartGateway starts a whole gateway on loopback whose SIP account uses
// the SRTP policy srtp; port 1 answers sip:2001@127.0.0.1:<sipPort> and
// numbers 3xxx go to routeTarget through account fxs1. With tlsCfg it also
// listens for SIP over TLS on its own port.
func bsStartGateway(t *testing.T, srtp, routeTarget string, tlsCfg *sip.TLSConfig) *rig {
	t.Helper()
	return startRig(t, routedConfig(routeTarget, "2001"), rigOptions{
		accounts: localAccounts(srtp, "2001"),
		udpOnly:  true,
		tls:      tlsCfg,
		rtpSpan:  20,
	})
}

// bsBaresip is one running baresip and its control connection.
type bsBaresip struct {
	t              *testing.T
	dir            string
	sipPort        int
	rtpMin, rtpMax int
	cmd            *exec.Cmd
	out            *bsLockedBuffer
	ctrl           net.Conn
	events         chan map[string]any
	token          atomic.Int64
	stopped        bool
}

type bsLockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *bsLockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *bsLockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	if len(s) > 8000 {
		s = "…" + s[len(s)-8000:]
	}
	return s
}

// bsWriteToneWAV writes secs of a sine at freq Hz and level dBm0 as an
// 8 kHz mono 16-bit PCM WAV file, the format baresip's aufile plays to a
// G.711 call without resampling.
func bsWriteToneWAV(path string, freq, level float64, secs int) error {
	pcm := make([]int16, 8000*secs)
	measure.Sine(pcm, freq, level, 0)
	data := make([]byte, 2*len(pcm))
	for i, v := range pcm {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(v))
	}
	var h bytes.Buffer
	le := binary.LittleEndian
	h.WriteString("RIFF")
	binary.Write(&h, le, uint32(36+len(data)))
	h.WriteString("WAVEfmt ")
	binary.Write(&h, le, uint32(16))
	binary.Write(&h, le, uint16(1))    // PCM
	binary.Write(&h, le, uint16(1))    // mono
	binary.Write(&h, le, uint32(8000)) // sample rate
	binary.Write(&h, le, uint32(16000))
	binary.Write(&h, le, uint16(2))
	binary.Write(&h, le, uint16(16))
	h.WriteString("data")
	binary.Write(&h, le, uint32(len(data)))
	h.Write(data)
	return os.WriteFile(path, h.Bytes(), 0o644)
}

// bsReadWAV reads a 16-bit PCM WAV file and returns its first channel and
// its sample rate. A data chunk whose size was never filled in (a
// recording cut short) is read to the end of the file.
func bsReadWAV(path string) ([]int16, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, fmt.Errorf("%s: not a WAV file", path)
	}
	le := binary.LittleEndian
	var rate, channels, bits int
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(le.Uint32(b[p+4:]))
		body := b[p+8:]
		switch id {
		case "fmt ":
			if len(body) < 16 || le.Uint16(body) != 1 {
				return nil, 0, fmt.Errorf("%s: not PCM", path)
			}
			channels, rate, bits = int(le.Uint16(body[2:])), int(le.Uint32(body[4:])), int(le.Uint16(body[14:]))
		case "data":
			if bits != 16 || channels < 1 {
				return nil, 0, fmt.Errorf("%s: %d-bit %d-channel audio, want 16-bit", path, bits, channels)
			}
			if size == 0 || size > len(body) {
				size = len(body)
			}
			n := size / (2 * channels)
			x := make([]int16, n)
			for i := range x {
				x[i] = int16(le.Uint16(body[2*channels*i:]))
			}
			return x, rate, nil
		}
		p += 8 + size + size&1
	}
	return nil, 0, fmt.Errorf("%s: no data chunk", path)
}

// bsStart runs baresip on loopback with one account 9000 whose media
// encryption is mediaenc ("" for none) and which answers calls by itself.
// With pki, baresip also listens for SIP over TLS on its SIP port + 1 with
// pki's certificate for 127.0.0.1 and trusts pki's CA.
func bsStart(t *testing.T, mediaenc string, pki *testPKI) *bsBaresip {
	t.Helper()
	bin := requireTool(t, "baresip", "baresip")
	timeoutBin := requireTool(t, "timeout", "coreutils")
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone1004.wav")
	if err := bsWriteToneWAV(wav, bsFarTone, bsFarLevel, bsFileSecs); err != nil {
		t.Fatal(err)
	}
	// baresip also listens for TLS on the SIP port + 1: find two free ports
	// in a row.
	var sipPort int
	for range 50 {
		sipPort = freePort(t)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", sipPort+1))
		if err == nil {
			l.Close()
			break
		}
	}
	ctrlPort := freePort(t)
	rtp := freeMediaPort(t)
	bs := &bsBaresip{t: t, dir: dir, sipPort: sipPort, rtpMin: rtp, rtpMax: rtp + 9,
		out: &bsLockedBuffer{}, events: make(chan map[string]any, 64)}
	config := strings.Join([]string{
		"poll_method\tepoll",
		fmt.Sprintf("sip_listen\t127.0.0.1:%d", sipPort),
		"net_interface\t127.0.0.1",
		"dns_server\t127.0.0.1:53",
		fmt.Sprintf("rtp_ports\t%d-%d", bs.rtpMin, bs.rtpMax),
		"audio_player\talsa,null",
		"audio_alert\talsa,null",
		"audio_source\taufile," + wav,
		"module_path\t/usr/lib/baresip/modules",
		"module\tg711.so",
		"module\taufile.so",
		"module\talsa.so",
		"module\tsndfile.so",
		"module\tsrtp.so",
		"module_app\taccount.so",
		"module_app\tmenu.so",
		"module_app\tctrl_tcp.so",
		fmt.Sprintf("ctrl_tcp_listen\t127.0.0.1:%d", ctrlPort),
		"snd_path\t" + dir,
		"",
	}, "\n")
	if pki != nil {
		config += "sip_certificate\t" + pki.peerCertKey + "\nsip_cafile\t" + pki.caFile + "\n"
	}
	account := fmt.Sprintf("<sip:9000@127.0.0.1:%d>;regint=0;answermode=auto", sipPort)
	if mediaenc != "" {
		account += ";mediaenc=" + mediaenc
	}
	for name, body := range map[string]string{"config": config, "accounts": account + "\n", "contacts": ""} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// timeout(1) bounds baresip's life even if this test process dies;
	// baresip's own -t is the second bound.
	bs.cmd = exec.Command(timeoutBin, "-k", "2", strconv.Itoa(bsLifetime+2),
		bin, "-f", dir, "-t", strconv.Itoa(bsLifetime), "-v")
	bs.cmd.Dir = dir
	bs.cmd.Stdout = bs.out
	bs.cmd.Stderr = bs.out
	if err := bs.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bs.stop)
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ctrlPort))
		if err == nil {
			bs.ctrl = c
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip control port 127.0.0.1:%d: %v\n%s", ctrlPort, err, bs.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	go bs.readEvents()
	return bs
}

// stop ends baresip: SIGTERM to timeout(1), which passes it on, lets
// baresip close its recordings; SIGKILL after 3 s.
func (bs *bsBaresip) stop() {
	if bs.stopped {
		return
	}
	bs.stopped = true
	if bs.ctrl != nil {
		bs.ctrl.Close()
	}
	bs.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { bs.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(3 * time.Second):
		bs.cmd.Process.Kill()
		<-exited
	}
}

// readEvents reads ctrl_tcp netstrings ("<len>:<json>,") and queues the
// events; command responses are logged only.
func (bs *bsBaresip) readEvents() {
	r := bufio.NewReader(bs.ctrl)
	for {
		lenStr, err := r.ReadString(':')
		if err != nil {
			close(bs.events)
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(lenStr, ":")))
		if err != nil || n < 0 || n > 1<<20 {
			close(bs.events)
			return
		}
		msg := make([]byte, n+1)
		if _, err := io.ReadFull(r, msg); err != nil || msg[n] != ',' {
			close(bs.events)
			return
		}
		var m map[string]any
		if json.Unmarshal(msg[:n], &m) != nil {
			continue
		}
		if ev, _ := m["event"].(bool); ev {
			select {
			case bs.events <- m:
			default:
			}
		}
	}
}

// command sends one ctrl_tcp command.
func (bs *bsBaresip) command(cmd, params string) {
	bs.t.Helper()
	msg, _ := json.Marshal(map[string]string{"command": cmd, "params": params,
		"token": strconv.FormatInt(bs.token.Add(1), 10)})
	if _, err := fmt.Fprintf(bs.ctrl, "%d:%s,", len(msg), msg); err != nil {
		bs.t.Fatalf("baresip control: %s: %v", cmd, err)
	}
}

// waitEvent waits for a call event of the given type (e.g.
// CALL_ESTABLISHED, CALL_CLOSED).
func (bs *bsBaresip) waitEvent(typ string, limit time.Duration) map[string]any {
	bs.t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case m, ok := <-bs.events:
			if !ok {
				bs.t.Fatalf("baresip control connection closed while waiting for %s\n%s", typ, bs.out)
			}
			if m["type"] == typ {
				return m
			}
		case <-timer.C:
			bs.t.Fatalf("baresip: no %s event within %v\n%s", typ, limit, bs.out)
		}
	}
}

// recording returns what baresip decoded during its calls (sndfile's
// dump-*-dec.wav); call after stop.
func (bs *bsBaresip) recording() []int16 {
	bs.t.Helper()
	files, _ := filepath.Glob(filepath.Join(bs.dir, "dump-*-dec.wav"))
	if len(files) != 1 {
		bs.t.Fatalf("baresip recordings: %q, want one dump-*-dec.wav\n%s", files, bs.out)
	}
	x, rate, err := bsReadWAV(files[0])
	if err != nil {
		bs.t.Fatal(err)
	}
	if rate != 8000 {
		bs.t.Fatalf("%s: %d Hz, want 8000 Hz", files[0], rate)
	}
	return x
}

// bsPacket is one UDP datagram or TCP segment seen on the loopback
// interface.
type bsPacket struct {
	tcp      bool
	src, dst int // UDP or TCP ports
	payload  []byte
}

// bsCapture records the UDP datagrams and TCP segments on the loopback
// interface whose
// source or destination port keep accepts, through an AF_PACKET socket
// (needs CAP_NET_RAW). Each packet is recorded once (the outgoing copy
// loopback also delivers is skipped).
type bsCapture struct {
	fd   int
	keep func(port int) bool
	stop atomic.Bool
	done chan struct{}
	mu   sync.Mutex
	pkts []bsPacket
}

func bsHtons(v uint16) uint16 { return v<<8 | v>>8 }

func bsStartCapture(t *testing.T, keep func(port int) bool) *bsCapture {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatalf("capture: loopback interface: %v", err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, int(bsHtons(unix.ETH_P_ALL)))
	if err != nil {
		t.Fatalf("capture: AF_PACKET socket: %v (the SRTP capture check needs CAP_NET_RAW: run as root)", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: bsHtons(unix.ETH_P_ALL), Ifindex: lo.Index}); err != nil {
		unix.Close(fd)
		t.Fatalf("capture: bind to lo: %v", err)
	}
	tv := unix.NsecToTimeval((100 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		t.Fatalf("capture: SO_RCVTIMEO: %v", err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, 4<<20)
	c := &bsCapture{fd: fd, keep: keep, done: make(chan struct{})}
	go c.run()
	t.Cleanup(func() { c.Stop() })
	return c
}

func (c *bsCapture) run() {
	defer close(c.done)
	buf := make([]byte, 65536)
	for !c.stop.Load() {
		n, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue
		}
		if p, ok := bsParsePacket(buf[:n]); ok && (c.keep(p.src) || c.keep(p.dst)) {
			p.payload = bytes.Clone(p.payload)
			c.mu.Lock()
			c.pkts = append(c.pkts, p)
			c.mu.Unlock()
		}
	}
}

// Stop ends the capture and returns the datagrams seen.
func (c *bsCapture) Stop() []bsPacket {
	if !c.stop.Swap(true) {
		<-c.done
		unix.Close(c.fd)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pkts
}

// bsParsePacket parses an Ethernet/IPv4/UDP or TCP frame as the loopback
// device delivers it.
func bsParsePacket(f []byte) (bsPacket, bool) {
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return bsPacket{}, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || (ip[9] != 17 && ip[9] != 6) || ihl < 20 || len(ip) < ihl+8 {
		return bsPacket{}, false
	}
	total := int(binary.BigEndian.Uint16(ip[2:]))
	if total > len(ip) || total < ihl+8 {
		return bsPacket{}, false
	}
	seg := ip[ihl:total]
	if ip[9] == 6 {
		if len(seg) < 20 || int(seg[12]>>4)*4 < 20 || int(seg[12]>>4)*4 > len(seg) {
			return bsPacket{}, false
		}
		return bsPacket{
			tcp:     true,
			src:     int(binary.BigEndian.Uint16(seg[0:])),
			dst:     int(binary.BigEndian.Uint16(seg[2:])),
			payload: seg[int(seg[12]>>4)*4:],
		}, true
	}
	udp := seg
	return bsPacket{
		src:     int(binary.BigEndian.Uint16(udp[0:])),
		dst:     int(binary.BigEndian.Uint16(udp[2:])),
		payload: udp[8:],
	}, true
}

// bsPlainTone reports whether an RTP datagram carries, in the clear, G.711
// audio dominated by one of the call's tones: decoded as its payload type
// says (PCMU or PCMA), more than half the payload's power sits at
// bsFarTone or bsPhoneTone. SRTP-encrypted payload decodes to noise whose
// power is spread over the band (about 1/80 of it per tone).
func bsPlainTone(payload []byte) bool {
	if len(payload) < 12+80 || payload[0]>>6 != 2 {
		return false
	}
	hdr := 12 + 4*int(payload[0]&0x0f)
	if payload[0]&0x10 != 0 { // header extension
		if len(payload) < hdr+4 {
			return false
		}
		hdr += 4 + 4*int(binary.BigEndian.Uint16(payload[hdr+2:]))
	}
	if len(payload) < hdr+80 {
		return false
	}
	body := payload[hdr:]
	if len(body) > 160 {
		body = body[:160]
	}
	pcm := make([]int16, len(body))
	switch payload[1] & 0x7f {
	case 0:
		g711.UlawDecode(pcm, body)
	case 8:
		g711.AlawDecode(pcm, body)
	default:
		return false
	}
	var ms float64
	for _, v := range pcm {
		ms += float64(v) * float64(v)
	}
	ms /= float64(len(pcm))
	if ms < 1 {
		return false
	}
	return max(measure.Goertzel(pcm, bsFarTone), measure.Goertzel(pcm, bsPhoneTone)) > 0.5*ms
}

// bsVoiceStats counts the RTP-shaped datagrams between the two media port
// ranges and those among them with a plaintext tone; sdp collects the SIP
// bodies seen between the two SIP ports.
func bsVoiceStats(pkts []bsPacket, g *rig, bs *bsBaresip) (rtp, plain int, sipText string) {
	inG := func(p int) bool { return p >= g.rtpMin && p <= g.rtpMax }
	inB := func(p int) bool { return p >= bs.rtpMin && p <= bs.rtpMax }
	var sb strings.Builder
	for _, p := range pkts {
		if p.tcp {
			continue
		}
		switch {
		case (inG(p.src) && inB(p.dst)) || (inB(p.src) && inG(p.dst)):
			if len(p.payload) >= 12 && p.payload[0]>>6 == 2 && p.payload[1]&0x7f < 72 {
				rtp++
				if bsPlainTone(p.payload) {
					plain++
				}
			}
		case (p.src == g.sipPort && p.dst == bs.sipPort) || (p.src == bs.sipPort && p.dst == g.sipPort):
			sb.Write(p.payload)
			sb.WriteString("\n")
		}
	}
	return rtp, plain, sb.String()
}

// bsCallResult is what both ends heard.
type bsCallResult struct {
	phoneHeard []int16 // at the simulated phone, from baresip
	farHeard   []int16 // recorded by baresip, from the phone
	pkts       []bsPacket
}

// bsCall runs one call between phone 1 and baresip, placed by baresip
// (inbound to the gateway) or by the phone (outbound), with both tones
// playing, and returns what each side heard and the capture.
func bsCall(t *testing.T, g *rig, bs *bsBaresip, inbound bool) bsCallResult {
	t.Helper()
	return bsCallTo(t, g, bs, inbound, fmt.Sprintf("sip:2001@127.0.0.1:%d", g.sipPort))
}

// bsCallTo is bsCall with the URI baresip dials for an inbound call.
func bsCallTo(t *testing.T, g *rig, bs *bsBaresip, inbound bool, uri string) bsCallResult {
	t.Helper()
	capt := bsStartCapture(t, func(p int) bool {
		return p == g.sipPort || p == bs.sipPort || (g.tlsPort != 0 && p == g.tlsPort) || p == bs.sipPort+1 || (p >= g.rtpMin && p <= g.rtpMax) || (p >= bs.rtpMin && p <= bs.rtpMax)
	})
	phone, err := g.board.Phone(1)
	if err != nil {
		t.Fatal(err)
	}
	if inbound {
		bs.command("dial", uri)
		waitUntil(t, "phone 1 rings", 10*time.Second, phone.Ringing)
		phone.OffHook()
	} else {
		phone.OffHook()
		time.Sleep(300 * time.Millisecond) // dial tone
		if err := phone.Dial("3000"); err != nil {
			t.Fatal(err)
		}
	}
	bs.waitEvent("CALL_ESTABLISHED", 10*time.Second)
	waitUntil(t, "port 2001 connected", 5*time.Second, func() bool { return portState(g.gw, "2001") == gateway.PortConnected })
	phone.PlayTone(bsPhoneTone, bsPhoneLevel)
	time.Sleep(700 * time.Millisecond) // jitter buffers fill, tones settle
	heard := phone.Listen(1500 * time.Millisecond)
	// The phone hangs up: the gateway's BYE ends baresip's call.
	phone.StopPlay()
	phone.OnHook()
	bs.waitEvent("CALL_CLOSED", 10*time.Second)
	waitUntil(t, "port 2001 idle", 5*time.Second, func() bool { return portState(g.gw, "2001") == gateway.PortIdle })
	pkts := capt.Stop()
	bs.stop() // closes the recording
	return bsCallResult{phoneHeard: heard, farHeard: bs.recording(), pkts: pkts}
}

// bsCheckAudio checks both directions of a call: the phone heard
// baresip's 1004 Hz at -10 dBm0, baresip recorded the phone's 697 Hz at
// -13 dBm0 (±5 Hz, ±1.5 dB).
func bsCheckAudio(t *testing.T, r bsCallResult, log fmt.Stringer) {
	t.Helper()
	if f, l := measure.Frequency(r.phoneHeard), measure.LevelDBm0(r.phoneHeard); math.Abs(f-bsFarTone) > 5 || math.Abs(l-bsFarLevel) > 1.5 {
		t.Errorf("phone heard %.1f Hz at %.2f dBm0, want %.0f Hz at %.0f dBm0", f, l, bsFarTone, bsFarLevel)
	}
	// The recording starts with the call's first packet; the phone's tone
	// starts right after the answer and runs for 2.2 s, then the hang-up
	// leaves a tail of silence: measure from 0.6 s to 1.6 s.
	x := r.farHeard
	if len(x) < 8000*2 {
		t.Fatalf("baresip recorded %d samples, want at least 2 s\n%s", len(x), log)
	}
	w := x[8000*6/10 : 8000*16/10]
	if f, l := measure.Frequency(w), measure.LevelDBm0(w); math.Abs(f-bsPhoneTone) > 5 || math.Abs(l-bsPhoneLevel) > 1.5 {
		t.Errorf("baresip recorded %.1f Hz at %.2f dBm0, want %.0f Hz at %.0f dBm0\n%s", f, l, bsPhoneTone, bsPhoneLevel, log)
	}
}

// bsCheckEncrypted checks the capture of an SRTP call: the SDP (when
// signalled in the clear, sdpVisible) negotiated RTP/SAVP with an SDES
// key, voice packets flowed, and none of them carried a tone in the clear.
func bsCheckEncrypted(t *testing.T, r bsCallResult, g *rig, bs *bsBaresip, sdpVisible bool) {
	t.Helper()
	rtp, plain, sipText := bsVoiceStats(r.pkts, g, bs)
	t.Logf("capture: %d voice packets, %d with a plaintext tone", rtp, plain)
	if sdpVisible && (!strings.Contains(sipText, "RTP/SAVP") || !strings.Contains(sipText, "a=crypto:")) {
		t.Errorf("captured SIP has no RTP/SAVP offer/answer with a=crypto:\n%s", sipText)
	}
	if rtp < 100 {
		t.Errorf("capture saw %d voice packets between the media ports, want ≥ 100 (both directions, ~2.5 s)", rtp)
	}
	if plain != 0 {
		t.Errorf("capture: %d of %d voice packets carry a tone in plaintext on an SRTP call", plain, rtp)
	}
}

// TestBaresipSRTPInbound (RFC 4568 SDES, RFC 3711): baresip with mandatory
// SRTP calls phone 1; both tones cross, and the capture shows only
// encrypted voice.
func TestBaresipSRTPInbound(t *testing.T) {
	g := bsStartGateway(t, "mandatory", "", nil)
	bs := bsStart(t, "srtp-mand", nil)
	r := bsCall(t, g, bs, true)
	bsCheckAudio(t, r, bs.out)
	bsCheckEncrypted(t, r, g, bs, true)
}

// TestBaresipSRTPOutbound (RFC 4568 SDES, RFC 3711): phone 1 dials 3000,
// routed to baresip, which answers by itself; both tones cross encrypted.
func TestBaresipSRTPOutbound(t *testing.T) {
	bs := bsStart(t, "srtp-mand", nil)
	g := bsStartGateway(t, "mandatory", fmt.Sprintf("sip:9000@127.0.0.1:%d", bs.sipPort), nil)
	r := bsCall(t, g, bs, false)
	bsCheckAudio(t, r, bs.out)
	bsCheckEncrypted(t, r, g, bs, true)
}

// TestBaresipPlainCaptureControl: the same inbound call without SRTP. The
// capture check must find the tones in the clear here, or it could not
// tell an encrypted call from an unchecked one.
func TestBaresipPlainCaptureControl(t *testing.T) {
	g := bsStartGateway(t, "off", "", nil)
	bs := bsStart(t, "", nil)
	r := bsCall(t, g, bs, true)
	bsCheckAudio(t, r, bs.out)
	rtp, plain, sipText := bsVoiceStats(r.pkts, g, bs)
	t.Logf("capture: %d voice packets, %d with a plaintext tone", rtp, plain)
	if strings.Contains(sipText, "RTP/SAVP") {
		t.Errorf("plain call negotiated SRTP:\n%s", sipText)
	}
	if rtp < 100 || plain < rtp/2 {
		t.Errorf("capture of a plain call: %d of %d voice packets with a plaintext tone, want most of ≥ 100", plain, rtp)
	}
}

// bsCheckTLSSignalling checks the capture of a call signalled over TLS:
// TLS records flowed on the TLS ports, no SIP message crossed in the clear
// (neither over TCP nor over UDP between the two UAs).
func bsCheckTLSSignalling(t *testing.T, r bsCallResult, g *rig, bs *bsBaresip) {
	t.Helper()
	var tlsBytes, handshakes int
	for _, p := range r.pkts {
		onTLS := p.tcp && (p.src == g.tlsPort || p.dst == g.tlsPort || p.src == bs.sipPort+1 || p.dst == bs.sipPort+1)
		if onTLS && len(p.payload) > 0 {
			tlsBytes += len(p.payload)
			if p.payload[0] == 0x16 && len(p.payload) > 5 && p.payload[5] == 0x01 {
				handshakes++ // ClientHello
			}
		}
		if (p.tcp || p.src == g.sipPort || p.dst == g.sipPort || p.src == bs.sipPort || p.dst == bs.sipPort) &&
			(bytes.Contains(p.payload, []byte("SIP/2.0")) || bytes.Contains(p.payload, []byte("a=crypto:"))) {
			t.Errorf("capture: SIP in the clear (%d -> %d, tcp=%v): %.120q", p.src, p.dst, p.tcp, p.payload)
		}
	}
	t.Logf("capture: %d bytes of TLS on the SIP-over-TLS ports, %d ClientHello", tlsBytes, handshakes)
	if tlsBytes < 1000 || handshakes == 0 {
		t.Errorf("capture: %d bytes of TLS with %d ClientHello on the SIP-over-TLS ports, want a handshake and the call's messages", tlsBytes, handshakes)
	}
}

// TestBaresipTLSSRTP (RFC 3261 26.2, RFC 5630, RFC 4568): SIP over TLS with
// certificates from a test CA both ways, media in SRTP: baresip calls
// phone 1 on the gateway's TLS listener, then phone 1 calls baresip's TLS
// listener, which the gateway verifies against the CA. Both tones cross,
// and the capture shows no SIP and no voice in the clear.
func TestBaresipTLSSRTP(t *testing.T) {
	pki := makePKI(t)
	tlsCfg := &sip.TLSConfig{CertFile: pki.gwCert, KeyFile: pki.gwKey, CAFile: pki.caFile}
	t.Run("inbound", func(t *testing.T) {
		g := bsStartGateway(t, "mandatory", "", tlsCfg)
		bs := bsStart(t, "srtp-mand", pki)
		r := bsCallTo(t, g, bs, true, fmt.Sprintf("sip:2001@127.0.0.1:%d;transport=tls", g.tlsPort))
		bsCheckAudio(t, r, bs.out)
		bsCheckEncrypted(t, r, g, bs, false)
		bsCheckTLSSignalling(t, r, g, bs)
	})
	t.Run("outbound", func(t *testing.T) {
		bs := bsStart(t, "srtp-mand", pki)
		g := bsStartGateway(t, "mandatory", fmt.Sprintf("sip:9000@127.0.0.1:%d;transport=tls", bs.sipPort+1), tlsCfg)
		r := bsCall(t, g, bs, false)
		bsCheckAudio(t, r, bs.out)
		bsCheckEncrypted(t, r, g, bs, false)
		bsCheckTLSSignalling(t, r, g, bs)
	})
	// The gateway must verify the peer: trusting another CA, it does not
	// reach baresip at all.
	t.Run("outbound-untrusted", func(t *testing.T) {
		other := makePKI(t)
		bs := bsStart(t, "srtp-mand", pki)
		untrusting := *tlsCfg
		untrusting.CAFile = other.caFile
		g := bsStartGateway(t, "mandatory", fmt.Sprintf("sip:9000@127.0.0.1:%d;transport=tls", bs.sipPort+1), &untrusting)
		phone, _ := g.board.Phone(1)
		phone.OffHook()
		time.Sleep(300 * time.Millisecond)
		if err := phone.Dial("3000"); err != nil {
			t.Fatal(err)
		}
		bs.expectNoCall(4 * time.Second)
		if st := portState(g.gw, "2001"); st == gateway.PortConnected {
			t.Errorf("port 2001 connected to a peer whose certificate chains to an untrusted CA")
		}
		phone.OnHook()
	})
}

// expectNoCall fails if baresip reports any call within d.
func (bs *bsBaresip) expectNoCall(d time.Duration) {
	bs.t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case m, ok := <-bs.events:
			if !ok {
				return
			}
			if typ, _ := m["type"].(string); strings.HasPrefix(typ, "CALL_") {
				bs.t.Errorf("baresip reported %s from a gateway that should not have reached it", typ)
				return
			}
		case <-timer.C:
			return
		}
	}
}
