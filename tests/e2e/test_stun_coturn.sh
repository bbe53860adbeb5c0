#!/usr/bin/env bash
# test_stun_coturn.sh — the STUN client (tunnel/nat/stun.c, via tests/helpers/stunc)
# against a real server: coturn's turnserver on 127.0.0.1 at a random port.
# On loopback there is no NAT, so the mapped address must be the socket's own
# 127.0.0.1:port. No root needed; SKIP (77) without turnserver.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd turnserver timeout
STUNC="$T_BUILD/tests/helpers/stunc"
[ -x "$STUNC" ] || t_fail "$STUNC not built"

start_turnserver() {
	local port=$1
	t_bg turnserver timeout -k 5 60 turnserver -n \
		--listening-ip=127.0.0.1 --listening-port="$port" \
		--no-tls --no-dtls --no-tcp --no-cli --no-auth --simple-log \
		--log-file=stdout --pidfile="$T_TMP/turnserver.pid" \
		--userdb="$T_TMP/turndb" --no-stun-backward-compatibility
}

# Is something bound to UDP 127.0.0.1:$1? (/proc/net/udp: local address as hex)
udp_bound() {
	grep -qi " 0100007F:$(printf '%04X' "$1") " /proc/net/udp
}

# Try a few random ports until one is free and the server stays up.
ok=
for attempt in 1 2 3 4 5; do
	port=$((20000 + RANDOM % 40000))
	udp_bound "$port" && continue
	start_turnserver "$port"
	pid=$T_PID
	# Up when its socket is bound (and still ours); give up on this port if it died.
	if t_wait_for 5 udp_bound "$port" && sleep 0.2 && kill -0 "$pid" 2>/dev/null; then
		ok=1
		break
	fi
	kill "$pid" 2>/dev/null || true
	t_log "turnserver did not come up on port $port (attempt $attempt)"
done
[ -n "$ok" ] || { tail -n 20 "$T_TMP/turnserver.log" >&2; t_fail "turnserver would not start"; }

out=$(timeout -k 2 15 "$STUNC" -b 127.0.0.1 -t 5000 127.0.0.1 "$port") ||
	{ echo "$out" >&2; tail -n 20 "$T_TMP/turnserver.log" >&2; t_fail "stunc got no mapped address"; }
echo "$out"
local_ep=$(echo "$out" | sed -n 's/^local //p')
mapped_ep=$(echo "$out" | sed -n 's/^mapped //p')
case "$local_ep" in 127.0.0.1:[0-9]*) ;; *) t_fail "unexpected local address '$local_ep'" ;; esac
[ "$mapped_ep" = "$local_ep" ] || t_fail "mapped $mapped_ep != local $local_ep"
echo "$out" | grep -qx 'result single' || t_fail "unexpected result"

# A server that does not answer: the client gives up within its budget and says so.
dead=$((port + 2))
while udp_bound "$dead"; do dead=$((dead + 1)); done
start=$SECONDS
if timeout -k 2 10 "$STUNC" -b 127.0.0.1 -t 1500 127.0.0.1 "$dead" >"$T_TMP/dead.out" 2>&1; then
	t_fail "stunc claims a mapped address from a silent port"
fi
grep -qx 'result failed' "$T_TMP/dead.out" || { cat "$T_TMP/dead.out" >&2; t_fail "no failure result"; }
[ $((SECONDS - start)) -le 4 ] || t_fail "budget not respected"
echo "ok: mapped address $mapped_ep"
