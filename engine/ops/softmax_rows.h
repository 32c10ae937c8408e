// Vectorized row softmax pieces for the fast attention kernels (attention_fast.h), working on one
// chunk of keys of one row at a time (an online softmax: the row's running max m and sum l).
// Legend: a chunk holds n cells; the first jv are the row's visible keys there (a causal mask is
// a prefix of each row), the rest are masked.
//
// Forward:   z[j] <- exp(z[j] - m')  for j < jv,  z[j] <- 0  for jv <= j < n,
//            m' = max(m, max_{j<jv} z[j]),  l <- l * exp(m - m') + sum_{j<jv} z[j];  m <- m'.
//            Returns exp(m - m'), the factor for whatever was summed with the old max (1 when the
//            max did not move or nothing was summed yet). Chunk c's values are later turned into
//            weights by exp(m_c - m_final) / l_final.
// Backward:  g[j] <- a[j] * (g[j] - d) * c  for j < jv,  g[j] <- 0  for jv <= j < n,
//            with d = rowsum(dA .* A) = dO_i . O_i (known before any chunk) and c = scale / tau.
// Scale:     dst[j] = src[j] * f for j < n (streamed past the caches when `stream`); zero_row
//            likewise writes n zeros.
// Sums run over 8 lanes, then across them in a fixed order: the same numbers on every thread.
#pragma once

namespace attn {

float softmax_chunk_forward(float* z, int jv, int n, float& m, float& l);
void softmax_chunk_backward(float* g, const float* a, int jv, int n, float d, float c);
void scale_row(float* dst, const float* src, int n, float f, bool stream);
void zero_row(float* dst, int n, bool stream);
float dot_row(const float* x, const float* y, int n);

}  // namespace attn
