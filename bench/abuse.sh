#!/usr/bin/env bash
# bench/abuse.sh — two honest peers chat while a room member abuses them.
#
#   node0 <- node1 <- node2 <- node3 <- node4     dhtnode on 127.0.0.1
#      A ──────── chat (B says a line every 100 ms) ───────── B
#      ▲ 50,000 junk datagrams/s at A's data port (abuse flood)
#      1,000 records under the room key, each a new identity whose
#      8 candidates are 127.0.0.66:40000-40007 (abuse forge), where
#      a sink counts what arrives by source port (abuse sink)
#
# Gonet is `--batch --loopback --no-stun` (loopback candidates accepted, as
# tests need). Two phases of the same run: BASE_S (default 20) of chat
# alone, then ABUSE_S (default 40) of chat under the forged records and the
# flood. For each phase and each peer: lines delivered to A out of those B
# said, latency from B's say to A's event (median, p95), CPU seconds and %
# of one core, and RSS at the phase's end (peak at the end). Then what A and
# B sent to the victim (the sink's count by source port), and their own
# exit report: punching pings sent and held back by the budget, records
# dropped with PEERS_MAX peers. Nothing is asserted. Not part of make
# check; no root; traffic only on 127.0.0.0/8.
#
#   top_builddir=BUILD top_srcdir=SRC [BASE_S=20] [ABUSE_S=40] [FORGED=1000]
#   [FLOOD_RATE=50000] bench/abuse.sh
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
. "$top_srcdir/tests/lib.sh"

BASE_S=${BASE_S:-20}
ABUSE_S=${ABUSE_S:-40}
FORGED=${FORGED:-1000}
FLOOD_RATE=${FLOOD_RATE:-50000}
VICTIM=127.0.0.66
VPORT=40000
t_need_cmd dhtnode timeout
[ -x "$T_BUILD/gonet" ] || t_fail "no $T_BUILD/gonet (run from the build directory or set top_builddir)"
H=$T_BUILD/tests/helpers/abuse
[ -x "$H" ] || t_fail "no $H (make tests/helpers/abuse)"
TOTAL=$((BASE_S + ABUSE_S + 60))
T_GONET_LIMIT=$((TOTAL + 60))
ROOM="gonet-abuse/$T_ID/$RANDOM$RANDOM"

t_dht_local 5 $((TOTAL + 120)) || t_fail "dhtnode does not start"
t_bounded sink $((TOTAL + 30)) "$H" sink "$VICTIM" "$VPORT" "$((TOTAL + 10))"
SINK=$T_PID
t_wait_for 5 grep -q listening "$T_TMP/sink.log" || t_fail "sink: $(cat "$T_TMP/sink.log")"
t_gonet A "$ROOM" "${T_DHT_PORTS[1]}"
A=$T_PID
t_gonet B "$ROOM" "${T_DHT_PORTS[4]}"
B=$T_PID
t_wait_for 30 grep -q '"event":"path-up"' "$T_TMP/A.log" || t_fail "A: no path-up: $(tail -3 "$T_TMP/A.log")"
t_wait_for 10 grep -q '"event":"path-up"' "$T_TMP/B.log" || t_fail "B: no path-up"
port_of() { sed -n 's/.*"what":"socket".*UDP port \([0-9]*\).*/\1/p' "$T_TMP/$1.log" | head -1; }
APORT=$(port_of A) BPORT=$(port_of B)
[ -n "$APORT" ] && [ -n "$BPORT" ] || t_fail "no data ports in the logs"

# A's messages, stamped as they appear (bounded by the run).
timeout $((TOTAL + 30)) tail -n +1 -F "$T_TMP/A.log" 2>/dev/null | while IFS= read -r line; do
	case $line in *'"event":"message"'*) printf '%s %s\n' "$EPOCHREALTIME" "$line" ;; esac
done >"$T_TMP/A.stamped" &
t_on_exit "kill $! 2>/dev/null"

# B says "m PHASE I SENT_TIME" every 100 ms until told to stop.
chat() {
	local i=0
	while [ ! -e "$T_TMP/stop" ]; do
		line="m $(cat "$T_TMP/phase") $i $EPOCHREALTIME"
		t_say B "$line"
		echo "$line" >>"$T_TMP/said"
		i=$((i + 1))
		sleep 0.1
	done
}
echo base >"$T_TMP/phase"
chat &
CHAT=$!
t_on_exit "touch $T_TMP/stop; kill $CHAT 2>/dev/null"

hz=$(getconf CLK_TCK)
cpu() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
declare -A C0 C1 RSS
mark() {	# mark PHASE WHEN: CPU ticks of A and B
	local p
	for p in A B; do
		local pid=$A
		[ $p = B ] && pid=$B
		eval "$2[$1$p]=$(cpu "$pid")"
		[ "$2" = C1 ] && RSS[$1$p]=$(kb "$pid" VmRSS)
	done
}

t0=$EPOCHREALTIME
mark base C0
sleep "$BASE_S"
mark base C1
t1=$EPOCHREALTIME

echo abuse >"$T_TMP/phase"
mark abuse C0
"$H" forge "127.0.0.1:${T_DHT_PORTS[2]}" "$ROOM" "$FORGED" "$VICTIM" "$VPORT" \
	>"$T_TMP/forge.log" 2>&1 &
FORGE=$!
t_on_exit "kill $FORGE 2>/dev/null"
t_bounded flood $((ABUSE_S + 10)) "$H" flood "127.0.0.1:$APORT" "$FLOOD_RATE" "$ABUSE_S"
sleep "$ABUSE_S"
mark abuse C1
t2=$EPOCHREALTIME
touch "$T_TMP/stop"
wait "$CHAT" 2>/dev/null
sleep 3		# the last lines land
wait "$FORGE" 2>/dev/null
kill -0 "$A" 2>/dev/null || t_fail "A died"
kill -0 "$B" 2>/dev/null || t_fail "B died"
hwmA=$(kb "$A" VmHWM) hwmB=$(kb "$B" VmHWM)
t_say A /quit
t_say B /quit
t_wait_for 15 grep -q '"what":"budget"' "$T_TMP/A.log" || t_log "A: no exit report"
t_wait_for 15 grep -q '"what":"budget"' "$T_TMP/B.log" || t_log "B: no exit report"
sleep 1
kill -TERM "$SINK" 2>/dev/null

# Per phase: lines A showed, lines B said (its last index + 1), latency median and p95 (ms).
said() { grep -c "^m $1 " "$T_TMP/said" 2>/dev/null || echo 0; }
for phase in base abuse; do
	awk -v ph="$phase" '
		match($0, /"text":"m [a-z]+ [0-9]+ [0-9.]+"/) {
			split(substr($0, RSTART + 8, RLENGTH - 9), f, " ")
			if (f[2] == ph) printf "%.1f\n", ($1 - f[4]) * 1000
		}' "$T_TMP/A.stamped" | sort -n >"$T_TMP/lat.$phase"
	n=$(wc -l <"$T_TMP/lat.$phase")
	med=$(awk -v n="$n" 'NR == int((n + 1) / 2) { print; exit }' "$T_TMP/lat.$phase")
	p95=$(awk -v n="$n" 'NR == int(n * 0.95 + 0.999) { print; exit }' "$T_TMP/lat.$phase")
	echo "$phase $n $(said "$phase") ${med:--} ${p95:--}"
done >"$T_TMP/chat.sum"
cat "$T_TMP/forge.log" "$T_TMP/flood.log" 2>/dev/null
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
db=$(secs "$t0" "$t1") da=$(secs "$t1" "$t2")
while read -r phase got span med p95; do
	d=$db
	[ "$phase" = abuse ] && d=$da
	for p in A B; do
		ct=$((C1[$phase$p] - C0[$phase$p]))
		printf '%-5s %s: cpu %s s (%s%% of a core over %s s), rss %s kB\n' "$phase" "$p" \
			"$(awk -v t=$ct -v hz="$hz" 'BEGIN { printf "%.2f", t / hz }')" \
			"$(awk -v t=$ct -v hz="$hz" -v d="$d" 'BEGIN { printf "%.1f", 100 * t / hz / d }')" \
			"$d" "${RSS[$phase$p]}"
	done
	echo "$phase chat: $got of $span lines B said reached A; latency median $med ms, p95 $p95 ms"
done <"$T_TMP/chat.sum"
echo "peak rss: A $hwmA kB, B $hwmB kB"
[ -n "${ABUSE_LOGS:-}" ] && cp -r "$T_TMP" "$ABUSE_LOGS"
sa=$(sed -n "s/{\"port\":$APORT,\"packets\":\([0-9]*\)}/\1/p" "$T_TMP/sink.log")
sb=$(sed -n "s/{\"port\":$BPORT,\"packets\":\([0-9]*\)}/\1/p" "$T_TMP/sink.log")
echo "to the victim $VICTIM:$VPORT-$((VPORT + 7)): A ${sa:-0} datagrams, B ${sb:-0} ($(tail -1 "$T_TMP/sink.log"))"
for p in A B; do
	sed -n 's/.*"what":"budget".*"text":"\([^"]*\)".*/'"$p"': \1/p' "$T_TMP/$p.log"
	sed -n 's/.*"what":"drops".*"text":"\([^"]*\)".*/'"$p"': \1/p' "$T_TMP/$p.log"
done
exit 0
