// Score functions: every kind's fast op against its reference twin, central finite differences of
// the gradient to Q, K and every score parameter, cosine's clamp at tiny norms and its [-1, 1]
// range, and the attend op (logits -> weights -> output) fast vs reference.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/attend.h"
#include "engine/ops/scores.h"
#include "tests/engine/pe_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

struct ScoreInputs {
  MatRM Q, K, W, Wq, Wk, dS;
  RowVec v;
  ScoreWeights weights() const {
    ScoreWeights w;
    w.W = &W;
    w.Wq = &Wq;
    w.Wk = &Wk;
    w.v = &v;
    return w;
  }
};

ScoreInputs make_inputs(uint64_t seed, int N = 4, int M = 5, int dk = 3, int da = 4) {
  Rng rng(seed);
  ScoreInputs in;
  in.Q = random_matrix(N, dk, rng);
  in.K = random_matrix(M, dk, rng);
  in.W = random_matrix(dk, dk, rng, 0.6f);
  in.Wq = random_matrix(dk, da, rng, 0.6f);
  in.Wk = random_matrix(dk, da, rng, 0.6f);
  in.v = random_matrix(1, da, rng, 0.5f);
  in.dS = random_matrix(N, M, rng);
  return in;
}

const ScoreKind kKinds[] = {ScoreKind::ScaledDot, ScoreKind::Dot, ScoreKind::General, ScoreKind::Additive,
                            ScoreKind::Cosine};

std::string kind_str(ScoreKind k) {
  const char* names[] = {"scaled_dot", "dot", "general", "additive", "cosine"};
  return names[int(k)];
}

TEST(Scores, FastMatchesReferenceForwardAndBackward) {
  for (ScoreKind kind : kKinds) {
    const ScoreInputs in = make_inputs(31);
    const ScoreWeights w = in.weights();
    MatRM S, Sr;
    ScoreCache c;
    score_forward(S, c, kind, in.Q, in.K, w);
    score_forward_ref(Sr, kind, in.Q, in.K, w);
    expect_close(S, Sr, kind_str(kind) + " S");
    ScoreGrads g, gr;
    score_backward(g, in.dS, kind, in.Q, in.K, w, c);
    score_backward_ref(gr, in.dS, kind, in.Q, in.K, w);
    expect_close(g.dQ, gr.dQ, kind_str(kind) + " dQ");
    expect_close(g.dK, gr.dK, kind_str(kind) + " dK");
    if (kind == ScoreKind::General) expect_close(g.dW, gr.dW, "dW");
    if (kind == ScoreKind::Additive) {
      expect_close(g.dWq, gr.dWq, "dWq");
      expect_close(g.dWk, gr.dWk, "dWk");
      expect_close(g.dv, gr.dv, "dv");
    }
  }
}

TEST(Scores, FiniteDifferencesOfEveryGradient) {
  for (ScoreKind kind : kKinds) {
    ScoreInputs in = make_inputs(37);
    ScoreCache c;
    MatRM S;
    ScoreGrads g;
    score_forward(S, c, kind, in.Q, in.K, in.weights());
    score_backward(g, in.dS, kind, in.Q, in.K, in.weights(), c);
    auto f = [&] {
      MatRM s;
      score_forward_ref(s, kind, in.Q, in.K, in.weights());
      return weighted_sum(s, in.dS);
    };
    const std::string k = kind_str(kind) + " ";
    expect_fd_gradient(f, in.Q.data(), in.Q.size(), g.dQ.data(), k + "dQ");
    expect_fd_gradient(f, in.K.data(), in.K.size(), g.dK.data(), k + "dK");
    if (kind == ScoreKind::General) expect_fd_gradient(f, in.W.data(), in.W.size(), g.dW.data(), k + "dW");
    if (kind == ScoreKind::Additive) {
      expect_fd_gradient(f, in.Wq.data(), in.Wq.size(), g.dWq.data(), k + "dWq");
      expect_fd_gradient(f, in.Wk.data(), in.Wk.size(), g.dWk.data(), k + "dWk");
      expect_fd_gradient(f, in.v.data(), in.v.size(), g.dv.data(), k + "dv");
    }
  }
}

TEST(Scores, GeneralWithIdentityIsTheDotProduct) {
  ScoreInputs in = make_inputs(41);
  in.W = MatRM::Identity(3, 3);
  MatRM S, D;
  ScoreCache c;
  score_forward(S, c, ScoreKind::General, in.Q, in.K, in.weights());
  score_forward(D, c, ScoreKind::Dot, in.Q, in.K, in.weights());
  expect_close(S, D, "Q I K^T");
}

TEST(Scores, CosineIsBoundedScaleFreeAndClampsTinyNorms) {
  ScoreInputs in = make_inputs(43);
  MatRM S, S2;
  ScoreCache c;
  score_forward(S, c, ScoreKind::Cosine, in.Q, in.K, in.weights());
  EXPECT_LE(S.cwiseAbs().maxCoeff(), 1.f + 1e-6f);
  const MatRM Q2 = 7.5f * in.Q;
  score_forward(S2, c, ScoreKind::Cosine, Q2, in.K, in.weights());
  expect_close(S2, S, "cosine of a rescaled query");
  // A query with |q| < 1e-6 is divided by 1e-6, not by its norm: its scores stay tiny, never NaN.
  in.Q.row(1) *= 1e-8f;
  score_forward(S, c, ScoreKind::Cosine, in.Q, in.K, in.weights());
  EXPECT_TRUE(S.allFinite());
  EXPECT_LT(S.row(1).cwiseAbs().maxCoeff(), 0.1f);
  ScoreGrads g, gr;
  score_backward(g, in.dS, ScoreKind::Cosine, in.Q, in.K, in.weights(), c);
  score_backward_ref(gr, in.dS, ScoreKind::Cosine, in.Q, in.K, in.weights());
  EXPECT_TRUE(g.dQ.allFinite());
  expect_close(g.dQ, gr.dQ, "dQ with a clamped row");
  in.Q.row(1).setZero();
  score_forward(S, c, ScoreKind::Cosine, in.Q, in.K, in.weights());
  EXPECT_TRUE(S.row(1).isZero());
}

TEST(Attend, FastMatchesReferenceWithShawStyleExtraGradients) {
  Rng rng(47);
  const int N = 5, M = 6, dv = 3;
  AttentionCache c, cr;
  c.S = random_matrix(N, M, rng);
  cr.S = c.S;
  const MatRM V = random_matrix(M, dv, rng), B = random_matrix(N, M, rng, 0.5f), dO = random_matrix(N, dv, rng);
  const MatRM dA_in = random_matrix(N, M, rng), dA_show = random_matrix(N, M, rng), dL_extra = random_matrix(N, M, rng);
  MaskM allowed = random_mask(N, M, rng, 0.3);
  allowed.row(2).setZero();
  MatRM dL_extra_masked = dL_extra;  // a loss puts logit gradients on allowed cells only
  for (long k = 0; k < allowed.size(); ++k)
    if (!allowed.data()[k]) dL_extra_masked.data()[k] = 0.f;
  for (SoftmaxAxis axis : {SoftmaxAxis::Keys, SoftmaxAxis::Queries}) {
    AttentionParams p;
    p.scale = 0.7f;
    p.tau = 1.4f;
    p.axis = axis;
    p.allowed = &allowed;
    p.bias = &B;
    MatRM O, Or;
    attend_forward(c, O, V, p);
    attend_forward_ref(cr, Or, V, p);
    expect_close(c.L, cr.L, "L");
    expect_close(c.A, cr.A, "A");
    expect_close(O, Or, "O");
    AttendGrads g, gr;
    attend_backward(g, dO, &dA_in, &dA_show, &dL_extra_masked, V, c, p);
    attend_backward_ref(gr, dO, &dA_in, &dA_show, &dL_extra_masked, V, cr, p);
    for (auto [a, b, name] : {std::tuple{&g.dV, &gr.dV, "dV"}, std::tuple{&g.dA, &gr.dA, "dA"},
                              std::tuple{&g.dL, &gr.dL, "dL"}, std::tuple{&g.dS, &gr.dS, "dS"}})
      expect_close(*a, *b, name);
    EXPECT_NEAR(g.dscale, gr.dscale, 1e-4 + 1e-4 * std::abs(gr.dscale));
    EXPECT_NEAR(g.dtau, gr.dtau, 1e-4 + 1e-4 * std::abs(gr.dtau));
    EXPECT_TRUE(g.dL.row(2).isZero()) << "a fully masked row has zero gradients";
  }
}

TEST(Attend, ShawStyleGradientPropagatesThroughTheSoftmax) {
  // f = sum(W .* O) + sum(G .* A): attend_backward with dO = W and dA_in = G must give df/dS.
  Rng rng(53);
  const int N = 3, M = 4, dv = 2;
  AttentionCache c;
  c.S = random_matrix(N, M, rng);
  const MatRM V = random_matrix(M, dv, rng), W = random_matrix(N, dv, rng), G = random_matrix(N, M, rng);
  AttentionParams p;
  p.scale = 0.8f;
  p.tau = 1.1f;
  MatRM O;
  attend_forward(c, O, V, p);
  AttendGrads g;
  attend_backward(g, W, &G, nullptr, nullptr, V, c, p);
  MatRM S = c.S;
  auto f = [&] {
    AttentionCache cc;
    cc.S = S;
    MatRM o;
    attend_forward_ref(cc, o, V, p);
    return weighted_sum(o, W) + weighted_sum(cc.A, G);
  };
  expect_fd_gradient(f, S.data(), S.size(), g.dS.data(), "dS");
}

}  // namespace
}  // namespace attn
