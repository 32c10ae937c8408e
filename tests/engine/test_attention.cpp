// One head of attention: fast vs reference twin, finite-difference gradients of every output
// (dQ, dK, dV, dscale, dtau), the article's worked example, and fully masked rows.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/attention.h"
#include "engine/sandbox/init.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

struct HeadInputs {
  MatRM Q, K, V, B, W;  // W: weights of the test loss sum(W .* O)
  MaskM allowed;
};

HeadInputs make_inputs(int N, int M, int dk, int dv, uint64_t seed, double p_masked) {
  Rng rng(seed);
  HeadInputs in{MatRM(N, dk), MatRM(M, dk), MatRM(M, dv), MatRM(N, M), MatRM(N, dv), MaskM()};
  fill_normal(in.Q, rng, 1.f);
  fill_normal(in.K, rng, 1.f);
  fill_normal(in.V, rng, 1.f);
  fill_normal(in.B, rng, 0.5f);
  fill_normal(in.W, rng, 1.f);
  in.allowed = random_mask(N, M, rng, p_masked);
  return in;
}

// Test loss: f = sum(W .* O), so dO = W. Evaluated with the reference twin in double-ish.
double loss_of(const HeadInputs& in, const AttentionParams& p) {
  AttentionCache c;
  MatRM O;
  attention_forward_ref(c, O, in.Q, in.K, in.V, p);
  return (O.cast<double>().array() * in.W.cast<double>().array()).sum();
}

TEST(Attention, FastMatchesReference) {
  for (SoftmaxAxis axis : {SoftmaxAxis::Keys, SoftmaxAxis::Queries}) {
    HeadInputs in = make_inputs(5, 7, 3, 4, 11, 0.3);
    in.allowed.row(1).setZero();
    AttentionParams p;
    p.scale = 0.37f;
    p.tau = 1.7f;
    p.axis = axis;
    p.allowed = &in.allowed;
    p.bias = &in.B;
    AttentionCache c, cr;
    MatRM O, Or;
    attention_forward(c, O, in.Q, in.K, in.V, p);
    attention_forward_ref(cr, Or, in.Q, in.K, in.V, p);
    expect_close(c.S, cr.S, "S");
    expect_close(c.L, cr.L, "L");
    expect_close(c.A, cr.A, "A");
    expect_close(O, Or, "O");
    AttentionGrads g, gr;
    attention_backward(g, in.W, nullptr, nullptr, in.Q, in.K, in.V, c, p);
    attention_backward_ref(gr, in.W, nullptr, nullptr, in.Q, in.K, in.V, cr, p);
    expect_close(g.dQ, gr.dQ, "dQ");
    expect_close(g.dK, gr.dK, "dK");
    expect_close(g.dV, gr.dV, "dV");
    expect_close(g.dA, gr.dA, "dA");
    expect_close(g.dL, gr.dL, "dL");
    EXPECT_NEAR(g.dscale, gr.dscale, 1e-5 + 1e-4 * std::abs(gr.dscale));
    EXPECT_NEAR(g.dtau, gr.dtau, 1e-5 + 1e-4 * std::abs(gr.dtau));
  }
}

TEST(Attention, GradientsMatchFiniteDifferences) {
  HeadInputs in = make_inputs(4, 6, 3, 2, 12, 0.25);
  in.allowed.row(2).setZero();
  AttentionParams p;
  p.scale = 0.6f;
  p.tau = 0.9f;
  p.allowed = &in.allowed;
  p.bias = &in.B;
  AttentionCache c;
  MatRM O;
  attention_forward(c, O, in.Q, in.K, in.V, p);
  AttentionGrads g;
  attention_backward(g, in.W, nullptr, nullptr, in.Q, in.K, in.V, c, p);
  const double eps = 1e-3;
  auto check = [&](MatRM& X, const MatRM& dX, const char* name) {
    for (long k = 0; k < X.size(); ++k) {
      const float x0 = X.data()[k];
      X.data()[k] = x0 + float(eps);
      const double fp = loss_of(in, p);
      X.data()[k] = x0 - float(eps);
      const double fm = loss_of(in, p);
      X.data()[k] = x0;
      const double fd = (fp - fm) / (2 * eps);
      EXPECT_NEAR(dX.data()[k], fd, 3e-3 + 3e-3 * std::abs(fd)) << name << " element " << k;
    }
  };
  check(in.Q, g.dQ, "dQ");
  check(in.K, g.dK, "dK");
  check(in.V, g.dV, "dV");
  check(in.B, g.dL, "dB (= dS)");
  AttentionParams ps = p, pm = p;
  ps.scale += float(eps);
  pm.scale -= float(eps);
  const double fd_scale = (loss_of(in, ps) - loss_of(in, pm)) / (2 * eps);
  EXPECT_NEAR(g.dscale, fd_scale, 3e-3 + 3e-3 * std::abs(fd_scale));
  AttentionParams ts = p, tm = p;
  ts.tau += float(eps);
  tm.tau -= float(eps);
  const double fd_tau = (loss_of(in, ts) - loss_of(in, tm)) / (2 * eps);
  EXPECT_NEAR(g.dtau, fd_tau, 3e-3 + 3e-3 * std::abs(fd_tau));
}

TEST(Attention, FullyMaskedRowGivesZerosNotNaN) {
  HeadInputs in = make_inputs(3, 4, 2, 2, 13, 0.0);
  in.allowed.row(1).setZero();
  AttentionParams p;
  p.allowed = &in.allowed;
  AttentionCache c;
  MatRM O;
  attention_forward(c, O, in.Q, in.K, in.V, p);
  AttentionGrads g;
  attention_backward(g, in.W, nullptr, nullptr, in.Q, in.K, in.V, c, p);
  EXPECT_TRUE(c.A.allFinite() && O.allFinite() && g.dQ.allFinite() && g.dK.allFinite() && g.dV.allFinite());
  EXPECT_EQ(c.A.row(1).cwiseAbs().sum(), 0.f);
  EXPECT_EQ(O.row(1).cwiseAbs().sum(), 0.f);
  EXPECT_EQ(g.dQ.row(1).cwiseAbs().sum(), 0.f);
  EXPECT_EQ(g.dL.row(1).cwiseAbs().sum(), 0.f);
}

TEST(Attention, ArticleWorkedExample) {
  // One query 2, keys 1, 2, 3, no scaling: scores 2, 4, 6 and alpha_11 = e^2 / (e^2 + e^4 + e^6).
  MatRM Q(1, 1), K(3, 1);
  Q << 2.f;
  K << 1.f, 2.f, 3.f;
  AttentionParams p;
  p.scale = 1.f;
  AttentionCache c;
  MatRM O;
  attention_forward(c, O, Q, K, K, p);
  const double e2 = std::exp(2.0), e4 = std::exp(4.0), e6 = std::exp(6.0);
  EXPECT_NEAR(c.A(0, 0), e2 / (e2 + e4 + e6), 1e-7);
  EXPECT_NEAR(c.A(0, 1), e4 / (e2 + e4 + e6), 1e-7);
  EXPECT_NEAR(c.A(0, 2), e6 / (e2 + e4 + e6), 1e-6);
  EXPECT_NEAR(O(0, 0), (1 * e2 + 2 * e4 + 3 * e6) / (e2 + e4 + e6), 1e-5);
}

}  // namespace
}  // namespace attn
