package hal

import (
	"errors"
	"fmt"
	"time"
)

// SampleRate is the TDM sampling rate of every channel, in samples per second.
const SampleRate = 8000

// SamplesPerMs is the number of samples in one millisecond of channel audio.
const SamplesPerMs = SampleRate / 1000

// SpanType says what kind of interface a span is.
type SpanType uint8

const (
	// SpanAnalog is a group of analog FXS/FXO ports.
	SpanAnalog SpanType = iota + 1
	// SpanE1 is a 2.048 Mbit/s digital span (30 B-channels + D or CAS).
	SpanE1
	// SpanT1 is a 1.544 Mbit/s digital span (23 B + D, or 24 robbed-bit).
	SpanT1
)

func (t SpanType) String() string {
	switch t {
	case SpanAnalog:
		return "analog"
	case SpanE1:
		return "E1"
	case SpanT1:
		return "T1"
	}
	return fmt.Sprintf("SpanType(%d)", t)
}

// ChanKind says what a channel is wired to, from the gateway's point of view.
type ChanKind uint8

const (
	// KindFXS is a port that feeds an analog phone: the card provides battery and
	// ringing voltage and reports the phone's hook switch (DAHDI "fxoks"
	// signalling, named after the far end).
	KindFXS ChanKind = iota + 1
	// KindFXO is a port that connects to a central-office line: the card seizes
	// the loop and reports ringing voltage (DAHDI "fxsks").
	KindFXO
	// KindBearer is a clear-channel digital B-channel on an E1/T1 span.
	KindBearer
	// KindDChannel is an HDLC signalling channel (ISDN D-channel, timeslot 16 on E1).
	KindDChannel
)

func (k ChanKind) String() string {
	switch k {
	case KindFXS:
		return "FXS"
	case KindFXO:
		return "FXO"
	case KindBearer:
		return "B"
	case KindDChannel:
		return "D"
	}
	return fmt.Sprintf("ChanKind(%d)", k)
}

// ChannelInfo describes one channel of a span.
type ChannelInfo struct {
	Span int      // span number, 1-based
	Chan int      // channel number within the span, 1-based
	Kind ChanKind // what the channel is wired to
	Name string   // human name, e.g. "FXS/1/1"
}

// SpanInfo describes one span of a board.
type SpanInfo struct {
	Number   int      // 1-based
	Name     string   // e.g. "sim/analog" or "TE4/0/1"
	Type     SpanType // analog, E1, T1
	Channels []ChannelInfo
}

// Alarm is a bit set of span alarms, after G.775 / DAHDI_ALARM_*.
type Alarm uint32

const (
	// AlarmRed is loss of signal or frame alignment at our receiver.
	AlarmRed Alarm = 1 << iota
	// AlarmYellow is the remote alarm indication: the far end sees red.
	AlarmYellow
	// AlarmBlue is the alarm indication signal (all ones) from upstream.
	AlarmBlue
	// AlarmLoopback means the span is in a loopback test mode.
	AlarmLoopback
	// AlarmRecover means an alarm cleared recently and the span is settling.
	AlarmRecover
	// AlarmNotOpen means the span is not configured or not running.
	AlarmNotOpen
)

func (a Alarm) String() string {
	if a == 0 {
		return "OK"
	}
	names := []string{"RED", "YELLOW", "BLUE", "LOOPBACK", "RECOVER", "NOTOPEN"}
	s := ""
	for i, n := range names {
		if a&(1<<i) != 0 {
			if s != "" {
				s += "|"
			}
			s += n
		}
	}
	return s
}

// SpanStatus is the live state of a span.
type SpanStatus struct {
	Alarms     Alarm
	BPVCount   uint64 // bipolar violations
	CRC4Errors uint64 // E1 CRC-4 errors
	SyncSource bool   // this span provides the board's timing
}

// Hook is a signalling command for a channel (DAHDI_HOOK arguments).
type Hook uint8

const (
	// HookOnHook releases an FXO line; on an FXS port it means stop everything
	// (ringing off, normal battery).
	HookOnHook Hook = iota + 1
	// HookOffHook seizes or answers an FXO line.
	HookOffHook
	// HookFlash sends a timed hook flash on an FXO line.
	HookFlash
	// HookRing starts ringing an FXS port with the channel's ring cadence.
	HookRing
	// HookRingOff stops ringing an FXS port.
	HookRingOff
	// HookWink sends a wink (E&M, CAS).
	HookWink
)

func (h Hook) String() string {
	switch h {
	case HookOnHook:
		return "onhook"
	case HookOffHook:
		return "offhook"
	case HookFlash:
		return "flash"
	case HookRing:
		return "ring"
	case HookRingOff:
		return "ringoff"
	case HookWink:
		return "wink"
	}
	return fmt.Sprintf("Hook(%d)", h)
}

// EventKind is the kind of a signalling event reported by a channel.
type EventKind uint8

const (
	// EventOffHook: on an FXS port the phone went off hook (DAHDI_EVENT_RINGOFFHOOK).
	EventOffHook EventKind = iota + 1
	// EventOnHook: on an FXS port the phone went on hook. On an FXO port it means
	// loop current was lost (kewlstart disconnect, CPC).
	EventOnHook
	// EventFlash: the backend itself classified a short on-hook as a hook flash
	// (DAHDI_EVENT_WINKFLASH). Backends that report raw hook transitions leave
	// classification to the telephony layer.
	EventFlash
	// EventPulseDigit: the backend decoded a rotary digit; Event.Digit holds it.
	EventPulseDigit
	// EventRingBegin: on an FXO port, ringing voltage appeared.
	EventRingBegin
	// EventRingEnd: on an FXO port, ringing voltage went away (end of one burst).
	EventRingEnd
	// EventRingerOn: on an FXS port, a ringing burst of our cadence started.
	EventRingerOn
	// EventRingerOff: on an FXS port, a ringing burst of our cadence ended.
	EventRingerOff
	// EventPolarity: the line's polarity reversed (Event.Reversed is the new state).
	EventPolarity
	// EventAlarm: the span entered an alarm state (Event.Alarms).
	EventAlarm
	// EventNoAlarm: the span alarms cleared.
	EventNoAlarm
	// EventHookComplete: a timed hook operation (flash, wink) finished.
	EventHookComplete
)

var eventNames = map[EventKind]string{
	EventOffHook: "offhook", EventOnHook: "onhook", EventFlash: "flash",
	EventPulseDigit: "pulsedigit", EventRingBegin: "ringbegin", EventRingEnd: "ringend",
	EventRingerOn: "ringeron", EventRingerOff: "ringeroff", EventPolarity: "polarity",
	EventAlarm: "alarm", EventNoAlarm: "noalarm", EventHookComplete: "hookcomplete",
}

func (k EventKind) String() string {
	if n, ok := eventNames[k]; ok {
		return n
	}
	return fmt.Sprintf("EventKind(%d)", k)
}

// Event is one signalling event from a channel.
type Event struct {
	Kind     EventKind
	Digit    byte  // EventPulseDigit: '0'..'9'
	Reversed bool  // EventPolarity: true when the line is now reversed
	Alarms   Alarm // EventAlarm
}

func (e Event) String() string {
	switch e.Kind {
	case EventPulseDigit:
		return fmt.Sprintf("pulsedigit(%c)", e.Digit)
	case EventAlarm:
		return "alarm(" + e.Alarms.String() + ")"
	}
	return e.Kind.String()
}

// Board is one telephony card (or the simulated one).
type Board interface {
	// Name identifies the board, e.g. "sim" or "dahdi".
	Name() string
	// Spans lists the board's spans in order.
	Spans() []Span
	// Close stops the board and closes every open channel.
	Close() error
}

// Span is a group of channels sharing a framer (analog card, E1, T1).
type Span interface {
	Info() SpanInfo
	Status() SpanStatus
	// Open claims one channel for exclusive use. Opening a channel that is
	// already open fails with ErrBusy.
	Open(chanNum int) (Channel, error)
}

// Channel is one open TDM channel: 8 kHz audio in frames plus signalling.
//
// Concurrency: a Channel is owned by one goroutine (the channel loop), which
// calls ReadFrame, WriteFrame, PollEvent and Hook. Close may be called from any
// goroutine and makes a blocked ReadFrame return ErrClosed.
type Channel interface {
	Info() ChannelInfo
	// FrameSamples is the number of samples in one frame (80 for 10 ms, 160 for 20 ms).
	FrameSamples() int
	// ReadFrame blocks until the next frame of received audio (linear 16-bit,
	// already decoded from the line's companding law) is available and copies it
	// into buf, which must hold exactly FrameSamples samples. The hardware's clock
	// paces every read: this is the only audio clock in the system.
	ReadFrame(buf []int16) error
	// WriteFrame queues one frame of audio for transmission. It must not block
	// for longer than one frame.
	WriteFrame(buf []int16) error
	// PollEvent returns the oldest pending signalling event, if any; it never blocks.
	PollEvent() (Event, bool)
	// Hook sends a signalling command. Commands that make no sense for the
	// channel's kind fail with ErrNotSupported.
	Hook(op Hook) error
	Close() error
}

// RingCadencer is implemented by FXS channels whose ring cadence can be set.
type RingCadencer interface {
	// SetRingCadence sets alternating on/off durations, starting with on.
	// The pattern repeats while the port rings.
	SetRingCadence(onOff []time.Duration) error
}

// PolarityReverser is implemented by FXS channels that can reverse line polarity.
type PolarityReverser interface {
	SetPolarity(reversed bool) error
}

// VMWIIndicator is implemented by FXS channels that can drive a message-waiting
// lamp (high voltage or neon).
type VMWIIndicator interface {
	SetVMWI(active bool) error
}

// Gainer is implemented by channels with adjustable receive and transmit gain.
type Gainer interface {
	SetGains(rxDB, txDB float64) error
}

// EchoCanceller is implemented by channels whose card has a hardware echo
// canceller. taps == 0 disables it.
type EchoCanceller interface {
	SetEchoCancel(taps int) error
}

// HDLC is implemented by D-channels: whole frames with the FCS checked and
// stripped by the backend.
type HDLC interface {
	// ReadHDLC blocks until a frame arrives and copies it into buf.
	ReadHDLC(buf []byte) (int, error)
	WriteHDLC(frame []byte) error
}

// Errors common to every backend. Wrap them in *ChannelError.
var (
	ErrClosed       = errors.New("channel closed")
	ErrBusy         = errors.New("channel busy")
	ErrNotSupported = errors.New("not supported")
	ErrNoChannel    = errors.New("no such channel")
	ErrFrameSize    = errors.New("wrong frame size")
	ErrAlarm        = errors.New("span in alarm")
)

// ChannelError records an error and the channel and operation that caused it.
type ChannelError struct {
	Span int
	Chan int
	Op   string
	Err  error
}

func (e *ChannelError) Error() string {
	return fmt.Sprintf("channel %d/%d: %s: %v", e.Span, e.Chan, e.Op, e.Err)
}

func (e *ChannelError) Unwrap() error { return e.Err }

// FrameDuration returns the duration of a frame of n samples.
func FrameDuration(n int) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}
