#!/usr/bin/env bash
# tests/e2e/test_dht_rendezvous.sh — two gonet peers meet through a real local
# OpenDHT network while junk sits under the same infohash.
#
#   node0 <- node1 <- node2 <- node3 <- node4     dhtnode on 127.0.0.1,
#     ^        ^        ^        ^        ^       each bootstraps to the previous
#     |        A       dump      B      dhtjunk
#     |
#     C, D: a second pair whose clocks (GONET_FAKE_TIME_OFFSET) sit 200 s
#           before and 100 s after an epoch boundary: 5 minutes apart,
#           across it; they must still find each other.
#
# Checks: A and B each print a "peer" event with the other's fingerprint;
# (the peers are full --batch sessions: --linger keeps them up with stdin at EOF);
# `gonet --dht-dump ROOM --json` reports every junk value with its reason
# (size, magic, decrypt, shape, sig, exp, seq) and A and B as "ok"; C and D
# meet. Prints the start-to-peer time (bench/dht_rendezvous.sh takes the
# median of 20). T_RENDEZVOUS_ONLY=1 stops after A and B (for the bench).
# T_CHURN=N first has N short-lived dhtnode join (each bootstraps to one of
# the five), live 2 s and vanish without a word (SIGKILL), so the routing
# tables hold the dead as on the public network.
# Needs no root: loopback only, no LAN discovery. SKIP if dhtnode is missing.
. "${top_srcdir:-.}/tests/lib.sh"

t_need_cmd dhtnode timeout
G=$T_BUILD/gonet
JUNK=$T_BUILD/tests/helpers/dhtjunk
[ -x "$G" ] || t_fail "no $G"
[ -x "$JUNK" ] || t_fail "no $JUNK"
LIMIT=120			# upper bound on any process we start, even if cleanup never runs
ROOM="gonet-test/$T_ID/$RANDOM$RANDOM"

ms() { echo $(($(date +%s%N) / 1000000)); }

# bounded NAME CMD...: start CMD under timeout, log in $T_TMP/NAME.log; sets T_PID.
# Cleanup kills the command itself (dhtnode may hang on SIGTERM), then timeout.
bounded() {
	local name=$1 child tpid
	shift
	timeout -k 2 $LIMIT "$@" >"$T_TMP/$name.log" 2>"$T_TMP/$name.err" &
	tpid=$!
	t_wait_for 2 pgrep -P "$tpid" || true
	child=$(pgrep -P "$tpid" | head -1)
	t_on_exit "kill -TERM ${child:-$tpid}; sleep 0.3; kill -KILL ${child:-$tpid} $tpid"
	T_PID=${child:-$tpid}
}

# peer HOME_NAME BOOT_PORT [ENV=VALUE...]: a gonet --batch with its own dirs,
# and the options in PEER_ARGS.
PEER_ARGS=()
peer() {
	local name=$1 boot=$2 d=$T_TMP/$1
	shift 2
	mkdir -p "$d"
	bounded "$name" env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" \
		GONET_BOOTSTRAP= "$@" "$G" --batch --linger $LIMIT --nick "$name" --no-lan-discovery \
		--bootstrap "127.0.0.1:$boot" "${PEER_ARGS[@]}" "$ROOM"
}

fp_of() { sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$1.log" | head -1; }
saw() { grep '"event":"peer"' "$T_TMP/$1.log" | grep -q "\"fp\":\"$2\""; }
started() { grep -q '"what":"identity"' "$T_TMP/$1.log"; }
published() { grep -q "\"what\":\"published\".*\"epoch\":$2[,}]" "$T_TMP/$1.log"; }

# --- the DHT: five nodes, each bootstrapping to the previous ------------------
t_dht_local 5 "$LIMIT" || t_fail "dhtnode does not start"
PORTS=("${T_DHT_PORTS[@]}")

# --- churn: nodes that come and go ---------------------------------------------------
if [ "${T_CHURN:-0}" -gt 0 ]; then
	churners=()
	for ((c = 0; c < T_CHURN; c++)); do
		timeout -s KILL 2 dhtnode -s -p 0 -b "127.0.0.1:${PORTS[$((c % 5))]}" \
			</dev/null >/dev/null 2>&1 &
		churners+=($!)
	done
	wait "${churners[@]}" 2>/dev/null	# each is gone within 2 s (SIGKILL)
	sleep 1
fi

# --- junk first: discovery must work through it ----------------------------------
if [ -z "${T_RENDEZVOUS_ONLY:-}" ]; then
	timeout -k 2 30 "$JUNK" "127.0.0.1:${PORTS[4]}" "$ROOM" >"$T_TMP/junk.log" 2>&1 ||
		t_fail "dhtjunk could not put its values: $(cat "$T_TMP/junk.log")"
fi

# --- A and B -------------------------------------------------------------------------
t0=$(ms)
PEER_ARGS=(--dht-log "$T_TMP/A.dht")	# OpenDHT's log of A's node, beside its JSON
peer A "${PORTS[1]}"
PEER_ARGS=()
peer B "${PORTS[3]}"
t_wait_for 5 test -n "\$(fp_of A)" || true
t_wait_for 5 eval "started A && started B" ||
	t_fail "a peer did not start: $(cat "$T_TMP/A.err" "$T_TMP/B.err")"
FA=$(fp_of A)
FB=$(fp_of B)
[ -n "$FA" ] && [ -n "$FB" ] && [ "$FA" != "$FB" ] || t_fail "fingerprints: '$FA' '$FB'"

ta= tb=
deadline=$((SECONDS + 20))
while [ -z "$ta" ] || [ -z "$tb" ]; do
	[ -z "$ta" ] && saw A "$FB" && ta=$(($(ms) - t0))
	[ -z "$tb" ] && saw B "$FA" && tb=$(($(ms) - t0))
	[ $SECONDS -lt $deadline ] || t_fail "no rendezvous in 20 s (A saw B: ${ta:-no}, B saw A: ${tb:-no})"
	sleep 0.02
done
worst=$((ta > tb ? ta : tb))
echo "rendezvous: A saw B after $ta ms, B saw A after $tb ms (from launch, incl. Argon2id); worst $worst ms"
[ -n "${T_RENDEZVOUS_ONLY:-}" ] && exit 0

# --dht-log: OpenDHT's own lines in the file (mode 0600), time-stamped, a
# search among them; none on A's stdout (JSON only).
[ "$(stat -c %a "$T_TMP/A.dht")" = 600 ] || t_fail "--dht-log file mode $(stat -c %a "$T_TMP/A.dht")"
[ "$(grep -c '' "$T_TMP/A.dht")" -ge 10 ] || t_fail "--dht-log: $(grep -c '' "$T_TMP/A.dht") lines"
bad=$(grep -cv '^\[[0-9]\{6,\}\.[0-9]\{6\}\] ' "$T_TMP/A.dht")
[ "$bad" -eq 0 ] || t_fail "--dht-log: $bad lines without a time stamp: $(grep -v '^\[' "$T_TMP/A.dht" | head -3)"
bad=$(grep -cv '^{' "$T_TMP/A.log")
[ "$bad" -eq 0 ] || t_fail "A's stdout has $bad lines that are not JSON: $(grep -v '^{' "$T_TMP/A.log" | head -3)"
grep -q 'search' "$T_TMP/A.dht" || t_fail "--dht-log: no search in OpenDHT's log"
echo "dht-log: A's OpenDHT log has $(grep -c '' "$T_TMP/A.dht") lines"
out=$(timeout -k 2 10 "$G" --batch --no-lan-discovery --dht-log "$T_TMP/no/such/dir/x" "$ROOM" </dev/null 2>&1)
rc=$?
[ "$rc" -eq 1 ] || t_fail "--dht-log to a missing directory: exit $rc: $out"
echo "$out" | grep -q "cannot open the DHT log $T_TMP/no/such/dir/x: No such file or directory" ||
	t_fail "--dht-log to a missing directory said: $out"

# The junk reached the peers too, and was refused with the right reasons.
for why in magic decrypt shape sig binding exp; do
	grep -q "\"what\":\"reject\",\"reason\":\"$why\"" "$T_TMP/A.log" ||
		t_fail "A printed no reject for $why"
done

# --- --dht-dump ROOM --json ------------------------------------------------------------
mkdir -p "$T_TMP/dump"
HOME=$T_TMP/dump XDG_CONFIG_HOME=$T_TMP/dump/config XDG_CACHE_HOME=$T_TMP/dump/cache \
	timeout -k 2 30 "$G" --dht-dump --json --no-lan-discovery \
	--bootstrap "127.0.0.1:${PORTS[2]}" "$ROOM" >"$T_TMP/dump.json" 2>"$T_TMP/dump.err" ||
	t_fail "--dht-dump failed: $(cat "$T_TMP/dump.err")"
D=$T_TMP/dump.json
grep -q '^{"type":"node","node_id":"[0-9a-f]\{40\}"' "$D" || t_fail "dump: no node line"
grep -q '"state":"ok","rtt_ms":' "$D" || t_fail "dump: bootstrap node not reached"
[ "$(grep -c '"type":"infohash"' "$D")" -eq 2 ] || t_fail "dump: want 2 infohash lines"
grep -q '^{"type":"done"' "$D" || t_fail "dump: no done line"
count() { grep '"type":"value"' "$D" | grep -c "\"result\":\"$1\""; }
for why in size magic shape sig binding exp seq; do
	[ "$(count $why)" -ge 1 ] || t_fail "dump: no value rejected for $why"
done
[ "$(count decrypt)" -ge 2 ] || t_fail "dump: want 2 decrypt rejects (junk, other room)"
for fp in "$FA" "$FB"; do
	grep '"type":"value"' "$D" | grep '"result":"ok"' | grep -q "\"fp\":\"$fp\"" ||
		t_fail "dump: $fp not shown as ok"
done
grep '"result":"size"' "$D" | grep -q '"size":701' || t_fail "dump: oversized value size"
# The replayed seq is the junk identity's, never A's or B's.
grep '"result":"seq"' "$D" | grep -q -e "$FA" -e "$FB" && t_fail "dump: a real peer rejected as seq"
echo "dump: $(grep '^{"type":"done"' "$D")"

# --- C and D: clocks 5 minutes apart across an epoch boundary ---------------------
now=$(date +%s)
boundary=$(((now / 3600 + 1) * 3600))
peer C "${PORTS[0]}" GONET_FAKE_TIME_OFFSET=$((boundary - 200 - now))
peer D "${PORTS[4]}" GONET_FAKE_TIME_OFFSET=$((boundary + 100 - now))
t_wait_for 5 eval "started C && started D" ||
	t_fail "C or D did not start: $(cat "$T_TMP/C.err" "$T_TMP/D.err")"
FC=$(fp_of C)
FD=$(fp_of D)
t_wait_for 20 saw C "$FD" || t_fail "C (boundary - 200 s) never saw D (boundary + 100 s)"
t_wait_for 20 saw D "$FC" || t_fail "D (boundary + 100 s) never saw C (boundary - 200 s)"
# C is in its epoch's last 600 s: it must publish under e and e+1.
e=$((boundary / 3600 - 1))
t_wait_for 5 published C $e || t_fail "C did not publish under e"
t_wait_for 5 published C $((e + 1)) ||
	t_fail "C did not publish ahead under e+1"
published D $e && t_fail "D published under the past epoch"
echo "skew: C and D (300 s apart across the boundary) met"
exit 0
