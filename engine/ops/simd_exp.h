// Vectorized exp for the softmax of the fast attention kernels (AVX2 + FMA, 8 floats at a time).
//
// exp(x) = 2^n * exp(r),  n = round(x / ln 2),  r = x - n ln 2  in [-ln2/2, ln2/2]
//   r is computed in two steps (Cody-Waite): ln 2 = 355/512 + ln2_lo, and n * 355/512 is exact
//   in float for |n| < 2^15, so r carries no cancellation error.
//   exp(r) = degree-7 Taylor polynomial 1 + r + r^2/2! + ... + r^7/7!: truncation error
//   <= (ln2/2)^8 / 8! * e^(ln2/2) < 7e-9 relative, below float rounding.
//   2^n is built in the exponent bits.
// Max relative error against exp in double, measured on a grid of 4M points over [-87, 0]:
// 7.9e-8 (about 1.3 ulp, from the float rounding of the Horner steps);
// tests/engine/test_attention_fast.cpp checks < 1e-7 on 1M points.
// x < -87.33 (below FLT_MIN's log), including -inf, gives exactly 0; x > 88 is clamped to 88
// (the softmax only ever passes x <= 0). NaN propagates.
#pragma once
#include <cmath>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

namespace attn {

#if defined(__AVX2__) && defined(__FMA__)
inline __m256 exp_avx2(__m256 x) {
  const __m256 lo_limit = _mm256_set1_ps(-87.33f);
  const __m256 zero_mask = _mm256_cmp_ps(x, lo_limit, _CMP_LT_OQ);  // also true for -inf
  x = _mm256_min_ps(_mm256_set1_ps(88.f), x);                         // min(c, NaN) = NaN
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);  // x - n * 355/512 (exact)
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);      // - n * (ln 2 - 355/512)
  __m256 p = _mm256_set1_ps(1.f / 5040.f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 720.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 120.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 24.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f / 6.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(0.5f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.f));
  // n in [-126, 127] here, so (n + 127) << 23 is a normal float 2^n.
  const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  const __m256 y = _mm256_mul_ps(p, _mm256_castsi256_ps(e));
  return _mm256_andnot_ps(zero_mask, y);
}
#endif

// The scalar exp used where no vector unit is compiled in (portable build).
inline float exp_scalar(float x) { return std::exp(x); }

}  // namespace attn
