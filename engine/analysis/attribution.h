// Gradient-based attributions of a model's prediction to its attention maps and input tokens.
// Legend: L layers, H heads, T tokens, C model width. F = the target's log-probability,
// log p(token | prefix) at one position (Gpt2Loss::token_logprob), so dF/dA is what gpt2_backward
// leaves in dacts.datt for that loss.
#pragma once
#include <vector>

#include "engine/core/tensor.h"
#include "engine/model/gpt2.h"
#include "engine/sandbox/multihead.h"  // RunControl, RunCancelled

namespace attn {

// Attention x gradient: A .* dA, the first-order contribution of each edge to F (Taylor term of
// scaling the edge to 0). InputError on a shape mismatch.
MatRM attention_times_gradient(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& dA);

// A - B, for the diff view (two sentences / two models). InputError naming both shapes when they differ.
MatRM signed_difference(const Eigen::Ref<const MatRM>& A, const Eigen::Ref<const MatRM>& B);

// Integrated gradients (Sundararajan et al. 2017) over one layer's attention, all heads together:
// the path A' = alpha A, alpha from 0 to 1 (Gpt2::att_alpha scales the layer's attention), and
//   IG_h = A_h .* (1/m) sum_{k=1..m} dF/dA'_h |_{A' = (k/m) A}      (right Riemann sum, m = steps)
// Completeness: sum over heads and cells of IG = F(A) - F(0) up to the Riemann error, O(1/m).
// f_full = F(A), f_zero = F(0 * A) (the layer's attention output removed), total = sum of IG.
struct IntegratedGradients {
  std::vector<MatRM> per_head;  // (H) maps (T, T)
  double f_full = 0, f_zero = 0, total = 0;
  int steps = 0;
};
// Runs m + 1 forwards (alpha = 0, then 1/m .. 1) and m backwards on `m`; at the end its att_alpha
// is restored and its last forward/backward is the alpha = 1 one (the model as it is, for the
// target). The model must be set up with keep_att_grads and max_T >= tokens.size(). Progress:
// control->steps_done += 1 per forward (m + 1 in all); cancel between them throws RunCancelled.
// InputError for a layer out of range, steps outside [1, 4096], a target that is not a token log-prob.
IntegratedGradients integrated_gradients(Gpt2& m, const std::vector<int>& tokens, int layer, const Gpt2Loss& target,
                                         int steps, const RunControl* control = nullptr);

// Per-token saliency (gradient x input): s_t = || dF/dx_t .* x_t ||_2 over the C features, where
// x_t = wte[token_t] + wpe[t] is the embedded input. Call after gpt2_forward with a loss and
// gpt2_backward (reads acts.encoded and dacts.dencoded). Returns (T) values.
std::vector<double> token_saliency(const Gpt2& m);

}  // namespace attn
