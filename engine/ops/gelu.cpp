// Legend: n elements. Formulas in gelu.h.
#include "engine/ops/gelu.h"

#include <Eigen/Core>
#include <cmath>

namespace attn {

namespace {
constexpr float kS = 0.7978845608028654f;  // sqrt(2 / pi)
constexpr float kC = 0.044715f;
using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
}  // namespace

void gelu_forward(float* out, const float* inp, int n) {
  const CArr x(inp, n);
  // Eigen's vectorized tanh: within a few ulp of std::tanh
  Arr(out, n) = 0.5f * x * (1.f + (kS * (x + kC * x.cube())).tanh());
}

void gelu_backward(float* dinp, const float* inp, const float* dout, int n) {
  // out = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
  constexpr int kBlock = 256;  // a stack block: tanh(u) is used twice
  float th[kBlock];
  for (int i0 = 0; i0 < n; i0 += kBlock) {
    const int m = n - i0 < kBlock ? n - i0 : kBlock;
    const CArr x(inp + i0, m), g(dout + i0, m);
    Arr t(th, m);
    t = (kS * (x + kC * x.cube())).tanh();
    Arr(dinp + i0, m) += g * (0.5f * (1.f + t) + 0.5f * x * (1.f - t.square()) * kS * (1.f + 3.f * kC * x.square()));
  }
}

void gelu_forward_ref(float* out, const float* inp, int n) {
  for (int i = 0; i < n; ++i) {
    const double x = inp[i];
    out[i] = float(0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
  }
}

void gelu_backward_ref(float* dinp, const float* inp, const float* dout, int n) {
  for (int i = 0; i < n; ++i) {
    const double x = inp[i], t = std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x));
    const double d = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x);
    dinp[i] += float(dout[i] * d);
  }
}

}  // namespace attn
