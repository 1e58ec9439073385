#!/bin/sh
# /init of the dahdi-vm guest (busybox). Loads DAHDI, creates two pairs of
# dahdi_dynamic_loc spans linked back to back, runs the Go tests and powers
# off. The host script reads the "dahdi-vm:" lines.
#
# Spans (auto_assign_spans=1 numbers them in creation order):
#   1  DYN/loc/1:0   8 channels fxsks   (hal: FXO ports; the "phones" of span 2)
#   2  DYN/loc/1:1   8 channels fxoks   (hal: FXS ports)
#   3  DYN/loc/2:0  24 channels, 1-23 bchan, 24 dchan (hal: T1, B + D)
#   4  DYN/loc/2:1  24 channels, 1-23 bchan, 24 dchan
# Spans with the same key (1, 2) carry each other's channels: what channel
# n of one transmits, channel n of the other receives, CAS bits included.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/shm /tmp
# dahdi_cfg 3.x keeps state in POSIX shared memory.
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp

finish() {
	echo "dahdi-vm: tests exit $1"
	sync
	reboot -f
	sleep 5
}

say() { echo "dahdi-vm: $*"; }

say "kernel $(uname -r), $(nproc) cpu"
# Debian's tree defaults auto_assign_spans=0, which waits for udev to
# assign spans; there is no udev here.
insmod /lib/dahdi/dahdi.ko auto_assign_spans=1 || finish 101
for m in dahdi_dynamic dahdi_dynamic_loc dahdi_echocan_mg2; do
	insmod /lib/dahdi/$m.ko || finish 102
done

# dahdi_cfg sends span configuration before it creates dynamic spans, so
# the spans are created by a first pass of their own.
cat >/etc/dahdi/dynamic.conf <<'EOF'
dynamic=loc,1:0,8,0
dynamic=loc,1:1,8,0
dynamic=loc,2:0,24,0
dynamic=loc,2:1,24,0
EOF
# Framing and coding on span= lines mean nothing to dynamic spans, but the
# lines must be there. clear= would bundle a range into one channel: bchan=.
cat >/etc/dahdi/system.conf <<'EOF'
span=1,0,0,esf,b8zs
span=2,0,0,esf,b8zs
span=3,0,0,esf,b8zs
span=4,0,0,esf,b8zs
fxsks=1-8
fxoks=9-16
bchan=17-39
dchan=40
bchan=41-63
dchan=64
echocanceller=mg2,1-16
loadzone=us
defaultzone=us
EOF
dahdi_cfg -c /etc/dahdi/dynamic.conf || finish 103
dahdi_cfg -c /etc/dahdi/system.conf || finish 104
say "dahdi configured: $(ls /sys/bus/dahdi_spans/devices 2>/dev/null | tr '\n' ' ')"

dahdi-abi >/tmp/abi.txt || finish 105

# Loopback for tests that talk SIP/RTP to the daemon inside the guest.
ip link set lo up

run=
[ -f /tests/run ] && run="-test.run=$(cat /tests/run)"
debug=$(cat /tests/debug 2>/dev/null)
rc=0
for bin in /tests/*.test; do
	dir=/tmp/$(basename "$bin" .test)
	mkdir -p "$dir"
	say "running $bin"
	(cd "$dir" && PATH=/tests/bin:$PATH DAHDI_ABI_FILE=/tmp/abi.txt DAHDI_GUEST=1 DAHDI_DEBUG=$debug \
		"$bin" -test.v -test.count=1 -test.timeout=15m $run 2>&1) || rc=1
done
finish $rc
