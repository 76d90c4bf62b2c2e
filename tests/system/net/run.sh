#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run.sh: virtio-net system tests -- boots the Debian cloud kernel on
# lhyve with a virtio-net NIC on the slirp backend (and, when this user
# can create a tap interface, a second NIC on a tap), loads the kernel's
# own virtio_net module, and checks from both sides:
#   slirp-mac      the NIC has the default MAC lhyve derives (02:6c:68 + hash)
#   slirp-dhcp     busybox udhcpc gets 10.0.2.15 from slirp's DHCP server
#   slirp-wget     busybox wget fetches 16 MiB from an HTTP server on the
#                  host's loopback (10.0.2.2) with the host's SHA-256;
#                  prints the guest-measured MB/s
#   slirp-dns      the slirp DNS proxy answers (nslookup localhost)
#   slirp-hostfwd  a host connection to a hostfwd= port reaches a server
#                  in the guest (busybox nc), both directions
#   tap-ping       guest pings host and host pings guest over the tap
#   tap-wget       the same 16 MiB over the tap (checksum/TSO offloads)
#   bad-options    malformed -s virtio-net options exit 4 with a message
# One boot (both NICs), about a minute on emu.
#
# usage: tests/system/net/run.sh
#   Prints "PASS name", "FAIL name (why)", "SKIP name (why)" lines (the
#   protocol tests/run-all.sh counts); exits 1 if anything failed.
#
# Environment: LHYVE (default build/lhyve), LHYVE_CACHE (default
# ~/.cache/lhyve), LHYVE_BACKEND (emu, passed as -o backend=), SYSTEM_TIMEOUT
# (seconds for the boot, default 600), NET_TAP=0 skips the tap part,
# NET_MTU=N gives the slirp NIC mtu=N, NET_CMDLINE adds to the kernel
# command line (virtio_pci.force_legacy=1: the legacy interface),
# KEEP=1 keeps the work directory.

set -u
cd "$(dirname "$0")/../../.." || exit 1

. tests/system/lib.sh
tier_init net
VM=vmnet

# pass TEST [NOTE]: a PASS, with NOTE (e.g. the speed) in parentheses.
pass() { echo "PASS $TIER/$1${2:+ ($2)}"; }

TESTS=(slirp-mac slirp-dhcp slirp-wget slirp-dns slirp-hostfwd tap-ping
    tap-wget bad-options)

find_kernel

# skip_rest WHY: bad-options ran first; every other test is a SKIP, and
# the exit status is bad-options' verdict.
skip_rest() {
	skip_guests "$1"
	[ "$nfail" -eq 0 ]
	exit
}

# -- malformed options: no guest needed ---------------------------------
# Device options are checked alike on every backend; emu always gets as
# far as the devices.
bad_options() {
	REFUSED_NAMING=virtio-net check_refused bad-options "-o backend=emu" \
	    "4,virtio-net,foo0" "4,virtio-net,netgraph,path=x:" \
	    "4,virtio-net,slirp,mac=01:00:00:00:00:01" \
	    "4,virtio-net,slirp,mac=00:00:00:00:00:00" \
	    "4,virtio-net,slirp,mac=02:11:22:33:44" \
	    "4,virtio-net,slirp,mac=02:11:22:33:44:5g" \
	    "4,virtio-net,slirp,mtu=67" "4,virtio-net,slirp,mtu=65522" \
	    "4,virtio-net,slirp,mtu=15OO" "4,virtio-net,slirp,bogus=1" \
	    "4,virtio-net,slirp,open=maybe" \
	    "4,virtio-net,slirp,hostfwd=tcp:127.0.0.1:0-:22" \
	    "4,virtio-net,slirp,hostfwd=sctp::2222-:22" \
	    "4,virtio-net,slirp,hostfwd=tcp::2222" \
	    "4,virtio-net,slirp,hostfwd=tcp:1.2.3.999:2222-:22" \
	    "4,virtio-net,/nonexistent/tun"
}

require_lhyve
bad_options
[ -n "$VMLINUZ" ] && [ -n "$MODS" ] ||
    skip_rest "no Debian kernel in $CACHE (tests/system/fetch.sh)"
command -v python3 >/dev/null 2>&1 ||
    skip_rest "no python3 for the host's HTTP server"

make_work
HTTPD_PID=
HTTPD2_PID=
LHYVE_PID=
TAP=
cleanup() {
	[ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
	[ -n "$HTTPD2_PID" ] && kill "$HTTPD2_PID" 2>/dev/null
	[ -n "$LHYVE_PID" ] && kill -9 "$LHYVE_PID" 2>/dev/null
	[ -n "$TAP" ] && ip link del "$TAP" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

# The modules, in dependency order, into the initramfs's /lib/net.
R=$WORK/root
mkdir -p "$R/lib/net" "$R/etc" "$R/bin"
INS=""
for m in drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko \
    drivers/virtio/virtio_pci_modern_dev.ko \
    drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci.ko \
    net/core/failover.ko drivers/net/net_failover.ko \
    drivers/net/virtio_net.ko; do
	[ -f "$MODS/$m" ] || skip_rest "no $MODS/$m"
	cp "$MODS/$m" "$R/lib/net/"
	INS="$INS insmod /lib/net/$(basename "$m")"
	# busybox insmod does not read module options off the command line.
	[ "$m" = drivers/virtio/virtio_pci.ko ] &&
	    INS="$INS \$(grep -o 'force_legacy=1' /proc/cmdline)"
	INS="$INS;"
done

# udhcpc's event script: configure the interface, say what we got.
cat >"$R/etc/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
bound|renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
	[ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
	: >/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	echo "DHCP-IP=$ip"
	echo "DHCP-ROUTER=$router"
	echo "DHCP-DNS=$dns"
	;;
esac
exit 0
EOF
# What the guest's hostfwd server runs for one connection.
cat >"$R/bin/fwd.sh" <<'EOF'
#!/bin/sh
echo GUEST-TOKEN-5150
read -r line
echo "$line" >/tmp/fromhost
EOF
chmod 755 "$R/etc/udhcpc.script" "$R/bin/fwd.sh"

# The default MAC lhyve derives for slot 4 function 0 of $VM: 02:6c:68
# and the low 24 bits of FNV-1a("4-0-$VM") (src/devices/net_backend.c).
fnv_mac() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	printf '02:6c:68:%02x:%02x:%02x' $(((h >> 16) & 255)) \
	    $(((h >> 8) & 255)) $((h & 255))
}
MAC1=$(fnv_mac "4-0-$VM")
MAC2=02:6c:68:aa:bb:02

# The host side: a 16 MiB file behind an HTTP server on the loopback, a
# free port for hostfwd.
head -c 16M /dev/urandom >"$WORK/big.bin"
SUM=$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
HTTP_PORT=$(freeport)
FWD_PORT=$(freeport)
python3 -m http.server --bind 127.0.0.1 --directory "$WORK" "$HTTP_PORT" \
    >"$WORK/httpd.log" 2>&1 &
HTTPD_PID=$!

# slirp's DNS proxy asks the host's resolver: test it if that answers.
DNS_NAME=deb.debian.org
DNSWHY=""
timeout 10 python3 -c "import socket,sys; socket.getaddrinfo(sys.argv[1], 80)" \
    "$DNS_NAME" >/dev/null 2>&1 || DNSWHY="the host cannot resolve $DNS_NAME"

# A tap, if this user may make one.
TAPWHY=""
if [ "${NET_TAP:-1}" = 0 ]; then
	TAPWHY="NET_TAP=0"
elif [ "$(id -u)" -ne 0 ]; then
	TAPWHY="not root: cannot create a tap interface"
elif [ ! -c /dev/net/tun ]; then
	TAPWHY="no /dev/net/tun"
elif ! command -v ip >/dev/null 2>&1; then
	TAPWHY="no ip(8)"
else
	TAP=taplh$(($$ % 10000))
	if ! ip tuntap add dev "$TAP" mode tap 2>"$WORK/tap.err" ||
	    ! ip addr add 192.168.177.1/24 dev "$TAP" 2>>"$WORK/tap.err" ||
	    ! ip link set "$TAP" up 2>>"$WORK/tap.err"; then
		TAPWHY="cannot create a tap: $(head -n 1 "$WORK/tap.err")"
		ip link del "$TAP" 2>/dev/null
		TAP=""
	else
		# The same file over the tap (offloads: TSO, checksums).
		python3 -m http.server --bind 192.168.177.1 \
		    --directory "$WORK" "$HTTP_PORT" >"$WORK/httpd-tap.log" 2>&1 &
		HTTPD2_PID=$!
	fi
fi

ifof() { echo "\$(grep -l $1 /sys/class/net/*/address | cut -d/ -f5)"; }
CMDS=(
	-c "$INS true"
	-c "for d in /sys/class/net/eth*; do echo NIC=\$(basename \$d),\$(cat \$d/address),\$(cat \$d/mtu); echo FEAT-\$(basename \$d)=\$(cat \$d/device/features); done"
	-c "IF=$(ifof "$MAC1"); ip link set \$IF up && udhcpc -i \$IF -s /etc/udhcpc.script -n -q -t 10 -T 2 2>&1 | grep -v '^udhcpc: \(started\|broadcasting\|sending\|no lease\)'"
	-c "t0=\$(cut -d' ' -f1 /proc/uptime); wget -q -O /tmp/big http://10.0.2.2:$HTTP_PORT/big.bin; echo WGET-RC=\$?; t1=\$(cut -d' ' -f1 /proc/uptime); echo WGET-SECS=\$(echo \$t0 \$t1 | awk '{print \$2 - \$1}'); echo WGET-SUM=\$(sha256sum /tmp/big); rm -f /tmp/big"
	-c "echo FWD-LISTEN; timeout 120 nc -l -p 8080 -e /bin/fwd.sh </dev/null; echo FROMHOST=\$(cat /tmp/fromhost 2>/dev/null)"
)
[ -z "$DNSWHY" ] && CMDS+=(-c "nslookup $DNS_NAME 10.0.2.3 >/tmp/ns 2>&1; echo DNS-RC=\$?; grep -A9 '^Name:' /tmp/ns | grep -c '^Address' | sed 's/^/DNS-HITS=/'")
NICS=(-s "4,virtio-net,slirp,hostfwd=tcp:127.0.0.1:$FWD_PORT-:8080${NET_MTU:+,mtu=$NET_MTU}")
if [ -n "$TAP" ]; then
	NICS+=(-s "5,virtio-net,$TAP,mac=$MAC2")
	CMDS+=(-c "IF=$(ifof "$MAC2"); ifconfig \$IF 192.168.177.2 netmask 255.255.255.0 up; ping -c 2 -W 5 192.168.177.1 >/dev/null 2>&1; echo TAP-PING=\$?; echo TAP-LISTEN; timeout 60 nc -l -p 7777 </dev/null >/dev/null; echo TAP-DONE")
	CMDS+=(-c "t0=\$(cut -d' ' -f1 /proc/uptime); wget -q -O /tmp/big http://192.168.177.1:$HTTP_PORT/big.bin; echo TAPGET-RC=\$?; t1=\$(cut -d' ' -f1 /proc/uptime); echo TAPGET-SECS=\$(echo \$t0 \$t1 | awk '{print \$2 - \$1}'); echo TAPGET-SUM=\$(sha256sum /tmp/big); rm -f /tmp/big")
fi

tests/system/mkinitramfs.sh -d "$R" "${CMDS[@]}" "$WORK/initrd.gz" \
    2>"$WORK/mkinitramfs.log" || {
	fail_guest_tests "mkinitramfs.sh failed"
	exit 1
}

# The console as lhyve writes it in $LOG.raw; $LOG, CRs removed, after.
LOG=$WORK/console.log
: >"$LOG.raw"
START=$(date +%s)
timeout -k 10 "$TMO" "$LHYVE" -o "backend=$BACKEND" -c 1 -m 512M \
    -s 0,hostbridge -s 31,lpc -l com1,stdio "${NICS[@]}" \
    --kernel "$VMLINUZ" --initrd "$WORK/initrd.gz" \
    --cmdline "console=ttyS0 quiet${NET_CMDLINE:+ $NET_CMDLINE}" "$VM" \
    </dev/null >"$LOG.raw" 2>&1 &
LHYVE_PID=$!

# The host's side of the conversation, driven by markers on the console.
FWD_OK="" TAP_HOSTPING="" fwd_done=0 tap_done=0
[ -n "$TAP" ] || tap_done=1
seen() { tr -d '\r' <"$LOG.raw" | grep -aq "^$1"; }
# ping(8), or an ICMP echo by hand where iputils is not installed (root).
hostping() {
	if command -v ping >/dev/null 2>&1; then
		ping -c 2 -W 5 "$1" >/dev/null 2>&1
		return
	fi
	python3 - "$1" <<'PY'
import os, socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(5)
ident = os.getpid() & 0xffff
for seq in (1, 2):
    body = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"lhyve-ping-1234"
    body = body[:2] + struct.pack("!H", csum(body + b"\0")) + body[4:]
    s.sendto(body, (sys.argv[1], 0))
    end = time.time() + 5
    while True:
        try:
            pkt, addr = s.recvfrom(2048)
        except socket.timeout:
            sys.exit(1)
        ih = (pkt[0] & 15) * 4
        t, _, _, i, q = struct.unpack("!BBHHH", pkt[ih:ih + 8])
        if addr[0] == sys.argv[1] and t == 0 and i == ident and q == seq:
            break
        if time.time() > end:
            sys.exit(1)
sys.exit(0)
PY
}
fwd_client() {
	local i line
	for i in $(seq 1 60); do
		if exec 3<>"/dev/tcp/127.0.0.1/$FWD_PORT"; then
			if IFS= read -r -t 30 line <&3 &&
			    [ "${line%$'\r'}" = GUEST-TOKEN-5150 ]; then
				echo HOST-TOKEN-1984 >&3
				exec 3>&- 3<&-
				return 0
			fi
			exec 3>&- 3<&-
		fi
		sleep 1
	done 2>/dev/null
	return 1
}
while kill -0 "$LHYVE_PID" 2>/dev/null; do
	if [ "$fwd_done" = 0 ] && seen FWD-LISTEN; then
		fwd_done=1
		fwd_client && FWD_OK=1
	fi
	if [ "$tap_done" = 0 ] && seen TAP-LISTEN; then
		tap_done=1
		hostping 192.168.177.2 && TAP_HOSTPING=1
		for i in $(seq 1 20); do
			echo done 2>/dev/null >"/dev/tcp/192.168.177.2/7777" && break
			sleep 1
		done
	fi
	sleep 0.5
done
wait "$LHYVE_PID"
rc=$?
LHYVE_PID=
ELAPSED=$(($(date +%s) - START))
tr -d '\r' <"$LOG.raw" >"$LOG"

if [ "$BACKEND" != emu ] && ! grep -aq LHYVE-INIT-UP "$LOG" && [ "$rc" -eq 4 ]; then
	skip_rest "backend $BACKEND: $(grep -a 'lhyve:' "$LOG" | head -n 1)"
fi
if ! grep -aq LHYVE-POWEROFF "$LOG"; then
	fail_guest_tests "guest did not finish (lhyve exit $rc after ${ELAPSED}s)"
	tail -n 40 "$LOG" | sed 's/^/    | /'
	exit 1
fi
nf=$nfail

grep -aq "^NIC=[a-z0-9]*,$MAC1,${NET_MTU:-1500}\$" "$LOG" && pass slirp-mac "$MAC1" ||
    fail slirp-mac "no NIC with MAC $MAC1 and MTU ${NET_MTU:-1500}: $(grep -a '^NIC=' "$LOG" | tr '\n' ' ')"

[ "$(val DHCP-IP)" = 10.0.2.15 ] && [ "$(val DHCP-ROUTER)" = 10.0.2.2 ] &&
    pass slirp-dhcp || fail slirp-dhcp "ip '$(val DHCP-IP)' router '$(val DHCP-ROUTER)'"

secs=$(val WGET-SECS)
if [ "$(val WGET-RC)" = 0 ] && [ "$(val WGET-SUM)" = "$SUM" ]; then
	mbs=$(awk -v s="$secs" 'BEGIN { if (s > 0) printf "%.2f", 16 * 1.048576 / s; else print "?" }')
	pass slirp-wget "16 MiB in ${secs}s guest time: $mbs MB/s"
else
	fail slirp-wget "rc=$(val WGET-RC) sum=$(val WGET-SUM) want $SUM"
fi

if [ -n "$DNSWHY" ]; then
	skip slirp-dns "$DNSWHY"
elif [ "$(val DNS-RC)" = 0 ] && [ "$(val DNS-HITS)" != 0 ]; then
	pass slirp-dns "$DNS_NAME through 10.0.2.3"
else
	fail slirp-dns "nslookup $DNS_NAME rc=$(val DNS-RC) hits=$(val DNS-HITS)"
fi

[ -n "$FWD_OK" ] && [ "$(val FROMHOST)" = HOST-TOKEN-1984 ] &&
    pass slirp-hostfwd "127.0.0.1:$FWD_PORT -> guest:8080" ||
    fail slirp-hostfwd "host read guest token: ${FWD_OK:-no}; guest got '$(val FROMHOST)'"

if [ -z "$TAP" ]; then
	skip tap-wget "$TAPWHY"
elif [ "$(val TAPGET-RC)" = 0 ] && [ "$(val TAPGET-SUM)" = "$SUM" ]; then
	secs=$(val TAPGET-SECS)
	mbs=$(awk -v s="$secs" 'BEGIN { if (s > 0) printf "%.2f", 16 * 1.048576 / s; else print "?" }')
	pass tap-wget "16 MiB in ${secs}s guest time: $mbs MB/s"
else
	fail tap-wget "rc=$(val TAPGET-RC) sum=$(val TAPGET-SUM) want $SUM"
fi
if [ -z "$TAP" ]; then
	skip tap-ping "$TAPWHY"
elif [ "$(val TAP-PING)" = 0 ] && [ -n "$TAP_HOSTPING" ]; then
	pass tap-ping "guest->host and host->guest"
else
	fail tap-ping "guest->host rc=$(val TAP-PING) host->guest ${TAP_HOSTPING:-failed}"
fi
[ "$nfail" -gt "$nf" ] && tail -n 60 "$LOG" | sed 's/^/    | /'
echo "system-net: one boot, ${ELAPSED}s"
[ "$nfail" -eq 0 ]
