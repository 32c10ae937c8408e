// Cost model: FLOPs and bytes moved by the forward and backward pass of a configuration.
// Legend: N queries, M keys, H heads, D model width, dk, dv.
// A multiply-add counts 2 FLOPs; exp, max and divide count 1 each (they are not FMA-bound, and
// benchmarks use the matmul-only count 4*H*N*M*dk forward, twice that backward).
// Every score function and the positional encodings that add work (RoPE, Shaw) have their own
// terms; ALiBi and T5 only add the bias B, already counted in "L = s S + B".
// Bytes assume every operand of every op is read once and every result written once (float32):
// a lower bound for the unfused engine, the traffic a fused kernel avoids.
#pragma once
#include <string>
#include <vector>

#include "engine/sandbox/case.h"

namespace attn {

struct CostTerm {
  std::string name;     // e.g. "S = Q K^T"
  bool backward;        // false: forward
  double flops, bytes;
};

struct CostReport {
  std::vector<CostTerm> terms;
  double forward_flops = 0, forward_bytes = 0, backward_flops = 0, backward_bytes = 0;
  double activation_bytes = 0;  // what the backward pass keeps from the forward (S, L, A, Q, K, V, O)
};

CostReport attention_cost(const AttentionConfig& c);

// The matmul-only count used by the benchmarks (4 H N M dk forward, 8 H N M dk backward with dv = dk).
double attention_matmul_flops(int H, int N, int M, int dk, int dv, bool backward);

}  // namespace attn
