// Legend: T block, B batch, n parameters. The recipe is in trainer.h.
#include "engine/model/trainer.h"

#include <algorithm>

#include "engine/core/error.h"
#include "engine/io/safetensors.h"
#include "engine/sandbox/init.h"

namespace attn {

namespace {

// The RNG of one step: a function of (seed, step) only.
Rng step_rng(uint64_t seed, uint64_t step) { return Rng(seed * 0x9E3779B97F4A7C15ull ^ (step + 1) * 0xD1B54A32D192ED03ull); }

// Forward (+ backward) of one window starting at `start`; returns its loss.
float window(Gpt2& m, const std::vector<int>& tokens, std::size_t start, int T, bool backward, bool accumulate) {
  const Gpt2Loss loss = Gpt2Loss::with_targets(tokens.data() + start + 1);
  const float l = gpt2_forward(m, tokens.data() + start, T, &loss);
  if (backward) gpt2_backward(m, accumulate);
  return l;
}

}  // namespace

void train_prepare(Gpt2& m, TrainState& s, const std::vector<int>& tokens, const TrainOptions& o) {
  require(o.steps >= 1, "steps", "must be at least 1");
  require(o.batch >= 1 && o.batch <= 4096, "batch", "must be between 1 and 4096");
  require(o.block >= 2 && o.block <= m.config.n_positions, "block",
          "must be between 2 and n_positions (" + std::to_string(m.config.n_positions) + ")");
  require(o.warmup >= 0, "warmup", "must be >= 0");
  require(o.lr > 0 && o.lr_min >= 0 && o.lr_min <= o.lr, "lr", "needs 0 <= lr_min <= lr and lr > 0");
  require(o.clip > 0, "clip", "must be > 0");
  require(tokens.size() > std::size_t(o.block) + 1, "corpus",
          "has " + std::to_string(tokens.size()) + " tokens; training needs more than block + 1 = " +
              std::to_string(o.block + 1));
  for (int t : tokens)
    if (t < 0 || t >= m.config.vocab_size)  // no message built per token
      throw InputError("corpus", "token id " + std::to_string(t) + " is past vocab_size");
  if (m.max_T != o.block) gpt2_setup(m, o.block, Gpt2Options{false, false});
  if (s.m.size() != m.param_block.size()) {
    s.m.assign(m.param_block.size(), 0.f);
    s.v.assign(m.param_block.size(), 0.f);
  }
}

StepReport train_step(Gpt2& m, TrainState& s, const std::vector<int>& tokens, const TrainOptions& o,
                      const std::vector<uint8_t>& decay) {
  Rng rng = step_rng(o.seed, uint64_t(s.step));
  const std::size_t span = tokens.size() - std::size_t(o.block) - 1;
  double total = 0.0;
  for (int b = 0; b < o.batch; ++b)
    total += window(m, tokens, std::size_t(rng.next_u64() % (span + 1)), o.block, true, b > 0);
  const float inv = 1.f / float(o.batch);
  for (float& g : m.grad_block) g *= inv;
  StepReport r;
  r.grad_norm = clip_grad_norm(m.grad_block.data(), m.grad_block.size(), o.clip);
  const LrSchedule sched{o.lr, o.lr_min, o.warmup, o.steps};
  AdamWParams hp;
  hp.lr = learning_rate(sched, s.step);
  hp.beta1 = o.beta1;
  hp.beta2 = o.beta2;
  hp.weight_decay = o.weight_decay;
  ++s.step;
  adamw_update(m.param_block.data(), m.grad_block.data(), s.m.data(), s.v.data(), decay.data(), m.param_block.size(),
               hp, s.step);
  r.step = s.step;
  r.loss = float(total / o.batch);
  r.lr = hp.lr;
  return r;
}

float eval_loss(Gpt2& m, const std::vector<int>& tokens, int block, int n_windows, uint64_t seed) {
  require(tokens.size() > std::size_t(block) + 1, "corpus", "the evaluation text is shorter than one window");
  if (m.max_T < block) gpt2_setup(m, block, Gpt2Options{false, false});
  Rng rng(seed);
  const std::size_t span = tokens.size() - std::size_t(block) - 1;
  double total = 0.0;
  for (int w = 0; w < n_windows; ++w) total += window(m, tokens, std::size_t(rng.next_u64() % (span + 1)), block, false, false);
  return float(total / n_windows);
}

void save_train_state(const std::string& path, const TrainState& s) {
  const int64_t n = int64_t(s.m.size());
  safetensors_write(path, {{"adam.m", {n}, s.m.data()}, {"adam.v", {n}, s.v.data()}}, {{"step", std::to_string(s.step)}});
}

TrainState load_train_state(const std::string& path, std::size_t n_params) {
  const Safetensors st = Safetensors::read(path);
  const SafetensorsEntry* m = st.find("adam.m");
  const SafetensorsEntry* v = st.find("adam.v");
  require(m && v && st.metadata().count("step"), path, "not a training state (needs adam.m, adam.v and a step)");
  require(m->numel() == n_params && v->numel() == n_params, path,
          "the optimizer state has " + std::to_string(m->numel()) + " values; the model has " +
              std::to_string(n_params) + " (a different model?)");
  TrainState s;
  try {
    s.step = std::stoi(st.metadata().at("step"));
  } catch (...) {
    throw InputError(path, "the step is not a number");
  }
  require(s.step >= 0, path, "the step is negative");
  s.m = st.to_float(*m);
  s.v = st.to_float(*v);
  return s;
}

}  // namespace attn
