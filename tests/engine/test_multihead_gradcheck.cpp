// Central finite differences of every gradient the multi-head sandbox reports, for each loss
// (MSE, row cross-entropy, one cell) in both modes (direct Q/K/V; projections, self and cross).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "engine/sandbox/init.h"
#include "engine/core/parallel.h"
#include "engine/sandbox/multihead.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

AttentionCase make_case(AttnMode mode, bool self, LossKind loss, uint64_t seed) {
  AttentionCase c;
  c.config.mode = mode;
  c.config.N = 3;
  c.config.M = self ? 3 : 4;
  c.config.H = 2;
  c.config.D = 4;
  c.config.dk = 3;
  c.config.dv = 2;
  c.config.self_attention = self;
  c.config.tau = 0.8f;
  MaskPart causal;
  causal.kind = MaskKind::Causal;
  c.config.mask.parts.push_back(causal);
  init_random_tensors(c, seed, 1.f, /*with_biases=*/true);
  Rng rng(seed + 100);
  const long out_cols = mode == AttnMode::Projection ? c.config.D : c.config.H * c.config.dv;
  c.loss.kind = loss;
  if (loss == LossKind::MSE) {
    c.loss.target.resize(c.config.N, out_cols);
    fill_normal(c.loss.target, rng, 1.f);
  } else if (loss == LossKind::CrossEntropy) {
    c.loss.rows = {1, 2};
    c.loss.heads = {};
    c.loss.target_rows = MatRM::Zero(2, c.config.M);
    // Row 1 sees keys 0 .. (1 + M - N); spread the target over the allowed ones.
    for (int r = 0; r < 2; ++r) {
      const int visible = c.loss.rows[r] + c.config.M - c.config.N + 1;
      for (int j = 0; j < visible; ++j) c.loss.target_rows(r, j) = 1.f / visible;
    }
  } else {
    c.loss.head = 1;
    c.loss.row = 2;
    c.loss.col = 1;
  }
  return c;
}

double loss_value(const AttentionCase& c) { return run_attention(c, true).loss; }

// Perturbs every element of `param` and compares (f(+eps) - f(-eps)) / 2eps with `grad`.
void check_tensor(AttentionCase& c, const std::function<float*(AttentionCase&)>& param, long size, const float* grad,
                  const std::string& name) {
  const double eps = 2e-3;
  int bad = 0;
  for (long k = 0; k < size; ++k) {
    float* x = param(c) + k;
    const float x0 = *x;
    *x = x0 + float(eps);
    const double fp = loss_value(c);
    *x = x0 - float(eps);
    const double fm = loss_value(c);
    *x = x0;
    const double fd = (fp - fm) / (2 * eps);
    if (!(std::abs(grad[k] - fd) <= 3e-3 + 3e-3 * std::abs(fd))) {
      if (++bad <= 3) ADD_FAILURE() << name << "[" << k << "] = " << grad[k] << ", finite difference " << fd;
    }
  }
  EXPECT_EQ(bad, 0) << name;
}

void check_scalar(AttentionCase& c, float* x, float grad, const std::string& name) {
  const double eps = 2e-3;
  const float x0 = *x;
  *x = x0 + float(eps);
  const double fp = loss_value(c);
  *x = x0 - float(eps);
  const double fm = loss_value(c);
  *x = x0;
  const double fd = (fp - fm) / (2 * eps);
  EXPECT_NEAR(grad, fd, 3e-3 + 3e-3 * std::abs(fd)) << name;
}

struct GradCase {
  AttnMode mode;
  bool self;
  LossKind loss;
};

class MultiheadGradcheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(MultiheadGradcheck, EveryGradientMatchesFiniteDifferences) {
  const GradCase gc = GetParam();
  AttentionCase c = make_case(gc.mode, gc.self, gc.loss, 7);
  c.config.scale_mode = ScaleMode::Custom;
  c.config.custom_scale = 0.55f;
  const AttentionResult r = run_attention(c, true);
  ASSERT_TRUE(r.has_grads);
  check_scalar(c, &c.config.tau, r.dtau, "dtau");
  check_scalar(c, &c.config.custom_scale, r.dscale, "dscale");
  for (int h = 0; h < c.config.H; ++h) {
    const HeadResult& hr = r.heads[h];
    const std::string hs = "[head " + std::to_string(h) + "] ";
    if (gc.mode == AttnMode::Direct) {
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.Q[h].data(); }, hr.grad.dQ.size(), hr.grad.dQ.data(), hs + "dQ");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.K[h].data(); }, hr.grad.dK.size(), hr.grad.dK.data(), hs + "dK");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.V[h].data(); }, hr.grad.dV.size(), hr.grad.dV.data(), hs + "dV");
    } else {
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.Wq[h].data(); }, hr.dWq.size(), hr.dWq.data(), hs + "dWq");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.Wk[h].data(); }, hr.dWk.size(), hr.dWk.data(), hs + "dWk");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.Wv[h].data(); }, hr.dWv.size(), hr.dWv.data(), hs + "dWv");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.bq[h].data(); }, hr.dbq.size(), hr.dbq.data(), hs + "dbq");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.bk[h].data(); }, hr.dbk.size(), hr.dbk.data(), hs + "dbk");
      check_tensor(c, [h](AttentionCase& x) { return x.tensors.bv[h].data(); }, hr.dbv.size(), hr.dbv.data(), hs + "dbv");
    }
  }
  if (gc.mode == AttnMode::Projection) {
    check_tensor(c, [](AttentionCase& x) { return x.tensors.X.data(); }, r.dX.size(), r.dX.data(), "dX");
    if (!gc.self) check_tensor(c, [](AttentionCase& x) { return x.tensors.Y.data(); }, r.dY.size(), r.dY.data(), "dY");
    check_tensor(c, [](AttentionCase& x) { return x.tensors.Wo.data(); }, r.dWo.size(), r.dWo.data(), "dWo");
    check_tensor(c, [](AttentionCase& x) { return x.tensors.bo.data(); }, r.dbo.size(), r.dbo.data(), "dbo");
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllModesAndLosses, MultiheadGradcheck,
    ::testing::Values(GradCase{AttnMode::Direct, true, LossKind::MSE}, GradCase{AttnMode::Direct, false, LossKind::MSE},
                      GradCase{AttnMode::Direct, true, LossKind::CrossEntropy},
                      GradCase{AttnMode::Direct, false, LossKind::Cell},
                      GradCase{AttnMode::Projection, true, LossKind::MSE},
                      GradCase{AttnMode::Projection, false, LossKind::MSE},
                      GradCase{AttnMode::Projection, true, LossKind::CrossEntropy},
                      GradCase{AttnMode::Projection, false, LossKind::CrossEntropy},
                      GradCase{AttnMode::Projection, true, LossKind::Cell}),
    [](const ::testing::TestParamInfo<GradCase>& info) {
      std::string s = std::string(attn_mode_name(info.param.mode)) + (info.param.self ? "_self_" : "_cross_") +
                      loss_kind_name(info.param.loss);
      return s;
    });

TEST(Multihead, ResultsAreBitIdenticalForOneAndTwoThreads) {
  AttentionCase c = make_case(AttnMode::Projection, false, LossKind::MSE, 9);
  c.config.H = 4;
  init_random_tensors(c, 9, 1.f, true);
  set_engine_threads(1);
  const AttentionResult r1 = run_attention(c, true);
  set_engine_threads(2);
  const AttentionResult r2 = run_attention(c, true);
  set_engine_threads(0);
  EXPECT_EQ(r1.loss, r2.loss);
  EXPECT_TRUE(r1.Z == r2.Z);
  EXPECT_TRUE(r1.dX == r2.dX);
  EXPECT_TRUE(r1.dY == r2.dY);
  for (int h = 0; h < 4; ++h) EXPECT_TRUE(r1.heads[h].dWq == r2.heads[h].dWq);
}

}  // namespace
}  // namespace attn
