#include "engine/analysis/cost.h"

namespace attn {

double attention_matmul_flops(int H, int N, int M, int dk, int dv, bool backward) {
  const double nm = double(N) * M * H;
  const double fwd = 2.0 * nm * dk + 2.0 * nm * dv;
  return backward ? 2.0 * fwd : fwd;
}

CostReport attention_cost(const AttentionConfig& c) {
  CostReport r;
  const double N = c.N, M = c.M, H = c.H, D = c.D, dk = c.dk, dv = c.dv, f = 4.0;
  auto add = [&](const std::string& name, bool bwd, double flops, double bytes) {
    r.terms.push_back({name, bwd, flops, bytes});
    (bwd ? r.backward_flops : r.forward_flops) += flops;
    (bwd ? r.backward_bytes : r.forward_bytes) += bytes;
  };
  const bool proj = c.mode == AttnMode::Projection;
  if (proj) {
    add("Q = X Wq + bq", false, H * 2 * N * D * dk, f * H * (N * D + D * dk + N * dk));
    add("K = Y Wk + bk", false, H * 2 * M * D * dk, f * H * (M * D + D * dk + M * dk));
    add("V = Y Wv + bv", false, H * 2 * M * D * dv, f * H * (M * D + D * dv + M * dv));
  }
  add("S = Q K^T", false, H * 2 * N * M * dk, f * H * (N * dk + M * dk + N * M));
  add("L = s S + B", false, H * 2 * N * M, f * H * 3 * N * M);
  add("A = softmax(L / tau)", false, H * 4 * N * M, f * H * 2 * N * M);
  add("O = A V", false, H * 2 * N * M * dv, f * H * (N * M + M * dv + N * dv));
  if (proj) add("Z = O Wo + bo", false, 2 * N * H * dv * D, f * (N * H * dv + H * dv * D + N * D));

  if (proj) {
    add("dWo = O^T dZ, dO = dZ Wo^T", true, 2 * 2 * N * H * dv * D, f * 2 * (N * H * dv + H * dv * D + N * D));
  }
  add("dV = A^T dO", true, H * 2 * N * M * dv, f * H * (N * M + N * dv + M * dv));
  add("dA = dO V^T", true, H * 2 * N * M * dv, f * H * (N * dv + M * dv + N * M));
  add("dL = softmax backward", true, H * 4 * N * M, f * H * 3 * N * M);
  add("dQ = s dL K", true, H * 2 * N * M * dk, f * H * (N * M + M * dk + N * dk));
  add("dK = s dL^T Q", true, H * 2 * N * M * dk, f * H * (N * M + N * dk + M * dk));
  if (proj) {
    add("dWq, dX from Q", true, H * 2 * 2 * N * D * dk, f * H * 2 * (N * D + D * dk + N * dk));
    add("dWk, dWv, dY from K, V", true, H * 2 * 2 * M * D * (dk + dv), f * H * 2 * (2 * M * D + D * (dk + dv) + M * (dk + dv)));
  }
  r.activation_bytes = f * H * (3 * N * M + N * dk + M * dk + M * dv + N * dv);
  return r;
}

}  // namespace attn
