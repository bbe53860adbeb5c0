#!/usr/bin/env bash
# tests/e2e/test_chat_e2e.sh — three gonet peers chat end to end on one machine:
# records on a real local OpenDHT network, punching, WireGuard, chat.
#
#   node0 <- node1 <- node2 <- node3 <- node4     dhtnode on 127.0.0.1,
#              ^                 ^        ^       each bootstraps to the previous
#              A                 B        C       gonet --batch --loopback --no-stun
#
# Each peer has its own HOME and XDG dirs and reads stdin from a FIFO this
# shell holds open. Checks:
#   1. each peer prints "path-up" for both others;
#   2. each sends NMSG numbered lines: both others receive each exactly once
#      and in order, and the sender sees a "delivered" for each from both;
#   3. a line with escape sequences (ESC [2J, OSC title, BEL, C1 CSI) arrives
#      as the raw bytes, \u-escaped by JSON, never executed;
#   4. C killed with SIGKILL and restarted with the same identity is found
#      again and chats both ways without anything done by A or B (the time
#      from restart to C's path-up with both, and to the first message
#      through the new paths, is printed);
#   5. EOF on A's stdin: A drains, says BYE and exits 0; B and C print
#      "peer-left" for A; then B and C end the same way.
# Needs no root: loopback only, no LAN discovery. SKIP if dhtnode is missing.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout
G=$T_BUILD/gonet
[ -x "$G" ] || t_fail "no $G"
LIMIT=90			# upper bound on any process we start, even if cleanup never runs
NMSG=${NMSG:-20}
ROOM="gonet-e2e/$T_ID/$RANDOM$RANDOM"
t_start=$SECONDS

ms() { echo $(($(date +%s%N) / 1000000)); }

# bounded NAME CMD...: CMD under timeout, output in $T_TMP/NAME.log, stdin from
# $IN (default /dev/null: a background job's stdin must be redirected here);
# sets T_PID (the command itself) and T_TPID (timeout, our child: wait gives
# the status).
# The FIFO write ends this shell holds are closed in the child, or a peer
# would never see EOF on its stdin while another peer runs.
bounded() {
	local name=$1 child tpid closes="" f
	shift
	for f in "${FD[@]}"; do closes+=" $f>&-"; done
	eval "timeout -k 2 \$LIMIT \"\$@\" <\"\${IN:-/dev/null}\" >\"\$T_TMP/\$name.log\" \
		2>\"\$T_TMP/\$name.err\" $closes &"
	tpid=$!
	t_wait_for 2 pgrep -P "$tpid" || true
	child=$(pgrep -P "$tpid" | head -1)
	t_on_exit "kill -TERM ${child:-$tpid}; sleep 0.3; kill -KILL ${child:-$tpid} $tpid"
	T_PID=${child:-$tpid}
	T_TPID=$tpid
}

declare -A FD PID TPID BOOT FP

# --- the DHT: five nodes, each bootstrapping to the previous ------------------
t_dht_local 5 "$LIMIT" || t_fail "dhtnode does not start"
PORTS=("${T_DHT_PORTS[@]}")

# --- peers -----------------------------------------------------------------------------
# peer NAME BOOT_PORT [LOG]: a gonet --batch with its own dirs, stdin from NAME.in.
peer() {
	local name=$1 d=$T_TMP/$1 log=${3:-$1} fd
	BOOT[$name]=$2
	mkdir -p "$d"
	if [ ! -p "$d.in" ]; then
		mkfifo "$d.in" || t_fail "mkfifo"
		exec {fd}<>"$d.in"
		FD[$name]=$fd
	fi
	IN=$d.in bounded "$log" env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
		GONET_BOOTSTRAP= "$G" --batch --loopback --no-stun --no-lan-discovery \
		--nick "$name" --bootstrap "127.0.0.1:$2" "$ROOM"
	PID[$name]=$T_PID
	TPID[$log]=$T_TPID
}
say() { printf '%s\n' "$2" >&"${FD[$1]}"; }
hangup() { local fd=${FD[$1]}; exec {fd}>&-; }

started() { grep -q '"what":"identity"' "$T_TMP/$1.log"; }
fp_of() { sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$1.log" | head -1; }
# up LOG FP: LOG has a path-up for FP.
up() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep -q "\"fp\":\"$2\""; }
# texts LOG FP: the texts of messages from FP, in order of arrival.
texts() { grep '"event":"message"' "$T_TMP/$1.log" | sed -n "s/.*\"fp\":\"$2\",\"text\":\"\\([^\"]*\\)\".*/\\1/p"; }
count() { grep -c "$2" "$T_TMP/$1.log"; }

t0=$(ms)
peer A "${PORTS[1]}"
peer B "${PORTS[3]}"
peer C "${PORTS[4]}"
for n in A B C; do
	t_wait_for 5 started $n || t_fail "$n did not start: $(cat "$T_TMP/$n.err")"
	FP[$n]=$(fp_of $n)
done
[ "${FP[A]}" != "${FP[B]}" ] && [ "${FP[B]}" != "${FP[C]}" ] || t_fail "fingerprints are not distinct"

# --- 1. full mesh ------------------------------------------------------------------------
all_up() {
	local a b
	for a in A B C; do
		for b in A B C; do
			[ "$a" = "$b" ] || up "$a" "${FP[$b]}" || return 1
		done
	done
}
t_wait_for 20 all_up || t_fail "no full mesh in 20 s: $(grep -h -e path-up -e peer-failed "$T_TMP"/[ABC].log)"
t_mesh=$(($(ms) - t0))
echo "mesh: all three connected $t_mesh ms after launch (incl. Argon2id)"
grep -h '"event":"path-up"' "$T_TMP"/[ABC].log | sed 's/^/  /'

# --- 2, 3. messages ------------------------------------------------------------------------
ESC=$(printf 'esc \033[2J \033]0;pwned\007 csi \302\233 tab\tend')
ESC_JSON='esc \u001b[2J \u001b]0;pwned\u0007 csi \u009b tab\u0009end'
t1=$(ms)
for i in $(seq -w 1 "$NMSG"); do
	for n in A B C; do say $n "$n-$i"; done
done
say A "$ESC"
want_msgs() {
	local r s
	for r in A B C; do
		for s in A B C; do
			[ "$r" = "$s" ] && continue
			[ "$(texts $r "${FP[$s]}" | grep -c "^$s-")" -ge "$NMSG" ] || return 1
		done
	done
	[ "$(count A '"event":"delivered"')" -ge $((2 * NMSG + 2)) ] &&
		[ "$(count B '"event":"delivered"')" -ge $((2 * NMSG)) ] &&
		[ "$(count C '"event":"delivered"')" -ge $((2 * NMSG)) ]
}
t_wait_for 20 want_msgs || t_fail "messages missing after 20 s: $(for n in A B C; do echo "$n got $(count $n '"event":"message"') delivered $(count $n '"event":"delivered"')"; done)"
t_msgs=$(($(ms) - t1))
seq -w 1 "$NMSG" >"$T_TMP/want"
for r in A B C; do
	for s in A B C; do
		[ "$r" = "$s" ] && continue
		texts $r "${FP[$s]}" | grep "^$s-" | sed "s/^$s-//" >"$T_TMP/got"
		cmp -s "$T_TMP/want" "$T_TMP/got" ||
			t_fail "$r got from $s, not once each in order: $(tr '\n' ' ' <"$T_TMP/got")"
	done
done
for r in B C; do
	grep '"event":"message"' "$T_TMP/$r.log" | grep -F -q "\"text\":\"$ESC_JSON\"" ||
		t_fail "$r: the escape line is not raw-bytes-escaped JSON: $(grep -F 'esc ' "$T_TMP/$r.log")"
done
grep -q $'\033' "$T_TMP"/[ABC].log && t_fail "a raw ESC byte reached the JSON output"
echo "messages: $NMSG from each peer reached both others once and in order, all delivered, in $t_msgs ms"

# --- 4. C dies (SIGKILL) and comes back ---------------------------------------------------------
kill -KILL "${PID[C]}"
wait "${TPID[C]}" 2>/dev/null		# reaps timeout (status 137) quietly
t2=$(ms)
peer C "${PORTS[4]}" C2
t_wait_for 5 started C2 || t_fail "C did not restart: $(cat "$T_TMP/C2.err")"
[ "$(fp_of C2)" = "${FP[C]}" ] || t_fail "C came back with another identity"
t_wait_for 20 eval 'up C2 "${FP[A]}" && up C2 "${FP[B]}"' ||
	t_fail "restarted C did not reconnect in 20 s: $(grep -h -e path -e peer-failed "$T_TMP/C2.log")"
t_back=$(($(ms) - t2))
say C "C-back"
say A "A-after"
say B "B-after"
back_msgs() {
	texts A "${FP[C]}" | grep -q '^C-back$' && texts B "${FP[C]}" | grep -q '^C-back$' &&
		texts C2 "${FP[A]}" | grep -q '^A-after$' && texts C2 "${FP[B]}" | grep -q '^B-after$'
}
t_wait_for 20 back_msgs || t_fail "no chat with the restarted C in 20 s: A: $(texts A "${FP[C]}" | tail -2 | tr '\n' ' ') B: $(texts B "${FP[C]}" | tail -2 | tr '\n' ' ') C: $(grep -c '"event":"message"' "$T_TMP/C2.log")"
t_chat=$(($(ms) - t2))
[ "$(texts A "${FP[C]}" | grep -c '^C-back$')" -eq 1 ] || t_fail "A got C-back more than once"
echo "restart: C killed (SIGKILL) and restarted: connected to A and B after $t_back ms, chatting both ways after $t_chat ms, nothing done by A or B"

# --- 5. leaving ------------------------------------------------------------------------------------
hangup A
t_wait_for 10 sh -c "! kill -0 ${PID[A]}" || t_fail "A did not exit after EOF"
wait "${TPID[A]}"; st=$?
[ "$st" -eq 0 ] || t_fail "A exited with status $st after EOF"
grep -q '"what":"bye"' "$T_TMP/A.log" || t_fail "A did not say bye"
for n in B C2; do
	t_wait_for 5 sh -c "grep '\"event\":\"peer-left\"' '$T_TMP/$n.log' | grep -q '${FP[A]}'" ||
		t_fail "$n did not see A leave"
done
hangup B
hangup C
for n in B C2; do
	wait "${TPID[$n]}"; st=$?
	[ "$st" -eq 0 ] || t_fail "$n exited with status $st after EOF"
done
for n in A B C2; do
	grep -q '"event":"undelivered"' "$T_TMP/$n.log" && t_fail "$n reported undelivered messages"
	grep -q '"event":"error"' "$T_TMP/$n.log" && t_fail "$n printed an error: $(grep '"event":"error"' "$T_TMP/$n.log")"
done
# Sanitizer builds (--enable-asan) report here; UBSan does not change the exit status.
grep -l -e 'runtime error' -e 'Sanitizer' "$T_TMP"/[ABC]*.err &&
	t_fail "sanitizer reports: $(cat "$T_TMP"/[ABC]*.err)"
echo "leave: EOF on stdin: each drained, said BYE and exited; the others saw it"
echo "summary: 3 peers, mesh in $t_mesh ms, $((3 * NMSG + 1)) messages x 2 receivers in $t_msgs ms, restart->path-up $t_back ms, restart->chat $t_chat ms, total $((SECONDS - t_start)) s"
exit 0
