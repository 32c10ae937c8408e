// Training pieces: AdamW, the warm-up + cosine learning-rate schedule, gradient-norm clipping.
// Legend: n parameters (one flat block), t the step (from 1).
//
// AdamW (Loshchilov & Hutter; PyTorch's torch.optim.AdamW):
//   m = b1 m + (1 - b1) g;   v = b2 v + (1 - b2) g^2
//   p -= lr * ( (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) + wd * p )   (wd only where decay)
// Schedule: lr(step) = lr_max * (step + 1) / warmup for step < warmup, then cosine from lr_max to
//   lr_min over the remaining steps: lr_min + 0.5 (lr_max - lr_min) (1 + cos(pi * progress)).
// Clipping: when ||g||_2 > max_norm, g *= max_norm / ||g||_2 (the norm summed in double, in order).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/model/gpt2.h"

namespace attn {

struct AdamWParams {
  float lr = 3e-3f, beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f, weight_decay = 0.1f;
};

// params, grads, m, v: (n); decay: (n) 1 = apply weight decay, or nullptr for everywhere.
void adamw_update(float* params, const float* grads, float* m, float* v, const uint8_t* decay, std::size_t n,
                  const AdamWParams& hp, int t);
// Reference twin: the same update in double.
void adamw_update_ref(float* params, const float* grads, float* m, float* v, const uint8_t* decay, std::size_t n,
                      const AdamWParams& hp, int t);

struct LrSchedule {
  float lr_max = 3e-3f, lr_min = 3e-4f;
  int warmup = 200, total = 1000;
};
float learning_rate(const LrSchedule& s, int step);  // step from 0

// Scales grads in place so that their L2 norm is at most max_norm; returns the norm before.
double clip_grad_norm(float* grads, std::size_t n, double max_norm);

// GPT-2's decay mask over the parameter block: 1 on the weight matrices (wte, wpe, c_attn, c_proj,
// c_fc, mlp.c_proj), 0 on biases and LayerNorm parameters (the padding between tensors too).
std::vector<uint8_t> gpt2_decay_mask(const Gpt2& m);

}  // namespace attn
