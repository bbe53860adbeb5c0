#!/usr/bin/env bash
# tests/e2e/test_ui_batch_flow.sh — --batch input is flow-controlled, never refused.
#
# A and B connect on loopback (5 dhtnode). B is stopped (SIGSTOP), so it
# acknowledges nothing, and A is given 600 lines at once: A must take only
# as many as its send queue to B holds (CHAT_SEND_QUEUE_MAX = 256) and hold
# the rest back, not refuse them. B continues (SIGCONT): all 600 arrive at B
# once and in order, and A reports nothing undelivered.
# Then the edge: with B stopped again, A is given exactly 256 lines, so its
# queue fills on the last line it has (input paused with nothing more to
# read). When B continues, A must go on: all 256 acknowledged ("delivered")
# and a line written afterwards sent too. (A once resumed with a read of
# its empty stdin, blocking its whole loop: B got 64 lines.) No root needed.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_cmd dhtnode timeout
N=600
QUEUE=256

t_dht_local 5 120 || t_fail "dhtnode did not start"
room="flow/$T_ID/$RANDOM"
t_gonet A "$room" "${T_DHT_PORTS[0]}" || t_fail "start A"
t_gonet B "$room" "${T_DHT_PORTS[3]}" || t_fail "start B"
for x in A B; do
	t_wait_for 30 grep -q '"event":"path-up"' "$T_TMP/$x.log" ||
		t_fail "$x: no path-up: $(tail -3 "$T_TMP/$x.log" "$T_TMP/$x.err")"
done

kill -STOP "${T_GPID[B]}"
t_on_exit "kill -CONT ${T_GPID[B]}"
for ((i = 1; i <= N; i++)); do t_say A "flow line $i"; done
sent_count() { grep -c '"event":"sent"' "$T_TMP/A.log"; }
queue_filled() { [ "$(sent_count)" -ge "$QUEUE" ]; }
t_wait_for 10 queue_filled || t_fail "A took only $(sent_count) lines"
sleep 2
held=$(sent_count)
[ "$held" -eq "$QUEUE" ] || t_fail "with B stopped A took $held lines, want exactly $QUEUE (the rest held back)"
grep -q '"event":"undelivered"' "$T_TMP/A.log" && t_fail "A refused lines: $(grep -m3 undelivered "$T_TMP/A.log")"
echo "B stopped: A took $held of $N lines and held the rest back"

kill -CONT "${T_GPID[B]}"
start=$SECONDS
got() { grep -c '"event":"message".*"text":"flow line' "$T_TMP/B.log"; }
all_there() { [ "$(got)" -ge "$N" ]; }
t_wait_for 90 all_there || t_fail "B got $(got) of $N lines"
seq=$(grep -o '"text":"flow line [0-9]*"' "$T_TMP/B.log" | grep -o '[0-9]*')
[ "$seq" = "$(seq 1 $N)" ] || t_fail "B's lines are not 1..$N once and in order"
grep -q '"event":"undelivered"' "$T_TMP/A.log" && t_fail "A reported undelivered lines"
echo "ok: all $N lines at B once and in order, $((SECONDS - start)) s after B continued; none refused"

# --- the queue fills on the last line there is --------------------------------------
delivered() { grep -c '"event":"delivered"' "$T_TMP/A.log"; }
t_wait_for 30 eval '[ "$(delivered)" -ge "$N" ]' || t_fail "A saw $(delivered) of $N lines acknowledged"
kill -STOP "${T_GPID[B]}"
for ((i = 1; i <= QUEUE; i++)); do t_say A "edge line $i"; done
t_wait_for 10 eval '[ "$(sent_count)" -ge $((N + QUEUE)) ]' || t_fail "A took only $(($(sent_count) - N)) of $QUEUE edge lines"
sleep 1
kill -CONT "${T_GPID[B]}"
start=$SECONDS
t_wait_for 30 eval '[ "$(delivered)" -ge $((N + QUEUE)) ]' ||
	t_fail "after B continued A saw only $(($(delivered) - N)) of $QUEUE edge lines acknowledged (B got $(grep -c '"text":"edge line' "$T_TMP/B.log"))"
t_say A "after the edge"
t_wait_for 10 grep -q '"event":"message".*"text":"after the edge"' "$T_TMP/B.log" || t_fail "A's next line did not reach B"
echo "ok: A's queue filled on its last line ($QUEUE): all acknowledged $((SECONDS - start)) s after B continued, and input went on"
