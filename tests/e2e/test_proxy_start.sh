#!/usr/bin/env bash
# tests/e2e/test_proxy_start.sh — OpenDHT's proxy client started again
# and again while the starting thread is stalled (tests/helpers/proxy_start.c):
# the proxy's first answer must never reach a half-built client. Before the gate
# (dht/runner/proxy_gate.cpp) a start died of SIGSEGV within a few; CI once
# lost test_dht_proxy's peer C that way.
#
#   node0 <- node1 + proxy:PP <- proxy_start (STARTS times: runner_new, a get)
#
# Checks: no crash, and every start's get came back from the proxy (so each
# client did reach it). Needs no root: loopback only. SKIP without dhtnode.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout ss
BIN=$T_BUILD/tests/helpers/proxy_start
[ -x "$BIN" ] || t_fail "no $BIN"
STARTS=40
LIMIT=120

t_dht_local 2 "$LIMIT" || t_fail "dhtnode does not start"
t_dht_proxy "${T_DHT_PORTS[1]}" "$LIMIT" || t_fail "dhtnode --proxyserver does not start"
URL=http://127.0.0.1:$T_PROXY_PORT

timeout -k 2 $((LIMIT - 10)) "$BIN" "$URL" "$STARTS" >"$T_TMP/out" 2>"$T_TMP/err"
rc=$?
cat "$T_TMP/out"
case $rc in
0) ;;
139 | 134) t_fail "the proxy client crashed (exit $rc) after: $(cat "$T_TMP/out") $(tail -3 "$T_TMP/err")" ;;
124 | 137) t_fail "proxy_start did not end within $((LIMIT - 10)) s: $(tail -3 "$T_TMP/err")" ;;
*) t_fail "proxy_start exit $rc: $(tail -5 "$T_TMP/err")" ;;
esac
grep -q "^proxy_start: $STARTS of $STARTS starts reached the proxy$" "$T_TMP/out" ||
	t_fail "not every start reached the proxy"
exit 0
