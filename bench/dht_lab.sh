#!/usr/bin/env bash
# bench/dht_lab.sh [RUNS] — first contact on the full lab DHT, fresh and
# churned (issue 11's acceptance bench). For each condition, one lab
# (tests/lab/lab.sh) is built:
#
#   internet ── dht1..dhtW (W = DHT_N - NAT_N, one namespace each)
#      ├─ N1..N(NAT_N, default DHT_N/4): port-restricted NAT sites, a
#      │  dhtnode in each host
#      ├─ CH (none) and CN (prc): where churners live
#      ├─ SA (prc) ── A        SB (prc) ── B         stun, refl
#
# with DELAY ms one way on every link (lab_delay_wire: each namespace on the
# wire delays its ingress, so every crossing of the internet is delayed
# once) and LOSS % loss per crossing. The delay is measured (natcheck echo to
# the reflector from a DHT node, a NATed DHT node's host, A's host and CH)
# and printed. Then RUNS times (default 20): A and B, two fresh gonet
# --batch (new HOME, new identity, new room) in SA and SB, each told one
# stable DHT node (of dht1..dht8, never replaced; BOOTS=K: K of them), are
# launched together, each with a line already on its stdin; the bench
# stamps (polling every 20 ms) when B prints A's line (a2b), A prints B's
# (b2a), each prints the other's "peer" and "path-up"; then both are
# stopped. The conditions:
#   fresh    the lab as built, after SETTLE s (default 10)
#   churned  churn runs in the background from SETTLE s on and all through
#            the runs: every CHURN_GAP s (0.4) a churner (lab_churner, half
#            in CH, half behind CN's NAT) joins through a random lab node,
#            puts and gets, and is SIGKILLed after 3-8 s; every REPLACE s
#            (10) a lab node of dht9..dhtW is SIGKILLed and replaced by a new
#            id. The runs start once CHURN (100) churners have come and gone.
# Each run's two peers also come and go, so the fresh DHT has seen 2 x RUNS
# gonet nodes leave by its last run; on the churned one the dead pile up
# while the runs go on (a routing table forgets a node 10 minutes after it
# last answered), so later runs meet more of them, and a longer bench (A/B,
# below) a harder DHT.
#
# Prints each run, then per condition and measure every value (sorted),
# min, median, p95 (nearest rank), max, and whether a2b meets the goal
# (median <= 1.5 s, p95 <= 3 s). Environment: RUNS, CONDITIONS ("fresh
# churned"), DHT_N (64), NAT_N, DELAY (40, or LO-HI: each namespace its own),
# LOSS (0), CHURN, CHURN_GAP, REPLACE, SETTLE, BOOTS (1), PROXY (1: a
# warm `dhtnode --proxyserver 8000` beside dht1, printed), GONET_OPTS
# (extra options for A and B, for levers), LAB_GONET (the gonet binary,
# default BUILD/gonet), LEVER_BOOTS, LEVER_OPTS, LEVER_GONET (any of them:
# each run is made twice on the same lab, as set and with the lever, the
# two taking turns to go first; both distributions are printed),
# BENCH_LOGS (a directory: every run's events, each with its ms since
# launch, stderr and OpenDHT's own log (--dht-log) are kept there). About
# 8 minutes for RUNS=20 and both conditions, 9 for one condition with a
# lever. Root (the lab), else SKIP (77); not part of make check.
#
#   top_builddir=BUILD top_srcdir=SRC bench/dht_lab.sh [RUNS]
set -u
export LC_ALL=C
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_srcdir=$src top_builddir=${top_builddir:-$(pwd)}

# --- the driver: one child per condition, then the table ---------------------
if [ "${1:-}" != --condition ]; then
	export RUNS=${1:-${RUNS:-20}}
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
	out=$(mktemp -d /tmp/gonet-dht-lab.XXXXXX)
	trap 'rm -rf "$out"' EXIT
	for c in ${CONDITIONS:-fresh churned}; do
		timeout -k 10 1500 bash "$0" --condition "$c" 2>&1 | tee "$out/$c"
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 77 ] && exit 77
		[ "$rc" -eq 0 ] || echo "condition $c: exit $rc"
	done
	stats() {	# NAME VALUE...
		local name=$1 n med p95 s
		shift
		[ $# -gt 0 ] || { printf '%-22s no successful run\n' "$name"; return; }
		s=($(printf '%s\n' "$@" | sort -n))
		n=${#s[@]}
		if ((n % 2)); then med=${s[$((n / 2))]}; else med=$(((s[n / 2 - 1] + s[n / 2]) / 2)); fi
		p95=${s[$(((95 * n + 99) / 100 - 1))]}
		printf '%-22s n %2d  min %5d  median %5d  p95 %5d  max %5d ms\n' "$name" "$n" "${s[0]}" "$med" "$p95" "${s[$((n - 1))]}"
		printf '%-22s all: %s\n' "" "${s[*]}"
		STAT_MED=$med STAT_P95=$p95
	}
	echo
	echo "=== first contact on the lab DHT (DHT_N ${DHT_N:-64}, ${DELAY:-40} ms one way, loss ${LOSS:-0} %, BOOTS ${BOOTS:-1}${GONET_OPTS:+, options $GONET_OPTS}), ms from launch ==="
	[ -z "${LEVER_BOOTS:-}${LEVER_OPTS:-}${LEVER_GONET:-}" ] ||
		echo "    lever: BOOTS ${LEVER_BOOTS:-${BOOTS:-1}}, options ${LEVER_OPTS:-${GONET_OPTS:-none}}, gonet ${LEVER_GONET:-the same}; runs alternate on one lab"
	for c in ${CONDITIONS:-fresh churned}; do
		[ -f "$out/$c" ] || continue
		variants=("")
		grep -q '^run [0-9]* lever:' "$out/$c" && variants=(base lever)
		for v in "${variants[@]}"; do
		echo "--- $c${v:+ ($v)}: $(sed -n 's/^churn: //p' "$out/$c" | tail -1)"
		pre="^run [0-9]*${v:+ $v}:"
		fails=$(grep -c "$pre FAILED" "$out/$c")
		for m in a2b b2a both peer up; do
			case $m in
			a2b) name="A->B first message" ;;
			b2a) name="B->A first message" ;;
			both) name="both ways (later)" ;;
			peer) name="peer seen (later)" ;;
			up) name="path-up (later)" ;;
			esac
			# shellcheck disable=SC2046
			stats "$name" $(sed -n "s/$pre.* $m \([0-9][0-9]*\).*/\1/p" "$out/$c")
			if [ "$m" = a2b ] && [ -n "${STAT_MED:-}" ]; then
				if [ "$STAT_MED" -le 1500 ] && [ "$STAT_P95" -le 3000 ] && [ "$fails" -eq 0 ]; then
					echo "                       goal (median <= 1500, p95 <= 3000, no failure): met"
				else
					echo "                       goal (median <= 1500, p95 <= 3000, no failure): NOT met"
				fi
			fi
			STAT_MED=
		done
		echo "                       failed runs: $fails"
		done
	done
	exit 0
fi

# --- one condition -----------------------------------------------------------
cond=$2
case $cond in fresh | churned) ;; *) echo "condition fresh or churned, not $cond" >&2; exit 2 ;; esac
. "$src/tests/lib.sh"
t_need_root
. "$src/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
RUNS=${RUNS:-20}
DHT_N=${DHT_N:-64}
DELAY=${DELAY:-40}
LOSS=${LOSS:-0}
CHURN=${CHURN:-100}
CHURN_GAP=${CHURN_GAP:-0.4}
REPLACE=${REPLACE:-10}
SETTLE=${SETTLE:-10}
BOOTS=${BOOTS:-1}
LEVER=${LEVER_BOOTS:-}${LEVER_OPTS:-}${LEVER_GONET:-}
STABLE=8			# dht1..dht8 are never replaced: the peers' bootstrap nodes
MEET_LIMIT=30			# s a run may take
NAT_N=${NAT_N:-$((DHT_N / 4))}
LAB_DHT_N=$((DHT_N - NAT_N))
LAB_LIMIT=1400
LAB_GONET_LIMIT=$((MEET_LIMIT + 15))
[ "$LAB_DHT_N" -gt "$STABLE" ] || t_fail "DHT_N $DHT_N: at least $(((STABLE + 1) * 4 / 3 + 1))"
read -r -a gopts <<<"${GONET_OPTS:-}"
ms_now() { echo $((${EPOCHREALTIME/./} / 1000)); }

lab_init || t_fail "lab_init"
t_setup=$((${LAB_LOCKED_AT/./} / 1000))
for ((j = 1; j <= NAT_N; j++)); do
	lab_dht_site "N$j" prc "${LAB_DHT_AT[$((1 + RANDOM % LAB_DHT_N))]}" || t_fail "lab_dht_site N$j"
done
for s in SA SB CN; do lab_site "$s" prc || t_fail "lab_site $s"; done
lab_site CH none || t_fail "lab_site CH"
lab_static_neigh || t_fail "lab_static_neigh"
lab_delay_wire "$DELAY" "$LOSS" || t_fail "lab_delay_wire"
# PROXY=1: OpenDHT's proxy beside dht1 (its namespace, its own node
# bootstrapped to dht1), up from the start like a public proxy: warm by the
# runs. Peers use it with --dht-proxy (GONET_OPTS or LEVER_OPTS).
if [ -n "${PROXY:-}" ]; then
	lab_bg "$T_ID-dht1" proxy dhtnode -s -p 4224 -b "127.0.0.1:$LAB_DHT_PORT" --proxyserver 8000
	t_wait_for 5 eval "ip netns exec '$T_ID-dht1' ss -ltnH | grep -q ':8000 '" ||
		t_fail "the proxy does not listen: $(tail -3 "$T_TMP/proxy.log")"
	echo "proxy: http://${LAB_DHT_AT[1]%:*}:8000 (dhtnode --proxyserver beside dht1)"
fi
nns=$(ip netns list | grep -c "^$T_ID-")
echo "setup: $(($(ms_now) - t_setup)) ms for $nns namespaces, $LAB_DHT_N dhtnode on the wire + $NAT_N behind port-restricted NATs, ${#LAB_WDELAY[@]} delayers"

# The delay as measured: a round trip to the reflector is the reflector's
# ingress delay plus the sender's.
refl=$T_ID-refl
for ns in "$T_ID-dht1" "$T_ID-dht$LAB_DHT_N" ${LAB_HOSTS[N1]:-} "$(lab_host SA)" "$(lab_host CH)"; do
	out=$(ip netns exec "$ns" timeout -k 1 15 "$LAB_BIN/natcheck" echo --server "$LAB_REFL" --count 10 --interval 50 --wait 1000)
	src_ns=$ns
	case $ns in *-h1) src_ns=${LAB_EDGE[$(sed 's/.*-\(.*\)-h1$/\1/' <<<"$ns")]%% *} ;; esac
	want=$((LAB_WDELAY_MS[$src_ns] + LAB_WDELAY_MS[$refl]))
	echo "delay: ${ns#"$T_ID-"} <-> refl: $out (want rtt $want ms = one way ${LAB_WDELAY_MS[$refl]} + ${LAB_WDELAY_MS[$src_ns]})"
done
# natcheck reads a lost answer as filtering: under LOSS a mismatch is only told.
for s in SA SB; do
	lab_check_site "$s" prc || [ "$LOSS" -gt 0 ] || t_fail "site $s"
done
sleep "$SETTLE"
# shellcheck disable=SC2046
echo "memory: $(ip netns list | awk -v p="$T_ID-" 'index($1, p) == 1 { print $1 }' | while read -r ns; do ip netns pids "$ns"; done |
	xargs -r ps -o rss= -p | awk '{ s += $1 } END { printf "%d", s / 1024 }') MB resident in the lab's processes; load $(cut -d' ' -f1-3 /proc/loadavg)"

# --- churn (background, bounded by LAB_LIMIT, stopped at exit) ----------------
churn_log=$T_TMP/churn.log
: >"$churn_log"
churn_loop() {
	local ch cn next=$((SECONDS + REPLACE)) life ns n=0 i tick
	ch=$(lab_host CH) cn=$(lab_host CN)
	exec {tick}<>"$T_TMP/churn.tick"
	while [ $SECONDS -lt $LAB_LIMIT ]; do
		life=$((3 + RANDOM % 6))
		if ((n++ % 2)); then ns=$cn; else ns=$ch; fi
		lab_churner "$ns" "${LAB_DHT_AT[$((1 + RANDOM % LAB_DHT_N))]}" "$life"
		echo "churner $EPOCHSECONDS $life" >>"$churn_log"
		if [ $SECONDS -ge $next ]; then
			i=$((STABLE + 1 + RANDOM % (LAB_DHT_N - STABLE)))
			lab_dht_replace "$i"
			echo "replaced $EPOCHSECONDS $i ${LAB_DHT_AT[$i]}" >>"$churn_log"
			next=$((SECONDS + REPLACE))
		fi
		read -r -t "$CHURN_GAP" -u "$tick"
	done
}
gone() { awk -v now="$EPOCHSECONDS" '$1 == "churner" && $2 + $3 <= now { n++ } END { print n + 0 }' "$churn_log"; }
replaced() { grep -c '^replaced' "$churn_log"; }
if [ "$cond" = churned ]; then
	mkfifo "$T_TMP/churn.tick"
	churn_loop &
	churn_pid=$!
	t_on_exit "kill $churn_pid"
	enough() { [ "$(gone)" -ge "$CHURN" ]; }
	t_wait_for 180 enough || t_fail "only $(gone) churners came and went in 180 s"
	echo "churn: before the runs $(gone) churners came and went, $(replaced) lab nodes replaced"
fi

# --- the runs ------------------------------------------------------------------
mkfifo "$T_TMP/tick"
exec {TICK}<>"$T_TMP/tick"
declare -A st part
# take NAME FD T0: stamp the events of the complete lines NAME's log gained.
take() {
	local name=$1 fd=$2 t0=$3 line t
	while :; do
		line=
		if IFS= read -r -u "$fd" line; then
			line=${part[$name]:-}$line
			part[$name]=
		else
			part[$name]=${part[$name]:-}$line
			return
		fi
		t=$(($(ms_now) - t0))
		printf '%6d %s\n' "$t" "$line" >>"$T_TMP/$name.stamped"
		case $line in
		*'"event":"peer"'*) : "${st[$name.peer]:=$t}" ;;
		*'"event":"path-up"'*) : "${st[$name.up]:=$t}" ;;
		*'"event":"message"'*'"text":"hello from '*) : "${st[$name.msg]:=$t}" ;;
		esac
	done
}
max() { if [ "$1" -gt "$2" ]; then echo "$1"; else echo "$2"; fi; }
# run I VARIANT: one run; VARIANT "lever" takes LEVER_BOOTS, LEVER_OPTS and
# LEVER_GONET instead of BOOTS, GONET_OPTS and LAB_GONET.
run() {
	local i=$1 v=$2 boots ba bb A B fa fb t0 pa pb k line room nb=$BOOTS opts=("${gopts[@]}") LAB_GONET=$LAB_GONET
	if [ "$v" = lever ]; then
		nb=${LEVER_BOOTS:-$BOOTS}
		read -r -a opts <<<"${LEVER_OPTS:-${GONET_OPTS:-}}"
		LAB_GONET=${LEVER_GONET:-$LAB_GONET}
	fi
	room="lab/$T_ID/$cond/$i/$v/$RANDOM$RANDOM"
	boots=($(shuf -i 1-$STABLE -n $((2 * nb > STABLE ? STABLE : 2 * nb))))
	ba=() bb=()
	for ((k = 0; k < nb; k++)); do
		ba+=(--bootstrap "${LAB_DHT_AT[${boots[$((k % ${#boots[@]}))]}]}")
		bb+=(--bootstrap "${LAB_DHT_AT[${boots[$(((nb + k) % ${#boots[@]}))]}]}")
	done
	A=A$i$v B=B$i$v
	: >"$T_TMP/$A.log"
	: >"$T_TMP/$B.log"
	exec {fa}<"$T_TMP/$A.log" {fb}<"$T_TMP/$B.log"
	st=() part=()
	local la=() lb=()
	if [ -n "${BENCH_LOGS:-}" ]; then
		mkdir -p "$BENCH_LOGS/$cond"
		la=(--dht-log "$BENCH_LOGS/$cond/$A.dht") lb=(--dht-log "$BENCH_LOGS/$cond/$B.dht")
	fi
	t0=$(ms_now)
	lab_gonet "$(lab_host SA)" "$A" "$room" "${ba[1]}" "${ba[@]:2}" "${opts[@]}" "${la[@]}"
	pa=$LAB_PID
	lab_gonet "$(lab_host SB)" "$B" "$room" "${bb[1]}" "${bb[@]:2}" "${opts[@]}" "${lb[@]}"
	pb=$LAB_PID
	lab_say "$A" "hello from A $i"
	lab_say "$B" "hello from B $i"
	while [ -z "${st[$A.msg]:-}" ] || [ -z "${st[$B.msg]:-}" ] || [ -z "${st[$A.up]:-}" ] || [ -z "${st[$B.up]:-}" ]; do
		take "$A" "$fa" "$t0"
		take "$B" "$fb" "$t0"
		[ $(($(ms_now) - t0)) -lt $((MEET_LIMIT * 1000)) ] || break
		kill -0 "$pa" 2>/dev/null && kill -0 "$pb" 2>/dev/null || break
		read -r -t 0.02 -u "$TICK"
	done
	lab_hangup "$A"
	lab_hangup "$B"
	for ((k = 0; k < 30; k++)); do
		kill -0 "$pa" 2>/dev/null || kill -0 "$pb" 2>/dev/null || break
		read -r -t 0.1 -u "$TICK"
	done
	kill -TERM "$pa" "$pb" 2>/dev/null
	take "$A" "$fa" "$t0"	# the rest, for BENCH_LOGS (stamped as read)
	take "$B" "$fb" "$t0"
	exec {fa}<&- {fb}<&-
	line="boot ${ba[1]} ${bb[1]}"
	if [ -n "${st[$B.msg]:-}" ] && [ -n "${st[$A.msg]:-}" ]; then
		line="$line a2b ${st[$B.msg]} b2a ${st[$A.msg]} both $(max "${st[$B.msg]}" "${st[$A.msg]}")"
	else
		line="FAILED $line a2b ${st[$B.msg]:--} b2a ${st[$A.msg]:--}"
	fi
	[ -n "${st[$A.peer]:-}" ] && [ -n "${st[$B.peer]:-}" ] && line="$line peer $(max "${st[$A.peer]}" "${st[$B.peer]}")"
	[ -n "${st[$A.up]:-}" ] && [ -n "${st[$B.up]:-}" ] && line="$line up $(max "${st[$A.up]}" "${st[$B.up]}")"
	echo "run $i${LEVER:+ $v}: $line (peer/path-up A ${st[$A.peer]:--}/${st[$A.up]:--} B ${st[$B.peer]:--}/${st[$B.up]:--})"
	if [ -n "${BENCH_LOGS:-}" ]; then
		mkdir -p "$BENCH_LOGS/$cond" && cp "$T_TMP/$A.stamped" "$T_TMP/$A.err" "$T_TMP/$B.stamped" "$T_TMP/$B.err" "$BENCH_LOGS/$cond/" 2>/dev/null
	fi
	read -r -t 1 -u "$TICK"	# both gone (or going) before the next pair
}
for ((i = 1; i <= RUNS; i++)); do
	if [ -z "$LEVER" ]; then
		run "$i" base
	elif ((i % 2)); then	# the two variants take turns going first
		run "$i" base
		run "$i" lever
	else
		run "$i" lever
		run "$i" base
	fi
done
[ "$cond" = churned ] && echo "churn: by the end $(gone) churners came and went, $(replaced) lab nodes replaced"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
