// Multi-head attention of a case, forward and backward, built from the per-head ops.
// Legend: N queries, M keys, H heads, D model width, dk, dv.
//
// Forward, per head h (heads run in parallel, each head on one thread):
//   Q_h = X Wq_h + bq_h, K_h = Y Wk_h + bk_h, V_h = Y Wv_h + bv_h   (projection mode only)
//   (S_h, L_h, A_h), O_h = attention(Q_h, K_h, V_h; scale, tau, mask, bias_h)
// O = [O_0 ... O_{H-1}] (N, H*dv);  Z = O Wo + bo (N, D)  (projection mode only)
// Backward: dZ -> dWo = O^T dZ, dbo = colsum(dZ), dO = dZ Wo^T; per head attention_backward;
//   dWq_h = X^T dQ_h, dbq_h = colsum(dQ_h), dX += dQ_h Wq_h^T (likewise K, V with Y; for
//   self-attention dY is folded into dX). Per-head contributions are summed in head order, so
//   the result does not depend on the thread count.
#pragma once
#include <string>
#include <vector>

#include "engine/ops/attention.h"
#include "engine/sandbox/case.h"

namespace attn {

struct HeadResult {
  MatRM Q, K, V;          // the head's inputs to attention (given or projected)
  AttentionCache cache;   // S (raw Q K^T), L (logits), A (weights)
  AttentionGrads grad;    // dQ, dK, dV, dA, dL, dscale, dtau
  MatRM dWq, dWk, dWv;    // projection mode
  RowVec dbq, dbk, dbv;   // projection mode, when the case has biases
};

struct AttentionResult {
  MaskM allowed;          // (N, M)
  float scale = 1.f;
  std::vector<HeadResult> heads;
  MatRM O;                // (N, H*dv)
  MatRM Z;                // (N, D), projection mode
  bool has_loss = false;
  double loss = 0.0;
  bool has_grads = false;
  MatRM dZ, dO, dX, dY, dWo;  // dY only for cross-attention in projection mode
  RowVec dbo;
  float dtau = 0.f, dscale = 0.f;
};

// Validates the case (InputError on bad input), then runs forward and, when the case has a loss
// and `backward` is true, the loss and the backward pass.
AttentionResult run_attention(const AttentionCase& c, bool backward = true);

// The pieces, for callers that already validated (the GUI re-runs them every edit).
void multihead_forward(AttentionResult& r, const AttentionCase& c);
void multihead_backward(AttentionResult& r, const AttentionCase& c);

}  // namespace attn
