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
  // The score function (engine/ops/scores.h); da = the additive score's hidden width.
  const double da = c.score.dim > 0 ? c.score.dim : dk;
  switch (c.score.kind) {
    case ScoreKind::ScaledDot:
    case ScoreKind::Dot:
      add("S = Q K^T", false, H * 2 * N * M * dk, f * H * (N * dk + M * dk + N * M));
      break;
    case ScoreKind::General:
      add("QW = Q W", false, H * 2 * N * dk * dk, f * H * (N * dk + dk * dk + N * dk));
      add("S = (QW) K^T", false, H * 2 * N * M * dk, f * H * (N * dk + M * dk + N * M));
      break;
    case ScoreKind::Additive:
      add("Hq = Q Wq, Hk = K Wk", false, H * 2 * (N + M) * dk * da, f * H * ((N + M) * (dk + da) + 2 * dk * da));
      // tanh counted as one FLOP: add, tanh, multiply by v, accumulate per (i, j, a).
      add("S = v . tanh(Hq_i + Hk_j)", false, H * 4 * N * M * da, f * H * ((N + M) * da + N * M));
      break;
    case ScoreKind::Cosine:
      add("normalise Q, K rows", false, H * 3 * (N + M) * dk, f * H * 2 * (N + M) * dk);
      add("S = Qn Kn^T", false, H * 2 * N * M * dk, f * H * (N * dk + M * dk + N * M));
      break;
  }
  if (c.positional.kind == PosKind::Rope) add("rotate Q, K (RoPE)", false, H * 3 * (N + M) * dk, f * H * 2 * (N + M) * dk);
  if (c.positional.kind == PosKind::Shaw)
    add("Shaw: + q . aK, + sum A aV", false, H * 2 * N * M * (dk + dv), f * H * 2 * N * M);
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
  switch (c.score.kind) {
    case ScoreKind::Additive:
      // G = dS v (1 - tanh^2) per (i, j, a), reduced twice; then the two projections.
      add("dHq, dHk, dv (additive)", true, H * 6 * N * M * da, f * H * (N * M + (N + M) * da));
      add("dQ, dK, dWq, dWk (additive)", true, H * 4 * (N + M) * dk * da, f * H * 2 * ((N + M) * (dk + da) + dk * da));
      break;
    default:
      add("dQ = s dL K", true, H * 2 * N * M * dk, f * H * (N * M + M * dk + N * dk));
      add("dK = s dL^T Q", true, H * 2 * N * M * dk, f * H * (N * M + N * dk + M * dk));
      if (c.score.kind == ScoreKind::General)
        add("dW, dQ through W (general)", true, H * 4 * N * dk * dk, f * H * 2 * (N * dk + dk * dk));
      if (c.score.kind == ScoreKind::Cosine) add("through the norms (cosine)", true, H * 4 * (N + M) * dk, f * H * 2 * (N + M) * dk);
      break;
  }
  if (c.positional.kind == PosKind::Rope) add("rotate dQ, dK back (RoPE)", true, H * 3 * (N + M) * dk, f * H * 2 * (N + M) * dk);
  if (c.positional.kind == PosKind::Shaw)
    add("Shaw: daK, daV", true, H * 2 * N * M * (dk + dv), f * H * 2 * N * M);
  if (proj) {
    add("dWq, dX from Q", true, H * 2 * 2 * N * D * dk, f * H * 2 * (N * D + D * dk + N * dk));
    add("dWk, dWv, dY from K, V", true, H * 2 * 2 * M * D * (dk + dv), f * H * 2 * (2 * M * D + D * (dk + dv) + M * (dk + dv)));
  }
  r.activation_bytes = f * H * (3 * N * M + N * dk + M * dk + M * dv + N * dv);
  return r;
}

}  // namespace attn
