#!/usr/bin/env bash
# bench/room_size.sh [N] — a room of N (default 64) gonet --batch peers on
# this one host (loopback, no STUN, a local DHT of 5 dhtnode): the time from
# launching them all to
#   mesh       every peer up with every other (path-up for N-1 fingerprints);
#   delivered  every line delivered: each peer writes one line the moment it
#              is up with all the others, and the room is done when every
#              peer has received N-1 lines.
# Then, per peer (from /proc): CPU seconds used and RSS, and the datagram
# counts each printed at exit (--batch "drops" and chat counters), to see
# what grows with N. BENCH_TRACE=1 prints the counts at each poll;
# BENCH_PAIRS=FILE appends "MS PEER FP PATH" when PEER first shows path-up
# with FP (to find the pairs that come up late). Not part of make check;
# needs dhtnode, no root.
#
#   top_builddir=BUILD top_srcdir=SRC bench/room_size.sh 64
set -u
N=${1:-64}
export top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)} top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"
t_need_cmd dhtnode timeout
T_GONET_LIMIT=$((60 + 2 * N))
ROOM="bench/room/$T_ID/$RANDOM$RANDOM"

t_dht_local 5 "$T_GONET_LIMIT" || t_fail "dhtnode does not start"
PORTS=("${T_DHT_PORTS[@]}")
ms() { echo $(($(date +%s%N) / 1000000)); }

# Launched all at once (t_gonet waits for each process to show up: that
# would be timed too). Each reads a FIFO this shell holds open.
declare -A FD TPID
for ((i = 0; i < N; i++)); do
	d=$T_TMP/p$i
	mkdir -p "$d/config" "$d/cache" && mkfifo "$d/in" || t_fail "mkfifo"
	exec {fd}<>"$d/in"
	FD[p$i]=$fd
done
t0=$(ms)
for ((i = 0; i < N; i++)); do
	d=$T_TMP/p$i
	env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" GONET_BOOTSTRAP= \
		timeout -k 2 "$T_GONET_LIMIT" "$T_BUILD/gonet" --batch --loopback --no-stun \
		--no-lan-discovery --nick "p$i" --bootstrap "127.0.0.1:${PORTS[$((i % 5))]}" \
		--wait 0 ${ROOM_OPTS:-} "$ROOM" <"$d/in" >"$T_TMP/p$i.log" 2>"$T_TMP/p$i.err" &
	TPID[p$i]=$!
	t_on_exit "kill -TERM $!"
done
t_launch=$(($(ms) - t0))
declare -A said
mesh= done_t=
deadline=$((SECONDS + T_GONET_LIMIT - 10))
while [ -z "$done_t" ]; do
	full=0 complete=0 allups=0 started=0
	# One awk over every log: "INDEX UPS MESSAGES PUBLISHED" per peer.
	while read -r i ups msgs pub; do
		allups=$((allups + ups))
		started=$((started + pub))
		if [ "$ups" -ge $((N - 1)) ]; then
			full=$((full + 1))
			[ -n "${said[$i]:-}" ] || { printf 'line from p%s\n' "$i" >&"${FD[p$i]}"; said[$i]=1; }
		fi
		[ "$msgs" -ge $((N - 1)) ] && complete=$((complete + 1))
	done < <(awk 'FNR == 1 { if (f != "") out(); f = FILENAME; delete u; m = 0; p = 0 }
		/"event":"path-up"/ { if (match($0, /"fp":"[0-9a-f-]*"/)) u[substr($0, RSTART, RLENGTH)] = 1 }
		/"event":"message"/ { m++ }
		/"what":"published"/ { p = 1 }
		function out(  n, k) { n = 0; for (k in u) n++; sub(/.*\/p/, "", f); sub(/\.log$/, "", f); print f, n, m, p }
		END { if (f != "") out() }' "$T_TMP"/p*.log)
	[ -n "${BENCH_TRACE:-}" ] && echo "$(($(ms) - t0)) ms: $started published, $allups path-ups, $full with all, $complete done"
	# BENCH_PAIRS=FILE: "MS PEER FP PATH" the first time PEER shows path-up with FP.
	if [ -n "${BENCH_PAIRS:-}" ]; then
		touch "$BENCH_PAIRS"
		awk -v now=$(($(ms) - t0)) 'FILENAME == ARGV[1] { seen[$2 " " $3] = 1; next }
			/"event":"path-up"/ && match($0, /"fp":"[0-9a-f-]*"/) {
				f = FILENAME; sub(/.*\//, "", f); sub(/\.log$/, "", f)
				k = f " " substr($0, RSTART + 6, RLENGTH - 7)
				if (!(k in seen)) { seen[k] = 1; p = $0; sub(/.*"path":"/, "", p); sub(/".*/, "", p); print now, k, p }
			}' "$BENCH_PAIRS" "$T_TMP"/p*.log >>"$BENCH_PAIRS"
	fi
	[ -z "$mesh" ] && [ "$full" -eq "$N" ] && mesh=$(($(ms) - t0))
	[ "$complete" -eq "$N" ] && done_t=$(($(ms) - t0))
	if [ $SECONDS -ge $deadline ]; then
		echo "room of $N: not done in time: $full of $N up with all, $complete of $N got every line"
		break
	fi
	sleep 0.3
done
echo "room of $N: mesh ${mesh:-never} ms, every line delivered ${done_t:-never} ms (from launch; launching took $t_launch ms)"

# What each process used: CPU (utime+stime, s) and RSS (MB), min/median/max.
cpus=() rss=()
for ((i = 0; i < N; i++)); do
	pid=$(pgrep -P "${TPID[p$i]}" | head -1)
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || continue
	read -r ut st < <(awk '{ print $14, $15 }' "/proc/$pid/stat")
	cpus+=($(((ut + st) * 1000 / $(getconf CLK_TCK))))
	rss+=($(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status"))
done
summary() { local name=$1 unit=$2 s; shift 2; s=($(printf '%s\n' "$@" | sort -n));
	echo "$name: min ${s[0]}$unit median ${s[$((${#s[@]} / 2))]}$unit max ${s[$((${#s[@]} - 1))]}$unit"; }
[ ${#cpus[@]} -gt 0 ] && summary "cpu per peer" " ms" "${cpus[@]}" && summary "rss per peer" " MB" "${rss[@]}"

# Each peer's exit report: the records peer exchange sent and took in.
for ((i = 0; i < N; i++)); do
	pid=$(pgrep -P "${TPID[p$i]}" | head -1)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
done
for ((i = 0; i < 50; i++)); do
	[ "$(grep -l '"what":"pex"' "$T_TMP"/p*.log 2>/dev/null | wc -l)" -ge "$N" ] && break
	sleep 0.1
done
pex_out=() pex_in=() pex_sync=() pex_own=() pex_fwd=()
re='messages out [0-9]+ \(([0-9]+) records: ([0-9]+) full sync, ([0-9]+) ours, ([0-9]+) forwarded\), in [0-9]+ \(([0-9]+) records\)'
for ((i = 0; i < N; i++)); do
	l=$(grep -h '"what":"pex"' "$T_TMP/p$i.log" | tail -1)
	[[ $l =~ $re ]] || continue
	pex_out+=("${BASH_REMATCH[1]}") pex_in+=("${BASH_REMATCH[5]}")
	pex_sync+=("${BASH_REMATCH[2]}") pex_own+=("${BASH_REMATCH[3]}") pex_fwd+=("${BASH_REMATCH[4]}")
done
[ ${#pex_out[@]} -gt 0 ] && summary "peer exchange records out per peer" "" "${pex_out[@]}" &&
	summary "  of them in full syncs" "" "${pex_sync[@]}" &&
	summary "  of them our own news" "" "${pex_own[@]}" &&
	summary "  of them others' news" "" "${pex_fwd[@]}" &&
	summary "peer exchange records in per peer" "" "${pex_in[@]}"
[ -n "${BENCH_KEEP:-}" ] && cp -r "$T_TMP" "$BENCH_KEEP"
[ -n "$done_t" ]
