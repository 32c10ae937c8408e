// Relative position representations (Shaw, Uszkoreit & Vaswani 2018), one head: learned vectors
// a^K and a^V indexed by the clipped distance, added to the keys inside the score and to the
// values inside the output. Legend: N queries, M keys, dk, dv, k the clipping distance, R = 2k + 1.
// Query i sits at position i' = i + M - N, key j at position j.
//
//   r(i, j) = clip(j - i', -k, k) + k                        row of aK (R, dk) and aV (R, dv)
//   E(i, j) = q_i . aK[r(i, j)]            (N, M)   added to the raw score: S' = S + E
//   O_i    += sum_j A(i, j) aV[r(i, j)]    (N, dv)  i.e. O += C aV with C(i, r) = sum_{j: r(i,j)=r} A(i, j)
// Backward:
//   G(i, r) = sum_{j: r(i,j)=r} dE(i, j);  dQ += G aK;  daK = G^T Q
//   daV = C^T dO;  dA(i, j) = dO_i . aV[r(i, j)]   (to be added to dO V^T before the softmax backward)
// Distances beyond k share the end rows, so the representation saturates at |j - i'| >= k.
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

// idx: (N * M) row-major, r(i, j) in 0 .. 2k.
void shaw_index(std::vector<int>& idx, int N, int M, int k);

// Q: (N, dk), aK: (R, dk) -> E: (N, M)
void shaw_scores_forward(MatRM& E, const CRefM& Q, const MatRM& aK, int M, int k);
// dE: (N, M) -> dQ: (N, dk) accumulated (+=), daK: (R, dk) overwritten.
void shaw_scores_backward(MatRM& dQ, MatRM& daK, const MatRM& dE, const CRefM& Q, const MatRM& aK, int k);

// A: (N, M), aV: (R, dv) -> O: (N, dv) accumulated (+=)
void shaw_values_forward(MatRM& O, const MatRM& A, const MatRM& aV, int k);
// dO: (N, dv) -> dA: (N, M) overwritten, daV: (R, dv) overwritten. Reuses A from the forward pass.
void shaw_values_backward(MatRM& dA, MatRM& daV, const CRefM& dO, const MatRM& A, const MatRM& aV, int k);

// Reference twins: per-cell loops in double.
void shaw_scores_forward_ref(MatRM& E, const MatRM& Q, const MatRM& aK, int M, int k);
void shaw_scores_backward_ref(MatRM& dQ, MatRM& daK, const MatRM& dE, const MatRM& Q, const MatRM& aK, int k);
void shaw_values_forward_ref(MatRM& O, const MatRM& A, const MatRM& aV, int k);
void shaw_values_backward_ref(MatRM& dA, MatRM& daV, const MatRM& dO, const MatRM& A, const MatRM& aV, int k);

}  // namespace attn
