#!/usr/bin/env bash
# bench/nat_hard.sh [RUNS] — the distribution of time to first message for
# the pairs tests/lab/test_nat_hard.sh makes (symmetric <-> symmetric over
# IPv6, and over the DHT mailbox with neither IPv6 nor a mapping): RUNS runs
# (default 10) of that test, then median and p95 of each. Root; a build
# tree (make) in the current directory.
set -euo pipefail
runs=${1:-10}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 1; i <= runs; i++)); do
	top_srcdir=. bash tests/lab/test_nat_hard.sh >"$out/run$i" 2>&1 || { echo "run $i failed:"; tail -5 "$out/run$i"; }
	sed -n 's/^X1-X2: .* after \([0-9]*\) ms$/\1/p' "$out/run$i" >>"$out/v6"
	sed -n 's/^Y1-Y2: .* after \([0-9]*\) ms$/\1/p' "$out/run$i" >>"$out/dht"
done
stats() {	# NAME FILE
	sort -n "$2" | awk -v name="$1" '{ v[NR] = $1 } END {
		if (NR == 0) { print name ": no runs"; exit }
		p95 = int(NR * 0.95 + 0.999); if (p95 > NR) p95 = NR
		printf "%s: %d runs, first message median %d ms, p95 %d ms, max %d ms\n",
			name, NR, v[int((NR + 1) / 2)], v[p95], v[NR] }'
}
stats "sym<->sym over IPv6" "$out/v6"
stats "sym<->sym over the DHT mailbox" "$out/dht"
