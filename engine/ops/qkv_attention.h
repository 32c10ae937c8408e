// Causal multi-head self-attention over GPT-2's packed qkv buffer, forward and backward, on the
// fast kernel (attention_fast.h), plus reference twins (plain loops in double).
// Legend: T tokens, C model width, H heads, d = C / H per-head width; i query, j key.
//
// qkv (T, 3C) holds [Q | K | V]; head h of Q is columns h*d .. h*d+d-1 (likewise K at C + h*d,
// V at 2C + h*d). Per head, with s = 1/sqrt(d) and the causal mask j <= i:
//   scores_h = s Q_h K_h^T                 (T, T)  every cell; cells j > i are masked
//   att_h    = softmax(scores_h) over j <= i,  0 for j > i
//   atty_h   = att_h V_h                   (T, d)  heads side by side in atty (T, C)
// Backward, given datty (T, C); reuses att from the forward (kept in the MhaWorkspace):
//   datt_h    = datty_h V_h^T               (T, T)  every cell (what a change of A would do)
//   dscores_h = att_h .* (datt_h - rowsum(datt_h .* att_h))   (0 on masked cells)
//   dQ_h = s dscores_h K_h;  dK_h = s dscores_h^T Q_h;  dV_h = att_h^T datty_h   -> dqkv (+=)
// The kernel computes att, atty and dQ/dK/dV; scores, datt and dscores (for display and
// attributions) are extra products, computed only when their buffers are given.
//
// Memory: the kernel takes whole matrices, so Q, K, V, O and their gradients are staged in
// QkvAttentionScratch (T, C each). reserve(T, C) shapes them; the same T never allocates again,
// a new T reshapes them once. att lives in the workspace (one per layer: backward needs it).
#pragma once
#include "engine/core/tensor.h"
#include "engine/ops/attention_fast.h"

namespace attn {

struct QkvAttentionScratch {
  MatRM Q, K, V, O, dO, dQ, dK, dV;
  void reserve(int T, int C);
};

// atty: (T, C) out; scores: (H, T, T) out or nullptr; att: kept in ws as (H, T, T).
void qkv_attention_forward(float* atty, float* scores, MhaWorkspace& ws, QkvAttentionScratch& s, const float* qkv,
                           int T, int C, int H);
// dqkv: (T, 3C) +=; datt, dscores: (H, T, T) out or nullptr; datty: (T, C).
void qkv_attention_backward(float* dqkv, float* datt, float* dscores, MhaWorkspace& ws, QkvAttentionScratch& s,
                            const float* datty, const float* qkv, int T, int C, int H);

// Reference twins; att: (H, T, T) out (forward) / in (backward).
void qkv_attention_forward_ref(float* atty, float* scores, float* att, const float* qkv, int T, int C, int H);
void qkv_attention_backward_ref(float* dqkv, float* datt, float* dscores, const float* datty, const float* qkv,
                                const float* att, int T, int C, int H);

}  // namespace attn
