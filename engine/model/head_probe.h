// Probes that say what a head does, from its attention weights A (T x T, causal).
// Legend: T tokens, i query, j key.
//   previous-token score: mean over i >= 1 of A[i, i-1]
//   induction score: for a sequence whose positions [p, p + k) repeat at [p + k, p + 2k), the
//     mean over the second copy's queries i of A[i, i - k + 1]: attention to the token that
//     followed the previous occurrence of the current token (what an induction head copies).
#pragma once
#include "engine/core/tensor.h"

namespace attn {

double previous_token_score(const Eigen::Ref<const MatRM>& A);
double induction_score(const Eigen::Ref<const MatRM>& A, int p, int k);

}  // namespace attn
