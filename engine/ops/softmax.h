// Masked softmax with temperature, forward and backward, plus reference twins.
// Legend: N queries (rows), M keys (columns).
//
// Forward:  A = softmax(L / tau) over the allowed cells of each row (SoftmaxAxis::Keys, the
//           transformer's) or of each column (SoftmaxAxis::Queries, a teaching variant that makes
//           every KEY's weights sum to 1 over the queries; no transformer does this).
//           Masked cells get weight 0 and are never computed as 0 * inf. A row (column) with no
//           allowed cell gives all zeros, and zero gradients, never NaN.
// Backward: dL = A .* (dA - rowsum(dA .* A)) / tau   (column sums for the Queries axis)
//           dtau = -sum(dL .* L) / tau, both over allowed cells only.
#pragma once
#include "engine/core/tensor.h"

namespace attn {

enum class SoftmaxAxis { Keys, Queries };

// A: (N, M) out; L: (N, M) logits; allowed: (N, M) or nullptr for "all allowed".
void softmax_forward(MatRM& A, const MatRM& L, const MaskM* allowed, float tau, SoftmaxAxis axis);
// dL: (N, M) out, gradient w.r.t. the logits L; dtau: out (may be nullptr). Reuses A and L.
void softmax_backward(MatRM& dL, float* dtau, const MatRM& dA, const MatRM& A, const MatRM& L,
                      const MaskM* allowed, float tau, SoftmaxAxis axis);

// Reference twins: plain loops in double, the definition written out.
void softmax_forward_ref(MatRM& A, const MatRM& L, const MaskM* allowed, float tau, SoftmaxAxis axis);
void softmax_backward_ref(MatRM& dL, float* dtau, const MatRM& dA, const MatRM& A, const MatRM& L,
                          const MaskM* allowed, float tau, SoftmaxAxis axis);

}  // namespace attn
