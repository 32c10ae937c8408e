// Relative position biases added to the logits: ALiBi (Press et al.) and T5's bucketed bias
// (Raffel et al.). Legend: N queries, M keys, H heads. Query i sits at absolute position
// i' = i + M - N (as in the masks); key j at position j. Both biases depend on j - i' only.
//
// ALiBi, head h = 0 .. H-1 (the paper's h = 1 .. H):
//   slope m_h = 2^(-8 (h+1) / H) when H is a power of two; otherwise, with P the largest power of
//   two below H: the P slopes for P heads, then the slopes for 2P heads at even indices
//   (2^(-8*1/2P), 2^(-8*3/2P), ...), the first H - P of them (the reference implementation's rule).
//   causal form:        B(i, j) = -m_h * (i' - j)  for j <= i', 0 for j > i' (pair it with a causal mask)
//   bidirectional form: B(i, j) = -m_h * |i' - j|
//   No parameters, so no backward.
//
// T5, one learned scalar per head per bucket, table (H, num_buckets):
//   rel = j - i'; bidirectional: nb = num_buckets / 2, offset nb when rel > 0, n = |rel|;
//   causal: nb = num_buckets, n = max(-rel, 0) (future keys share bucket 0).
//   max_exact = nb / 2; bucket = offset + n when n < max_exact, else
//   offset + min(nb - 1, max_exact + floor(log(n / max_exact) / log(max_distance / max_exact) * (nb - max_exact)))
//   computed in double. B(i, j) = table(h, bucket(i, j)).
//   Backward: dtable(h, b) += sum of dB(i, j) over the cells in bucket b.
#pragma once
#include <vector>

#include "engine/core/tensor.h"

namespace attn {

// The H slopes (double; m_h of head h at index h).
std::vector<double> alibi_slopes(int H);

// B: (N, M) out, the bias of one head with slope `slope`.
void alibi_bias_forward(MatRM& B, int N, int M, double slope, bool bidirectional);
void alibi_bias_ref(MatRMd& B, int N, int M, double slope, bool bidirectional);

struct T5Params {
  int num_buckets = 32;
  int max_distance = 128;
  bool bidirectional = true;
};

// The bucket of relative position rel = j - i'.
int t5_bucket(int rel, const T5Params& p);

// buckets: (N, M) out, integer bucket of every cell (for display).
void t5_buckets(std::vector<int>& buckets, int N, int M, const T5Params& p);

// B: (N, M) out from one head's row of the table; table: (H, num_buckets).
void t5_bias_forward(MatRM& B, const MatRM& table, int h, int N, int M, const T5Params& p);
// dtable: (H, num_buckets), row h accumulated (+=) from dB: (N, M).
void t5_bias_backward(MatRM& dtable, const MatRM& dB, int h, const T5Params& p);

// Reference twins: the bucket formula evaluated per cell, sums in double.
void t5_bias_forward_ref(MatRM& B, const MatRM& table, int h, int N, int M, const T5Params& p);
void t5_bias_backward_ref(MatRM& dtable, const MatRM& dB, int h, const T5Params& p);

}  // namespace attn
