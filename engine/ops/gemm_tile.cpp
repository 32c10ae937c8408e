// Legend: tile = kMR x kNR block of C, kc = length of the summed index. Contract in gemm_tile.h.
#include "engine/ops/gemm_tile.h"

#include <algorithm>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define ATTN_GEMM_AVX2 1
#endif

namespace attn {
namespace gemm {

namespace {

// Writes the tile t (kMR x kNR, already multiplied by alpha) into C, clipped to mr x nr.
inline void store_partial(const float* t, float* c, std::ptrdiff_t ldc, int mr, int nr, bool accumulate) {
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) c[r * ldc + j] = accumulate ? c[r * ldc + j] + t[r * kNR + j] : t[r * kNR + j];
}

}  // namespace

#ifdef ATTN_GEMM_AVX2

template <ALayout L>
void tile(int kc, const float* a, std::ptrdiff_t lda, const float* bp, float* c, std::ptrdiff_t ldc, int mr,
          int nr, float alpha, bool accumulate) {
  if (accumulate) {
    // C is read only after the k loop; fetch it now so its latency (L2/L3 for dK, dV) overlaps
    // the FMAs instead of stalling the store phase.
    for (int r = 0; r < mr; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + nr - 1), _MM_HINT_T0);
    }
  }
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  // One k step: two B vectors, six broadcasts of a(r, k), twelve FMAs.
#define ATTN_STEP(A0, A1, A2, A3, A4, A5)                                      \
  {                                                                            \
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);       \
    __m256 t = _mm256_broadcast_ss(A0);                                        \
    c00 = _mm256_fmadd_ps(t, b0, c00);                                         \
    c01 = _mm256_fmadd_ps(t, b1, c01);                                         \
    t = _mm256_broadcast_ss(A1);                                               \
    c10 = _mm256_fmadd_ps(t, b0, c10);                                         \
    c11 = _mm256_fmadd_ps(t, b1, c11);                                         \
    t = _mm256_broadcast_ss(A2);                                               \
    c20 = _mm256_fmadd_ps(t, b0, c20);                                         \
    c21 = _mm256_fmadd_ps(t, b1, c21);                                         \
    t = _mm256_broadcast_ss(A3);                                               \
    c30 = _mm256_fmadd_ps(t, b0, c30);                                         \
    c31 = _mm256_fmadd_ps(t, b1, c31);                                         \
    t = _mm256_broadcast_ss(A4);                                               \
    c40 = _mm256_fmadd_ps(t, b0, c40);                                         \
    c41 = _mm256_fmadd_ps(t, b1, c41);                                         \
    t = _mm256_broadcast_ss(A5);                                               \
    c50 = _mm256_fmadd_ps(t, b0, c50);                                         \
    c51 = _mm256_fmadd_ps(t, b1, c51);                                         \
    bp += kNR;                                                                 \
  }
  if constexpr (L == ALayout::Rows) {
    // Rows past mr repeat the last valid row (never read out of bounds; their results are dropped).
    const float* a0 = a;
    const float* a1 = a + std::min(1, mr - 1) * lda;
    const float* a2 = a + std::min(2, mr - 1) * lda;
    const float* a3 = a + std::min(3, mr - 1) * lda;
    const float* a4 = a + std::min(4, mr - 1) * lda;
    const float* a5 = a + std::min(5, mr - 1) * lda;
#pragma GCC unroll 4
    for (int k = 0; k < kc; ++k) ATTN_STEP(a0 + k, a1 + k, a2 + k, a3 + k, a4 + k, a5 + k)
  } else {
#pragma GCC unroll 4
    for (int k = 0; k < kc; ++k, a += lda) ATTN_STEP(a, a + 1, a + 2, a + 3, a + 4, a + 5)
  }
#undef ATTN_STEP
  const __m256 va = _mm256_set1_ps(alpha);
  if (mr == kMR && nr == kNR) {
    auto put = [&](float* p, __m256 lo, __m256 hi) {
      lo = _mm256_mul_ps(lo, va);
      hi = _mm256_mul_ps(hi, va);
      if (accumulate) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(p));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(p + 8));
      }
      _mm256_storeu_ps(p, lo);
      _mm256_storeu_ps(p + 8, hi);
    };
    put(c, c00, c01);
    put(c + ldc, c10, c11);
    put(c + 2 * ldc, c20, c21);
    put(c + 3 * ldc, c30, c31);
    put(c + 4 * ldc, c40, c41);
    put(c + 5 * ldc, c50, c51);
    return;
  }
  alignas(32) float t[kMR * kNR];
  const __m256 regs[kMR * 2] = {c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51};
  for (int k = 0; k < kMR * 2; ++k) _mm256_store_ps(t + 8 * k, _mm256_mul_ps(regs[k], va));
  store_partial(t, c, ldc, mr, nr, accumulate);
}

#else  // portable fallback: the same blocking in plain C++ (the compiler vectorizes what it can)

template <ALayout L>
void tile(int kc, const float* a, std::ptrdiff_t lda, const float* bp, float* c, std::ptrdiff_t ldc, int mr,
          int nr, float alpha, bool accumulate) {
  float acc[kMR * kNR] = {};
  for (int k = 0; k < kc; ++k) {
    const float* b = bp + k * kNR;
    for (int r = 0; r < kMR; ++r) {
      const int rr = std::min(r, mr - 1);
      const float ar = L == ALayout::Rows ? a[rr * lda + k] : a[k * lda + rr];
      for (int j = 0; j < kNR; ++j) acc[r * kNR + j] += ar * b[j];
    }
  }
  for (float& v : acc) v *= alpha;
  store_partial(acc, c, ldc, mr, nr, accumulate);
}

#endif

template void tile<ALayout::Rows>(int, const float*, std::ptrdiff_t, const float*, float*, std::ptrdiff_t, int,
                                  int, float, bool);
template void tile<ALayout::Cols>(int, const float*, std::ptrdiff_t, const float*, float*, std::ptrdiff_t, int,
                                  int, float, bool);

namespace {

// Prefetches part t of `parts` of the bytes at p into L1: the next B panel, spread over the row
// tiles that use the current one.
inline void prefetch_part(const float* p, std::size_t bytes, int t, int parts) {
#ifdef ATTN_GEMM_AVX2
  const char* c = reinterpret_cast<const char*>(p);
  const std::size_t lines = (bytes + 63) / 64, l0 = lines * t / parts, l1 = lines * (t + 1) / parts;
  for (std::size_t l = l0; l < l1; ++l) _mm_prefetch(c + 64 * l, _MM_HINT_T0);
#endif
}

}  // namespace

void product_trans(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int rows, int n,
                   int kdim, float alpha) {
  const int tiles = (rows + kMR - 1) / kMR;
  const std::size_t panel = std::size_t(kdim) * kNR;
  for (int j0 = 0; j0 < n; j0 += kNR) {
    const float* bp = p + std::ptrdiff_t(j0 / kNR) * panel;
    const std::size_t next = j0 + kNR < n ? sizeof(float) * panel : 0;
    const int nr = std::min(kNR, n - j0);
    for (int r0 = 0, t = 0; r0 < rows; r0 += kMR, ++t) {
      prefetch_part(bp + panel, next, t, tiles);
      tile<ALayout::Rows>(kdim, x + r0 * ldx, ldx, bp, c + r0 * ldc + j0, ldc, std::min(kMR, rows - r0), nr, alpha,
                          false);
    }
  }
}

void product_rows(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int panel_rows,
                  int rows, int kdim, int cols, bool accumulate) {
  const int tiles = (rows + kMR - 1) / kMR;
  for (int c0 = 0; c0 < cols; c0 += kNR) {
    const float* bp = p + std::ptrdiff_t(c0 / kNR) * panel_rows * kNR;
    const std::size_t next = c0 + kNR < cols ? sizeof(float) * kdim * kNR : 0;
    const int nr = std::min(kNR, cols - c0);
    for (int r0 = 0, t = 0; r0 < rows; r0 += kMR, ++t) {
      prefetch_part(bp + std::ptrdiff_t(panel_rows) * kNR, next, t, tiles);
      tile<ALayout::Rows>(kdim, x + r0 * ldx, ldx, bp, c + r0 * ldc + c0, ldc, std::min(kMR, rows - r0), nr, 1.f,
                          accumulate);
    }
  }
}

void product_tn(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int kdim, int n,
                int cols) {
  for (int j0 = 0; j0 < n; j0 += kMR) {
    const int mr = std::min(kMR, n - j0);
    for (int c0 = 0; c0 < cols; c0 += kNR)
      tile<ALayout::Cols>(kdim, x + j0, ldx, p + std::ptrdiff_t(c0 / kNR) * kdim * kNR, c + j0 * ldc + c0, ldc, mr,
                          std::min(kNR, cols - c0), 1.f, true);
  }
}

void pack_rows(float* dst, const float* src, std::ptrdiff_t ld, int rows, int cols) {
  for (int c0 = 0; c0 < cols; c0 += kNR) {
    const int w = std::min(kNR, cols - c0);
    for (int k = 0; k < rows; ++k, dst += kNR) {
      const float* s = src + k * ld + c0;
      int j = 0;
      for (; j < w; ++j) dst[j] = s[j];
      for (; j < kNR; ++j) dst[j] = 0.f;
    }
  }
}

void pack_trans(float* dst, const float* src, std::ptrdiff_t ld, int n, int kdim) {
  for (int c0 = 0; c0 < n; c0 += kNR, dst += std::ptrdiff_t(kdim) * kNR) {
    const int w = std::min(kNR, n - c0);
    for (int j = 0; j < kNR; ++j) {
      if (j < w) {
        const float* s = src + (c0 + j) * ld;
        for (int k = 0; k < kdim; ++k) dst[k * kNR + j] = s[k];
      } else {
        for (int k = 0; k < kdim; ++k) dst[k * kNR + j] = 0.f;
      }
    }
  }
}

}  // namespace gemm
}  // namespace attn
