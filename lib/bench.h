/* bench.h — measurement helpers for `art-bench`: the memory-bandwidth probe that sets
 * the decode ceiling, and peak RSS.
 *
 * Ownership: nothing is retained; buffers are allocated and freed inside each call.
 */
#ifndef ART_BENCH_H
#define ART_BENCH_H
#include <stddef.h>
#include <stdint.h>

/* Read bandwidth in GB/s (1e9 bytes/s): sequential sum over `bytes` of floats by
 * n_threads OpenMP threads, best of `reps`.  The buffer is written first so its pages
 * are real.  ART_OK or ART_ENOMEM.  *checksum receives the last sum (so the reads
 * cannot be optimised away; callers may print it). */
int art_bench_bandwidth(size_t bytes, int n_threads, int reps, double *gbps, double *checksum);
/* Sum of n floats with AVX2 (the probe's kernel); only call when the CPU has AVX2. */
double art_bench_sum_avx2(const float *x, size_t n);
/* Peak resident set size of this process in bytes (VmHWM), 0 if unknown. */
uint64_t art_bench_peak_rss(void);
/* Physical cores (not hyper-threads) this process may use; >= 1. */
int art_bench_physical_cores(void);
#endif
