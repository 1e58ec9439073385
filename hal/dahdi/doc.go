// Package dahdi is the real hardware backend of the hal contract: telephony
// cards (analog FXS/FXO, E1/T1, BRI) driven through the Linux DAHDI kernel
// driver, in pure Go with golang.org/x/sys/unix (no cgo).
//
// # How it works
//
// Open opens /dev/dahdi/ctl and enumerates the driver: DAHDI_SPANSTAT for
// every span, DAHDI_GET_PARAMS for every channel number. Spans with
// configured channels become hal spans numbered 1..n in DAHDI's order; a
// channel's hal number is its position in its span. The signalling type
// decides the hal kind (DAHDI names signalling after the far end):
// fxoks/fxols/fxogs is an FXS port, fxsks/fxsls/fxsgs an FXO port, clear
// (bchan) a B-channel, HDLC with FCS (dchan, hardhdlc) a D-channel.
// Scan and FormatConfig describe what the driver has and print a starter
// tipring configuration (`tipring hw scan`).
//
// # Span configuration
//
// Spans and channels are configured by dahdi_cfg from system.conf, not by
// the daemon: Plan derives a SystemConf from a Scan the way dahdi_genconf
// does (configured channels keep their signalling; FXS modules get fxoks,
// FXO modules fxsks, E1/T1 spans B-channels and a D-channel; channels that
// could run anything take PlanOptions.Signalling; dahdi_dynamic_loc spans
// are recreated from their names), and WriteDynamic and WriteSystem write
// dynamic.conf and system.conf. Running dahdi_cfg is the installer's step
// (the system's dahdi service, or ExecStartPre= of tipringd's unit), once
// at boot and after a change: it needs root, it applies to every span at
// once, and reconfiguring a span under running calls drops them. tipringd
// runs unprivileged with access to /dev/dahdi, opens whatever is
// configured, and never changes the span configuration. When there are
// dynamic spans, dahdi_cfg runs twice, dynamic.conf first, because it
// sends span configuration before it creates dynamic spans.
//
// Span.Open opens /dev/dahdi/channel with O_NONBLOCK, binds it with
// DAHDI_SPECIFY, sets the buffers (DAHDI_SET_BUFINFO: one frame per buffer,
// Config.Buffers of them; receive starts at once, transmit once half full)
// and linear mode (DAHDI_SETLINEAR, after DAHDI_AUDIOMODE on a clear
// channel), and only then wraps the descriptor with os.NewFile so that the
// Go runtime poller drives it: ReadFrame blocks in the poller until the
// card's clock delivers a block, and Close from another goroutine unblocks
// it. Later ioctls go through syscall.RawConn.Control.
//
// Signalling: a read or write fails with errno 500 (ELAST) while an event
// is queued; the backend then drains DAHDI_GETEVENT into the channel's
// queue and retries. PollEvent drains the same way. Events map to the hal
// as follows.
//
//   - FXS port: RINGOFFHOOK is EventOffHook, and the backend answers it
//     with DAHDI_HOOK OFFHOOK (the ring trip: DAHDI's robbed-bit code stops
//     a cadence by itself only before the first burst); ONHOOK (reported
//     after rxflashtime, 1.25 s) is EventOnHook and is answered with
//     DAHDI_HOOK ONHOOK; a shorter break is WINKFLASH, EventFlash, or a
//     PULSEDIGIT. RINGERON/RINGEROFF are the cadence's bursts; DAHDI
//     reports none for the first burst, so Hook(HookRing) reports
//     EventRingerOn itself, and Hook(HookRingOff) reports EventRingerOff
//     when a burst was sounding. Hook(HookRing) fails while the phone is
//     off hook; after a disconnect it ends the 800 ms kewlstart battery
//     drop (DAHDI_KEWLTIME + DAHDI_AFTERKEWLTIME) that would make DAHDI
//     answer EBUSY.
//   - FXO port: ringing is read from the receive hook state
//     (DAHDI_GET_PARAMS rxhooksig == DAHDI_RXSIG_RING, sampled at most
//     every 5 ms from PollEvent): EventRingBegin at the first sample,
//     EventRingEnd 100 ms after the last. DAHDI's own RINGBEGIN and
//     RINGOFFHOOK events are not used: both are suppressed for 2 s
//     (RING_DEBOUNCE_TIME) after every hangup, and open() hangs up. ONHOOK
//     is loss of loop current (EventOnHook); it is only seen once the
//     port's 600 ms off-hook debounce (DAHDI_DEFAULT_DEBOUNCETIME) is over.
//   - Every channel: ALARM/NOALARM become EventAlarm (with the channel's
//     alarms from DAHDI_GET_PARAMS) and EventNoAlarm, POLARITY becomes
//     EventPolarity, HOOKCOMPLETE EventHookComplete. Buffer overruns and
//     underruns (DAHDI_BUFFER_EVENTS) and HDLC aborts or bad FCS are counted
//     in Stats.
//
// D-channels run the driver's HDLC with FCS: ReadHDLC strips the two FCS
// octets a read returns, WriteHDLC appends two octets for the driver to
// fill. The software HDLC transmitter drops a frame written within about
// 2 ms of open(), so writes wait until 20 ms after open.
//
// Optional capabilities: every audio channel is a hal.Gainer (gain tables
// for the channel's law, DAHDI_SETGAINS); FXS ports are hal.RingCadencer
// (DAHDI_SETCADENCE), and hal.PolarityReverser / hal.VMWIIndicator when the
// card driver accepts DAHDI_SETPOLARITY / DAHDI_VMWI (probed at open with
// the idle values). An audio channel is a hal.EchoCanceller when the
// driver has an echo canceller for it: the card's own (HWEC) or a kernel
// module given to the channel by echocanceller= in system.conf. Only sysfs
// tells (ec_factory under /sys/bus/dahdi_channels/devices, Config.SysDir):
// DAHDI_ECHOCANCEL_PARAMS succeeds and does nothing on a channel without
// one. SetEchoCancel takes the tail lengths the driver takes, 32 to 1024
// taps.
//
// Every ioctl number and struct layout comes from include/dahdi/user.h of
// Debian's dahdi-source 2.11.1 (abi.go). TestABIMatchesHeader compares them
// with a C program compiled from that header (scripts/dahdi-vm/abi.c) in
// the test guest.
//
// # Testing against the real driver
//
// make test-dahdi (scripts/dahdi-vm/run.sh) builds the DAHDI modules from
// Debian's dahdi-source for Debian's kernel, boots them in qemu (TCG) with
// four dahdi_dynamic_loc spans linked back to back in pairs, and runs this
// package's tests there: hal/haltest with the linked channel as the far end,
// plus tone, hook, ring, rotary pulse, loop-current drop, polarity, HDLC
// and echo canceller tests measured across the driver, and Plan's
// configuration applied again with dahdi_cfg; then
// internal/dahdie2e runs tipringd on this backend and calls through it.
// Facts learnt there:
//
//   - dahdi_cfg sends span configuration before it creates dynamic spans:
//     create them in a first pass of their own. Debian's tree defaults
//     auto_assign_spans=0 (for udev); without udev load dahdi with
//     auto_assign_spans=1. dahdi_cfg 3.x needs /dev/shm.
//   - DAHDI_HOOK RING needs a tone zone (loadzone/defaultzone), else
//     ENODATA.
//   - A channel opens once; a second DAHDI_SPECIFY fails with EBUSY.
//   - dahdi_dynamic hands a channel's receive bits to dahdi_rbsbits with
//     the neighbouring channel's nibble above them: mask rxbits with 0xf.
//   - The on-hook timer of an FXS port runs on across close and open: a
//     phone that goes on hook and off again within 1.25 s is flashing,
//     whoever opened the port in between.
//   - dahdi_dynamic claims every line code (AMI, B8ZS, HDB3) in
//     linecompat. The kernel's software cancellers run on dynamic spans
//     too: a Geigel double-talk detector sees a return loss near
//     6 dB as double talk and never adapts. Across a linked pair MG2
//     cancels 40 dB and more of a 12 dB echo once it has converged, and
//     starts over whenever the user-space loop that makes the echo slips
//     a frame.
//   - Rotary dialling on an fxoks port is counted by DAHDI itself: a
//     break of 15-200 ms is a pulse, and the digit comes as
//     DAHDI_EVENT_PULSEDIGIT 250 ms after the last make (EventPulseDigit;
//     DAHDI_EVENT_PULSE_START is dropped). A break of 200 ms to 1.25 s is
//     DAHDI_EVENT_WINKFLASH (EventFlash), a longer one ONHOOK. Pulses made
//     with hook commands from user space under TCG can stretch past 200 ms
//     and turn into flashes.
//   - Loop-current drop crosses a robbed-bit span: an on-hook command on
//     an fxoks port with the phone off hook is kewlstart's 500 ms battery
//     drop, and the fxsks side reports ONHOOK (EventOnHook) within a few
//     ms, once its own 600 ms seize debounce is over. The current's
//     return is not reported (fxsks only reacts to on-hook bits).
//   - Polarity cannot be signalled on dynamic (or any robbed-bit) spans:
//     DAHDI_SETPOLARITY and DAHDI_VMWI go to the span's ioctl hook, which
//     dahdi_dynamic lacks (ENOTTY), and DAHDI_EVENT_POLARITY is queued only
//     by analog card drivers (wctdm24xxp, wcaxx and the like). Such ports
//     are therefore no hal.PolarityReverser or hal.VMWIIndicator, FXO
//     ports never report EventPolarity, and features built on polarity
//     (reverse on answer, answer or disconnect supervision by polarity,
//     ETSI line-reversal caller ID) need an analog card.
//   - Under TCG the guest boots in about 3 s; audio crosses a linked pair
//     within a few frames and measures -9.99 dBm0 for a -10 dBm0 tone.
//
// # Concurrency
//
// A Board may be used from any goroutine. A channel belongs to one
// goroutine (its channel loop) as the hal contract says; Close may be called
// from any goroutine, and ReadHDLC and WriteHDLC may run in two goroutines
// at once. The event queue is guarded by a mutex, so the far end of a test
// may drive Hook from another goroutine than the reader.
package dahdi
