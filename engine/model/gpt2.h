// GPT-2 (the Hugging Face architecture), forward and backward, in the llm.c shape.
// Legend: L layers, H heads, C model width, d = C / H, T tokens, V vocabulary.
//
// Forward (tokens (T) -> logits (T, V)); every line is one op call in gpt2.cpp:
//   x = wte[tokens] + wpe[0..T)                          embedding
//   per layer l:
//     ln1 = LayerNorm(x; ln1w, ln1b, eps)
//     qkv = ln1 qkvw + qkvb                              Conv1D layout: qkvw (C, 3C)
//     atty = causal multi-head attention of qkv          att, scores: (H, T, T) per layer
//     residual2 = x + (atty attprojw + attprojb)
//     ln2 = LayerNorm(residual2; ln2w, ln2b, eps)
//     fch_gelu = GELU_tanh(ln2 fcw + fcb)                fcw (C, 4C)
//     x = residual3 = residual2 + (fch_gelu fcprojw + fcprojb)
//     (with att_alpha set: atty = alpha_l * (attention of qkv), see Gpt2::att_alpha)
//   lnf = LayerNorm(x; lnfw, lnfb, eps);  logits = lnf wte^T (tied);  logp = log_softmax(logits)
// Losses (gpt2_forward's optional Gpt2Loss):
//   next-token NLL:   mean over t with a target of -logp[t, target[t]] (targets: tokens shifted
//                     by one, or given explicitly, -1 = ignored)
//   token log-prob:   logp[position, token] (its gradient is the one attributions use)
// Backward (gpt2_backward): the same op calls in reverse; gradients of the loss with respect to
// every parameter (grads), every activation (dacts) and every attention matrix (datt, dscores).
//
// Memory: parameters and their gradients are one block each (gpt2_param_sizes), activations and
// their gradients one block each (gpt2_act_sizes) sized for max_T at gpt2_setup; a forward with
// T <= max_T lays its tensors out for T inside the same block. Forward/backward allocate nothing
// except the attention kernel's staging on the first call with a new T (qkv_attention.h).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/core/big_buffer.h"
#include "engine/core/tensor.h"
#include "engine/model/gpt2_config.h"
#include "engine/ops/attention_fast.h"
#include "engine/ops/qkv_attention.h"

namespace attn {

constexpr int kGpt2NumParams = 16;

// Parameter views, in block order. Per-layer tensors are stacked over layers (L, ...).
struct Gpt2Params {
  float* wte;       // (V, C)
  float* wpe;       // (n_positions, C)
  float* ln1w;      // (L, C)
  float* ln1b;      // (L, C)
  float* qkvw;      // (L, C, 3C)   h.{l}.attn.c_attn.weight
  float* qkvb;      // (L, 3C)
  float* attprojw;  // (L, C, C)    h.{l}.attn.c_proj.weight
  float* attprojb;  // (L, C)
  float* ln2w;      // (L, C)
  float* ln2b;      // (L, C)
  float* fcw;       // (L, C, 4C)   h.{l}.mlp.c_fc.weight
  float* fcb;       // (L, 4C)
  float* fcprojw;   // (L, 4C, C)   h.{l}.mlp.c_proj.weight
  float* fcprojb;   // (L, C)
  float* lnfw;      // (C)
  float* lnfb;      // (C)
  std::array<float*, 16> list() const {
    return {wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b, fcw, fcb, fcprojw, fcprojb, lnfw, lnfb};
  }
};
std::array<std::size_t, kGpt2NumParams> gpt2_param_sizes(const Gpt2Config& c);

// Activation views (forward). Per-layer tensors are (L, T, ...) for the T of the last forward.
struct Gpt2Acts {
  float* encoded;    // (T, C)
  float* ln1;        // (L, T, C)
  float* ln1_mean;   // (L, T)
  float* ln1_rstd;   // (L, T)
  float* qkv;        // (L, T, 3C)
  float* atty;       // (L, T, C)
  float* scores;     // (L, H, T, T)  s Q K^T, every cell (cells j > i are masked); empty if !keep_scores
  float* attproj;    // (L, T, C)
  float* residual2;  // (L, T, C)
  float* ln2;        // (L, T, C)
  float* ln2_mean;   // (L, T)
  float* ln2_rstd;   // (L, T)
  float* fch;        // (L, T, 4C)
  float* fch_gelu;   // (L, T, 4C)
  float* fcproj;     // (L, T, C)
  float* residual3;  // (L, T, C)
  float* lnf;        // (T, C)
  float* lnf_mean;   // (T)
  float* lnf_rstd;   // (T)
  float* logits;     // (T, V)
  float* logp;       // (T, V)
  float* losses;     // (T)  per-position -logp of the target (0 where none)
};
constexpr int kGpt2NumActs = 22;

// Gradients of the loss with respect to the activations (same shapes as in Gpt2Acts).
struct Gpt2ActGrads {
  float* dencoded;   // (T, C)
  float* dln1;       // (L, T, C)
  float* dqkv;       // (L, T, 3C)
  float* datty;      // (L, T, C)
  float* datt;       // (L, H, T, T)  dloss/dA, every cell; empty if !keep_att_grads
  float* dscores;    // (L, H, T, T)  dloss/dscores (0 on masked cells); empty if !keep_att_grads
  float* dattproj;   // (L, T, C)
  float* dresidual2; // (L, T, C)
  float* dln2;       // (L, T, C)
  float* dfch;       // (L, T, 4C)
  float* dfch_gelu;  // (L, T, 4C)
  float* dfcproj;    // (L, T, C)
  float* dresidual3; // (L, T, C)
  float* dlnf;       // (T, C)
  float* dlogits;    // (T, V)
  float* dlosses;    // (T)  how each position's loss enters the chosen loss
};
constexpr int kGpt2NumActGrads = 16;

struct Gpt2Options {
  bool keep_scores = true;     // fill acts.scores (one extra product per head)
  bool keep_att_grads = true;  // fill dacts.datt and dacts.dscores in the backward
};

enum class Gpt2LossKind { NextTokenNll, Targets, TokenLogProb };

struct Gpt2Loss {
  Gpt2LossKind kind = Gpt2LossKind::NextTokenNll;
  const int* targets = nullptr;  // Targets: (T) ids, -1 = ignored
  int position = -1, token = -1; // TokenLogProb
  static Gpt2Loss next_token() { return {}; }
  static Gpt2Loss with_targets(const int* t) { return {Gpt2LossKind::Targets, t, -1, -1}; }
  static Gpt2Loss token_logprob(int position, int token) { return {Gpt2LossKind::TokenLogProb, nullptr, position, token}; }
};

// One allocation of floats with a 64-byte aligned base. Tensors inside start on multiples of 16
// floats, so every tensor has the same alignment whatever max_T is, and vectorized reductions
// (whose order depends on alignment) give the same bits. Large blocks get huge pages
// (engine/core/big_buffer.h): fewer page faults when a model is opened.
class FloatBlock {
 public:
  FloatBlock() = default;
  FloatBlock(const FloatBlock&) = delete;
  FloatBlock& operator=(const FloatBlock&) = delete;
  FloatBlock(FloatBlock&&) = default;  // the buffer moves with it: data_ stays valid
  FloatBlock& operator=(FloatBlock&&) = default;
  void assign(std::size_t n, float v) {
    if (n > capacity_) {  // a block big enough is kept: no new memory to fault in on a re-setup
      store_.reset();     // the old block goes before the new one is made (no peak of both)
      store_ = big_buffer(n * sizeof(float));
      capacity_ = n;
    }
    data_ = static_cast<float*>(store_.get());
    std::fill(data_, data_ + n, v);
    n_ = n;
  }
  float* data() { return data_; }
  const float* data() const { return data_; }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  float* begin() { return data_; }
  float* end() { return data_ + n_; }
  const float* begin() const { return data_; }
  const float* end() const { return data_ + n_; }
  std::vector<float> vec() const { return std::vector<float>(begin(), end()); }

 private:
  BigBuffer store_;
  float* data_ = nullptr;
  std::size_t n_ = 0, capacity_ = 0;
};

struct Gpt2 {
  Gpt2Config config;
  Gpt2Options options;
  FloatBlock param_block, grad_block, act_block, dact_block;
  Gpt2Params params{}, grads{};
  Gpt2Acts acts{};
  Gpt2ActGrads dacts{};
  std::vector<MhaWorkspace> att_ws;  // one per layer: the attention weights, kept for backward
  QkvAttentionScratch att_scratch;
  std::vector<int> tokens, targets;  // (max_T) of the last forward
  // Per-layer attention scale for integrated gradients (empty = every layer 1): layer l uses
  // A' = att_alpha[l] A, so its attention output is alpha A V. gpt2_attention still returns the
  // unscaled A; dacts.datt is dF/dA' (also for alpha = 0) and every other gradient is exact.
  std::vector<float> att_alpha;
  int max_T = 0, T = 0;
  bool has_loss = false;
  float loss = NAN;

  Gpt2() = default;
  Gpt2(const Gpt2&) = delete;  // views point into the blocks
  Gpt2& operator=(const Gpt2&) = delete;
  Gpt2(Gpt2&&) = default;
  Gpt2& operator=(Gpt2&&) = default;
  std::size_t num_params() const { return param_block.size(); }
};

// Allocates the parameter block (zeros) for a validated config.
void gpt2_init(Gpt2& m, const Gpt2Config& c);
// GPT-2's initialisation: N(0, 0.02) weights, c_proj weights N(0, 0.02 / sqrt(2 L)), LayerNorm
// weights 1, biases 0. Deterministic for a seed.
void gpt2_init_random(Gpt2& m, uint64_t seed);
// Allocates activations, their gradients and the parameter gradients for up to max_T tokens
// (1 <= max_T <= n_positions), and sizes the attention kernel's workspaces.
void gpt2_setup(Gpt2& m, int max_T, const Gpt2Options& opt = {});

// Runs the model on tokens (T); with a loss, also the loss (returned; NaN without one).
// Throws InputError for T outside [1, max_T], an id outside [0, V), a bad loss position/token.
float gpt2_forward(Gpt2& m, const int* tokens, int T, const Gpt2Loss* loss = nullptr);
// Gradients of the last forward's loss: zeroes dacts and fills them; zeroes the parameter grads
// first unless `accumulate` (a batch of sequences: forward/backward each, accumulating).
void gpt2_backward(Gpt2& m, bool accumulate = false);

// Views of the last forward (T = m.T). Layer l, head h.
Eigen::Map<const MatRM> gpt2_attention(const Gpt2& m, int l, int h);   // (T, T) A, 0 for j > i
Eigen::Map<const MatRM> gpt2_scores(const Gpt2& m, int l, int h);      // (T, T) needs keep_scores
Eigen::Map<const MatRM> gpt2_datt(const Gpt2& m, int l, int h);        // (T, T) needs keep_att_grads
Eigen::Map<const MatRM> gpt2_dscores(const Gpt2& m, int l, int h);     // (T, T) needs keep_att_grads
Eigen::Map<const MatRM> gpt2_logits(const Gpt2& m);                    // (T, V)
Eigen::Map<const MatRM> gpt2_logp(const Gpt2& m);                      // (T, V)

}  // namespace attn
