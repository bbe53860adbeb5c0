#!/usr/bin/env bash
# bench/nat_latency.sh [RUNS] — time to first data between two gonet peers,
# each behind a port-restricted cone NAT whose access link adds DELAY_MS
# (default 40) one way, each direction (tests/lab/delayer): 80 ms RTT between
# a host and the internet, 160 ms between the peers. RUNS (default 10) fresh
# rooms and fresh identities in one lab; prints every run and the medians.
# Time counts from launching both processes (Argon2id included) to "path-up"
# on both, and to the first "message" received (each side writes a line at
# its own path-up). Root; not part of make check. The peers keep their
# identity and DHT node across runs (as a user restarting gonet would);
# BENCH_FRESH=1 makes new ones each run.
#
#   internet ── dht1 dht2 dht3, stun
#     ├─ A prc ══ 40 ms ══ hA1
#     └─ B prc ══ 40 ms ══ hB1
#
#   top_builddir=BUILD top_srcdir=SRC bench/nat_latency.sh [RUNS]
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
RUNS=${1:-10}
DELAY_MS=${DELAY_MS:-40}
LIMIT_S=${LIMIT_S:-40}
LAB_GONET_LIMIT=$((LIMIT_S + 10))
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"

lab_init || t_fail "lab_init"
for s in "A prc" "B prc"; do
	lab_site $s || t_fail "lab_site $s"
	lab_check_site $s || t_fail "site $s does not behave as named"
	lab_delay "${s% *}" "$DELAY_MS" || t_fail "lab_delay"
done
lab_exec "$(lab_host A)" "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 5 --interval 50 | sed 's/^/A to the internet: /'

median() {
	local s n
	s=($(printf '%s\n' "$@" | sort -n))
	n=${#s[@]}
	if ((n % 2)); then echo "${s[$((n / 2))]}"; else echo $(((s[n / 2 - 1] + s[n / 2]) / 2)); fi
}

ups=() msgs=()
for ((r = 1; r <= RUNS; r++)); do
	# The same two users every run (BENCH_FRESH=1: new identities each run).
	# Fresh ones leave a dead DHT node behind per run, and each dead node in
	# the tiny lab DHT's routing tables costs lookups ~1 s: runs would slow
	# down one after the other (measured: 1.1 s first, 5 s by the 8th).
	A=A B=B room="bench/$T_ID/$r/$RANDOM$RANDOM"
	[ -n "${BENCH_FRESH:-}" ] && A=r${r}A B=r${r}B
	t0=$(lab_ms)
	lab_gonet "$(lab_host A)" "$A" "$room" 203.0.113.11:4222
	lab_gonet "$(lab_host B)" "$B" "$room" "203.0.113.1$LAB_DHT_N:4222"
	upA= upB= msg= saidA= saidB=
	while [ -z "$msg" ] || [ -z "$upA" ] || [ -z "$upB" ]; do
		now=$(lab_ms)
		[ $((now - t0)) -lt $((LIMIT_S * 1000)) ] || break
		[ -z "$upA" ] && lab_event "$A" path-up >/dev/null && upA=$((now - t0))
		[ -z "$upB" ] && lab_event "$B" path-up >/dev/null && upB=$((now - t0))
		[ -n "$upA" ] && [ -z "$saidA" ] && { lab_say "$A" "first from A"; saidA=1; }
		[ -n "$upB" ] && [ -z "$saidB" ] && { lab_say "$B" "first from B"; saidB=1; }
		[ -z "$msg" ] && grep -q '"event":"message"' "$T_TMP/$A.log" "$T_TMP/$B.log" && msg=$((now - t0))
		sleep 0.02
	done
	lab_stop "$A"
	lab_stop "$B"
	if [ -z "$msg" ] || [ -z "$upA" ] || [ -z "$upB" ]; then
		echo "run $r: FAILED (path-up ${upA:--}/${upB:--} ms, first message ${msg:--} ms)"
		tail -n 5 "$T_TMP/$A.log" "$T_TMP/$B.log" | sed 's/^/    /'
		continue
	fi
	up=$((upA > upB ? upA : upB))
	echo "run $r: path-up $upA/$upB ms, first message $msg ms ($(lab_field "$(lab_event "$A" path-up)" path))"
	ups+=("$up") msgs+=("$msg")
done
[ ${#msgs[@]} -gt 0 ] || t_fail "no successful run"
echo "nat latency (prc<->prc, ${DELAY_MS} ms each way per access link): ${#msgs[@]}/$RUNS runs," \
	"median path-up (both) $(median "${ups[@]}") ms, median first message $(median "${msgs[@]}") ms"
