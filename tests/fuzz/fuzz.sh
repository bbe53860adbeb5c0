#!/usr/bin/env bash
# tests/fuzz/fuzz.sh — build and run the libFuzzer targets.
#
#   fuzz.sh build [NAME...]           build tests/fuzz/bin/fuzz_NAME
#   fuzz.sh run SECONDS [NAME...]     build, then fuzz each target for SECONDS
#   fuzz.sh runs N [NAME...]          build, then fuzz each target for N
#                                     executions (at most FUZZ_MAX_SECONDS,
#                                     default 3600, each) and print a table:
#                                     target, executions, seconds, exec/s,
#                                     findings; one target at a time, niced
#
# A target is tests/fuzz/fuzz_NAME.c; its first lines carry one comment
#   /* fuzz-sources: tunnel/a.c tunnel/b.c */
# naming the project sources it links. Seeds live in tests/fuzz/corpus/NAME/;
# findings are written to tests/fuzz/bin/ and fail the run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${FUZZ_BIN:-$here/bin}
CC=${FUZZ_CC:-clang}
mkdir -p "$bin"

targets() {
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; return; fi
	for f in "$here"/fuzz_*.c; do [ -e "$f" ] || continue; basename "$f" .c | sed 's/^fuzz_//'; done
}

build_one() {
	local name=$1 src="$here/fuzz_$1.c" srcs
	srcs=$(sed -n 's@.*fuzz-sources:\(.*\)\*/.*@\1@p' "$src" | head -n1)
	local files=() s
	for s in $srcs; do files+=("$top/$s"); done
	# shellcheck disable=SC2046
	$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-std=gnu11 -D_GNU_SOURCE -DFUZZING -I"${top_builddir:-$top}" -I"$top" \
		$(pkg-config --cflags libsodium libevent msgpack libb2 nettle zlib) \
		"$src" "${files[@]}" -o "$bin/fuzz_$name" \
		$(pkg-config --libs libsodium libevent msgpack libb2 nettle zlib) -lpthread
}

cmd=${1:-build}; shift || true
case "$cmd" in
build)
	for t in $(targets "$@"); do echo "fuzz: building $t"; build_one "$t"; done
	;;
run)
	secs=${1:?seconds}; shift
	rc=0
	for t in $(targets "$@"); do
		build_one "$t"
		corpus="$bin/corpus-$t"; mkdir -p "$corpus"
		seeds=()
		[ -d "$here/corpus/$t" ] && seeds=("$here/corpus/$t")
		echo "fuzz: running $t for ${secs}s"
		if ! (cd "$bin" && timeout -k 10 $((secs + 60)) "./fuzz_$t" -max_total_time="$secs" \
			-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			"$corpus" "${seeds[@]}" >"$bin/fuzz_$t.log" 2>&1); then
			echo "fuzz: $t FAILED, see $bin/fuzz_$t.log"; tail -n 40 "$bin/fuzz_$t.log"; rc=1
		else
			grep -E '^stat::number_of_executed_units' "$bin/fuzz_$t.log" | sed "s/^/fuzz: $t /" || true
		fi
	done
	exit $rc
	;;
runs)
	n=${1:?executions}; shift
	maxs=${FUZZ_MAX_SECONDS:-3600}
	rc=0
	for t in $(targets "$@"); do build_one "$t"; done
	printf '%-10s %12s %8s %9s %s\n' target executions seconds exec/s findings
	for t in $(targets "$@"); do
		corpus="$bin/corpus-$t"; mkdir -p "$corpus"
		seeds=()
		[ -d "$here/corpus/$t" ] && seeds=("$here/corpus/$t")
		log="$bin/fuzz_$t.runs.log"
		start=$(date +%s%N)
		found=0
		(cd "$bin" && timeout -k 10 $((maxs + 120)) nice -n 10 "./fuzz_$t" -runs="$n" \
			-max_total_time="$maxs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 "$corpus" "${seeds[@]}" >"$log" 2>&1) || found=1
		ms=$(( ($(date +%s%N) - start) / 1000000 ))
		secs=$((ms / 1000)).$(printf '%03d' $((ms % 1000)))
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
		execs=${execs:-?}
		rate=?
		[ "$execs" != "?" ] && rate=$((execs * 1000 / (ms + 1)))
		printf '%-10s %12s %8s %9s %s\n' "$t" "$execs" "$secs" "$rate" \
			"$([ $found = 0 ] && echo 0 || echo "FAILED, see $log")"
		[ $found = 0 ] || rc=1
	done
	exit $rc
	;;
*) echo "usage: $0 build|run SECONDS|runs N [NAME...]" >&2; exit 2 ;;
esac
