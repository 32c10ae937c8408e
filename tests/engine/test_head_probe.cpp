// Head probes on hand-made attention matrices: a perfect previous-token head scores 1, a uniform
// one 1/i on average; an induction pattern scores 1 and a previous-token head scores 0 on it.
#include <gtest/gtest.h>

#include "engine/core/error.h"
#include "engine/model/head_probe.h"

namespace attn {
namespace {

TEST(HeadProbe, PreviousTokenAndInductionScores) {
  const int T = 10, p = 2, k = 4;
  MatRM prev = MatRM::Zero(T, T), ind = MatRM::Zero(T, T), uni = MatRM::Zero(T, T);
  prev(0, 0) = 1;
  for (int i = 1; i < T; ++i) prev(i, i - 1) = 1;
  for (int i = 0; i < T; ++i) {
    ind(i, i) = 1;
    for (int j = 0; j <= i; ++j) uni(i, j) = 1.0f / (i + 1);
  }
  for (int i = p + k; i < p + 2 * k; ++i) {
    ind(i, i) = 0;
    ind(i, i - k + 1) = 1;
  }
  EXPECT_DOUBLE_EQ(previous_token_score(prev), 1.0);
  EXPECT_DOUBLE_EQ(induction_score(ind, p, k), 1.0);
  EXPECT_DOUBLE_EQ(induction_score(prev, p, k), 0.0);
  double want = 0;
  for (int i = 1; i < T; ++i) want += 1.0 / (i + 1);
  EXPECT_NEAR(previous_token_score(uni), want / (T - 1), 1e-6);
  EXPECT_THROW(induction_score(ind, 3, 4), InputError);  // 3 + 8 > 10
  EXPECT_THROW(previous_token_score(MatRM::Zero(1, 1)), InputError);
}

}  // namespace
}  // namespace attn
