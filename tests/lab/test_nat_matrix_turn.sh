#!/usr/bin/env bash
# tests/lab/test_nat_matrix_turn.sh — the NAT matrix (tests/lab/test_nat_matrix.sh)
# with a TURN server in the lab and --turn on one side of every pair: every
# pair, symmetric <-> symmetric included, must chat; the pairs that cannot
# punch must use TURN, and no pair that can punch may be relayed.
MATRIX_TURN=1 exec bash "${top_srcdir:-.}/tests/lab/test_nat_matrix.sh" "$@"
