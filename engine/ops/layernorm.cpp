// Legend: T rows (tokens), C channels. Formulas in layernorm.h.
#include "engine/ops/layernorm.h"

#include <Eigen/Core>
#include <cmath>

namespace attn {

namespace {
using ArrC = Eigen::Map<Eigen::ArrayXf>;
using CArrC = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, int T, int C, float eps) {
  const CArrC w(weight, C), b(bias, C);
  for (int t = 0; t < T; ++t) {
    const CArrC x(inp + std::ptrdiff_t(t) * C, C);
    const float m = x.sum() / C;
    const float v = (x - m).square().sum() / C;
    const float s = 1.f / std::sqrt(v + eps);
    ArrC(out + std::ptrdiff_t(t) * C, C) = (x - m) * s * w + b;
    mean[t] = m;
    rstd[t] = s;
  }
}

void layernorm_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                        const float* weight, const float* mean, const float* rstd, int T, int C) {
  const CArrC w(weight, C);
  ArrC dw(dweight, C), db(dbias, C);
  for (int t = 0; t < T; ++t) {
    const CArrC x(inp + std::ptrdiff_t(t) * C, C), g(dout + std::ptrdiff_t(t) * C, C);
    // norm = (x - mean) * rstd;  out = norm .* weight + bias   (expressions: nothing allocated)
    const auto norm = (x - mean[t]) * rstd[t];
    const auto dnorm = g * w;
    db += g;
    dw += g * norm;
    const float dnorm_mean = dnorm.sum() / C, dnorm_norm_mean = (dnorm * norm).sum() / C;
    ArrC(dinp + std::ptrdiff_t(t) * C, C) += rstd[t] * (dnorm - dnorm_mean - norm * dnorm_norm_mean);
  }
}

void layernorm_forward_ref(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                           const float* bias, int T, int C, float eps) {
  for (int t = 0; t < T; ++t) {
    const float* x = inp + std::ptrdiff_t(t) * C;
    double m = 0.0;
    for (int c = 0; c < C; ++c) m += x[c];
    m /= C;
    double v = 0.0;
    for (int c = 0; c < C; ++c) v += (x[c] - m) * (x[c] - m);
    v /= C;
    const double s = 1.0 / std::sqrt(v + eps);
    for (int c = 0; c < C; ++c) out[std::ptrdiff_t(t) * C + c] = float((x[c] - m) * s * weight[c] + bias[c]);
    mean[t] = float(m);
    rstd[t] = float(s);
  }
}

void layernorm_backward_ref(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                            const float* weight, const float* mean, const float* rstd, int T, int C) {
  for (int t = 0; t < T; ++t) {
    const float* x = inp + std::ptrdiff_t(t) * C;
    const float* g = dout + std::ptrdiff_t(t) * C;
    double dnorm_mean = 0.0, dnorm_norm_mean = 0.0;
    for (int c = 0; c < C; ++c) {
      const double norm = (double(x[c]) - mean[t]) * rstd[t], dnorm = double(g[c]) * weight[c];
      dnorm_mean += dnorm;
      dnorm_norm_mean += dnorm * norm;
    }
    dnorm_mean /= C;
    dnorm_norm_mean /= C;
    for (int c = 0; c < C; ++c) {
      const double norm = (double(x[c]) - mean[t]) * rstd[t], dnorm = double(g[c]) * weight[c];
      dbias[c] += g[c];
      dweight[c] += float(g[c] * norm);
      dinp[std::ptrdiff_t(t) * C + c] += float(rstd[t] * (dnorm - dnorm_mean - norm * dnorm_norm_mean));
    }
  }
}

}  // namespace attn
