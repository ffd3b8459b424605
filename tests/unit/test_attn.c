/* test_attn.c — the AVX2 attention dots equal the scalar references bit for bit:
 * groups of 1..9 query heads per KV head (every specialised group size, and a group split
 * over two passes), head sizes 8..136 (tails of the 8-, 16- and 32-wide loops), cache
 * lengths 1..300 (tails of the 4-, 8- and 16-position blocks), padding to 32, wide
 * exponent ranges (so double sums do round), signed zeros, and row strides wider than a
 * head. */
#include <string.h>

#include "attn.h"
#include "simd.h"
#include "t.h"

static uint64_t rng = 42;

static uint64_t next(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

/* An F16 value with a random exponent over [-e, e] (wide: sums that round in double). */
static art_f16 rnd_f16(int e)
{
	const double u = (double)(next() >> 11) / 9007199254740992.0 * 2 - 1;
	const int ex = (int)(next() % (uint64_t)(2 * e + 1)) - e;
	return art_f32_to_f16((float)(u * __builtin_exp2((double)ex)));
}

int main(void)
{
	if (!art_simd_supported(ART_SIMD_AVX2)) {
		T_SKIP("no AVX2 on this CPU");
		return T_DONE();
	}
	const int hds[] = {8, 16, 24, 64, 72, 80, 128, 136}, kvs[] = {1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 64, 100, 300};
	const int gs[] = {1, 2, 3, 4, 5, 8, 9};
	enum { G_MAX = 9, HD_MAX = 136, P_STRIDE = 320 };
	const int n_kv_max = 300, stride = 4 * HD_MAX;
	art_f16 *kv = malloc(sizeof(art_f16) * (size_t)n_kv_max * stride), q[G_MAX * HD_MAX];
	double *p = malloc(sizeof(double) * G_MAX * P_STRIDE);
	float *a = malloc(sizeof(float) * G_MAX * P_STRIDE), *b = malloc(sizeof(float) * G_MAX * P_STRIDE);
	int kq_bad = 0, vp_bad = 0, cases = 0;
	for (int wide = 0; wide < 3; wide++) {
		const int e = wide == 0 ? 2 : wide == 1 ? 8 : 14; /* F16 spans 2^-24..2^15 */
		for (size_t i = 0; i < (size_t)n_kv_max * stride; i++) kv[i] = rnd_f16(e);
		for (int i = 0; i < G_MAX * HD_MAX; i++) q[i] = rnd_f16(e);
		if (wide == 2) /* signed zeros: a row and a query that give -0.0 sums */
			for (int i = 0; i < HD_MAX; i++) kv[i] = 0x8000, q[i] = i % 2 ? 0x8000 : 0;
		for (size_t gi = 0; gi < sizeof gs / sizeof *gs; gi++)
			for (size_t h = 0; h < sizeof hds / sizeof *hds; h++)
				for (size_t k = 0; k < sizeof kvs / sizeof *kvs; k++) {
					const int g = gs[gi], hd = hds[h], n_kv = kvs[k], n_pad = (n_kv + 31) / 32 * 32;
					for (int j = 0; j < g; j++)
						for (int t = 0; t < n_pad; t++)
							p[j * P_STRIDE + t] = t < n_kv ? (double)art_f16_to_f32((art_f16)(rnd_f16(e) & 0x7fff)) : 0.0;
					if (wide == 2) p[0] = 0;
					for (int i = 0; i < G_MAX * P_STRIDE; i++) a[i] = b[i] = -1.0f;
					art_attn_kq_f16_ref(kv, (size_t)stride, n_kv, q, g, hd, a, P_STRIDE);
					art_attn_kq_f16_avx2(kv, (size_t)stride, n_kv, q, g, hd, b, P_STRIDE);
					kq_bad += memcmp(a, b, sizeof(float) * G_MAX * P_STRIDE) != 0;
					for (int i = 0; i < G_MAX * P_STRIDE; i++) a[i] = b[i] = -1.0f;
					art_attn_vp_f16_ref(kv, (size_t)stride, n_kv, n_pad, p, P_STRIDE, g, hd, a);
					art_attn_vp_f16_avx2(kv, (size_t)stride, n_kv, n_pad, p, P_STRIDE, g, hd, b);
					vp_bad += memcmp(a, b, sizeof(float) * G_MAX * P_STRIDE) != 0;
					cases++;
				}
	}
	T_EQ_INT(kq_bad, 0, "K·q: AVX2 equals the reference bit for bit in %d cases", cases);
	T_EQ_INT(vp_bad, 0, "V·p: AVX2 equals the reference bit for bit in %d cases", cases);
	/* a group is its heads one by one: head 2 of a group of 3 is the single head */
	art_attn_kq_f16_ref(kv, (size_t)stride, 40, q, 3, 64, a, P_STRIDE);
	art_attn_kq_f16_ref(kv, (size_t)stride, 40, q + 2 * 64, 1, 64, b, P_STRIDE);
	T_OK(!memcmp(a + 2 * P_STRIDE, b, sizeof(float) * 40), "K·q: head 2 of a group of 3 equals it alone");
	/* the check can fail: a changed summation order shows */
	for (int i = 0; i < 64; i++) q[i] = rnd_f16(14);
	art_attn_kq_f16_ref(kv, (size_t)stride, 64, q, 1, 64, a, P_STRIDE);
	int differs = 0;
	for (int t = 0; t < 64; t++) {
		float s = 0; /* float sum instead of double: must differ somewhere */
		for (int d = 0; d < 64; d++) s += art_f16_to_f32(kv[(size_t)t * stride + d]) * art_f16_to_f32(q[d]);
		differs += s != a[t];
	}
	T_OK(differs > 0, "a float-order sum differs from the reference in %d of 64 positions (the test can see it)", differs);
	T_OK(art_attn_kq_f16() != NULL && art_attn_vp_f16() != NULL, "kernels of path %s", art_simd_name(art_simd_path()));
	free(kv);
	free(p);
	free(a);
	free(b);
	return T_DONE();
}
