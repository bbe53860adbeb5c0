#!/usr/bin/env bash
# tests/lab/test_chat_lab.sh — three people behind three kinds of NAT chat.
#
#   internet ── dht1 dht2 dht3, stun (coturn), refl
#      ├─ A cone   ── hA1        full cone
#      ├─ B prc    ── hB1        port-restricted cone
#      └─ C double ── cgn ── r ── hC1   prc behind a CGN
#
# Every pair can be punched (a cone side, or both port-restricted). Each
# site is verified first (lab_check_site). A, B and C run `gonet --batch` in
# one room; each must get path-up for both others (direct, never relay),
# then each writes NMSG (20) numbered lines at once: every line must reach
# both others exactly once and in order ("message" events), and each sender
# must see a "delivered" for every line from both. Prints the times.
# Root, and a gonet with the session (--stun), else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"

[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--stun' || t_fail "$LAB_GONET has no --stun"
NMSG=${NMSG:-20}
LAB_GONET_LIMIT=120
PEERS="A B C"
declare -A TYPE=([A]=cone [B]=prc [C]=double) FP
start=$SECONDS

lab_init || t_fail "lab_init"
for p in $PEERS; do lab_site "$p" "${TYPE[$p]}" || t_fail "lab_site $p ${TYPE[$p]}"; done
pids=()
for p in $PEERS; do lab_check_site "$p" "${TYPE[$p]}" >"$T_TMP/check-$p.out" 2>&1 & pids+=($!); done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=1; done
cat "$T_TMP"/check-*.out | grep '^site'
[ "$bad" -eq 0 ] || { cat "$T_TMP"/check-*.out >&2; t_fail "a site does not behave as named"; }
t_lab=$((SECONDS - start))

ROOM="lab/$T_ID/chat3/$RANDOM$RANDOM"
t0=$(lab_ms)
lab_gonet "$(lab_host A)" A "$ROOM" 203.0.113.11:4222
lab_gonet "$(lab_host B)" B "$ROOM" 203.0.113.12:4222
lab_gonet "$(lab_host C)" C "$ROOM" "203.0.113.1$LAB_DHT_N:4222"
for p in $PEERS; do
	t_wait_for 10 grep -q '"what":"identity"' "$T_TMP/$p.log" || t_fail "$p did not start: $(cat "$T_TMP/$p.err")"
	FP[$p]=$(sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$p.log" | head -1)
done

up() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep -q "\"fp\":\"$2\""; }
mesh() {
	local a b
	for a in $PEERS; do
		for b in $PEERS; do
			[ "$a" = "$b" ] || up "$a" "${FP[$b]}" || return 1
		done
	done
}
if ! t_wait_for 40 mesh; then
	for p in $PEERS; do t_log "$p:"; grep -v '"status"' "$T_TMP/$p.log" | tail -8 >&2; done
	t_fail "no full mesh in 40 s"
fi
t_mesh=$(($(lab_ms) - t0))
for a in $PEERS; do
	for b in $PEERS; do
		[ "$a" = "$b" ] && continue
		ev=$(grep '"event":"path-up"' "$T_TMP/$a.log" | grep "\"fp\":\"${FP[$b]}\"" | head -1)
		path=$(lab_field "$ev" path)
		printf '  %s (%s) -> %s (%s): %s %s, rtt %s ms\n' "$a" "${TYPE[$a]}" "$b" "${TYPE[$b]}" \
			"$path" "$(lab_field "$ev" endpoint)" "$(lab_field "$ev" rtt_ms)"
		[ "$path" = direct ] || t_fail "$a -> $b: path '$path', want direct"
	done
done
echo "mesh: all three connected directly $t_mesh ms after launch"

# --- 20 lines each, at once ------------------------------------------------------
# texts R S: the texts of messages at R from S, in order of arrival.
texts() { grep '"event":"message"' "$T_TMP/$1.log" | sed -n "s/.*\"fp\":\"${FP[$2]}\",\"text\":\"\\([^\"]*\\)\".*/\\1/p"; }
count() { grep -c "$2" "$T_TMP/$1.log"; }
t1=$(lab_ms)
for i in $(seq -w 1 "$NMSG"); do
	for p in $PEERS; do lab_say "$p" "$p-$i"; done
done
all_in() {
	local r s
	for r in $PEERS; do
		for s in $PEERS; do
			[ "$r" = "$s" ] && continue
			[ "$(texts "$r" "$s" | grep -c "^$s-")" -ge "$NMSG" ] || return 1
		done
		[ "$(count "$r" '"event":"delivered"')" -ge $((2 * NMSG)) ] || return 1
	done
}
if ! t_wait_for 40 all_in; then
	for p in $PEERS; do t_log "$p: got $(count "$p" '"event":"message"'), delivered $(count "$p" '"event":"delivered"')"; done
	t_fail "messages missing after 40 s"
fi
t_msgs=$(($(lab_ms) - t1))
seq -w 1 "$NMSG" >"$T_TMP/want"
for r in $PEERS; do
	for s in $PEERS; do
		[ "$r" = "$s" ] && continue
		texts "$r" "$s" | sed "s/^$s-//" >"$T_TMP/got"
		cmp -s "$T_TMP/want" "$T_TMP/got" || t_fail "$r got from $s, not once each in order: $(tr '\n' ' ' <"$T_TMP/got")"
		# "delivered" for each seq from this receiver, exactly once.
		n=$(grep '"event":"delivered"' "$T_TMP/$s.log" | grep -c "\"fp\":\"${FP[$r]}\"")
		[ "$n" -eq "$NMSG" ] || t_fail "$s has $n delivered from $r, want $NMSG"
	done
	grep -q '"event":"undelivered"' "$T_TMP/$r.log" && t_fail "$r: undelivered: $(grep '"event":"undelivered"' "$T_TMP/$r.log" | head -3)"
done
echo "messages: $NMSG from each reached both others once and in order, all delivered, in $t_msgs ms"
for p in $PEERS; do lab_stop "$p"; done
for p in $PEERS; do
	grep -q '"what":"bye"' "$T_TMP/$p.log" || t_fail "$p did not leave cleanly: $(tail -3 "$T_TMP/$p.log")"
done
echo "summary: cone/prc/double, lab ${t_lab} s, mesh $t_mesh ms, $((3 * NMSG)) lines x 2 receivers in $t_msgs ms, total $((SECONDS - start)) s"
exit 0
