// Aggregates of a model's attention maps over heads and layers.
// Legend: L layers, H heads, T tokens; att[l][h] is layer l, head h's (T, T) map, rows = queries.
//
// Attention rollout (Abnar & Zuidema 2020): the residual stream carries half of each token
// through unchanged, so each layer's token mixing is modelled as
//   A_l = rownorm(0.5 mean_h att[l][h] + 0.5 I),   R = A_{L-1} ... A_1 A_0,
// R_ij = how much of input token j flows into position i at the top.
// Gradient-weighted rollout (Chefer et al. 2021, "Generic attention-model explainability"):
//   R = I;  for l = 0..L-1:  R = R + mean_h( max(grad[l][h] .* att[l][h], 0) ) R
// (the positive part of attention x gradient, i.e. the relevance of each attention edge for the
// chosen target, accumulated with the identity for the residual path; R is not renormalised).
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

// Element-wise mean / max over a non-empty list of maps of one shape (InputError otherwise).
MatRM mean_over_heads(const std::vector<MatRM>& heads);
MatRM max_over_heads(const std::vector<MatRM>& heads);

// Column 0 (the first token, often an "attention sink") set to 0 and every row renormalised to
// sum to 1; a row with no mass left (e.g. row 0 of a causal map) stays all 0.
MatRM drop_first_token(const Eigen::Ref<const MatRM>& A);

// Rollout as above; drop_first applies drop_first_token to each head's map before the mean
// (row 0 then keeps only the identity half). InputError for an empty list or mixed shapes.
MatRM attention_rollout(const std::vector<std::vector<MatRM>>& att, bool drop_first = false);

// Gradient-weighted rollout as above; grad[l][h] = dF/dA of the target F, same shapes as att.
MatRM gradient_rollout(const std::vector<std::vector<MatRM>>& att, const std::vector<std::vector<MatRM>>& grad);

}  // namespace attn
