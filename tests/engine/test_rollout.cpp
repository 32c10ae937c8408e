// Mean/max over heads, drop_first_token, attention rollout on a hand-computed 3-token example
// (1 and 2 layers) and gradient-weighted rollout on a tiny example.
#include <gtest/gtest.h>

#include "engine/analysis/rollout.h"
#include "engine/core/error.h"

namespace attn {
namespace {

MatRM mat3(std::initializer_list<float> v) {
  MatRM m(3, 3);
  auto it = v.begin();
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) m(i, j) = *it++;
  return m;
}

void expect_near(const MatRM& a, const MatRM& b, double tol = 1e-6) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  for (int i = 0; i < a.rows(); ++i)
    for (int j = 0; j < a.cols(); ++j) EXPECT_NEAR(a(i, j), b(i, j), tol) << "(" << i << ", " << j << ")";
}

// Layer 0: heads H0 and H1; layer 1: uniform causal and identity.
const MatRM kL0H0 = mat3({1, 0, 0, 0.5f, 0.5f, 0, 0.2f, 0.3f, 0.5f});
const MatRM kL0H1 = mat3({1, 0, 0, 1, 0, 0, 0, 1, 0});
const MatRM kL1H0 = mat3({1, 0, 0, 0.5f, 0.5f, 0, 1.f / 3, 1.f / 3, 1.f / 3});
const MatRM kL1H1 = MatRM::Identity(3, 3);

TEST(Rollout, MeanMaxOverHeads) {
  expect_near(mean_over_heads({kL0H0, kL0H1}), mat3({1, 0, 0, 0.75f, 0.25f, 0, 0.1f, 0.65f, 0.25f}));
  expect_near(max_over_heads({kL0H0, kL0H1}), mat3({1, 0, 0, 1, 0.5f, 0, 0.2f, 1, 0.5f}));
  EXPECT_THROW(mean_over_heads({}), InputError);
  EXPECT_THROW(max_over_heads({kL0H0, MatRM::Zero(2, 2)}), InputError);
}

TEST(Rollout, DropFirstToken) {
  // column 0 removed, rows renormalised; row 0 has nothing left and stays 0:
  // row 1: (0, 0.5) / 0.5 = (0, 1);  row 2: (0, 0.3, 0.5) / 0.8 = (0, 0.375, 0.625)
  expect_near(drop_first_token(kL0H0), mat3({0, 0, 0, 0, 1, 0, 0, 0.375f, 0.625f}));
}

TEST(Rollout, OneLayerByHand) {
  // mean_h = [[1,0,0],[0.75,0.25,0],[0.1,0.65,0.25]]; 0.5 mean + 0.5 I (rows already sum to 1):
  // A_0 = [[1,0,0],[0.375,0.625,0],[0.05,0.325,0.625]] = R
  expect_near(attention_rollout({{kL0H0, kL0H1}}), mat3({1, 0, 0, 0.375f, 0.625f, 0, 0.05f, 0.325f, 0.625f}));
}

TEST(Rollout, TwoLayersByHand) {
  // layer 1: mean_h = [[1,0,0],[0.25,0.75,0],[1/6,1/6,2/3]];
  // A_1 = 0.5 mean + 0.5 I = [[1,0,0],[0.125,0.875,0],[1/12,1/12,5/6]]
  // R = A_1 A_0:
  //   row 1: 0.125 (1,0,0) + 0.875 (0.375,0.625,0) = (0.453125, 0.546875, 0)
  //   row 2: 1/12 (1,0,0) + 1/12 (0.375,0.625,0) + 5/6 (0.05,0.325,0.625)
  //        = (0.0833333 + 0.03125 + 0.0416667, 0.0520833 + 0.2708333, 0.5208333)
  //        = (0.15625, 0.3229167, 0.5208333)
  const MatRM R = attention_rollout({{kL0H0, kL0H1}, {kL1H0, kL1H1}});
  expect_near(R, mat3({1, 0, 0, 0.453125f, 0.546875f, 0, 0.15625f, 0.3229167f, 0.5208333f}));
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(R.row(i).sum(), 1, 1e-6);  // a product of row-stochastic maps
}

TEST(Rollout, DropFirstBeforeTheMean) {
  // layer 0 with column 0 dropped: H0 -> [[0,0,0],[0,1,0],[0,0.375,0.625]], H1 -> [[0,0,0],[0,0,0],[0,1,0]]
  // mean = [[0,0,0],[0,0.5,0],[0,0.6875,0.3125]]; 0.5 mean + 0.5 I = [[0.5,0,0],[0,0.75,0],[0,0.34375,0.65625]]
  // rows renormalised: [[1,0,0],[0,1,0],[0,0.34375,0.65625]]
  expect_near(attention_rollout({{kL0H0, kL0H1}}, true), mat3({1, 0, 0, 0, 1, 0, 0, 0.34375f, 0.65625f}));
}

TEST(Rollout, GradientRolloutTiny) {
  MatRM A(2, 2), g0(2, 2), g1(2, 2);
  A << 1, 0, 0.5f, 0.5f;
  g0 << 2, 9, -1, 4;  // g0 .* A = [[2,0],[-0.5,2]] -> positive part [[2,0],[0,2]]: R = I + 2 I = 3 I
  g1 << 1, 0, 2, 1;   // g1 .* A = [[1,0],[1,0.5]]: R = 3I + [[1,0],[1,0.5]] 3I = [[6,0],[3,4.5]]
  MatRM expect(2, 2);
  expect << 6, 0, 3, 4.5f;
  expect_near(gradient_rollout({{A}, {A}}, {{g0}, {g1}}), expect);
  // two heads, gradients g0 and -g0: positive parts [[2,0],[0,2]] and [[0,0],[0.5,0]], mean
  // [[1,0],[0.25,1]] -> R = I + [[1,0],[0.25,1]] = [[2,0],[0.25,2]]
  MatRM two(2, 2);
  two << 2, 0, 0.25f, 2;
  expect_near(gradient_rollout({{A, A}}, {{g0, -g0}}), two);
  EXPECT_THROW(gradient_rollout({{A}}, {}), InputError);
  EXPECT_THROW(gradient_rollout({{A}}, {{MatRM::Zero(3, 3)}}), InputError);
}

}  // namespace
}  // namespace attn
