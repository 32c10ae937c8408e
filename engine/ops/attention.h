// One head of scaled dot-product attention, forward and backward, plus reference twins.
// Legend: N queries, M keys, dk query/key width, dv value width.
//
// Forward (one head):
//   S = Q K^T                      (N, M) raw dot products, before scaling
//   L = scale * S + B              (N, M) logits; B an additive bias (positional) or absent
//   A = softmax(L / tau)           (N, M) over allowed keys (or queries: teaching variant)
//   O = A V                        (N, dv)
// Backward, given dO (N, dv), and optional extra gradients a loss puts directly on A
// (row cross-entropy: dA_extra = -t / A) together with their image on the logits (dL_extra =
// (A - t) / tau, the stable form). dA_extra is only added to the reported dA; what propagates is
// dL_extra, so a tiny A never divides:
//   dV = A^T dO;  dA = dO V^T (+ dA_extra);  dL = softmax_backward(dO V^T) (+ dL_extra)
//   dQ = scale * dL K;  dK = scale * dL^T Q;  dscale = sum(dL .* S);  dB = dL
#pragma once
#include "engine/core/tensor.h"
#include "engine/ops/softmax.h"

namespace attn {

struct AttentionParams {
  float scale = 1.f;                      // s: 1/sqrt(dk), 1/dk, 1 or a custom value
  float tau = 1.f;                        // temperature, > 0
  SoftmaxAxis axis = SoftmaxAxis::Keys;   // Keys: rows of A sum to 1
  const MaskM* allowed = nullptr;         // (N, M), nullptr = all allowed
  const MatRM* bias = nullptr;            // (N, M) additive logit bias, nullptr = none
};

// Forward buffers of one head; backward reuses S, L and A.
struct AttentionCache {
  MatRM S, L, A;
};

// Q: (N, dk), K: (M, dk), V: (M, dv) -> cache (S, L, A), O: (N, dv)
void attention_forward(AttentionCache& c, MatRM& O, const CRefM& Q, const CRefM& K, const CRefM& V,
                       const AttentionParams& p);

struct AttentionGrads {
  MatRM dQ, dK, dV, dA, dL;  // dL is the gradient w.r.t. the logits (= w.r.t. the scaled score and B)
  float dscale = 0.f, dtau = 0.f;
};

// dO: (N, dv); dA_extra, dL_extra: (N, M) or nullptr.
void attention_backward(AttentionGrads& g, const CRefM& dO, const MatRM* dA_extra, const MatRM* dL_extra,
                        const CRefM& Q, const CRefM& K, const CRefM& V, const AttentionCache& c,
                        const AttentionParams& p);

// Reference twins: triple loops in double, no Eigen products.
void attention_forward_ref(AttentionCache& c, MatRM& O, const MatRM& Q, const MatRM& K, const MatRM& V,
                           const AttentionParams& p);
void attention_backward_ref(AttentionGrads& g, const MatRM& dO, const MatRM* dA_extra, const MatRM* dL_extra,
                            const MatRM& Q, const MatRM& K, const MatRM& V, const AttentionCache& c,
                            const AttentionParams& p);

}  // namespace attn
