// Vectorized row softmax, forward and backward, for the fast attention kernels (attention_fast.h).
// Legend: a row holds M cells; the first `jend` are the allowed keys (a causal mask is a prefix
// of each row), the rest are masked.
//
// Forward, in place:  z[j] <- exp(z[j] - max_{k<jend} z[k]) / sum_{k<jend} exp(z[k] - max)  for j < jend,
//                     z[j] <- 0 for jend <= j < M;  jend = 0 gives a row of zeros (never NaN).
// Backward, in place: g[j] <- a[j] * (g[j] - sum_{k<jend} g[k] a[k]) * c   for j < jend  (c = scale/tau),
//                     g[j] <- 0 for jend <= j < jclear.
// Sums run over 8 lanes then across them in a fixed order: the same numbers on every thread.
#pragma once

namespace attn {

void softmax_row_forward(float* z, int jend, int M);
void softmax_row_backward(float* g, const float* a, int jend, int jclear, float c);

}  // namespace attn
