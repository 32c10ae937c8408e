// Legend: T rows (tokens), C input features, OC output features. Formulas in linear.h.
// Products go through Eigen's blocked GEMM on maps of the caller's buffers (.noalias(): no
// temporaries, nothing allocated).
#include "engine/ops/linear.h"

#include "engine/core/tensor.h"

namespace attn {

void linear_forward(float* out, const float* inp, const float* weight, const float* bias, int T, int C, int OC) {
  MapRM o(out, T, OC);
  const CMapRM x(inp, T, C), w(weight, C, OC);
  o.noalias() = x * w;
  if (bias) o.rowwise() += Eigen::Map<const RowVec>(bias, OC);
}

void linear_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                     const float* weight, int T, int C, int OC) {
  // out = inp W + b
  const CMapRM g(dout, T, OC), x(inp, T, C), w(weight, C, OC);
  if (dinp) MapRM(dinp, T, C).noalias() += g * w.transpose();
  MapRM(dweight, C, OC).noalias() += x.transpose() * g;
  if (dbias) Eigen::Map<RowVec>(dbias, OC) += g.colwise().sum();
}

void matmul_nt_forward(float* out, const float* inp, const float* weight, int T, int C, int OC) {
  MapRM(out, T, OC).noalias() = CMapRM(inp, T, C) * CMapRM(weight, OC, C).transpose();
}

void matmul_nt_backward(float* dinp, float* dweight, const float* dout, const float* inp, const float* weight, int T,
                        int C, int OC) {
  // out = inp W^T
  const CMapRM g(dout, T, OC), x(inp, T, C), w(weight, OC, C);
  if (dinp) MapRM(dinp, T, C).noalias() += g * w;
  MapRM(dweight, OC, C).noalias() += g.transpose() * x;
}

void linear_forward_ref(float* out, const float* inp, const float* weight, const float* bias, int T, int C, int OC) {
  for (int t = 0; t < T; ++t)
    for (int o = 0; o < OC; ++o) {
      double s = bias ? bias[o] : 0.0;
      for (int c = 0; c < C; ++c) s += double(inp[std::ptrdiff_t(t) * C + c]) * weight[std::ptrdiff_t(c) * OC + o];
      out[std::ptrdiff_t(t) * OC + o] = float(s);
    }
}

void linear_backward_ref(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                         const float* weight, int T, int C, int OC) {
  for (int t = 0; t < T; ++t)
    for (int c = 0; c < C && dinp; ++c) {
      double s = 0.0;
      for (int o = 0; o < OC; ++o) s += double(dout[std::ptrdiff_t(t) * OC + o]) * weight[std::ptrdiff_t(c) * OC + o];
      dinp[std::ptrdiff_t(t) * C + c] += float(s);
    }
  for (int c = 0; c < C; ++c)
    for (int o = 0; o < OC; ++o) {
      double s = 0.0;
      for (int t = 0; t < T; ++t) s += double(inp[std::ptrdiff_t(t) * C + c]) * dout[std::ptrdiff_t(t) * OC + o];
      dweight[std::ptrdiff_t(c) * OC + o] += float(s);
    }
  for (int o = 0; o < OC && dbias; ++o) {
    double s = 0.0;
    for (int t = 0; t < T; ++t) s += dout[std::ptrdiff_t(t) * OC + o];
    dbias[o] += float(s);
  }
}

void matmul_nt_forward_ref(float* out, const float* inp, const float* weight, int T, int C, int OC) {
  for (int t = 0; t < T; ++t)
    for (int o = 0; o < OC; ++o) {
      double s = 0.0;
      for (int c = 0; c < C; ++c) s += double(inp[std::ptrdiff_t(t) * C + c]) * weight[std::ptrdiff_t(o) * C + c];
      out[std::ptrdiff_t(t) * OC + o] = float(s);
    }
}

void matmul_nt_backward_ref(float* dinp, float* dweight, const float* dout, const float* inp, const float* weight,
                            int T, int C, int OC) {
  for (int t = 0; t < T; ++t)
    for (int c = 0; c < C && dinp; ++c) {
      double s = 0.0;
      for (int o = 0; o < OC; ++o) s += double(dout[std::ptrdiff_t(t) * OC + o]) * weight[std::ptrdiff_t(o) * C + c];
      dinp[std::ptrdiff_t(t) * C + c] += float(s);
    }
  for (int o = 0; o < OC; ++o)
    for (int c = 0; c < C; ++c) {
      double s = 0.0;
      for (int t = 0; t < T; ++t) s += double(dout[std::ptrdiff_t(t) * OC + o]) * inp[std::ptrdiff_t(t) * C + c];
      dweight[std::ptrdiff_t(o) * C + c] += float(s);
    }
}

}  // namespace attn
