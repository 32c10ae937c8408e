// Legend: N queries (rows), M keys (columns). See softmax.h for the formulas.
#include "engine/ops/softmax.h"

#include <cmath>
#include <limits>
#include <vector>

namespace attn {

namespace {

// Softmax of one strided line x[0..n) (row: stride 1, column: stride M) into y.
// Stable: subtract the max of the allowed entries before exp.
inline void softmax_line(float* y, const float* x, const uint8_t* ok, long n, long stride, float inv_tau) {
  float mx = -std::numeric_limits<float>::infinity();
  for (long k = 0; k < n; ++k)
    if (!ok || ok[k * stride]) mx = std::max(mx, x[k * stride] * inv_tau);
  if (mx == -std::numeric_limits<float>::infinity()) {  // fully masked line (or all logits -inf)
    for (long k = 0; k < n; ++k) y[k * stride] = 0.f;
    return;
  }
  float sum = 0.f;
  for (long k = 0; k < n; ++k) {
    float e = 0.f;
    if (!ok || ok[k * stride]) e = std::exp(x[k * stride] * inv_tau - mx);
    y[k * stride] = e;
    sum += e;
  }
  const float inv = 1.f / sum;
  for (long k = 0; k < n; ++k) y[k * stride] *= inv;
}

// dL over one line: dL_k = A_k (dA_k - sum_m dA_m A_m) / tau on allowed cells, 0 elsewhere.
inline void softmax_line_backward(float* dl, const float* da, const float* a, const uint8_t* ok, long n,
                                  long stride, float inv_tau) {
  float dot = 0.f;
  for (long k = 0; k < n; ++k)
    if (!ok || ok[k * stride]) dot += da[k * stride] * a[k * stride];
  for (long k = 0; k < n; ++k)
    dl[k * stride] = (!ok || ok[k * stride]) ? a[k * stride] * (da[k * stride] - dot) * inv_tau : 0.f;
}

}  // namespace

void softmax_forward(MatRM& A, const MatRM& L, const MaskM* allowed, float tau, SoftmaxAxis axis) {
  const long N = L.rows(), M = L.cols();
  A.resize(N, M);
  const float inv_tau = 1.f / tau;
  const uint8_t* ok = allowed ? allowed->data() : nullptr;
  if (axis == SoftmaxAxis::Keys) {
    for (long i = 0; i < N; ++i)
      softmax_line(A.data() + i * M, L.data() + i * M, ok ? ok + i * M : nullptr, M, 1, inv_tau);
  } else {
    for (long j = 0; j < M; ++j)
      softmax_line(A.data() + j, L.data() + j, ok ? ok + j : nullptr, N, M, inv_tau);
  }
}

void softmax_backward(MatRM& dL, float* dtau, const MatRM& dA, const MatRM& A, const MatRM& L,
                      const MaskM* allowed, float tau, SoftmaxAxis axis) {
  // forward: A = softmax(L / tau)
  const long N = A.rows(), M = A.cols();
  dL.resize(N, M);
  const float inv_tau = 1.f / tau;
  const uint8_t* ok = allowed ? allowed->data() : nullptr;
  if (axis == SoftmaxAxis::Keys) {
    for (long i = 0; i < N; ++i)
      softmax_line_backward(dL.data() + i * M, dA.data() + i * M, A.data() + i * M, ok ? ok + i * M : nullptr, M,
                            1, inv_tau);
  } else {
    for (long j = 0; j < M; ++j)
      softmax_line_backward(dL.data() + j, dA.data() + j, A.data() + j, ok ? ok + j : nullptr, N, M, inv_tau);
  }
  if (dtau) {
    // d(L/tau)/dtau = -L/tau^2, and dL already carries one 1/tau.
    double s = 0.0;
    for (long k = 0; k < N * M; ++k)
      if (dL.data()[k] != 0.f) s += double(dL.data()[k]) * L.data()[k];
    *dtau = float(-s / tau);
  }
}

void softmax_forward_ref(MatRM& A, const MatRM& L, const MaskM* allowed, float tau, SoftmaxAxis axis) {
  const long N = L.rows(), M = L.cols();
  A.setZero(N, M);
  const bool keys = axis == SoftmaxAxis::Keys;
  const long lines = keys ? N : M, len = keys ? M : N;
  for (long a = 0; a < lines; ++a) {
    auto at = [&](long b) { return keys ? std::pair<long, long>(a, b) : std::pair<long, long>(b, a); };
    double mx = -INFINITY;
    for (long b = 0; b < len; ++b) {
      auto [i, j] = at(b);
      if (!allowed || (*allowed)(i, j)) mx = std::max(mx, double(L(i, j)) / tau);
    }
    if (std::isinf(mx)) continue;
    double sum = 0.0;
    for (long b = 0; b < len; ++b) {
      auto [i, j] = at(b);
      if (!allowed || (*allowed)(i, j)) sum += std::exp(double(L(i, j)) / tau - mx);
    }
    for (long b = 0; b < len; ++b) {
      auto [i, j] = at(b);
      if (!allowed || (*allowed)(i, j)) A(i, j) = float(std::exp(double(L(i, j)) / tau - mx) / sum);
    }
  }
}

void softmax_backward_ref(MatRM& dL, float* dtau, const MatRM& dA, const MatRM& A, const MatRM& L,
                          const MaskM* allowed, float tau, SoftmaxAxis axis) {
  const long N = A.rows(), M = A.cols();
  dL.setZero(N, M);
  const bool keys = axis == SoftmaxAxis::Keys;
  const long lines = keys ? N : M, len = keys ? M : N;
  double dt = 0.0;
  for (long a = 0; a < lines; ++a) {
    double dot = 0.0;
    for (long b = 0; b < len; ++b) {
      long i = keys ? a : b, j = keys ? b : a;
      if (!allowed || (*allowed)(i, j)) dot += double(dA(i, j)) * A(i, j);
    }
    for (long b = 0; b < len; ++b) {
      long i = keys ? a : b, j = keys ? b : a;
      if (allowed && !(*allowed)(i, j)) continue;
      const double g = double(A(i, j)) * (double(dA(i, j)) - dot) / tau;
      dL(i, j) = float(g);
      dt += -g * L(i, j) / tau;
    }
  }
  if (dtau) *dtau = float(dt);
}

}  // namespace attn
