#!/usr/bin/env bash
# tests/e2e/test_batch_script.sh — gonet --batch as a script uses it, on
# loopback with real dhtnode processes (no root needed):
#
#   1. `echo hi | gonet --batch ROOM` alone: "hi" waits (--wait) for the
#      first peer, B, started 10 s later; B gets it once, A sees it
#      delivered, drains and exits 0. A reads its room as the first line of
#      stdin (`-`), and its argv (/proc/PID/cmdline) does not hold it;
#   2. stdin from /dev/null, closed, and from a regular file: no warning on stderr
#      (libevent's "[warn] Epoll ADD(1) on fd 0 failed" was one), the file's
#      lines reach B, exit 0; the second one reads its room from
#      --room-file;
#   3. a bootstrap host that does not resolve: every line on stdout is JSON
#      (the resolver's complaint is an "error" event), nothing on stderr;
#   4. --to and /msg: private to B, nothing to C.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_cmd dhtnode timeout python3
G=$T_BUILD/gonet
[ -x "$G" ] || t_fail "no $G"
LIMIT=90

t_dht_local 3 "$LIMIT" || t_fail "dhtnode did not start"
P0=${T_DHT_PORTS[0]}
room="script/$T_ID/$RANDOM$RANDOM"

# run NAME [OPTION...] <INPUT: a gonet --batch in the background with its
# own dirs, stdin as redirected (never a pipe into the function: that would
# run it in a subshell; and <&0 inside, or bash gives a background job
# /dev/null); output NAME.log / NAME.err; sets PIDS[NAME].
declare -A PIDS
run() {
	local name=$1 d=$T_TMP/$1
	shift
	mkdir -p "$d/config" "$d/cache"
	env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" GONET_BOOTSTRAP= \
		timeout -k 2 "$LIMIT" "$G" --batch --loopback --no-stun --no-lan-discovery \
		--nick "$name" "$@" <&0 >"$T_TMP/$name.log" 2>"$T_TMP/$name.err" &
	PIDS[$name]=$!
	t_on_exit "kill -TERM ${PIDS[$name]}"
}
# all_json LOG: every line of LOG is one JSON object with an "event".
all_json() {
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        o = json.loads(line)
    except ValueError:
        sys.exit("line %d is not JSON: %r" % (n, line[:80]))
    if not isinstance(o, dict) or "event" not in o:
        sys.exit("line %d has no event: %r" % (n, line[:80]))
' "$1"
}
no_stderr() { [ ! -s "$T_TMP/$1.err" ] || t_fail "$1 wrote to stderr: $(head -3 "$T_TMP/$1.err")"; }

# --- 1. a line read while alone waits for the first peer -------------------------
run A --bootstrap "127.0.0.1:$P0" - < <(printf '%s\nhi\n' "$room")
t_wait_for 10 grep -q '"what":"holding"' "$T_TMP/A.log" || t_fail "A did not hold its line: $(cat "$T_TMP/A.log")"
gpid=$(pgrep -P "${PIDS[A]}" | head -1)
[ -n "$gpid" ] && ! tr '\0' '\n' <"/proc/$gpid/cmdline" | grep -qxF "$room" ||
	t_fail "A's room is in its argv"
grep -q '"event":"undelivered"' "$T_TMP/A.log" && t_fail "A reported the line undelivered at once"
sleep 10
tB=$(date +%s%N)
t_gonet B "$room" "${T_DHT_PORTS[2]}" || t_fail "start B"
got_hi() { grep '"event":"message"' "$T_TMP/B.log" | grep -q '"text":"hi"'; }
t_wait_for 40 got_hi || t_fail "B never got \"hi\": $(grep -h -e path-up -e undelivered "$T_TMP/A.log" "$T_TMP/B.log")"
t_hi=$((($(date +%s%N) - tB) / 1000000))
[ "$(grep -c '"text":"hi"' "$T_TMP/B.log")" -eq 1 ] || t_fail "B got \"hi\" more than once"
t_wait_for 20 sh -c "! kill -0 ${PIDS[A]} 2>/dev/null" || t_fail "A did not end after its line was delivered"
wait "${PIDS[A]}"; st=$?
[ "$st" -eq 0 ] || t_fail "A exited $st"
grep -q '"event":"delivered"' "$T_TMP/A.log" || t_fail "A did not see \"hi\" delivered"
grep -q '"event":"undelivered"' "$T_TMP/A.log" && t_fail "A reported undelivered"
no_stderr A
all_json "$T_TMP/A.log" || t_fail "A: stdout is not JSON only"
held=$(sed -n 's/.*"what":"holding".*/x/p' "$T_TMP/A.log" | wc -l)
echo "1: echo hi | gonet --batch: held ($held line), delivered to B who joined 10 s later (B's launch to \"hi\" at B: $t_hi ms, polled every 100 ms), exit 0; the room from stdin, not in argv"

# --- 2. stdin that cannot be polled -------------------------------------------------
run N --wait 0 --bootstrap "127.0.0.1:$P0" "$room" </dev/null
wait "${PIDS[N]}"; st=$?
[ "$st" -eq 0 ] || t_fail "</dev/null: exit $st"
no_stderr N
all_json "$T_TMP/N.log" || t_fail "</dev/null: stdout is not JSON only"
grep -q '"what":"bye"' "$T_TMP/N.log" || t_fail "</dev/null: no bye"

# A closed stdin: held open on /dev/null, not taken by the next socket.
env HOME="$T_TMP/N" XDG_CONFIG_HOME="$T_TMP/N/config" XDG_CACHE_HOME="$T_TMP/N/cache" \
	GONET_BOOTSTRAP= timeout -k 2 "$LIMIT" "$G" --batch --loopback --no-stun \
	--no-lan-discovery --wait 0 --bootstrap "127.0.0.1:$P0" "$room" <&- \
	>"$T_TMP/Z.log" 2>"$T_TMP/Z.err" || t_fail "<&-: exit $?"
no_stderr Z
all_json "$T_TMP/Z.log" || t_fail "<&-: stdout is not JSON only"

printf 'from a file 1\nfrom a file 2\n' >"$T_TMP/lines"
printf '%s\n' "$room" >"$T_TMP/roomfile"
chmod 600 "$T_TMP/roomfile"
run F --bootstrap "127.0.0.1:$P0" --room-file "$T_TMP/roomfile" <"$T_TMP/lines"
got_file() { [ "$(grep -c '"text":"from a file [12]"' "$T_TMP/B.log")" -eq 2 ]; }
t_wait_for 40 got_file || t_fail "B did not get the file's lines: $(grep -h -e path-up -e undelivered "$T_TMP/F.log")"
wait "${PIDS[F]}"; st=$?
[ "$st" -eq 0 ] || t_fail "<file: exit $st"
no_stderr F
all_json "$T_TMP/F.log" || t_fail "<file: stdout is not JSON only"
echo "2: </dev/null, <&- and <file: no warning, stdout JSON only, the file's lines delivered (room from --room-file), exit 0"

# --- 3. a bootstrap host that does not resolve ---------------------------------------
run X --wait 0 --bootstrap "no-such-host.invalid" --bootstrap "127.0.0.1:$P0" "$room" </dev/null
wait "${PIDS[X]}"; st=$?
[ "$st" -eq 0 ] || t_fail "bad bootstrap: exit $st"
no_stderr X
all_json "$T_TMP/X.log" || t_fail "bad bootstrap: stdout is not JSON only"
grep '"event":"error"' "$T_TMP/X.log" | grep -q 'no-such-host.invalid' ||
	t_fail "bad bootstrap: no JSON error naming the host: $(head -5 "$T_TMP/X.log")"
echo "3: unresolvable bootstrap host: $(grep -c . "$T_TMP/X.log") lines on stdout, all JSON, the error among them"

# --- 4. --to and /msg --------------------------------------------------------------
t_gonet C "$room" "${T_DHT_PORTS[1]}" || t_fail "start C"
fpB=$(t_fp B)
run T --to "B@${fpB:0:4}" --bootstrap "127.0.0.1:$P0" "$room" < <(printf 'for B alone\n/msg C only C\n')
t_wait_for 40 grep -q '"text":"for B alone"' "$T_TMP/B.log" || t_fail "B did not get --to's line"
t_wait_for 20 grep -q '"text":"only C"' "$T_TMP/C.log" || t_fail "C did not get /msg's line"
grep '"text":"for B alone"' "$T_TMP/B.log" | grep -q '"private":true' || t_fail "B: not shown as private"
grep -q '"text":"for B alone"' "$T_TMP/C.log" && t_fail "C got B's private line"
grep -q '"text":"only C"' "$T_TMP/B.log" && t_fail "B got C's private line"
wait "${PIDS[T]}"; st=$?
[ "$st" -eq 0 ] || t_fail "--to: exit $st"
no_stderr T
echo "4: --to B@fp and /msg C reach their peer only, shown as private"
exit 0
