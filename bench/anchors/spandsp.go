//go:build anchors && cgo

package anchors

/*
#cgo LDFLAGS: -lspandsp
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <inttypes.h>
#include <spandsp/telephony.h>
#include <spandsp/complex.h>
#include <spandsp/logging.h>
#include <spandsp/queue.h>
#include <spandsp/tone_detect.h>
#include <spandsp/tone_generate.h>
#include <spandsp/super_tone_rx.h>
#include <spandsp/dtmf.h>
#include <spandsp/g711.h>
#include <spandsp/echo.h>
#include <spandsp/async.h>
#include <spandsp/power_meter.h>
#include <spandsp/fsk.h>
#include <spandsp/adsi.h>

static void count_msg(void *user, const uint8_t *msg, int len) {
	if (len > 0)
		(*(int *) user)++;
}

static adsi_rx_state_t *adsi_rx_class(int *counter) {
	return adsi_rx_init(NULL, ADSI_STANDARD_CLASS, count_msg, counter);
}

// spandsp 0.0.6's echo canceller prints debugging lines to stdout from
// inside echo_can_update; these send them to /dev/null and back.
static int mute_stdout(void) {
	fflush(stdout);
	int saved = dup(1);
	int null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	close(null);
	return saved;
}

static void unmute_stdout(int saved) {
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

static void ec_frame(echo_can_state_t *ec, const int16_t *rin, const int16_t *sin, int16_t *out, int n) {
	for (int i = 0; i < n; i++)
		out[i] = echo_can_update(ec, rin[i], sin[i]);
}
*/
import "C"

import "unsafe"

// spanDTMF is spandsp's DTMF receiver with its default settings.
type spanDTMF struct {
	s      *C.dtmf_rx_state_t
	digits []byte
	buf    [64]C.char
}

func newSpanDTMF() *spanDTMF {
	return &spanDTMF{s: C.dtmf_rx_init(nil, nil, nil)}
}

// process runs one frame and collects the digits received.
func (d *spanDTMF) process(x []int16, collect bool) {
	C.dtmf_rx(d.s, (*C.int16_t)(unsafe.Pointer(&x[0])), C.int(len(x)))
	if n := C.dtmf_rx_get(d.s, &d.buf[0], C.int(len(d.buf)-1)); n > 0 && collect {
		for _, c := range d.buf[:n] {
			d.digits = append(d.digits, byte(c))
		}
	}
}

func (d *spanDTMF) free() { C.dtmf_rx_free(d.s) }

// spanG711 is spandsp's G.711 codec.
type spanG711 struct{ s *C.g711_state_t }

func newSpanG711(alaw bool) spanG711 {
	mode := C.int(C.G711_ULAW)
	if alaw {
		mode = C.G711_ALAW
	}
	return spanG711{C.g711_init(nil, mode)}
}

func (g spanG711) encode(dst []byte, src []int16) {
	C.g711_encode(g.s, (*C.uint8_t)(unsafe.Pointer(&dst[0])), (*C.int16_t)(unsafe.Pointer(&src[0])), C.int(len(src)))
}

func (g spanG711) decode(dst []int16, src []byte) {
	C.g711_decode(g.s, (*C.int16_t)(unsafe.Pointer(&dst[0])), (*C.uint8_t)(unsafe.Pointer(&src[0])), C.int(len(src)))
}

func (g spanG711) free() { C.g711_free(g.s) }

// spanCID is spandsp's ADSI receiver for Bellcore CLASS (Bell 202 FSK).
type spanCID struct {
	s     *C.adsi_rx_state_t
	count *C.int
}

func newSpanCID() *spanCID {
	cnt := (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))
	return &spanCID{s: C.adsi_rx_class(cnt), count: cnt}
}

func (c *spanCID) process(x []int16) {
	C.adsi_rx(c.s, (*C.int16_t)(unsafe.Pointer(&x[0])), C.int(len(x)))
}

func (c *spanCID) messages() int { return int(*c.count) }

func (c *spanCID) free() {
	C.adsi_rx_free(c.s)
	C.free(unsafe.Pointer(c.count))
}

// spanEcho is spandsp's line echo canceller.
type spanEcho struct{ s *C.echo_can_state_t }

// newSpanEcho returns a canceller with adaptation and both high-pass
// filters, and with nlp its NLP and comfort noise.
func newSpanEcho(taps int, nlp bool) spanEcho {
	mode := C.ECHO_CAN_USE_ADAPTION | C.ECHO_CAN_USE_TX_HPF | C.ECHO_CAN_USE_RX_HPF
	if nlp {
		mode |= C.ECHO_CAN_USE_NLP | C.ECHO_CAN_USE_CNG
	}
	return spanEcho{C.echo_can_init(C.int(taps), C.int(mode))}
}

func (e spanEcho) process(rin, sin, out []int16) {
	C.ec_frame(e.s, (*C.int16_t)(unsafe.Pointer(&rin[0])), (*C.int16_t)(unsafe.Pointer(&sin[0])), (*C.int16_t)(unsafe.Pointer(&out[0])), C.int(len(out)))
}

func (e spanEcho) free() { C.echo_can_free(e.s) }

// muted runs fn with the process's standard output sent to /dev/null,
// for spandsp's echo canceller, which prints debugging lines as it runs.
func muted(fn func()) {
	saved := C.mute_stdout()
	defer C.unmute_stdout(saved)
	fn()
}
