// Legend: one chunk of n cells of a row, jv visible (a prefix). Formulas in softmax_rows.h.
#include "engine/ops/softmax_rows.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/ops/simd_exp.h"

namespace attn {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}

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

float softmax_chunk_forward(float* z, int jv, int n, float& m, float& l) {
  if (jv <= 0) {
    std::fill(z, z + n, 0.f);
    return 1.f;
  }
  const int j8 = jv & ~7, tail = jv - j8;
  const __m256i tm = head_mask(tail);
  const __m256 ninf = _mm256_set1_ps(kNegInf);
  __m256 vmax = ninf;
  for (int j = 0; j < j8; j += 8) vmax = _mm256_max_ps(vmax, _mm256_loadu_ps(z + j));
  // masked-off tail lanes read as -inf: they neither win the max nor add to the sum (exp(-inf) = 0)
  const __m256 ztail = tail ? _mm256_blendv_ps(ninf, _mm256_maskload_ps(z + j8, tm), _mm256_castsi256_ps(tm)) : ninf;
  vmax = _mm256_max_ps(vmax, ztail);
  const float m_new = std::max(m, hmax(vmax));
  if (m_new == kNegInf) {  // every visible logit is -inf so far: nothing to weigh
    std::fill(z, z + n, 0.f);
    return 1.f;
  }
  const __m256 vm = _mm256_set1_ps(m_new);
  __m256 vsum = _mm256_setzero_ps();
  for (int j = 0; j < j8; j += 8) {
    const __m256 e = exp_avx2(_mm256_sub_ps(_mm256_loadu_ps(z + j), vm));
    _mm256_storeu_ps(z + j, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  if (tail) {
    const __m256 e = exp_avx2(_mm256_sub_ps(ztail, vm));
    _mm256_maskstore_ps(z + j8, tm, e);
    vsum = _mm256_add_ps(vsum, e);
  }
  std::fill(z + jv, z + n, 0.f);
  const float scale = (m == kNegInf || m == m_new) ? 1.f : std::exp(m - m_new);
  l = l * scale + hsum(vsum);
  m = m_new;
  return scale;
}

void softmax_chunk_backward(float* g, const float* a, int jv, int n, float d, float c) {
  const int jp = std::max(jv, 0), j8 = jp & ~7, tail = jp - j8;
  const __m256 vd = _mm256_set1_ps(d), vc = _mm256_set1_ps(c);
  for (int j = 0; j < j8; j += 8) {
    const __m256 t = _mm256_mul_ps(_mm256_loadu_ps(a + j), _mm256_sub_ps(_mm256_loadu_ps(g + j), vd));
    _mm256_storeu_ps(g + j, _mm256_mul_ps(t, vc));
  }
  if (tail) {
    const __m256i tm = head_mask(tail);
    const __m256 t = _mm256_mul_ps(_mm256_maskload_ps(a + j8, tm), _mm256_sub_ps(_mm256_maskload_ps(g + j8, tm), vd));
    _mm256_maskstore_ps(g + j8, tm, _mm256_mul_ps(t, vc));
  }
  std::fill(g + jp, g + std::max(n, jp), 0.f);
}

void scale_row(float* dst, const float* src, int n, float f, bool stream) {
  const __m256 vf = _mm256_set1_ps(f);
  int j = 0;
  if (stream) {
    for (; j < n && (reinterpret_cast<std::uintptr_t>(dst + j) & 31) != 0; ++j) dst[j] = src[j] * f;
    for (; j + 8 <= n; j += 8) _mm256_stream_ps(dst + j, _mm256_mul_ps(_mm256_loadu_ps(src + j), vf));
  } else {
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(dst + j, _mm256_mul_ps(_mm256_loadu_ps(src + j), vf));
  }
  for (; j < n; ++j) dst[j] = src[j] * f;
}

void zero_row(float* dst, int n, bool stream) {
  int j = 0;
  if (stream) {
    for (; j < n && (reinterpret_cast<std::uintptr_t>(dst + j) & 31) != 0; ++j) dst[j] = 0.f;
    for (; j + 8 <= n; j += 8) _mm256_stream_ps(dst + j, _mm256_setzero_ps());
  }
  std::fill(dst + j, dst + n, 0.f);
}

float dot_row(const float* x, const float* y, int n) {
  __m256 acc = _mm256_setzero_ps();
  int j = 0;
  for (; j + 8 <= n; j += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j), acc);
  float s = hsum(acc);
  for (; j < n; ++j) s += x[j] * y[j];
  return s;
}

#else  // portable fallback

float softmax_chunk_forward(float* z, int jv, int n, float& m, float& l) {
  float cmax = kNegInf;
  for (int j = 0; j < jv; ++j) cmax = std::max(cmax, z[j]);
  const float m_new = std::max(m, cmax);
  if (jv <= 0 || m_new == kNegInf) {
    std::fill(z, z + n, 0.f);
    return 1.f;
  }
  float sum = 0.f;
  for (int j = 0; j < jv; ++j) sum += (z[j] = exp_scalar(z[j] - m_new));
  std::fill(z + jv, z + n, 0.f);
  const float scale = (m == kNegInf || m == m_new) ? 1.f : std::exp(m - m_new);
  l = l * scale + sum;
  m = m_new;
  return scale;
}

void softmax_chunk_backward(float* g, const float* a, int jv, int n, float d, float c) {
  const int jp = std::max(jv, 0);
  for (int j = 0; j < jp; ++j) g[j] = a[j] * (g[j] - d) * c;
  std::fill(g + jp, g + std::max(n, jp), 0.f);
}

void scale_row(float* dst, const float* src, int n, float f, bool) {
  for (int j = 0; j < n; ++j) dst[j] = src[j] * f;
}

void zero_row(float* dst, int n, bool) { std::fill(dst, dst + n, 0.f); }

float dot_row(const float* x, const float* y, int n) {
  float s = 0.f;
  for (int j = 0; j < n; ++j) s += x[j] * y[j];
  return s;
}

#endif

}  // namespace attn
