// From a raw score to an output: the part of one attention head that follows the score function.
// attention.h's ops compute S = Q K^T themselves; these take S from any score function (scores.h),
// possibly with Shaw's relative term added (shaw.h), so the sandbox runs every score through one path.
// Legend: N queries, M keys, dv value width.
//
// Forward:  L = scale * S + B;  A = softmax(L / tau) over allowed cells;  O = A V
// Backward, given dO (N, dv):
//   dV = A^T dO;  dA = dO V^T + dA_in;  dL = softmax_backward(dA) + dL_extra;  dB = dL
//   dS = scale * dL;  dscale = sum(dL .* S);  dtau from the softmax (and from dL_extra: -sum(dL_extra .* L) / tau)
//   dA_in propagates (Shaw's output term); dA_show is only added to the reported dA (a loss's own
//   -t / A term, which enters through its stable image dL_extra instead), as in attention.h.
#pragma once
#include "engine/core/tensor.h"
#include "engine/ops/attention.h"

namespace attn {

struct AttendGrads {
  MatRM dV, dA, dL, dS;  // (M, dv), (N, M), (N, M) = dB, (N, M) gradient w.r.t. the raw score
  float dscale = 0.f, dtau = 0.f;
};

// c.S: (N, M) in, the raw score (filled by the caller); V: (M, dv) -> c.L, c.A, O: (N, dv).
void attend_forward(AttentionCache& c, MatRM& O, const CRefM& V, const AttentionParams& p);
// dO: (N, dv); dA_in, dA_show, dL_extra: (N, M) or nullptr. Reuses c.S, c.L, c.A.
void attend_backward(AttendGrads& g, const CRefM& dO, const MatRM* dA_in, const MatRM* dA_show,
                     const MatRM* dL_extra, const CRefM& V, const AttentionCache& c, const AttentionParams& p);

// Reference twins: loops in double around the softmax reference.
void attend_forward_ref(AttentionCache& c, MatRM& O, const MatRM& V, const AttentionParams& p);
void attend_backward_ref(AttendGrads& g, const MatRM& dO, const MatRM* dA_in, const MatRM* dA_show,
                         const MatRM* dL_extra, const MatRM& V, const AttentionCache& c, const AttentionParams& p);

}  // namespace attn
