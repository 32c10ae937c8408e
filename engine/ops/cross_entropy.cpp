// Legend: T positions, V vocabulary size. Formulas in cross_entropy.h.
#include "engine/ops/cross_entropy.h"

#include <Eigen/Core>
#include <cmath>
#include <cstddef>

namespace attn {

namespace {
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

void log_softmax_forward(float* logp, const float* logits, int T, int V) {
  for (int t = 0; t < T; ++t) {
    const CArr z(logits + std::ptrdiff_t(t) * V, V);
    Arr lp(logp + std::ptrdiff_t(t) * V, V);
    const float m = z.maxCoeff();
    lp = z - m;
    // the sum in double: the vocabulary can be 50k wide
    const double s = lp.exp().cast<double>().sum();
    lp -= float(std::log(s));
  }
}

void log_softmax_backward(float* dlogits, const float* dlogp, const float* logp, int T, int V) {
  // logp = logits - logsumexp(logits)
  for (int t = 0; t < T; ++t) {
    const CArr g(dlogp + std::ptrdiff_t(t) * V, V), lp(logp + std::ptrdiff_t(t) * V, V);
    const float gs = g.sum();
    Arr(dlogits + std::ptrdiff_t(t) * V, V) += g - lp.exp() * gs;
  }
}

void crossentropy_forward(float* losses, const float* logp, const int* targets, int T, int V) {
  for (int t = 0; t < T; ++t) losses[t] = targets[t] < 0 ? 0.f : -logp[std::ptrdiff_t(t) * V + targets[t]];
}

void crossentropy_backward(float* dlogits, const float* dlosses, const float* logp, const int* targets, int T, int V) {
  // losses[t] = -logp[t, targets[t]],  logp = log_softmax(logits)
  for (int t = 0; t < T; ++t) {
    if (targets[t] < 0 || dlosses[t] == 0.f) continue;
    const CArr lp(logp + std::ptrdiff_t(t) * V, V);
    Arr d(dlogits + std::ptrdiff_t(t) * V, V);
    d += dlosses[t] * lp.exp();
    d[targets[t]] -= dlosses[t];
  }
}

void log_softmax_forward_ref(float* logp, const float* logits, int T, int V) {
  for (int t = 0; t < T; ++t) {
    const float* z = logits + std::ptrdiff_t(t) * V;
    double m = z[0];
    for (int v = 1; v < V; ++v) m = z[v] > m ? z[v] : m;
    double s = 0.0;
    for (int v = 0; v < V; ++v) s += std::exp(z[v] - m);
    const double lse = m + std::log(s);
    for (int v = 0; v < V; ++v) logp[std::ptrdiff_t(t) * V + v] = float(z[v] - lse);
  }
}

void log_softmax_backward_ref(float* dlogits, const float* dlogp, const float* logp, int T, int V) {
  for (int t = 0; t < T; ++t) {
    double gs = 0.0;
    for (int v = 0; v < V; ++v) gs += dlogp[std::ptrdiff_t(t) * V + v];
    for (int v = 0; v < V; ++v) {
      const std::ptrdiff_t k = std::ptrdiff_t(t) * V + v;
      dlogits[k] += float(dlogp[k] - std::exp(double(logp[k])) * gs);
    }
  }
}

void crossentropy_backward_ref(float* dlogits, const float* dlosses, const float* logp, const int* targets, int T,
                               int V) {
  for (int t = 0; t < T; ++t) {
    if (targets[t] < 0) continue;
    for (int v = 0; v < V; ++v) {
      const std::ptrdiff_t k = std::ptrdiff_t(t) * V + v;
      dlogits[k] += float(double(dlosses[t]) * (std::exp(double(logp[k])) - (v == targets[t] ? 1.0 : 0.0)));
    }
  }
}

}  // namespace attn
