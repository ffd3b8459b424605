/* model_ops_avx2.c — AVX2 twins of model_ops.c's exp-heavy ops (SwiGLU, the exps of
 * softmax), bit-identical to the scalar ones: the vector exp is the scalar
 * v_expf_avx2's operations lane by lane (its fmaf calls are exact fused multiply-adds,
 * as _mm256_fmadd_ps is), and every other step keeps the scalar order.  Reached only
 * through model_ops.c after art_simd says AVX2 runs here. */
#include <immintrin.h>
#include <math.h>

#include "model_impl.h"

static inline __m256 fma8(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
static inline __m256 set8(float v) { return _mm256_set1_ps(v); }

/* art_op_vexpf on 8 lanes. */
static inline __m256 vexpf8(__m256 x)
{
	const __m256 r = set8(0x1.8p23f);
	const __m256 z = fma8(x, set8(0x1.715476p+0f), r);
	const __m256 n = _mm256_sub_ps(z, r);
	const __m256 nn = _mm256_xor_ps(n, set8(-0.0f));
	const __m256 b = fma8(nn, set8(0x1.7f7d1cp-20f), fma8(nn, set8(0x1.62e4p-1f), x));
	const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
	const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_set1_epi32(0x3f800000)));
	const __m256 u = _mm256_mul_ps(b, b);
	const __m256 j = fma8(fma8(fma8(set8(0x1.0e4020p-7f), b, set8(0x1.573e2ep-5f)), u,
				   fma8(set8(0x1.555e66p-3f), b, set8(0x1.fffdb6p-2f))),
			      u, _mm256_mul_ps(set8(0x1.ffffecp-1f), b));
	const __m256 an = _mm256_andnot_ps(set8(-0.0f), n);
	const __m256 big = _mm256_cmp_ps(an, set8(126), _CMP_GT_OQ);
	const __m256 normal = fma8(j, k, k);
	if (_mm256_testz_ps(big, big)) return normal;
	/* |n| > 126: scale in two steps; > 192: overflow or underflow */
	const __m256 neg = _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ);
	const __m256i g = _mm256_and_si256(_mm256_castps_si256(neg), _mm256_set1_epi32((int)0x82000000u));
	const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(0x7f000000)));
	const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
	const __m256 huge = _mm256_cmp_ps(an, set8(192), _CMP_GT_OQ);
	const __m256 mid = _mm256_mul_ps(fma8(s2, j, s2), s1);
	const __m256 out = _mm256_blendv_ps(mid, _mm256_mul_ps(s1, s1), huge);
	return _mm256_blendv_ps(normal, out, big);
}

void art_op_swiglu_avx2(float *y, const float *g, const float *u, int n)
{
	const int nv = n & ~7;
	for (int i = 0; i < nv; i += 8) {
		const __m256 gv = _mm256_loadu_ps(g + i);
		const __m256 e = vexpf8(_mm256_xor_ps(gv, set8(-0.0f)));
		_mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(gv, _mm256_add_ps(set8(1.0f), e)), _mm256_loadu_ps(u + i)));
	}
	for (int i = nv; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i]; /* the scalar tail */
}

/* x[i] = exp(x[i] - max) for i in [0, n), returning the groups' sums added in double:
 * what art_op_softmax's loop computes, 8 lanes at a time (a short last group is zero
 * padded, as there). */
double art_op_softmax_exp_avx2(float *x, int n, float max)
{
	double sum = 0;
	const __m256 mv = set8(max);
	for (int i = 0; i < n; i += 8) {
		const int k = n - i < 8 ? n - i : 8;
		__m256 v;
		if (k == 8) {
			v = vexpf8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
			_mm256_storeu_ps(x + i, v);
		} else {
			float t[8] = {0};
			for (int l = 0; l < k; l++) t[l] = x[i + l] - max;
			v = vexpf8(_mm256_loadu_ps(t));
			_mm256_storeu_ps(t, v);
			for (int l = 0; l < 8; l++) {
				if (l < k) x[i + l] = t[l];
				else t[l] = 0;
			}
			v = _mm256_loadu_ps(t);
		}
		/* ggml's 8-lane reduction: (l + l+4), then (0 + 2) + (1 + 3) */
		const __m128 a = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
		float s[4];
		_mm_storeu_ps(s, a);
		sum += (double)((s[0] + s[2]) + (s[1] + s[3]));
	}
	return sum;
}

/* x[i] *= scale for i in [0, n), returning the largest product (art_op_softmax's first
 * loop: the products round the same; a NaN is skipped as there, max_ps keeping its
 * second operand). */
float art_op_scale_max_avx2(float *x, int n, float scale)
{
	const __m256 sv = set8(scale);
	__m256 mv = set8(-INFINITY);
	int i = 0;
	for (; i + 8 <= n; i += 8) {
		const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), sv);
		_mm256_storeu_ps(x + i, v);
		mv = _mm256_max_ps(v, mv);
	}
	float m[8], max;
	_mm256_storeu_ps(m, mv);
	max = m[0];
	for (int l = 1; l < 8; l++)
		if (m[l] > max) max = m[l];
	for (; i < n; i++) {
		x[i] *= scale;
		if (x[i] > max) max = x[i];
	}
	return max;
}

/* x[i] *= s for i in [0, n). */
void art_op_scale_avx2(float *x, int n, float s)
{
	const __m256 sv = set8(s);
	int i = 0;
	for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), sv));
	for (; i < n; i++) x[i] *= s;
}
