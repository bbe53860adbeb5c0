#!/usr/bin/env bash
# bench/idle_cost.sh — what an idle, connected gonet costs the machine and
# the network.
#
#   node0 <- node1 <- node2 <- node3 <- node4    dhtnode on 127.0.0.1
#              A ─────── chat ──────── B          gonet --batch --loopback --no-stun
#
# A and B connect and exchange one line each way; then nothing is typed for
# IDLE_SECONDS (default 120). With GONET_BEFORE=/path/to/other/gonet each run
# also measures that binary the same way, each pair alone on a DHT of its
# own (a node also serves the others' listens, so two pairs on one DHT would
# pay for each other), one after the other, in alternating order.
#
# Measured on A (and A0) over the idle period:
#   bytes/min, packets/min  every UDP datagram A sends or receives on any of its
#                 sockets (data socket, OpenDHT's sockets), counted by nftables
#                 on lo: output hook by source port, input hook by destination
#                 port, the ports being those `ss -p` lists for A's pid (root
#                 and nft needed; without them these are "-"). Bytes are IP
#                 bytes, headers included. Also per socket (port) in the log.
#   wakeups/min   voluntary + nonvoluntary context switches of every thread
#                 (/proc/PID/task/*/status); per thread in the log
#   CPU           utime + stime over the period
#   RSS           VmRSS at the end
#   hour_s        where in the hour (unix time mod 3600) the idle period
#                 began: from 2940 s on, a peer also listens on the next hour's
#                 infohashes, one listen more (doc/PROTOCOL.md "Epochs")
#   join          after the idle period, a third peer C (same binary, another
#                 DHT node) joins the room: ms from C's launch to C's path-up
#                 with A (reachability of the idle peer; 100 ms resolution)
# With STRACE=1, `strace -f -c` on A during the idle period (slows A; do
# not read its wakeups then).
# With IDLE_PROXY=1, A reaches the DHT only through OpenDHT's proxy
# (--dht-proxy to a `dhtnode --proxyserver` on loopback, bootstrapped into
# the same DHT; A's --bootstrap is a dead port): A then has no UDP socket on
# the DHT, and bytes/packets also count its TCP to the proxy (both
# directions, on the output hook, by the proxy's port). With IDLE_PROXY=hybrid,
# A has both: --dht-proxy and --dht-hybrid, its UDP node bootstrapped as
# without a proxy; both are counted.
#
# RUNS (default 3) runs; the last line is the median of each figure.
# Not part of make check.
#
#   top_builddir=BUILD top_srcdir=SRC [IDLE_SECONDS=120] [RUNS=3] \
#       [GONET_BEFORE=OTHER_BUILD/gonet] [IDLE_PROXY=1|hybrid] bench/idle_cost.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export top_srcdir top_builddir

RUNS=${RUNS:-3}
if [ -z "${IDLE_ONE_RUN:-}" ]; then
	# Driver: RUNS runs of this script (per binary), then the medians.
	out=$(mktemp /tmp/gonet-idle.XXXXXX)
	trap 'rm -f "$out"' EXIT
	for ((run = 1; run <= RUNS; run++)); do
		order="after"
		if [ -n "${GONET_BEFORE:-}" ]; then
			order="before after"
			[ $((run % 2)) -eq 0 ] && order="after before"
		fi
		for w in $order; do
			echo "--- run $run/$RUNS: $w"
			bin=$top_builddir/gonet
			[ "$w" = before ] && bin=$GONET_BEFORE
			IDLE_ONE_RUN=$w IDLE_BIN=$bin "$0" | tee -a "$out"
			rc=${PIPESTATUS[0]}
			[ "$rc" -eq 0 ] || exit "$rc"
		done
	done
	echo "--- median of $RUNS runs (idle ${IDLE_SECONDS:-120} s, connected to 1 peer)"
	awk '/^result / {
		who = $2; whos[who] = 1
		for (i = 3; i <= NF; i += 2) { k = $i; keys[k] = 1; n[who, k]++; v[who, k, n[who, k]] = $(i + 1) }
	}
	function median(who, k,   m, i, j, t, a) {
		m = n[who, k]; if (m == 0) return "-"
		for (i = 1; i <= m; i++) a[i] = v[who, k, i]
		if (a[1] == "-") return "-"
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		printf "%-7s %10s %12s %12s %10s %8s %8s %8s\n", "", "bytes/min", "packets/min", "wakeups/min", "(vol/min)", "RSS kB", "CPU %", "join ms"
		split("before after", order)
		for (o = 1; o <= 2; o++) {
			who = order[o]; if (!(who in whos)) continue
			printf "%-7s %10s %12s %12s %10s %8s %8s %8s\n", who, median(who, "bytes_min"), median(who, "packets_min"),
			    median(who, "wakeups_min"), median(who, "vol_min"), median(who, "rss_kb"), median(who, "cpu_pct"),
			    median(who, "join_ms")
		}
	}' "$out"
	exit 0
fi

. "$top_srcdir/tests/lib.sh"

IDLE=${IDLE_SECONDS:-120}
t_need_cmd dhtnode timeout ss
[ -x "$T_BUILD/gonet" ] || t_fail "no $T_BUILD/gonet (run from the build directory or set top_builddir)"
[ -z "${GONET_BEFORE:-}" ] || [ -x "$GONET_BEFORE" ] || t_fail "GONET_BEFORE=$GONET_BEFORE is not executable"
T_GONET_LIMIT=$((IDLE + 120))

t_dht_local 5 $((IDLE + 150)) || t_fail "dhtnode does not start"

who=("$IDLE_ONE_RUN")
ROOM="gonet-idle/$T_ID/$RANDOM$RANDOM"
PP=
if [ -n "${IDLE_PROXY:-}" ]; then
	t_dht_proxy "${T_DHT_PORTS[1]}" $((IDLE + 150)) || t_fail "dhtnode --proxyserver does not start"
	PP=$T_PROXY_PORT
	if [ "$IDLE_PROXY" = hybrid ]; then
		T_GONET_BIN=$IDLE_BIN t_gonet A "$ROOM" "${T_DHT_PORTS[1]}" \
			--dht-proxy "http://127.0.0.1:$PP" --dht-hybrid
	else
		T_GONET_BIN=$IDLE_BIN t_gonet A "$ROOM" 9 --dht-proxy "http://127.0.0.1:$PP"
	fi
else
	T_GONET_BIN=$IDLE_BIN t_gonet A "$ROOM" "${T_DHT_PORTS[1]}"
fi
T_GONET_BIN=$IDLE_BIN t_gonet B "$ROOM" "${T_DHT_PORTS[4]}"
t_wait_for 30 grep -q '"event":"path-up"' "$T_TMP/A.log" || t_fail "A: no path-up: $(tail -3 "$T_TMP/A.log")"
t_wait_for 10 grep -q '"event":"path-up"' "$T_TMP/B.log" || t_fail "B: no path-up"
t_say A "hello from A"
t_say B "hello from B"
t_wait_for 10 grep -q '"text":"hello from B"' "$T_TMP/A.log" || t_fail "A got nothing from B"
t_wait_for 10 grep -q '"text":"hello from A"' "$T_TMP/B.log" || t_fail "B got nothing from A"
sleep 5		# let the start-up work (publication, hellos) settle

declare -A PID=(["$IDLE_ONE_RUN"]=${T_GPID[A]})

hz=$(getconf CLK_TCK)
# cpu PID: utime + stime in ticks (fields 14, 15 after the "(comm)").
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# switches PID [voluntary]: context switches of every thread.
switches() {
	local pat='^(non)?voluntary_ctxt_switches'
	[ "${2:-}" = voluntary ] && pat='^voluntary_ctxt_switches'
	cat /proc/"$1"/task/*/status 2>/dev/null | awk -v p="$pat" '$0 ~ p { s += $2 } END { print s + 0 }'
}
# per_thread PID: "tid comm switches" for each thread.
per_thread() {
	local t
	for t in /proc/"$1"/task/*; do
		awk -v tid="${t##*/}" '/^Name:/ { n = $2 } /^(non)?voluntary_ctxt_switches/ { s += $2 } END { print tid, n, s + 0 }' "$t/status" 2>/dev/null
	done
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# udp_ports PID: the local UDP ports of PID's sockets (v4 and v6, sorted, unique).
udp_ports() { ss -uanpH 2>/dev/null | awk -v p="pid=$1," 'index($0, p) { n = split($4, a, ":"); print a[n] }' | sort -nu; }

# --- nftables counters: tx by source port on output, rx by destination port on input
NFT_TABLE=
if [ "$(id -u)" -eq 0 ] && command -v nft >/dev/null 2>&1; then
	NFT_TABLE="gonet_idle_$$"
	if nft add table inet "$NFT_TABLE" &&
	   nft add chain inet "$NFT_TABLE" out '{ type filter hook output priority 0; policy accept; }' &&
	   nft add chain inet "$NFT_TABLE" in '{ type filter hook input priority 0; policy accept; }'; then
		t_on_exit "nft delete table inet $NFT_TABLE"
		for w in "${who[@]}"; do
			for port in $(udp_ports "${PID[$w]}"); do
				nft add rule inet "$NFT_TABLE" out udp sport "$port" counter comment "\"$w tx $port\"" &&
				nft add rule inet "$NFT_TABLE" in udp dport "$port" counter comment "\"$w rx $port\"" ||
					t_fail "nft rule for port $port"
			done
			# Only A talks to the proxy: both directions seen leaving on lo.
			if [ -n "$PP" ]; then
				nft add rule inet "$NFT_TABLE" out tcp dport "$PP" counter comment "\"$w tx proxy-$PP\"" &&
				nft add rule inet "$NFT_TABLE" out tcp sport "$PP" counter comment "\"$w rx proxy-$PP\"" ||
					t_fail "nft rule for the proxy"
			fi
		done
	else
		t_log "nft does not work here: no byte counts"
		nft delete table inet "$NFT_TABLE" 2>/dev/null
		NFT_TABLE=
	fi
fi
# counters: "WHO DIR PORT packets bytes" per rule.
counters() {
	[ -n "$NFT_TABLE" ] || return 0
	nft list table inet "$NFT_TABLE" | sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\) comment "\([^"]*\)".*/\3 \1 \2/p'
}

strace_pid=
if [ -n "${STRACE:-}" ] && command -v strace >/dev/null 2>&1; then
	timeout -s INT $((IDLE + 1)) strace -f -c -o "$T_TMP/strace.out" -p "${PID[$IDLE_ONE_RUN]}" &
	strace_pid=$!
	t_on_exit "kill -INT $strace_pid"
fi

declare -A C0 S0 V0 T0
counters >"$T_TMP/cnt0"
for w in "${who[@]}"; do
	p=${PID[$w]}
	C0[$w]=$(cpu "$p") S0[$w]=$(switches "$p") V0[$w]=$(switches "$p" voluntary)
	per_thread "$p" >"$T_TMP/threads0.$w"
done
t0=$(date +%s%N)
# Where in the hour: from 660 s before a room epoch's end a peer also listens on the next one.
hour_s=$(($(date +%s) % 3600))
echo "idle: A ($IDLE_ONE_RUN, $IDLE_BIN, pid ${PID[$IDLE_ONE_RUN]}) connected to B; idling $IDLE s from $hour_s s into the hour ..."
sleep "$IDLE"
for w in "${who[@]}"; do
	p=${PID[$w]}
	kill -0 "$p" 2>/dev/null || t_fail "$w: A died while idle"
	C1=$(cpu "$p") S1=$(switches "$p") V1=$(switches "$p" voluntary)
	per_thread "$p" >"$T_TMP/threads1.$w"
	C0[$w]=$((C1 - ${C0[$w]})) S0[$w]=$((S1 - ${S0[$w]})) V0[$w]=$((V1 - ${V0[$w]}))
	T0[$w]=$(status_kb "$p" VmRSS)
done
t1=$(date +%s%N)
counters >"$T_TMP/cnt1"
[ -n "$strace_pid" ] && wait "$strace_pid" 2>/dev/null
el_ms=$(((t1 - t0) / 1000000))

# A newcomer: how long until it is up with the idle A.
fp_a=$(t_fp A)
up_with_a() { grep '"event":"path-up"' "$T_TMP/C.log" | grep -q "\"fp\":\"$fp_a\""; }
j0=$(date +%s%N)
T_GONET_BIN=$IDLE_BIN t_gonet C "$ROOM" "${T_DHT_PORTS[2]}"
join_ms=-
t_wait_for 30 up_with_a && join_ms=$((($(date +%s%N) - j0) / 1000000))
[ "$join_ms" = - ] && t_log "C did not reach A within 30 s: $(tail -3 "$T_TMP/C.log")"
permin() { awk -v n="$1" -v ms="$el_ms" 'BEGIN { printf "%.0f", n * 60000 / ms }'; }

for w in "${who[@]}"; do
	grep -q '"event":"path-down"' "$T_TMP/A.log" && t_log "note: $w: A saw a path-down while idle"
	# Per socket, then the totals.
	bytes=- pkts=-
	if [ -n "$NFT_TABLE" ]; then
		awk -v w="$w" -v ms="$el_ms" 'FNR == NR { p0[$1 " " $2 " " $3] = $4; b0[$1 " " $2 " " $3] = $5; next }
		    $1 == w { k = $1 " " $2 " " $3; dp = $4 - p0[k]; db = $5 - b0[k]
		      printf "  %s %s port %s: %.0f packets/min, %.0f bytes/min\n", $1, $2, $3, dp * 60000 / ms, db * 60000 / ms
		      tp += dp; tb += db }
		    END { printf "total %.0f %.0f\n", tp * 60000 / ms, tb * 60000 / ms }' \
		    "$T_TMP/cnt0" "$T_TMP/cnt1" >"$T_TMP/sock.$w"
		grep -v '^total' "$T_TMP/sock.$w"
		read -r _ pkts bytes < <(grep '^total' "$T_TMP/sock.$w")
	fi
	# Per thread: switches over the period, by thread.
	awk 'FNR == NR { s[$1] = $3; next } { printf "  thread %s %s: %d switches\n", $1, $2, $3 - s[$1] }' \
	    "$T_TMP/threads0.$w" "$T_TMP/threads1.$w" | sort -t: -k2 -nr | head -8
	cpu_pct=$(awk -v t="${C0[$w]}" -v hz="$hz" -v ms="$el_ms" 'BEGIN { printf "%.3f", 100 * (t / hz) / (ms / 1000) }')
	echo "result $w bytes_min $bytes packets_min $pkts wakeups_min $(permin "${S0[$w]}") vol_min $(permin "${V0[$w]}") rss_kb ${T0[$w]} cpu_pct $cpu_pct join_ms $join_ms hour_s $hour_s"
done
if [ -n "$strace_pid" ]; then
	echo "strace -f -c of A over the idle period:"
	head -25 "$T_TMP/strace.out"
fi
t_say A /quit
t_say B /quit
t_say C /quit
exit 0
