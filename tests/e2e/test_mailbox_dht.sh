#!/usr/bin/env bash
# tests/e2e/test_mailbox_dht.sh — two chats over the DHT mailbox only, on a real
# local OpenDHT network, while a third process floods the recipient's mailbox.
#
#   node0 <- node1 <- node2 <- node3 <- node4     dhtnode on 127.0.0.1,
#              ^                 ^        ^       each bootstraps to the previous
#              A (send)          B (recv) C (flood)
#
# A and B each run a chat_peer whose transmit is mailbox_send() and a mailbox
# whose deliver is chat_peer_input() (tests/helpers/mailboxc.c). A sends 100 MSGs
# (every 10th 1000 bytes long, so values over OpenDHT's 600-byte inline
# limit are used too). C puts junk, another room's values, forged values,
# values from a non-member, for someone else, expired, oversized and
# malformed ones under B's mailbox, and replays A's values.
#
# Checks: every message delivered once and in order, all acknowledged; B
# counted each kind of junk under its reason; prints the time per message.
# Needs no root: loopback only. SKIP if dhtnode is missing.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout
M=$T_BUILD/tests/helpers/mailboxc
[ -x "$M" ] || t_fail "no $M"
LIMIT=80			# upper bound on any process we start
COUNT=${T_MAILBOX_COUNT:-100}
ROOM="gonet-test/$T_ID/mailbox/$RANDOM$RANDOM"

# bounded NAME CMD...: as in test_dht_rendezvous.sh; sets T_PID.
bounded() {
	local name=$1 child tpid
	shift
	timeout -k 2 $LIMIT "$@" >"$T_TMP/$name.log" 2>"$T_TMP/$name.err" &
	tpid=$!
	t_wait_for 2 pgrep -P "$tpid" || true
	child=$(pgrep -P "$tpid" | head -1)
	t_on_exit "kill -TERM ${child:-$tpid}; sleep 0.3; kill -KILL ${child:-$tpid} $tpid"
	T_PID=${child:-$tpid}
}

t_dht_local 5 "$LIMIT" || t_fail "dhtnode does not start"
PORTS=("${T_DHT_PORTS[@]}")

seed() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
SA=$(seed) SB=$(seed) SC=$(seed)
A=$("$M" id "$SA") B=$("$M" id "$SB")
[ ${#A} -eq 64 ] && [ ${#B} -eq 64 ] || t_fail "mailboxc id: '$A' '$B'"

bounded B "$M" recv "127.0.0.1:${PORTS[3]}" "$ROOM" "$SB" "$A" "$COUNT" 60
BPID=$T_PID
bounded A "$M" send "127.0.0.1:${PORTS[1]}" "$ROOM" "$SA" "$B" "$COUNT" 10 60
APID=$T_PID
t_wait_for 10 grep -q '"event":"start"' "$T_TMP/A.log" || t_fail "A did not start: $(cat "$T_TMP/A.err")"
bounded C "$M" flood "127.0.0.1:${PORTS[4]}" "$ROOM" "$SC" "$B" "$A" 5

# Wait for A and B to finish (each has its own 60 s limit).
for who in A B; do
	t_wait_for 70 grep -q '"event":"stats"' "$T_TMP/$who.log" ||
		t_fail "$who did not finish: $(tail -5 "$T_TMP/$who.log") $(cat "$T_TMP/$who.err")"
done
t_wait_for 15 grep -q '"event":"flooded"' "$T_TMP/C.log" || t_fail "C did not flood: $(cat "$T_TMP/C.err")"

grep -h '"event":"done"' "$T_TMP/A.log" "$T_TMP/B.log"
grep -h '"event":"flooded"' "$T_TMP/C.log"
grep -h '"event":"stats"' "$T_TMP/B.log" | sed 's/^/B /'

# A: everything acknowledged, nothing reported undelivered.
grep -q "\"event\":\"done\",\"mode\":\"send\",\"acked\":$COUNT,\"undelivered\":0," "$T_TMP/A.log" ||
	t_fail "A: not all acknowledged: $(grep '"done"' "$T_TMP/A.log")"
# B: COUNT deliveries, n = 1..COUNT exactly in this order.
grep -q "\"event\":\"done\",\"mode\":\"recv\",\"delivered\":$COUNT,\"out_of_order\":0," "$T_TMP/B.log" ||
	t_fail "B: $(grep '"done"' "$T_TMP/B.log")"
got=$(sed -n 's/.*"event":"deliver","n":\([0-9]*\),.*/\1/p' "$T_TMP/B.log" | tr '\n' ' ')
want=$(seq 1 "$COUNT" | tr '\n' ' ')
[ "$got" = "$want" ] || t_fail "B delivered, in order: $got"
grep -q '"event":"chat_drop"' "$T_TMP/B.log" && t_fail "B dropped a chat frame: $(grep chat_drop "$T_TMP/B.log" | head -3)"

# B counted the flood under each reason (values the flooder put arrived).
stats=$(grep '"event":"stats"' "$T_TMP/B.log")
rej() { echo "$stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
for why in size magic decrypt shape sig exp to from; do
	[ "$(rej "$why")" -ge 1 ] || t_fail "B counted no '$why' reject: $stats"
done
replayed=$(sed -n 's/.*"replayed":\([0-9]*\).*/\1/p' "$T_TMP/C.log")
if [ "${replayed:-0}" -gt 0 ]; then
	[ $(($(rej duplicate) + $(rej replay))) -ge 1 ] || t_fail "replays not counted: $stats"
fi
[ "$(rej ok)" -ge 1 ] || t_fail "B accepted nothing: $stats"

ms=$(sed -n 's/.*"ms_per_msg":\([0-9.]*\).*/\1/p' "$T_TMP/A.log")
lat=$(sed -n 's/.*"median_latency_ms":\([0-9]*\).*/\1/p' "$T_TMP/B.log")
rtt=$(sed -n 's/.*"median_send_to_ack_ms":\([0-9]*\).*/\1/p' "$T_TMP/A.log")
echo "mailbox: $COUNT messages, ${ms} ms per message (all sent at once), median write-to-delivery ${lat} ms, median send-to-ack ${rtt} ms"
exit 0
