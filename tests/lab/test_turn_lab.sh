#!/usr/bin/env bash
# tests/lab/test_turn_lab.sh — two peers behind symmetric NATs (they cannot
# punch) chat through TURN:
#
#   internet ── dht1..3, stun = coturn relaying (LAB_TURN=1, 10 s lifetimes)
#      ├─ SA (sym) ── A   gonet --turn turn:gonet:s3cret@203.0.113.20:3478
#      └─ SB (sym) ── B   gonet (no --turn: it reaches A's relay candidate)
#
# Both must report path-up with path "turn"; lines written every 4 s for 28 s
# (the allocation, its permissions and its channel live 10 s, so they are
# refreshed twice or more meanwhile) must all arrive, in order; at exit A's
# TURN report shows at least 2 refreshes. Then C and D (port-restricted, all
# UDP between them blocked) meet over TURN; when the block goes, probing
# (which goes on while on TURN) must move them to the direct path within 75 s
# without the TURN path going down. Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
LAB_TURN=1
LAB_TURN_LIFETIME=10
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--turn' || t_skip "gonet has no --turn"
LAB_GONET_LIMIT=120

lab_init || t_fail "lab_init"
lab_site SA sym || t_fail "lab_site SA"
lab_site SB sym || t_fail "lab_site SB"
room="lab/$T_ID/turn/$RANDOM$RANDOM"
lab_gonet "$(lab_host SA)" A "$room" 203.0.113.11:4222 --turn "$LAB_TURN_URI" -v
lab_gonet "$(lab_host SB)" B "$room" "203.0.113.1$LAB_DHT_N:4222"

t_wait_for 60 sh -c "grep -q '\"event\":\"path-up\"' '$T_TMP/A.log' && grep -q '\"event\":\"path-up\"' '$T_TMP/B.log'" ||
	{ tail -n 30 "$T_TMP/A.log" "$T_TMP/B.log" "$T_TMP/A.err" >&2; t_fail "no path-up on both sides within 60 s"; }
pa=$(lab_field "$(lab_event A path-up)" path)
pb=$(lab_field "$(lab_event B path-up)" path)
t_log "path-up: A $pa, B $pb"
[ "$pa" = turn ] && [ "$pb" = turn ] || t_fail "path kinds A $pa, B $pb (want turn / turn)"
grep -q '"what":"turn"' "$T_TMP/A.log" || t_fail "A never reported its allocation"

N=8
for ((n = 1; n <= N; n++)); do
	lab_say A "a$n"
	lab_say B "b$n"
	sleep 4
done
t_wait_for 20 sh -c "[ \$(grep -c '\"text\":\"a[0-9]*\"' '$T_TMP/B.log') -ge $N ] && [ \$(grep -c '\"text\":\"b[0-9]*\"' '$T_TMP/A.log') -ge $N ]" ||
	{ tail -n 30 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "not every line arrived"; }
got=$(grep '"event":"message"' "$T_TMP/B.log" | grep -o '"text":"a[0-9]*"' | tr -d '"' | sed 's/text://' | tr '\n' ' ')
[ "$got" = "a1 a2 a3 a4 a5 a6 a7 a8 " ] || t_fail "B got: $got"
got=$(grep '"event":"message"' "$T_TMP/A.log" | grep -o '"text":"b[0-9]*"' | tr -d '"' | sed 's/text://' | tr '\n' ' ')
[ "$got" = "b1 b2 b3 b4 b5 b6 b7 b8 " ] || t_fail "A got: $got"
# Still on TURN (no other path exists), and never down.
grep -q '"event":"path-down"' "$T_TMP/A.log" "$T_TMP/B.log" && t_fail "a path went down during the run"

lab_stop A
lab_stop B
t_wait_for 10 grep -q '"what":"turn".*refreshes' "$T_TMP/A.log" || { tail "$T_TMP/A.log" >&2; t_fail "no TURN report at exit"; }
report=$(grep '"what":"turn".*refreshes' "$T_TMP/A.log" | tail -n1)
t_log "A: $(lab_field "$report" text)"
refreshes=$(echo "$report" | sed -n 's/.*refreshes \([0-9]*\).*/\1/p')
[ "${refreshes:-0}" -ge 2 ] || t_fail "only ${refreshes:-0} refreshes of a ${LAB_TURN_LIFETIME} s allocation"
# --- probing goes on over TURN: a direct path that becomes possible is taken ------------
# C and D are port-restricted (they could punch), but all UDP between their
# public addresses is dropped in the internet: they meet over TURN. Then the
# block goes: their next probing round must find the direct pair and move
# onto it without the TURN path ever going down.
lab_site SC prc || t_fail "lab_site SC"
lab_site SD prc || t_fail "lab_site SD"
c=${LAB_PUBIP[SC]} d=${LAB_PUBIP[SD]}
lab_exec "$LAB_INET" nft -f - <<EOF || t_fail "nft"
table bridge turnlab {
	chain forward {
		type filter hook forward priority 0;
		ip saddr $c ip daddr $d meta l4proto udp counter drop
		ip saddr $d ip daddr $c meta l4proto udp counter drop
	}
}
EOF
room2="lab/$T_ID/turn2/$RANDOM$RANDOM"
lab_gonet "$(lab_host SC)" C "$room2" 203.0.113.11:4222 --turn "$LAB_TURN_URI" --no-dht-fallback
lab_gonet "$(lab_host SD)" D "$room2" "203.0.113.1$LAB_DHT_N:4222" --no-dht-fallback
lastpath() { lab_field "$(grep '"event":"path-up"' "$T_TMP/$1.log" | tail -n1)" path; }
both_turn() { [ "$(lastpath C)" = turn ] && [ "$(lastpath D)" = turn ]; }
both_direct() { [ "$(lastpath C)" = direct ] && [ "$(lastpath D)" = direct ]; }
t_wait_for 60 both_turn || { tail -n 20 "$T_TMP/C.log" "$T_TMP/D.log" >&2; t_fail "C and D not on TURN"; }
# Past the first punching round (20 s), so only later probing can find it.
sleep 22
lab_exec "$LAB_INET" nft delete table bridge turnlab || t_fail "nft delete"
open=$SECONDS
t_wait_for 75 both_direct ||
	{ tail -n 20 "$T_TMP/C.log" "$T_TMP/D.log" >&2; t_fail "still on TURN 75 s after a direct path became possible"; }
t_log "C and D moved from TURN to direct $((SECONDS - open)) s after the block went"
grep -q '"event":"path-down"' "$T_TMP/C.log" "$T_TMP/D.log" && t_fail "a path went down: the direct pair was not found by probing"
lab_say C "after the upgrade"
t_wait_for 20 grep -q '"text":"after the upgrade"' "$T_TMP/D.log" || t_fail "no line after the upgrade"
lab_stop C
lab_stop D
echo "ok: sym <-> sym through TURN, $N lines each way in order across $refreshes refreshes; prc <-> prc left TURN for direct once it worked"
