package dahdi

import "tipring/hal"

// spanDesc is a span and its channels as the driver reports them.
type spanDesc struct {
	info  dahdiSpanInfo
	chans []dahdiParams
}

// kindOf maps a DAHDI signalling type to the hal's view of the port. DAHDI
// names signalling after the far end: an FXS port (which feeds a phone) runs
// FXO signalling.
func kindOf(sig int32) (hal.ChanKind, bool) {
	switch {
	case sig == sigNone:
		return 0, false
	case sig&sigFXOBit != 0:
		return hal.KindFXS, true
	case sig&sigFXSBit != 0:
		return hal.KindFXO, true
	case sig&sigDACSBit != 0 || sig == sigSlave:
		return 0, false
	case sig&sigClear != 0 && sig&^sigClear&(sigHDLCRaw|sigHardHDLC) != 0:
		return hal.KindDChannel, true
	case sig == sigClear:
		return hal.KindBearer, true
	}
	return 0, false
}

// spanType decides the hal span type: analog when every configured channel
// is an analog port (true of analog cards and of channel banks behind a T1),
// else from the driver's span type, else from the channel count.
func spanType(sd spanDesc) hal.SpanType {
	analog := false
	for _, p := range sd.chans {
		k, _ := kindOf(p.Sigtype)
		if k == hal.KindBearer || k == hal.KindDChannel {
			analog = false
			break
		}
		analog = analog || k == hal.KindFXS || k == hal.KindFXO
	}
	if analog {
		return hal.SpanAnalog
	}
	switch cString(sd.info.Spantype[:]) {
	case "E1":
		return hal.SpanE1
	case "T1", "J1":
		return hal.SpanT1
	}
	if sd.info.Totalchans > 24 {
		return hal.SpanE1
	}
	return hal.SpanT1
}
