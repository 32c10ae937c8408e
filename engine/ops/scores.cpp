// Legend: N queries, M keys, dk, da. Formulas in scores.h.
#include "engine/ops/scores.h"

#include <cmath>

#include "engine/core/error.h"

namespace attn {

void score_dot_forward(MatRM& S, const CRefM& Q, const CRefM& K) {
  S.resize(Q.rows(), K.rows());
  S.noalias() = Q * K.transpose();
}

void score_dot_backward(MatRM& dQ, MatRM& dK, const MatRM& dS, const CRefM& Q, const CRefM& K) {
  // forward: S = Q K^T
  dQ.resize(Q.rows(), Q.cols());
  dQ.noalias() = dS * K;
  dK.resize(K.rows(), K.cols());
  dK.noalias() = dS.transpose() * Q;
}

void score_general_forward(MatRM& S, MatRM& QW, const CRefM& Q, const CRefM& K, const MatRM& W) {
  QW.resize(Q.rows(), W.cols());
  QW.noalias() = Q * W;
  S.resize(Q.rows(), K.rows());
  S.noalias() = QW * K.transpose();
}

void score_general_backward(MatRM& dQ, MatRM& dK, MatRM& dW, const MatRM& dS, const CRefM& Q, const CRefM& K,
                            const MatRM& W, const MatRM& QW) {
  // forward: QW = Q W;  S = QW K^T
  const MatRM dSK = dS * K;  // (N, dk) = dQW
  dQ.resize(Q.rows(), Q.cols());
  dQ.noalias() = dSK * W.transpose();
  dW.resize(W.rows(), W.cols());
  dW.noalias() = Q.transpose() * dSK;
  dK.resize(K.rows(), K.cols());
  dK.noalias() = dS.transpose() * QW;
}

void score_additive_forward(MatRM& S, MatRM& Hq, MatRM& Hk, const CRefM& Q, const CRefM& K, const MatRM& Wq,
                            const MatRM& Wk, const RowVec& v) {
  const long N = Q.rows(), M = K.rows(), da = Wq.cols();
  Hq.resize(N, da);
  Hq.noalias() = Q * Wq;
  Hk.resize(M, da);
  Hk.noalias() = K * Wk;
  S.resize(N, M);
  MatRM T(M, da);
  for (long i = 0; i < N; ++i) {
    // T(j, a) = tanh(Hq(i, a) + Hk(j, a));  S(i, j) = T(j, :) . v
    T = (Hk.rowwise() + Hq.row(i)).array().tanh();
    S.row(i).noalias() = (T * v.transpose()).transpose();
  }
}

void score_additive_backward(MatRM& dQ, MatRM& dK, MatRM& dWq, MatRM& dWk, RowVec& dv, const MatRM& dS,
                             const CRefM& Q, const CRefM& K, const MatRM& Wq, const MatRM& Wk, const RowVec& v,
                             const MatRM& Hq, const MatRM& Hk) {
  // forward: S(i, j) = sum_a v_a tanh(Hq(i, a) + Hk(j, a)); Hq = Q Wq, Hk = K Wk
  const long N = Q.rows(), M = K.rows(), da = Wq.cols();
  MatRM dHq(N, da), dHk = MatRM::Zero(M, da), T(M, da), G(M, da);
  dv.setZero(da);
  for (long i = 0; i < N; ++i) {
    T = (Hk.rowwise() + Hq.row(i)).array().tanh();
    dv.noalias() += dS.row(i) * T;
    // G(j, a) = dS(i, j) v_a (1 - T(j, a)^2)
    G = (dS.row(i).transpose() * v).array() * (1.f - T.array().square());
    dHq.row(i) = G.colwise().sum();
    dHk += G;
  }
  dWq.resize(Wq.rows(), da);
  dWq.noalias() = Q.transpose() * dHq;
  dWk.resize(Wk.rows(), da);
  dWk.noalias() = K.transpose() * dHk;
  dQ.resize(Q.rows(), Q.cols());
  dQ.noalias() = dHq * Wq.transpose();
  dK.resize(K.rows(), K.cols());
  dK.noalias() = dHk * Wk.transpose();
}

void score_cosine_forward(MatRM& S, MatRM& Qn, MatRM& Kn, Eigen::VectorXf& nq, Eigen::VectorXf& nk, const CRefM& Q,
                          const CRefM& K) {
  nq = Q.rowwise().norm().cwiseMax(kCosineEps);
  nk = K.rowwise().norm().cwiseMax(kCosineEps);
  Qn = nq.cwiseInverse().asDiagonal() * Q;
  Kn = nk.cwiseInverse().asDiagonal() * K;
  S.resize(Q.rows(), K.rows());
  S.noalias() = Qn * Kn.transpose();
}

namespace {
// x_n = x / max(|x|, eps) per row: dx = (dxn - (dxn . xn) xn) / |x| where |x| > eps, dxn / eps elsewhere.
void normalize_backward(MatRM& dX, const MatRM& dXn, const MatRM& Xn, const Eigen::VectorXf& n) {
  dX.resize(dXn.rows(), dXn.cols());
  for (long r = 0; r < dXn.rows(); ++r) {
    if (n(r) > kCosineEps)
      dX.row(r) = (dXn.row(r) - dXn.row(r).dot(Xn.row(r)) * Xn.row(r)) / n(r);
    else
      dX.row(r) = dXn.row(r) / kCosineEps;
  }
}
}  // namespace

void score_cosine_backward(MatRM& dQ, MatRM& dK, const MatRM& dS, const MatRM& Qn, const MatRM& Kn,
                           const Eigen::VectorXf& nq, const Eigen::VectorXf& nk) {
  // forward: S = Qn Kn^T,  Qn = Q / max(|q|, eps),  Kn = K / max(|k|, eps)
  const MatRM dQn = dS * Kn, dKn = dS.transpose() * Qn;
  normalize_backward(dQ, dQn, Qn, nq);
  normalize_backward(dK, dKn, Kn, nk);
}

void score_forward(MatRM& S, ScoreCache& c, ScoreKind kind, const CRefM& Q, const CRefM& K, const ScoreWeights& w) {
  switch (kind) {
    case ScoreKind::ScaledDot:
    case ScoreKind::Dot: score_dot_forward(S, Q, K); return;
    case ScoreKind::General:
      require(w.W != nullptr, "W_score", "is missing: the general score needs a (dk x dk) matrix");
      score_general_forward(S, c.QW, Q, K, *w.W);
      return;
    case ScoreKind::Additive:
      require(w.Wq && w.Wk && w.v, "Wq_score", "is missing: the additive score needs Wq, Wk (dk x da) and v (da)");
      score_additive_forward(S, c.Hq, c.Hk, Q, K, *w.Wq, *w.Wk, *w.v);
      return;
    case ScoreKind::Cosine: score_cosine_forward(S, c.Qn, c.Kn, c.nq, c.nk, Q, K); return;
  }
}

void score_backward(ScoreGrads& g, const MatRM& dS, ScoreKind kind, const CRefM& Q, const CRefM& K,
                    const ScoreWeights& w, const ScoreCache& c) {
  switch (kind) {
    case ScoreKind::ScaledDot:
    case ScoreKind::Dot: score_dot_backward(g.dQ, g.dK, dS, Q, K); return;
    case ScoreKind::General: score_general_backward(g.dQ, g.dK, g.dW, dS, Q, K, *w.W, c.QW); return;
    case ScoreKind::Additive:
      score_additive_backward(g.dQ, g.dK, g.dWq, g.dWk, g.dv, dS, Q, K, *w.Wq, *w.Wk, *w.v, c.Hq, c.Hk);
      return;
    case ScoreKind::Cosine: score_cosine_backward(g.dQ, g.dK, dS, c.Qn, c.Kn, c.nq, c.nk); return;
  }
}

}  // namespace attn
