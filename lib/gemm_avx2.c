/* gemm_avx2.c — matrix-matrix kernels of the AVX2 + FMA + F16C path (see gemm_avx512.c
 * for the scheme); none yet: every type runs art_gemm_ref. */
#include "gemm_simd.h"
#include "quant_simd.h"

art_gemm_kernel_fn art_gemm_kernel_avx2(uint32_t type)
{
	(void)type;
	return NULL;
}
