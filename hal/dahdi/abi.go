package dahdi

// The DAHDI user-space ABI, transcribed from include/dahdi/user.h of the
// Debian package dahdi-source (2.11.1). Every number and layout here is
// checked twice: against the values below in abi_test.go, and in the qemu
// guest against a C program compiled from the header itself
// (scripts/dahdi-vm/abi.c, see TestABIMatchesHeader).

// ioctl request encoding of asm-generic/ioctl.h (x86, arm, arm64, riscv):
// dir in bits 30-31, size in bits 16-29, type in 8-15, number in 0-7.
const (
	iocWrite = 1
	iocRead  = 2

	dahdiCode = 0xDA // DAHDI_CODE
	sizeofInt = 4
)

func ioc(dir, nr, size uint32) uint32 { return dir<<30 | size<<16 | dahdiCode<<8 | nr }

// Struct sizes as the kernel copies them (dahdi_spaninfo is packed).
const (
	sizeofParams        = 136
	sizeofSpanInfo      = 314
	sizeofGains         = 516
	sizeofBufferInfo    = 24
	sizeofRingCadence   = 64
	sizeofEchoCanParams = 8
	sizeofVersionInfo   = 160
	sizeofLineConfig    = 36
	sizeofChanConfig    = 76
	sizeofDynamicSpan   = 72
)

// ioctl requests (user.h "ioctl definitions").
var (
	ioctlGetBlocksize  = ioc(iocRead, 1, sizeofInt)                   // DAHDI_GET_BLOCKSIZE
	ioctlSetBlocksize  = ioc(iocWrite, 1, sizeofInt)                  // DAHDI_SET_BLOCKSIZE
	ioctlFlush         = ioc(iocWrite, 3, sizeofInt)                  // DAHDI_FLUSH
	ioctlGetParams     = ioc(iocRead|iocWrite, 5, sizeofParams)       // DAHDI_GET_PARAMS
	ioctlSetParams     = ioc(iocWrite, 5, sizeofParams)               // DAHDI_SET_PARAMS
	ioctlHook          = ioc(iocWrite, 7, sizeofInt)                  // DAHDI_HOOK
	ioctlGetEvent      = ioc(iocRead, 8, sizeofInt)                   // DAHDI_GETEVENT
	ioctlSpanStat      = ioc(iocRead|iocWrite, 10, sizeofSpanInfo)    // DAHDI_SPANSTAT
	ioctlGetGains      = ioc(iocRead|iocWrite, 16, sizeofGains)       // DAHDI_GETGAINS
	ioctlSetGains      = ioc(iocWrite, 16, sizeofGains)               // DAHDI_SETGAINS
	ioctlSpanConfig    = ioc(iocWrite, 18, sizeofLineConfig)          // DAHDI_SPANCONFIG
	ioctlChanConfig    = ioc(iocWrite, 19, sizeofChanConfig)          // DAHDI_CHANCONFIG
	ioctlGetBufInfo    = ioc(iocRead, 27, sizeofBufferInfo)           // DAHDI_GET_BUFINFO
	ioctlSetBufInfo    = ioc(iocWrite, 27, sizeofBufferInfo)          // DAHDI_SET_BUFINFO
	ioctlAudioMode     = ioc(iocWrite, 32, sizeofInt)                 // DAHDI_AUDIOMODE
	ioctlEchoCancel    = ioc(iocWrite, 33, sizeofEchoCanParams)       // DAHDI_ECHOCANCEL_PARAMS
	ioctlChanNo        = ioc(iocRead, 34, sizeofInt)                  // DAHDI_CHANNO
	ioctlHDLCFCSMode   = ioc(iocWrite, 37, sizeofInt)                 // DAHDI_HDLCFCSMODE
	ioctlSpecify       = ioc(iocWrite, 38, sizeofInt)                 // DAHDI_SPECIFY
	ioctlSetLaw        = ioc(iocWrite, 39, sizeofInt)                 // DAHDI_SETLAW
	ioctlSetLinear     = ioc(iocWrite, 40, sizeofInt)                 // DAHDI_SETLINEAR
	ioctlSetCadence    = ioc(iocWrite, 42, sizeofRingCadence)         // DAHDI_SETCADENCE
	ioctlGetRxBits     = ioc(iocRead, 43, sizeofInt)                  // DAHDI_GETRXBITS
	ioctlGetVersion    = ioc(iocRead, 57, sizeofVersionInfo)          // DAHDI_GETVERSION
	ioctlDynamicCreate = ioc(iocRead|iocWrite, 80, sizeofDynamicSpan) // DAHDI_DYNAMIC_CREATE
	ioctlSetPolarity   = ioc(iocWrite, 92, sizeofInt)                 // DAHDI_SETPOLARITY
	ioctlVMWI          = ioc(iocRead|iocWrite, 94, sizeofInt)         // DAHDI_VMWI
	ioctlStartup       = ioc(iocWrite, 99, sizeofInt)                 // DAHDI_STARTUP
	ioctlShutdown      = ioc(iocWrite, 100, sizeofInt)                // DAHDI_SHUTDOWN
	ioctlBufferEvents  = ioc(iocWrite, 105, sizeofInt)                // DAHDI_BUFFER_EVENTS
)

// abiIoctls names every request for the cross-check against the header.
var abiIoctls = map[string]uint32{
	"DAHDI_GET_BLOCKSIZE":     ioctlGetBlocksize,
	"DAHDI_SET_BLOCKSIZE":     ioctlSetBlocksize,
	"DAHDI_FLUSH":             ioctlFlush,
	"DAHDI_GET_PARAMS":        ioctlGetParams,
	"DAHDI_SET_PARAMS":        ioctlSetParams,
	"DAHDI_HOOK":              ioctlHook,
	"DAHDI_GETEVENT":          ioctlGetEvent,
	"DAHDI_SPANSTAT":          ioctlSpanStat,
	"DAHDI_GETGAINS":          ioctlGetGains,
	"DAHDI_SETGAINS":          ioctlSetGains,
	"DAHDI_SPANCONFIG":        ioctlSpanConfig,
	"DAHDI_CHANCONFIG":        ioctlChanConfig,
	"DAHDI_GET_BUFINFO":       ioctlGetBufInfo,
	"DAHDI_SET_BUFINFO":       ioctlSetBufInfo,
	"DAHDI_AUDIOMODE":         ioctlAudioMode,
	"DAHDI_ECHOCANCEL_PARAMS": ioctlEchoCancel,
	"DAHDI_CHANNO":            ioctlChanNo,
	"DAHDI_HDLCFCSMODE":       ioctlHDLCFCSMode,
	"DAHDI_SPECIFY":           ioctlSpecify,
	"DAHDI_SETLAW":            ioctlSetLaw,
	"DAHDI_SETLINEAR":         ioctlSetLinear,
	"DAHDI_SETCADENCE":        ioctlSetCadence,
	"DAHDI_GETRXBITS":         ioctlGetRxBits,
	"DAHDI_GETVERSION":        ioctlGetVersion,
	"DAHDI_DYNAMIC_CREATE":    ioctlDynamicCreate,
	"DAHDI_SETPOLARITY":       ioctlSetPolarity,
	"DAHDI_VMWI":              ioctlVMWI,
	"DAHDI_STARTUP":           ioctlStartup,
	"DAHDI_SHUTDOWN":          ioctlShutdown,
	"DAHDI_BUFFER_EVENTS":     ioctlBufferEvents,
}

// DAHDI_HOOK arguments.
const (
	hookOnHook  = 0 // DAHDI_ONHOOK
	hookOffHook = 1 // DAHDI_OFFHOOK
	hookWink    = 2 // DAHDI_WINK
	hookFlash   = 3 // DAHDI_FLASH
	hookStart   = 4 // DAHDI_START
	hookRing    = 5 // DAHDI_RING
	hookRingOff = 6 // DAHDI_RINGOFF
)

// DAHDI_FLUSH arguments.
const (
	flushRead  = 1 // DAHDI_FLUSH_READ
	flushWrite = 2 // DAHDI_FLUSH_WRITE
	flushEvent = 4 // DAHDI_FLUSH_EVENT
	flushAll   = flushRead | flushWrite | flushEvent
)

// Buffer policies (DAHDI_POLICY_*).
const (
	policyImmediate = 0
	policyWhenFull  = 1
	policyHalfFull  = 2
)

// Laws (DAHDI_LAW_*).
const (
	lawDefault = 0
	lawMulaw   = 1
	lawAlaw    = 2
)

// Events returned by DAHDI_GETEVENT (DAHDI_EVENT_*).
const (
	eventNone          = 0
	eventOnHook        = 1
	eventRingOffHook   = 2
	eventWinkFlash     = 3
	eventAlarm         = 4
	eventNoAlarm       = 5
	eventAbort         = 6
	eventOverrun       = 7
	eventBadFCS        = 8
	eventDialComplete  = 9
	eventRingerOn      = 10
	eventRingerOff     = 11
	eventHookComplete  = 12
	eventBitsChanged   = 13
	eventPulseStart    = 14
	eventPolarity      = 17
	eventRingBegin     = 18
	eventRemoved       = 20
	eventReadOverrun   = 29
	eventWriteUnderrun = 30
	eventPulseDigit    = 1 << 16 // OR'd with the digit
	eventDTMFDown      = 1 << 17
	eventDTMFUp        = 1 << 18
)

// Signalling types (DAHDI_SIG_*).
const (
	sigFXOBit   = 1 << 12 // __DAHDI_SIG_FXO
	sigFXSBit   = 1 << 13 // __DAHDI_SIG_FXS
	sigNone     = 0
	sigFXSLS    = 1<<0 | sigFXSBit
	sigFXSGS    = 1<<1 | sigFXSBit
	sigFXSKS    = 1<<2 | sigFXSBit
	sigFXOLS    = 1<<3 | sigFXOBit
	sigFXOGS    = 1<<4 | sigFXOBit
	sigFXOKS    = 1<<5 | sigFXOBit
	sigEM       = 1 << 6
	sigClear    = 1 << 7
	sigHDLCRaw  = 1<<8 | sigClear
	sigHDLCFCS  = 1<<9 | sigHDLCRaw
	sigHDLCNet  = 1<<10 | sigHDLCFCS
	sigSlave    = 1 << 11
	sigSF       = 1 << 14
	sigCAS      = 1 << 15
	sigDACSBit  = 1 << 16
	sigDACS     = sigDACSBit | sigClear
	sigEME1     = 1 << 17
	sigDACSRBS  = 1<<18 | sigDACSBit
	sigHardHDLC = 1<<19 | sigClear
	sigMTP2     = 1<<20 | sigHDLCFCS
)

// Alarm bits (DAHDI_ALARM_*).
const (
	alarmRecover  = 1 << 0
	alarmLoopback = 1 << 1
	alarmYellow   = 1 << 2
	alarmRed      = 1 << 3
	alarmBlue     = 1 << 4
	alarmNotOpen  = 1 << 5
)

// Receive hook states of enum dahdi_rxsig (include/dahdi/kernel.h), as
// reported in dahdiParams.Rxhooksig.
const (
	rxsigOnHook = 0 // DAHDI_RXSIG_ONHOOK
	rxsigRing   = 3 // DAHDI_RXSIG_RING
)

// maxCadence is DAHDI_MAX_CADENCE.
const maxCadence = 16

// errnoELAST is the errno a channel read or write fails with while an event
// is queued (user.h defines ELAST as 500 where libc does not).
const errnoELAST = 500

// dahdiParams is struct dahdi_params.
type dahdiParams struct {
	Channo         int32
	Spanno         int32
	Chanpos        int32
	Sigtype        int32
	Sigcap         int32
	Rxisoffhook    int32
	Rxbits         int32
	Txbits         int32
	Txhooksig      int32
	Rxhooksig      int32
	Curlaw         int32
	Idlebits       int32
	Name           [40]byte
	Prewinktime    int32
	Preflashtime   int32
	Winktime       int32
	Flashtime      int32
	Starttime      int32
	Rxwinktime     int32
	Rxflashtime    int32
	Debouncetime   int32
	Pulsebreaktime int32
	Pulsemaketime  int32
	Pulseaftertime int32
	ChanAlarms     uint32
}

// dahdiSpanInfo is struct dahdi_spaninfo. The C struct is packed to 314
// bytes; every field happens to sit on its natural alignment, so the Go
// struct has the same offsets and only two bytes of tail padding more.
type dahdiSpanInfo struct {
	Spanno       int32
	Name         [20]byte
	Desc         [40]byte
	Alarms       int32
	Txlevel      int32
	Rxlevel      int32
	Bpvcount     int32
	Crc4count    int32
	Ebitcount    int32
	Fascount     int32
	Fecount      uint32
	Cvcount      uint32
	Becount      uint32
	Prbs         uint32
	Errsec       uint32
	Irqmisses    int32
	Syncsrc      int32
	Numchans     int32
	Totalchans   int32
	Totalspans   int32
	Lbo          int32
	Lineconfig   int32
	Lboname      [40]byte
	Location     [40]byte
	Manufacturer [40]byte
	Devicetype   [40]byte
	Irq          int32
	Linecompat   int32
	Spantype     [6]byte
}

// dahdiGains is struct dahdi_gains.
type dahdiGains struct {
	Chan   int32
	Rxgain [256]byte
	Txgain [256]byte
}

// dahdiBufferInfo is struct dahdi_bufferinfo.
type dahdiBufferInfo struct {
	Txbufpolicy int32
	Rxbufpolicy int32
	Numbufs     int32
	Bufsize     int32
	Readbufs    int32
	Writebufs   int32
}

// dahdiRingCadence is struct dahdi_ring_cadence (milliseconds, on first).
type dahdiRingCadence struct {
	Ringcadence [maxCadence]int32
}

// dahdiEchoCanParams is struct dahdi_echocanparams without trailing
// parameters.
type dahdiEchoCanParams struct {
	TapLength  uint32
	ParamCount uint32
}

// dahdiVersionInfo is struct dahdi_versioninfo.
type dahdiVersionInfo struct {
	Version       [80]byte
	EchoCanceller [80]byte
}

// dahdiLineConfig is struct dahdi_lineconfig.
type dahdiLineConfig struct {
	Span       int32
	Name       [20]byte
	Lbo        int32
	Lineconfig int32
	Sync       int32
}

// dahdiChanConfig is struct dahdi_chanconfig.
type dahdiChanConfig struct {
	Chan       int32
	Name       [40]byte
	Sigtype    int32
	Deflaw     int32
	Master     int32
	Idlebits   int32
	NetdevName [16]byte
}

// dahdiDynamicSpan is struct dahdi_dynamic_span.
type dahdiDynamicSpan struct {
	Driver   [20]byte
	Addr     [40]byte
	Numchans int32
	Timing   int32
	Spanno   int32
}

// cString returns the NUL-terminated string in b.
func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// abiConsts names the constants for the cross-check against the header.
var abiConsts = map[string]int64{
	"DAHDI_ONHOOK": hookOnHook, "DAHDI_OFFHOOK": hookOffHook, "DAHDI_WINK": hookWink,
	"DAHDI_FLASH": hookFlash, "DAHDI_START": hookStart, "DAHDI_RING": hookRing,
	"DAHDI_RINGOFF":    hookRingOff,
	"DAHDI_FLUSH_READ": flushRead, "DAHDI_FLUSH_WRITE": flushWrite, "DAHDI_FLUSH_EVENT": flushEvent,
	"DAHDI_POLICY_IMMEDIATE": policyImmediate, "DAHDI_POLICY_WHEN_FULL": policyWhenFull,
	"DAHDI_POLICY_HALF_FULL": policyHalfFull,
	"DAHDI_LAW_DEFAULT":      lawDefault, "DAHDI_LAW_MULAW": lawMulaw, "DAHDI_LAW_ALAW": lawAlaw,
	"DAHDI_EVENT_NONE": eventNone, "DAHDI_EVENT_ONHOOK": eventOnHook,
	"DAHDI_EVENT_RINGOFFHOOK": eventRingOffHook, "DAHDI_EVENT_WINKFLASH": eventWinkFlash,
	"DAHDI_EVENT_ALARM": eventAlarm, "DAHDI_EVENT_NOALARM": eventNoAlarm,
	"DAHDI_EVENT_ABORT": eventAbort, "DAHDI_EVENT_OVERRUN": eventOverrun,
	"DAHDI_EVENT_BADFCS": eventBadFCS, "DAHDI_EVENT_DIALCOMPLETE": eventDialComplete,
	"DAHDI_EVENT_RINGERON": eventRingerOn, "DAHDI_EVENT_RINGEROFF": eventRingerOff,
	"DAHDI_EVENT_HOOKCOMPLETE": eventHookComplete, "DAHDI_EVENT_BITSCHANGED": eventBitsChanged,
	"DAHDI_EVENT_PULSE_START": eventPulseStart, "DAHDI_EVENT_POLARITY": eventPolarity,
	"DAHDI_EVENT_RINGBEGIN": eventRingBegin, "DAHDI_EVENT_REMOVED": eventRemoved,
	"DAHDI_EVENT_READ_OVERRUN": eventReadOverrun, "DAHDI_EVENT_WRITE_UNDERRUN": eventWriteUnderrun,
	"DAHDI_EVENT_PULSEDIGIT": eventPulseDigit, "DAHDI_EVENT_DTMFDOWN": eventDTMFDown,
	"DAHDI_EVENT_DTMFUP": eventDTMFUp,
	"DAHDI_SIG_NONE":     sigNone, "DAHDI_SIG_FXSLS": sigFXSLS, "DAHDI_SIG_FXSGS": sigFXSGS,
	"DAHDI_SIG_FXSKS": sigFXSKS, "DAHDI_SIG_FXOLS": sigFXOLS, "DAHDI_SIG_FXOGS": sigFXOGS,
	"DAHDI_SIG_FXOKS": sigFXOKS, "DAHDI_SIG_EM": sigEM, "DAHDI_SIG_CLEAR": sigClear,
	"DAHDI_SIG_HDLCRAW": sigHDLCRaw, "DAHDI_SIG_HDLCFCS": sigHDLCFCS, "DAHDI_SIG_HDLCNET": sigHDLCNet,
	"DAHDI_SIG_SLAVE": sigSlave, "DAHDI_SIG_SF": sigSF, "DAHDI_SIG_CAS": sigCAS,
	"DAHDI_SIG_DACS": sigDACS, "DAHDI_SIG_EM_E1": sigEME1, "DAHDI_SIG_DACS_RBS": sigDACSRBS,
	"DAHDI_SIG_HARDHDLC": sigHardHDLC, "DAHDI_SIG_MTP2": sigMTP2,
	"DAHDI_ALARM_RECOVER": alarmRecover, "DAHDI_ALARM_LOOPBACK": alarmLoopback,
	"DAHDI_ALARM_YELLOW": alarmYellow, "DAHDI_ALARM_RED": alarmRed, "DAHDI_ALARM_BLUE": alarmBlue,
	"DAHDI_ALARM_NOTOPEN": alarmNotOpen,
	"DAHDI_MAX_CADENCE":   maxCadence, "ELAST": errnoELAST,
}
