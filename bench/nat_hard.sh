#!/usr/bin/env bash
# bench/nat_hard.sh [RUNS] [WHICH] — the distribution of time to first
# message for the hard pairs, over RUNS runs (default 20) of their lab tests:
#   hard     tests/lab/test_nat_hard.sh: symmetric <-> symmetric over IPv6,
#            and over the DHT mailbox with neither IPv6 nor a mapping
#   predict  tests/lab/test_nat_predict.sh: symmetric (fully-random) <->
#            port-restricted, full cone and double NAT, direct by port
#            prediction: how many runs went direct by prediction, first
#            message median and p95, and what one attempt cost (the hard
#            side's sockets, the easy side's probes, as gonet reports them)
# WHICH is hard, predict or all (default). Root; a build tree (make) in the
# current directory.
set -euo pipefail
runs=${1:-20}
which=${2:-all}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
stats() {	# NAME FILE [UNIT]
	[ -s "$2" ] || { echo "$1: no runs"; return 0; }
	sort -n "$2" | awk -v name="$1" -v unit="${3:-ms}" '{ v[NR] = $1 } END {
		p95 = int(NR * 0.95 + 0.999); if (p95 > NR) p95 = NR
		printf "%s: %d runs, median %d %s, p95 %d %s, max %d %s\n",
			name, NR, v[int((NR + 1) / 2)], unit, v[p95], unit, v[NR], unit }'
}
if [ "$which" = all ] || [ "$which" = hard ]; then
	for ((i = 1; i <= runs; i++)); do
		top_srcdir=. bash tests/lab/test_nat_hard.sh >"$out/hard$i" 2>&1 || { echo "hard run $i failed:"; tail -5 "$out/hard$i"; }
		sed -n 's/^X1-X2: .* after \([0-9]*\) ms$/\1/p' "$out/hard$i" >>"$out/v6"
		sed -n 's/^Y1-Y2: .* after \([0-9]*\) ms$/\1/p' "$out/hard$i" >>"$out/dht"
	done
	stats "sym<->sym over IPv6, first message" "$out/v6"
	stats "sym<->sym over the DHT mailbox, first message" "$out/dht"
fi
if [ "$which" = all ] || [ "$which" = predict ]; then
	for ((i = 1; i <= runs; i++)); do
		top_srcdir=. bash tests/lab/test_nat_predict.sh >"$out/pred$i" 2>&1 || { echo "predict run $i failed:"; tail -5 "$out/pred$i"; }
		for o in P C D; do
			# "S-P: direct by predict predict, first message after 2013 ms"
			sed -n "s/^S-$o: direct by \(.*\), first message after \([0-9]*\) ms\$/\1 \2/p" "$out/pred$i" >>"$out/first-$o"
			sed -n "s/^S-$o: port prediction (hard side) .*: \(hit\|no hit\|[a-z ]*\) after [0-9]* ms, \([0-9]*\) sockets.*/\2/p" "$out/pred$i" >>"$out/sockets-$o"
			sed -n "s/^S-$o: port prediction (easy side) .*, \([0-9]*\) probes.*/\1/p" "$out/pred$i" >>"$out/probes-$o"
		done
	done
	for o in P C D; do
		case $o in P) name="sym<->port-restricted" ;; C) name="sym<->full cone" ;; D) name="sym<->double NAT" ;; esac
		direct=$(grep -c . "$out/first-$o" || true)
		bypred=$(grep -c '^predict predict ' "$out/first-$o" || true)
		echo "$name: direct in $direct of $runs runs, by prediction on both sides in $bypred"
		awk '{ print $NF }' "$out/first-$o" >"$out/ms-$o"
		stats "$name, first message" "$out/ms-$o"
		stats "$name, hard side's sockets per attempt" "$out/sockets-$o" sockets
		stats "$name, easy side's probes per attempt" "$out/probes-$o" probes
	done
fi
