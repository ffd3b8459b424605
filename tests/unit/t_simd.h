/* t_simd.h — for tests that tests/run repeats under ART_SIMD=scalar|avx2: when the
 * forced path is one this CPU lacks, say so as a skip (the test would only repeat the
 * default path); otherwise name the path in use. */
#ifndef ART_T_SIMD_H
#define ART_T_SIMD_H
#include "simd.h"
#include "t.h"

/* 1: go on with the test; 0: skipped, return T_DONE(). */
static inline int t_simd_path_ok(void)
{
	char err[160];
	if (getenv("ART_SIMD") && art_simd_init(err, sizeof err) != ART_OK) {
		T_SKIP(err);
		return 0;
	}
	T_DIAG("kernel path: %s", art_simd_name(art_simd_path()));
	return 1;
}
#endif
