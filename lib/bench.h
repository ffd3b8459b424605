/* bench.h — measurement helpers for `art-bench`: the memory-bandwidth probe that sets
 * the decode ceiling, and peak RSS.
 *
 * Ownership: nothing is retained; buffers are allocated and freed inside each call,
 * except an art_bench_gemm's, which it owns until art_bench_gemm_free.
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
/* ---- GEMM: art_gemm against the vec_dot loop (art_gemm_ref) ----
 * A rows x K weight of one type (random floats through the type's quantizer) and nmax
 * activation columns already in its vec_dot type; owned by the handle. */
typedef struct art_bench_gemm art_bench_gemm;
/* ART_OK, ART_EINVAL (type without vec_dot, K not a multiple of its block) or ART_ENOMEM. */
int art_bench_gemm_new(art_bench_gemm **b, uint32_t type, int64_t K, int64_t rows, int nmax);
/* Best-of-reps GMAC/s (1e9 multiply-adds per second, K·rows·n per product) of the first
 * n columns, n_threads OpenMP threads splitting the rows in explicit (ith, nth) ranges;
 * use_gemm: art_gemm, else art_gemm_ref.  ART_OK or ART_EINVAL. */
int art_bench_gemm_run(art_bench_gemm *b, int n, int n_threads, int reps, int use_gemm, double *gmacs);
void art_bench_gemm_free(art_bench_gemm *b);
/* Physical cores (not hyper-threads) this process may use; >= 1. */
int art_bench_physical_cores(void);
#endif
