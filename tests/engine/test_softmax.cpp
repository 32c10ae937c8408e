// Softmax: fast vs reference, rows sum to 1, masks, fully masked rows, the queries axis, and
// central finite differences of the backward pass (including d tau).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/ops/softmax.h"
#include "engine/sandbox/init.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

TEST(Softmax, RowsSumToOneAndMatchReference) {
  Rng rng(1);
  MatRM L(5, 7);
  fill_normal(L, rng, 3.f);
  MaskM allowed = random_mask(5, 7, rng, 0.3);
  allowed.row(2).setZero();  // one fully masked row
  for (float tau : {1.f, 0.5f, 3.f}) {
    MatRM A, Aref;
    softmax_forward(A, L, &allowed, tau, SoftmaxAxis::Keys);
    softmax_forward_ref(Aref, L, &allowed, tau, SoftmaxAxis::Keys);
    expect_close(A, Aref, "A");
    for (int i = 0; i < 5; ++i) {
      if (i == 2) {
        EXPECT_EQ(A.row(i).cwiseAbs().sum(), 0.f) << "fully masked row must be zeros";
        continue;
      }
      EXPECT_NEAR(A.row(i).sum(), 1.f, 1e-6f);
      for (int j = 0; j < 7; ++j) {
        if (!allowed(i, j)) EXPECT_EQ(A(i, j), 0.f);
      }
    }
  }
}

TEST(Softmax, HugeLogitsStayFinite) {
  MatRM L(1, 3);
  L << 1000.f, 1001.f, -1000.f;
  MatRM A;
  softmax_forward(A, L, nullptr, 1.f, SoftmaxAxis::Keys);
  EXPECT_TRUE(A.allFinite());
  EXPECT_NEAR(A(0, 1), 1.f / (1.f + std::exp(-1.f)), 1e-6f);
}

TEST(Softmax, QueriesAxisColumnsSumToOne) {
  Rng rng(2);
  MatRM L(4, 6);
  fill_normal(L, rng, 1.f);
  MatRM A, Aref;
  softmax_forward(A, L, nullptr, 0.7f, SoftmaxAxis::Queries);
  softmax_forward_ref(Aref, L, nullptr, 0.7f, SoftmaxAxis::Queries);
  expect_close(A, Aref, "A");
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(A.col(j).sum(), 1.f, 1e-6f);
}

// Loss f(A) = sum(W .* A) for a fixed random W: dA = W.
double weighted_sum(const MatRM& L, const MaskM* allowed, float tau, SoftmaxAxis axis, const MatRM& W) {
  MatRM A;
  softmax_forward_ref(A, L, allowed, tau, axis);
  return (A.cast<double>().array() * W.cast<double>().array()).sum();
}

TEST(Softmax, BackwardMatchesFiniteDifferences) {
  Rng rng(3);
  for (SoftmaxAxis axis : {SoftmaxAxis::Keys, SoftmaxAxis::Queries}) {
    MatRM L(4, 5), W(4, 5);
    fill_normal(L, rng, 1.f);
    fill_normal(W, rng, 1.f);
    MaskM allowed = random_mask(4, 5, rng, 0.25);
    allowed.row(1).setZero();
    const float tau = 0.8f;
    MatRM A, dL, dLref;
    softmax_forward(A, L, &allowed, tau, axis);
    float dtau = 0.f, dtau_ref = 0.f;
    softmax_backward(dL, &dtau, W, A, L, &allowed, tau, axis);
    softmax_backward_ref(dLref, &dtau_ref, W, A, L, &allowed, tau, axis);
    expect_close(dL, dLref, "dL");
    EXPECT_NEAR(dtau, dtau_ref, 1e-5);
    const double eps = 1e-3;
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 5; ++j) {
        MatRM Lp = L, Lm = L;
        Lp(i, j) += eps;
        Lm(i, j) -= eps;
        const double fd = (weighted_sum(Lp, &allowed, tau, axis, W) - weighted_sum(Lm, &allowed, tau, axis, W)) / (2 * eps);
        EXPECT_NEAR(dL(i, j), fd, 2e-3 + 2e-3 * std::abs(fd)) << "cell " << i << "," << j;
        EXPECT_TRUE(std::isfinite(dL(i, j)));
      }
    const double fd_tau = (weighted_sum(L, &allowed, tau + eps, axis, W) - weighted_sum(L, &allowed, tau - eps, axis, W)) / (2 * eps);
    EXPECT_NEAR(dtau, fd_tau, 2e-3 + 2e-3 * std::abs(fd_tau));
  }
}

}  // namespace
}  // namespace attn
