// Reference twins of the score functions: each definition written out per element, in double.
// Legend: N queries, M keys, dk, da. Formulas in scores.h.
#include <algorithm>
#include <cmath>

#include "engine/ops/scores.h"

namespace attn {

namespace {

double row_norm(const MatRM& X, long r) {
  double s = 0.0;
  for (long d = 0; d < X.cols(); ++d) s += double(X(r, d)) * X(r, d);
  return std::sqrt(s);
}

// Hidden pre-activation of the additive score for the pair (i, j), unit a.
double additive_pre(const MatRM& Q, const MatRM& K, const ScoreWeights& w, long i, long j, long a) {
  double s = 0.0;
  for (long d = 0; d < Q.cols(); ++d) s += double(Q(i, d)) * (*w.Wq)(d, a) + double(K(j, d)) * (*w.Wk)(d, a);
  return s;
}

}  // namespace

void score_forward_ref(MatRM& S, ScoreKind kind, const MatRM& Q, const MatRM& K, const ScoreWeights& w) {
  const long N = Q.rows(), M = K.rows(), dk = Q.cols();
  S.resize(N, M);
  for (long i = 0; i < N; ++i)
    for (long j = 0; j < M; ++j) {
      double s = 0.0;
      switch (kind) {
        case ScoreKind::ScaledDot:
        case ScoreKind::Dot:
          for (long d = 0; d < dk; ++d) s += double(Q(i, d)) * K(j, d);
          break;
        case ScoreKind::General:
          for (long a = 0; a < dk; ++a)
            for (long b = 0; b < dk; ++b) s += double(Q(i, a)) * (*w.W)(a, b) * K(j, b);
          break;
        case ScoreKind::Additive:
          for (long a = 0; a < w.Wq->cols(); ++a) s += double((*w.v)(a)) * std::tanh(additive_pre(Q, K, w, i, j, a));
          break;
        case ScoreKind::Cosine: {
          for (long d = 0; d < dk; ++d) s += double(Q(i, d)) * K(j, d);
          s /= std::max(row_norm(Q, i), double(kCosineEps)) * std::max(row_norm(K, j), double(kCosineEps));
          break;
        }
      }
      S(i, j) = float(s);
    }
}

void score_backward_ref(ScoreGrads& g, const MatRM& dS, ScoreKind kind, const MatRM& Q, const MatRM& K,
                        const ScoreWeights& w) {
  const long N = Q.rows(), M = K.rows(), dk = Q.cols();
  MatRMd dQ = MatRMd::Zero(N, dk), dK = MatRMd::Zero(M, dk);
  switch (kind) {
    case ScoreKind::ScaledDot:
    case ScoreKind::Dot:
      for (long i = 0; i < N; ++i)
        for (long j = 0; j < M; ++j)
          for (long d = 0; d < dk; ++d) {
            dQ(i, d) += double(dS(i, j)) * K(j, d);
            dK(j, d) += double(dS(i, j)) * Q(i, d);
          }
      break;
    case ScoreKind::General: {
      // S(i, j) = sum_ab Q(i, a) W(a, b) K(j, b)
      MatRMd dW = MatRMd::Zero(dk, dk);
      for (long i = 0; i < N; ++i)
        for (long j = 0; j < M; ++j)
          for (long a = 0; a < dk; ++a)
            for (long b = 0; b < dk; ++b) {
              const double g0 = double(dS(i, j)) * (*w.W)(a, b);
              dQ(i, a) += g0 * K(j, b);
              dK(j, b) += g0 * Q(i, a);
              dW(a, b) += double(dS(i, j)) * Q(i, a) * K(j, b);
            }
      g.dW = dW.cast<float>();
      break;
    }
    case ScoreKind::Additive: {
      // S(i, j) = sum_a v_a tanh(sum_d Q(i, d) Wq(d, a) + K(j, d) Wk(d, a))
      const long da = w.Wq->cols();
      MatRMd dWq = MatRMd::Zero(dk, da), dWk = MatRMd::Zero(dk, da), dv = MatRMd::Zero(1, da);
      for (long i = 0; i < N; ++i)
        for (long j = 0; j < M; ++j)
          for (long a = 0; a < da; ++a) {
            const double t = std::tanh(additive_pre(Q, K, w, i, j, a));
            dv(0, a) += double(dS(i, j)) * t;
            const double gpre = double(dS(i, j)) * (*w.v)(a) * (1.0 - t * t);
            for (long d = 0; d < dk; ++d) {
              dQ(i, d) += gpre * (*w.Wq)(d, a);
              dK(j, d) += gpre * (*w.Wk)(d, a);
              dWq(d, a) += gpre * Q(i, d);
              dWk(d, a) += gpre * K(j, d);
            }
          }
      g.dWq = dWq.cast<float>();
      g.dWk = dWk.cast<float>();
      g.dv = dv.cast<float>();
      break;
    }
    case ScoreKind::Cosine: {
      // S(i, j) = (q_i . k_j) / (nq_i nk_j), n = max(|x|, eps); d n / d x = x / |x| when |x| > eps
      for (long i = 0; i < N; ++i)
        for (long j = 0; j < M; ++j) {
          const double qn = row_norm(Q, i), kn = row_norm(K, j);
          const double nq = std::max(qn, double(kCosineEps)), nk = std::max(kn, double(kCosineEps));
          double dot = 0.0;
          for (long d = 0; d < dk; ++d) dot += double(Q(i, d)) * K(j, d);
          const double g0 = dS(i, j);
          for (long d = 0; d < dk; ++d) {
            double gq = K(j, d) / (nq * nk), gk = Q(i, d) / (nq * nk);
            if (qn > kCosineEps) gq -= dot / (nq * nq * nq * nk) * Q(i, d);
            if (kn > kCosineEps) gk -= dot / (nq * nk * nk * nk) * K(j, d);
            dQ(i, d) += g0 * gq;
            dK(j, d) += g0 * gk;
          }
        }
      break;
    }
  }
  g.dQ = dQ.cast<float>();
  g.dK = dK.cast<float>();
}

}  // namespace attn
