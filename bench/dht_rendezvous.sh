#!/usr/bin/env bash
# bench/dht_rendezvous.sh [RUNS] — start-to-peer time of two gonet --batch
# peers on a fresh local OpenDHT network of 5 nodes (tests/e2e/test_dht_rendezvous.sh
# with T_RENDEZVOUS_ONLY=1), RUNS times (default 20); prints every run and the
# median. Time counts from launching both processes (Argon2id included) to
# both having printed the other's "peer" event. Not part of make check.
#
#   top_builddir=BUILD top_srcdir=SRC bench/dht_rendezvous.sh
set -u
runs=${1:-20}
src=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
export top_srcdir=$src top_builddir=${top_builddir:-$(pwd)} T_RENDEZVOUS_ONLY=1
times=()
for ((i = 1; i <= runs; i++)); do
	out=$(bash "$src/tests/e2e/test_dht_rendezvous.sh" 2>&1)
	rc=$?
	if [ $rc -eq 77 ]; then echo "$out"; exit 77; fi
	t=$(printf '%s\n' "$out" | sed -n 's/.*; worst \([0-9]*\) ms$/\1/p')
	if [ $rc -ne 0 ] || [ -z "$t" ]; then
		echo "run $i: FAILED"; printf '%s\n' "$out" | sed 's/^/    /'
		continue
	fi
	echo "run $i: $t ms"
	times+=("$t")
done
[ ${#times[@]} -gt 0 ] || { echo "no successful run"; exit 1; }
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
n=${#sorted[@]}
if ((n % 2)); then med=${sorted[$((n / 2))]}; else med=$(((sorted[n / 2 - 1] + sorted[n / 2]) / 2)); fi
echo "dht rendezvous: $n/$runs runs, median $med ms, min ${sorted[0]} ms, max ${sorted[$((n - 1))]} ms"
