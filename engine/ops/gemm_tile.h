// Register-blocked matrix-product tile and B-panel packing for the fast attention kernels.
// Legend: a tile is kMR rows x kNR columns of C; kc is the length of the summed (inner) index k.
//
//   C[r][c] = alpha * sum_{k < kc} a(r, k) * B(k, c)   (+ C[r][c] when accumulating)
//
// B is always a packed panel: kNR consecutive floats per k (B(k, c) = bp[k * kNR + c]), with the
// columns past the matrix's edge zero-filled, so every k step is two full 8-float loads.
// a(r, k) comes straight from the caller's row-major matrix, in one of two layouts:
//   ARows: a(r, k) = a[r * lda + k]   (rows of a matrix: Q, dO, A, dL)
//   ACols: a(r, k) = a[k * lda + r]   (columns of a matrix: A^T, dL^T)
// so the attention matrix is never copied or transposed.
//
// AVX2 + FMA: 6 x 16 = 12 ymm accumulators; per k step 2 loads of B, 6 broadcasts of a, 12 FMAs
// (the FMA units stay busy; loads are well under the two per cycle Zen 3 can issue). Without
// AVX2/FMA a portable loop with the same blocking is compiled instead (slower, same contract).
#pragma once
#include <cstddef>

namespace attn {
namespace gemm {

constexpr int kMR = 6;   // rows of a tile
constexpr int kNR = 16;  // columns of a tile = width of a packed B panel

enum class ALayout { Rows, Cols };

// One tile: mr <= kMR rows, nr <= kNR columns of C (row stride ldc) are written.
// Rows past mr are never read in ARows layout; in ACols layout a(r, k) for r < kMR is read even
// when r >= mr (up to kMR - 1 floats past the row's valid columns), so the caller keeps that much
// readable padding after such matrices. Rows/columns past mr/nr of C are never touched.
template <ALayout L>
void tile(int kc, const float* a, std::ptrdiff_t lda, const float* bp, float* c, std::ptrdiff_t ldc, int mr,
          int nr, float alpha, bool accumulate);

// Packs B(k, c) = src[k * ld + c] for k < rows, c < cols into ceil(cols / kNR) panels of
// rows * kNR floats (panel p holds columns p*kNR ...). Used for V, K, Q and dO (row slices).
void pack_rows(float* dst, const float* src, std::ptrdiff_t ld, int rows, int cols);

// Packs B(k, c) = src[c * ld + k] for k < kdim, c < n (the transpose of an n x kdim row-major
// block) into ceil(n / kNR) panels of kdim * kNR floats. Used for K^T and V^T.
void pack_trans(float* dst, const float* src, std::ptrdiff_t ld, int n, int kdim);

// Block products built from tiles (6-row tiles of C; B panels as packed above). While a panel is
// in use, the next one is prefetched (it usually comes from L3).
//   product_trans: C (rows x n, ldc)    = alpha * X (rows x kdim, ldx) * P^T, P = pack_trans of
//                  an n x kdim matrix (the logits Q K^T, dA = dO V^T)
//   product_rows:  C (rows x cols, ldc) (+)= X (rows x kdim, ldx) * P, P = kdim rows of a pack_rows
//                  panel set whose panels hold `panel_rows` rows (A V, dL K); accumulate or overwrite
//   product_tn:    C (n x cols, ldc)    += X^T * P, X (kdim x n, ldx) read as columns (ACols),
//                  P = pack_rows of a kdim x cols matrix (dK += dL^T Q, dV += A^T dO)
void product_trans(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int rows, int n,
                   int kdim, float alpha);
void product_rows(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int panel_rows,
                  int rows, int kdim, int cols, bool accumulate);
void product_tn(float* c, std::ptrdiff_t ldc, const float* x, std::ptrdiff_t ldx, const float* p, int kdim, int n,
                int cols);

// Floats needed by pack_rows(rows, cols) / pack_trans(n, kdim).
inline std::size_t packed_rows_size(int rows, int cols) {
  return std::size_t(rows) * ((cols + kNR - 1) / kNR) * kNR;
}
inline std::size_t packed_trans_size(int n, int kdim) {
  return std::size_t(kdim) * ((n + kNR - 1) / kNR) * kNR;
}

}  // namespace gemm
}  // namespace attn
