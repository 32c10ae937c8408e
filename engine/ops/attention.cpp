// Legend: N queries, M keys, dk query/key width, dv value width. Formulas in attention.h.
#include "engine/ops/attention.h"

namespace attn {

void attention_forward(AttentionCache& c, MatRM& O, const CRefM& Q, const CRefM& K, const CRefM& V,
                       const AttentionParams& p) {
  c.S.resize(Q.rows(), K.rows());
  c.S.noalias() = Q * K.transpose();
  c.L = p.scale * c.S;
  if (p.bias) c.L += *p.bias;
  softmax_forward(c.A, c.L, p.allowed, p.tau, p.axis);
  O.resize(Q.rows(), V.cols());
  O.noalias() = c.A * V;
}

void attention_backward(AttentionGrads& g, const CRefM& dO, const MatRM* dA_extra, const MatRM* dL_extra,
                        const CRefM& Q, const CRefM& K, const CRefM& V, const AttentionCache& c,
                        const AttentionParams& p) {
  // O = A V
  g.dV.resize(V.rows(), V.cols());
  g.dV.noalias() = c.A.transpose() * dO;
  g.dA.resize(c.A.rows(), c.A.cols());
  g.dA.noalias() = dO * V.transpose();
  // A = softmax(L / tau)
  softmax_backward(g.dL, &g.dtau, g.dA, c.A, c.L, p.allowed, p.tau, p.axis);
  // The loss's own gradient on A is shown in dA but enters the logits through dL_extra (its
  // stable form), so it is added after the softmax backward, never through it.
  if (dA_extra) g.dA += *dA_extra;
  if (dL_extra) {
    g.dL += *dL_extra;
    // the extra logit gradient also moves tau: d/dtau of f(L/tau) = -sum(dL_extra .* L) / tau
    double s = 0.0;
    for (long k = 0; k < dL_extra->size(); ++k)
      if (dL_extra->data()[k] != 0.f) s += double(dL_extra->data()[k]) * c.L.data()[k];
    g.dtau += float(-s / p.tau);
  }
  // L = scale * S + B
  double ds = 0.0;
  for (long k = 0; k < g.dL.size(); ++k)
    if (g.dL.data()[k] != 0.f) ds += double(g.dL.data()[k]) * c.S.data()[k];
  g.dscale = float(ds);
  // S = Q K^T
  g.dQ.resize(Q.rows(), Q.cols());
  g.dQ.noalias() = p.scale * (g.dL * K);
  g.dK.resize(K.rows(), K.cols());
  g.dK.noalias() = p.scale * (g.dL.transpose() * Q);
}

void attention_forward_ref(AttentionCache& c, MatRM& O, const MatRM& Q, const MatRM& K, const MatRM& V,
                           const AttentionParams& p) {
  const long N = Q.rows(), M = K.rows(), dk = Q.cols(), dv = V.cols();
  c.S.resize(N, M);
  c.L.resize(N, M);
  for (long i = 0; i < N; ++i)
    for (long j = 0; j < M; ++j) {
      double s = 0.0;
      for (long d = 0; d < dk; ++d) s += double(Q(i, d)) * K(j, d);
      c.S(i, j) = float(s);
      c.L(i, j) = float(p.scale * s + (p.bias ? (*p.bias)(i, j) : 0.0));
    }
  softmax_forward_ref(c.A, c.L, p.allowed, p.tau, p.axis);
  O.setZero(N, dv);
  for (long i = 0; i < N; ++i)
    for (long d = 0; d < dv; ++d) {
      double s = 0.0;
      for (long j = 0; j < M; ++j) s += double(c.A(i, j)) * V(j, d);
      O(i, d) = float(s);
    }
}

void attention_backward_ref(AttentionGrads& g, const MatRM& dO, const MatRM* dA_extra, const MatRM* dL_extra,
                            const MatRM& Q, const MatRM& K, const MatRM& V, const AttentionCache& c,
                            const AttentionParams& p) {
  const long N = Q.rows(), M = K.rows(), dk = Q.cols(), dv = V.cols();
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
      double s = 0.0;
      for (long d = 0; d < dv; ++d) s += double(dO(i, d)) * V(j, d);
      g.dA(i, j) = float(s);
    }
  softmax_backward_ref(g.dL, &g.dtau, g.dA, c.A, c.L, p.allowed, p.tau, p.axis);
  if (dA_extra) g.dA += *dA_extra;  // shown, not propagated (it enters through dL_extra)
  double dt = g.dtau, ds = 0.0;
  for (long i = 0; i < N; ++i)
    for (long j = 0; j < M; ++j) {
      if (dL_extra && (*dL_extra)(i, j) != 0.f) {
        g.dL(i, j) += (*dL_extra)(i, j);
        dt += -double((*dL_extra)(i, j)) * c.L(i, j) / p.tau;
      }
      if (g.dL(i, j) != 0.f) ds += double(g.dL(i, j)) * c.S(i, j);
    }
  g.dtau = float(dt);
  g.dscale = float(ds);
  g.dQ.setZero(N, dk);
  g.dK.setZero(M, dk);
  for (long i = 0; i < N; ++i)
    for (long d = 0; d < dk; ++d) {
      double s = 0.0;
      for (long j = 0; j < M; ++j) s += double(g.dL(i, j)) * K(j, d);
      g.dQ(i, d) = float(p.scale * s);
    }
  for (long j = 0; j < M; ++j)
    for (long d = 0; d < dk; ++d) {
      double s = 0.0;
      for (long i = 0; i < N; ++i) s += double(g.dL(i, j)) * Q(i, d);
      g.dK(j, d) = float(p.scale * s);
    }
}

}  // namespace attn
