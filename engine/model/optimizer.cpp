// Legend: n parameters, t the step (from 1). Formulas in optimizer.h.
#include "engine/model/optimizer.h"

#include <cmath>

#include "engine/core/error.h"

namespace attn {

void adamw_update(float* params, const float* grads, float* m, float* v, const uint8_t* decay, std::size_t n,
                  const AdamWParams& hp, int t) {
  const float c1 = 1.f / (1.f - std::pow(hp.beta1, float(t))), c2 = 1.f / (1.f - std::pow(hp.beta2, float(t)));
  for (std::size_t i = 0; i < n; ++i) {
    const float g = grads[i];
    m[i] = hp.beta1 * m[i] + (1.f - hp.beta1) * g;
    v[i] = hp.beta2 * v[i] + (1.f - hp.beta2) * g * g;
    const float wd = (!decay || decay[i]) ? hp.weight_decay : 0.f;
    params[i] -= hp.lr * ((m[i] * c1) / (std::sqrt(v[i] * c2) + hp.eps) + wd * params[i]);
  }
}

void adamw_update_ref(float* params, const float* grads, float* m, float* v, const uint8_t* decay, std::size_t n,
                      const AdamWParams& hp, int t) {
  for (std::size_t i = 0; i < n; ++i) {
    const double g = grads[i];
    const double mi = double(hp.beta1) * m[i] + (1.0 - hp.beta1) * g;
    const double vi = double(hp.beta2) * v[i] + (1.0 - hp.beta2) * g * g;
    const double mh = mi / (1.0 - std::pow(double(hp.beta1), t)), vh = vi / (1.0 - std::pow(double(hp.beta2), t));
    const double wd = (!decay || decay[i]) ? hp.weight_decay : 0.0;
    params[i] = float(params[i] - double(hp.lr) * (mh / (std::sqrt(vh) + hp.eps) + wd * params[i]));
    m[i] = float(mi);
    v[i] = float(vi);
  }
}

float learning_rate(const LrSchedule& s, int step) {
  if (step < s.warmup) return s.lr_max * float(step + 1) / float(s.warmup);
  const int span = s.total - s.warmup;
  if (span <= 0) return s.lr_min;
  const double progress = std::min(1.0, double(step - s.warmup) / span);
  return float(s.lr_min + 0.5 * (s.lr_max - s.lr_min) * (1.0 + std::cos(M_PI * progress)));
}

double clip_grad_norm(float* grads, std::size_t n, double max_norm) {
  double s = 0.0;
  for (std::size_t i = 0; i < n; ++i) s += double(grads[i]) * grads[i];
  const double norm = std::sqrt(s);
  if (norm > max_norm && norm > 0.0) {
    const float f = float(max_norm / norm);
    for (std::size_t i = 0; i < n; ++i) grads[i] *= f;
  }
  return norm;
}

std::vector<uint8_t> gpt2_decay_mask(const Gpt2& m) {
  std::vector<uint8_t> mask(m.param_block.size(), 0);
  const auto sizes = gpt2_param_sizes(m.config);
  const auto list = m.params.list();
  const Gpt2Params& p = m.params;
  for (int i = 0; i < kGpt2NumParams; ++i) {
    const float* t = list[i];
    if (t == p.wte || t == p.wpe || t == p.qkvw || t == p.attprojw || t == p.fcw || t == p.fcprojw) {
      const std::size_t off = std::size_t(t - m.param_block.data());
      std::fill(mask.begin() + off, mask.begin() + off + sizes[i], uint8_t(1));
    }
  }
  return mask;
}

}  // namespace attn
