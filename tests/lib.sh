# tests/lib.sh — sourced by the shell tests. Bounded waits, unique names,
# and one cleanup trap that undoes everything the test made.
set -u

T_ID="gn$$"
T_TMP=$(mktemp -d "/tmp/gonet-test.XXXXXX")
T_CLEANUP=()
T_NETNS=()

t_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
t_fail() { t_log "FAIL: $*"; exit 1; }
t_skip() { echo "SKIP: $*"; exit 77; }

# Run a command at cleanup (last registered runs first).
t_on_exit() { T_CLEANUP+=("$*"); }

t_cleanup() {
	local i rc=$?
	trap - EXIT INT TERM
	for ((i = ${#T_CLEANUP[@]} - 1; i >= 0; i--)); do eval "${T_CLEANUP[$i]}" >/dev/null 2>&1 || true; done
	for ns in "${T_NETNS[@]}"; do
		# Kill whatever still runs inside, then the namespace itself.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	# T_KEEP_LOGS=1: a failed test's logs stay; T_KEEP_LOGS=all: every test's.
	if { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${T_KEEP_LOGS:-}" ]; } ||
		[ "${T_KEEP_LOGS:-}" = all ]; then
		t_log "logs kept in $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 1' INT TERM

t_need_root() {
	[ "$(id -u)" -eq 0 ] || t_skip "needs root (network namespaces)"
	ip netns list >/dev/null 2>&1 || t_skip "no network namespace support"
}

t_need_cmd() {
	local c
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || t_skip "$c not installed"; done
}

# t_netns VAR NAME: create namespace $T_ID-NAME with lo up, store its name in
# VAR. (Not printed: $(t_netns ...) would run in a subshell and the cleanup
# would never learn of the namespace.)
t_netns() {
	local ns="$T_ID-$2"
	ip netns add "$ns" || t_fail "ip netns add $ns"
	T_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	printf -v "$1" '%s' "$ns"
}

# t_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds or time runs out.
t_wait_for() {
	local deadline=$((SECONDS + $1)); shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# t_bg LOGNAME CMD...: start CMD in the background, killed at cleanup; sets T_PID.
t_bg() {
	local log="$T_TMP/$1.log"; shift
	"$@" >"$log" 2>&1 &
	T_PID=$!
	t_on_exit "kill -TERM $T_PID; sleep 0.2; kill -KILL $T_PID"
}

# Where the built binaries are.
T_BUILD=${top_builddir:-$(pwd)}
T_SRC=${top_srcdir:-$(pwd)}

# --- a local DHT and gonet peers on loopback (no root needed) --------------------

# t_bounded LOG LIMIT CMD...: start `timeout LIMIT CMD` in the background,
# output in $T_TMP/LOG.log; cleanup stops CMD (TERM, then KILL: dhtnode can
# hang on TERM). Sets T_PID (CMD itself) and T_TPID (timeout, our child).
t_bounded() {
	local log=$T_TMP/$1.log limit=$2 tpid child
	shift 2
	timeout -k 2 "$limit" "$@" </dev/null >"$log" 2>&1 &
	tpid=$!
	t_wait_for 2 pgrep -P "$tpid" || true
	child=$(pgrep -P "$tpid" | head -1)
	t_on_exit "kill -TERM ${child:-$tpid}; sleep 0.3; kill -KILL ${child:-$tpid} $tpid"
	T_PID=${child:-$tpid}
	T_TPID=$tpid
}

# t_dht_local [N] [LIMIT]: N (default 5) dhtnode on 127.0.0.1, each
# bootstrapping from the previous, each bounded by LIMIT s (default 300).
# Sets T_DHT_PORTS (array); returns non-zero if they do not start (3 tries
# on random ports).
t_dht_local() {
	local n=${1:-5} limit=${2:-300} i attempt base ok pids
	for attempt in 1 2 3; do
		base=$((20000 + (RANDOM % 4000) * 10))
		T_DHT_PORTS=()
		pids=()
		for ((i = 0; i < n; i++)); do
			T_DHT_PORTS+=($((base + i)))
			if [ "$i" -eq 0 ]; then
				t_bounded "dht$attempt-$i" "$limit" dhtnode -s -p "$base"
			else
				t_bounded "dht$attempt-$i" "$limit" dhtnode -s -p $((base + i)) -b "127.0.0.1:$((base + i - 1))"
			fi
			pids+=("$T_PID")
		done
		sleep 0.5
		ok=1
		for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null || ok=0; done
		[ "$ok" -eq 1 ] && return 0
		t_log "a dhtnode did not start (port taken?), retrying"
		kill -KILL "${pids[@]}" 2>/dev/null
	done
	return 1
}

# t_dht_proxy BOOT_PORT [LIMIT]: OpenDHT's proxy on loopback (`dhtnode
# --proxyserver PP`, its own node bootstrapped to 127.0.0.1:BOOT_PORT), bounded
# by LIMIT s (default 300). Sets T_PROXY_PORT once it listens; returns non-zero
# if it does not (3 tries on random ports).
t_dht_proxy() {
	local boot=$1 limit=${2:-300} attempt pp
	T_PROXY_PORT=
	for attempt in 1 2 3; do
		pp=$((30000 + RANDOM % 20000))
		t_bounded "proxy$attempt" "$limit" dhtnode -s -p $((pp + 1)) -b "127.0.0.1:$boot" \
			--proxyserver "$pp"
		if t_wait_for 3 eval "ss -ltn | grep -q ':$pp '"; then
			T_PROXY_PORT=$pp
			return 0
		fi
		t_log "the proxy did not listen on $pp, retrying"
	done
	return 1
}

# t_gonet NAME ROOM BOOT_PORT [OPTION...]: a `gonet --batch --loopback
# --no-stun --no-lan-discovery` with its own HOME and XDG dirs under
# $T_TMP/NAME, bounded by T_GONET_LIMIT s (default 120). Its stdin is a FIFO
# this shell holds open (t_say NAME TEXT writes a line); events go to
# $T_TMP/NAME.log, stderr to NAME.err. Sets T_PID, T_GPID[NAME]. The binary
# is $T_GONET_BIN if set (a bench comparing two builds), else $T_BUILD/gonet.
declare -A T_GFD T_GPID
t_gonet() {
	local name=$1 room=$2 port=$3 d=$T_TMP/$1 fd tpid child
	shift 3
	mkdir -p "$d/config" "$d/cache" && rm -f "$d/in" && mkfifo "$d/in" || return 1
	exec {fd}<>"$d/in"
	T_GFD[$name]=$fd
	env HOME="$d" XDG_CONFIG_HOME="$d/config" XDG_CACHE_HOME="$d/cache" GONET_BOOTSTRAP= \
		timeout -k 2 "${T_GONET_LIMIT:-120}" "${T_GONET_BIN:-$T_BUILD/gonet}" --batch --loopback --no-stun \
		--no-lan-discovery --nick "$name" --bootstrap "127.0.0.1:$port" "$@" "$room" \
		<"$d/in" >"$T_TMP/$name.log" 2>"$T_TMP/$name.err" &
	tpid=$!
	t_wait_for 2 pgrep -P "$tpid" || true
	child=$(pgrep -P "$tpid" | head -1)
	t_on_exit "kill -TERM ${child:-$tpid}; sleep 0.3; kill -KILL ${child:-$tpid} $tpid"
	T_PID=${child:-$tpid}
	T_GPID[$name]=$T_PID
}

t_say() { printf '%s\n' "$2" >&"${T_GFD[$1]}"; }

# t_fp NAME: the fingerprint NAME printed at start-up.
t_fp() { sed -n 's/.*"what":"identity".*"fp":"\([0-9a-f-]*\)".*/\1/p' "$T_TMP/$1.log" | head -1; }
