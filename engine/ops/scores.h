// Score functions: the raw compatibility S(i, j) of query i and key j, before the scale s, the
// bias B, the mask and the softmax (attend.h applies those: L = s * S + B).
// Legend: N queries, M keys, dk query/key width, da hidden width of the additive score.
//
//   dot (scaled dot and plain dot):  S = Q K^T                        (s = 1/sqrt(dk) ... or s = 1)
//   general (Luong):                 S = Q W K^T,  W (dk, dk)
//   additive (Bahdanau):             S(i, j) = v . tanh(Wq^T q_i + Wk^T k_j)
//                                    = sum_a v_a tanh(Hq(i, a) + Hk(j, a)),  Hq = Q Wq (N, da), Hk = K Wk (M, da)
//   cosine:                          S(i, j) = q_i . k_j / (max(|q_i|, 1e-6) max(|k_j|, 1e-6))
//                                    = Qn Kn^T with rows divided by their clamped norms
// Backward, given dS (N, M):
//   dot:      dQ = dS K;  dK = dS^T Q
//   general:  dQ = dS K W^T;  dK = dS^T (Q W);  dW = Q^T dS K
//   additive: G(i, j, a) = dS(i, j) v_a (1 - tanh^2);  dHq(i, a) = sum_j G;  dHk(j, a) = sum_i G;
//             dv_a = sum_ij dS(i, j) tanh(...);  dWq = Q^T dHq;  dQ = dHq Wq^T (likewise K)
//   cosine:   dQn = dS Kn;  dq_i = (dQn_i - (dQn_i . Qn_i) Qn_i) / |q_i|  when |q_i| > 1e-6,
//             dQn_i / 1e-6 otherwise (the clamp is constant there); likewise K
#pragma once
#include "engine/core/tensor.h"

namespace attn {

enum class ScoreKind { ScaledDot, Dot, General, Additive, Cosine };

constexpr float kCosineEps = 1e-6f;

// One head's score parameters; nullptr where the kind has none.
struct ScoreWeights {
  const MatRM* W = nullptr;   // general: (dk, dk)
  const MatRM* Wq = nullptr;  // additive: (dk, da)
  const MatRM* Wk = nullptr;  // additive: (dk, da)
  const RowVec* v = nullptr;  // additive: (1, da)
};

// Forward buffers backward reuses.
struct ScoreCache {
  MatRM QW;              // general: Q W (N, dk)
  MatRM Hq, Hk;          // additive: (N, da), (M, da)
  MatRM Qn, Kn;          // cosine: normalized rows (N, dk), (M, dk)
  Eigen::VectorXf nq, nk;  // cosine: clamped norms (N), (M)
};

struct ScoreGrads {
  MatRM dQ, dK;      // (N, dk), (M, dk)
  MatRM dW;          // general
  MatRM dWq, dWk;    // additive
  RowVec dv;         // additive
};

// Per kind.
void score_dot_forward(MatRM& S, const CRefM& Q, const CRefM& K);
void score_dot_backward(MatRM& dQ, MatRM& dK, const MatRM& dS, const CRefM& Q, const CRefM& K);
void score_general_forward(MatRM& S, MatRM& QW, const CRefM& Q, const CRefM& K, const MatRM& W);
void score_general_backward(MatRM& dQ, MatRM& dK, MatRM& dW, const MatRM& dS, const CRefM& Q, const CRefM& K,
                            const MatRM& W, const MatRM& QW);
void score_additive_forward(MatRM& S, MatRM& Hq, MatRM& Hk, const CRefM& Q, const CRefM& K, const MatRM& Wq,
                            const MatRM& Wk, const RowVec& v);
void score_additive_backward(MatRM& dQ, MatRM& dK, MatRM& dWq, MatRM& dWk, RowVec& dv, const MatRM& dS,
                             const CRefM& Q, const CRefM& K, const MatRM& Wq, const MatRM& Wk, const RowVec& v,
                             const MatRM& Hq, const MatRM& Hk);
void score_cosine_forward(MatRM& S, MatRM& Qn, MatRM& Kn, Eigen::VectorXf& nq, Eigen::VectorXf& nk, const CRefM& Q,
                          const CRefM& K);
void score_cosine_backward(MatRM& dQ, MatRM& dK, const MatRM& dS, const MatRM& Qn, const MatRM& Kn,
                           const Eigen::VectorXf& nq, const Eigen::VectorXf& nk);

// Dispatch on the kind (what the sandbox calls). Q: (N, dk), K: (M, dk) -> S: (N, M).
void score_forward(MatRM& S, ScoreCache& c, ScoreKind kind, const CRefM& Q, const CRefM& K, const ScoreWeights& w);
void score_backward(ScoreGrads& g, const MatRM& dS, ScoreKind kind, const CRefM& Q, const CRefM& K,
                    const ScoreWeights& w, const ScoreCache& c);

// Reference twins (scores_ref.cpp): the definitions written out per element, in double.
void score_forward_ref(MatRM& S, ScoreKind kind, const MatRM& Q, const MatRM& K, const ScoreWeights& w);
void score_backward_ref(ScoreGrads& g, const MatRM& dS, ScoreKind kind, const MatRM& Q, const MatRM& K,
                        const ScoreWeights& w);

}  // namespace attn
