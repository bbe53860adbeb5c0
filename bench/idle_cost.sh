#!/usr/bin/env bash
# bench/idle_cost.sh — what an idle, connected gonet costs the machine.
#
#   node0 <- node1 <- node2 <- node3 <- node4    dhtnode on 127.0.0.1
#              A ─────── chat ──────── B          gonet --batch --loopback --no-stun
#
# A and B connect and exchange one line each way; then nothing is typed for
# IDLE_SECONDS (default 300). Measured on A over the idle period: CPU seconds
# (utime + stime from /proc/PID/stat), context switches (voluntary +
# nonvoluntary from /proc/PID/status, all threads) per minute, i.e. wakeups,
# and VmRSS / VmHWM at the end; with `perf` usable, also its count of
# context-switches. One summary line at the end. Not part of make check.
#
#   top_builddir=BUILD top_srcdir=SRC [IDLE_SECONDS=60] bench/idle_cost.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"

IDLE=${IDLE_SECONDS:-300}
t_need_cmd dhtnode timeout
[ -x "$T_BUILD/gonet" ] || t_fail "no $T_BUILD/gonet (run from the build directory or set top_builddir)"
T_GONET_LIMIT=$((IDLE + 120))
ROOM="gonet-idle/$T_ID/$RANDOM$RANDOM"

t_dht_local 5 $((IDLE + 150)) || t_fail "dhtnode does not start"
t_gonet A "$ROOM" "${T_DHT_PORTS[1]}"
A=$T_PID
t_gonet B "$ROOM" "${T_DHT_PORTS[4]}"
t_wait_for 30 grep -q '"event":"path-up"' "$T_TMP/A.log" || t_fail "A: no path-up: $(tail -3 "$T_TMP/A.log")"
t_wait_for 10 grep -q '"event":"path-up"' "$T_TMP/B.log" || t_fail "B: no path-up"
t_say A "hello from A"
t_say B "hello from B"
t_wait_for 10 grep -q '"text":"hello from B"' "$T_TMP/A.log" || t_fail "A got nothing from B"
t_wait_for 10 grep -q '"text":"hello from A"' "$T_TMP/B.log" || t_fail "B got nothing from A"
sleep 5		# let the start-up work (publication, hellos) settle

hz=$(getconf CLK_TCK)
# cpu PID: utime + stime in ticks (fields 14, 15 after the "(comm)").
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
# switches PID: voluntary + nonvoluntary context switches of every thread.
switches() {
	local t sum=0 v
	for t in /proc/"$1"/task/*; do
		v=$(awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status" 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

threads=$(ls /proc/$A/task | wc -l)
perf_out=
if command -v perf >/dev/null 2>&1 && timeout 5 perf stat -e context-switches -p "$A" -- sleep 0.1 >/dev/null 2>&1; then
	timeout $((IDLE + 30)) perf stat -e context-switches,cpu-clock -p "$A" -- sleep "$IDLE" 2>"$T_TMP/perf.out" &
	perf_pid=$!
	t_on_exit "kill -INT $perf_pid"
	perf_out=$T_TMP/perf.out
fi
c0=$(cpu "$A") s0=$(switches "$A") t0=$(date +%s%N)
echo "idle: A (pid $A, $threads threads) connected to B; idling $IDLE s ..."
sleep "$IDLE"
c1=$(cpu "$A") s1=$(switches "$A") t1=$(date +%s%N)
kill -0 "$A" 2>/dev/null || t_fail "A died while idle"
[ -n "$perf_out" ] && wait "$perf_pid" 2>/dev/null
rss=$(status_kb "$A" VmRSS) hwm=$(status_kb "$A" VmHWM)
el_ms=$(((t1 - t0) / 1000000))
cpu_s=$(awk -v t=$((c1 - c0)) -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')
cpu_pct=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v ms="$el_ms" 'BEGIN { printf "%.3f", 100 * (t / hz) / (ms / 1000) }')
wpm=$(awk -v n=$((s1 - s0)) -v ms="$el_ms" 'BEGIN { printf "%.0f", n * 60000 / ms }')
perf_wpm=
if [ -n "$perf_out" ]; then
	n=$(awk '/context-switches/ { gsub(",", "", $1); print $1 }' "$perf_out")
	[ -n "$n" ] && perf_wpm=$(awk -v n="$n" -v ms="$el_ms" 'BEGIN { printf "%.0f", n * 60000 / ms }')
fi
grep -q '"event":"path-down"' "$T_TMP/A.log" && t_log "note: A saw a path-down while idle"
echo "rss: ${rss} kB (peak ${hwm} kB); cpu: ${cpu_s} s in $((el_ms / 1000)) s (${cpu_pct}%); context switches: $((s1 - s0)) ($wpm/min, $threads threads)${perf_wpm:+; perf context-switches: $perf_wpm/min}"
echo "summary: idle ${IDLE} s, connected to 1 peer: RSS ${rss} kB, CPU ${cpu_s} s (${cpu_pct}%), ${wpm} wakeups/min${perf_wpm:+ (perf $perf_wpm/min)}"
t_say A /quit
t_say B /quit
exit 0
