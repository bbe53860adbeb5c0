#!/usr/bin/env bash
# bench/dht_churn.sh [RUNS [OTHER_GONET]] — tests/lab/test_dht_churn.sh RUNS
# times (default 10): two peers behind port-restricted NATs, 40 ms one way,
# on a 16-node lab DHT that churned; prints each run's launch-to-peer and
# launch-to-path-up (the later of the two sides) and their median and 95th
# percentile. With OTHER_GONET (another gonet binary, e.g. a baseline),
# runs alternate between the two. THIS_GONET (default BUILD/gonet) is the
# first binary. Root (the lab); not part of make check.
set -u
runs=${1:-10}
other=${2:-}
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_srcdir=$src top_builddir=${top_builddir:-$(pwd)}
this=${THIS_GONET:-$top_builddir/gonet}
declare -A peer up

stats() {	# NAME TIME...
	local name=$1 n med p95 s
	shift
	[ $# -gt 0 ] || { echo "$name: no successful run"; return; }
	s=($(printf '%s\n' "$@" | sort -n))
	n=${#s[@]}
	if ((n % 2)); then med=${s[$((n / 2))]}; else med=$(((s[n / 2 - 1] + s[n / 2]) / 2)); fi
	p95=${s[$(((95 * n + 99) / 100 - 1))]}
	echo "$name: $n runs, median $med ms, p95 $p95 ms, min ${s[0]} ms, max ${s[$((n - 1))]} ms"
}

one() {	# BIN TAG
	local out rc a b ua ub
	out=$(LAB_GONET=$1 bash "$src/tests/lab/test_dht_churn.sh" 2>&1)
	rc=$?
	[ $rc -eq 77 ] && { echo "$out"; exit 77; }
	read -r a b ua ub < <(printf '%s\n' "$out" | sed -n \
		's/.*peer after A \([0-9]*\) ms, B \([0-9]*\) ms; path-up A \([0-9]*\) ms, B \([0-9]*\) ms.*/\1 \2 \3 \4/p')
	if [ $rc -ne 0 ] || [ -z "${a:-}" ]; then echo "$2: FAILED"; return; fi
	peer[$2]+=" $((a > b ? a : b))"
	up[$2]+=" $((ua > ub ? ua : ub))"
	echo "$2: peer $((a > b ? a : b)) ms, path-up $((ua > ub ? ua : ub)) ms"
}

for ((i = 1; i <= runs; i++)); do
	one "$this" this
	[ -n "$other" ] && one "$other" other
done
stats "peer ($this)" ${peer[this]:-}
stats "path-up ($this)" ${up[this]:-}
if [ -n "$other" ]; then
	stats "peer ($other)" ${peer[other]:-}
	stats "path-up ($other)" ${up[other]:-}
fi
