// Losses of the sandbox and their first gradients. Legend: N queries, M keys, H heads.
//   MSE:           L = mean((Y - T)^2) over all elements (no 1/2); dY = 2 (Y - T) / numel
//                  Y = Z (projection mode) or O = concat_h O_h (direct mode)
//   cross-entropy: L = -sum_{h in heads} sum_{rows i} sum_j t_ij log A_h[i, j], computed from the
//                  logits as log A = L/tau - logsumexp (no log 0). It puts its gradient on the
//                  logits directly: dL_h[i, :] = (A_h[i, :] - t_i) / tau  (sum t = 1), and, for display,
//                  dA_h[i, j] = -t_ij / A_h[i, j] (0 where t_ij = 0).
//   cell:          L = O_h[i, c] (direct) or Z[i, c] (projection); a one-hot gradient.
#pragma once
#include <vector>

#include "engine/sandbox/case.h"

namespace attn {

struct AttentionResult;

struct LossGrads {
  MatRM dOut;                       // gradient w.r.t. Z (projection) or O (direct); may be all zero
  std::vector<MatRM> dA_extra;      // per head, (N, M), empty when the loss does not touch A
  std::vector<MatRM> dL_extra;      // per head, (N, M), same
};

// Returns the loss value and fills the gradients it puts on the output and on A / the logits.
double loss_forward_backward(LossGrads& g, const LossSpec& loss, const AttentionConfig& c, const AttentionResult& r);

}  // namespace attn
