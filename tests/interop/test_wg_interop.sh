#!/usr/bin/env bash
# tests/interop/test_wg_interop.sh — gonet's WireGuard (tunnel/wg/wg.h, driven by
# tests/helpers/wgpeer) against wireguard-go on a TUN device, inner IPv6/UDP checked
# byte for byte by tests/helpers/udpcheck on kernel sockets.
#
#   ns A (gonet)                                ns B (wireguard-go)
#   wgpeer  10.77.0.1 / fd00:77::1  ==veth==  10.77.0.2 / fd00:77::2  wgN (TUN)
#   inner   fd67:6f6e:6574:<hash A>            fd67:6f6e:6574:<hash B>  udpcheck
#
# Scenarios: (a) gonet initiates, psk; (b) wireguard-go initiates; (c) rekey
# while traffic flows, nothing lost; (d) no psk; (e) wrong psk fails cleanly
# and quickly; (f) outer IPv6, inner IPv4. Needs root, wireguard-go, wg, ip.
# The namespaces have no route to anything but each other.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

t_need_root
t_need_cmd ip wg wireguard-go timeout
[ -c /dev/net/tun ] || t_skip "no /dev/net/tun"

WGPEER=$T_BUILD/tests/helpers/wgpeer
UDPCHECK=$T_BUILD/tests/helpers/udpcheck
[ -x "$WGPEER" ] && [ -x "$UDPCHECK" ] || t_fail "build tests/helpers/wgpeer and tests/helpers/udpcheck first (make check)"

N=${INTEROP_COUNT:-100}
t_netns NSA a
t_netns NSB b
ip link add "vA$T_ID" netns "$NSA" type veth peer name "vB$T_ID" netns "$NSB" || t_fail "veth"
ip -n "$NSA" link set "vA$T_ID" name veth0
ip -n "$NSB" link set "vB$T_ID" name veth0
ip -n "$NSA" addr add 10.77.0.1/24 dev veth0
ip -n "$NSB" addr add 10.77.0.2/24 dev veth0
ip -n "$NSA" addr add fd00:77::1/64 dev veth0 nodad
ip -n "$NSB" addr add fd00:77::2/64 dev veth0 nodad
ip -n "$NSA" link set veth0 up
ip -n "$NSB" link set veth0 up

# wireguard-go and wg talk over /run/wireguard/*.sock: give ns B a private
# /run (a bind mount inside ip-netns-exec's own mount namespace, which never
# propagates to the host), the same one for every command run there.
RUNB=$T_TMP/run-b
mkdir -p "$RUNB"
# As arrays too, so that t_bg runs (and later kills) the command itself.
RUN_B=(ip netns exec "$NSB" sh -c 'mount --bind "$0" /run && exec "$@"' "$RUNB")
RUN_A=(ip netns exec "$NSA")
in_b() { "${RUN_B[@]}" "$@"; }
in_a() { "${RUN_A[@]}" "$@"; }
export WG_PROCESS_FOREGROUND=1

PASS=0
FAIL=0
SUMMARY=()
pass() { PASS=$((PASS + 1)); SUMMARY+=("PASS $*"); echo "interop: PASS $*"; }
fail() { FAIL=$((FAIL + 1)); SUMMARY+=("FAIL $*"); echo "interop: FAIL $*"; }

# keys NAME: $T_TMP/NAME.key, NAME.pub. gonet's side (a) gets its key as a
# gonet identity does, derived from a fresh Ed25519 seed (the clamped first
# half of SHA-512(seed), libsodium's crypto_sign_ed25519_sk_to_curve25519;
# doc/PROTOCOL.md "Identity"): to wireguard-go it is an ordinary X25519 key.
keys() {
	if [ "$1" = a ] && command -v python3 >/dev/null 2>&1; then
		(umask 077; python3 -c 'import base64, hashlib, os
h = bytearray(hashlib.sha512(os.urandom(32)).digest()[:32])
h[0] &= 248; h[31] = (h[31] & 127) | 64
print(base64.b64encode(bytes(h)).decode())' >"$T_TMP/$1.key") || return 1
	else
		(umask 077; wg genkey >"$T_TMP/$1.key") || return 1
	fi
	wg pubkey <"$T_TMP/$1.key" >"$T_TMP/$1.pub"
}

IFN=0
# wg_up: start wireguard-go on a fresh wg$IFN in ns B; sets WGIF, WGPID.
wg_up() {
	IFN=$((IFN + 1))
	WGIF=wg$IFN
	t_bg "wireguard-go-$WGIF" "${RUN_B[@]}" timeout -k 2 120 wireguard-go -f "$WGIF"
	WGPID=$T_PID
	t_wait_for 10 in_b wg show "$WGIF" || { cat "$T_TMP/wireguard-go-$WGIF.log"; return 1; }
}

wg_down() {
	kill -TERM "$WGPID" 2>/dev/null
	wait "$WGPID" 2>/dev/null
	t_wait_for 5 bash -c "! ip -n $NSB link show $WGIF" || true
}

# wg_conf PEERPUB ALLOWED [endpoint E] [psk FILE]...: configure and bring up WGIF.
wg_conf() {
	local pub=$1 allowed=$2; shift 2
	in_b wg set "$WGIF" private-key "$T_TMP/b.key" listen-port "$BPORT" \
		peer "$pub" allowed-ips "$allowed" "$@" || return 1
	ip -n "$NSB" addr add "$ADDR_B/128" dev "$WGIF" nodad || return 1
	ip -n "$NSB" link set "$WGIF" up || return 1
	ip -n "$NSB" route add "$ADDR_A/128" dev "$WGIF" || return 1
}

# A fresh key pair for both sides and fresh ports for one scenario.
SCN=0
scenario_setup() {
	SCN=$((SCN + 1))
	keys a && keys b && (umask 077; wg genpsk >"$T_TMP/psk"; wg genpsk >"$T_TMP/psk-other") || return 1
	PUB_A=$(cat "$T_TMP/a.pub")
	PUB_B=$(cat "$T_TMP/b.pub")
	ADDR_A=$("$WGPEER" --print-addr "$PUB_A") || return 1
	ADDR_B=$("$WGPEER" --print-addr "$PUB_B") || return 1
	APORT=$((51000 + SCN))
	BPORT=$((52000 + SCN))
	wg_up
}

# wgpeer_bg LOG ARGS...: wgpeer in ns A with this scenario's keys; sets WPID.
wgpeer_bg() {
	local log=$1; shift
	t_bg "$log" "${RUN_A[@]}" timeout -k 2 60 "$WGPEER" --key "$T_TMP/a.key" --peer "$PUB_B" "$@"
	WPID=$T_PID
	WLOG=$T_TMP/$log.log
}

# echo_bg ADDR:PORT COUNT: udpcheck echo in ns B, returned once it is bound
# (a datagram arriving earlier would draw an ICMP error); sets EPID.
echo_bg() {
	t_bg "echo-$SCN" "${RUN_B[@]}" timeout -k 2 60 "$UDPCHECK" echo --bind "$1" --count "$2" --timeout 50
	EPID=$T_PID
	t_wait_for 10 grep -q listening "$T_TMP/echo-$SCN.log"
}

handshake_seen() { [ "$(in_b wg show "$WGIF" latest-handshakes | awk '{print $2}')" != 0 ]; }

show_logs() {
	local f
	for f in "$@"; do echo "--- $f"; tail -n 30 "$T_TMP/$f.log" 2>/dev/null; done
}

# (a)/(d): gonet initiates; N datagrams each way. $1 = psk|nopsk
scenario_initiator() {
	local mode=$1 name psk_a=() psk_b=() rc_w rc_s rc_e
	name="gonet initiates, $mode, $N+$N datagrams"
	scenario_setup || { fail "$name: setup"; return; }
	if [ "$mode" = psk ]; then
		psk_a=(--psk "$T_TMP/psk")
		psk_b=(preshared-key "$T_TMP/psk")
	fi
	# No endpoint on the wireguard-go side: it learns ours from the handshake.
	wg_conf "$PUB_A" "$ADDR_A/128" "${psk_b[@]}" || { fail "$name: wg set"; wg_down; return; }
	echo_bg "[$ADDR_B]:7001" "$N" || { fail "$name: udpcheck echo"; wg_down; return; }
	wgpeer_bg "wgpeer-$SCN" --bind 10.77.0.1:$APORT --endpoint 10.77.0.2:$BPORT "${psk_a[@]}" \
		--keepalive 25 --initiate --send "$N" --to "[$ADDR_B]:7001" \
		--echo 7002 --echo-count "$N" --timeout 45
	if ! t_wait_for 15 handshake_seen; then
		fail "$name: no handshake on the wireguard-go side"
		show_logs "wgpeer-$SCN" "wireguard-go-$WGIF"; wg_down; return
	fi
	in_b timeout -k 2 60 "$UDPCHECK" send --bind "[$ADDR_B]:7003" --to "[$ADDR_A]:7002" \
		--count "$N" --timeout 40 >"$T_TMP/send-$SCN.log" 2>&1
	rc_s=$?
	wait "$WPID"; rc_w=$?
	wait "$EPID"; rc_e=$?
	if [ $rc_w -eq 0 ] && [ $rc_s -eq 0 ] && [ $rc_e -eq 0 ] && grep -q 'wgpeer: OK' "$WLOG"; then
		pass "$name ($(grep -o 'sent [0-9]* back [0-9]* of [0-9]*; echoed [0-9]*' "$WLOG"))"
	else
		fail "$name (wgpeer rc=$rc_w, udpcheck send rc=$rc_s, echo rc=$rc_e)"
		show_logs "wgpeer-$SCN" "send-$SCN" "echo-$SCN" "wireguard-go-$WGIF"
	fi
	wg_down
}

# (b): wireguard-go initiates: ns B sends first; wgpeer only answers, then sends.
scenario_responder() {
	local name="wireguard-go initiates, psk, $N+$N datagrams" rc_w rc_s rc_e
	scenario_setup || { fail "$name: setup"; return; }
	wg_conf "$PUB_A" "$ADDR_A/128" endpoint 10.77.0.1:$APORT preshared-key "$T_TMP/psk" ||
		{ fail "$name: wg set"; wg_down; return; }
	echo_bg "[$ADDR_B]:7001" "$N" || { fail "$name: udpcheck echo"; wg_down; return; }
	# No --endpoint, no --initiate: wgpeer can only learn the path from wireguard-go.
	wgpeer_bg "wgpeer-$SCN" --bind 10.77.0.1:$APORT --psk "$T_TMP/psk" --after-handshake \
		--send "$N" --to "[$ADDR_B]:7001" --echo 7002 --echo-count "$N" --timeout 45
	t_wait_for 5 grep -q 'our address' "$WLOG" || true
	in_b timeout -k 2 60 "$UDPCHECK" send --bind "[$ADDR_B]:7003" --to "[$ADDR_A]:7002" \
		--count "$N" --timeout 40 >"$T_TMP/send-$SCN.log" 2>&1
	rc_s=$?
	wait "$WPID"; rc_w=$?
	wait "$EPID"; rc_e=$?
	if [ $rc_w -eq 0 ] && [ $rc_s -eq 0 ] && [ $rc_e -eq 0 ] &&
	    grep -q 'handshakes initiated=0 ' "$WLOG" && grep -q 'wgpeer: OK' "$WLOG"; then
		pass "$name (wgpeer was responder only; $(grep -o 'endpoint changed to [^ ]*' "$WLOG" | head -n1))"
	else
		fail "$name (wgpeer rc=$rc_w, udpcheck send rc=$rc_s, echo rc=$rc_e)"
		show_logs "wgpeer-$SCN" "send-$SCN" "echo-$SCN" "wireguard-go-$WGIF"
	fi
	wg_down
}

# (c): a second handshake forced mid-stream; every datagram still comes back.
scenario_rekey() {
	# Paced to last ~8 s whatever N is, so the rekey (at ~5 s) lands mid-stream.
	local total=$((4 * N)) at=$((5 * N / 2)) rate=$((N / 2)) brate=$((N * 15 / 100 + 1)) name rc_w rc_s rc_e hs1 hs2
	name="rekey at $at of $total ($rate/s) with traffic both ways, psk"
	scenario_setup || { fail "$name: setup"; return; }
	wg_conf "$PUB_A" "$ADDR_A/128" preshared-key "$T_TMP/psk" || { fail "$name: wg set"; wg_down; return; }
	echo_bg "[$ADDR_B]:7001" "$total" || { fail "$name: udpcheck echo"; wg_down; return; }
	wgpeer_bg "wgpeer-$SCN" --bind 10.77.0.1:$APORT --endpoint 10.77.0.2:$BPORT --psk "$T_TMP/psk" \
		--initiate --after-handshake --send "$total" --rate "$rate" --to "[$ADDR_B]:7001" --rekey-at "$at" \
		--echo 7002 --echo-count "$N" --expect-handshakes 2 --timeout 45
	t_wait_for 15 handshake_seen || true
	hs1=$(in_b wg show "$WGIF" latest-handshakes | awk '{print $2}')
	in_b timeout -k 2 60 "$UDPCHECK" send --bind "[$ADDR_B]:7003" --to "[$ADDR_A]:7002" \
		--count "$N" --rate "$brate" --timeout 40 >"$T_TMP/send-$SCN.log" 2>&1
	rc_s=$?
	wait "$WPID"; rc_w=$?
	wait "$EPID"; rc_e=$?
	hs2=$(in_b wg show "$WGIF" latest-handshakes | awk '{print $2}')
	if [ $rc_w -eq 0 ] && [ $rc_s -eq 0 ] && [ $rc_e -eq 0 ] && grep -q 'handshake done (2)' "$WLOG"; then
		pass "$name (2 handshakes; wireguard-go latest-handshake $hs1 -> $hs2)"
	else
		fail "$name (wgpeer rc=$rc_w, udpcheck send rc=$rc_s, echo rc=$rc_e)"
		show_logs "wgpeer-$SCN" "send-$SCN" "echo-$SCN" "wireguard-go-$WGIF"
	fi
	wg_down
}

# (e): psk differs: wireguard-go answers the initiation, our side cannot
# verify the response. wgpeer must give up by its --timeout with a clear
# message and WG_DROP_HANDSHAKE counted; the outer timeout catches a hang.
scenario_wrong_psk() {
	local name="wrong psk fails cleanly" rc_w start elapsed
	scenario_setup || { fail "$name: setup"; return; }
	wg_conf "$PUB_A" "$ADDR_A/128" preshared-key "$T_TMP/psk-other" || { fail "$name: wg set"; wg_down; return; }
	start=$SECONDS
	in_a timeout -k 2 20 "$WGPEER" --key "$T_TMP/a.key" --peer "$PUB_B" --psk "$T_TMP/psk" \
		--bind 10.77.0.1:$APORT --endpoint 10.77.0.2:$BPORT --initiate \
		--send 1 --to "[$ADDR_B]:7001" --timeout 7 >"$T_TMP/wgpeer-$SCN.log" 2>&1
	rc_w=$?
	elapsed=$((SECONDS - start))
	WLOG=$T_TMP/wgpeer-$SCN.log
	if [ $rc_w -eq 1 ] && grep -q 'wgpeer: FAIL: timeout: no handshake completed' "$WLOG" &&
	    grep -Eq 'drops.* handshake=[1-9]' "$WLOG" && ! grep -q 'handshake done' "$WLOG"; then
		pass "$name: exit 1 after ${elapsed}s, drops $(grep -o 'handshake=[0-9]*' "$WLOG"); wgpeer said $(grep -o 'FAIL: .*' "$WLOG")"
	else
		fail "$name (wgpeer rc=$rc_w after ${elapsed}s; 124 = hung)"
		show_logs "wgpeer-$SCN" "wireguard-go-$WGIF"
	fi
	wg_down
}

# (f): outer IPv6, inner IPv4 (and the IPv6 tunnel address still allowed).
scenario_v4_inner() {
	local name="outer IPv6, inner IPv4, psk, $N+$N datagrams" rc_w rc_s rc_e
	scenario_setup || { fail "$name: setup"; return; }
	wg_conf "$PUB_A" "$ADDR_A/128,10.99.0.1/32" preshared-key "$T_TMP/psk" ||
		{ fail "$name: wg set"; wg_down; return; }
	ip -n "$NSB" addr add 10.99.0.2/32 dev "$WGIF"
	ip -n "$NSB" route add 10.99.0.1/32 dev "$WGIF"
	echo_bg 10.99.0.2:7001 "$N" || { fail "$name: udpcheck echo"; wg_down; return; }
	wgpeer_bg "wgpeer-$SCN" --bind "[fd00:77::1]:$APORT" --endpoint "[fd00:77::2]:$BPORT" \
		--psk "$T_TMP/psk" --addr 10.99.0.1 --peer-addr 10.99.0.2 --initiate \
		--send "$N" --to 10.99.0.2:7001 --echo 7002 --echo-count "$N" --timeout 45
	if ! t_wait_for 15 handshake_seen; then
		fail "$name: no handshake on the wireguard-go side"
		show_logs "wgpeer-$SCN" "wireguard-go-$WGIF"; wg_down; return
	fi
	in_b timeout -k 2 60 "$UDPCHECK" send --bind 10.99.0.2:7003 --to 10.99.0.1:7002 \
		--count "$N" --timeout 40 >"$T_TMP/send-$SCN.log" 2>&1
	rc_s=$?
	wait "$WPID"; rc_w=$?
	wait "$EPID"; rc_e=$?
	if [ $rc_w -eq 0 ] && [ $rc_s -eq 0 ] && [ $rc_e -eq 0 ] && grep -q 'wgpeer: OK' "$WLOG"; then
		pass "$name"
	else
		fail "$name (wgpeer rc=$rc_w, udpcheck send rc=$rc_s, echo rc=$rc_e)"
		show_logs "wgpeer-$SCN" "send-$SCN" "echo-$SCN" "wireguard-go-$WGIF"
	fi
	wg_down
}

scenario_initiator psk		# (a) and (d) with a psk
scenario_responder		# (b)
scenario_rekey			# (c)
scenario_initiator nopsk	# (d) without
scenario_wrong_psk		# (e)
scenario_v4_inner		# (f)

echo "interop: summary: $PASS passed, $FAIL failed"
for s in "${SUMMARY[@]}"; do echo "  $s"; done
[ "$FAIL" -eq 0 ]
