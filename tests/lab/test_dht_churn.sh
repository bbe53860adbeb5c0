#!/usr/bin/env bash
# tests/lab/test_dht_churn.sh — two peers behind port-restricted NATs meet on
# a DHT that churns: nodes come and go without a word, so routing tables
# hold the dead, and links are slow.
#
#   internet ── dht1..dht16 (one namespace each), stun
#      ├─ CH (none) ── 24 short-lived dhtnode: each joins, lives 2 s, SIGKILL
#      ├─ SA (prc, 40 ms one way on its access link) ── A
#      └─ SB (prc, 40 ms one way on its access link) ── B
#
# Before the peers: the churners come and go, and dht5..dht8 are killed
# (SIGKILL) and replaced by fresh nodes (new ids, port 4223) in their
# namespaces. While A and B start, dht9..dht12 go the same way: half of the
# DHT the peers were told about is dead. A bootstraps from dht16, B from
# dht2 (both stay). Checks: each prints "peer" and "path-up" for the other
# within 40 s, and a line each way is delivered. Prints the launch-to-peer
# and launch-to-path-up times (bench/dht_rendezvous.sh measures
# distributions; this only asserts the meeting). Bounded well under two
# minutes of its own (the lab lock may wait for other labs first). Root,
# else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
LAB_DHT_N=16
LAB_GONET_LIMIT=60
LAB_LIMIT=150
DELAY=40
NCHURN=24

lab_init || t_fail "lab_init"
lab_site CH none || t_fail "lab_site CH"
lab_site SA prc || t_fail "lab_site SA"
lab_site SB prc || t_fail "lab_site SB"
if [ -x "$LAB_BIN/delayer" ]; then
	lab_delay SA $DELAY && lab_delay SB $DELAY || t_fail "lab_delay"
else
	t_log "no delayer (built without libnetfilter_queue): no added delay"
	DELAY=0
fi

# replace I: the lab's dhtnode I vanishes (SIGKILL, no goodbye); a new node
# with a new id takes its namespace on another port.
replace() {
	local ns=$T_ID-dht$1
	ip netns pids "$ns" | xargs -r kill -KILL
	lab_bg "$ns" "dht$1-new" dhtnode -s -p 4223 -b "$LAB_DHT"
}

# The churners: each joins through some lab node, lives 2 s and is killed.
ch=$(lab_host CH)
pids=()
for ((c = 0; c < NCHURN; c++)); do
	ip netns exec "$ch" timeout -s KILL 2 dhtnode -s -p 0 \
		-b "$(lab_dht_ip $((1 + c % LAB_DHT_N))):4222" </dev/null >/dev/null 2>&1 &
	pids+=($!)
done
for i in 5 6 7 8; do replace $i; done
wait "${pids[@]}" 2>/dev/null
sleep 1

ROOM="lab/$T_ID/churn/$RANDOM$RANDOM"
t0=$(lab_ms)
lab_gonet "$(lab_host SA)" A "$ROOM" "$(lab_dht_ip $LAB_DHT_N):4222"
lab_gonet "$(lab_host SB)" B "$ROOM" 203.0.113.12:4222
for i in 9 10 11 12; do replace $i; done
for p in A B; do
	t_wait_for 10 grep -q '"what":"identity"' "$T_TMP/$p.log" ||
		t_fail "$p did not start: $(cat "$T_TMP/$p.err")"
done
fp() { sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$1.log" | head -1; }
FA=$(fp A)
FB=$(fp B)
ev() { grep "\"event\":\"$2\"" "$T_TMP/$1.log" | grep -q "\"fp\":\"$3\""; }

ta= tb= ua= ub=
deadline=$((SECONDS + 40))
while [ -z "$ua" ] || [ -z "$ub" ]; do
	[ -z "$ta" ] && ev A peer "$FB" && ta=$(($(lab_ms) - t0))
	[ -z "$tb" ] && ev B peer "$FA" && tb=$(($(lab_ms) - t0))
	[ -z "$ua" ] && ev A path-up "$FB" && ua=$(($(lab_ms) - t0))
	[ -z "$ub" ] && ev B path-up "$FA" && ub=$(($(lab_ms) - t0))
	if [ $SECONDS -ge $deadline ]; then
		tail -n 15 "$T_TMP/A.log" "$T_TMP/B.log" >&2
		t_fail "no meeting in 40 s (A saw B: ${ta:-no}, up ${ua:-no}; B saw A: ${tb:-no}, up ${ub:-no})"
	fi
	sleep 0.05
done
echo "churn ($NCHURN churners, 8 of 16 nodes replaced, ${DELAY} ms one way):" \
	"peer after A $ta ms, B $tb ms; path-up A $ua ms, B $ub ms (from launch)"

got() { grep '"event":"message"' "$T_TMP/$1.log" | grep "\"fp\":\"$2\"" | grep -q "\"text\":\"$3\""; }
lab_say A "hello from A"
lab_say B "hello from B"
t_wait_for 10 got B "$FA" "hello from A" || t_fail "B did not get A's line"
t_wait_for 10 got A "$FB" "hello from B" || t_fail "A did not get B's line"
exit 0
