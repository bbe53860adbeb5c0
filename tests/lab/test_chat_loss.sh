#!/usr/bin/env bash
# tests/lab/test_chat_loss.sh — a long conversation over a bad link.
#
#   internet ── dht1 dht2 dht3, stun
#      ├─ A prc ── hA1      each access link: 40 ms one way (both
#      └─ B prc ── hB1      directions: RTT 160 ms) and 10% loss each way
#
# Both sides verified as prc, then the emulation goes on (lab_delay,
# lab_loss) before gonet starts. A and B connect, then each writes NMSG
# (1000) numbered lines, paced so that at most WINDOW_LINES (200) are
# unacknowledged (CHAT_SEND_QUEUE_MAX is 256: a line beyond it is refused
# with "undelivered" reason "queue-full", never silently lost; this test
# never goes there). Every line must arrive exactly once and in order, every
# one be "delivered", none "undelivered", within LOSS_LIMIT_S (150) s.
# Prints the time taken and the throughput. Root and tests/lab/delayer
# (libnetfilter_queue), else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"

[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--stun' || t_fail "$LAB_GONET has no --stun"
[ -x "$LAB_BIN/delayer" ] || t_skip "tests/lab/delayer not built (configure found no libnetfilter_queue; install libnetfilter-queue-dev)"
NMSG=${NMSG:-1000}
DELAY_MS=${DELAY_MS:-40}
LOSS=${LOSS:-10}
WINDOW_LINES=${WINDOW_LINES:-200}
LOSS_LIMIT_S=${LOSS_LIMIT_S:-150}
LAB_GONET_LIMIT=$((LOSS_LIMIT_S + 90))
start=$SECONDS

lab_init || t_fail "lab_init"
for p in A B; do
	lab_site "$p" prc || t_fail "lab_site $p"
	lab_check_site "$p" prc || t_fail "site $p does not behave as prc"
done
for p in A B; do
	lab_delay "$p" "$DELAY_MS" || t_fail "lab_delay $p"
	lab_loss "$p" "$LOSS" || t_fail "lab_loss $p"
done

ROOM="lab/$T_ID/loss/$RANDOM$RANDOM"
t0=$(lab_ms)
lab_gonet "$(lab_host A)" A "$ROOM" 203.0.113.11:4222
lab_gonet "$(lab_host B)" B "$ROOM" "203.0.113.1$LAB_DHT_N:4222"
t_wait_for 60 lab_event A path-up || t_fail "A: no path-up in 60 s: $(grep -v '"status"' "$T_TMP/A.log" | tail -5)"
t_wait_for 20 lab_event B path-up || t_fail "B: no path-up: $(grep -v '"status"' "$T_TMP/B.log" | tail -5); B's statuses: $(grep -o '"what":"[a-z-]*"' "$T_TMP/B.log" | tr '\n' ' '); B's stderr: $(tail -3 "$T_TMP/B.err"); A: $(lab_event A path-up)"
t_up=$(($(lab_ms) - t0))
echo "connected after $t_up ms under ${DELAY_MS} ms + ${LOSS}% loss per access link: A $(lab_field "$(lab_event A path-up)" path) $(lab_field "$(lab_event A path-up)" endpoint), B $(lab_field "$(lab_event B path-up)" path) $(lab_field "$(lab_event B path-up)" endpoint)"

count() { grep -c "\"event\":\"$2\"" "$T_TMP/$1.log"; }
# feed NAME: write NMSG lines, never more than WINDOW_LINES unacknowledged.
feed() {
	local n=$1 i=1 sent_lines
	while [ "$i" -le "$NMSG" ]; do
		while [ $((i - 1 - $(count "$n" delivered))) -ge "$WINDOW_LINES" ]; do sleep 0.05; done
		sent_lines=0
		while [ "$i" -le "$NMSG" ] && [ "$sent_lines" -lt 50 ]; do
			lab_say "$n" "$n-$(printf '%04d' "$i")"
			i=$((i + 1)) sent_lines=$((sent_lines + 1))
		done
	done
}
t1=$(lab_ms)
feed A &
fa=$!
feed B &
fb=$!
t_on_exit "kill $fa $fb"
done_all() {
	[ "$(count A delivered)" -ge "$NMSG" ] && [ "$(count B delivered)" -ge "$NMSG" ] &&
		[ "$(count A message)" -ge "$NMSG" ] && [ "$(count B message)" -ge "$NMSG" ]
}
deadline=$((SECONDS + LOSS_LIMIT_S))
last=$SECONDS
while ! done_all; do
	if [ $SECONDS -ge "$deadline" ]; then
		t_fail "after $LOSS_LIMIT_S s: A got $(count A message), delivered $(count A delivered), undelivered $(count A undelivered); B got $(count B message), delivered $(count B delivered), undelivered $(count B undelivered)"
	fi
	grep -q '"event":"undelivered"' "$T_TMP/A.log" "$T_TMP/B.log" &&
		t_fail "undelivered: $(grep -h '"event":"undelivered"' "$T_TMP/A.log" "$T_TMP/B.log" | head -3)"
	if [ $((SECONDS - last)) -ge 15 ]; then
		last=$SECONDS
		t_log "$(( ($(lab_ms) - t1) / 1000 )) s: A->B $(count B message)/$NMSG, B->A $(count A message)/$NMSG"
	fi
	sleep 0.5
done
t_msgs=$(($(lab_ms) - t1))
wait "$fa" "$fb"
for pair in "A B" "B A"; do
	read -r s r <<<"$pair"
	grep '"event":"message"' "$T_TMP/$r.log" | sed -n "s/.*\"text\":\"$s-\\([0-9]*\\)\".*/\\1/p" >"$T_TMP/got"
	seq -f '%04g' 1 "$NMSG" >"$T_TMP/want"
	cmp -s "$T_TMP/want" "$T_TMP/got" ||
		t_fail "$r got from $s, not once each in order: $(diff "$T_TMP/want" "$T_TMP/got" | head -5 | tr '\n' ' ')"
	[ "$(count "$s" delivered)" -eq "$NMSG" ] || t_fail "$s: $(count "$s" delivered) delivered, want $NMSG"
	[ "$(count "$s" sent)" -eq "$NMSG" ] || t_fail "$s: $(count "$s" sent) sent, want $NMSG"
done
grep -h '"event":"error"' "$T_TMP/A.log" "$T_TMP/B.log" && t_fail "errors reported"
rate=$(awk -v n=$((2 * NMSG)) -v ms="$t_msgs" 'BEGIN { printf "%.0f", n * 1000 / ms }')
echo "messages: $NMSG each way, all once, in order and delivered, in $t_msgs ms ($rate lines/s in total)"
lab_stop A
lab_stop B
echo "summary: prc<->prc, ${DELAY_MS} ms one way + ${LOSS}% loss on each access link: path-up $t_up ms, 2 x $NMSG lines in $t_msgs ms, total $((SECONDS - start)) s"
exit 0
