#!/usr/bin/env bash
# test_turn_coturn.sh — the TURN client (tunnel/turn/turn.c, via tests/helpers/turnc)
# against a real server: coturn's turnserver on 127.0.0.1 at a random port
# with long-term credentials, a 5 s maximum allocation lifetime, 4 s
# permissions, 6 s channels and 3 s nonces, so that a 12 s run must refresh
# the allocation at least twice (past its lifetime), refresh permissions
# and channels, and answer 438 Stale Nonce, while data flows both ways
# through Send/Data indications and ChannelData. Then a wrong password must
# fail with 401, quickly. No root needed; SKIP (77) without turnserver.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd turnserver timeout
TURNC="$T_BUILD/tests/helpers/turnc"
[ -x "$TURNC" ] || t_fail "$TURNC not built"

LIFETIME=5
start_turnserver() {
	local port=$1
	# coturn refuses loopback peers by default: --allow-loopback-peers and
	# --allowed-peer-ip let the local "peer" sockets be reached.
	t_bg turnserver timeout -k 5 90 turnserver -n \
		--listening-ip=127.0.0.1 --listening-port="$port" --relay-ip=127.0.0.1 \
		--min-port=$((port + 1)) --max-port=$((port + 200)) \
		--no-tls --no-dtls --no-tcp --no-cli --simple-log \
		--log-file=stdout --pidfile="$T_TMP/turnserver.pid" --userdb="$T_TMP/turndb" \
		--lt-cred-mech --user=gonet:s3cret --realm=gonet.test \
		--allow-loopback-peers --allowed-peer-ip=127.0.0.1 \
		--max-allocate-lifetime=$LIFETIME --permission-lifetime=4 --channel-lifetime=6 \
		--stale-nonce=3
}

udp_bound() {
	grep -qi " 0100007F:$(printf '%04X' "$1") " /proc/net/udp
}

ok=
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	udp_bound "$port" && continue
	start_turnserver "$port"
	pid=$T_PID
	if t_wait_for 5 udp_bound "$port" && sleep 0.2 && kill -0 "$pid" 2>/dev/null; then
		ok=1
		break
	fi
	kill "$pid" 2>/dev/null || true
	t_log "turnserver did not come up on port $port (attempt $attempt)"
done
[ -n "$ok" ] || { tail -n 20 "$T_TMP/turnserver.log" >&2; t_fail "turnserver would not start"; }

# 12 s of data across 2+ lifetimes; at least 2 refreshes required by turnc itself (-r 2).
out=$(timeout -k 2 40 "$TURNC" -b 127.0.0.1 -l 600 -P 4 -C 6 -t 12000 -r 2 127.0.0.1 "$port" gonet s3cret)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { tail -n 30 "$T_TMP/turnserver.log" >&2; t_fail "turnc failed (rc $rc)"; }
echo "$out" | grep -qx "lifetime $LIFETIME" || t_fail "granted lifetime is not the server's maximum $LIFETIME"
relayed=$(echo "$out" | sed -n 's/^relayed //p')
case "$relayed" in 127.0.0.1:[0-9]*) ;; *) t_fail "unexpected relayed address '$relayed'" ;; esac
[ "$(echo "$out" | sed -n 's/^mapped //p')" = "$(echo "$out" | sed -n 's/^local //p')" ] ||
	t_fail "XOR-MAPPED-ADDRESS is not our own address on loopback"
refreshes=$(echo "$out" | sed -n 's/^refreshes //p')
[ "${refreshes:-0}" -ge 2 ] || t_fail "only ${refreshes:-0} refreshes"
echo "$out" | grep -q '^event permission' || t_fail "no permission event"
echo "$out" | grep -q '^event channel' || t_fail "no channel event"
echo "$out" | grep -qx 'closed closed' || t_fail "deallocation did not finish"
stale=$(echo "$out" | sed -n 's/^stale-nonces //p')
[ "${stale:-0}" -ge 1 ] || t_fail "no 438 Stale Nonce was exercised"

# Wrong password: a clear 401 failure, within a second.
start=$SECONDS
if out=$(timeout -k 2 10 "$TURNC" -b 127.0.0.1 -t 1000 127.0.0.1 "$port" gonet wrong 2>&1); then
	echo "$out" >&2
	t_fail "a wrong password was accepted"
fi
echo "$out" | grep -qx 'failed unauthorized 401' || { echo "$out" >&2; t_fail "no 401 failure"; }
[ $((SECONDS - start)) -le 2 ] || t_fail "the 401 failure took too long"
echo "ok: relayed $relayed, $refreshes refreshes of a ${LIFETIME}s allocation, $stale stale nonces"
