#!/usr/bin/env bash
# tests/lab/test_nat_hard.sh — the pairs that cannot punch over IPv4: the
# NAT classes known early, IPv6 where both have it, the fallback at once
# where nothing else works.
#
#   internet ── dht1..3 (IPv4 + IPv6), stun (coturn on 2 IPv4 + 2 IPv6), refl
#      ├─ X1 sym v6 ── hX1     symmetric IPv4 NAT, global IPv6 behind a stateful firewall
#      ├─ X2 sym v6 ── hX2     the same
#      ├─ Y1 sym    ── hY1     symmetric, IPv6 off
#      └─ Y2 sym    ── hY2     the same
#
# 1. X1 <-> X2: each learns its class from coturn's two addresses over IPv4
#    ("random") and that IPv6 is open (STUN over IPv6); they meet direct over
#    IPv6 through both firewalls (path direct, endpoint [2001:db8:...],
#    strategy "ipv6"), and chat.
# 2. Y1 <-> Y2: both "random", no mapping, no IPv6: the DHT mailbox carries
#    their chat from FALLBACK_HARD_DHT_MS (strategy "fallback"); the time
#    from start to the first message is printed (bench/nat_hard.sh takes
#    its distribution; no timed assertion here).
# Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"

lab_init || t_fail "lab_init"
for s in "X1 sym v6" "X2 sym v6" "Y1 sym" "Y2 sym"; do
	lab_site $s || t_fail "lab_site $s"
done
for s in "X1 sym" "X2 sym" "Y1 sym" "Y2 sym"; do
	lab_check_site $s || t_fail "site $s does not behave as named"
done
BOOTS=()
for n in $LAB_DHT_ALL; do BOOTS+=(--bootstrap "$n"); done

# pair NAME_A NS_A NAME_B NS_B ROOM [OPTION...]: start both; wait for a
# message each way; sets UP_A, UP_B (path-up events) and FIRST_MS.
pair() {
	local a=$1 na=$2 b=$3 nb=$4 room=$5 t0 now
	shift 5
	t0=$(lab_ms)
	lab_gonet "$na" "$a" "$room" "$LAB_DHT" "${BOOTS[@]}" "$@"
	lab_gonet "$nb" "$b" "$room" "$LAB_DHT" "${BOOTS[@]}" "$@"
	t_wait_for 30 sh -c "grep -q '\"event\":\"path-up\"' '$T_TMP/$a.log' && grep -q '\"event\":\"path-up\"' '$T_TMP/$b.log'" ||
		t_fail "$a/$b: no path: $(tail -5 "$T_TMP/$a.log") / $(tail -5 "$T_TMP/$b.log")"
	lab_say "$a" "hello from $a"
	lab_say "$b" "hello from $b"
	FIRST_MS=
	while now=$(lab_ms); [ $((now - t0)) -lt 30000 ]; do
		if grep -q '"event":"message"' "$T_TMP/$a.log" "$T_TMP/$b.log"; then
			[ -z "$FIRST_MS" ] && FIRST_MS=$((now - t0))
		fi
		grep -q "hello from $a" "$T_TMP/$b.log" && grep -q "hello from $b" "$T_TMP/$a.log" && break
		sleep 0.05
	done
	grep -q "hello from $a" "$T_TMP/$b.log" && grep -q "hello from $b" "$T_TMP/$a.log" ||
		t_fail "$a/$b: lines lost"
	UP_A=$(lab_event "$a" path-up)
	UP_B=$(lab_event "$b" path-up)
}

# --- 1. both with IPv6: direct over IPv6 --------------------------------------
pair x1 "$(lab_host X1)" x2 "$(lab_host X2)" "lab/$T_ID/v6" --stun "$LAB_STUN6" --no-dht-fallback
for n in x1 x2; do
	nat=$(lab_field "$(grep '"what":"nat"' "$T_TMP/$n.log" | tail -1)" text)
	echo "$n: $nat"
	case $nat in *"IPv4 random"*"IPv6 open"*) ;; *) t_fail "$n: NAT class not learnt: $nat" ;; esac
done
for e in "$UP_A" "$UP_B"; do
	echo "X: path $(lab_field "$e" path) $(lab_field "$e" endpoint) by $(lab_field "$e" strategy), peer NAT $(lab_field "$e" nat)"
	case "$(lab_field "$e" endpoint)" in "[2001:db8:"*) ;; *) t_fail "not over IPv6: $e" ;; esac
	[ "$(lab_field "$e" strategy)" = ipv6 ] || t_fail "strategy not ipv6: $e"
done
echo "X1-X2: direct over IPv6, first message after $FIRST_MS ms"
lab_stop x1
lab_stop x2

# --- 2. symmetric both, nothing else: the DHT at once ----------------------------
pair y1 "$(lab_host Y1)" y2 "$(lab_host Y2)" "lab/$T_ID/dht"
for e in "$UP_A" "$UP_B"; do
	echo "Y: path $(lab_field "$e" path) by $(lab_field "$e" strategy), peer NAT $(lab_field "$e" nat)"
	[ "$(lab_field "$e" path)" = dht ] || t_fail "not over the DHT mailbox: $e"
	[ "$(lab_field "$e" strategy)" = fallback ] || t_fail "strategy not fallback: $e"
	[ "$(lab_field "$e" nat)" = random ] || t_fail "peer NAT not random: $e"
done
grep -q '"event":"peer-failed"' "$T_TMP/y1.log" && t_fail "y1 waited for punching to fail first"
echo "Y1-Y2: over the DHT mailbox, first message after $FIRST_MS ms"
lab_stop y1
lab_stop y2
echo "ok: IPv6 direct where both have it, the fallback at once where nothing punches"
