#!/usr/bin/env bash
# bench_kernels.sh — GB/s of weights consumed by each vec_dot kernel, per type and SIMD
# path this CPU supports, for a 4096x4096 matvec on 1 and 2 threads (test_simd --bench).
# Measured, never asserted.  BENCH_SECS sets the time per measurement (default 0.3).
set -euo pipefail
BUILD=${BUILD:-build}
bin="$BUILD/tests/test_simd"
[ -x "$bin" ] || make -s -j2 "$bin"
exec "$bin" --bench "${BENCH_SECS:-0.3}"
