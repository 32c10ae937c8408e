// Absolute encodings and RoPE as a learner checks them: the tables match their formulas (fast vs
// reference twin, the geometric variant by hand), sinusoidal dot products depend only on the
// distance, a learned table refuses positions past its end, RoPE makes q_m . k_n depend only on
// m - n, its backward is the inverse rotation, and odd widths are refused.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/core/error.h"
#include "engine/ops/positional_absolute.h"
#include "engine/ops/rope.h"
#include "tests/engine/pe_test_util.h"
#include "tests/engine/test_util.h"

namespace attn {
namespace {

TEST(PositionalAbsolute, FastTablesMatchReferenceTwins) {
  for (int pos0 : {0, 7, -3}) {
    MatRM P;
    MatRMd R;
    pe_sinusoidal_forward(P, pos0, 40, 16, 10000.0);
    pe_sinusoidal_ref(R, pos0, 40, 16, 10000.0);
    expect_close(P, R.cast<float>(), "sinusoidal");
    pe_sinusoidal_t2t_forward(P, pos0, 40, 16, 500.0);
    pe_sinusoidal_t2t_ref(R, pos0, 40, 16, 500.0);
    expect_close(P, R.cast<float>(), "sinusoidal_t2t");
    pe_geometric_forward(P, pos0, 40, 10);
    pe_geometric_ref(R, pos0, 40, 10);
    expect_close(P, R.cast<float>(), "geometric");
  }
}

TEST(PositionalAbsolute, SinusoidalValuesByHand) {
  MatRM P;
  pe_sinusoidal_forward(P, 0, 3, 4, 10000.0);
  // d = 4: frequencies 1 and 1/100.
  EXPECT_FLOAT_EQ(P(0, 0), 0.f);
  EXPECT_FLOAT_EQ(P(0, 1), 1.f);
  EXPECT_FLOAT_EQ(P(2, 0), std::sin(2.f));
  EXPECT_FLOAT_EQ(P(2, 1), std::cos(2.f));
  EXPECT_FLOAT_EQ(P(2, 2), std::sin(0.02f));
  EXPECT_FLOAT_EQ(P(2, 3), std::cos(0.02f));
  // tensor2tensor layout: the same numbers, sines first.
  MatRM T;
  pe_sinusoidal_t2t_forward(T, 0, 3, 4, 10000.0);
  EXPECT_FLOAT_EQ(T(2, 0), P(2, 0));
  EXPECT_FLOAT_EQ(T(2, 1), P(2, 2));
  EXPECT_FLOAT_EQ(T(2, 2), P(2, 1));
  EXPECT_FLOAT_EQ(T(2, 3), P(2, 3));
}

TEST(PositionalAbsolute, GeometricVariantMatchesItsFormula) {
  // P(p, 2k) = sin(p / 2^k), P(p, 2k+1) = cos(p / 2^k): frequencies 1, 1/2, 1/4, ... (not base^(2k/d)).
  MatRM P;
  pe_geometric_forward(P, 0, 9, 8);
  for (int p = 0; p < 9; ++p)
    for (int k = 0; k < 4; ++k) {
      EXPECT_NEAR(P(p, 2 * k), std::sin(p / std::pow(2.0, k)), 1e-7) << p << "," << k;
      EXPECT_NEAR(P(p, 2 * k + 1), std::cos(p / std::pow(2.0, k)), 1e-7) << p << "," << k;
    }
  EXPECT_NEAR(P(3, 2), std::sin(1.5), 1e-7);
  EXPECT_NEAR(P(8, 7), std::cos(1.0), 1e-7);
}

// PE(i) . PE(j) = sum_k cos((i - j) w_k) for both sinusoidal layouts (and the geometric one).
double analytic_dot(int delta, int d, double base, bool geometric) {
  double s = 0.0;
  for (int k = 0; k < d / 2; ++k) s += std::cos(delta * (geometric ? std::pow(2.0, -k) : std::pow(base, -2.0 * k / d)));
  return s;
}

TEST(PositionalAbsolute, SinusoidalDotProductsDependOnlyOnDistanceFloat32) {
  const int N = 512, d = 64;
  for (int layout = 0; layout < 2; ++layout) {
    MatRM P;
    if (layout == 0)
      pe_sinusoidal_forward(P, 0, N, d, 10000.0);
    else
      pe_sinusoidal_t2t_forward(P, 0, N, d, 10000.0);
    const MatRMd Pd = P.cast<double>();
    const MatRMd G = Pd * Pd.transpose();
    double worst = 0.0;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) worst = std::max(worst, std::abs(G(i, j) - analytic_dot(i - j, d, 10000.0, false)));
    EXPECT_LE(worst, 1e-4) << "layout " << layout;
    // And symmetric in the sign of the distance: row i, column i + t equals row i + t, column i.
    EXPECT_LE((G - G.transpose()).cwiseAbs().maxCoeff(), 1e-9);
  }
}

TEST(PositionalAbsolute, SinusoidalDotProductsDependOnlyOnDistanceDoubleReference) {
  const int N = 512, d = 64;
  MatRMd P;
  pe_sinusoidal_ref(P, 0, N, d, 10000.0);
  const MatRMd G = P * P.transpose();
  double worst = 0.0;
  for (int i = 0; i < N; i += 3)
    for (int j = 0; j < N; ++j) worst = std::max(worst, std::abs(G(i, j) - analytic_dot(i - j, d, 10000.0, false)));
  EXPECT_LE(worst, 1e-10);
  // The geometric variant keeps the property (sin/cos pairs at one frequency).
  pe_geometric_ref(P, 0, 64, 12);
  const MatRMd Gg = P * P.transpose();
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 64; ++j) ASSERT_NEAR(Gg(i, j), analytic_dot(i - j, 12, 0, true), 1e-10);
}

TEST(PositionalAbsolute, OddWidthIsRefused) {
  MatRM P;
  EXPECT_THROW(pe_sinusoidal_forward(P, 0, 4, 7, 10000.0), InputError);
  EXPECT_THROW(pe_sinusoidal_t2t_forward(P, 0, 4, 5, 10000.0), InputError);
  EXPECT_THROW(pe_geometric_forward(P, 0, 4, 3), InputError);
}

TEST(PositionalAbsolute, LearnedTableLookupBackwardAndItsEnd) {
  Rng rng(3);
  const MatRM table = random_matrix(6, 4, rng);
  MatRM P;
  pe_learned_forward(P, table, 2, 4);  // positions 2..5: the last row
  EXPECT_TRUE(P == table.middleRows(2, 4));
  try {
    pe_learned_forward(P, table, 3, 4);  // position 6 does not exist
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "inputs.pe_table");
    EXPECT_NE(std::string(e.what()).find("position 6"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("6 rows"), std::string::npos) << e.what();
  }
  EXPECT_THROW(pe_learned_forward(P, table, -1, 2), InputError);
  // Backward scatters (and accumulates) rows: f = sum(W .* P) -> dtable rows 2..5 = W.
  const MatRM W = random_matrix(4, 4, rng);
  MatRM dtable = MatRM::Zero(6, 4);
  pe_learned_backward(dtable, W, 2);
  pe_learned_backward(dtable, W, 2);
  EXPECT_TRUE(dtable.topRows(2).isZero());
  expect_close(dtable.bottomRows(4), MatRM(2 * W), "dtable");
}

// --- RoPE ---------------------------------------------------------------------------------------

RopeParams rope(RopeLayout layout, int r = 0, double base = 10000.0) {
  RopeParams p;
  p.layout = layout;
  p.rotary_dim = r;
  p.base = base;
  return p;
}

TEST(Rope, FastMatchesReferenceForwardAndBackward) {
  Rng rng(5);
  for (RopeLayout layout : {RopeLayout::Interleaved, RopeLayout::RotateHalf})
    for (int r : {0, 4, 6})
      for (double base : {10000.0, 500000.0}) {
        const MatRM x = random_matrix(9, 8, rng), dy = random_matrix(9, 8, rng);
        MatRM y, yr, dx, dxr;
        rope_forward(y, x, 3, rope(layout, r, base));
        rope_forward_ref(yr, x, 3, rope(layout, r, base));
        expect_close(y, yr, "rope y");
        rope_backward(dx, dy, 3, rope(layout, r, base));
        rope_backward_ref(dxr, dy, 3, rope(layout, r, base));
        expect_close(dx, dxr, "rope dx");
      }
}

TEST(Rope, PairsByHand) {
  // One row at position 1, d = 4, base 100: theta = (1, 1/10).
  MatRM x(1, 4);
  x << 1, 2, 3, 4;
  MatRM y;
  rope_forward(y, x, 1, rope(RopeLayout::Interleaved, 0, 100.0));
  const double c0 = std::cos(1.0), s0 = std::sin(1.0), c1 = std::cos(0.1), s1 = std::sin(0.1);
  EXPECT_NEAR(y(0, 0), 1 * c0 - 2 * s0, 1e-6);  // pair (0, 1)
  EXPECT_NEAR(y(0, 1), 1 * s0 + 2 * c0, 1e-6);
  EXPECT_NEAR(y(0, 2), 3 * c1 - 4 * s1, 1e-6);  // pair (2, 3)
  EXPECT_NEAR(y(0, 3), 3 * s1 + 4 * c1, 1e-6);
  rope_forward(y, x, 1, rope(RopeLayout::RotateHalf, 0, 100.0));
  EXPECT_NEAR(y(0, 0), 1 * c0 - 3 * s0, 1e-6);  // pair (0, 2)
  EXPECT_NEAR(y(0, 2), 1 * s0 + 3 * c0, 1e-6);
  EXPECT_NEAR(y(0, 1), 2 * c1 - 4 * s1, 1e-6);  // pair (1, 3)
  EXPECT_NEAR(y(0, 3), 2 * s1 + 4 * c1, 1e-6);
}

TEST(Rope, QueryKeyDotDependsOnlyOnRelativePosition) {
  Rng rng(8);
  for (RopeLayout layout : {RopeLayout::Interleaved, RopeLayout::RotateHalf})
    for (int r : {0, 4}) {
      const MatRM q = random_matrix(1, 8, rng), k = random_matrix(1, 8, rng);
      for (int m : {0, 3, 17})
        for (int n : {0, 5, 11}) {
          double ref = 0.0;
          for (int shift : {0, 1, 40, 300}) {
            MatRM qm, kn;
            rope_forward(qm, q, m + shift, rope(layout, r));
            rope_forward(kn, k, n + shift, rope(layout, r));
            const double dot = qm.cast<double>().row(0).dot(kn.cast<double>().row(0));
            if (shift == 0)
              ref = dot;
            else
              EXPECT_NEAR(dot, ref, 2e-5) << "m=" << m << " n=" << n << " shift=" << shift;
          }
        }
    }
}

TEST(Rope, BackwardIsTheInverseRotationAndNormsArePreserved) {
  Rng rng(9);
  const MatRM x = random_matrix(6, 8, rng);
  for (RopeLayout layout : {RopeLayout::Interleaved, RopeLayout::RotateHalf}) {
    MatRM y, back;
    rope_forward(y, x, 4, rope(layout));
    rope_backward(back, y, 4, rope(layout));
    expect_close(back, x, "R(-a) R(a) x");
    for (int t = 0; t < 6; ++t) EXPECT_NEAR(y.row(t).norm(), x.row(t).norm(), 1e-5);
    // Finite differences of f = sum(W .* rope(x)).
    const MatRM W = random_matrix(6, 8, rng);
    MatRM dx, xv = x;
    rope_backward(dx, W, 4, rope(layout));
    auto f = [&] {
      MatRM yy;
      rope_forward_ref(yy, xv, 4, rope(layout));
      return weighted_sum(yy, W);
    };
    expect_fd_gradient(f, xv.data(), xv.size(), dx.data(), "rope dx");
  }
}

TEST(Rope, PartialRotaryLeavesTheLastDimsAlone) {
  Rng rng(10);
  const MatRM x = random_matrix(5, 8, rng);
  MatRM y;
  rope_forward(y, x, 2, rope(RopeLayout::RotateHalf, 4));
  EXPECT_TRUE(y.rightCols(4) == x.rightCols(4));
  EXPECT_FALSE(y.leftCols(4).isApprox(x.leftCols(4)));
  MatRMd a;
  rope_angles(a, 2, 5, 4, 10000.0);
  EXPECT_DOUBLE_EQ(a(3, 0), 5.0);           // position 5, theta_0 = 1
  EXPECT_DOUBLE_EQ(a(3, 1), 5.0 / 100.0);   // theta_1 = 10000^(-2/4)
}

TEST(Rope, OddRotaryWidthIsRefused) {
  MatRM x = MatRM::Ones(2, 5), y;
  EXPECT_THROW(rope_forward(y, x, 0, rope(RopeLayout::Interleaved)), InputError);
  EXPECT_THROW(rope_forward(y, MatRM::Ones(2, 6), 0, rope(RopeLayout::Interleaved, 3)), InputError);
}

}  // namespace
}  // namespace attn
