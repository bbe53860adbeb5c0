#!/usr/bin/env bash
# bench/files.sh [RUNS] — gonet's file transfer against TCP (iperf3) through
# a wireguard-go tunnel, between the same two NATed hosts in the same lab run,
# over the same access links:
#
#   internet ── dht1 dht2 dht3, stun
#     ├─ A prc ══ DELAY, LOSS ══ hA1   gonet A (sends)    wireguard-go wgA 10.99.0.1, iperf3 -c
#     └─ B prc ═════════════════ hB1   gonet B (receives) wireguard-go wgB 10.99.0.2, iperf3 -s
#
# The wireguard-go pair punches through both NATs the way gonet does (each
# side's endpoint is the other's public address, persistent keepalive); the
# impairment sits on A's access link (tests/lab/delayer for delay, nftables
# for loss, both directions) and so hits gonet and the tunnel alike.
# Conditions: no added delay; then DELAY_MS (40) one way with LOSS_PCT (1) %
# loss each way. Each condition runs RUNS (default 3) times, alternating: a
# gonet transfer of a random file of FAST_MB (200) / SLOW_MB (8) MB (time from
# the receiver's "started" to its "done", which includes verifying the
# content), then iperf3 moving the same number of bytes over TCP (its
# receiver's rate), with the system's TCP congestion control (BBR here:
# `sysctl net.ipv4.tcp_congestion_control`) and with CUBIC, which gonet runs
# too. Prints each run, the median of gonet/iperf3 for both per
# condition, and gonet's CPU seconds per GB (utime + stime of both gonet
# processes over the whole transfer, hashing included, from /proc/PID/stat;
# wireguard-go's for the tunnel beside it). Goals (issue 13): >= 1.0 without
# delay, >= 0.7 at 40 ms and 1 %. Root, iperf3, wireguard-go, wg and the
# lab's delayer; not part of make check. Measure a build without
# --enable-debug (that one is -O0): it says so when it finds one.
#
#   top_builddir=BUILD top_srcdir=SRC bench/files.sh [RUNS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"
t_need_root
t_need_cmd iperf3 wireguard-go wg python3
[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"
. "$T_SRC/tests/lab/lab.sh"
RUNS=${1:-3}
DELAY_MS=${DELAY_MS:-40}
LOSS_PCT=${LOSS_PCT:-1}
FAST_MB=${FAST_MB:-200}
SLOW_MB=${SLOW_MB:-8}
LAB_GONET_LIMIT=3600
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
[ -x "$LAB_BIN/delayer" ] || t_skip "no $LAB_BIN/delayer (built without libnetfilter_queue)"
HZ=$(getconf CLK_TCK)
grep -q '^CFLAGS = .*-O0' "$T_BUILD/Makefile" 2>/dev/null &&
	echo "files.sh: NOTE: $T_BUILD is built with -O0 (--enable-debug): gonet's figures are a debug build's"

lab_init || t_fail "lab_init"
for s in A B; do
	lab_site "$s" prc || t_fail "lab_site $s"
	lab_check_site "$s" prc || t_fail "site $s does not behave as named"
done
HA=$(lab_host A)
HB=$(lab_host B)

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# --- gonet A and B, each line of their output stamped (µs) as it is read ----------------
ROOM="bench/$T_ID/files/$RANDOM$RANDOM"
declare -A GPID
stamp() {
	local l
	while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done
}
peer() {
	local name=$1 ns=$2 d=$T_TMP/$1 fd tpid
	mkdir -p "$d/config" "$d/cache" && rm -f "$d/in" && mkfifo "$d/in" || return 1
	exec {fd}<>"$d/in"
	LAB_FD[$name]=$fd
	(
		exec ip netns exec "$ns" env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
			GONET_BOOTSTRAP= timeout -k 2 "$LAB_GONET_LIMIT" "$LAB_GONET" --batch --nick "$name" \
			--no-lan-discovery --bootstrap "$LAB_DHT" --stun "$LAB_STUN" --download-dir "$d/dl" "$ROOM" \
			<"$d/in" 2>"$T_TMP/$name.err" > >(stamp >"$T_TMP/$name.log")
	) &
	tpid=$!
	disown "$tpid"
	t_wait_for 3 pgrep -P "$tpid" -x gonet || return 1
	GPID[$name]=$(pgrep -P "$tpid" -x gonet)
	LAB_GPID[$name]=${GPID[$name]}
}
peer A "$HA" && peer B "$HB" || t_fail "gonet did not start"
t_wait_for 40 lab_event A path-up && t_wait_for 10 lab_event B path-up ||
	t_fail "no path A<->B: $(tail -3 "$T_TMP/A.log" "$T_TMP/B.log")"
echo "gonet: $(lab_event A path-up | sed 's/^[0-9]* //')"

# --- the wireguard-go tunnel ------------------------------------------------------------
# wireguard-go and wg keep their sockets in /run/wireguard: each host gets its
# own /run (bound inside ip-netns-exec's private mount namespace).
mkdir -p "$T_TMP/run-A" "$T_TMP/run-B"
in_wg() { local ns=$1 run=$2; shift 2; ip netns exec "$ns" sh -c 'mount --bind "$0" /run && exec "$@"' "$run" "$@"; }
(umask 077; wg genkey >"$T_TMP/wgA.key"; wg genkey >"$T_TMP/wgB.key")
export WG_PROCESS_FOREGROUND=1
start_wg() {
	local side=$1 ns=$2 me=$3 other=$4 port=$5 oport=$6 opub=$7
	ip netns exec "$ns" sh -c 'mount --bind "$0" /run && exec timeout -k 2 "$1" wireguard-go -f wg0' \
		"$T_TMP/run-$side" "$LAB_LIMIT" >"$T_TMP/wireguard-go-$side.log" 2>&1 &
	disown $!
	t_wait_for 10 in_wg "$ns" "$T_TMP/run-$side" wg show wg0 || return 1
	in_wg "$ns" "$T_TMP/run-$side" wg set wg0 private-key "$T_TMP/wg$side.key" listen-port "$port" \
		peer "$(wg pubkey <"$T_TMP/wg$other.key")" allowed-ips "10.99.0.0/24" \
		endpoint "$opub:$oport" persistent-keepalive 1 &&
	ip -n "$ns" addr add "$me/24" dev wg0 && ip -n "$ns" link set wg0 up
}
start_wg A "$HA" 10.99.0.1 B 51820 51821 "${LAB_PUBIP[B]}" || t_fail "wireguard-go in A"
start_wg B "$HB" 10.99.0.2 A 51821 51820 "${LAB_PUBIP[A]}" || t_fail "wireguard-go in B"
wg_shook() { [ "$(in_wg "$HA" "$T_TMP/run-A" wg show wg0 latest-handshakes | awk '{ print $2 }')" -gt 0 ]; }
t_wait_for 20 wg_shook || t_fail "no wireguard-go handshake A<->B: $(cat "$T_TMP"/wireguard-go-*.log)"
WGPIDS="$(ip netns pids "$HA" | xargs -r ps -o pid=,comm= -p | awk '$2 == "wireguard-go" { print $1 }')"
WGPIDS="$WGPIDS $(ip netns pids "$HB" | xargs -r ps -o pid=,comm= -p | awk '$2 == "wireguard-go" { print $1 }')"
lab_bg "$HB" iperf3-server iperf3 -s -B 10.99.0.2 -p 5201
t_wait_for 5 lab_udp_bound "$HB" 5201 || t_wait_for 5 sh -c "ip netns exec $HB ss -ltn | grep -q :5201" ||
	t_fail "iperf3 -s did not start"
echo "tunnel: wireguard-go A 10.99.0.1 <-> B 10.99.0.2 through both NATs"

# cpu PID...: utime + stime in ticks, summed.
cpu() { local p t=0; for p in "$@"; do t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat"))); done; echo "$t"; }

fev() { grep '"event":"file"' "$T_TMP/$1.log" | grep "\"what\":\"$2\"" | grep "\"file\":\"$3\""; }

# gonet_run FILE: MB/s and CPU seconds per GB ("RATE CPUGB"), or nothing.
gonet_run() {
	local f=$1 size c0 c1 w0 w1 k n s d
	size=$(stat -c %s "$T_TMP/$f")
	c0=$(cpu "${GPID[A]}" "${GPID[B]}")
	k=$(grep -c '"what":"offered"' "$T_TMP/B.log")
	lab_say A "/send $T_TMP/$f B"
	t_wait_for 60 sh -c "[ \$(grep -c '\"what\":\"offered\"' '$T_TMP/B.log') -gt $k ]" || return 1
	n=$(grep '"what":"offered"' "$T_TMP/B.log" | tail -1 | sed -n 's/.*"xfer":\([0-9]*\).*/\1/p')
	lab_say B "/accept $n"
	t_wait_for 900 sh -c "grep '\"event\":\"file\"' '$T_TMP/B.log' | grep '\"file\":\"$f\"' | grep -q '\"what\":\"\(done\|failed\)\"'" ||
		return 1
	fev B done "$f" >/dev/null || return 1
	t_wait_for 10 fev A done "$f" || return 1
	c1=$(cpu "${GPID[A]}" "${GPID[B]}")
	s=$(fev B started "$f" | head -1 | cut -d' ' -f1)
	d=$(fev B done "$f" | head -1 | cut -d' ' -f1)
	rm -f "$T_TMP/B/dl/$f"
	awk -v b="$size" -v us=$((d - s)) -v t=$((c1 - c0)) -v hz="$HZ" \
		'BEGIN { printf "%.2f %.2f\n", b / us, t / hz / (b / 1e9) }'
}

# iperf_run BYTES [CC]: iperf3's MB/s at its receiver (TCP congestion control
# CC, else the system's) and wireguard-go's CPU s/GB.
iperf_run() {
	local bytes=$1 c0 c1 out cc=()
	[ -n "${2:-}" ] && cc=(-C "$2")
	# shellcheck disable=SC2086
	c0=$(cpu $WGPIDS)
	out=$(lab_exec "$HA" timeout -k 2 900 iperf3 -c 10.99.0.2 -p 5201 -n "$bytes" "${cc[@]}" -J 2>&1) || return 1
	# shellcheck disable=SC2086
	c1=$(cpu $WGPIDS)
	echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)["end"]["sum_received"]
print("%.2f" % (r["bits_per_second"] / 8e6), end=" ")' || return 1
	awk -v b="$bytes" -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f\n", t / hz / (b / 1e9) }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# The system's TCP congestion control (BBR on Debian's cloud kernels) is
# the baseline the goals name; CUBIC, what gonet runs, beside it.
SYSCC=$(lab_exec "$HA" sysctl -n net.ipv4.tcp_congestion_control)
summary=()
condition() {
	local tag=$1 delay=$2 loss=$3 mb=$4 r g i c f ratios=() cratios=() grates=() irates=() crates=() cpus=() wcpus=()
	lab_delay A "$delay" || t_fail "lab_delay"
	lab_loss A "$loss" || t_fail "lab_loss"
	f=bench-$mb.bin
	[ -f "$T_TMP/$f" ] || head -c $((mb << 20)) /dev/urandom >"$T_TMP/$f"
	for ((r = 1; r <= RUNS; r++)); do
		# A name of its own each run: the events of one run are told
		# from the last one's by it.
		ln -f "$T_TMP/$f" "$T_TMP/r$r-$f"
		g=$(gonet_run "r$r-$f") || { echo "$tag run $r: gonet FAILED: $(grep -v progress "$T_TMP/A.log" | tail -2)"; continue; }
		i=$(iperf_run $((mb << 20))) || { echo "$tag run $r: iperf3 FAILED"; continue; }
		c=$(iperf_run $((mb << 20)) cubic) || { echo "$tag run $r: iperf3 -C cubic FAILED"; continue; }
		read -r grate gcpu <<<"$g"
		read -r irate wcpu <<<"$i"
		read -r crate _ <<<"$c"
		ratios+=("$(ratio "$grate" "$irate")") cratios+=("$(ratio "$grate" "$crate")")
		grates+=("$grate") irates+=("$irate") crates+=("$crate") cpus+=("$gcpu") wcpus+=("$wcpu")
		echo "$tag run $r: $mb MB: gonet $grate MB/s (CPU $gcpu s/GB); through wireguard-go TCP $SYSCC $irate MB/s" \
			"(wireguard-go CPU $wcpu s/GB), TCP cubic $crate MB/s; gonet/$SYSCC ${ratios[-1]}, gonet/cubic ${cratios[-1]}"
	done
	[ ${#ratios[@]} -gt 0 ] || { summary+=("$tag: no successful run"); return; }
	summary+=("$tag: median gonet/iperf3 ($SYSCC) $(median "${ratios[@]}"), gonet/iperf3 (cubic) $(median "${cratios[@]}"); gonet $(median "${grates[@]}") MB/s, TCP $SYSCC $(median "${irates[@]}") MB/s, TCP cubic $(median "${crates[@]}") MB/s (${#ratios[@]} runs); CPU per GB: gonet $(median "${cpus[@]}") s, wireguard-go $(median "${wcpus[@]}") s")
}
condition "no added delay" 0 0 "$FAST_MB"
condition "${DELAY_MS} ms one way, ${LOSS_PCT}% loss" "$DELAY_MS" "$LOSS_PCT" "$SLOW_MB"
lab_delay A 0
lab_loss A 0
lab_stop A
lab_stop B
echo "files bench (prc <-> prc, $RUNS runs each, same lab, same links):"
for s in "${summary[@]}"; do echo "  $s"; done
