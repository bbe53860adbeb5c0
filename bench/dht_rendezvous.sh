#!/usr/bin/env bash
# bench/dht_rendezvous.sh [RUNS [OTHER_BUILD]] — start-to-peer time of two
# gonet --batch peers on a fresh local OpenDHT network of 5 nodes
# (tests/e2e/test_dht_rendezvous.sh with T_RENDEZVOUS_ONLY=1), RUNS times
# (default 20); prints every run, the median and the 95th percentile. Time
# counts from launching both processes (Argon2id included) to both having
# printed the other's "peer" event. Not part of make check. T_CHURN=N runs
# it on a churned DHT (N nodes came and went first; see the test).
#
# With OTHER_BUILD (a directory holding another gonet binary, e.g. a
# baseline), runs alternate between the two builds, so that both see the
# same machine load, and each gets its own distribution.
#
#   top_builddir=BUILD top_srcdir=SRC bench/dht_rendezvous.sh [RUNS [OTHER_BUILD]]
set -u
runs=${1:-20}
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_srcdir=$src top_builddir=${top_builddir:-$(pwd)} T_RENDEZVOUS_ONLY=1
other=${2:-}
this=$top_builddir
times=() otimes=()

stats() {	# NAME TIME...: median and 95th percentile (nearest rank)
	local name=$1 n med p95 sorted
	shift
	[ $# -gt 0 ] || { echo "$name: no successful run"; return 1; }
	sorted=($(printf '%s\n' "$@" | sort -n))
	n=${#sorted[@]}
	if ((n % 2)); then med=${sorted[$((n / 2))]}; else med=$(((sorted[n / 2 - 1] + sorted[n / 2]) / 2)); fi
	p95=${sorted[$(((95 * n + 99) / 100 - 1))]}
	echo "$name: $n runs, median $med ms, p95 $p95 ms, min ${sorted[0]} ms, max ${sorted[$((n - 1))]} ms"
}

one() {	# BUILD: one run; prints the time or nothing
	local out rc
	out=$(top_builddir=$1 bash "$src/tests/e2e/test_dht_rendezvous.sh" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then echo "$out" >&2; exit 77; fi
	[ $rc -eq 0 ] && printf '%s\n' "$out" | sed -n 's/.*; worst \([0-9]*\) ms$/\1/p'
}

for ((i = 1; i <= runs; i++)); do
	t=$(one "$this")
	if [ -n "$t" ]; then echo "run $i: $t ms"; times+=("$t"); else echo "run $i: FAILED"; fi
	if [ -n "$other" ]; then
		t=$(one "$other")
		if [ -n "$t" ]; then echo "run $i (other): $t ms"; otimes+=("$t"); else echo "run $i (other): FAILED"; fi
	fi
done
stats "dht rendezvous ($this)" "${times[@]}" || exit 1
[ -z "$other" ] || stats "dht rendezvous ($other)" "${otimes[@]}"
