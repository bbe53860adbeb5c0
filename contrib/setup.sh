#!/usr/bin/env bash
# contrib/setup.sh — the one entry point on a fresh Debian 12 machine.
#
#   contrib/setup.sh run [GONET ARGS...]   install what is missing, build, start gonet
#   contrib/setup.sh check                 install what is missing, build, run every test
#   contrib/setup.sh bench                 install what is missing (iperf3 too), build, make bench
#   contrib/setup.sh build                 install what is missing, build
#
# Installs only Debian packages that are missing (needs root or sudo for that).
set -euo pipefail

cd "$(dirname "$0")/.."

# Build and test dependencies, all Debian 12 packages.
PKGS_BUILD="build-essential autoconf automake pkg-config libsodium-dev libevent-dev
	libmsgpack-dev libopendht-c-dev libopendht-dev libb2-dev libreadline-dev nettle-dev
	zlib1g-dev libminiupnpc-dev"
# What the tests start for real: DHT nodes, wireguard-go, NAT lab, fuzzers.
PKGS_TEST="dhtnode wireguard-go wireguard-tools iproute2 nftables iptables conntrack
	socat coturn tmux clang libclang-rt-14-dev procps psmisc util-linux
	libnetfilter-queue-dev miniupnpd-nftables miniupnpc natpmpc"
# What `make bench` compares against and profiles with (bench/files.sh).
PKGS_BENCH="iperf3 linux-perf"

install_missing() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "setup: installing ${missing[*]}" >&2
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
}

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ ! -f Makefile.in ]; then
		autoreconf -fi
	fi
	[ -f Makefile ] || ./configure ${GONET_CONFIGURE_FLAGS:-}
	make -j"$(nproc)"
}

cmd=${1:-run}
[ $# -gt 0 ] && shift
case "$cmd" in
build)
	install_missing $PKGS_BUILD
	build
	;;
run)
	install_missing $PKGS_BUILD
	build
	exec ./gonet "$@"
	;;
bench)
	install_missing $PKGS_BUILD $PKGS_TEST $PKGS_BENCH
	build
	exec make bench
	;;
check)
	install_missing $PKGS_BUILD $PKGS_TEST
	build
	rc=0
	make -j"$(nproc)" check || rc=$?
	[ $rc -eq 0 ] || tail -n 200 test-suite.log 2>/dev/null || true
	# One plain closing line for whoever reads the log.
	pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -n1)
	fail=$(sed -n 's/^# FAIL: *//p' test-suite.log | head -n1)
	err=$(sed -n 's/^# ERROR: *//p' test-suite.log | head -n1)
	skip=$(sed -n 's/^# SKIP: *//p' test-suite.log | head -n1)
	echo "check: ${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed, ${skip:-0} skipped"
	exit $rc
	;;
*)
	echo "usage: $0 run [ROOM...] | check | bench | build" >&2
	exit 2
	;;
esac
