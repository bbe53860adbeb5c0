#!/usr/bin/env bash
# tests/lab/test_peer_relay.sh — two peers that cannot punch chat through a
# third room member that reaches both (doc/PROTOCOL.md "Peer relay"):
#
#   internet ── dht1..3, stun
#      ├─ SA (sym)  ── A      A <-> B: no direct path (random ports on both
#      ├─ SB (sym)  ── B      sides, no IPv6, no port mapping: neither
#      │                      punching nor port prediction can work)
#      ├─ SR (none) ── R      reaches both; GONET_RELAY_RATE=10 (packets/s per pair)
#      └─ SX (none) ── X      not a room member: relayforge sends forged relay messages
#
# 1. A and B report path-up for each other with path "relay" via R; lines
#    go both ways.
# 2. Abuse: X sends 100 forged data messages and 100 forged queries to R
#    (MACed with a key that is not the room's): R forwards none (counted
#    invalid: data as invalid-mac, queries as invalid-receiver); A writes 60 lines at once, above R's rate limit: R cuts
#    the excess (counted "rate"), and chat retransmissions still deliver
#    every line, in order.
# 3. R leaves (SIGTERM: BYE); then A writes a line. With R gone A and B have
#    no UDP path at all, so the line must reach B over another path: the DHT
#    mailbox ("dht"), nothing reported undelivered. R comes back with the same
#    identity: A and B move back onto the relay (an upgrade from "dht").
# Root, else SKIP.
. "${top_srcdir:-.}/tests/lib.sh"
t_need_root
. "$T_SRC/tests/lab/lab.sh"
[ -x "$LAB_GONET" ] || t_fail "no $LAB_GONET"
"$LAB_GONET" --help 2>&1 | grep -q -- '--no-relay' || t_skip "gonet has no peer relay"
FORGE=$T_BUILD/tests/helpers/relayforge
[ -x "$FORGE" ] || t_fail "no $FORGE"
LAB_GONET_LIMIT=200

lab_init || t_fail "lab_init"
lab_site SA sym || t_fail "lab_site SA"
lab_site SB sym || t_fail "lab_site SB"
lab_site SR none || t_fail "lab_site SR"
lab_site SX none || t_fail "lab_site SX"
room="lab/$T_ID/relay/$RANDOM$RANDOM"
start_r() { GONET_RELAY_RATE=10 lab_gonet "$(lab_host SR)" R "$room" 203.0.113.12:4222; }
start_r
lab_gonet "$(lab_host SA)" A "$room" 203.0.113.11:4222
lab_gonet "$(lab_host SB)" B "$room" "203.0.113.1$LAB_DHT_N:4222"

# pathup NAME PEER: NAME's last path-up line for PEER.
pathup() { grep '"event":"path-up"' "$T_TMP/$1.log" | grep "\"nick\":\"$2\"" | tail -n1; }
relayed() { pathup A B | grep -q '"path":"relay"' && pathup B A | grep -q '"path":"relay"'; }
t_wait_for 60 relayed || { tail -n 25 "$T_TMP/A.log" "$T_TMP/B.log" "$T_TMP/R.log" >&2; t_fail "A and B not relayed within 60 s"; }
t_log "A: $(pathup A B)"
t_log "B: $(pathup B A)"
[ "$(lab_field "$(pathup A B)" via)" = R ] || t_fail "A's path to B is not via R"
[ "$(lab_field "$(pathup B A)" via)" = R ] || t_fail "B's path to A is not via R"

count() { grep '"event":"message"' "$T_TMP/$1.log" | grep "\"nick\":\"$2\"" | grep -c "\"text\":\"$3"; }
lab_say A "hello B via R"
lab_say B "hello A via R"
t_wait_for 15 sh -c "grep -q 'hello B via R' '$T_TMP/B.log' && grep -q 'hello A via R' '$T_TMP/A.log'" ||
	t_fail "lines did not cross the relay"

# --- abuse -----------------------------------------------------------------------
rport=$(grep -o 'data socket on UDP port [0-9]*' "$T_TMP/R.log" | grep -o '[0-9]*$')
[ -n "$rport" ] || t_fail "R's data port unknown"
k1=$(head -c 32 /dev/urandom | base64) k2=$(head -c 32 /dev/urandom | base64)
lab_exec "$(lab_host SX)" "$FORGE" "${LAB_PUBIP[SR]}" "$rport" "$k1" "$k2" 100 || t_fail "relayforge"
N=60
for ((n = 1; n <= N; n++)); do lab_say A "flood $n"; done
t_wait_for 90 sh -c "[ \$(grep -c '\"text\":\"flood [0-9]*\"' '$T_TMP/B.log') -ge $N ]" ||
	t_fail "only $(grep -c '"text":"flood [0-9]*"' "$T_TMP/B.log") of $N flood lines arrived"
got=$(grep -o '"text":"flood [0-9]*"' "$T_TMP/B.log" | grep -o '[0-9]*' | tr '\n' ' ')
[ "$got" = "$(seq -s ' ' 1 $N) " ] || t_fail "flood lines out of order or twice: $got"

# --- the relay leaves; a line written meanwhile takes another path --------------------
# SIGTERM, not EOF: A and B inherited the write end of R's stdin FIFO.
kill -TERM "${LAB_GPID[R]}"
# Its exit report (a reaped-late child still answers kill -0: watch the log).
t_wait_for 15 grep -q '"what":"relay"' "$T_TMP/R.log" || { tail "$T_TMP/R.log" >&2; t_fail "R did not exit"; }
cp "$T_TMP/R.log" "$T_TMP/R-first.log"
report=$(grep '"what":"relay"' "$T_TMP/R-first.log" | tail -n1)
t_log "R: $(lab_field "$report" text)"
mac=$(echo "$report" | sed -n 's/.*invalid-mac \([0-9]*\).*/\1/p')
rate=$(echo "$report" | sed -n 's/.*, rate \([0-9]*\).*/\1/p')
fwd=$(echo "$report" | sed -n 's/.*forwarded \([0-9]*\).*/\1/p')
invalid=$(echo "$report" | sed -n 's/.*, invalid \([0-9]*\).*/\1/p')
# Forged data and queries fail the MAC (sealed: the receiver is checked inside).
[ "${mac:-0}" -ge 100 ] || t_fail "forged data counted as invalid-mac: ${mac:-0} (want 100)"
[ "${invalid:-0}" -ge 200 ] || t_fail "forged messages counted invalid: ${invalid:-0} (want 200)"
[ "${rate:-0}" -ge 1 ] || t_fail "the flood was not cut by the rate limit"
[ "${fwd:-0}" -ge $N ] || t_fail "R forwarded only ${fwd:-0}"
gone=$SECONDS
lab_say A "written while R is gone"
t_wait_for 90 grep -q 'written while R is gone' "$T_TMP/B.log" ||
	{ tail -n 30 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "the line written while R was gone never arrived"; }
[ "$(lab_field "$(pathup B A)" path)" = dht ] || t_fail "B got the line, but not over the DHT: $(pathup B A)"
[ "$(lab_field "$(pathup A B)" path)" = dht ] || t_fail "A's path to B is not the DHT: $(pathup A B)"
t_log "with R gone the line went over the DHT, $((SECONDS - gone)) s after it was written"
start_r
t_wait_for 90 relayed || { tail -n 20 "$T_TMP/A.log" "$T_TMP/B.log" >&2; t_fail "A and B did not move back onto R"; }
t_log "R back: A and B relayed via R again: $(pathup B A)"
# (To R itself the line is rightly undelivered: R said BYE. Not to B.)
grep '"event":"undelivered"' "$T_TMP/A.log" | grep -q '"nick":"B"' && t_fail "A reported a line to B undelivered"
lab_stop A
lab_stop B
lab_stop R
echo "ok: relayed via R both ways; 200 forged messages dropped (mac), flood cut ($rate over rate) yet $N lines delivered in order; a line written while R was gone arrived over the DHT; back on R when it returned"
