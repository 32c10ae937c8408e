// Head summaries and the Jensen-Shannon distance on small hand-made maps whose values are known.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/analysis/head_stats.h"
#include "engine/core/error.h"
#include "engine/core/parallel.h"

namespace attn {
namespace {

MatRM uniform_causal(int T) {
  MatRM A = MatRM::Zero(T, T);
  for (int i = 0; i < T; ++i) A.row(i).head(i + 1).setConstant(1.f / (i + 1));
  return A;
}
MatRM previous_token_map(int T) {  // row 0 on itself, row i on i - 1
  MatRM A = MatRM::Zero(T, T);
  A(0, 0) = 1;
  for (int i = 1; i < T; ++i) A(i, i - 1) = 1;
  return A;
}

TEST(HeadStats, UniformCausal) {
  const HeadSummary s = summarize_head(uniform_causal(4));
  // rows 1, 1/2, 1/3, 1/4: entropy ln 1, ln 2, ln 3, ln 4
  EXPECT_NEAR(s.entropy, (std::log(2.0) + std::log(3.0) + std::log(4.0)) / 4, 1e-6);
  // row i: mean of |i - j| over j <= i = i / 2 -> (0 + 0.5 + 1 + 1.5) / 4
  EXPECT_NEAR(s.mean_distance, 0.75, 1e-6);
  EXPECT_NEAR(s.first_token, (1 + 0.5 + 1.0 / 3 + 0.25) / 4, 1e-6);
  EXPECT_NEAR(s.previous_token, (0.5 + 1.0 / 3 + 0.25) / 3, 1e-6);  // rows 1..3
  EXPECT_NEAR(s.diagonal, (1 + 0.5 + 1.0 / 3 + 0.25) / 4, 1e-6);
}

TEST(HeadStats, Identity) {
  const HeadSummary s = summarize_head(MatRM::Identity(4, 4));
  EXPECT_NEAR(s.entropy, 0, 1e-12);
  EXPECT_NEAR(s.mean_distance, 0, 1e-12);
  EXPECT_NEAR(s.first_token, 0.25, 1e-12);  // only row 0
  EXPECT_NEAR(s.previous_token, 0, 1e-12);
  EXPECT_NEAR(s.diagonal, 1, 1e-12);
}

TEST(HeadStats, PreviousToken) {
  const HeadSummary s = summarize_head(previous_token_map(4));
  EXPECT_NEAR(s.entropy, 0, 1e-12);
  EXPECT_NEAR(s.mean_distance, 0.75, 1e-12);  // rows 1..3 at distance 1, row 0 at 0
  EXPECT_NEAR(s.first_token, 0.5, 1e-12);     // rows 0 and 1
  EXPECT_NEAR(s.previous_token, 1, 1e-12);
  EXPECT_NEAR(s.diagonal, 0.25, 1e-12);
}

TEST(HeadStats, RowsWithoutMassAreSkippedAndShapesChecked) {
  MatRM A = MatRM::Identity(3, 3);
  A.row(2).setZero();  // a padded row
  const HeadSummary s = summarize_head(A);
  EXPECT_NEAR(s.diagonal, 1, 1e-12);
  EXPECT_THROW(summarize_head(MatRM::Zero(2, 3)), InputError);
  EXPECT_THROW(summarize_head(MatRM::Zero(0, 0)), InputError);
}

TEST(JsDistance, ZeroSymmetricAndOneForDisjointRows) {
  const MatRM U = uniform_causal(5), P = previous_token_map(5);
  EXPECT_NEAR(js_distance(U, U), 0, 1e-7);
  EXPECT_NEAR(js_distance(U, P), js_distance(P, U), 1e-12);
  const double d = js_distance(U, P);
  EXPECT_GT(d, 0.1);
  EXPECT_LT(d, 1);
  // one-hot rows on different keys: JS = 1 bit per row, distance 1
  MatRM a = MatRM::Zero(3, 3), b = MatRM::Zero(3, 3);
  for (int i = 0; i < 3; ++i) {
    a(i, i) = 1;
    b(i, (i + 1) % 3) = 1;
  }
  EXPECT_NEAR(js_distance(a, b), 1, 1e-9);
  // a hand case: p = (1, 0), q = (1/2, 1/2): m = (3/4, 1/4),
  // JS = 1/2 log2(4/3) + 1/2 (1/2 log2(2/3) + 1/2 log2(2)) = 0.311278...
  MatRM p(1, 2), q(1, 2);
  p << 1, 0;
  q << 0.5, 0.5;
  const double js = 0.5 * std::log2(4.0 / 3) + 0.25 * std::log2(2.0 / 3) + 0.25;
  EXPECT_NEAR(js_distance(p, q), std::sqrt(js), 1e-7);
  EXPECT_THROW(js_distance(MatRM::Zero(2, 2), MatRM::Zero(3, 3)), InputError);
}

TEST(JsDistance, MatrixEqualsThePairwiseReference) {
  // Random maps with a row of no mass in some and negative entries (clamped): the prepared,
  // parallel matrix equals js_distance of every pair, and does not depend on the thread count.
  std::vector<MatRM> maps;
  for (int k = 0; k < 7; ++k) {
    MatRM A = MatRM::Random(9, 9).cwiseAbs();
    if (k % 3 == 0) A.row(4).setZero();
    if (k == 5) A(2, 3) = -0.5f;
    maps.push_back(A);
  }
  const MatRM D = js_distance_matrix(maps);
  for (int a = 0; a < 7; ++a)
    for (int b = 0; b < 7; ++b)
      EXPECT_NEAR(D(a, b), a == b ? 0.0 : js_distance(maps[size_t(a)], maps[size_t(b)]), 1e-6) << a << ", " << b;
  set_engine_threads(1);
  const MatRM D1 = js_distance_matrix(maps);
  set_engine_threads(0);
  EXPECT_TRUE(D1 == D) << "bit-identical on 1 thread";
  maps.push_back(MatRM::Zero(3, 3));
  EXPECT_THROW(js_distance_matrix(maps), InputError);
}

TEST(JsDistance, MatrixAndOrder) {
  // maps 0 and 2 equal, 1 different: the chain from 0 takes 2 next
  const std::vector<MatRM> maps = {uniform_causal(4), previous_token_map(4), uniform_causal(4),
                                   MatRM::Identity(4, 4)};
  const MatRM D = js_distance_matrix(maps);
  ASSERT_EQ(D.rows(), 4);
  for (int a = 0; a < 4; ++a) {
    EXPECT_EQ(D(a, a), 0);
    for (int b = 0; b < 4; ++b) EXPECT_EQ(D(a, b), D(b, a));
  }
  const std::vector<int> order = order_by_similarity(D);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order[0], 0);
  EXPECT_EQ(order[1], 2);
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(order, order_by_similarity(D));  // deterministic
  EXPECT_THROW(order_by_similarity(MatRM::Zero(2, 3)), InputError);
}

}  // namespace
}  // namespace attn
