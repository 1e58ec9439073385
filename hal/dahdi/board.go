//go:build linux

package dahdi

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"tipring/hal"
)

// Board is the set of configured DAHDI spans, opened as one hal.Board.
type Board struct {
	cfg    Config
	log    *slog.Logger
	ctl    *os.File
	frameN int
	spans  []*span

	mu     sync.Mutex
	open   map[*channel]struct{}
	closed bool
}

var _ hal.Board = (*Board)(nil)

// span is one DAHDI span seen through the hal.
type span struct {
	b       *Board
	dahdiNo int // DAHDI's span number
	info    hal.SpanInfo
	chans   map[int]chanDesc // by position in the span
}

// chanDesc is what enumeration learned about one channel.
type chanDesc struct {
	info   hal.ChannelInfo
	channo int   // DAHDI's global channel number
	spanno int   // DAHDI's span number
	sig    int32 // DAHDI_SIG_*
}

// Open opens the DAHDI control device, enumerates the configured spans and
// channels, and returns them as a hal.Board. Spans are numbered 1..n in the
// order of DAHDI's span numbers; a channel's number is its position in its
// span. Channels without a signalling type (not configured) are left out.
func Open(cfg Config) (*Board, error) {
	if cfg.DevDir == "" {
		cfg.DevDir = "/dev/dahdi"
	}
	if cfg.SysDir == "" {
		cfg.SysDir = "/sys/bus/dahdi_channels/devices"
	}
	if cfg.FrameMs == 0 {
		cfg.FrameMs = 20
	}
	switch cfg.FrameMs {
	case 10, 20, 30:
	default:
		return nil, fmt.Errorf("hal/dahdi: frame of %d ms: want 10, 20 or 30", cfg.FrameMs)
	}
	if cfg.Buffers == 0 {
		cfg.Buffers = 4
	}
	if cfg.Buffers < 2 || cfg.Buffers > 16 {
		return nil, fmt.Errorf("hal/dahdi: %d buffers: want 2 to 16", cfg.Buffers)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctl, err := os.OpenFile(filepath.Join(cfg.DevDir, "ctl"), os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hal/dahdi: %w", err)
	}
	b := &Board{cfg: cfg, log: log, ctl: ctl, frameN: cfg.FrameMs * hal.SamplesPerMs, open: map[*channel]struct{}{}}
	spans, err := enumerate(ctl)
	if err != nil {
		ctl.Close()
		return nil, fmt.Errorf("hal/dahdi: %w", err)
	}
	for _, sd := range spans {
		if len(sd.chans) == 0 {
			continue
		}
		sp := &span{b: b, dahdiNo: int(sd.info.Spanno), chans: map[int]chanDesc{}}
		sp.info = hal.SpanInfo{Number: len(b.spans) + 1, Name: cString(sd.info.Name[:]), Type: spanType(sd)}
		for _, p := range sd.chans {
			k, ok := kindOf(p.Sigtype)
			if !ok {
				continue
			}
			ci := hal.ChannelInfo{Span: sp.info.Number, Chan: int(p.Chanpos), Kind: k}
			ci.Name = fmt.Sprintf("%s/%d/%d", k, ci.Span, ci.Chan)
			sp.chans[ci.Chan] = chanDesc{info: ci, channo: int(p.Channo), spanno: sp.dahdiNo, sig: p.Sigtype}
			sp.info.Channels = append(sp.info.Channels, ci)
		}
		if len(sp.info.Channels) == 0 {
			continue
		}
		b.spans = append(b.spans, sp)
	}
	if len(b.spans) == 0 {
		ctl.Close()
		return nil, fmt.Errorf("hal/dahdi: no configured spans under %s (run dahdi_cfg first)", cfg.DevDir)
	}
	return b, nil
}

// enumerate lists every span (DAHDI_SPANSTAT) and every channel
// (DAHDI_GET_PARAMS by number) through the control device.
func enumerate(ctl *os.File) ([]spanDesc, error) {
	var spans []spanDesc
	total, want := -1, 0
	for n := 1; n <= 128 && (total < 0 || len(spans) < total); n++ {
		var si dahdiSpanInfo
		si.Spanno = int32(n)
		if err := fileIoctl(ctl, ioctlSpanStat, unsafe.Pointer(&si)); err != nil {
			continue
		}
		total = int(si.Totalspans)
		want += int(si.Totalchans)
		spans = append(spans, spanDesc{info: si})
	}
	byNo := map[int32]int{}
	for i, s := range spans {
		byNo[s.info.Spanno] = i
	}
	found := 0
	for c := 1; c <= 1024 && found < want; c++ {
		var p dahdiParams
		p.Channo = int32(c)
		if err := fileIoctl(ctl, ioctlGetParams, unsafe.Pointer(&p)); err != nil {
			continue
		}
		i, ok := byNo[p.Spanno]
		if !ok {
			continue // pseudo channel
		}
		found++
		spans[i].chans = append(spans[i].chans, p)
	}
	for i := range spans {
		sort.Slice(spans[i].chans, func(a, b int) bool { return spans[i].chans[a].Chanpos < spans[i].chans[b].Chanpos })
	}
	return spans, nil
}

// Scan enumerates every span and channel of the driver under devDir
// (default "/dev/dahdi"), configured or not, for `tipring hw scan`.
func Scan(devDir string) (*ScanReport, error) {
	if devDir == "" {
		devDir = "/dev/dahdi"
	}
	ctl, err := os.OpenFile(filepath.Join(devDir, "ctl"), os.O_RDWR|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("hal/dahdi: scan: %w", err)
	}
	defer ctl.Close()
	spans, err := enumerate(ctl)
	if err != nil {
		return nil, fmt.Errorf("hal/dahdi: scan: %w", err)
	}
	r := report(devDir, spans)
	var v dahdiVersionInfo
	if err := fileIoctl(ctl, ioctlGetVersion, unsafe.Pointer(&v)); err == nil {
		r.Version, r.EchoCancellers = cString(v.Version[:]), cString(v.EchoCanceller[:])
	}
	return r, nil
}

// Name returns "dahdi".
func (b *Board) Name() string { return "dahdi" }

// Spans returns the configured spans.
func (b *Board) Spans() []hal.Span {
	out := make([]hal.Span, len(b.spans))
	for i, s := range b.spans {
		out[i] = s
	}
	return out
}

// FrameSamples is the frame length of every audio channel of the board.
func (b *Board) FrameSamples() int { return b.frameN }

// Version returns the driver version and its echo cancellers
// (DAHDI_GETVERSION).
func (b *Board) Version() (version, echoCancellers string, err error) {
	var v dahdiVersionInfo
	if err := b.ctlIoctl(ioctlGetVersion, unsafe.Pointer(&v)); err != nil {
		return "", "", fmt.Errorf("hal/dahdi: version: %w", err)
	}
	return cString(v.Version[:]), cString(v.EchoCanceller[:]), nil
}

// Close closes every open channel and the control device.
func (b *Board) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return errors.New("hal/dahdi: board already closed")
	}
	b.closed = true
	open := make([]*channel, 0, len(b.open))
	for c := range b.open {
		open = append(open, c)
	}
	b.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
	return b.ctl.Close()
}

func (b *Board) ctlIoctl(req uint32, arg unsafe.Pointer) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return os.ErrClosed
	}
	return fileIoctl(b.ctl, req, arg)
}

func (b *Board) forget(c *channel) {
	b.mu.Lock()
	delete(b.open, c)
	b.mu.Unlock()
}

func (s *span) Info() hal.SpanInfo {
	info := s.info
	info.Channels = append([]hal.ChannelInfo(nil), s.info.Channels...)
	return info
}

// Status reads the span's alarms and counters (DAHDI_SPANSTAT).
func (s *span) Status() hal.SpanStatus {
	var si dahdiSpanInfo
	si.Spanno = int32(s.dahdiNo)
	if err := s.b.ctlIoctl(ioctlSpanStat, unsafe.Pointer(&si)); err != nil {
		return hal.SpanStatus{Alarms: hal.AlarmNotOpen}
	}
	return hal.SpanStatus{
		Alarms:     alarmsFromDAHDI(uint32(si.Alarms)),
		BPVCount:   uint64(uint32(si.Bpvcount)),
		CRC4Errors: uint64(uint32(si.Crc4count)),
		SyncSource: int(si.Syncsrc) == s.dahdiNo,
	}
}

// fileIoctl runs one ioctl on f's descriptor.
func fileIoctl(f *os.File, req uint32, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rawIoctl(rc, req, arg)
}

func rawIoctl(rc syscall.RawConn, req uint32, arg unsafe.Pointer) error {
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall(unix.SYS_IOCTL, fd, uintptr(req), uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// fdIoctl runs one ioctl on a raw descriptor, before it is handed to the
// runtime poller.
func fdIoctl(fd int, req uint32, arg unsafe.Pointer) error {
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg)); errno != 0 {
		return errno
	}
	return nil
}
