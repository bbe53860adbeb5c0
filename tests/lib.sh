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
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${T_KEEP_LOGS:-}" ]; then
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
