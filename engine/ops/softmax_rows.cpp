// Legend: one row of M cells, jend allowed (a prefix). Formulas in softmax_rows.h.
#include "engine/ops/softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/ops/simd_exp.h"

namespace attn {

#if defined(__AVX2__) && defined(__FMA__)

namespace {
// Horizontal reductions in a fixed lane order.
inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
// Mask of the first n (0..8) lanes.
inline __m256i head_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
}  // namespace

void softmax_row_forward(float* z, int jend, int M) {
  if (jend <= 0) {
    std::fill(z, z + M, 0.f);
    return;
  }
  const int jv = jend & ~7, tail = jend - jv;
  const __m256i tm = head_mask(tail);
  const __m256 ninf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 vmax = ninf;
  for (int j = 0; j < jv; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(z + j));
  if (tail) vmax = _mm256_max_ps(vmax, _mm256_blendv_ps(ninf, _mm256_maskload_ps(z + jv, tm), _mm256_castsi256_ps(tm)));
  const float mx = hmax(vmax);
  if (mx == -std::numeric_limits<float>::infinity()) {  // every allowed logit is -inf
    std::fill(z, z + M, 0.f);
    return;
  }
  const __m256 vm = _mm256_set1_ps(mx);
  __m256 vsum = _mm256_setzero_ps();
  for (int j = 0; j < jv; j += 8) {
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(z + j), vm));
    _mm256_storeu_ps(z + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  if (tail) {
    // masked-off lanes read as -inf, so they contribute exp(-inf) = 0
    const __m256 x = _mm256_blendv_ps(ninf, _mm256_maskload_ps(z + jv, tm), _mm256_castsi256_ps(tm));
    const __m256 e = exp_avx2(_mm256_sub_ps(x, vm));
    _mm256_maskstore_ps(z + jv, tm, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  const __m256 inv = _mm256_set1_ps(1.f / hsum(vsum));
  for (int j = 0; j < jv; j += 8) _mm256_storeu_ps(z + j, _mm256_mul_ps(_mm256_loadu_ps(z + j), inv));
  if (tail) _mm256_maskstore_ps(z + jv, tm, _mm256_mul_ps(_mm256_maskload_ps(z + jv, tm), inv));
  std::fill(z + jend, z + M, 0.f);
}

void softmax_row_backward(float* g, const float* a, int jend, int jclear, float c) {
  const int jv = std::max(jend, 0) & ~7, tail = std::max(jend, 0) - jv;
  const __m256i tm = head_mask(tail);
  __m256 vdot = _mm256_setzero_ps();
  for (int j = 0; j < jv; j += 8) vdot = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), _mm256_loadu_ps(a + j), vdot);
  if (tail) vdot = _mm256_fmadd_ps(_mm256_maskload_ps(g + jv, tm), _mm256_maskload_ps(a + jv, tm), vdot);
  const __m256 d = _mm256_set1_ps(hsum(vdot)), vc = _mm256_set1_ps(c);
  for (int j = 0; j < jv; j += 8) {
    const __m256 t = _mm256_mul_ps(_mm256_loadu_ps(a + j), _mm256_sub_ps(_mm256_loadu_ps(g + j), d));
    _mm256_storeu_ps(g + j, _mm256_mul_ps(t, vc));
  }
  if (tail) {
    const __m256 t = _mm256_mul_ps(_mm256_maskload_ps(a + jv, tm), _mm256_sub_ps(_mm256_maskload_ps(g + jv, tm), d));
    _mm256_maskstore_ps(g + jv, tm, _mm256_mul_ps(t, vc));
  }
  if (jclear > jend) std::fill(g + std::max(jend, 0), g + jclear, 0.f);
}

#else  // portable fallback

void softmax_row_forward(float* z, int jend, int M) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < jend; ++j) mx = std::max(mx, z[j]);
  if (jend <= 0 || mx == -std::numeric_limits<float>::infinity()) {
    std::fill(z, z + M, 0.f);
    return;
  }
  float sum = 0.f;
  for (int j = 0; j < jend; ++j) sum += (z[j] = exp_scalar(z[j] - mx));
  const float inv = 1.f / sum;
  for (int j = 0; j < jend; ++j) z[j] *= inv;
  std::fill(z + jend, z + M, 0.f);
}

void softmax_row_backward(float* g, const float* a, int jend, int jclear, float c) {
  float d = 0.f;
  for (int j = 0; j < jend; ++j) d += g[j] * a[j];
  for (int j = 0; j < jend; ++j) g[j] = a[j] * (g[j] - d) * c;
  if (jclear > jend) std::fill(g + std::max(jend, 0), g + jclear, 0.f);
}

#endif

}  // namespace attn
