/* test_ops.c — the AVX2 SwiGLU and softmax give the scalar ops' results bit for bit,
 * including the exp's far ranges (|x| > 126: two-step scaling; > 192: overflow and
 * underflow), row lengths with and without an 8-lane tail, and ties for the max. */
#include <math.h>
#include <string.h>

#include "model_impl.h"
#include "simd.h"
#include "t.h"

static uint64_t rng = 7;

static float rnd(float lo, float hi)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return lo + (hi - lo) * (float)((rng >> 11) / 9007199254740992.0);
}

int main(void)
{
	if (!art_simd_supported(ART_SIMD_AVX2)) {
		T_SKIP("no AVX2 on this CPU");
		return T_DONE();
	}
	const int lens[] = {1, 7, 8, 9, 31, 64, 100, 5632};
	const float spans[] = {1, 20, 150, 250};
	float g[5632], u[5632], a[5632], b[5632], x0[5632];
	int sw_bad = 0, sm_bad = 0, cases = 0;
	for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)
		for (size_t si = 0; si < sizeof spans / sizeof *spans; si++) {
			const int n = lens[li];
			for (int i = 0; i < n; i++) g[i] = rnd(-spans[si], spans[si]), u[i] = rnd(-2, 2);
			art_simd_set(ART_SIMD_SCALAR);
			art_op_swiglu(a, g, u, n);
			art_simd_set(ART_SIMD_AVX2);
			art_op_swiglu(b, g, u, n);
			sw_bad += memcmp(a, b, sizeof(float) * (size_t)n) != 0;
			for (int i = 0; i < n; i++) x0[i] = rnd(-spans[si], spans[si]);
			if (n > 3) x0[3] = x0[0]; /* a repeated value */
			memcpy(a, x0, sizeof(float) * (size_t)n);
			memcpy(b, x0, sizeof(float) * (size_t)n);
			art_simd_set(ART_SIMD_SCALAR);
			art_op_softmax(a, n, 0.125f);
			art_simd_set(ART_SIMD_AVX2);
			art_op_softmax(b, n, 0.125f);
			sm_bad += memcmp(a, b, sizeof(float) * (size_t)n) != 0;
			cases++;
		}
	T_EQ_INT(sw_bad, 0, "swiglu: AVX2 equals scalar bit for bit in %d cases", cases);
	T_EQ_INT(sm_bad, 0, "softmax: AVX2 equals scalar bit for bit in %d cases", cases);
	/* signed zeros as the largest entries (the vector max may pick either): same bits */
	for (int i = 0; i < 37; i++) x0[i] = i % 3 == 0 ? -0.0f : i % 3 == 1 ? 0.0f : -1.0f - (float)i;
	memcpy(a, x0, sizeof(float) * 37);
	memcpy(b, x0, sizeof(float) * 37);
	art_simd_set(ART_SIMD_SCALAR);
	art_op_softmax(a, 37, 0.125f);
	art_simd_set(ART_SIMD_AVX2);
	art_op_softmax(b, 37, 0.125f);
	T_OK(!memcmp(a, b, sizeof(float) * 37), "softmax: a row whose largest entries are +0 and -0 gives the same bits");
	/* the far ranges of exp, one value at a time through 8-lane rows */
	int exp_bad = 0;
	for (float v = -200; v <= 200; v += 0.37f) {
		float row[8], s[8], t[8];
		for (int l = 0; l < 8; l++) row[l] = -(v + (float)l * 0.01f), s[l] = 1;
		art_simd_set(ART_SIMD_SCALAR);
		art_op_swiglu(t, row, s, 8);
		art_simd_set(ART_SIMD_AVX2);
		art_op_swiglu(a, row, s, 8);
		exp_bad += memcmp(t, a, sizeof t) != 0;
	}
	T_EQ_INT(exp_bad, 0, "exp over [-200, 200]: AVX2 equals scalar in every lane");
	return T_DONE();
}
