/* test_gemm.c — art_gemm and art_gemm_ref against the per-pair vec_dot, bit for bit.
 *
 * For every SIMD path this CPU supports (art_simd_set) and every weight type with a
 * vec_dot: weight rows quantized from random floats by the reference quantizers (and, for
 * the quantized types, a second set of raw random block bytes with finite scales, which
 * reaches every quant value, e.g. -128 in Q8_0 and Q6_K scales), activations quantized by
 * the reference quantizer of the vec_dot type.  For several (K, rows, n, r0, r1), n over
 * 1, 2, 3, 4, 5, 8, 13 and odd row ranges:
 *   - art_gemm's Y equals the path's vec_dot per (r, j) bit for bit (memcmp), and entries
 *     outside [r0, r1) are left untouched;
 *   - art_gemm_ref likewise;
 *   - a column's result does not change with n (each column alone, n = 1, vs all at once);
 *   - float types also at K = 333 and 100 (tails past the vec_dots' full steps);
 *   - the path's kernel table is called directly too (the art_gemm dispatch sends n = 1 to
 *     vec_dot, the kernels must also be right for n = 1).
 * The comparison itself is checked to catch a one-ulp perturbation.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "gemm_simd.h"
#include "quant.h"
#include "simd.h"
#include "t.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static double urand(void) { return (double)(next() >> 11) / 9007199254740992.0; }
static float grand(void) { return (float)((urand() + urand() + urand() + urand() - 2.0) * 1.7); }

static const int weight_types[] = {
	ART_QTYPE_Q4_K, ART_QTYPE_Q6_K, ART_QTYPE_Q8_0, ART_QTYPE_F16,  ART_QTYPE_Q5_K,
	ART_QTYPE_Q3_K, ART_QTYPE_Q2_K, ART_QTYPE_Q4_0, ART_QTYPE_Q4_1, ART_QTYPE_Q5_0,
	ART_QTYPE_Q5_1, ART_QTYPE_F32,  ART_QTYPE_BF16,
};
#define NTYPES (int)(sizeof weight_types / sizeof *weight_types)

/* Random floats with a per-32 scale, occasional outliers and zeros. */
static void fill(float *x, int64_t n)
{
	for (int64_t i = 0; i < n; i += 32) {
		const float s = (float)(0.05 + 2.0 * urand());
		for (int64_t k = i; k < i + 32 && k < n; k++) {
			const double u = urand();
			x[k] = u < 0.02 ? 0.0f : u < 0.04 ? 8 * s * grand() : s * grand();
		}
	}
}

/* Overwrite the f16 scale fields of raw random blocks with finite values. */
static void fix_scales(int type, char *row, int64_t K)
{
	const art_qtraits *t = art_quant_traits_ref((uint32_t)type);
	const int64_t nb = K / t->blck;
	for (int64_t b = 0; b < nb; b++) {
		char *blk = row + b * (int64_t)t->type_size;
		art_f16 d = art_f32_to_f16((float)(0.001 + 0.01 * urand()));
		art_f16 m = art_f32_to_f16((float)(0.001 + 0.01 * urand()));
		switch (type) {
		case ART_QTYPE_Q4_0:
		case ART_QTYPE_Q5_0:
		case ART_QTYPE_Q8_0: memcpy(blk, &d, 2); break;
		case ART_QTYPE_Q4_1:
		case ART_QTYPE_Q5_1:
			memcpy(blk, &d, 2);
			memcpy(blk + 2, &m, 2);
			break;
		case ART_QTYPE_Q2_K: memcpy(blk + 80, &d, 2), memcpy(blk + 82, &m, 2); break;
		case ART_QTYPE_Q3_K: memcpy(blk + 108, &d, 2); break;
		case ART_QTYPE_Q4_K:
		case ART_QTYPE_Q5_K:
			memcpy(blk, &d, 2);
			memcpy(blk + 2, &m, 2);
			break;
		case ART_QTYPE_Q6_K: memcpy(blk + 208, &d, 2); break;
		default: break;
		}
	}
}

/* Index of the first differing float, or -1 when a and b are bitwise equal. */
static long first_diff(const float *a, const float *b, size_t n)
{
	if (!memcmp(a, b, n * sizeof *a)) return -1;
	for (size_t i = 0; i < n; i++)
		if (memcmp(&a[i], &b[i], sizeof *a)) return (long)i;
	return -1; /* not reached */
}

static const float SENTINEL = -12345.5f;

typedef struct {
	int type;
	int64_t K, rows;
	size_t row_size, x_stride;
	char *W, *X;
	int nmax;
} problem;

static void make_problem(problem *p, int type, int64_t K, int64_t rows, int nmax, int raw)
{
	const art_qtraits *t = art_quant_traits_ref((uint32_t)type);
	const art_qtraits *a = art_quant_traits_ref(t->vec_dot_type);
	p->type = type, p->K = K, p->rows = rows, p->nmax = nmax;
	p->row_size = art_quant_row_size((uint32_t)type, K);
	p->x_stride = art_gemm_act_size((uint32_t)type, K) + 64; /* a gap between columns */
	p->W = malloc(p->row_size * (size_t)rows);
	p->X = calloc((size_t)nmax, p->x_stride);
	float *f = malloc(sizeof(float) * (size_t)K);
	for (int64_t r = 0; r < rows; r++) {
		char *row = p->W + (size_t)r * p->row_size;
		if (raw && t->is_quantized) {
			for (size_t k = 0; k < p->row_size; k++) row[k] = (char)next();
			fix_scales(type, row, K);
		} else {
			fill(f, K);
			t->from_float(f, row, K);
		}
	}
	for (int j = 0; j < nmax; j++) {
		fill(f, K);
		a->from_float(f, p->X + (size_t)j * p->x_stride, K);
	}
	free(f);
}

static void free_problem(problem *p)
{
	free(p->W);
	free(p->X);
}

/* Expected Y (n x ldy, ldy = rows): vec_dot of the path in use for r in [r0, r1), the
 * sentinel elsewhere. */
static void expected(const problem *p, int64_t r0, int64_t r1, int n, float *Y)
{
	const art_qtraits *t = art_quant_traits((uint32_t)p->type);
	for (size_t i = 0; i < (size_t)n * (size_t)p->rows; i++) Y[i] = SENTINEL;
	for (int j = 0; j < n; j++)
		for (int64_t r = r0; r < r1; r++)
			t->vec_dot(p->K, &Y[(size_t)j * (size_t)p->rows + (size_t)r], p->W + (size_t)r * p->row_size,
				   p->X + (size_t)j * p->x_stride);
}

typedef void (*gemm_fn)(uint32_t type, int64_t K, const void *W, size_t row_size, int64_t r0, int64_t r1,
			const void *X, size_t x_stride, int n, float *Y, size_t ldy);

/* One (fn, r0, r1, n) case: 1 if Y matches want exactly; diagnostics otherwise. */
static int check_case(const problem *p, gemm_fn fn, art_gemm_kernel_fn kfn, int64_t r0, int64_t r1, int n,
		      const float *want, float *got)
{
	const size_t ny = (size_t)n * (size_t)p->rows;
	for (size_t i = 0; i < ny; i++) got[i] = SENTINEL;
	if (fn) fn((uint32_t)p->type, p->K, p->W, p->row_size, r0, r1, p->X, p->x_stride, n, got, (size_t)p->rows);
	else kfn(p->K, p->W, p->row_size, r0, r1, p->X, p->x_stride, n, got, (size_t)p->rows);
	const long d = first_diff(got, want, ny);
	if (d >= 0)
		T_DIAG("first difference at column %ld row %ld: got %.9g want %.9g", d / (long)p->rows,
		       d % (long)p->rows, (double)got[d], (double)want[d]);
	return d < 0;
}

/* Every row range and n of one problem through art_gemm, art_gemm_ref and (when the path
 * has one) the kernel directly. */
static void check_problem(const problem *p, enum art_simd path, const char *what)
{
	static const int ns[] = {1, 2, 3, 4, 5, 8, 13};
	const int64_t R = p->rows;
	const int64_t ranges[][2] = {{0, R}, {1, R - 2}, {3, 4}, {R - 5, R}, {2, 2}, {5, R - 1}};
	art_gemm_kernel_fn kfn = path == ART_SIMD_AVX2	   ? art_gemm_kernel_avx2((uint32_t)p->type)
				 : path == ART_SIMD_AVX512 ? art_gemm_kernel_avx512((uint32_t)p->type)
							   : NULL;
	const char *name = art_quant_traits((uint32_t)p->type)->name;
	float *want = malloc(sizeof(float) * (size_t)p->nmax * (size_t)R);
	float *got = malloc(sizeof(float) * (size_t)p->nmax * (size_t)R);
	int ok_gemm = 1, ok_ref = 1, ok_kern = 1;
	for (size_t ri = 0; ri < sizeof ranges / sizeof *ranges; ri++) {
		const int64_t r0 = ranges[ri][0], r1 = ranges[ri][1];
		for (size_t ni = 0; ni < sizeof ns / sizeof *ns; ni++) {
			const int n = ns[ni];
			expected(p, r0, r1, n, want);
			if (ok_gemm && !check_case(p, art_gemm, NULL, r0, r1, n, want, got)) {
				T_DIAG("art_gemm K=%lld rows [%lld,%lld) n=%d", (long long)p->K, (long long)r0,
				       (long long)r1, n);
				ok_gemm = 0;
			}
			if (ok_ref && !check_case(p, art_gemm_ref, NULL, r0, r1, n, want, got)) {
				T_DIAG("art_gemm_ref K=%lld rows [%lld,%lld) n=%d", (long long)p->K, (long long)r0,
				       (long long)r1, n);
				ok_ref = 0;
			}
			if (kfn && ok_kern && !check_case(p, NULL, kfn, r0, r1, n, want, got)) {
				T_DIAG("kernel K=%lld rows [%lld,%lld) n=%d", (long long)p->K, (long long)r0,
				       (long long)r1, n);
				ok_kern = 0;
			}
		}
	}
	T_OK(ok_gemm, "%s %s %s K=%lld: art_gemm == vec_dot bit for bit", art_simd_name(path), name, what,
	     (long long)p->K);
	T_OK(ok_ref, "%s %s %s K=%lld: art_gemm_ref == vec_dot bit for bit", art_simd_name(path), name, what,
	     (long long)p->K);
	if (kfn)
		T_OK(ok_kern, "%s %s %s K=%lld: the path's kernel == vec_dot (n = 1 included)", art_simd_name(path),
		     name, what, (long long)p->K);

	/* a column alone gives what it gives among nmax columns */
	const int n = p->nmax;
	for (size_t i = 0; i < (size_t)n * (size_t)R; i++) want[i] = got[i] = SENTINEL;
	art_gemm((uint32_t)p->type, p->K, p->W, p->row_size, 1, R, p->X, p->x_stride, n, want, (size_t)R);
	for (int j = 0; j < n; j++)
		art_gemm((uint32_t)p->type, p->K, p->W, p->row_size, 1, R, p->X + (size_t)j * p->x_stride, p->x_stride,
			 1, got + (size_t)j * (size_t)R, (size_t)R);
	int same = first_diff(got, want, (size_t)n * (size_t)R) < 0;
	/* and among the first 6 columns */
	art_gemm((uint32_t)p->type, p->K, p->W, p->row_size, 1, R, p->X, p->x_stride, 6, got, (size_t)R);
	same = same && first_diff(got, want, 6 * (size_t)R) < 0;
	T_OK(same, "%s %s %s K=%lld: a column's result does not depend on n", art_simd_name(path), name, what,
	     (long long)p->K);
	free(want);
	free(got);
}

/* The comparison must see a one-ulp change. */
static void check_comparator(void)
{
	problem p;
	make_problem(&p, ART_QTYPE_Q8_0, 64, 5, 3, 0);
	float want[15], got[15];
	expected(&p, 0, 5, 3, want);
	memcpy(got, want, sizeof got);
	got[7] = nextafterf(got[7], INFINITY);
	T_OK(first_diff(got, want, 15) == 7, "the comparison catches a one-ulp perturbation");
	free_problem(&p);
}

int main(void)
{
	check_comparator();
	static const int64_t Ks[] = {256, 1024};
	for (int path = 0; path < ART_SIMD_COUNT; path++) {
		if (!art_simd_supported((enum art_simd)path)) {
			T_SKIP(art_simd_name((enum art_simd)path));
			continue;
		}
		T_EQ_INT(art_simd_set((enum art_simd)path), 0, "select %s", art_simd_name((enum art_simd)path));
		for (int ti = 0; ti < NTYPES; ti++) {
			const int type = weight_types[ti];
			for (size_t ki = 0; ki < sizeof Ks / sizeof *Ks; ki++) {
				problem p;
				make_problem(&p, type, Ks[ki], 11, 13, 0);
				check_problem(&p, (enum art_simd)path, "quantized");
				free_problem(&p);
				if (art_quant_traits_ref((uint32_t)type)->is_quantized) {
					make_problem(&p, type, Ks[ki], 11, 13, 1);
					check_problem(&p, (enum art_simd)path, "raw");
					free_problem(&p);
				}
			}
			/* a float type's row need not be a multiple of 32: the tails (BF16's 16-steps
			 * after the last 64-step at K = 100); K = 3333 is a long row (F16's
			 * two-pass tile on AVX-512) */
			static const int64_t oddK[] = {333, 100, 3333};
			for (size_t ki = 0; ki < 3 && !art_quant_traits_ref((uint32_t)type)->is_quantized; ki++) {
				problem p;
				make_problem(&p, type, oddK[ki], 9, 13, 0);
				check_problem(&p, (enum art_simd)path, "odd K");
				free_problem(&p);
			}
		}
		char list[256] = "";
		for (int ti = 0; ti < NTYPES; ti++)
			if (art_gemm_accelerated((uint32_t)weight_types[ti])) {
				strcat(list, " ");
				strcat(list, art_quant_traits((uint32_t)weight_types[ti])->name);
			}
		T_DIAG("%s: tiled kernels for:%s", art_simd_name((enum art_simd)path), *list ? list : " none");
		if (path != ART_SIMD_SCALAR) { /* the SIMD paths cover every weight type */
			int covered = 0;
			for (int ti = 0; ti < NTYPES; ti++) covered += art_gemm_accelerated((uint32_t)weight_types[ti]);
			T_EQ_INT(covered, NTYPES, "%s has a tiled kernel for every weight type", art_simd_name((enum art_simd)path));
			T_OK(art_gemm_tile_rows(ART_QTYPE_Q4_K) >= 2, "%s: tile rows %d", art_simd_name((enum art_simd)path),
			     art_gemm_tile_rows(ART_QTYPE_Q4_K));
		} else {
			T_EQ_INT(art_gemm_tile_rows(ART_QTYPE_Q4_K), 1, "scalar: no tiles (1 row)");
		}
	}
	return T_DONE();
}
