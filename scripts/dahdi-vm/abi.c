/*
 * Prints the DAHDI user-space ABI as compiled from include/dahdi/user.h:
 * ioctl request numbers, constants, struct sizes and field offsets, one
 * "kind name value" line each. hal/dahdi's TestABIMatchesHeader compares
 * them with the values the Go backend encodes. Built by
 * scripts/dahdi-vm/build.sh against the dahdi-source tree and run in the
 * guest, so the check covers the same compiler ABI the kernel module uses.
 */
#include <stdio.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <dahdi/user.h>

#define IOCTL(x) printf("ioctl %s 0x%08lX\n", #x, (unsigned long)(unsigned int)(x))
#define CONST(x) printf("const %s %ld\n", #x, (long)(x))
#define SIZE(s) printf("sizeof %s %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("offsetof %s.%s %zu\n", #s, #f, offsetof(struct s, f))

int main(void)
{
	IOCTL(DAHDI_GET_BLOCKSIZE);
	IOCTL(DAHDI_SET_BLOCKSIZE);
	IOCTL(DAHDI_FLUSH);
	IOCTL(DAHDI_GET_PARAMS);
	IOCTL(DAHDI_SET_PARAMS);
	IOCTL(DAHDI_HOOK);
	IOCTL(DAHDI_GETEVENT);
	IOCTL(DAHDI_SPANSTAT);
	IOCTL(DAHDI_GETGAINS);
	IOCTL(DAHDI_SETGAINS);
	IOCTL(DAHDI_SPANCONFIG);
	IOCTL(DAHDI_CHANCONFIG);
	IOCTL(DAHDI_GET_BUFINFO);
	IOCTL(DAHDI_SET_BUFINFO);
	IOCTL(DAHDI_AUDIOMODE);
	IOCTL(DAHDI_ECHOCANCEL_PARAMS);
	IOCTL(DAHDI_CHANNO);
	IOCTL(DAHDI_HDLCFCSMODE);
	IOCTL(DAHDI_SPECIFY);
	IOCTL(DAHDI_SETLAW);
	IOCTL(DAHDI_SETLINEAR);
	IOCTL(DAHDI_SETCADENCE);
	IOCTL(DAHDI_GETRXBITS);
	IOCTL(DAHDI_GETVERSION);
	IOCTL(DAHDI_DYNAMIC_CREATE);
	IOCTL(DAHDI_SETPOLARITY);
	IOCTL(DAHDI_VMWI);
	IOCTL(DAHDI_STARTUP);
	IOCTL(DAHDI_SHUTDOWN);
	IOCTL(DAHDI_BUFFER_EVENTS);

	CONST(DAHDI_ONHOOK); CONST(DAHDI_OFFHOOK); CONST(DAHDI_WINK);
	CONST(DAHDI_FLASH); CONST(DAHDI_START); CONST(DAHDI_RING);
	CONST(DAHDI_RINGOFF);
	CONST(DAHDI_FLUSH_READ); CONST(DAHDI_FLUSH_WRITE); CONST(DAHDI_FLUSH_EVENT);
	CONST(DAHDI_POLICY_IMMEDIATE); CONST(DAHDI_POLICY_WHEN_FULL);
	CONST(DAHDI_POLICY_HALF_FULL);
	CONST(DAHDI_LAW_DEFAULT); CONST(DAHDI_LAW_MULAW); CONST(DAHDI_LAW_ALAW);
	CONST(DAHDI_EVENT_NONE); CONST(DAHDI_EVENT_ONHOOK);
	CONST(DAHDI_EVENT_RINGOFFHOOK); CONST(DAHDI_EVENT_WINKFLASH);
	CONST(DAHDI_EVENT_ALARM); CONST(DAHDI_EVENT_NOALARM);
	CONST(DAHDI_EVENT_ABORT); CONST(DAHDI_EVENT_OVERRUN);
	CONST(DAHDI_EVENT_BADFCS); CONST(DAHDI_EVENT_DIALCOMPLETE);
	CONST(DAHDI_EVENT_RINGERON); CONST(DAHDI_EVENT_RINGEROFF);
	CONST(DAHDI_EVENT_HOOKCOMPLETE); CONST(DAHDI_EVENT_BITSCHANGED);
	CONST(DAHDI_EVENT_PULSE_START); CONST(DAHDI_EVENT_POLARITY);
	CONST(DAHDI_EVENT_RINGBEGIN); CONST(DAHDI_EVENT_REMOVED);
	CONST(DAHDI_EVENT_READ_OVERRUN); CONST(DAHDI_EVENT_WRITE_UNDERRUN);
	CONST(DAHDI_EVENT_PULSEDIGIT); CONST(DAHDI_EVENT_DTMFDOWN);
	CONST(DAHDI_EVENT_DTMFUP);
	CONST(DAHDI_SIG_NONE); CONST(DAHDI_SIG_FXSLS); CONST(DAHDI_SIG_FXSGS);
	CONST(DAHDI_SIG_FXSKS); CONST(DAHDI_SIG_FXOLS); CONST(DAHDI_SIG_FXOGS);
	CONST(DAHDI_SIG_FXOKS); CONST(DAHDI_SIG_EM); CONST(DAHDI_SIG_CLEAR);
	CONST(DAHDI_SIG_HDLCRAW); CONST(DAHDI_SIG_HDLCFCS); CONST(DAHDI_SIG_HDLCNET);
	CONST(DAHDI_SIG_SLAVE); CONST(DAHDI_SIG_SF); CONST(DAHDI_SIG_CAS);
	CONST(DAHDI_SIG_DACS); CONST(DAHDI_SIG_EM_E1); CONST(DAHDI_SIG_DACS_RBS);
	CONST(DAHDI_SIG_HARDHDLC); CONST(DAHDI_SIG_MTP2);
	CONST(DAHDI_ALARM_RECOVER); CONST(DAHDI_ALARM_LOOPBACK);
	CONST(DAHDI_ALARM_YELLOW); CONST(DAHDI_ALARM_RED); CONST(DAHDI_ALARM_BLUE);
	CONST(DAHDI_ALARM_NOTOPEN);
	CONST(DAHDI_MAX_CADENCE); CONST(ELAST);

	SIZE(dahdi_params);
	OFF(dahdi_params, channo); OFF(dahdi_params, spanno); OFF(dahdi_params, chanpos);
	OFF(dahdi_params, sigtype); OFF(dahdi_params, sigcap); OFF(dahdi_params, rxisoffhook);
	OFF(dahdi_params, rxbits); OFF(dahdi_params, txbits); OFF(dahdi_params, txhooksig);
	OFF(dahdi_params, rxhooksig); OFF(dahdi_params, curlaw); OFF(dahdi_params, idlebits);
	OFF(dahdi_params, name); OFF(dahdi_params, prewinktime); OFF(dahdi_params, preflashtime);
	OFF(dahdi_params, winktime); OFF(dahdi_params, flashtime); OFF(dahdi_params, starttime);
	OFF(dahdi_params, rxwinktime); OFF(dahdi_params, rxflashtime);
	OFF(dahdi_params, debouncetime); OFF(dahdi_params, pulsebreaktime);
	OFF(dahdi_params, pulsemaketime); OFF(dahdi_params, pulseaftertime);
	OFF(dahdi_params, chan_alarms);

	SIZE(dahdi_spaninfo);
	OFF(dahdi_spaninfo, spanno); OFF(dahdi_spaninfo, name); OFF(dahdi_spaninfo, desc);
	OFF(dahdi_spaninfo, alarms); OFF(dahdi_spaninfo, txlevel); OFF(dahdi_spaninfo, rxlevel);
	OFF(dahdi_spaninfo, bpvcount); OFF(dahdi_spaninfo, crc4count);
	OFF(dahdi_spaninfo, ebitcount); OFF(dahdi_spaninfo, fascount);
	OFF(dahdi_spaninfo, fecount); OFF(dahdi_spaninfo, cvcount); OFF(dahdi_spaninfo, becount);
	OFF(dahdi_spaninfo, prbs); OFF(dahdi_spaninfo, errsec); OFF(dahdi_spaninfo, irqmisses);
	OFF(dahdi_spaninfo, syncsrc); OFF(dahdi_spaninfo, numchans);
	OFF(dahdi_spaninfo, totalchans); OFF(dahdi_spaninfo, totalspans);
	OFF(dahdi_spaninfo, lbo); OFF(dahdi_spaninfo, lineconfig); OFF(dahdi_spaninfo, lboname);
	OFF(dahdi_spaninfo, location); OFF(dahdi_spaninfo, manufacturer);
	OFF(dahdi_spaninfo, devicetype); OFF(dahdi_spaninfo, irq);
	OFF(dahdi_spaninfo, linecompat); OFF(dahdi_spaninfo, spantype);

	SIZE(dahdi_gains);
	OFF(dahdi_gains, chan); OFF(dahdi_gains, rxgain); OFF(dahdi_gains, txgain);

	SIZE(dahdi_bufferinfo);
	OFF(dahdi_bufferinfo, txbufpolicy); OFF(dahdi_bufferinfo, rxbufpolicy);
	OFF(dahdi_bufferinfo, numbufs); OFF(dahdi_bufferinfo, bufsize);
	OFF(dahdi_bufferinfo, readbufs); OFF(dahdi_bufferinfo, writebufs);

	SIZE(dahdi_ring_cadence);
	OFF(dahdi_ring_cadence, ringcadence);

	SIZE(dahdi_echocanparams);
	OFF(dahdi_echocanparams, tap_length); OFF(dahdi_echocanparams, param_count);

	SIZE(dahdi_versioninfo);
	OFF(dahdi_versioninfo, version); OFF(dahdi_versioninfo, echo_canceller);

	SIZE(dahdi_lineconfig);
	OFF(dahdi_lineconfig, span); OFF(dahdi_lineconfig, name); OFF(dahdi_lineconfig, lbo);
	OFF(dahdi_lineconfig, lineconfig); OFF(dahdi_lineconfig, sync);

	SIZE(dahdi_chanconfig);
	OFF(dahdi_chanconfig, chan); OFF(dahdi_chanconfig, name); OFF(dahdi_chanconfig, sigtype);
	OFF(dahdi_chanconfig, deflaw); OFF(dahdi_chanconfig, master);
	OFF(dahdi_chanconfig, idlebits); OFF(dahdi_chanconfig, netdev_name);

	SIZE(dahdi_dynamic_span);
	OFF(dahdi_dynamic_span, driver); OFF(dahdi_dynamic_span, addr);
	OFF(dahdi_dynamic_span, numchans); OFF(dahdi_dynamic_span, timing);
	OFF(dahdi_dynamic_span, spanno);
	return 0;
}
