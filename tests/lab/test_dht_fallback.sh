#!/usr/bin/env bash
# tests/lab/test_dht_fallback.sh — two peers with no UDP path between them at
# all chat through the DHT mailbox (the last resort):
#
#   internet ── dht1..3, stun (no TURN); the bridge drops every UDP datagram
#      │        between 198.51.100.11 and .12, in both directions
#      ├─ SA (prc) ── A
#      └─ SB (prc) ── B
#
# Punching fails (no TURN, no third peer to relay), so both must report
# path-up with path "dht"; then A writes 100 lines at once and B 3: each
# must arrive once and in order. Prints the time per message (median
# latency from the moment all were written, and the total). Then the block
# goes and both must move to the direct path (punching is retried every
# 30 s on the DHT path). At exit both report the mailbox's counters. Root,
# else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--no-dht-fallback' || t_skip "gonet has no DHT fallback"
LAB_GONET_LIMIT=150
N=100
NB=3

lab_init || t_fail "lab_init"
lab_site SA prc || t_fail "lab_site SA"
lab_site SB prc || t_fail "lab_site SB"
a=${LAB_PUBIP[SA]} b=${LAB_PUBIP[SB]}
lab_exec "$LAB_INET" nft -f - <<EOF || t_fail "nft"
table bridge fallback {
	chain forward {
		type filter hook forward priority 0;
		ip saddr $a ip daddr $b meta l4proto udp counter drop
		ip saddr $b ip daddr $a meta l4proto udp counter drop
	}
}
EOF
room="lab/$T_ID/dht/$RANDOM$RANDOM"
lab_gonet "$(lab_host SA)" A "$room" 203.0.113.11:4222 -v
lab_gonet "$(lab_host SB)" B "$room" "203.0.113.1$LAB_DHT_N:4222" -v

ondht() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep -q '"path":"dht"'; }
t0=$(lab_ms)
t_wait_for 60 sh -c "grep '\"event\":\"path-up\"' '$T_TMP/A.log' | grep -q '\"path\":\"dht\"' &&
	grep '\"event\":\"path-up\"' '$T_TMP/B.log' | grep -q '\"path\":\"dht\"'" ||
	{ tail -n 30 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "no path-up \"dht\" on both sides within 60 s"; }
ondht A && ondht B || t_fail "path-up dht missing"
t_log "both on the DHT path after $(($(lab_ms) - t0)) ms"
grep '"event":"path-up"' "$T_TMP/A.log" "$T_TMP/B.log" | grep -v '"path":"dht"' &&
	t_fail "a path other than dht came up (UDP between the sites is blocked)"

lab_say A /who
t_wait_for 5 sh -c "grep '\"event\":\"who\"' '$T_TMP/A.log' | grep -q '\"path\":\"dht\"'" ||
	t_fail "/who does not show the dht path: $(grep '"event":"who"' "$T_TMP/A.log")"

# A writes N lines at once, B a few; arrival times polled every 100 ms.
t1=$(lab_ms)
for ((n = 1; n <= N; n++)); do lab_say A "m$n"; done
for ((n = 1; n <= NB; n++)); do lab_say B "b$n"; done
got=0 median= total= deadline=$((t1 + 90000))
while [ "$got" -lt "$N" ] && [ "$(lab_ms)" -lt "$deadline" ]; do
	c=$(grep '"event":"message"' "$T_TMP/B.log" | grep -c '"text":"m[0-9]*"')
	now=$(lab_ms)
	[ -z "$median" ] && [ "$c" -ge $((N / 2)) ] && median=$((now - t1))
	got=$c
	sleep 0.1
done
total=$(($(lab_ms) - t1))
[ "$got" -ge "$N" ] || { tail -n 30 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "only $got of $N lines reached B in 90 s"; }
t_wait_for 30 sh -c "[ \$(grep '\"event\":\"message\"' '$T_TMP/A.log' | grep -c '\"text\":\"b[0-9]*\"') -ge $NB ]" ||
	t_fail "B's lines did not reach A"
want=$(seq -s ' ' -f 'm%g' 1 $N)
got=$(grep '"event":"message"' "$T_TMP/B.log" | grep -o '"text":"m[0-9]*"' | sed 's/"text":"\(.*\)"/\1/' | tr '\n' ' ')
[ "$got" = "$want " ] || t_fail "B got out of order or twice: $got"
got=$(grep '"event":"message"' "$T_TMP/A.log" | grep -o '"text":"b[0-9]*"' | sed 's/"text":"\(.*\)"/\1/' | tr '\n' ' ')
[ "$got" = "$(seq -s ' ' -f 'b%g' 1 $NB) " ] || t_fail "A got: $got"
# Everything A wrote is acknowledged (through the mailbox too).
t_wait_for 30 sh -c "[ \$(grep -c '\"event\":\"delivered\"' '$T_TMP/A.log') -ge $N ]" ||
	t_fail "A saw only $(grep -c '"event":"delivered"' "$T_TMP/A.log") of $N acknowledgements"
grep -q '"event":"undelivered"' "$T_TMP/A.log" "$T_TMP/B.log" && t_fail "a line was reported undelivered"
drops=$(lab_exec "$LAB_INET" nft list table bridge fallback | grep -o 'packets [0-9]*' | awk '{s += $2} END {print s + 0}')
t_log "UDP datagrams dropped between the sites: $drops"
[ "$drops" -gt 0 ] || t_fail "the block dropped nothing: the test tests nothing"

# The block goes: punching, retried every 30 s on the DHT path, finds the
# direct path, and chat moves to it (path-up with another kind, both sides).
lab_exec "$LAB_INET" nft delete table bridge fallback || t_fail "nft delete"
t2=$(lab_ms)
upgraded() { grep '"event":"path-up"' "$T_TMP/$1.log" | tail -n1 | grep -qv '"path":"dht"'; }
t_wait_for 70 sh -c "grep '\"event\":\"path-up\"' '$T_TMP/A.log' | tail -n1 | grep -qv '\"path\":\"dht\"' &&
	grep '\"event\":\"path-up\"' '$T_TMP/B.log' | tail -n1 | grep -qv '\"path\":\"dht\"'" ||
	{ tail -n 20 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "no upgrade from the DHT path within 70 s of unblocking"; }
upgraded A && upgraded B || t_fail "upgrade"
t_log "upgraded after $(($(lab_ms) - t2)) ms: A $(lab_field "$(grep '"event":"path-up"' "$T_TMP/A.log" | tail -n1)" path)," \
	"B $(lab_field "$(grep '"event":"path-up"' "$T_TMP/B.log" | tail -n1)" path)"
lab_say A "after upgrade"
t_wait_for 10 grep -q '"text":"after upgrade"' "$T_TMP/B.log" || t_fail "no chat after the upgrade"

lab_stop A
lab_stop B
t_wait_for 10 sh -c "grep -q '\"what\":\"mailbox\"' '$T_TMP/A.log' && grep -q '\"what\":\"mailbox\"' '$T_TMP/B.log'" ||
	t_fail "no mailbox report at exit"
t_log "A: $(lab_field "$(grep '"what":"mailbox"' "$T_TMP/A.log" | tail -n1)" text)"
t_log "B: $(lab_field "$(grep '"what":"mailbox"' "$T_TMP/B.log" | tail -n1)" text)"
echo "ok: no UDP between the sites; $N lines A->B and $NB B->A through the DHT mailbox, in order, once;" \
	"median $median ms, all $total ms ($((total / N)) ms per message)"
