#!/usr/bin/env bash
# A short run of every libFuzzer target (the long runs are `make fuzz-long`).
# SKIP when clang's libFuzzer runtime is not installed.
command -v clang >/dev/null 2>&1 || { echo "SKIP: clang not installed"; exit 77; }
echo 'int LLVMFuzzerTestOneInput(const char *d, long n){(void)d;(void)n;return 0;}' >/tmp/fz$$.c
if ! clang -fsanitize=fuzzer /tmp/fz$$.c -o /tmp/fz$$ 2>/dev/null; then
	rm -f /tmp/fz$$.c; echo "SKIP: clang has no libFuzzer runtime (libclang-rt-14-dev)"; exit 77
fi
rm -f /tmp/fz$$.c /tmp/fz$$
FUZZ_BIN=${top_builddir:-.}/tests/fuzz/bin exec "${top_srcdir:-.}/tests/fuzz/fuzz.sh" run "${FUZZ_SMOKE_SECONDS:-10}"
