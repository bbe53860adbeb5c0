#!/usr/bin/env bash
# tests/test_turn_lab.sh — two peers behind symmetric NATs (they cannot
# punch) chat through TURN:
#
#   internet ── dht1..3, stun = coturn relaying (LAB_TURN=1, 10 s lifetimes)
#      ├─ SA (sym) ── A   gonet --turn turn:gonet:s3cret@203.0.113.20:3478
#      └─ SB (sym) ── B   gonet (no --turn: it reaches A's relay candidate)
#
# Both must report path-up with path "turn"; lines written every 4 s for 28 s
# (the allocation, its permissions and its channel live 10 s, so they are
# refreshed twice or more meanwhile) must all arrive, in order; at exit A's
# TURN report shows at least 2 refreshes. Root, else SKIP.
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
echo "ok: sym <-> sym through TURN, $N lines each way in order across $refreshes refreshes"
