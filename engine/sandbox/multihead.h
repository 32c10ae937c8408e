// Multi-head attention of a case, forward and backward, built from the per-head ops.
// Legend: N queries, M keys, H heads, D model width, dk, dv, d_p encoding width.
//
// Forward:
//   absolute encoding (projection mode): X' = X + P or [X P] (likewise Y' for cross-attention)
//   per head h (heads run in parallel, each head on one thread):
//   Q_h = X' Wq_h + bq_h, K_h = Y' Wk_h + bk_h, V_h = Y' Wv_h + bv_h   (projection mode only)
//   rope: Q_h, K_h rotated by position (rope_Q, rope_K); V never
//   S_h = score(Q_h, K_h) (+ Shaw's q_i . aK[r(i,j)]);  B_h = inputs.bias_h + ALiBi / T5 bias
//   (L_h, A_h), O_h = attend(S_h, V_h; scale, tau, mask, B_h)  (+ Shaw's sum_j A_ij aV[r(i,j)])
//   absolute encoding + a bilinear score: the four terms cc, cp, pc, pp of the logits
// O = [O_0 ... O_{H-1}] (N, H*dv);  Z = O Wo + bo (N, D)  (projection mode only)
// Backward: dZ -> dWo = O^T dZ, dbo = colsum(dZ), dO = dZ Wo^T; per head the same ops in reverse
//   (Shaw values, attend, score, Shaw keys, rope, T5 table row h); dWq_h = X'^T dQ_h,
//   dbq_h = colsum(dQ_h), dX' += dQ_h Wq_h^T (likewise K, V with Y'; for self-attention dY' is
//   folded into dX'); dX = dX' (add) or its first D columns (concat), the rest is dP, which a
//   learned table collects row by row. Per-head contributions are summed in head order, so the
//   result does not depend on the thread count.
#pragma once
#include <atomic>
#include <exception>
#include <string>
#include <vector>

#include "engine/ops/attention.h"
#include "engine/ops/pe_terms.h"
#include "engine/ops/scores.h"
#include "engine/sandbox/case.h"

namespace attn {

struct HeadResult {
  MatRM Q, K, V;          // the head's inputs to attention (given or projected), before any rotation
  MatRM Qr, Kr;           // rope: Q and K rotated by position (what the score sees); empty otherwise
  AttentionCache cache;   // S (raw score: Q K^T or the score function, + Shaw's term), L (logits), A
  MatRM B;                // the logit bias: inputs.bias + ALiBi / T5 (N, M); empty when none
  MatRM shaw_E;           // shaw: q_i . aK[r(i, j)] (N, M), included in cache.S
  ScoreCache score_cache; // score-function buffers backward reuses
  bool has_terms = false; // absolute encoding with a bilinear score (scaled_dot, dot, general)
  PeTerms terms;          // cc + cp + pc + pp = s/tau * (Q W K^T), without the bias
  AttentionGrads grad;    // dQ, dK (w.r.t. Q, K above), dV, dA, dL, dscale, dtau
  ScoreGrads score_grad;  // dW (general), dWq, dWk, dv (additive); its dQ, dK are w.r.t. Qr, Kr
  MatRM dshaw_aK, dshaw_aV;  // shaw
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
  // Positional encoding.
  MatRM P, PY;            // absolute: the rows of the encoding for X (N, d_p) and for Y (M, d_p, cross)
  MatRM Xin, Yin;         // absolute: X + P or [X P] (and Y's); what the projections see
  std::vector<double> alibi_slopes;  // alibi: one per head
  MatRM dpe_table;        // learned: (L, d_p)
  MatRM dt5_table;        // t5: (H, num_buckets)
};

// Cancellation and progress for long runs (the GUI's background worker). Checked before each
// head; `steps_done` grows by one per head of the forward and per head of the backward pass, so
// a run takes H (forward only) or 2 H steps.
struct RunControl {
  const std::atomic<bool>* cancel = nullptr;
  std::atomic<int>* steps_done = nullptr;
};
// Thrown when RunControl::cancel was set; the partial result must be discarded.
struct RunCancelled : std::exception {
  const char* what() const noexcept override { return "cancelled"; }
};

// Validates the case (InputError on bad input), then runs forward and, when the case has a loss
// and `backward` is true, the loss and the backward pass.
AttentionResult run_attention(const AttentionCase& c, bool backward = true, const RunControl* ctl = nullptr);

// The pieces, for callers that already validated (the GUI re-runs them every edit).
void multihead_forward(AttentionResult& r, const AttentionCase& c, const RunControl* ctl = nullptr);
void multihead_backward(AttentionResult& r, const AttentionCase& c, const RunControl* ctl = nullptr);

}  // namespace attn
