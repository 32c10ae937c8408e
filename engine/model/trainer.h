// Training a GPT-2 on a token stream: AdamW with warm-up + cosine schedule and gradient-norm
// clipping (optimizer.h), batches of random windows, resumable exactly.
// Legend: T block (tokens per window), B batch (windows per step), n parameters.
//
// Step s draws its B windows (T + 1 tokens each: inputs and next-token targets) with an RNG seeded
// from (seed, s) only, so a run resumed at step s continues exactly as if it had never stopped:
// the same build on the same machine gives the same weights for the same seed. Each window's
// gradient is accumulated, then divided by B (the batch loss is the mean over windows), clipped,
// and AdamW updates the parameters (weight decay on the weight matrices only).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/gpt2.h"
#include "engine/model/optimizer.h"

namespace attn {

struct TrainOptions {
  int steps = 1000, batch = 32, block = 64, warmup = 200;
  float lr = 3e-3f, lr_min = 3e-4f, clip = 1.f, weight_decay = 0.1f, beta1 = 0.9f, beta2 = 0.95f;
  uint64_t seed = 1;
};

struct TrainState {
  int step = 0;             // optimizer steps done
  std::vector<float> m, v;  // AdamW moments, one per float of the parameter block
};

struct StepReport {
  int step = 0;  // the step just done (from 1)
  float loss = 0.f, lr = 0.f;
  double grad_norm = 0.0;  // before clipping
};

// Checks the options and the stream (more than block + 1 tokens, ids < V); sizes state and m.
void train_prepare(Gpt2& m, TrainState& s, const std::vector<int>& tokens, const TrainOptions& o);
StepReport train_step(Gpt2& m, TrainState& s, const std::vector<int>& tokens, const TrainOptions& o,
                      const std::vector<uint8_t>& decay);
// Mean next-token loss over n windows drawn with `seed` (held-out evaluation).
float eval_loss(Gpt2& m, const std::vector<int>& tokens, int block, int n_windows, uint64_t seed);

// The optimizer state as safetensors (adam.m, adam.v; metadata: step).
void save_train_state(const std::string& path, const TrainState& s);
TrainState load_train_state(const std::string& path, std::size_t n_params);

}  // namespace attn
