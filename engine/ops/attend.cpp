// Legend: N queries, M keys, dv. Formulas in attend.h.
#include "engine/ops/attend.h"

namespace attn {

namespace {

// The parts of the backward both twins share once dL (from the softmax) is known.
void finish_backward(AttendGrads& g, const MatRM* dA_show, const MatRM* dL_extra, const AttentionCache& c,
                     const AttentionParams& p) {
  if (dA_show) g.dA += *dA_show;  // shown, not propagated (it enters through dL_extra)
  double dt = g.dtau, ds = 0.0;
  for (long k = 0; k < g.dL.size(); ++k) {
    if (dL_extra && dL_extra->data()[k] != 0.f) {
      g.dL.data()[k] += dL_extra->data()[k];
      dt += -double(dL_extra->data()[k]) * c.L.data()[k] / p.tau;
    }
    if (g.dL.data()[k] != 0.f) ds += double(g.dL.data()[k]) * c.S.data()[k];
  }
  g.dtau = float(dt);
  // L = scale * S + B
  g.dscale = float(ds);
  g.dS = p.scale * g.dL;
}

}  // namespace

void attend_forward(AttentionCache& c, MatRM& O, const CRefM& V, const AttentionParams& p) {
  c.L = p.scale * c.S;
  if (p.bias) c.L += *p.bias;
  softmax_forward(c.A, c.L, p.allowed, p.tau, p.axis);
  O.resize(c.A.rows(), V.cols());
  O.noalias() = c.A * V;
}

void attend_backward(AttendGrads& g, const CRefM& dO, const MatRM* dA_in, const MatRM* dA_show,
                     const MatRM* dL_extra, const CRefM& V, const AttentionCache& c, const AttentionParams& p) {
  // O = A V
  g.dV.resize(V.rows(), V.cols());
  g.dV.noalias() = c.A.transpose() * dO;
  g.dA.resize(c.A.rows(), c.A.cols());
  g.dA.noalias() = dO * V.transpose();
  if (dA_in) g.dA += *dA_in;
  // A = softmax(L / tau)
  softmax_backward(g.dL, &g.dtau, g.dA, c.A, c.L, p.allowed, p.tau, p.axis);
  finish_backward(g, dA_show, dL_extra, c, p);
}

void attend_forward_ref(AttentionCache& c, MatRM& O, const MatRM& V, const AttentionParams& p) {
  const long N = c.S.rows(), M = c.S.cols(), dv = V.cols();
  c.L.resize(N, M);
  for (long i = 0; i < N; ++i)
    for (long j = 0; j < M; ++j) c.L(i, j) = float(double(p.scale) * c.S(i, j) + (p.bias ? (*p.bias)(i, j) : 0.0));
  softmax_forward_ref(c.A, c.L, p.allowed, p.tau, p.axis);
  O.setZero(N, dv);
  for (long i = 0; i < N; ++i)
    for (long d = 0; d < dv; ++d) {
      double s = 0.0;
      for (long j = 0; j < M; ++j) s += double(c.A(i, j)) * V(j, d);
      O(i, d) = float(s);
    }
}

void attend_backward_ref(AttendGrads& g, const MatRM& dO, const MatRM* dA_in, const MatRM* dA_show,
                         const MatRM* dL_extra, const MatRM& V, const AttentionCache& c, const AttentionParams& p) {
  const long N = c.A.rows(), M = c.A.cols(), dv = V.cols();
  g.dV.setZero(M, dv);
  g.dA.setZero(N, M);
  for (long j = 0; j < M; ++j)
    for (long d = 0; d < dv; ++d) {
      double s = 0.0;
      for (long i = 0; i < N; ++i) s += double(c.A(i, j)) * dO(i, d);
      g.dV(j, d) = float(s);
    }
  for (long i = 0; i < N; ++i)
    for (long j = 0; j < M; ++j) {
      double s = dA_in ? double((*dA_in)(i, j)) : 0.0;
      for (long d = 0; d < dv; ++d) s += double(dO(i, d)) * V(j, d);
      g.dA(i, j) = float(s);
    }
  softmax_backward_ref(g.dL, &g.dtau, g.dA, c.A, c.L, p.allowed, p.tau, p.axis);
  finish_backward(g, dA_show, dL_extra, c, p);
}

}  // namespace attn
