#!/bin/bash
# Runs hal/dahdi's tests against the real DAHDI kernel driver in a qemu
# guest built from Debian packages alone:
#
#   downloaded and unpacked (apt-get download + dpkg-deb -x, nothing installed):
#     linux-image-$KV   the guest kernel
#     dahdi-source      the DAHDI kernel tree (include/dahdi/user.h, drivers)
#     dahdi             dahdi_cfg
#     libtonezone2.0    dahdi_cfg's tone zone library
#   installed (apt-get install): linux-headers-$KV qemu-system-x86
#     busybox-static cpio gcc make
#
# It builds dahdi, dahdi_dynamic, dahdi_dynamic_loc and dahdi_echocan_mg2
# against linux-headers-$KV, a busybox initramfs with the modules,
# dahdi_cfg and its libraries, the span configuration (guest-init.sh), the
# ABI probe compiled from user.h (abi.c) and the static Go test binaries,
# boots it under qemu TCG (KVM guests fail on these machines), and prints
# "N passed, N failed" from the guest's go test output. Exit status is
# nonzero when a test failed or the guest did not finish.
#
# Everything built is cached under $DAHDI_VM_BUILD (default build/dahdi-vm):
# a rerun rebuilds only the Go test binaries and the small initramfs
# archive that carries them.
#
# Environment: DAHDI_VM_BUILD, DAHDI_VM_KV (kernel version, default: what
# linux-image-amd64 depends on), DAHDI_VM_TIMEOUT (seconds, default 1200),
# DAHDI_VM_RUN (go test -run pattern), DAHDI_VM_MEM (MiB, default 512),
# DAHDI_VM_DEBUG=1 (log every driver event), DAHDI_VM_PKGS (packages whose
# tests run in the guest, default ./hal/dahdi ./internal/dahdie2e),
# DAHDI_VM_TIPRINGD (default 1: ship the daemon and the CLI as
# /tests/bin/tipringd and /tests/bin/tipring for internal/dahdie2e; 0 leaves
# them out).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${DAHDI_VM_BUILD:-$root/build/dahdi-vm}
timeout_s=${DAHDI_VM_TIMEOUT:-1200}
mem=${DAHDI_VM_MEM:-512}
mkdir -p "$build"
build=$(cd "$build" && pwd)

log() { echo "dahdi-vm: $*" >&2; }
die() { log "$*"; exit 1; }

if [ "$(uname -m)" != x86_64 ]; then
	die "the guest is an x86-64 Debian kernel; run on an x86-64 host"
fi

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		die "need root to run: $*"
	fi
}

apt_updated=
apt_update() {
	if [ -z "$apt_updated" ]; then
		as_root apt-get update -qq >/dev/null
		apt_updated=1
	fi
}

# The kernel version: the one linux-image-amd64 currently points at, so
# headers and image always match.
kv=${DAHDI_VM_KV:-}
if [ -z "$kv" ]; then
	if [ -f "$build/kv" ]; then
		kv=$(cat "$build/kv")
	else
		apt_update
		kv=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-\(.*\)$/\1/p' | head -n1)
		[ -n "$kv" ] || die "cannot find the kernel version linux-image-amd64 depends on"
		echo "$kv" >"$build/kv"
	fi
fi
log "kernel $kv, build dir $build"

# Host tools.
need=()
for p in "linux-headers-$kv" qemu-system-x86 busybox-static cpio gcc make; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	apt_update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Guest packages, downloaded and unpacked only.
debs=$build/debs
unpack=$build/unpack
if [ ! -f "$unpack/.done-$kv" ]; then
	log "downloading linux-image-$kv dahdi-source dahdi libtonezone2.0"
	apt_update
	rm -rf "$debs" "$unpack"
	mkdir -p "$debs" "$unpack"
	# apt's sandbox user cannot write into most build directories.
	(cd "$debs" && chmod 777 . && apt-get download -q "linux-image-$kv" dahdi-source dahdi libtonezone2.0 >/dev/null 2>&1) ||
		die "apt-get download failed"
	for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$unpack"; done
	# Only the kernel image is needed from linux-image, not its 400 MB
	# of modules.
	rm -rf "$unpack/lib/modules" "$unpack/usr/lib/modules" "$debs"
	touch "$unpack/.done-$kv"
fi
vmlinuz=$unpack/boot/vmlinuz-$kv
[ -f "$vmlinuz" ] || die "no kernel image at $vmlinuz"

# DAHDI modules, only the four the guest needs.
src=$build/src
mods=$build/modules-$kv
if [ ! -f "$mods/.done" ]; then
	log "building DAHDI modules for $kv"
	rm -rf "$src" "$mods"
	mkdir -p "$src" "$mods"
	tar -xjf "$unpack/usr/src/dahdi.tar.bz2" -C "$src"
	dsrc=$src/modules/dahdi
	make -s -C "/lib/modules/$kv/build" M="$dsrc/drivers/dahdi" DAHDI_INCLUDE="$dsrc/include" \
		DAHDI_BUILD_ALL= CONFIG_DAHDI=m CONFIG_DAHDI_DYNAMIC=m CONFIG_DAHDI_DYNAMIC_LOC=m \
		CONFIG_DAHDI_ECHOCAN_MG2=m HOTPLUG_FIRMWARE=no -j"$(nproc)" modules >"$build/modules.log" 2>&1 ||
		{ tail -n 30 "$build/modules.log" >&2; die "module build failed (log: $build/modules.log)"; }
	for m in dahdi dahdi_dynamic dahdi_dynamic_loc dahdi_echocan_mg2; do
		cp "$dsrc/drivers/dahdi/$m.ko" "$mods/"
	done
	touch "$mods/.done"
fi
include=$src/modules/dahdi/include

# The ABI probe, compiled from the header itself.
if [ ! -x "$build/abi" ] || [ "$here/abi.c" -nt "$build/abi" ]; then
	gcc -static -O1 -Wall -I "$include" -o "$build/abi" "$here/abi.c"
fi

# Base initramfs: busybox, modules, dahdi_cfg and its libraries, config.
base=$build/base.cpio.gz
stamp_inputs=("$here/guest-init.sh" "$here/run.sh" "$build/abi" "$mods/.done")
rebuild_base=
[ -f "$base" ] || rebuild_base=1
for f in "${stamp_inputs[@]}"; do [ "$f" -nt "$base" ] && rebuild_base=1; done
if [ -n "$rebuild_base" ]; then
	log "assembling base initramfs"
	r=$build/rootfs
	rm -rf "$r"
	mkdir -p "$r"/{bin,sbin,etc/dahdi,proc,sys,dev,tmp,lib/dahdi,lib64,lib/x86_64-linux-gnu,tests}
	cp /bin/busybox "$r/bin/busybox"
	for app in $("$r/bin/busybox" --list); do
		[ -e "$r/bin/$app" ] || ln -s busybox "$r/bin/$app"
	done
	cp "$mods"/*.ko "$r/lib/dahdi/"
	cp "$unpack/usr/sbin/dahdi_cfg" "$r/sbin/"
	cp -L "$unpack"/usr/lib/x86_64-linux-gnu/libtonezone.so.2.0 "$r/lib/x86_64-linux-gnu/"
	for l in libc.so.6 libpthread.so.0 libm.so.6; do
		cp -L "/lib/x86_64-linux-gnu/$l" "$r/lib/x86_64-linux-gnu/"
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp "$build/abi" "$r/bin/dahdi-abi"
	cp "$here/guest-init.sh" "$r/init"
	chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$base.tmp"
	mv "$base.tmp" "$base"
fi

# Test binaries: static, rebuilt every run (the Go build cache keeps this
# quick), in their own archive appended to the base one. The guest runs
# every /tests/*.test in turn; tipringd and tipring go in /tests/bin for tests that
# start the daemon.
log "building test binaries"
t=$build/tests
rm -rf "$t"
mkdir -p "$t/tests/bin"
for pkg in ${DAHDI_VM_PKGS:-./hal/dahdi ./internal/dahdie2e}; do
	name=$(echo "${pkg#./}" | tr / _)
	(cd "$root" && CGO_ENABLED=0 go test -c -ldflags='-s -w' -o "$t/tests/$name.test" "$pkg")
done
if [ "${DAHDI_VM_TIPRINGD:-1}" != 0 ]; then
	(cd "$root" && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$t/tests/bin/" ./cmd/tipringd ./cmd/tipring)
fi
if [ -n "${DAHDI_VM_DEBUG:-}" ]; then
	echo 1 >"$t/tests/debug"
fi
if [ -n "${DAHDI_VM_RUN:-}" ]; then
	echo "$DAHDI_VM_RUN" >"$t/tests/run"
fi
# Uncompressed: the guest kernel inflates gzip slowly under TCG. It takes
# a plain archive after a compressed one if the plain one starts on a
# 4-byte boundary (zeros in between are skipped).
(cd "$t" && find . | cpio -o -H newc --quiet) >"$build/tests.cpio"
pad=$(((4 - $(stat -c %s "$base") % 4) % 4))
{
	cat "$base"
	head -c "$pad" /dev/zero
	cat "$build/tests.cpio"
} >"$build/initramfs.cpio"

# Boot.
out=$build/guest.log
log "booting (timeout ${timeout_s}s, log $out)"
start=$(date +%s)
set +e
timeout --foreground -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max -smp 1 -m "$mem" \
	-nographic -no-reboot -kernel "$vmlinuz" -initrd "$build/initramfs.cpio" \
	-append "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4" </dev/null | tr -d '\r' | tee "$out"
qrc=${PIPESTATUS[0]}
set -e
log "guest ran $(($(date +%s) - start))s (qemu exit $qrc)"

passed=$(grep -cE '^ *--- PASS' "$out" || true)
failed=$(grep -cE '^ *--- FAIL' "$out" || true)
skipped=$(grep -cE '^ *--- SKIP' "$out" || true)
rc=$(sed -n 's/^dahdi-vm: tests exit \([0-9]*\)$/\1/p' "$out" | tail -n1)
if [ -z "$rc" ]; then
	log "the guest did not finish the tests"
	failed=$((failed + 1))
elif [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
	log "test binary exited $rc without a failing test (panic or timeout?)"
	failed=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
