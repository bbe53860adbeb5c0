#!/usr/bin/env bash
# tests/lab/test_nat_predict.sh — port prediction in the lab: a symmetric
# NAT (nftables masquerade fully-random: a random port per destination)
# against the NATs that map one port for everyone.
#
#   internet ── dht1..3, stun (coturn, RFC 5780), refl
#      ├─ S sym    ── hS     masquerade fully-random
#      ├─ P prc    ── hP     masquerade (port-restricted cone)
#      ├─ C cone   ── hC     masquerade + every inbound port DNATed (full cone)
#      └─ D double ── hD     prc behind a prc CGN
#
# Each site is checked to behave as named first. Then, one pair at a time,
# S with P, C and D: both sides learn their classes from coturn's two
# addresses (S "random", the other "endpoint-independent"), the path comes
# up direct on both sides and a line goes each way. With P and D plain
# punching cannot work (S's pings from the data socket meet a filter that
# only lets in what the other side sent to, and the other side cannot know
# S's port), so the strategy must be "predict" on the easy side; S says
# "predict" too unless the sweep happened on the mapping of S's data
# socket itself (1 chance in 257 a hit: then S only sees punching's pair
# come up and says "punch", truthfully from where it stands); with C, S's
# own pings get through the full cone, so punching may win the race
# ("punch") and either is direct. Printed per pair: first message time (from start), the
# strategy, and what each attempt cost (sockets, probes) as gonet said it;
# bench/nat_hard.sh takes the distribution. No socket is leaked: once the
# attempt is over, S's gonet holds at most one UDP socket more than its
# peer's (the socket that became the path). Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"

lab_init || t_fail "lab_init"
for s in "S sym" "P prc" "C cone" "D double"; do
	lab_site $s || t_fail "lab_site $s"
done
for s in "S sym" "P prc" "C cone" "D double"; do
	lab_check_site $s || t_fail "site $s does not behave as named"
done
BOOTS=()
for n in $LAB_DHT_ALL; do BOOTS+=(--bootstrap "$n"); done

# udp_sockets NAME: UDP sockets the gonet process NAME holds (its namespace's ss).
udp_sockets() {
	local tpid=${LAB_GPID[$1]} pid ns=$2
	pid=$(pgrep -P "$tpid" | head -1)
	[ -n "$pid" ] || { echo 0; return; }
	ip netns exec "$ns" ss -uanp 2>/dev/null | grep -c "pid=$pid,"
}

# pair NAME_A NS_A NAME_B NS_B ROOM: start both; wait for a message each
# way; sets UP_A, UP_B (path-up events) and FIRST_MS.
pair() {
	local a=$1 na=$2 b=$3 nb=$4 room=$5 t0 now end
	t0=$(lab_ms)
	lab_gonet "$na" "$a" "$room" "$LAB_DHT" "${BOOTS[@]}" --no-port-mapping
	lab_gonet "$nb" "$b" "$room" "$LAB_DHT" "${BOOTS[@]}" --no-port-mapping
	t_wait_for 30 sh -c "grep -q '\"event\":\"path-up\"' '$T_TMP/$a.log' && grep -q '\"event\":\"path-up\"' '$T_TMP/$b.log'" ||
		t_fail "$a/$b: no path: $(tail -5 "$T_TMP/$a.log") / $(tail -5 "$T_TMP/$b.log")"
	lab_say "$a" "hello from $a"
	lab_say "$b" "hello from $b"
	FIRST_MS=
	end=$(($(lab_ms) + 30000))	# from the path, not the start: a slow DHT must not skip this
	while now=$(lab_ms); [ "$now" -lt "$end" ]; do
		if [ -z "$FIRST_MS" ] && grep -q '"event":"message"' "$T_TMP/$a.log" "$T_TMP/$b.log"; then
			FIRST_MS=$((now - t0))
		fi
		grep -q "hello from $a" "$T_TMP/$b.log" && grep -q "hello from $b" "$T_TMP/$a.log" && break
		sleep 0.05
	done
	grep -q "hello from $a" "$T_TMP/$b.log" && grep -q "hello from $b" "$T_TMP/$a.log" ||
		t_fail "$a/$b: lines lost"
	[ -n "$FIRST_MS" ] || FIRST_MS=$(($(lab_ms) - t0))
	UP_A=$(lab_event "$a" path-up)
	UP_B=$(lab_event "$b" path-up)
}

hS=$(lab_host S)
for other in P C D; do
	s=s$other o=$(echo "$other" | tr 'A-Z' 'a-z')
	pair "$s" "$hS" "$o" "$(lab_host $other)" "lab/$T_ID/predict-$other"
	for n in "$s" "$o"; do
		nat=$(lab_field "$(grep '"what":"nat"' "$T_TMP/$n.log" | tail -1)" text)
		echo "$n: $nat"
	done
	case $(lab_field "$(grep '"what":"nat"' "$T_TMP/$s.log" | tail -1)" text) in
	*"IPv4 random"*) ;; *) t_fail "$s: not classed random" ;;
	esac
	case $(lab_field "$(grep '"what":"nat"' "$T_TMP/$o.log" | tail -1)" text) in
	*"IPv4 endpoint-independent"*) ;; *) t_fail "$o: not classed endpoint-independent" ;;
	esac
	strategies=
	easy=$(lab_field "$UP_B" strategy)
	for e in "$UP_A" "$UP_B"; do
		st=$(lab_field "$e" strategy)
		echo "S-$other: path $(lab_field "$e" path) $(lab_field "$e" endpoint) by $st, peer NAT $(lab_field "$e" nat)"
		[ "$(lab_field "$e" path)" = direct ] || t_fail "S-$other: not direct: $e"
		case $other/$st in
		C/punch | */predict) ;;
		*/punch)
			# The hard side's data socket was the one the easy side's sweep found.
			[ "$e" = "$UP_A" ] && [ "$easy" = predict ] ||
				t_fail "S-$other: strategy $st (easy side: $easy): $e" ;;
		*) t_fail "S-$other: strategy $st: $e" ;;
		esac
		strategies="$strategies $st"
	done
	grep -h '"what":"predict"' "$T_TMP/$s.log" "$T_TMP/$o.log" | while read -r l; do
		echo "S-$other: $(lab_field "$l" text)"
	done
	# The attempt is over by PREDICT_ATTEMPT_MS (3 s): no socket left but the path's.
	sleep 4
	ns_s=$(udp_sockets "$s" "$hS") ns_o=$(udp_sockets "$o" "$(lab_host $other)")
	echo "S-$other: UDP sockets after the attempt: S $ns_s, $other $ns_o"
	[ "$ns_s" -gt 0 ] && [ "$ns_s" -le $((ns_o + 1)) ] || t_fail "S-$other: S holds $ns_s UDP sockets, its peer $ns_o"
	echo "S-$other: direct by${strategies}, first message after $FIRST_MS ms"
	lab_stop "$s"
	lab_stop "$o"
done
echo "ok: symmetric <-> port-restricted, full cone and double NAT go direct"
