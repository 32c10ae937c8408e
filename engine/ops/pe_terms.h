// The four-term decomposition of a content + position logit, one head (absolute encodings).
// Legend: N queries, M keys, dk. With q_i = x_i Wq + bq + p_i Wq (add: X + P) or
// [x_i p_i] Wq + bq = x_i Wq_x + bq + p_i Wq_p (concat), split each projected row into a content
// part and a position part: Qc = X Wq + bq, Qp = P Wq (likewise Kc, Kp from the keys). Then
//   s/tau * q_i W k_j^T = cc + cp + pc + pp
//   cc = f Qc W Kc^T  (content-content),   cp = f Qc W Kp^T  (content-position),
//   pc = f Qp W Kc^T  (position-content),  pp = f Qp W Kp^T  (position-position),  f = s / tau
// with W the identity (dot scores) or the general score's matrix. Forward only (a view, not a
// parameter path): the logits and gradients come from the ordinary forward/backward.
#pragma once
#include "engine/core/tensor.h"

namespace attn {

struct PeTerms {
  MatRM cc, cp, pc, pp;  // (N, M) each
};

// Qc, Qp: (N, dk); Kc, Kp: (M, dk); W: (dk, dk) or nullptr for the identity.
void pe_terms_forward(PeTerms& t, const CRefM& Qc, const CRefM& Qp, const CRefM& Kc, const CRefM& Kp, const MatRM* W,
                      float factor);

}  // namespace attn
