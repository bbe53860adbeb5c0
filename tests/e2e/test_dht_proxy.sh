#!/usr/bin/env bash
# tests/e2e/test_dht_proxy.sh — --dht-proxy: a peer that reaches the DHT only
# through OpenDHT's proxy (HTTP over TCP) meets one on the DHT's UDP, and
# they chat.
#
#   node0 <- node1 <- node2        dhtnode on 127.0.0.1, each bootstraps to
#     ^        ^        ^          the previous; node2 also serves the proxy
#     B        |      proxy:PP     (dhtnode --proxyserver PP, loopback)
#              |        ^
#              |        A          gonet --dht-proxy http://127.0.0.1:PP
#
# A's only bootstrap is a dead port (9): without the proxy it finds nobody.
# Checks: A says it uses the proxy; A's record
# (put through the proxy) reaches B over UDP and B's reaches A (listened
# through the proxy); both bring the path up; a line each way is delivered.
# C, a second proxy peer, finds A and B through the proxy too.
# --dht-hybrid (our UDP node and the proxy at once): D, whose proxy is dead,
# and E, whose UDP bootstrap is dead, each meet everyone and chat.
# Needs no root: loopback only, no LAN discovery. SKIP if dhtnode is missing.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout ss
[ -x "$T_BUILD/gonet" ] || t_fail "no $T_BUILD/gonet"
LIMIT=60
T_GONET_LIMIT=$LIMIT
ROOM="gonet-proxy/$T_ID/$RANDOM$RANDOM"

t_dht_local 2 "$LIMIT" || t_fail "dhtnode does not start"
PORTS=("${T_DHT_PORTS[@]}")
t_dht_proxy "${PORTS[1]}" "$LIMIT" || t_fail "dhtnode --proxyserver does not start"
PP=$T_PROXY_PORT
URL=http://127.0.0.1:$PP

t_gonet A "$ROOM" 9 --dht-proxy "$URL"
t_gonet B "$ROOM" "${PORTS[0]}"
t_wait_for 5 eval "[ -n \"\$(t_fp A)\" ] && [ -n \"\$(t_fp B)\" ]" ||
	t_fail "a peer did not start: $(cat "$T_TMP/A.err" "$T_TMP/B.err")"
FA=$(t_fp A)
FB=$(t_fp B)
grep -q "\"what\":\"dht\",\"text\":\"through the DHT proxy $URL\"" "$T_TMP/A.log" ||
	t_fail "A does not say it uses the proxy: $(grep '"what":"dht"' "$T_TMP/A.log")"

up() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep -q "\"fp\":\"$2\""; }
t_wait_for 20 up A "$FB" || t_fail "A (proxy) never came up with B: $(tail -5 "$T_TMP/A.log")"
t_wait_for 10 up B "$FA" || t_fail "B never came up with A (proxy)"
grep '"event":"peer"' "$T_TMP/B.log" | grep -q "\"fp\":\"$FA\"" ||
	t_fail "B came up with A without its record?"

got() { grep '"event":"message"' "$T_TMP/$1.log" | grep "\"fp\":\"$2\"" | grep -q "\"text\":\"$3\""; }
t_say A "through the proxy"
t_say B "over udp"
t_wait_for 10 got B "$FA" "through the proxy" || t_fail "B did not get A's line"
t_wait_for 10 got A "$FB" "over udp" || t_fail "A did not get B's line"

# A second peer on the proxy alone finds both. Its OpenDHT log (--dht-log)
# comes through the gate's logger (dht/runner/proxy_gate.cpp).
t_gonet C "$ROOM" 9 --dht-proxy "$URL" --dht-log "$T_TMP/C.dht"
t_wait_for 20 eval "up C '$FA' && up C '$FB'" || t_fail "C (proxy) did not come up with A and B"
grep -q "^\[[0-9.]*\] \[proxy:client\] start proxy with $URL" "$T_TMP/C.dht" ||
	t_fail "C's --dht-log has no proxy start: $(head -3 "$T_TMP/C.dht")"
grep -q '\[proxy:client\] starting io_context' "$T_TMP/C.dht" ||
	t_fail "C's --dht-log has nothing from the proxy client's own thread"
echo "proxy: A and C through $URL, B on UDP: records and chat work"

# --dht-hybrid: each side alone must do. D's proxy is dead (nothing listens
# on port 1), its UDP node is not; E's UDP bootstrap is dead, its proxy not.
t_gonet D "$ROOM" "${PORTS[0]}" --dht-proxy "http://127.0.0.1:1" --dht-hybrid
t_gonet E "$ROOM" 9 --dht-proxy "$URL" --dht-hybrid
t_wait_for 5 eval "[ -n \"\$(t_fp D)\" ] && [ -n \"\$(t_fp E)\" ]" || t_fail "D or E did not start"
FD=$(t_fp D)
FE=$(t_fp E)
grep '"what":"dht"' "$T_TMP/D.log" | grep -q "reached; and through the DHT proxy http://127.0.0.1:1" ||
	t_fail "D does not say it uses both: $(grep '"what":"dht"' "$T_TMP/D.log")"
t_wait_for 20 eval "up D '$FA' && up D '$FB' && up D '$FE'" ||
	t_fail "D (hybrid, dead proxy) did not come up with A, B and E: $(grep -c '"event":"path-up"' "$T_TMP/D.log") paths"
t_wait_for 20 eval "up E '$FA' && up E '$FB' && up E '$FD'" ||
	t_fail "E (hybrid, dead UDP bootstrap) did not come up with A, B and D: $(grep -c '"event":"path-up"' "$T_TMP/E.log") paths"
t_say D "hybrid d"
t_say E "hybrid e"
t_wait_for 10 got E "$FD" "hybrid d" || t_fail "E did not get D's line"
t_wait_for 10 got D "$FE" "hybrid e" || t_fail "D did not get E's line"
t_wait_for 10 got A "$FE" "hybrid e" || t_fail "A did not get E's line"
echo "hybrid: D (dead proxy, UDP node) and E (proxy, dead UDP bootstrap) meet everyone and chat"
exit 0
